/*
 * api.js - the console's only way to the server: JSON over /api/v1
 * (docs/api.md). The session is the HttpOnly cookie set at login; the CSRF
 * token that comes with it is kept in memory and sent as X-CSRF-Token with
 * every request that changes something. Every call resolves to
 * {status, body}; a network failure is status 0. Nothing here invents data:
 * a route the server does not have answers 404 and the page shows that.
 */

export const session = {csrf: null, login: null, user: null, grants: []};

/*
 * idemKey: an Idempotency-Key for POSTs that create (sites, items, users,
 * grants). A form keeps one key until it succeeds, so a retry after a lost
 * answer gets the first answer again instead of creating twice.
 */
export async function api(method, path, body, idemKey) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idemKey) headers['Idempotency-Key'] = idemKey;
  if (session.csrf && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  return send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
}

/* A multipart upload (POST /api/v1/files): the browser writes the boundary. */
export async function upload(site, file) {
  const form = new FormData();
  form.append('site', String(site));
  form.append('file', file, file.name);
  const headers = {Accept: 'application/json'};
  if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
  return send('POST', '/files', headers, form);
}

async function send(method, path, headers, body) {
  try {
    const r = await fetch('/api/v1' + path, {method, headers, body, credentials: 'same-origin'});
    let data = null;
    if (r.status !== 204 && r.status !== 304) {
      try { data = await r.json(); } catch (e) { data = null; }
    }
    if (r.status === 401 && path !== '/session') window.dispatchEvent(new Event('jy-logged-out'));
    return {status: r.status, body: data};
  } catch (e) {
    return {status: 0, body: null};
  }
}

/* The server's words for a failed call, in one line an editor can read. */
export function errorText(res) {
  if (res.status === 0) return '无法连接服务器，请检查网络后重试。';
  if (res.status === 503) return '数据库暂时不可用，请稍后重试。';
  const e = res.body && res.body.error;
  if (!e) return '请求失败（HTTP ' + res.status + '）。';
  let t = e.message;
  if (res.status === 404 && e.code === 'not_found') t = '服务器没有此项或此功能（' + e.message + '）';
  if (res.status === 403) t = '没有权限：' + e.message;
  if (e.hint) t += '（' + e.hint + '）';
  return t;
}

/* Percent-encode a path segment; SITE:PATH columns keep ":" but not "/". */
export function seg(v) {
  return encodeURIComponent(String(v));
}

export function hasRole(role) {
  return session.grants.some(g => g.role === role);
}

/* getRandomValues, not randomUUID: the latter needs a secure context, and a console may be plain http */
export function newIdemKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'console-' + Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
}
