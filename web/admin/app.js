/*
 * app.js - the console's entry (an ES module, no framework, no build step):
 * login, the navigation each user's grants call for, and a hash router that
 * hands #/<page>/<arg>?<query> to the page modules. Every page talks to the
 * JSON API only (api.js); what a user may do is decided by the server's
 * grants, the navigation only leaves out what their roles never need.
 */
import {api, errorText, session, hasRole} from './api.js';
import {$, el} from './ui.js';
import * as sites from './sites.js';
import * as users from './users.js';
import * as status from './status.js';
import * as columns from './columns.js';
import * as items from './items.js';
import * as editor from './editor.js';
import * as review from './review.js';
import * as where from './where.js';
import * as chains from './chains.js';
import * as submissions from './submissions.js';
import * as scheduled from './scheduled.js';

/* hash route -> [module function, title]; the title becomes the page's h1 */
const ROUTES = {
  'sites': [sites.tree, '站点树'],
  'site-new': [sites.create, '新建子站'],
  'site': [sites.settings, '站点设置'],
  'users': [users.page, '用户与授权'],
  'status': [status.page, '平台状态'],
  'columns': [columns.page, '我的栏目'],
  'items': [items.page, '信息列表'],
  'edit': [editor.page, '编辑信息'],
  'review': [review.queue, '待审列表'],
  'review-item': [review.item, '审核'],
  'where': [where.page, '信息去向'],
  'chain': [chains.page, '审核流程'],
  'submissions': [submissions.page, '信息报送'],
  'scheduled': [scheduled.page, '定时发布'],
};

/* the navigation: [route, label, who needs it (null: everyone)] */
const NAV = [
  ['sites', '站点树', ['platform_admin', 'site_admin']],
  ['site-new', '新建子站', ['platform_admin']],
  ['users', '用户与授权', ['platform_admin', 'site_admin']],
  ['status', '平台状态', ['platform_admin', 'site_admin']],
  ['columns', '我的栏目', ['editor', 'site_admin', 'platform_admin']],
  ['items', '信息列表', ['editor', 'reviewer', 'site_admin', 'platform_admin', 'viewer']],
  ['edit', '写信息', ['editor', 'site_admin', 'platform_admin']],
  ['review', '待审列表', ['reviewer', 'site_admin', 'platform_admin']],
  ['submissions', '信息报送', ['editor', 'reviewer', 'site_admin', 'platform_admin']],
  ['scheduled', '定时发布', ['reviewer', 'site_admin', 'platform_admin']],
  ['chain', '审核流程', ['platform_admin', 'site_admin']],
  ['where', '信息去向', null],
];

function show(loggedIn) {
  $('login').hidden = loggedIn;
  $('page').hidden = !loggedIn;
  $('who').hidden = !loggedIn;
  $('nav').hidden = !loggedIn;
}

function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, qs] = h.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return {route: parts[0] || '', arg: parts[1] || null, query: new URLSearchParams(qs || '')};
}

function home() {
  if (hasRole('platform_admin')) return 'sites';
  if (hasRole('editor')) return 'columns';
  if (hasRole('reviewer')) return 'review';
  if (hasRole('site_admin')) return 'sites';
  return 'where';
}

function buildNav() {
  const ul = $('nav-list');
  ul.textContent = '';
  for (const [route, label, who] of NAV) {
    if (who && !who.some(hasRole)) continue;
    ul.appendChild(el('li', null, el('a', {href: '#/' + route, 'data-route': route, text: label})));
  }
}

let rendering = 0;
async function route() {
  if (!session.login) return;
  let {route: r, arg, query} = parseHash();
  if (!ROUTES[r]) {
    location.replace('#/' + home());
    return;
  }
  const [fn, title] = ROUTES[r];
  document.querySelectorAll('#nav-list a').forEach(a => {
    if (a.dataset.route === r) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const mine = ++rendering;
  const page = $('page');
  page.textContent = '';
  const h1 = el('h1', {id: 'page-title', text: title});
  const body = el('div', {class: 'page-body'});
  page.append(h1, body);
  document.title = title + ' · 管理控制台';
  try {
    await fn(body, arg, query, h1);
  } catch (e) {
    if (mine === rendering) body.appendChild(el('p', {class: 'error', role: 'alert',
      text: '页面出错：' + e.message}));
  }
  /* keyboard users land on the new page's heading, not at the top of the document */
  if (mine === rendering && document.activeElement === document.body) h1.setAttribute('tabindex', '-1');
}

async function start() {
  const res = await api('GET', '/session');
  if (res.status === 200) {
    loggedIn(res.body);
  } else if (res.status === 401) {
    show(false);
    $('login-name').focus();
  } else {
    $('fatal').textContent = errorText(res);
    $('fatal').hidden = false;
  }
}

function loggedIn(s) {
  session.csrf = s.csrf_token || session.csrf;
  session.login = s.login;
  session.user = s.user_id;
  session.grants = s.grants || [];
  $('who-name').textContent = s.login;
  buildNav();
  show(true);
  route();
}

async function login(ev) {
  ev.preventDefault();
  const name = $('login-name').value.trim(), password = $('login-password').value;
  const err = $('login-error');
  err.hidden = true;
  if (!name || !password) {
    err.textContent = '请输入登录名和密码。';
    err.hidden = false;
    (name ? $('login-password') : $('login-name')).focus();
    return;
  }
  $('login-submit').disabled = true;
  const res = await api('POST', '/session', {login: name, password: password});
  $('login-submit').disabled = false;
  $('login-password').value = '';
  if (res.status !== 201) {
    err.textContent = res.status === 401 ? '登录名或密码不正确，或账号已被锁定。' + (
      res.body && res.body.error && /try again after/.test(res.body.error.message)
        ? '（' + res.body.error.message + '）' : '') : errorText(res);
    err.hidden = false;
    $('login-password').focus();
    return;
  }
  session.csrf = res.body.csrf_token;
  /* the grants come with GET /session */
  const me = await api('GET', '/session');
  loggedIn(me.status === 200 ? me.body : res.body);
}

function loggedOut() {
  session.csrf = null;
  session.login = null;
  session.grants = [];
  $('page').textContent = '';
  show(false);
  $('login-name').focus();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', async () => { await api('DELETE', '/session'); loggedOut(); });
  window.addEventListener('hashchange', route);
  window.addEventListener('jy-logged-out', () => { if (session.login) loggedOut(); });
  start();
});
