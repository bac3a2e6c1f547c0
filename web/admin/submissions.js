/*
 * submissions.js - 信息报送 (docs/workflow.md "Submissions to a higher
 * site"): what was sent to a site's columns and waits (采用 or 退回 with a
 * reason: POST /submissions/{id}/adopt, /decline), what the site sent
 * upwards and what became of it, and the statistics per site on the other
 * side (GET /submissions/stats). Sending an item up is on the item's page
 * (sendForm, used by editor.js): POST /submissions.
 */
import {api, errorText, seg, newIdemKey} from './api.js';
import {el, field, select, showError, clearErrors, message, table, fmtTime} from './ui.js';
import {mySites} from './columns.js';
import {loadSites, siteLabel} from './sites.js';

const SUB_STATES = {pending: '待处理', adopted: '已采用', declined: '未采用'};
const PERIODS = [['month', '按月'], ['quarter', '按季度'], ['year', '按年']];

export async function page(body, arg, query) {
  const box = el('p', {class: 'msg', hidden: true, id: 'sub-msg'});
  const {error, sites} = await mySites();
  if (error) { message(box, errorText(error), true); body.appendChild(box); return; }
  if (!sites.length) { message(box, '您还没有任何站点的授权。', true); body.appendChild(box); return; }
  const want = query.get('site') || sites[0][0];
  const pick = select('site', sites, want);
  pick.id = 'sub-site';
  const period = select('period', PERIODS, query.get('period') || 'month');
  period.id = 'sub-period';
  body.append(el('div', {class: 'toolbar'},
    el('div', {class: 'field'}, el('label', {for: 'sub-site', text: '站点'}), pick),
    el('div', {class: 'field'}, el('label', {for: 'sub-period', text: '统计周期'}), period)), box);
  const go = () => { location.hash = '#/submissions?site=' + seg(pick.value) + '&period=' + period.value; };
  pick.addEventListener('change', go);
  period.addEventListener('change', go);
  const site = pick.value;

  const inbox = el('section', {class: 'card', id: 'sub-received', 'aria-labelledby': 'sub-in-title'},
    el('h2', {id: 'sub-in-title', text: '收到的报送（待处理）'}));
  const sent = el('section', {class: 'card', id: 'sub-sent', 'aria-labelledby': 'sub-out-title'},
    el('h2', {id: 'sub-out-title', text: '本站报送的信息'}));
  const stats = el('section', {class: 'card', id: 'sub-stats', 'aria-labelledby': 'sub-stats-title'},
    el('h2', {id: 'sub-stats-title', text: '报送统计'}));
  body.append(inbox, sent, stats);
  await Promise.all([received(inbox, site), sentList(sent, site),
    statsTables(stats, site, period.value)]);
}

async function received(sec, site) {
  const res = await api('GET', '/submissions?site=' + seg(site) + '&direction=received&limit=100');
  if (res.status !== 200) { sec.appendChild(el('p', {class: 'error', role: 'alert', text: '无法读取：' + errorText(res)})); return; }
  const all = res.body.items || [];
  const pending = all.filter(s => s.state === 'pending'), decided = all.filter(s => s.state !== 'pending');
  if (!pending.length) sec.appendChild(el('p', {class: 'note', text: '没有待处理的报送。'}));
  else {
    const ul = el('ul', {class: 'subs'});
    pending.forEach(s => ul.appendChild(decideRow(s)));
    sec.appendChild(ul);
  }
  if (decided.length) {
    sec.appendChild(el('h3', {text: '最近处理的报送'}));
    sec.appendChild(table(['标题', '报送单位', '报送栏目', '结果', '处理时间', '原因'], decided.map(s => [
      el('a', {href: '#/review-item/' + seg(s.item_id), text: s.title || '#' + s.item_id}), s.from_site || '',
      s.column, SUB_STATES[s.state] || s.state, fmtTime(s.decided_at), s.reason || ''])));
  }
}

/* One pending submission: what, from where, into which column; 采用 or 退回 with a reason. */
function decideRow(s) {
  const label = s.title || '#' + s.item_id;
  const note = el('input', {type: 'text', name: 'reason', 'aria-label': '处理意见：' + label,
    placeholder: '意见（退回时必填）'});
  const out = el('p', {class: 'msg', hidden: true});
  const wrap = el('div', {class: 'field', 'data-field': 'reason'}, note,
    el('p', {class: 'error field-error', hidden: true}));
  const form = el('div', {class: 'decide'}, wrap);
  const act = (what, text, cls) => el('button', {type: 'button', class: cls || '', text,
    'aria-label': text + '：' + label, onclick: async () => {
      clearErrors(form);
      out.hidden = true;
      const v = note.value.trim();
      if (what === 'decline' && !v) {
        showError(form, out, {body: {error: {field: 'reason', message: '退回时请填写原因，报送单位会看到。'}}},
          '退回时请填写原因。');
        return;
      }
      const r = await api('POST', '/submissions/' + seg(s.id) + '/' + what,
        what === 'adopt' ? (v ? {note: v} : {}) : {reason: v});
      if (r.status === 200) {
        message(out, what === 'adopt' ? '已采用：《' + label + '》已进入栏目 ' + s.column + ' 的审核流程。'
          : '已退回：《' + label + '》。', false);
        form.querySelectorAll('button').forEach(b => { b.disabled = true; });
      } else showError(form, out, r, (what === 'adopt' ? '采用' : '退回') + '失败：' + errorText(r));
    }});
  form.append(el('p', {class: 'actions'}, act('adopt', '采用'), act('decline', '退回', 'danger')), out);
  return el('li', {class: 'sub'},
    el('p', null, el('a', {href: '#/review-item/' + seg(s.item_id), text: label}),
      el('span', {class: 'note', text: ' 来自 ' + (s.from_site || '') + '，报送到 ' + s.column +
        '，' + (s.submitted_by || '') + ' ' + fmtTime(s.submitted_at)})), form);
}

