#!/usr/bin/env node
// run.js — browser tests of the sucai web page: playwright-core driving
// Debian's chromium (headless) against `sucai serve` on a temp library.
//
//   SUCAI=path/to/sucai node tests/browser/run.js
//
// Walks what a writer, a visitor and the librarian do: search with
// suggestions and highlights, open a document, meet the paywall, log in as
// a member and read the full text, download it, upload files as admin and
// create a member.  Screenshots go to tests/browser/screenshots/ (ignored
// by git; $SCREENSHOTS overrides) to be looked at.  Exit 1 on any failure.
'use strict';

const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const SUCAI = path.resolve(process.env.SUCAI || 'build/sucai');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOTS || path.join(__dirname, 'screenshots');
const failures = [];

function check(cond, what) {
  if (!cond) { failures.push(what); console.log('FAIL:', what); }
  else console.log('ok:', what);
}

const PAID = 'ZQXPAIDMARK7731';
const DOCS = {
  'a.txt': '关于推进清廉机关建设的工作总结\n一、总体情况\n今年以来，我局深入推进清廉机关建设，围绕中心工作，' +
    '健全制度机制，强化监督执纪，取得了阶段性成效。全体干部职工认真学习，清廉机关建设氛围日益浓厚。\n' +
    '二、主要做法\n（一）加强组织领导\n成立领导小组，分别开##paidbegin##展专题研究' + PAID + '，层层压实责任。\n' +
    '三、会员专享的小标题' + PAID + '\n会员全文段落，记录具体做法和数据。\n##paidend##\n',
  'b.txt': '优化营商环境实施方案\n一、工作目标\n持续推进证照分离改革，优化营商环境，清廉机关建设与营商环境同步推进。\n' +
    '二、重点任务\n压缩审批时限，推行一网通办。\n',
};

