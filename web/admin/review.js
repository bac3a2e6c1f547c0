/*
 * review.js - the reviewer's pages: 待审列表 (GET /review/queue: what waits
 * for this user) and one item's review: the diff of its last revision
 * against the previous one (GET /items/{id}/revisions, /diff?from=&to=),
 * the checks' findings (GET /items/{id}/checks), and 通过 / 退回 / 发布 with
 * a comment (POST /items/{id}/workflow).
 */
import {api, errorText, seg} from './api.js';
import {el, field, select, message, table, fmtTime, STATES} from './ui.js';
import {findingsList} from './show.js';

export async function queue(body) {
  const box = el('p', {class: 'msg', hidden: true, id: 'queue-msg'});
  body.appendChild(box);
  const res = await api('GET', '/review/queue');
  if (res.status !== 200) { message(box, '待审列表无法读取：' + errorText(res), true); return; }
  const rows = (res.body.items || []).map(q => [
    el('a', {href: '#/review-item/' + seg(q.item_id) + '?column=' + seg(q.column), text: q.title}),
    (q.site_name ? q.site_name + ' · ' : '') + q.column, STATES[q.state] || q.state, q.waiting || '',
    q.submitter || '', fmtTime(q.since)]);
  body.appendChild(rows.length ? table(['标题', '栏目', '状态', '等待', '提交人', '时间'], rows,
    '共 ' + rows.length + ' 条待处理') : el('p', {class: 'note', text: '没有等待您处理的信息。'}));
}

export async function item(body, arg, query, h1) {
  const box = el('p', {class: 'msg', hidden: true, id: 'review-msg'});
  const it = await api('GET', '/items/' + seg(arg));
  if (it.status !== 200) { message(box, errorText(it), true); body.appendChild(box); return; }
  const item = it.body;
  h1.textContent = '审核：' + item.title;
  const places = (item.placements || []).map(p => p.site + ':' + p.column);
  const col = select('column', places.map(c => [c, c + '（' + (STATES[stateOf(item, c)] || stateOf(item, c)) + '）']),
    query.get('column'));
  const colF = field('栏目', col);

  /* the diff of the last revision against the one before */
  const diff = el('section', {class: 'card', id: 'diff', 'aria-labelledby': 'diff-title'},
    el('h2', {id: 'diff-title', text: '与上一版本的差异'}));
  const rv = await api('GET', '/items/' + seg(arg) + '/revisions');
  if (rv.status !== 200) diff.appendChild(el('p', {class: 'error', text: errorText(rv)}));
  else {
    const revs = rv.body.items || [];
    const last = revs.length ? revs[revs.length - 1].revision : 1;
    if (last < 2) diff.appendChild(el('p', {class: 'note', text: '这是第一个版本，没有可比较的上一版本。'}));
    else {
      const d = await api('GET', '/items/' + seg(arg) + '/diff?from=' + (last - 1) + '&to=' + last);
      if (d.status !== 200) diff.appendChild(el('p', {class: 'error', text: errorText(d)}));
      else drawDiff(diff, d.body, last);
    }
  }

  const checks = el('section', {class: 'card', 'aria-labelledby': 'rc-title'},
    el('h2', {id: 'rc-title', text: '内容检查'}));
  const ck = await api('GET', '/items/' + seg(arg) + '/checks');
  if (ck.status !== 200) checks.appendChild(el('p', {class: 'error', text: '检查结果无法读取：' + errorText(ck)}));
  else {
    const list = ck.body.findings || ck.body.items || [];
    checks.appendChild(list.length ? findingsList(list) : el('p', {class: 'ok', text: '未发现问题。'}));
  }

  const comment = el('textarea', {name: 'comment', rows: 3});
  const cf = field('审核意见（退回时必填）', comment);
  const act = (action, label, cls) => el('button', {type: 'button', class: cls || '', id: 'act-' + action, text: label,
    onclick: async () => {
      box.hidden = true;
      const req = {action, column: col.value};
      const c = comment.value.trim();
      if (action === 'reject') {
        if (!c) { message(box, '退回时请填写意见。', true); comment.focus(); return; }
        req.reason = c;
      } else if (c) req.comment = c;
      const r = await api('POST', '/items/' + seg(arg) + '/workflow', req);
      if (r.status === 200) {
        message(box, label + '：' + col.value + '，' + (STATES[r.body.from] || r.body.from || '') + ' → ' +
          (STATES[r.body.to] || r.body.to || '') + '。', false);
      } else message(box, label + '失败：' + errorText(r), true);
    }});
  const form = el('section', {class: 'card form', 'aria-labelledby': 'decide-title'},
    el('h2', {id: 'decide-title', text: '审核决定'}), colF.wrap, cf.wrap,
    el('p', {class: 'actions'}, act('approve', '通过'), act('reject', '退回', 'danger'),
      act('publish', '发布', 'secondary')), box,
    el('p', null, el('a', {href: '#/where/' + seg(arg), text: '查看信息去向'}), ' ',
      el('a', {href: '#/edit/' + seg(arg), text: '打开编辑页'})));
  body.append(form, diff, checks);
}

function stateOf(item, c) {
  const p = (item.placements || []).find(x => x.site + ':' + x.column === c);
  return p ? p.state : '';
}

function drawDiff(box, d, last) {
  const changes = d.changes || [];
  box.appendChild(el('p', {class: 'note', text: '版本 ' + (last - 1) + ' → ' + last + '，共 ' + changes.length + ' 处修改。'}));
  for (const c of changes) {
    const sec = el('div', {class: 'change'}, el('h3', {text: c.label || c.field}));
    if (c.lines && c.lines.length) {
      const pre = el('div', {class: 'difflines'});
      c.lines.forEach(l => pre.appendChild(el(l.op === '+' ? 'ins' : l.op === '-' ? 'del' : 'div',
        {class: 'line op' + (l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same')},
        el('span', {class: 'visually-hidden', text: l.op === '+' ? '新增：' : l.op === '-' ? '删除：' : ''}), l.text)));
      sec.appendChild(pre);
    } else {
      sec.append(el('p', null, el('del', {text: fmt(c.before)})), el('p', null, el('ins', {text: fmt(c.after)})));
    }
    box.appendChild(sec);
  }
}

function fmt(v) {
  if (v === null || v === undefined || v === '') return '（空）';
  return Array.isArray(v) ? v.join('，') : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
