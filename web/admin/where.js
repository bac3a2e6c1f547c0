/*
 * where.js - 信息去向 (where is my item): every site and column showing the
 * item, its page per channel, whether the rendered file exists and which
 * mirrors confirmed it since when (GET /items/{id}/where), plus the item's
 * workflow history (GET /items/{id}/history).
 */
import {api, errorText, seg} from './api.js';
import {el, field, input, message, table, fmtTime, STATES} from './ui.js';
import {show} from './show.js';

export async function page(body, arg, query, h1) {
  const form = el('form', {class: 'toolbar', role: 'search'});
  const f = field('信息编号', input('item', {value: arg || '', inputmode: 'numeric', autocomplete: 'off'}));
  form.append(f.wrap, el('button', {type: 'submit', text: '查询去向'}));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const v = f.input.value.trim();
    if (/^\d+$/.test(v)) location.hash = '#/where/' + v;
    else message(box, '请输入信息编号（数字）。', true);
  });
  const box = el('p', {class: 'msg', hidden: true, id: 'where-msg'});
  body.append(form, box);
  if (!arg) return;
  const [it, w, h] = await Promise.all([api('GET', '/items/' + seg(arg)),
    api('GET', '/items/' + seg(arg) + '/where'), api('GET', '/items/' + seg(arg) + '/history')]);
  if (it.status === 200) h1.textContent = '信息去向：' + it.body.title;
  const out = el('section', {class: 'card', id: 'where', 'aria-labelledby': 'where-title'},
    el('h2', {id: 'where-title', text: '在哪些站点、栏目和镜像'}));
  if (w.status !== 200) out.appendChild(el('p', {class: 'error', role: 'alert', text: errorText(w)}));
  else if (Array.isArray(w.body.places)) drawPlaces(out, w.body.places);
  else out.appendChild(show(w.body));
  const hist = el('section', {class: 'card', 'aria-labelledby': 'hist-title'},
    el('h2', {id: 'hist-title', text: '流转记录'}));
  if (h.status !== 200) hist.appendChild(el('p', {class: 'error', text: errorText(h)}));
  else if (Array.isArray(h.body.items)) {
    hist.appendChild(h.body.items.length ? table(['时间', '栏目', '操作', '状态', '操作人', '意见'],
      h.body.items.map(e => [fmtTime(e.at), e.column, ACTIONS[e.action] || e.action,
        (STATES[e.from] || e.from || '') + ' → ' + (STATES[e.to] || e.to || ''),
        e.actor || '', e.comment || ''])) : el('p', {class: 'note', text: '还没有流转记录。'}));
  } else hist.appendChild(show(h.body));
  body.append(out, hist);
}

const ACTIONS = {submit: '提交审核', approve: '通过', reject: '退回', publish: '发布', withdraw: '撤回',
  schedule: '定时'};
const CHANNELS = {desktop: '电脑版', mobile: '手机版', elder: '长辈版', json: 'JSON'};

/* One card per place: where it shows, how, its state, then its pages and their mirrors. */
function drawPlaces(out, places) {
  if (!places.length) { out.appendChild(el('p', {class: 'note', text: '此信息还没有在任何栏目中。'})); return; }
  out.appendChild(el('p', {class: 'note', text: '共 ' + places.length + ' 处。'}));
  for (const p of places) {
    const sec = el('div', {class: 'place'},
      el('h3', {text: (p.site_name || p.site) + ' · ' + (p.column_name || p.column)}),
      el('p', null, el('span', {class: 'tag', text: p.how === 'reused' ? '共享引用' : '本站发布'}), ' ',
        el('span', {class: 'tag', text: STATES[p.state] || p.state || ''}), ' ',
        el('span', {class: 'url', text: p.column}),
        p.source ? el('span', {class: 'note', text: '（来自 ' + p.source + '）'}) : null,
        p.published_at ? el('span', {class: 'note', text: ' 发布于 ' + fmtTime(p.published_at)}) : null));
    const pages = p.pages || [];
    sec.appendChild(pages.length ? table(['渠道', '页面地址', '已渲染', '更新时间', '镜像'], pages.map(g => [
      CHANNELS[g.channel] || g.channel, el('span', {class: 'url', text: g.url || g.path}),
      g.rendered ? '是' : '尚未渲染', fmtTime(g.updated_at),
      (g.mirrors || []).length ? el('ul', {class: 'plain'}, ...g.mirrors.map(m => el('li', {
        text: m.name + '：' + (m.confirmed ? '已同步（自 ' + fmtTime(m.since) + '）' : '未同步') +
          (m.enabled === false ? '，已停用' : '')}))) : '无镜像'])) : el('p', {class: 'note', text: '没有页面。'}));
    out.appendChild(sec);
  }
}
