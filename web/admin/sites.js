/*
 * sites.js - the platform admin's pages: 站点树 (the tree of every site,
 * filter, details), 新建子站 (POST /sites from a blueprint; the API's
 * messages shown at the field they name) and 站点设置 (PATCH /sites/{site},
 * close/merge and reopen).
 */
import {api, errorText, seg, newIdemKey} from './api.js';
import {el, field, input, select, showError, clearErrors, message, LEVELS, STATUS} from './ui.js';

let cache = [];

export async function loadSites() {
  const res = await api('GET', '/sites');
  if (res.status === 200) cache = res.body.items;
  return res;
}

export function siteLabel(s) {
  return s.name + (s.code ? '（' + s.code + '）' : '');
}

export async function tree(body) {
  const q = input('filter', {type: 'search', placeholder: '名称或标识码'});
  const st = select('status', [['', '全部'], ['open', '开通'], ['closed', '关停']]);
  const count = el('span', {class: 'count', 'aria-live': 'polite'});
  const ul = el('ul', {class: 'tree', id: 'tree'});
  const detail = el('article', {class: 'card detail', id: 'detail', 'aria-live': 'polite'},
    el('p', {class: 'note', text: '选择左侧的站点查看详情。'}));
  body.append(
    el('div', {class: 'toolbar'},
      el('label', {class: 'filter'}, el('span', {text: '筛选'}), q),
      el('label', {class: 'filter'}, el('span', {text: '状态'}), st),
      el('a', {class: 'button', href: '#/site-new', text: '新建子站'}), count),
    el('div', {class: 'split'}, el('nav', {'aria-label': '站点树'}, ul), detail));
  const res = await loadSites();
  if (res.status !== 200) { message(detail, errorText(res), true); return; }

  const draw = () => {
    const text = q.value.trim(), status = st.value;
    const byId = new Map(), keep = new Set();
    cache.forEach(s => byId.set(s.id, Object.assign({children: []}, s)));
    cache.forEach(s => {
      if ((text && !(s.name || '').includes(text) && !(s.code || '').includes(text)) ||
          (status && s.status !== status)) return;
      for (let n = byId.get(s.id); n; n = byId.get(n.parent_id)) keep.add(n.id);
    });
    const roots = [];
    byId.forEach(n => {
      if (!keep.has(n.id)) return;
      const p = byId.get(n.parent_id);
      if (p && keep.has(p.id)) p.children.push(n); else roots.push(n);
    });
    ul.textContent = '';
    roots.forEach(n => ul.appendChild(node(n, detail)));
    count.textContent = '共 ' + keep.size + ' 个站点';
  };
  q.addEventListener('input', draw);
  st.addEventListener('change', draw);
  draw();
}

function node(n, detail) {
  const b = el('button', {type: 'button', class: 'node', 'data-id': n.id, 'aria-pressed': 'false'},
    el('span', {class: 'name', text: n.name}),
    n.code ? el('span', {class: 'code', text: n.code}) : null,
    el('span', {class: 'tag', text: LEVELS[n.level] || n.level}),
    n.status !== 'open' ? el('span', {class: 'tag closed', text: STATUS[n.status] || n.status}) : null);
  b.addEventListener('click', () => {
    document.querySelectorAll('.node[aria-pressed="true"]').forEach(x => x.setAttribute('aria-pressed', 'false'));
    b.setAttribute('aria-pressed', 'true');
    showSite(n, detail);
  });
  const li = el('li', null, b);
  if (n.children.length) {
    const ul = el('ul');
    n.children.forEach(c => ul.appendChild(node(c, detail)));
    li.appendChild(ul);
  }
  return li;
}