function sh(args, input) {
  return execFileSync(SUCAI, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function startServer(lib) {
  const log = fs.openSync(path.join(lib, '..', 'server.log'), 'w');
  const proc = spawn(SUCAI, ['--library', lib, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', log] });
  const rl = readline.createInterface({ input: proc.stdout });
  const line = await new Promise((resolve, reject) => {
    rl.once('line', resolve);
    proc.once('exit', (c) => reject(new Error('server exited with ' + c)));
    setTimeout(() => reject(new Error('server did not start')), 30000);
  });
  const port = /:(\d+)\/\s*$/.exec(line)[1];
  return { proc, base: 'http://127.0.0.1:' + port };
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sucai-browser-'));
  const lib = path.join(tmp, 'lib');
  const inDir = path.join(tmp, 'in');
  fs.mkdirSync(inDir);
  for (const [n, t] of Object.entries(DOCS)) fs.writeFileSync(path.join(inDir, n), t);
  sh(['--library', lib, 'ingest', inDir]);
  sh(['--library', lib, 'user', 'add', 'admin', '--tier', 'admin', '--password', 'admin-pass-1']);
  sh(['--library', lib, 'user', 'add', 'writer', '--tier', 'member', '--password', 'writer-pass-1', '--expires', '2099-12-31']);
  const srv = await startServer(lib);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-proxy-server'],  // playwright gives every launch a fresh --user-data-dir of its own
  });
  try {
    await run(browser, srv.base);
  } finally {
    await browser.close();
    srv.proc.kill('SIGTERM');
    await new Promise((r) => srv.proc.once('exit', r));
    const log = fs.readFileSync(path.join(tmp, 'server.log'), 'utf8');
    check(!/runtime error|Sanitizer/.test(log), 'server log has no sanitizer report');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function run(browser, base) {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push('console: ' + m.text()); });

  // ---- a visitor searches ----
  await page.goto(base + '/');
  await page.waitForSelector('.hero');
  await page.click('.hero h1');          // the home page focuses the box; leave it first
  check(await page.evaluate(() => document.activeElement.id !== 'q'), 'the search box can lose focus');
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement && document.activeElement.id === 'q'), '"/" focuses the search box');
  await page.keyboard.type('清廉');
  await page.waitForSelector('#suggest li', { timeout: 5000 }).catch(() => null);
  const sugg = await page.$$eval('#suggest li', (lis) => lis.map((l) => l.textContent));
  check(sugg.some((s) => s.includes('清廉机关建设')), 'suggestions offer the title: ' + JSON.stringify(sugg));
  await page.screenshot({ path: path.join(SHOTS, '01-suggest.png') });
  await page.fill('#q', '清廉机关建设');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.hit, .card.muted', { timeout: 10000 });
  const summary = await page.textContent('#summary').catch(() => '');
  check(/找到\s*2\s*篇/.test(summary), 'the result count is shown (2 documents): ' + summary);
  const marks = await page.$$eval('.hit mark', (ms) => ms.map((m) => m.textContent));
  check(marks.length > 0 && marks.every((m) => m === '清廉机关建设'), 'snippets highlight the query: ' + JSON.stringify(marks.slice(0, 4)));
  check(!(await page.content()).includes(PAID), 'the result page carries no paid text');
  await page.waitForTimeout(400);        // a late suggest answer would show by now
  check(await page.$eval('#suggest', (u) => u.hidden), 'no stale suggestions after a search');
  await page.screenshot({ path: path.join(SHOTS, '02-results.png'), fullPage: true });

  // ---- the document, as a visitor ----
  await page.click('.hit h3 a >> text=工作总结');
  await page.waitForSelector('.article h1');
  check((await page.textContent('.article h1')).includes('清廉机关建设的工作总结'), 'the document opens');
  const outline = await page.$$eval('.outline li', (lis) => lis.map((l) => l.textContent));
  check(outline.includes('一、总体情况'), 'the outline lists the free headings: ' + JSON.stringify(outline));
  check(outline.some((t) => t.includes('付费部分小标题')), 'headings inside the paid part are shown locked');
  const locked = await page.textContent('#locked').catch(() => '');
  check(/开通会员即可阅读全文（约\d+字）/.test(locked), 'the paywall notice is shown: ' + locked);
  check(!(await page.content()).includes(PAID), 'the visitor page carries no paid text');
  check((await page.$('#dl-txt')) === null, 'a visitor gets no download buttons');
  await page.screenshot({ path: path.join(SHOTS, '03-doc-visitor.png'), fullPage: true });
  const docUrl = page.url();

  // ---- log in as a member, read everything, download ----
  await page.click('#locked a');
  await page.waitForSelector('#login-name');
  await page.fill('#login-name', 'writer');
  await page.fill('#login-password', 'wrong');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  check((await page.textContent('#login-error')).includes('错误'), 'a wrong password is refused with a message');
  await page.fill('#login-password', 'writer-pass-1');
  await page.click('#login-submit');
  await page.waitForSelector('.article h1');
  check(page.url() === docUrl, 'login returns to the document');
  const text = await page.textContent('#doc-text');
  check(text.includes(PAID), 'the member reads the paid part');
  check((await page.$('#locked')) === null, 'no paywall notice for a member');
  check((await page.textContent('#nav-user')).includes('会员'), 'the header shows the member tier');
  await page.screenshot({ path: path.join(SHOTS, '04-doc-member.png'), fullPage: true });
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#dl-txt')]);
  const file = await dl.path();
  const body = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  check(body.includes(PAID) && body.startsWith('关于推进清廉机关建设的工作总结'), 'the txt download holds the full text');
  check(dl.suggestedFilename().endsWith('.txt'), 'the download has a .txt name: ' + dl.suggestedFilename());
  const [dx] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#dl-docx')]);
  const zip = fs.readFileSync(await dx.path());
  check(zip.slice(0, 2).toString() === 'PK' && dx.suggestedFilename().endsWith('.docx'), 'the Word download is a .docx: ' + dx.suggestedFilename());
  await page.goto(base + '/#/search?q=' + encodeURIComponent('清廉机关建设'));
  await page.waitForSelector('.hit');
  check((await page.$('#zip-go')) === null && (await page.$('.hit .pick')) === null, 'a member (not SVIP) gets no batch download');
  // reading on a phone
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const pp = await phone.newPage();
  await pp.goto(docUrl);
  await pp.waitForSelector('.article h1');
  const overflow = await pp.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check(!overflow, 'no horizontal scrolling on a phone');
  await pp.screenshot({ path: path.join(SHOTS, '05-doc-phone.png'), fullPage: false });
  await pp.goto(base + '/#/search?q=' + encodeURIComponent('营商环境'));
  await pp.waitForSelector('.hit');
  await pp.screenshot({ path: path.join(SHOTS, '06-results-phone.png'), fullPage: false });
  await phone.close();

  // ---- the librarian ----
  await page.click('#logout');
  await page.waitForSelector('#login-link');
  await page.goto(base + '/#/login?next=' + encodeURIComponent('#/admin'));
  await page.waitForSelector('#login-name');
  await page.fill('#login-name', 'admin');
  await page.fill('#login-password', 'admin-pass-1');
  await page.click('#login-submit');
  await page.waitForSelector('#upload-files');
  await page.setInputFiles('#upload-files', [
    { name: '新材料一.txt', mimeType: 'text/plain', buffer: Buffer.from('乡村振兴工作汇报\n一、基本情况\n今年全县乡村振兴工作稳步推进。\n') },
    { name: '../坏文件.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\x00\x01') },
    { name: 'b-again.txt', mimeType: 'text/plain', buffer: Buffer.from(DOCS['b.txt']) },
  ]);
  await page.click('#upload-go');
  await page.waitForSelector('#upload-results table', { timeout: 30000 });
  const rows = await page.$$eval('#upload-results tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const byFile = Object.fromEntries(rows.map((r) => [r[0], r[1]]));
  check(byFile['新材料一.txt'] === '新增', 'upload: the new file is added: ' + JSON.stringify(rows));
  check(byFile['b-again.txt'] === '重复', 'upload: the repeated file is a duplicate');
  check(Object.keys(byFile).some((f) => f.includes('坏文件') && byFile[f] === '失败'), 'upload: the bad file fails with a reason');
  check(!rows.flat().some((c) => c.includes('/tmp') || c.includes('sucai-upload')), 'upload results name no server paths');
  await page.screenshot({ path: path.join(SHOTS, '07-admin-upload.png'), fullPage: true });
  await page.fill('#nu-name', 'newmember');
  await page.fill('#nu-password', 'new-member-pw');
  await page.selectOption('#nu-tier', 'member');
  await page.fill('#nu-expires', '2030-06-30');
  await page.click('#nu-add');
  await page.waitForFunction(() => [...document.querySelectorAll('#users td')].some((td) => td.textContent === 'newmember'), null, { timeout: 10000 }).catch(() => null);
  const users = await page.$$eval('#users tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
  check(users.includes('newmember'), 'admin creates a member: ' + JSON.stringify(users));
  await page.screenshot({ path: path.join(SHOTS, '08-admin-users.png'), fullPage: true });
  // batch download (SVIP and admins): tick one result, then the whole page
  await page.goto(base + '/#/search?q=' + encodeURIComponent('清廉机关建设'));
  await page.waitForSelector('#zip-go');
  // entries of a zip: its end-of-central-directory record (the last one: a .docx inside is a zip too)
  const zipEntries = (buf) => { const i = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])); return i < 0 ? -1 : buf.readUInt16LE(i + 10); };
  await page.check('.hit .pick >> nth=0');
  const [z1] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#zip-go')]);
  const zb1 = fs.readFileSync(await z1.path());
  check(/^sucai-1\.zip$/.test(z1.suggestedFilename()) && zipEntries(zb1) === 1, 'the ticked result comes as a zip of one: ' + z1.suggestedFilename() + ', ' + zipEntries(zb1));
  await page.check('#zip-all');
  await page.selectOption('#zip-format', 'txt');
  const [z2] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#zip-go')]);
  const zb2 = fs.readFileSync(await z2.path());
  check(zipEntries(zb2) === 2 && zb2.includes(Buffer.from('关于推进清廉机关建设的工作总结.txt')),
    'the whole page comes as a zip of two .txt files named by title: ' + zipEntries(zb2));
  await page.screenshot({ path: path.join(SHOTS, '10-batch-download.png'), fullPage: true });
  // the new material is searchable at once
  await page.goto(base + '/#/search?q=' + encodeURIComponent('乡村振兴'));
  await page.waitForSelector('.hit', { timeout: 10000 }).catch(() => null);
  check((await page.$$('.hit')).length === 1, 'an uploaded file is searchable after the batch');
  await page.goto(base + '/#/new');
  await page.waitForSelector('.list li', { timeout: 10000 }).catch(() => null);
  check((await page.textContent('.main')).includes('乡村振兴工作汇报'), '今日更新 lists the new material');
  await page.screenshot({ path: path.join(SHOTS, '09-new.png'), fullPage: true });
  check(errors.length === 0, 'no script errors or CSP violations: ' + JSON.stringify(errors));
  await ctx.close();
}

main().then(() => {
  console.log(failures.length ? failures.length + ' failure(s)' : 'browser tests passed; screenshots in ' + SHOTS);
  process.exit(failures.length ? 1 : 0);
}, (e) => {
  console.error('browser tests crashed:', e);
  process.exit(1);
});
