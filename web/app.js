// app.js — the sucai page: hash routing over the JSON API, no framework.
// Every piece of data goes into the page through textContent (never
// innerHTML), so that nothing a document or a user typed can run here.
'use strict';

const state = { me: null, facets: null };
const $ = (sel) => document.querySelector(sel);

// h('div', {class: 'x', onclick: f}, child, 'text', ...) -> element
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (state.me && state.me.csrf && method !== 'GET') opts.headers['X-CSRF-Token'] = state.me.csrf;
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) {
    const err = new Error((data && data.error && data.error.message) || ('HTTP ' + r.status));
    err.status = r.status;
    err.code = data && data.error && data.error.code;
    throw err;
  }
  return data;
}

const TIER = { visitor: '访客', free: '免费用户', member: '会员', svip: 'SVIP', admin: '管理员' };
const fmtChars = (n) => n >= 10000 ? (n / 10000).toFixed(1) + ' 万字' : n + ' 字';
const today = () => new Date().toISOString().slice(0, 10);

function setMain(...kids) {
  const m = $('#main');
  m.replaceChildren(...kids);
  window.scrollTo(0, 0);
}

function errorBox(e) {
  return h('div', { class: 'card' }, h('p', { class: 'error' }, '出错了：' + e.message));
}

// ---- header: who is here ------------------------------------------------
async function loadMe() {
  try { state.me = await api('GET', '/api/me'); } catch (e) { state.me = { tier: 'visitor' }; }
  renderNav();
}

function renderNav() {
  const me = state.me || { tier: 'visitor' };
  $('#nav-admin').hidden = me.tier !== 'admin';
  const box = $('#nav-user');
  if (me.user) {
    const paid = me.can_read_paid;
    box.replaceChildren(
      h('span', { class: 'who' }, me.user.name, h('span', { class: 'tier' + (paid ? ' paid' : '') }, TIER[me.tier] || me.tier)),
      ' ', h('button', { class: 'linkbtn', id: 'logout', onclick: logout }, '退出'));
  } else {
    box.replaceChildren(h('a', { href: '#/login', id: 'login-link' }, '登录'));
  }
  if (me.library_name) { $('#brand').textContent = me.library_name; document.title = me.library_name; }
}

async function logout() {
  try { await api('POST', '/api/logout'); } catch (e) { /* the cookie is gone either way */ }
  await loadMe();
  route();
}

// ---- search box with suggestions ----------------------------------------
let sugTimer = null, sugItems = [], sugOn = -1, sugGen = 0;

function hideSuggest() { clearTimeout(sugTimer); sugGen++; $('#suggest').hidden = true; sugItems = []; sugOn = -1; }

function showSuggest(items) {
  const ul = $('#suggest');
  sugItems = items; sugOn = -1;
  ul.replaceChildren(...items.map((s, i) => h('li', {
    onmousedown: (ev) => { ev.preventDefault(); hideSuggest(); location.hash = '#/doc/' + encodeURIComponent(s.id); },
    'data-i': i }, s.title)));
  ul.hidden = items.length === 0;
}

function onType() {
  clearTimeout(sugTimer);
  const q = $('#q').value.trim();
  if (!q) { hideSuggest(); return; }
  const gen = ++sugGen;
  sugTimer = setTimeout(async () => {
    try {
      const r = await api('GET', '/api/suggest?q=' + encodeURIComponent(q) + '&limit=8');
      // a late answer after a search or another keystroke is dropped
      if (gen === sugGen && $('#q').value.trim() === q && document.activeElement === $('#q')) showSuggest(r.suggestions);
    } catch (e) { hideSuggest(); }
  }, 120);
}

function onKey(ev) {
  if ($('#suggest').hidden) return;
  const lis = $('#suggest').children;
  if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
    ev.preventDefault();
    const n = lis.length;
    if (ev.key === 'ArrowDown') sugOn = sugOn + 1 >= n ? -1 : sugOn + 1;
    else sugOn = sugOn <= -1 ? n - 1 : sugOn - 1;
    [...lis].forEach((li, i) => li.classList.toggle('on', i === sugOn));
  } else if (ev.key === 'Escape') hideSuggest();
}

