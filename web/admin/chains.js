/*
 * chains.js - 审核流程: the review chain of a site or of one of its columns
 * (GET/PUT /review/chain/{site}?column=PATH, docs/workflow.md "Review
 * chains"). Steps by role or by named users, any-of or all-of, and
 * "distinct" (三审 by three people). The server checks everything and names
 * the step's field (steps[1].role); the console shows the message there.
 */
import {api, errorText, seg} from './api.js';
import {el, field, input, select, showError, clearErrors, message, ROLES} from './ui.js';
import {loadSites, siteLabel} from './sites.js';

const REVIEW_ROLES = [['reviewer', ROLES.reviewer], ['site_admin', ROLES.site_admin],
  ['platform_admin', ROLES.platform_admin]];
const MODES = [['any', '任一人通过即可'], ['all', '须全部通过（会签）']];

export async function page(body, arg, query) {
  const box = el('p', {class: 'msg', hidden: true, id: 'chain-msg'});
  const sr = await loadSites();
  if (sr.status !== 200) { message(box, errorText(sr), true); body.appendChild(box); return; }
  const sites = sr.body.items.filter(s => s.status === 'open');
  const want = query.get('site') || (sites[0] && (sites[0].code || String(sites[0].id)));
  const sitePick = select('site', sites.map(s => [s.code || String(s.id),
    '　'.repeat(s.depth || 0) + siteLabel(s)]), want);
  sitePick.id = 'chain-site';
  const colPick = select('column', [['', '整个站点（站点的审核流程）']], query.get('column') || '');
  colPick.id = 'chain-column';
  const pick = el('div', {class: 'toolbar'},
    el('div', {class: 'field'}, el('label', {for: 'chain-site', text: '站点'}), sitePick),
    el('div', {class: 'field'}, el('label', {for: 'chain-column', text: '栏目'}), colPick));
  const card = el('div', {id: 'chain'});
  body.append(pick, card);
  const go = () => {
    location.hash = '#/chain?site=' + seg(sitePick.value) + (colPick.value ? '&column=' + seg(colPick.value) : '');
  };
  sitePick.addEventListener('change', () => { colPick.value = ''; go(); });
  colPick.addEventListener('change', go);

  const cr = await api('GET', '/sites/' + seg(sitePick.value) + '/columns');
  if (cr.status === 200) {
    cr.body.items.forEach(c => colPick.appendChild(el('option', {value: c.path,
      text: '　'.repeat((c.depth || 0) + 1) + c.name + '（' + c.path + '）'})));
    colPick.value = query.get('column') || '';
  }
  await draw(card, sitePick.value, colPick.value, box);
}

function chainPath(site, column) {
  return '/review/chain/' + seg(site) + (column ? '?column=' + encodeURIComponent(column) : '');
}

function sourceText(source, column) {
  if (!source || source === 'none') return '未设置审核流程：发布无需审核。';
  if (source === 'site') return column ? '继承自站点的审核流程。' : '站点自己的审核流程。';
  const m = /^column (.+)$/.exec(source);
  if (m) return m[1] === column ? '此栏目自己的审核流程。' : '继承自上级栏目 ' + m[1] + ' 的审核流程。';
  return source;
}

