/*
 * columns.js - 我的栏目: the column tree of each site the user's grants name
 * (GET /sites/{site}/columns), a column's items as editors see them (GET
 * /columns/{column}/items), and a start for writing into that column.
 */
import {api, errorText, seg, session} from './api.js';
import {el, select, message, table, STATES} from './ui.js';

/* The sites of my grants: [code-or-id, label]; the platform's admins get every open site. */
export async function mySites() {
  const own = new Map();
  for (const g of session.grants) {
    if (g.site && g.role !== 'auditor') own.set(String(g.site), g.site_name || String(g.site));
  }
  const res = await api('GET', '/sites?status=open');
  if (res.status !== 200) return {error: res, sites: [...own]};
  const all = res.body.items.filter(s => s.code);
  const admin = session.grants.some(g => g.role === 'platform_admin');
  const byKey = s => own.has(s.code) || own.has(String(s.id)) || own.has(s.name);
  const list = all.filter(s => admin || byKey(s));
  return {sites: (list.length ? list : all.filter(byKey)).map(s => [s.code, s.name + '（' + s.code + '）'])};
}

export async function page(body, arg, query) {
  const box = el('p', {class: 'msg', hidden: true});
  body.appendChild(box);
  const {error, sites} = await mySites();
  if (error) { message(box, errorText(error), true); return; }
  if (!sites.length) { message(box, '您还没有任何站点的授权，请联系站点管理员。', true); return; }
  const want = query.get('site') || sites[0][0];
  const pick = select('site', sites, want);
  pick.id = 'column-site';
  const treeBox = el('nav', {'aria-label': '栏目树', class: 'coltree'});
  const items = el('section', {class: 'card', 'aria-live': 'polite', id: 'column-items'},
    el('p', {class: 'note', text: '选择栏目查看其中的信息。'}));
  body.append(el('div', {class: 'toolbar'}, el('label', {for: 'column-site', class: 'filter'},
    el('span', {text: '站点'})), pick), el('div', {class: 'split'}, treeBox, items));
  pick.addEventListener('change', () => { location.hash = '#/columns?site=' + seg(pick.value); });

  const res = await api('GET', '/sites/' + seg(pick.value) + '/columns');
  if (res.status !== 200) { message(box, errorText(res), true); return; }
  const cols = res.body.items;
  const byId = new Map(), roots = [];
  cols.forEach(c => byId.set(c.id, Object.assign({children: []}, c)));
  byId.forEach(c => { const p = byId.get(c.parent_id); (p ? p.children : roots).push(c); });
  const ul = el('ul', {class: 'tree'});
  const draw = (c) => {
    const b = el('button', {type: 'button', class: 'node', 'data-path': c.path, 'aria-pressed': 'false'},
      el('span', {class: 'name', text: c.name}), el('span', {class: 'code', text: c.path}),
      c.reuse_site || c.reuse_column || c.reuse_from ? el('span', {class: 'tag', text: '共享'}) : null);
    b.addEventListener('click', () => {
      treeBox.querySelectorAll('[aria-pressed="true"]').forEach(x => x.setAttribute('aria-pressed', 'false'));
      b.setAttribute('aria-pressed', 'true');
      showColumn(pick.value, c, items);
    });
    const li = el('li', null, b);
    if (c.children.length) {
      const sub = el('ul');
      c.children.forEach(k => sub.appendChild(draw(k)));
      li.appendChild(sub);
    }
    return li;
  };
  roots.forEach(c => ul.appendChild(draw(c)));
  treeBox.appendChild(ul);
}

async function showColumn(site, c, box) {
  const col = site + ':' + c.path;
  box.textContent = '正在读取……';
  const res = await api('GET', '/columns/' + seg(col) + '/items?limit=100');
  box.textContent = '';
  box.append(el('h2', {text: c.name}), el('p', {class: 'actions'},
    el('a', {class: 'button', href: '#/edit?site=' + seg(site) + '&column=' + seg(col), text: '在此栏目写信息'})));
  if (res.status !== 200) { box.appendChild(el('p', {class: 'error', role: 'alert', text: errorText(res)})); return; }
  const rows = res.body.items.map(i => [
    el('a', {href: '#/edit/' + seg(i.item_id), text: i.title}), STATES[i.state] || i.state,
    el('a', {href: '#/where/' + seg(i.item_id), text: '去向', 'aria-label': '去向：' + i.title})]);
  box.appendChild(rows.length ? table(['标题', '状态', ''], rows) : el('p', {class: 'note', text: '此栏目还没有信息。'}));
}