async function sentList(sec, site) {
  const res = await api('GET', '/submissions?site=' + seg(site) + '&direction=sent');
  if (res.status !== 200) { sec.appendChild(el('p', {class: 'error', role: 'alert', text: '无法读取：' + errorText(res)})); return; }
  const rows = (res.body.items || []).map(s => [
    el('a', {href: '#/edit/' + seg(s.item_id), text: s.title || '#' + s.item_id}), s.column,
    SUB_STATES[s.state] || s.state, fmtTime(s.submitted_at), s.reason || '']);
  sec.appendChild(rows.length ? table(['标题', '报送栏目', '状态', '报送时间', '退回原因'], rows)
    : el('p', {class: 'note', text: '本站还没有报送过信息。'}));
}

async function statsTables(sec, site, period) {
  for (const [dir, caption] of [['sent', '本站报送（按接收单位）'], ['received', '收到的报送（按报送单位）']]) {
    const res = await api('GET', '/submissions/stats?site=' + seg(site) + '&direction=' + dir + '&period=' + period);
    if (res.status !== 200) {
      sec.appendChild(el('p', {class: 'error', role: 'alert', text: caption + '无法读取：' + errorText(res)}));
      continue;
    }
    const rows = (res.body.items || []).map(s => [
      s.period === 'total' ? '合计' : s.period, s.site_name || s.site || '', String(s.submitted),
      String(s.adopted), String(s.declined), String(s.pending),
      s.adoption_rate === null || s.adoption_rate === undefined ? '—' : Math.round(s.adoption_rate * 100) + '%']);
    sec.appendChild(rows.length ? table(['周期', '单位', '报送', '采用', '未采用', '待处理', '采用率'], rows, caption)
      : el('p', {class: 'note', text: caption + '：暂无数据。'}));
  }
}

/*
 * 报送上级 on an item's page: a site above the item's (any open site; the
 * server refuses one that is not above, a column not taking the kind, or
 * one showing the item already, naming the field) and one of its columns.
 */
export async function sendForm(item) {
  const sec = el('section', {class: 'card form', id: 'submit-up', 'aria-labelledby': 'up-title'},
    el('h2', {id: 'up-title', text: '报送上级（信息报送）'}));
  const box = el('p', {class: 'msg', hidden: true, id: 'up-msg'});
  const sr = await loadSites();
  if (sr.status !== 200) { message(box, errorText(sr), true); sec.appendChild(box); return sec; }
  const sitePick = select('up-site', [['', '选择上级站点']].concat(sr.body.items
    .filter(s => s.status === 'open' && s.code && (s.depth || 0) <= 2)
    .map(s => [s.code, '　'.repeat(s.depth || 0) + siteLabel(s)])));
  sitePick.id = 'up-site';
  const colPick = select('column', [['', '先选择站点']]);
  colPick.id = 'up-column';
  const comment = el('input', {type: 'text', name: 'comment', id: 'up-comment'});
  sitePick.addEventListener('change', async () => {
    colPick.textContent = '';
    if (!sitePick.value) return;
    const r = await api('GET', '/sites/' + seg(sitePick.value) + '/columns');
    if (r.status !== 200) { message(box, errorText(r), true); return; }
    r.body.items.forEach(c => colPick.appendChild(el('option', {value: sitePick.value + ':' + c.path,
      text: '　'.repeat(c.depth || 0) + c.name + '（' + c.path + '）'})));
  });
  const colField = field('报送到栏目', colPick);
  const btn = el('button', {type: 'submit', id: 'up-send', text: '报送'});
  const form = el('form', {novalidate: true},
    el('div', {class: 'row'}, field('上级站点', sitePick).wrap, colField.wrap),
    field('报送说明（可选）', comment).wrap, el('p', {class: 'actions'}, btn), box);
  let key = newIdemKey();
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    box.hidden = true;
    if (!colPick.value) {
      showError(form, box, {body: {error: {field: 'column', message: '请选择上级站点的栏目。'}}}, '请先选择栏目。');
      return;
    }
    const req = {item: Number(item.id), column: colPick.value};
    if (comment.value.trim()) req.comment = comment.value.trim();
    btn.disabled = true;
    const r = await api('POST', '/submissions', req, key);
    btn.disabled = false;
    if (r.status === 201) {
      key = newIdemKey();
      message(box, '已报送到 ' + colPick.value + '，等待对方采用（报送编号 ' + r.body.id + '）。', false);
      return;
    }
    showError(form, box, r, '报送失败：' + errorText(r));
  });
  sec.appendChild(form);
  return sec;
}
