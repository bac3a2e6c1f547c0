/*
 * editor.js - 编辑: one item. A metadata form per kind (title, summary,
 * source, author, keywords, tags; for policy documents 文号, 发文机关,
 * 成文日期 and validity), the body in a contenteditable element with a
 * small toolbar (bold, headings, lists, link, image upload through POST
 * /files), the content checks' findings shown as the editor types (POST
 * /checks/text, debounced), 发布到多个站点 (POST /items/{id}/placements
 * with columns of several sites) and 提交审核 per placement (POST
 * /items/{id}/workflow). Saving is POST /items or PATCH /items/{id}; the
 * server sanitises the body and lists every problem at once.
 */
import {api, upload, errorText, seg, newIdemKey} from './api.js';
import {el, field, input, select, showError, clearErrors, message, debounce, nextId, fmtTime, STATES,
  KINDS} from './ui.js';
import {mySites} from './columns.js';
import {findingsList} from './show.js';
import {sendForm} from './submissions.js';

const VALIDITY = [['有效', '有效'], ['已修改', '已修改'], ['已废止', '已废止'], ['已失效', '已失效']];

/* metadata fields: [name, label, kinds (null: every kind), type] */
const META = [
  ['title', '标题（必填）', null, 'text'],
  ['summary', '摘要', null, 'textarea'],
  ['source', '信息来源', null, 'text'],
  ['author', '作者', null, 'text'],
  ['keywords', '关键词（逗号分隔）', null, 'list'],
  ['tags', '标签（逗号分隔）', null, 'list'],
  ['doc_no', '文号（必填）', ['policy'], 'text'],
  ['issuer', '发文机关（必填）', ['policy'], 'text'],
  ['written_on', '成文日期', ['policy'], 'date'],
  ['validity', '效力（必填）', ['policy'], 'validity'],
];

