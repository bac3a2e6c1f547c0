/*
 * scheduled.js - 定时发布: what is scheduled on a site, soonest first (GET
 * /schedule?site=), each with 取消 (POST /items/{id}/schedule with null:
 * the server checks item.publish). Setting a time is on the item's page
 * (editor.js), per placement.
 */
import {api, errorText, seg} from './api.js';
import {el, select, message, table, fmtTime, STATES} from './ui.js';
import {mySites} from './columns.js';

export async function page(body, arg, query) {
  const box = el('p', {class: 'msg', hidden: true, id: 'sched-msg'});
  const {error, sites} = await mySites();
  if (error) { message(box, errorText(error), true); body.appendChild(box); return; }
  const pick = select('site', [['', '全部站点']].concat(sites), query.get('site') || '');
  pick.id = 'sched-site';
  pick.addEventListener('change', () => { location.hash = '#/scheduled' + (pick.value ? '?site=' + seg(pick.value) : ''); });
  const list = el('section', {class: 'card', id: 'sched-list', 'aria-labelledby': 'sched-title'});
  body.append(el('div', {class: 'toolbar'},
    el('div', {class: 'field'}, el('label', {for: 'sched-site', text: '站点'}), pick)), box, list);
  await draw(list, box, pick.value);
}

async function draw(list, box, site) {
  list.textContent = '';
  list.appendChild(el('h2', {id: 'sched-title', text: '已设定的定时发布与定时撤下'}));
  const res = await api('GET', '/schedule' + (site ? '?site=' + seg(site) : ''));
  if (res.status !== 200) { message(box, '定时任务无法读取：' + errorText(res), true); return; }
  const rows = (res.body.items || []).map(s => {
    const label = s.title || '#' + s.item_id;
    const cancel = (what, text) => el('button', {type: 'button', class: 'link-button danger', text,
      'aria-label': text + '：' + label + '（' + s.column + '）', onclick: async () => {
        box.hidden = true;
        const req = {column: s.column};
        req[what] = null;
        const r = await api('POST', '/items/' + seg(s.item_id) + '/schedule', req);
        if (r.status !== 200) { message(box, text + '失败：' + errorText(r), true); return; }
        message(box, '已' + text + '：《' + label + '》（' + s.column + '）。', false);
        await draw(list, box, site);
      }});
    return [el('a', {href: '#/edit/' + seg(s.item_id), text: label}),
      (s.site_name ? s.site_name + ' · ' : '') + s.column, STATES[s.state] || s.state,
      s.publish_at ? el('span', null, fmtTime(s.publish_at) + ' ', cancel('publish_at', '取消定时发布')) : '—',
      s.withdraw_at ? el('span', null, fmtTime(s.withdraw_at) + ' ', cancel('withdraw_at', '取消定时撤下')) : '—'];
  });
  list.appendChild(rows.length ? table(['标题', '栏目', '状态', '定时发布', '定时撤下'], rows,
    '共 ' + rows.length + ' 项') : el('p', {class: 'note', text: '没有已设定的定时任务。'}));
}