function onSubmit(ev) {
  ev.preventDefault();
  if (sugOn >= 0 && sugItems[sugOn]) {
    const id = sugItems[sugOn].id;
    hideSuggest();
    location.hash = '#/doc/' + encodeURIComponent(id);
    return;
  }
  hideSuggest();
  const q = $('#q').value.trim();
  if (q) location.hash = '#/search?' + new URLSearchParams({ q }).toString();
}

// ---- pages -------------------------------------------------------------------
const canZip = () => !!state.me && (state.me.tier === 'svip' || state.me.tier === 'admin');

function hitItem(hit) {
  // highlights are [start, length] in code points of the snippet
  const cps = Array.from(hit.snippet || '');
  const parts = [];
  let at = 0;
  for (const [s, l] of (hit.highlights || [])) {
    if (s < at || s > cps.length) continue;
    parts.push(cps.slice(at, s).join(''), h('mark', {}, cps.slice(s, s + l).join('')));
    at = s + l;
  }
  parts.push(cps.slice(at).join(''));
  const meta = [hit.type && hit.type !== 'unknown' ? hit.type : null, hit.year || null, hit.date].filter(Boolean).join(' · ');
  const pick = canZip() ? h('input', { type: 'checkbox', class: 'pick', value: hit.id, 'aria-label': '选择' }) : null;
  return h('li', { class: 'hit' },
    h('h3', {}, pick, h('a', { href: '#/doc/' + encodeURIComponent(hit.id) }, hit.title || hit.id)),
    meta ? h('div', { class: 'meta' }, meta) : null,
    h('p', { class: 'snippet' }, parts),
    hit.in_paid_part && !(state.me && state.me.can_read_paid) ? h('div', { class: 'meta' }, '匹配内容位于会员部分') : null);
}

async function facets() {
  if (!state.facets) {
    try { state.facets = await api('GET', '/api/facets'); } catch (e) { state.facets = { types: [], years: [], docs: 0 }; }
  }
  return state.facets;
}

async function pageHome() {
  $('#q').value = '';
  const f = await facets();
  const chips = h('div', { class: 'chips' }, (f.types || []).filter(t => t.name !== 'unknown').map(t =>
    h('a', { class: 'chip', href: '#/search?' + new URLSearchParams({ q: t.name }) }, t.name, h('small', {}, t.docs))));
  setMain(h('section', { class: 'hero' },
    h('h1', {}, (state.me && state.me.library_name) || '素材库'),
    h('p', { class: 'muted' }, '收录材料 ' + (f.docs || 0) + ' 篇，共 ' + fmtChars(f.chars || 0) + '。输入任意字词，精确查找全文。')),
    chips, await newList(today(), '今日更新', true));
  $('#q').focus();
}

async function newList(since, title, fallback) {
  const head = h('h2', {}, title);
  const card = h('section', { class: 'card', id: 'new-list' }, head);
  try {
    let r = await api('GET', '/api/new?since=' + encodeURIComponent(since) + '&limit=50');
    if (!r.items.length && fallback) {
      // nothing today: show the latest additions instead of an empty box
      r = await api('GET', '/api/new?since=1900-01-01&limit=20');
      head.textContent = '最新入库';
    }
    if (!r.items.length) card.append(h('p', { class: 'muted' }, '这一天还没有新材料。'));
    card.append(h('ul', { class: 'list' }, r.items.map(d => h('li', {},
      h('a', { href: '#/doc/' + encodeURIComponent(d.id) }, d.title || d.id),
      h('span', { class: 'muted hide-sm' }, [d.type !== 'unknown' ? d.type : '', fmtChars(d.chars)].filter(Boolean).join(' · '))))));
  } catch (e) { card.append(h('p', { class: 'error' }, e.message)); }
  return card;
}