async function showSite(n, box) {
  box.textContent = '正在读取……';
  const res = await api('GET', '/sites/' + seg(n.id));
  if (res.status !== 200) { message(box, errorText(res), true); return; }
  const s = res.body;
  box.textContent = '';
  box.appendChild(el('h2', {text: s.name}));
  box.appendChild(dl([
    ['网站标识码', s.code], ['级别', LEVELS[s.level] || s.level], ['状态', STATUS[s.status] || s.status],
    ['网址', s.base_url], ['主办单位', s.sponsor], ['承办单位', s.organizer],
    ['ICP备案号', s.icp_no], ['公安备案号', s.psb_no], ['主题', s.theme],
    ['上级', s.parent ? s.parent.name : null], ['栏目数', s.column_count], ['共享栏目', s.reusing_columns],
  ]));
  box.appendChild(el('p', {class: 'actions'},
    el('a', {class: 'button', href: '#/site/' + seg(s.code || s.id), text: '站点设置'}),
    el('a', {class: 'button secondary', href: '#/site-new?parent=' + seg(s.code || s.id), text: '在此下新建子站'}),
    el('a', {class: 'button secondary', href: '#/columns?site=' + seg(s.code || s.id), text: '栏目'})));
}

function dl(rows) {
  const d = el('dl');
  rows.forEach(([k, v]) => {
    if (v === undefined || v === null || v === '') return;
    d.append(el('dt', {text: k}), el('dd', {text: v}));
  });
  return d;
}

/* the form fields of a site: [name, label, help, required] */
const CREATE_FIELDS = [
  ['name', '网站名称', '例如：新区人民政府', true],
  ['code', '政府网站标识码', '10 位：6 位行政区划代码 + 4 位序号', true],
  ['domains', '域名', '主域名在前，多个用逗号分隔', true],
  ['short_name', '简称'], ['sponsor', '主办单位'], ['organizer', '承办单位'],
  ['contact_phone', '联系电话'], ['contact_email', '联系邮箱'], ['contact_address', '联系地址'],
  ['icp_no', 'ICP备案号'], ['psb_no', '公安备案号'],
];

export async function create(body, arg, query) {
  const [sr, br] = await Promise.all([loadSites(), api('GET', '/blueprints')]);
  const box = el('p', {class: 'msg', hidden: true});
  if (sr.status !== 200 || br.status !== 200) {
    message(box, errorText(sr.status !== 200 ? sr : br), true);
    body.appendChild(box);
    return;
  }
  const want = query.get('parent') || '';
  const parents = cache.filter(s => s.status === 'open')
    .map(s => [s.code || String(s.id), '　'.repeat(s.depth || 0) + siteLabel(s)]);
  const form = el('form', {class: 'card form', novalidate: true});
  const parent = field('上级站点', select('parent', parents,
    (cache.find(s => s.code === want || String(s.id) === want) || {}).code || want));
  const bp = field('蓝本', select('blueprint', [['', '按级别默认']].concat(
    br.body.items.map(b => [b.name, (b.title || b.name) + (b.level ? '（' + (LEVELS[b.level] || b.level) + '）' : '')]))));
  form.append(parent.wrap, bp.wrap);
  const inputs = {};
  for (const [name, label, help, req] of CREATE_FIELDS) {
    const f = field(label + (req ? '（必填）' : ''), input(name, {required: req || null,
      autocomplete: 'off'}), help);
    inputs[name] = f.input;
    form.appendChild(f.wrap);
  }
  const submit = el('button', {type: 'submit', text: '创建站点'});
  const dry = el('button', {type: 'button', class: 'secondary', text: '仅检查，不创建'});
  form.append(el('p', {class: 'actions'}, submit, dry), box);
  body.appendChild(form);

  let key = newIdemKey();
  const send = async dryRun => {
    clearErrors(form);
    box.hidden = true;
    const req = {parent: parent.input.value};
    if (bp.input.value) req.blueprint = bp.input.value;
    for (const [name] of CREATE_FIELDS) {
      const v = inputs[name].value.trim();
      if (name === 'domains') req.domains = v ? v.split(/[,，\s]+/).filter(Boolean) : [];
      else if (v || name === 'name' || name === 'code') req[name] = v;
    }
    if (dryRun) req.dry_run = true;
    submit.disabled = dry.disabled = true;
    const res = await api('POST', '/sites', req, dryRun ? undefined : key);
    submit.disabled = dry.disabled = false;
    if (res.status === 201 || res.status === 200) {
      if (!dryRun) key = newIdemKey();
      const r = res.body;
      message(box, (dryRun ? '检查通过，可以创建：' : '已创建站点 ') + (r.name || req.name) +
        '（' + (r.code || req.code) + '），建立栏目 ' + (r.columns_created ?? 0) + ' 个，共享栏目 ' +
        (r.columns_wired ?? 0) + ' 个。', false);
      if (!dryRun) {
        box.appendChild(el('a', {href: '#/site/' + seg(r.code || r.id), text: ' 打开站点设置'}));
      }
      return;
    }
    showError(form, box, res, errorText(res));
  };
  form.addEventListener('submit', ev => { ev.preventDefault(); send(false); });
  dry.addEventListener('click', () => send(true));
}