export async function page(body, arg, query, h1) {
  const box = el('p', {class: 'msg', hidden: true, id: 'edit-msg'});
  let item = null;
  if (arg) {
    const res = await api('GET', '/items/' + seg(arg));
    if (res.status !== 200) { message(box, errorText(res), true); body.appendChild(box); return; }
    item = res.body;
    h1.textContent = '编辑：' + (item.title || (item.fields && item.fields.title) || '#' + item.id);
  } else {
    h1.textContent = '写新信息';
  }
  const fields = item ? Object.assign({}, item.fields || {}, pick(item)) : {};
  const {sites} = await mySites();
  const form = el('form', {class: 'card form editor', novalidate: true, id: 'item-form'});
  let site = null, kind = null;
  if (!item) {
    site = field('站点', select('site', sites, query.get('site')));
    kind = field('类型', select('kind', KINDS,
      query.get('kind') || 'article'));
    form.append(el('div', {class: 'row'}, site.wrap, kind.wrap));
  }
  const kindOf = () => item ? item.kind : kind.input.value;
  const inputs = {};
  const metaBox = el('div', {class: 'meta'});
  for (const [name, label, kinds, type] of META) {
    let i;
    if (type === 'textarea') i = el('textarea', {name, rows: 2});
    else if (type === 'validity') i = select(name, [['', '请选择']].concat(VALIDITY), '');
    else i = input(name, {type: type === 'date' ? 'date' : 'text', autocomplete: 'off',
      list: name === 'tags' ? 'tag-list' : null});
    let v = fields[name];
    if (Array.isArray(v)) v = v.map(x => typeof x === 'object' ? x.name : x).join('，');
    if (v !== undefined && v !== null) i.value = String(v);
    const f = field(label, i);
    f.wrap.dataset.kinds = kinds ? kinds.join(' ') : '';
    inputs[name] = i;
    metaBox.appendChild(f.wrap);
  }
  const tagList = el('datalist', {id: 'tag-list'});
  form.append(metaBox, tagList);
  const showKinds = () => metaBox.querySelectorAll('.field').forEach(w => {
    w.hidden = !!w.dataset.kinds && !w.dataset.kinds.split(' ').includes(kindOf());
  });
  showKinds();
  if (kind) kind.input.addEventListener('change', showKinds);
  api('GET', '/tags').then(r => {
    if (r.status === 200) r.body.items.forEach(t => tagList.appendChild(el('option', {value: t.name})));
  });

  /* the body: toolbar + contenteditable */
  const bodyId = nextId('body');
  const ed = el('div', {class: 'rte', id: bodyId, contenteditable: 'true', role: 'textbox',
    'aria-multiline': 'true', 'aria-labelledby': bodyId + '-label', 'data-field': 'body'});
  if (fields.body) ed.innerHTML = fields.body; /* sanitised by the server when it was saved */
  else ed.appendChild(el('p', null, el('br')));
  /* Enter makes <p>, not <div>; bold is <b>, not a style attribute (both survive the sanitiser) */
  ed.addEventListener('focus', () => {
    document.execCommand('defaultParagraphSeparator', false, 'p');
    document.execCommand('styleWithCSS', false, false);
  });
  const fileIn = el('input', {type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp',
    class: 'visually-hidden', id: 'image-file', tabindex: '-1', 'aria-hidden': 'true'});
  const tool = (label, title, fn) => el('button', {type: 'button', class: 'tool', title,
    text: label, onmousedown: e => e.preventDefault(), onclick: () => { ed.focus(); fn(); changed(); }});
  const bar = el('div', {class: 'toolbar rte-bar', role: 'toolbar', 'aria-label': '正文格式',
    'aria-controls': bodyId},
    tool('加粗', '加粗所选文字', () => document.execCommand('bold')),
    tool('标题', '设为二级标题', () => document.execCommand('formatBlock', false, 'h2')),
    tool('小标题', '设为三级标题', () => document.execCommand('formatBlock', false, 'h3')),
    tool('段落', '设为正文段落', () => document.execCommand('formatBlock', false, 'p')),
    tool('项目列表', '无序列表', () => document.execCommand('insertUnorderedList')),
    tool('编号列表', '有序列表', () => document.execCommand('insertOrderedList')),
    tool('链接', '插入链接', () => {
      const url = window.prompt('链接地址（http:// 或 https:// 开头）', 'https://');
      if (url && /^(https?:\/\/|\/)/.test(url)) document.execCommand('createLink', false, url);
    }),
    tool('图片', '上传图片并插入', () => fileIn.click()));
  const upMsg = el('p', {class: 'msg', hidden: true, id: 'upload-msg'});
  const bodyWrap = el('div', {class: 'field', 'data-field': 'body'},
    el('span', {class: 'label', id: bodyId + '-label', text: '正文'}), bar, ed, fileIn, upMsg,
    el('p', {class: 'error field-error', hidden: true}));
  form.appendChild(bodyWrap);

  /* uploaded files to attach to the item once it exists */
  const pendingFiles = [];
  fileIn.addEventListener('change', async () => {
    const f = fileIn.files[0];
    if (!f) return;
    const s = item ? siteOf(item) : site.input.value;
    message(upMsg, '正在上传 ' + f.name + '……', false);
    const r = await upload(s, f);
    fileIn.value = '';
    if (r.status !== 201 && r.status !== 200) { message(upMsg, '上传失败：' + errorText(r), true); return; }
    const ext = (f.name.match(/\.[A-Za-z0-9]+$/) || [''])[0].toLowerCase();
    const img = el('img', {src: '/files/' + r.body.sha256 + ext, alt: f.name.replace(/\.[^.]+$/, ''),
      width: r.body.width, height: r.body.height});
    ed.focus();
    const sel = window.getSelection();
    if (sel.rangeCount && ed.contains(sel.anchorNode)) {
      const range = sel.getRangeAt(0);
      range.collapse(false);
      range.insertNode(img);
    } else ed.appendChild(el('p', null, img));
    pendingFiles.push(r.body.sha256);
    if (item) await attachFiles();
    message(upMsg, '已上传 ' + f.name + '（' + Math.round(r.body.size / 1024) + ' KB' +
      (r.body.width ? '，' + r.body.width + '×' + r.body.height : '') + '）。', false);
    changed();
  });
  async function attachFiles() {
    while (pendingFiles.length) {
      const ref = pendingFiles[0];
      const r = await api('POST', '/items/' + seg(item.id) + '/files', {file: ref});
      if (r.status >= 300 && r.status !== 409) { message(upMsg, '图片未能关联到信息：' + errorText(r), true); return; }
      pendingFiles.shift();
    }
  }

  /* the checks, as the editor types */
  const checks = el('section', {class: 'card checks', id: 'checks', 'aria-labelledby': 'checks-title'},
    el('h2', {id: 'checks-title', text: '内容检查'}));
  const findings = el('div', {'aria-live': 'polite', id: 'check-findings'},
    el('p', {class: 'note', text: '输入标题和正文后自动检查错别字、敏感词、链接等。'}));
  checks.appendChild(findings);
  const runChecks = debounce(async () => {
    const s = item ? siteOf(item) : site.input.value;
    const r = await api('POST', '/checks/text', {site: s, title: inputs.title.value, body: ed.innerHTML});
    findings.textContent = '';
    if (r.status !== 200) {
      findings.appendChild(el('p', {class: 'error', text: '检查未能进行：' + errorText(r)}));
      return;
    }
    const list = r.body.findings || r.body.items || [];
    if (!list.length) { findings.appendChild(el('p', {class: 'ok', text: '未发现问题。'})); return; }
    findings.appendChild(findingsList(list));
  }, 600);
  function changed() { runChecks(); }
  ed.addEventListener('input', changed);
  inputs.title.addEventListener('input', changed);

  const note = input('note', {placeholder: '本次修改说明（可选）'});
  const save = el('button', {type: 'submit', id: 'save', text: item ? '保存' : '创建草稿'});
  form.append(field('修改说明', note).wrap, el('p', {class: 'actions'}, save), box);

  const layout = el('div', {class: 'edit-layout'}, form, checks);
  body.appendChild(layout);

  const createKey = newIdemKey(); /* one per new item: a retried create is not a second item */
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    box.hidden = true;
    const f = {};
    for (const [name, , kinds, type] of META) {
      if (kinds && !kinds.includes(kindOf())) continue;
      const v = inputs[name].value.trim();
      if (type === 'list') { if (v || item) f[name] = v ? v.split(/[,，、;；]\s*/).filter(Boolean) : []; }
      else if (v || (item && fields[name] !== undefined && fields[name] !== null)) f[name] = v || null;
    }
    f.body = ed.innerHTML;
    save.disabled = true;
    let r;
    if (item) {
      const req = {fields: f};
      if (note.value.trim()) req.note = note.value.trim();
      r = await api('PATCH', '/items/' + seg(item.id), req);
    } else {
      const req = {site: site.input.value, kind: kind.input.value, fields: f};
      if (query.get('column')) req.places = [{column: query.get('column')}];
      r = await api('POST', '/items', req, createKey);
    }
    save.disabled = false;
    if (r.status === 200 || r.status === 201) {
      if (!item) {
        item = {id: r.body.id};
        await attachFiles();
        location.hash = '#/edit/' + r.body.id + '?saved=1';
        return;
      }
      await attachFiles();
      message(box, r.body.changed === false ? '没有修改。' : '已保存，修订版本 ' + (r.body.revision ?? '') + '。', false);
      return;
    }
    showError(form, box, r, errorText(r));
  });
  if (query.get('saved')) message(box, '已创建草稿，编号 ' + item.id + '。', false);
  runChecks();
  if (!item) return;

  /* placements, 多处发布 and 提交审核; 定时发布 and 撤稿 per placement; 报送上级 */
  body.appendChild(await placements(item, sites));
  body.appendChild(await sendForm(item));
}

