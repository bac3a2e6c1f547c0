/*
 * items.js - 信息列表: the items the user may read (GET /items) with the
 * API's filters (site, kind, title text) and sorting, paged.
 */
import {api, errorText, seg} from './api.js';
import {el, field, input, select, message, table, fmtTime, KINDS} from './ui.js';
import {mySites} from './columns.js';

export async function page(body, arg, query) {
  const {sites} = await mySites();
  const form = el('form', {class: 'toolbar filters', role: 'search'});
  const f = {
    site: field('站点', select('site', [['', '全部站点']].concat(sites), query.get('site'))),
    kind: field('类型', select('kind', [['', '全部类型']].concat(KINDS), query.get('kind'))),
    q: field('标题包含', input('q', {type: 'search', value: query.get('q') || ''})),
    sort: field('排序', select('sort', [['-updated_at', '最近修改'], ['updated_at', '最早修改'],
      ['-id', '最新创建'], ['title', '标题']], query.get('sort'))),
  };
  Object.values(f).forEach(x => form.appendChild(x.wrap));
  form.appendChild(el('button', {type: 'submit', text: '查询'}));
  const box = el('p', {class: 'msg', hidden: true});
  const list = el('div', {'aria-live': 'polite'});
  body.append(form, box, list);
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const k of Object.keys(f)) if (f[k].input.value) p.set(k, f[k].input.value);
    location.hash = '#/items?' + p.toString();
  });

  const page = Math.max(1, parseInt(query.get('page') || '1', 10) || 1);
  const p = new URLSearchParams({page: String(page), page_size: '50'});
  for (const k of Object.keys(f)) if (query.get(k)) p.set(k, query.get(k));
  const res = await api('GET', '/items?' + p.toString());
  if (res.status !== 200) { message(box, errorText(res), true); return; }
  const kinds = Object.fromEntries(KINDS);
  list.appendChild(table(['编号', '标题', '类型', '站点', '修改时间', ''], res.body.items.map(i => [
    String(i.id), el('a', {href: '#/edit/' + seg(i.id), text: i.title}), kinds[i.kind] || i.kind,
    i.site_name || i.site || '', fmtTime(i.updated_at),
    el('a', {href: '#/where/' + seg(i.id), text: '去向', 'aria-label': '去向：' + i.title})]),
  '共 ' + res.body.total + ' 条'));
  const pages = Math.ceil((res.body.total || 0) / 50);
  if (pages > 1) {
    const nav = el('nav', {class: 'pager', 'aria-label': '分页'});
    const link = (n, t) => { const q = new URLSearchParams(query); q.set('page', String(n));
      return el('a', {href: '#/items?' + q.toString(), text: t}); };
    if (page > 1) nav.appendChild(link(page - 1, '上一页'));
    nav.appendChild(el('span', {text: '第 ' + page + ' / ' + pages + ' 页'}));
    if (page < pages) nav.appendChild(link(page + 1, '下一页'));
    list.appendChild(nav);
  }
}
