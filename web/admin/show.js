/*
 * show.js - a plain rendering of JSON answers whose exact shape belongs to
 * another module (where-is-my-item, workflow history): objects become
 * definition lists with Chinese labels for the keys we know, arrays become
 * lists; every value is text.
 */
import {el, fmtTime, STATES} from './ui.js';

const LABELS = {
  id: '编号', item_id: '信息编号', title: '标题', site: '站点', site_name: '站点', site_code: '标识码',
  column: '栏目', column_name: '栏目名称', column_path: '栏目路径', state: '状态', own: '本站信息',
  reused: '共享引用', reuse: '共享', channel: '渠道', channels: '渠道', url: '页面地址', urls: '页面地址',
  render_file: '渲染文件', path: '路径', generation: '渲染批次', updated_at: '更新时间',
  mirrors: '镜像', mirror: '镜像', mirror_file: '镜像文件', name: '名称', confirmed: '已确认',
  confirmed_at: '确认时间', since: '始于', exists: '文件存在', published_at: '发布时间', at: '时间',
  action: '操作', from_state: '原状态', to_state: '新状态', from: '原状态', to: '新状态', how: '方式',
  source: '来源栏目', placement_id: '发布编号', pages: '页面', rendered: '已渲染', size: '大小',
  enabled: '启用', total: '合计', item: '信息编号', actor: '操作人', comment: '意见',
  step: '步骤', step_name: '步骤名称', round: '轮次', places: '位置', sites: '站点', status: '状态',
  lag: '落后', error: '错误', last_error: '最近错误', kind: '类型', waiting: '等待', submitter: '提交人',
};

const TIME = /(_at|^at|since|_on)$/;

export function show(v, key) {
  if (v === null || v === undefined || v === '') return el('span', {class: 'note', text: '—'});
  if (typeof v === 'boolean') return el('span', {text: v ? '是' : '否'});
  if (typeof v !== 'object') {
    let t = String(v);
    if (['state', 'from_state', 'to_state', 'from', 'to'].includes(key)) t = STATES[t] || t;
    else if (key === 'how') t = {own: '本站发布', reused: '共享引用'}[t] || t;
    else if (key === 'channel') t = {desktop: '电脑版', mobile: '手机版', elder: '长辈版', json: 'JSON'}[t] || t;
    else if (key && TIME.test(key)) t = fmtTime(t);
    if (/^https?:\/\//.test(t) || (key === 'url' && t.startsWith('/'))) return el('span', {class: 'url', text: t});
    return el('span', {text: t});
  }
  if (Array.isArray(v)) {
    if (!v.length) return el('span', {class: 'note', text: '无'});
    return el('ol', {class: 'plain'}, ...v.map(x => el('li', null, show(x, key))));
  }
  const dl = el('dl', {class: 'kv'});
  for (const [k, x] of Object.entries(v)) dl.append(el('dt', {text: LABELS[k] || k}), el('dd', null, show(x, k)));
  return dl;
}

const FIELD_LABELS = {title: '标题', subtitle: '副标题', summary: '摘要', body: '正文', source: '信息来源',
  author: '作者', keywords: '关键词', attachments: '附件'};
const SEVERITY = {block: '必须修改', warn: '警告', warning: '警告', error: '错误', info: '提示'};

/* Findings of the content checks (docs/api.md "Content checks"), one line each. */
export function findingsList(list) {
  const ul = el('ul', {class: 'findings'});
  list.forEach(x => ul.appendChild(el('li', {class: 'sev-' + (x.severity || 'info')},
    el('strong', {text: (SEVERITY[x.severity] || '提示') + (x.title ? '（' + x.title + '）' : '') + '：'}),
    x.message || '', x.matched ? el('q', {text: x.matched}) : null,
    x.field ? el('span', {class: 'note', text: ' 位置：' + (FIELD_LABELS[x.field] || x.field) +
      (x.paragraph ? ' 第 ' + x.paragraph + ' 段' : '')}) : null,
    x.suggestion ? el('span', {text: ' 建议：' + x.suggestion}) : null)));
  return ul;
}