/* "2026-12-01T08:00" of a datetime-local input as ISO 8601 with the browser's offset */
function isoLocal(v) {
  const d = new Date(v);
  if (!v || isNaN(d)) return v;
  const off = -d.getTimezoneOffset(), a = Math.abs(off), p = n => String(n).padStart(2, '0');
  return v.slice(0, 16) + ':00' + (off >= 0 ? '+' : '-') + p(Math.floor(a / 60)) + ':' + p(a % 60);
}

/*
 * 预览页面: the item's page on its first place, rendered with the unpublished
 * changes this person may see (/preview/<site>/<path>, docs/api.md "Site
 * preview"), in a new tab. The tab is opened at once (browsers allow a
 * window only during the click) and sent to the page when where says it.
 */
async function openPreview(item, pbox) {
  const tab = window.open('about:blank', '_blank');
  const r = await api('GET', '/items/' + seg(item.id) + '/where');
  const place = r.status === 200 && (r.body.places || []).find(p => p.how === 'own');
  const pg = place && (place.pages || []).find(p => p.channel === 'desktop');
  if (!pg) {
    if (tab) tab.close();
    message(pbox, r.status === 200 ? '请先把信息放入栏目，才能预览页面。' : '无法预览：' + errorText(r), true);
    return;
  }
  const url = '/preview/' + encodeURIComponent(place.site) + '/' + pg.path.replace(/^\//, '');
  if (tab) tab.location.href = url;
  else location.href = url;
}

function siteOf(item) {
  return typeof item.site === 'object' && item.site ? item.site.code || item.site.id : item.site;
}

function pick(item) {
  const o = {};
  ['title', 'summary', 'source', 'author', 'keywords', 'tags', 'body', 'doc_no', 'issuer',
    'written_on', 'validity'].forEach(k => { if (item[k] !== undefined) o[k] = item[k]; });
  if (item.metadata) Object.assign(o, Object.fromEntries(Object.entries(item.metadata)
    .filter(([k]) => o[k] === undefined)));
  return o;
}

/*
 * 定时发布 / 撤稿 of one placement (POST /items/{id}/schedule and the
 * workflow's withdraw): what is scheduled is shown with 取消; a published
 * placement can be withdrawn with a reason. The server decides whether the
 * user may (item.publish) and refuses past times at the field publish_at.
 */
function scheduleControls(item, p, col, pbox, reload) {
  const box = el('div', {class: 'schedule'});
  const after = async (r, ok) => {
    if (r.status === 200) { message(pbox, ok, false); reload(); }
    else showError(box, pbox, r, '未能完成：' + errorText(r));
  };
  if (p.publish_at) {
    box.appendChild(el('span', {class: 'tag sched', text: '定时发布：' + fmtTime(p.publish_at)}));
    box.appendChild(el('button', {type: 'button', class: 'link-button', text: '取消定时',
      'aria-label': '取消定时发布：' + col, onclick: async () => {
        pbox.hidden = true;
        const r = await api('POST', '/items/' + seg(item.id) + '/schedule', {column: col, publish_at: null});
        after(r, '已取消定时发布：' + col + '。');
      }}));
  }
  if (p.withdraw_at) box.appendChild(el('span', {class: 'tag sched', text: '定时撤下：' + fmtTime(p.withdraw_at)}));
  if (p.state === 'published') {
    const reason = el('input', {type: 'text', name: 'reason', 'aria-label': '撤稿原因：' + col,
      placeholder: '撤稿原因（必填）'});
    box.append(el('span', {class: 'field inline', 'data-field': 'comment'}, reason,
      el('span', {class: 'error field-error', hidden: true})),
    el('button', {type: 'button', class: 'danger', text: '撤稿', 'aria-label': '撤稿：' + col,
      onclick: async () => {
        pbox.hidden = true;
        clearErrors(box);
        if (!reason.value.trim()) {
          showError(box, pbox, {body: {error: {field: 'comment', message: '请填写撤稿原因。'}}}, '撤稿须写明原因。');
          return;
        }
        const r = await api('POST', '/items/' + seg(item.id) + '/workflow',
          {action: 'withdraw', column: col, comment: reason.value.trim()});
        after(r, '已撤稿：' + col + '。');
      }}));
  } else if (p.state !== 'archived' && !p.publish_at) {
    const when = el('input', {type: 'datetime-local', name: 'publish_at', 'aria-label': '定时发布时间：' + col});
    box.append(el('span', {class: 'field inline', 'data-field': 'publish_at'}, when,
      el('span', {class: 'error field-error', hidden: true})),
    el('button', {type: 'button', class: 'secondary', text: '定时发布', 'aria-label': '定时发布：' + col,
      onclick: async () => {
        pbox.hidden = true;
        clearErrors(box);
        if (!when.value) {
          showError(box, pbox, {body: {error: {field: 'publish_at', message: '请选择发布时间。'}}}, '请先选择时间。');
          return;
        }
        const r = await api('POST', '/items/' + seg(item.id) + '/schedule',
          {column: col, publish_at: isoLocal(when.value)});
        after(r, '已设定定时发布：' + col + '，' + fmtTime(r.body && r.body.placement ? r.body.placement.publish_at : '') + '。');
      }}));
  }
  return box;
}

async function placements(item, sites) {
  const sec = el('section', {class: 'card', id: 'placements', 'aria-labelledby': 'pl-title'},
    el('h2', {id: 'pl-title', text: '发布位置'}));
  const pbox = el('p', {class: 'msg', hidden: true, id: 'place-msg'});
  const current = el('div');
  sec.append(current);
  const draw = (list) => {
    current.textContent = '';
    if (!list.length) { current.appendChild(el('p', {class: 'note', text: '尚未放入任何栏目。'})); return; }
    const ul = el('ul', {class: 'placements'});
    list.forEach(p => {
      const col = p.site + ':' + p.column;
      const comment = el('input', {type: 'text', name: 'comment', 'aria-label': '提交说明：' + col,
        placeholder: '提交说明（可选）'});
      const li = el('li', null, el('span', {class: 'col', text: (p.site_name ? p.site_name + ' · ' : '') +
        (p.column_name || '') + '（' + col + '）'}), el('span', {class: 'tag', text: STATES[p.state] || p.state}));
      li.append(scheduleControls(item, p, col, pbox, reload));
      if (p.state === 'draft' || p.state === 'withdrawn') {
        li.append(comment, el('button', {type: 'button', class: 'secondary submit-review', text: '提交审核',
          'aria-label': '提交审核：' + col, onclick: async () => {
            pbox.hidden = true;
            const r = await api('POST', '/items/' + seg(item.id) + '/workflow',
              {action: 'submit', column: col, comment: comment.value.trim()});
            if (r.status === 200) { message(pbox, '已提交审核：' + col + '。', false); reload(); }
            else message(pbox, '提交失败：' + errorText(r), true);
          }}));
      }
      ul.appendChild(li);
    });
    current.appendChild(ul);
  };
  const reload = async () => {
    const r = await api('GET', '/items/' + seg(item.id));
    if (r.status === 200) draw(r.body.placements || []);
  };
  draw(item.placements || []);

  /* choose columns of several sites */
  const chosen = [];
  const sitePick = select('place-site', [['', '选择站点']].concat(sites));
  sitePick.id = 'place-site';
  const colPick = select('place-column', [['', '先选择站点']]);
  colPick.id = 'place-column';
  const chosenList = el('ul', {class: 'chosen', 'aria-live': 'polite', id: 'chosen'});
  sitePick.addEventListener('change', async () => {
    colPick.textContent = '';
    if (!sitePick.value) return;
    const r = await api('GET', '/sites/' + seg(sitePick.value) + '/columns');
    if (r.status !== 200) { message(pbox, errorText(r), true); return; }
    r.body.items.forEach(c => colPick.appendChild(el('option', {value: sitePick.value + ':' + c.path,
      text: '　'.repeat(c.depth || 0) + c.name + '（' + c.path + '）'})));
  });
  const drawChosen = () => {
    chosenList.textContent = '';
    chosen.forEach((c, i) => chosenList.appendChild(el('li', null, c,
      el('button', {type: 'button', class: 'link-button', text: '移除', 'aria-label': '移除 ' + c,
        onclick: () => { chosen.splice(i, 1); drawChosen(); }}))));
  };
  const add = el('button', {type: 'button', class: 'secondary', id: 'place-add', text: '加入',
    onclick: () => {
      if (colPick.value && !chosen.includes(colPick.value)) chosen.push(colPick.value);
      drawChosen();
    }});
  const go = el('button', {type: 'button', id: 'place-go', text: '放入所选栏目', onclick: async () => {
    pbox.hidden = true;
    if (!chosen.length) { message(pbox, '请先选择至少一个栏目。', true); return; }
    const r = await api('POST', '/items/' + seg(item.id) + '/placements',
      {places: chosen.map(c => ({column: c}))});
    if (r.status === 200 || r.status === 201) {
      message(pbox, '已放入 ' + chosen.length + ' 个栏目。', false);
      chosen.length = 0;
      drawChosen();
      reload();
    } else message(pbox, '未能放入：' + errorText(r), true);
  }});
  sec.append(el('h3', {text: '发布到多个站点'}),
    el('div', {class: 'row'}, el('div', {class: 'field'}, el('label', {for: 'place-site', text: '站点'}), sitePick),
      el('div', {class: 'field'}, el('label', {for: 'place-column', text: '栏目'}), colPick)),
    el('p', {class: 'actions'}, add), chosenList, el('p', {class: 'actions'}, go), pbox,
    el('p', {class: 'actions'}, el('a', {href: '#/where/' + seg(item.id), text: '查看信息去向'}),
      el('a', {href: '#/review-item/' + seg(item.id), text: '查看修订差异'}),
      el('button', {type: 'button', class: 'secondary', id: 'preview', text: '预览页面',
        onclick: () => openPreview(item, pbox)})));
  return sec;
}