const SETTINGS = [
  ['name', '网站名称'], ['short_name', '简称'], ['sponsor', '主办单位'], ['organizer', '承办单位'],
  ['contact_phone', '联系电话'], ['contact_email', '联系邮箱'], ['contact_address', '联系地址'],
  ['contact_postcode', '邮政编码'], ['icp_no', 'ICP备案号'], ['psb_no', '公安备案号'],
  ['dzjg_url', '党政机关标识链接'], ['theme', '主题'], ['time_zone', '时区'],
];

const LABEL = Object.fromEntries(SETTINGS.concat([['domains', '域名']]));

export async function settings(body, arg, query, h1) {
  const box = el('p', {class: 'msg', hidden: true});
  if (!arg) { body.appendChild(el('p', {text: '请在站点树中选择站点。'})); return; }
  const res = await api('GET', '/sites/' + seg(arg));
  if (res.status !== 200) { message(box, errorText(res), true); body.appendChild(box); return; }
  const s = res.body;
  h1.textContent = '站点设置：' + s.name;
  const form = el('form', {class: 'card form', novalidate: true});
  const inputs = {};
  for (const [name, label] of SETTINGS) {
    const f = field(label, input(name, {value: s[name] ?? ''}));
    inputs[name] = f.input;
    form.appendChild(f.wrap);
  }
  const dom = field('域名（主域名在前，逗号分隔）', input('domains', {value: (s.domains || []).map(d =>
    typeof d === 'string' ? d : d.host || d.domain).join(', ')}));
  form.appendChild(dom.wrap);
  form.append(el('p', {class: 'actions'}, el('button', {type: 'submit', text: '保存设置'})), box);
  body.appendChild(form);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    box.hidden = true;
    const change = {};
    for (const [name] of SETTINGS) {
      const v = inputs[name].value.trim(), old = s[name] ?? '';
      if (v !== String(old)) change[name] = v === '' ? null : v;
    }
    const d = dom.input.value.trim();
    if (d !== dom.input.defaultValue) change.domains = d.split(/[,，\s]+/).filter(Boolean).join(',');
    if (!Object.keys(change).length) { message(box, '没有修改。', false); return; }
    const r = await api('PATCH', '/sites/' + seg(arg), change);
    if (r.status === 200) {
      message(box, '已保存：' + Object.keys(change).map(k => LABEL[k] || k).join('、') + '。', false);
      Object.assign(s, change);
      return;
    }
    showError(form, box, r, errorText(r));
  });

  /* 关停整合 / reopen */
  const into = input('into', {placeholder: '例如 5601000001:zwgk/zwdt'});
  const cf = el('form', {class: 'card form', novalidate: true},
    el('h2', {text: s.status === 'closed' ? '重新开通' : '关停整合'}));
  const cbox = el('p', {class: 'msg', hidden: true});
  if (s.status === 'closed') {
    cf.append(el('p', {class: 'actions'}, el('button', {type: 'submit', text: '重新开通'})), cbox);
  } else {
    const f = field('整合到上级站点的栏目（SITE:PATH）', into, '内容迁入该栏目，旧地址自动跳转。');
    cf.append(f.wrap, el('p', {class: 'actions'}, el('button', {type: 'submit', class: 'danger',
      text: '关停并整合'})), cbox);
  }
  body.appendChild(cf);
  cf.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(cf);
    const r = s.status === 'closed'
      ? await api('POST', '/sites/' + seg(arg) + '/reopen', {})
      : await api('POST', '/sites/' + seg(arg) + '/close', {into: into.value.trim()});
    if (r.status === 200) message(cbox, s.status === 'closed' ? '已重新开通。' : '已关停并整合。', false);
    else showError(cf, cbox, r, errorText(r));
  });
}
