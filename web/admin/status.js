/*
 * status.js - 平台状态: per site the last render generation and the changes
 * waiting (GET /render/status), a full render on request (POST
 * /render/{site}), and every mirror's lag and last error in the server's
 * words (GET /mirrors, POST /mirrors/{id}/verify). Where a route is not
 * there the API's answer is shown as it is; nothing is made up.
 */
import {api, errorText, seg} from './api.js';
import {el, message, table, fmtTime} from './ui.js';

export async function page(body) {
  const rbox = el('p', {class: 'msg', hidden: true});
  const mbox = el('p', {class: 'msg', hidden: true});
  const rl = el('div'), ml = el('div');
  body.append(el('h2', {text: '渲染状态'}), rbox, rl, el('h2', {text: '镜像同步'}), mbox, ml);
  const [r, m] = await Promise.all([api('GET', '/render/status'), api('GET', '/mirrors')]);
  if (r.status !== 200) message(rbox, '渲染状态无法读取：' + errorText(r), true);
  else {
    const rows = (r.body.items || r.body.sites || []).map(s => {
      const g = s.last_generation || s.generation || {};
      return [(s.name || s.site || '') + (s.code ? '（' + s.code + '）' : ''),
        g.id ?? '—', g.reason || '', fmtTime(g.finished_at) || '进行中或未渲染',
        String(g.written ?? ''), String(g.removed ?? ''), String(s.pending ?? s.pending_changes ?? 0),
        el('button', {type: 'button', class: 'link-button', text: '全部重新渲染',
          'aria-label': '全部重新渲染：' + (s.name || s.code),
          onclick: async () => {
            const x = await api('POST', '/render/' + seg(s.code || s.site || s.id), {});
            message(rbox, x.status < 300 ? '已排队：' + (s.name || s.code) + ' 将全部重新渲染。'
              : errorText(x), x.status >= 300);
          }})];
    });
    rl.appendChild(table(['站点', '批次', '原因', '完成时间', '写入', '删除', '待渲染变更', ''], rows));
  }
  if (m.status !== 200) message(mbox, '镜像状态无法读取：' + errorText(m), true);
  else {
    const rows = (m.body.items || []).map(x => {
      const lag = x.lag || {};
      return [x.site_name || x.site || '', x.name || String(x.id), x.kind || '',
        x.status || '', String(lag.files ?? x.lag_files ?? ''), String(lag.seconds ?? x.lag_seconds ?? ''),
        x.last_error || x.error || '',
        el('button', {type: 'button', class: 'link-button', text: '校验',
          'aria-label': '校验：' + (x.name || x.id),
          onclick: async () => {
            const v = await api('POST', '/mirrors/' + seg(x.id) + '/verify', {});
            message(mbox, v.status < 300 ? '已开始校验镜像 ' + (x.name || x.id) + '。' : errorText(v),
              v.status >= 300);
          }})];
    });
    ml.appendChild(table(['站点', '镜像', '类型', '状态', '落后文件数', '落后秒数', '最近错误', ''], rows,
      rows.length ? null : '尚无镜像'));
  }
}
