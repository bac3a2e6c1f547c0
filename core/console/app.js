/*
 * app.js - the console: log in, then the platform's site tree.
 * Plain JavaScript, no framework, no CDN; talks to /api/v1 only
 * (docs/api.md). The session is the HttpOnly cookie set at login; the
 * CSRF token it comes with is kept in memory and sent with every request
 * that changes something. Text from the server is always set with
 * textContent, never as HTML.
 */
'use strict';

const LEVELS = {platform: '平台', province: '省', city: '市', county: '县', department: '部门',
                township: '乡镇'};
const STATUS = {open: '开通', closed: '关停'};
let csrf = null;
let sites = [];

function $(id) { return document.getElementById(id); }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/* One API call; resolves to {status, body}; a network failure is status 0. */
async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  try {
    const r = await fetch('/api/v1' + path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (r.status !== 204 && r.status !== 304) {
      try { data = await r.json(); } catch (e) { data = null; }
    }
    return {status: r.status, body: data};
  } catch (e) {
    return {status: 0, body: null};
  }
}

function errorText(res) {
  if (res.status === 0) return '无法连接服务器，请检查网络后重试。';
  if (res.status === 503) return '数据库暂时不可用，请稍后重试。';
  if (res.body && res.body.error) return res.body.error.message;
  return '请求失败（' + res.status + '）。';
}

function show(section) {
  $('login').hidden = section !== 'login';
  $('sites').hidden = section !== 'sites';
  $('who').hidden = section !== 'sites';
}

async function start() {
  const res = await api('GET', '/session');
  if (res.status === 200) {
    csrf = res.body.csrf_token || null;
    loggedIn(res.body.login);
  } else if (res.status === 401) {
    show('login');
    $('login-name').focus();
  } else {
    $('fatal').textContent = errorText(res);
    $('fatal').hidden = false;
  }
}

async function login(ev) {
  ev.preventDefault();
  const name = $('login-name').value.trim(), password = $('login-password').value;
  const err = $('login-error');
  err.hidden = true;
  if (!name || !password) {
    err.textContent = '请输入登录名和密码。';
    err.hidden = false;
    return;
  }
  $('login-submit').disabled = true;
  const res = await api('POST', '/session', {login: name, password: password});
  $('login-submit').disabled = false;
  $('login-password').value = '';
  if (res.status === 201) {
    csrf = res.body.csrf_token;
    loggedIn(res.body.login);
    return;
  }
  err.textContent = res.status === 401 ? '登录名或密码不正确，或账号已被锁定。' + (
    res.body && res.body.error && /try again after/.test(res.body.error.message)
      ? '（' + res.body.error.message + '）' : '') : errorText(res);
  err.hidden = false;
  $('login-password').focus();
}

async function logout() {
  await api('DELETE', '/session');
  csrf = null;
  sites = [];
  $('tree').textContent = '';
  show('login');
  $('login-name').focus();
}

function loggedIn(name) {
  $('who-name').textContent = name;
  show('sites');
  loadSites();
}

async function loadSites() {
  const status = $('site-status').value;
  const res = await api('GET', '/sites' + (status ? '?status=' + encodeURIComponent(status) : ''));
  if (res.status === 401) { show('login'); return; }
  if (res.status !== 200) {
    $('detail').textContent = errorText(res);
    return;
  }
  sites = res.body.items;
  render();
}

/* The tree from the flat list (parents come first); the filter keeps matches and their ancestors. */
function render() {
  const q = $('site-filter').value.trim();
  const byId = new Map(), keep = new Set();
  sites.forEach(s => byId.set(s.id, Object.assign({children: []}, s)));
  sites.forEach(s => {
    if (!q || (s.name || '').includes(q) || (s.code || '').includes(q)) {
      for (let n = byId.get(s.id); n; n = byId.get(n.parent_id)) keep.add(n.id);
    }
  });
  const roots = [];
  byId.forEach(n => {
    if (!keep.has(n.id)) return;
    const p = byId.get(n.parent_id);
    if (p && keep.has(p.id)) p.children.push(n); else roots.push(n);
  });
  const tree = $('tree');
  tree.textContent = '';
  roots.forEach(n => tree.appendChild(node(n)));
  $('site-count').textContent = '共 ' + keep.size + ' 个站点';
}

function node(n) {
  const li = el('li');
  li.setAttribute('role', 'treeitem');
  const b = el('button', 'node');
  b.type = 'button';
  b.dataset.id = n.id;
  b.appendChild(el('span', 'name', n.name));
  if (n.code) b.appendChild(el('span', 'code', n.code));
  b.appendChild(el('span', 'tag', LEVELS[n.level] || n.level));
  if (n.status !== 'open') b.appendChild(el('span', 'tag closed', STATUS[n.status] || n.status));
  b.addEventListener('click', () => detail(n, b));
  li.appendChild(b);
  if (n.children.length) {
    const ul = el('ul');
    ul.setAttribute('role', 'group');
    n.children.forEach(c => ul.appendChild(node(c)));
    li.appendChild(ul);
  }
  return li;
}

async function detail(n, button) {
  document.querySelectorAll('.node[aria-selected="true"]')
    .forEach(x => x.setAttribute('aria-selected', 'false'));
  button.setAttribute('aria-selected', 'true');
  const box = $('detail');
  box.textContent = '正在读取……';
  const res = await api('GET', '/sites/' + encodeURIComponent(n.id));
  if (res.status !== 200) { box.textContent = errorText(res); return; }
  const s = res.body;
  box.textContent = '';
  box.appendChild(el('h3', null, s.name));
  const dl = el('dl');
  const rows = [
    ['网站标识码', s.code], ['级别', LEVELS[s.level] || s.level], ['状态', STATUS[s.status] || s.status],
    ['网址', s.base_url], ['主办单位', s.sponsor], ['承办单位', s.organizer],
    ['ICP备案号', s.icp_no], ['公安备案号', s.psb_no], ['主题', s.theme],
    ['上级', s.parent ? s.parent.name : null], ['栏目数', s.column_count],
    ['共享栏目', s.reusing_columns],
  ];
  rows.forEach(([k, v]) => {
    if (v === undefined || v === null || v === '') return;
    dl.appendChild(el('dt', null, k));
    dl.appendChild(el('dd', null, v));
  });
  box.appendChild(dl);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('site-filter').addEventListener('input', render);
  $('site-status').addEventListener('change', loadSites);
  start();
});