async function pageNew(params) {
  const since = params.get('since') || today();
  const input = h('input', { type: 'date', value: since, onchange: (ev) => { location.hash = '#/new?since=' + ev.target.value; } });
  setMain(h('p', {}, '自 ', input, ' 起新增的材料'), await newList(since, since === today() ? '今日更新' : '新增材料'));
}

async function pageSearch(params) {
  const q = params.get('q') || '';
  $('#q').value = q;
  const page = parseInt(params.get('page') || '1', 10) || 1;
  const f = await facets();
  const go = (changes) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) { if (v) p.set(k, v); else p.delete(k); }
    if (!('page' in changes)) p.delete('page');
    location.hash = '#/search?' + p.toString();
  };
  const sel = (name, label, options) => h('div', { class: 'f' }, h('label', { for: 'f-' + name }, label),
    h('select', { id: 'f-' + name, onchange: (ev) => go({ [name]: ev.target.value }) },
      options.map(([v, t]) => h('option', { value: v, selected: (params.get(name) || '') === v }, t))));
  const filters = h('aside', { class: 'filters card' }, h('h2', {}, '筛选'),
    sel('type', '类型', [['', '全部类型'], ...(f.types || []).filter(t => t.name !== 'unknown').map(t => [t.name, t.name + '（' + t.docs + '）'])]),
    sel('year', '年份', [['', '全部年份'], ...(f.years || []).filter(y => y.year).sort((a, b) => b.year - a.year).map(y => [String(y.year), y.year + '（' + y.docs + '）'])]),
    sel('sort', '排序', [['', '相关度'], ['date', '最新']]));
  const body = h('div', {}, h('p', { class: 'muted' }, '搜索中…'));
  setMain(h('div', { class: 'layout' }, filters, body));
  const qs = new URLSearchParams({ q, page: String(page), per_page: '10' });
  for (const k of ['type', 'year', 'sort']) if (params.get(k)) qs.set(k, params.get(k));
  try {
    const r = await api('GET', '/api/search?' + qs.toString());
    const pages = Math.min(100, Math.ceil(r.total / r.per_page));
    const pager = h('nav', { class: 'pager' });
    if (pages > 1) {
      if (page > 1) pager.append(h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); go({ page: String(page - 1) }); } }, '上一页'));
      for (let p = Math.max(1, page - 4); p <= Math.min(pages, page + 4); p++)
        pager.append(p === page ? h('span', { class: 'cur' }, p) : h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); go({ page: String(p) }); } }, p));
      if (page < pages) pager.append(h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); go({ page: String(page + 1) }); } }, '下一页'));
    }
    body.replaceChildren(
      h('p', { class: 'summary', id: 'summary' }, '找到 ', h('strong', {}, r.total), ' 篇包含“' + q + '”的材料（用时 ' + r.took_ms.toFixed(1) + ' 毫秒）'),
      r.hits.length && canZip() ? zipBar(r.hits) : null,
      r.hits.length ? h('ul', { class: 'hits' }, r.hits.map(hitItem)) : h('div', { class: 'card muted' }, '没有找到匹配的材料，换个词试试。'),
      pager);
  } catch (e) { body.replaceChildren(errorBox(e)); }
}

// Fetches a file the server names in Content-Disposition and saves it.
async function saveFrom(url, fallbackName, btn) {
  btn.disabled = true;
  try {
    const r = await fetch(url, { credentials: 'same-origin' });
    if (!r.ok) {
      let msg = 'HTTP ' + r.status;
      try { const j = await r.json(); msg = ({ quota_exceeded: '今日下载次数已用完', members_only: '下载仅限会员', login_required: '请先登录会员账号', not_implemented: '该格式暂不可用', svip_only: '批量下载仅限SVIP会员' })[j.error.code] || j.error.message; } catch (e) { /* keep */ }
      alert(msg);
      return;
    }
    const blob = await r.blob();
    const cd = r.headers.get('Content-Disposition') || '';
    const m = /filename\*=UTF-8''([^;]+)/.exec(cd);
    const plain = /filename="([^"]+)"/.exec(cd);
    const a = h('a', { href: URL.createObjectURL(blob), download: m ? decodeURIComponent(m[1]) : plain ? plain[1] : fallbackName });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    loadMe();
  } finally { btn.disabled = false; }
}