async function draw(card, site, column, box) {
  card.textContent = '';
  const res = await api('GET', chainPath(site, column));
  if (res.status !== 200) { message(box, '审核流程无法读取：' + errorText(res), true); card.appendChild(box); return; }
  const chain = res.body;
  const form = el('form', {class: 'card form', novalidate: true, 'aria-labelledby': 'chain-title'});
  const title = el('h2', {id: 'chain-title', text: (column ? '栏目 ' + column : '站点') + ' 的审核流程'});
  const src = el('p', {class: 'note', id: 'chain-source', text: sourceText(chain.source, column)});
  const list = el('ol', {class: 'steps', id: 'chain-steps'});
  const distinct = el('input', {type: 'checkbox', name: 'distinct', id: 'chain-distinct'});
  distinct.checked = !!chain.distinct;
  const distinctWrap = el('div', {class: 'field check', 'data-field': 'distinct'},
    el('label', {for: 'chain-distinct'}, distinct, ' 每一步须由不同的人审核（三审由三人完成）'),
    el('p', {class: 'error field-error', hidden: true}));
  const addBtn = el('button', {type: 'button', class: 'secondary', id: 'chain-add', text: '增加一步'});
  const save = el('button', {type: 'submit', id: 'chain-save', text: '保存审核流程'});
  const none = el('button', {type: 'button', class: 'secondary', id: 'chain-none', text: '此处不需审核'});
  const inherit = column ? el('button', {type: 'button', class: 'secondary', id: 'chain-inherit',
    text: '改为继承上级'}) : null;
  form.append(title, src, list, el('p', {class: 'actions'}, addBtn), distinctWrap,
    el('p', {class: 'actions'}, save, none, inherit), box);
  card.appendChild(form);

  const rows = [];
  const renumber = () => rows.forEach((r, i) => r.setIndex(i));
  const addStep = (st) => {
    const r = stepRow(st || {name: '', role: 'reviewer'}, () => {
      rows.splice(rows.indexOf(r), 1);
      r.li.remove();
      renumber();
    });
    rows.push(r);
    list.appendChild(r.li);
    renumber();
    return r;
  };
  (chain.steps || []).forEach(st => addStep(st));
  addBtn.addEventListener('click', () => addStep().focus());

  const send = async (req, done) => {
    clearErrors(form);
    box.hidden = true;
    save.disabled = true;
    const r = await api('PUT', chainPath(site, column), req);
    save.disabled = false;
    if (r.status === 200) {
      message(box, done, false);
      src.textContent = sourceText(r.body.source, column);
      if (req.inherit || req.steps.length === 0) {
        list.textContent = '';
        rows.length = 0;
        (r.body.steps || []).forEach(st => addStep(st));
        distinct.checked = !!r.body.distinct;
      }
      return;
    }
    showError(form, box, r, '未能保存：' + errorText(r));
  };
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const req = {steps: rows.map(r => r.value())};
    if (distinct.checked) req.distinct = true;
    send(req, '已保存：共 ' + req.steps.length + ' 步' + (req.distinct ? '，每步须不同的人' : '') + '。');
  });
  none.addEventListener('click', () => send({steps: []}, '已保存：此处发布无需审核。'));
  if (inherit) inherit.addEventListener('click', () => send({inherit: true}, '已改为继承上级的审核流程。'));
}

/* One step: name, who (a role or logins), mode; fields named as the API names them (steps[i].role). */
function stepRow(st, remove) {
  const name = input('name', {value: st.name || '', autocomplete: 'off'});
  const kind = select('kind', [['role', '按角色'], ['users', '指定人员']], st.users ? 'users' : 'role');
  const role = select('role', REVIEW_ROLES, st.role || 'reviewer');
  const users = input('users', {value: (st.users || []).join(', '), autocomplete: 'off',
    placeholder: '登录名，逗号分隔'});
  const mode = select('mode', MODES, st.mode || 'any');
  const fName = field('步骤名称', name), fKind = field('审核人', kind), fRole = field('角色', role),
    fUsers = field('人员', users), fMode = field('通过方式', mode);
  const head = el('h3', {class: 'step-title'});
  const del = el('button', {type: 'button', class: 'link-button danger', text: '删除此步', onclick: remove});
  const li = el('li', {class: 'step card'}, head,
    el('div', {class: 'row'}, fName.wrap, fKind.wrap), el('div', {class: 'row'}, fRole.wrap, fUsers.wrap),
    fMode.wrap, del);
  const showKind = () => {
    fRole.wrap.hidden = kind.value !== 'role';
    fUsers.wrap.hidden = kind.value !== 'users';
  };
  kind.addEventListener('change', showKind);
  showKind();
  return {
    li,
    focus: () => name.focus(),
    setIndex(i) {
      head.textContent = '第 ' + (i + 1) + ' 步' + (name.value ? '：' + name.value : '');
      fName.wrap.dataset.field = 'steps[' + i + '].name';
      fRole.wrap.dataset.field = 'steps[' + i + '].role';
      fUsers.wrap.dataset.field = 'steps[' + i + '].users';
      fMode.wrap.dataset.field = 'steps[' + i + '].mode';
      del.setAttribute('aria-label', '删除此步（第 ' + (i + 1) + ' 步）');
    },
    value() {
      const v = {name: name.value.trim()};
      if (kind.value === 'role') v.role = role.value;
      else v.users = users.value.split(/[,，、\s]+/).filter(Boolean);
      if (mode.value !== 'any') v.mode = mode.value;
      return v;
    },
  };
}
