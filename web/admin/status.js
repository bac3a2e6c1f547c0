/*
 * status.js - 平台状态: per site the last render generation and the changes
 * waiting (GET /render/status), a full render on request (POST
 * /render/{site}, platform admins), and every mirror's state, lag and last
 * error in the server's words (GET /mirrors, POST /mirrors/{id}/verify).
 * Where a route is not there the API's answer is shown as it is; nothing
 * is made up.
 */
import {api, errorText, seg} from './api.js';
import {el, message, table, fmtTime} from './ui.js';

const MIRROR_STATES = {new: '新建', ok: '正常', pushing: '推送中', retrying: '重试中', degraded: '异常'};

export async function page(body) {
  const rbox = el('p', {class: 'msg', hidden: true, id: 'render-msg'});
  const mbox = el('p', {class: 'msg', hidden: true, id: 'mirror-msg'});
  const rl = el('div'), ml = el('div');
  body.append(el('h2', {text: '渲染状态'}), rbox, rl, el('h2', {text: '镜像同步'}), mbox, ml);
  const [r, m] = await Promise.all([api('GET', '/render/status'), api('GET', '/mirrors')]);
  if (r.status !== 200) message(rbox, '渲染状态无法读取：' + errorText(r), true);
  else {
    const rows = (r.body.items || []).map(s => [
      (s.site_name || '') + (s.site ? '（' + s.site + '）' : ''),
      s.generation == null ? '尚未渲染' : String(s.generation) + (s.full_build ? '（全量）' : ''),
      s.reason || '', s.rendering ? '渲染中' : fmtTime(s.finished_at),
      String(s.written ?? ''), String(s.removed ?? ''),
      String(s.pending ?? 0) + (s.pending && s.pending_since ? '（自 ' + fmtTime(s.pending_since) + '）' : ''),
      el('button', {type: 'button', class: 'link-button', text: '全部重新渲染',
        'aria-label': '全部重新渲染：' + (s.site_name || s.site),
        onclick: async () => {
          rbox.hidden = true;
          const x = await api('POST', '/render/' + seg(s.site || s.site_id), {});
          message(rbox, x.status < 300 ? '已排队：' + (s.site_name || s.site) + ' 将全部重新渲染。'
            : errorText(x), x.status >= 300);
        }})]);
    rl.appendChild(table(['站点', '批次', '原因', '完成时间', '写入', '删除', '待渲染变更', ''], rows));
  }
  if (m.status !== 200) message(mbox, '镜像状态无法读取：' + errorText(m), true);
  else {
    const rows = (m.body.items || []).map(x => {
      const lag = x.lag || {}, st = x.status || {}, le = x.last_error;
      return [x.site_name || x.site || '', x.name || String(x.id), x.kind || '',
        (MIRROR_STATES[st.state] || st.state || '') + (x.enabled === false ? '（已停用）' : ''),
        String(lag.files ?? ''), String(lag.seconds ?? ''), fmtTime(st.confirmed_at),
        le ? (le.message || '') + (le.path ? '（' + le.path + '）' : '') : '',
        el('button', {type: 'button', class: 'link-button', text: '校验',
          'aria-label': '校验：' + (x.name || x.id),
          onclick: async () => {
            mbox.hidden = true;
            const v = await api('POST', '/mirrors/' + seg(x.id) + '/verify', {sample: 100});
            message(mbox, v.status < 300 ? '镜像 ' + (x.name || x.id) + ' 校验完成：抽查 ' + v.body.checked +
              ' 个文件，正常 ' + v.body.ok + '，不一致 ' + v.body.wrong + '，出错 ' + v.body.errors +
              (v.body.repair_queued ? '，已排队修复。' : '。') : errorText(v), v.status >= 300);
          }})];
    });
    ml.appendChild(rows.length ? table(['站点', '镜像', '类型', '状态', '落后文件数', '落后秒数', '最近确认',
      '最近错误', ''], rows) : el('p', {class: 'note', text: '尚无镜像。'}));
  }
}
