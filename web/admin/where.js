/*
 * where.js - 信息去向 (where is my item): every site and column showing the
 * item, its page per channel, whether the rendered file exists and which
 * mirrors confirmed it since when (GET /items/{id}/where), plus the item's
 * workflow history (GET /items/{id}/history).
 */
import {api, errorText, seg} from './api.js';
import {el, field, input, message} from './ui.js';
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
  else out.appendChild(show(w.body));
  const hist = el('section', {class: 'card', 'aria-labelledby': 'hist-title'},
    el('h2', {id: 'hist-title', text: '流转记录'}));
  if (h.status !== 200) hist.appendChild(el('p', {class: 'error', text: errorText(h)}));
  else hist.appendChild(show(h.body.items || h.body.events || h.body));
  body.append(out, hist);
}