const download = (id, fmt, btn) =>
  saveFrom('/api/docs/' + encodeURIComponent(id) + '/download?format=' + fmt, 'document.' + fmt, btn);

// SVIP and admins: tick results and take them as one zip (all of the page when none is ticked).
function zipBar(hits) {
  const fmt = h('select', { id: 'zip-format', 'aria-label': '格式' }, h('option', { value: 'docx' }, 'Word'), h('option', { value: 'txt' }, '文本'));
  const all = h('input', { type: 'checkbox', id: 'zip-all', onchange: (ev) => {
    for (const c of document.querySelectorAll('.hit .pick')) c.checked = ev.target.checked;
  } });
  const go = h('button', { id: 'zip-go', class: 'btn', onclick: () => {
    let ids = [...document.querySelectorAll('.hit .pick:checked')].map((c) => c.value);
    if (!ids.length) ids = hits.map((x) => x.id);
    saveFrom('/api/download.zip?' + new URLSearchParams({ format: fmt.value, ids: ids.join(',') }), 'materials.zip', go);
  } }, '打包下载');
  return h('div', { class: 'zipbar' }, h('label', {}, all, ' 全选本页'), fmt, go,
    h('span', { class: 'muted hide-sm' }, '勾选结果后打包下载，未勾选则下载本页全部'));
}

async function pageDoc(id) {
  let d;
  try { d = await api('GET', '/api/docs/' + encodeURIComponent(id)); }
  catch (e) { setMain(errorBox(e.status === 404 ? new Error('没有这篇材料') : e)); return; }
  // paragraphs with their offsets (code points), to anchor outline entries
  const lines = d.text.split('\n');
  const paras = [];
  let off = 0;
  const heads = new Map(d.outline.filter(o => !o.locked).map((o, i) => [o.offset, { o, i }]));
  lines.forEach((line, k) => {
    const start = off;
    off += Array.from(line).length + 1;
    if (k === 0 || !line.trim()) return;     // the first line is the title
    const hd = heads.get(start);
    paras.push(h('p', { id: hd ? 'h' + hd.i : null, class: hd ? 'h' + Math.min(4, hd.o.level || 1) : null }, line));
  });
  const textBox = h('div', { class: 'text' + (localStorage.getItem('serif') === '1' ? ' serif' : '') , id: 'doc-text' }, paras);
  const outline = h('nav', { class: 'outline card' }, h('h2', {}, '目录'),
    d.outline.length ? h('ol', {}, d.outline.map((o, i) => o.locked
      ? h('li', { class: 'locked l' + (o.level || 1) }, h('span', { class: 'lock' }, '会员'), '付费部分小标题')
      : h('li', { class: 'l' + (o.level || 1) }, h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); const t = document.getElementById('h' + i); if (t) t.scrollIntoView({ behavior: 'smooth' }); } }, o.text))))
      : h('p', { class: 'muted' }, '本文没有小标题'));
  const me = state.me || {};
  const tools = h('div', { class: 'tools' });
  if (me.can_read_paid) {
    for (const [fmt, label] of [['docx', '下载 Word'], ['txt', '下载 TXT']]) {
      const b = h('button', { class: 'btn' + (fmt === 'docx' ? ' primary' : ''), id: 'dl-' + fmt }, label);
      b.addEventListener('click', () => download(d.id, fmt, b));
      tools.append(b);
    }
  }
  tools.append(h('button', { class: 'btn', onclick: () => { textBox.classList.toggle('serif'); localStorage.setItem('serif', textBox.classList.contains('serif') ? '1' : '0'); } }, '宋体/黑体'));
  const meta = [d.type && d.type !== 'unknown' ? d.type : null, d.year || null, d.issuer, '全文 ' + fmtChars(d.chars)].filter(Boolean).join(' · ');
  const article = h('article', { class: 'article card' }, h('h1', {}, d.title), h('div', { class: 'meta' }, meta), tools, textBox);
  if (d.locked) {
    article.append(h('div', { class: 'locked-box', id: 'locked' },
      h('strong', {}, '开通会员即可阅读全文（约' + d.locked_chars + '字）'),
      h('p', { class: 'muted' }, '会员可阅读全部内容，并下载 Word / TXT 文件。'),
      me.user ? h('p', { class: 'muted' }, '当前账号：' + (TIER[me.tier] || me.tier) + '。请联系管理员开通会员。')
              : h('a', { class: 'btn primary', href: '#/login?next=' + encodeURIComponent('#/doc/' + d.id) }, '登录会员账号')));
  }
  setMain(h('div', { class: 'doc' }, outline, article));
}

