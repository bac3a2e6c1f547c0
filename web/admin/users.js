/*
 * users.js - 用户与授权: the accounts the caller may see (GET /users), a new
 * account (POST /users), the grants of a login or a site (GET /grants),
 * granting a role on a site or a column (POST /grants; the database refuses
 * rights the caller does not hold) and revoking (DELETE /grants/{id}).
 */
import {api, errorText, seg, newIdemKey} from './api.js';
import {el, field, input, select, showError, clearErrors, message, table, fmtTime, ROLES} from './ui.js';

export async function page(body) {
  const list = el('div');
  const lbox = el('p', {class: 'msg', hidden: true});
  body.append(el('h2', {text: '用户'}), lbox, list);
  const res = await api('GET', '/users?page_size=200');
  if (res.status !== 200) message(lbox, errorText(res), true);
  else list.appendChild(table(['登录名', '姓名', '单位', '状态', ''], res.body.items.map(u => [
    u.login, u.display_name || '', u.organisation || '', u.disabled ? '已停用' : '正常',
    el('button', {type: 'button', class: 'link-button', onclick: () => showGrants(u.login),
      text: '查看授权', 'aria-label': '查看授权：' + u.login})]), '共 ' + res.body.total + ' 个账号'));

  /* a new account */
  const uf = el('form', {class: 'card form', novalidate: true}, el('h2', {text: '新建用户'}));
  const ubox = el('p', {class: 'msg', hidden: true});
  const U = [['login', '登录名（必填）'], ['display_name', '姓名'], ['organisation', '单位'],
    ['phone', '电话'], ['email', '邮箱'], ['site', '所属站点（标识码）'], ['password', '初始密码']];
  const ui = {};
  U.forEach(([n, l]) => {
    const f = field(l, input(n, n === 'password' ? {type: 'password', autocomplete: 'new-password'}
      : {autocomplete: 'off'}));
    ui[n] = f.input;
    uf.appendChild(f.wrap);
  });
  uf.append(el('p', {class: 'actions'}, el('button', {type: 'submit', text: '创建用户'})), ubox);
  let ukey = newIdemKey();
  uf.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(uf);
    const req = {};
    U.forEach(([n]) => { const v = ui[n].value.trim(); if (v || n === 'login') req[n] = v; });
    const r = await api('POST', '/users', req, ukey);
    if (r.status === 201 || r.status === 200) {
      ukey = newIdemKey();
      message(ubox, '已创建用户 ' + req.login + (req.password ? '。' : '，尚未设置密码，暂不能登录。'), false);
      uf.reset();
    } else showError(uf, ubox, r, errorText(r));
  });

  /* grants */
  const gl = el('div', {id: 'grants', 'aria-live': 'polite'});
  const gf = el('form', {class: 'card form', novalidate: true}, el('h2', {text: '授权'}));
  const gbox = el('p', {class: 'msg', hidden: true});
  const g = {
    login: field('登录名（必填）', input('login', {autocomplete: 'off'})),
    role: field('角色', select('role', Object.entries(ROLES))),
    site: field('站点（标识码，必填）', input('site', {autocomplete: 'off'})),
    column: field('栏目路径（可选，仅授权该栏目）', input('column', {autocomplete: 'off'})),
    expires: field('到期日（可选，YYYY-MM-DD）', input('expires', {autocomplete: 'off'})),
  };
  Object.values(g).forEach(f => gf.appendChild(f.wrap));
  gf.append(el('p', {class: 'actions'}, el('button', {type: 'submit', text: '授予'})), gbox);
  let gkey = newIdemKey();
  gf.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(gf);
    const req = {};
    for (const [k, f] of Object.entries(g)) { const v = f.input.value.trim(); if (v || k === 'login') req[k] = v; }
    const r = await api('POST', '/grants', req, gkey);
    if (r.status === 201 || r.status === 200) {
      gkey = newIdemKey();
      message(gbox, '已授予 ' + req.login + ' ' + (ROLES[req.role] || req.role) + '。', false);
      showGrants(req.login);
    } else showError(gf, gbox, r, errorText(r));
  });
  body.append(uf, gf, el('h2', {text: '授权列表'}), gl);

  async function showGrants(login) {
    gl.textContent = '正在读取……';
    const r = await api('GET', '/grants?login=' + seg(login));
    gl.textContent = '';
    if (r.status !== 200) { gl.appendChild(el('p', {class: 'error', role: 'alert', text: errorText(r)})); return; }
    gl.appendChild(table(['登录名', '角色', '站点', '栏目', '授予时间', '到期', ''], r.body.items.map(x => [
      x.login, ROLES[x.role] || x.role, (x.site || '') + (x.site_code ? '（' + x.site_code + '）' : ''),
      x.column_path || '全部栏目', fmtTime(x.granted_at), x.expires_at ? fmtTime(x.expires_at) : '长期',
      el('button', {type: 'button', class: 'link-button danger', text: '撤销',
        'aria-label': '撤销：' + x.login + ' ' + (ROLES[x.role] || x.role),
        onclick: async () => {
          const d = await api('DELETE', '/grants/' + seg(x.id));
          if (d.status === 204) showGrants(login);
          else gl.prepend(el('p', {class: 'error', role: 'alert', text: errorText(d)}));
        }})]), login + ' 的授权'));
    g.login.input.value = login;
  }
}
