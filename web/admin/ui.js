/*
 * ui.js - small DOM helpers shared by the pages. Text from the server is
 * always inserted with textContent (the CSP forbids inline script anyway);
 * the one exception is the editor's body, which the server sanitises and
 * which goes through the browser's parser into a contenteditable element.
 */

export function $(id) { return document.getElementById(id); }

/* el('button', {class: 'x', type: 'button', onclick: f}, 'text', child, ...) */
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    e.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
  }
  return e;
}

let uid = 0;
export function nextId(prefix) { uid++; return (prefix || 'f') + uid; }

/* A labelled form field; returns {wrap, input, error}. */
export function field(label, input, help) {
  const id = input.id || nextId('f');
  input.id = id;
  const err = el('p', {class: 'error field-error', id: id + '-err', hidden: true});
  const parts = [el('label', {for: id, text: label}), input];
  if (help) {
    const h = el('p', {class: 'note help', id: id + '-help', text: help});
    input.setAttribute('aria-describedby', h.id);
    parts.push(h);
  }
  parts.push(err);
  const wrap = el('div', {class: 'field', 'data-field': input.name || ''}, ...parts);
  return {wrap, input, error: err};
}

export function input(name, attrs) {
  return el('input', Object.assign({name, type: 'text'}, attrs || {}));
}

export function select(name, options, value) {
  const s = el('select', {name});
  for (const [v, label] of options) {
    const o = el('option', {value: v, text: label});
    if (String(v) === String(value ?? '')) o.selected = true;
    s.appendChild(o);
  }
  return s;
}

/* Show the API's error at the field it names, else in the form's box. */
export function showError(form, box, res, text) {
  clearErrors(form);
  const e = res.body && res.body.error;
  const problems = (e && e.problems) || [];
  let placed = false;
  const put = (name, msg) => {
    const w = name && form.querySelector('[data-field="' + CSS.escape(name) + '"]');
    if (!w) return false;
    const p = w.querySelector('.field-error');
    const i = w.querySelector('input, select, textarea, [contenteditable]');
    p.textContent = msg;
    p.hidden = false;
    if (i) i.setAttribute('aria-invalid', 'true');
    if (i && !placed) i.focus();
    placed = true;
    return true;
  };
  for (const p of problems) put(p.field, p.message);
  if (e && e.field) put(e.field, e.message);
  message(box, text, true);
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach(p => { p.hidden = true; p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach(i => i.removeAttribute('aria-invalid'));
}

/* A status line: role=status for news, role=alert for errors. */
export function message(box, text, isError) {
  box.textContent = text;
  box.className = isError ? 'msg error' : 'msg ok';
  box.setAttribute('role', isError ? 'alert' : 'status');
  box.hidden = !text;
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const p = n => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' +
    p(d.getHours()) + ':' + p(d.getMinutes());
}

export function table(headers, rows, caption) {
  const t = el('table', {class: 'grid'});
  if (caption) t.appendChild(el('caption', {text: caption}));
  const tr = el('tr');
  headers.forEach(h => tr.appendChild(el('th', {scope: 'col', text: h})));
  t.appendChild(el('thead', null, tr));
  const tb = el('tbody');
  rows.forEach(r => {
    const row = el('tr');
    r.forEach(c => row.appendChild(el('td', null, c)));
    tb.appendChild(row);
  });
  t.appendChild(tb);
  return el('div', {class: 'table-wrap'}, t);
}

export function debounce(fn, ms) {
  let t = null;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

export const LEVELS = {platform: '平台', province: '省', city: '市', county: '县',
  department: '部门', township: '乡镇'};
export const STATUS = {open: '开通', closed: '关停'};
export const STATES = {draft: '草稿', submitted: '待审', approved: '已通过',
  published: '已发布', withdrawn: '已撤回', archived: '已归档'};
export const KINDS = [['article', '文章'], ['policy', '政策文件'], ['interpretation', '政策解读'],
  ['image', '图片'], ['file', '文件'], ['video', '视频'], ['qa', '问答'], ['link', '链接']];
export const ROLES = {platform_admin: '平台管理员', site_admin: '站点管理员', editor: '编辑',
  reviewer: '审核员', auditor: '审计员', viewer: '查看者'};