function pageLogin(params) {
  const msg = h('p', { class: 'error', id: 'login-error' });
  const name = h('input', { id: 'login-name', autocomplete: 'username', required: true });
  const pw = h('input', { id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'form card', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      state.me = await api('POST', '/api/login', { name: name.value.trim(), password: pw.value });
      renderNav();
      location.hash = params.get('next') || '#/';
    } catch (e) {
      msg.textContent = e.code === 'too_many_attempts' ? '失败次数过多，请稍后再试' : e.code === 'bad_credentials' ? '用户名或密码错误' : e.message;
    }
  } }, h('h2', {}, '登录'), h('label', { for: 'login-name' }, '用户名'), name,
    h('label', { for: 'login-password' }, '密码'), pw, h('button', { class: 'btn primary', type: 'submit', id: 'login-submit' }, '登录'), msg);
  setMain(form);
  name.focus();
}

// ---- admin -----------------------------------------------------------------
async function pageAdmin() {
  if (!state.me || state.me.tier !== 'admin') { setMain(errorBox(new Error('仅管理员可用，请用管理员账号登录'))); return; }
  const files = h('input', { type: 'file', multiple: true, id: 'upload-files' });
  const out = h('div', { class: 'scroll', id: 'upload-results' });
  const go = h('button', { class: 'btn primary', id: 'upload-go' }, '上传并入库');
  go.addEventListener('click', async () => {
    if (!files.files.length) return;
    const fd = new FormData();
    for (const f of files.files) fd.append('files', f, f.webkitRelativePath || f.name);
    go.disabled = true;
    out.replaceChildren(h('p', { class: 'muted' }, '上传中，共 ' + files.files.length + ' 个文件…'));
    try {
      const r = await api('POST', '/api/admin/ingest', fd);
      const c = r.counts;
      state.facets = null;
      const names = { added: '新增', duplicate: '重复', updated: '更新', error: '失败' };
      out.replaceChildren(h('p', {}, `新增 ${c.added} · 重复 ${c.duplicate} · 更新 ${c.updated} · 失败 ${c.failed}`),
        h('table', {}, h('thead', {}, h('tr', {}, ['文件', '结果', '编号', '标题或原因'].map(t => h('th', {}, t)))),
          h('tbody', {}, r.results.map(x => h('tr', {}, h('td', {}, x.file), h('td', { class: 'st-' + x.status }, names[x.status] || x.status),
            h('td', {}, x.id ? h('a', { href: '#/doc/' + encodeURIComponent(x.id) }, x.id) : '—'),
            h('td', {}, x.error || x.title || (x.duplicate_of ? '重复于 ' + x.duplicate_of : '')))))));
    } catch (e) { out.replaceChildren(h('p', { class: 'error' }, e.message)); }
    finally { go.disabled = false; }
  });
  const users = h('div', { class: 'scroll' });
  setMain(h('div', { class: 'admin' },
    h('section', { class: 'card' }, h('h2', {}, '上传当日材料'),
      h('p', { class: 'muted' }, '支持 txt、docx、doc、jsonl，可一次选择多个文件；入库为一个批次。'),
      h('div', { class: 'upload' }, files, go), out),
    h('section', { class: 'card' }, h('h2', {}, '会员管理'), newUserForm(() => loadUsers(users)), users)));
  loadUsers(users);
}

const tierOptions = (cur) => ['free', 'member', 'svip', 'admin'].map(t => h('option', { value: t, selected: t === cur }, TIER[t]));

function newUserForm(done) {
  const name = h('input', { id: 'nu-name', placeholder: '用户名' });
  const pw = h('input', { id: 'nu-password', type: 'password', placeholder: '初始密码' });
  const tier = h('select', { id: 'nu-tier' }, tierOptions('member'));
  const exp = h('input', { id: 'nu-expires', type: 'date' });
  const msg = h('p', { class: 'error' });
  const add = h('button', { class: 'btn primary', id: 'nu-add' }, '新建账号');
  add.addEventListener('click', async () => {
    msg.textContent = '';
    try {
      await api('POST', '/api/admin/users', { name: name.value.trim(), password: pw.value, tier: tier.value, expires: exp.value || null });
      name.value = pw.value = exp.value = '';
      done();
    } catch (e) { msg.textContent = e.status === 409 ? '用户名已存在' : e.message; }
  });
  return h('div', {}, h('div', { class: 'row' },
    h('div', {}, h('label', {}, '用户名'), name), h('div', {}, h('label', {}, '密码'), pw),
    h('div', {}, h('label', {}, '等级'), tier), h('div', {}, h('label', {}, '到期日'), exp), add), msg);
}

async function loadUsers(box) {
  try {
    const r = await api('GET', '/api/admin/users');
    box.replaceChildren(h('table', { id: 'users' }, h('thead', {}, h('tr', {}, ['用户名', '等级', '到期日', '状态', ''].map(t => h('th', {}, t)))),
      h('tbody', {}, r.users.map(u => {
        const tier = h('select', {}, tierOptions(u.tier));
        const exp = h('input', { type: 'date', value: u.expires || '' });
        const dis = h('input', { type: 'checkbox', checked: u.disabled });
        const save = h('button', { class: 'btn' }, '保存');
        save.addEventListener('click', async () => {
          try {
            await api('POST', '/api/admin/users', { name: u.name, tier: tier.value, expires: exp.value || null, disabled: dis.checked });
            save.textContent = '已保存';
            setTimeout(() => { save.textContent = '保存'; }, 1500);
          } catch (e) { alert(e.message); }
        });
        const eff = u.effective_tier !== u.tier ? '（已过期）' : '';
        return h('tr', {}, h('td', {}, u.name), h('td', {}, tier, eff), h('td', {}, exp), h('td', {}, h('label', {}, dis, ' 停用')), h('td', {}, save));
      }))));
  } catch (e) { box.replaceChildren(h('p', { class: 'error' }, e.message)); }
}

// ---- routing ---------------------------------------------------------------
async function route() {
  hideSuggest();
  const hash = location.hash || '#/';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  try {
    if (path === '/' || path === '') await pageHome();
    else if (path === '/search') await pageSearch(params);
    else if (path.startsWith('/doc/')) await pageDoc(decodeURIComponent(path.slice(5)));
    else if (path === '/new') await pageNew(params);
    else if (path === '/login') pageLogin(params);
    else if (path === '/admin') await pageAdmin();
    else setMain(errorBox(new Error('没有这个页面')));
  } catch (e) { setMain(errorBox(e)); }
}

document.addEventListener('DOMContentLoaded', async () => {
  $('#search-form').addEventListener('submit', onSubmit);
  $('#q').addEventListener('input', onType);
  $('#q').addEventListener('keydown', onKey);
  $('#q').addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== $('#q')) hideSuggest(); }, 150));
  document.addEventListener('keydown', (ev) => {
    const t = ev.target.tagName;
    if (ev.key === '/' && t !== 'INPUT' && t !== 'TEXTAREA' && t !== 'SELECT') { ev.preventDefault(); $('#q').focus(); $('#q').select(); }
  });
  window.addEventListener('hashchange', route);
  await loadMe();
  route();
});
