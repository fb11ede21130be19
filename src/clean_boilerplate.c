/*
** clean_boilerplate.c — promotional footers and site chrome.
**
** Two kinds of evidence, both used only on the head region (lines before
** the body) and the tail region (lines after the last body paragraph) by
** the pipeline in clean.c; the body itself is never touched:
**
** 1. Patterns (sc_boiler_is_promo, sc_boiler_is_chrome): contact and
**    promotion signs (公众号, 客服, QQ群, 扫码, URLs, e-mail, "版权归原作者",
**    "如有侵权", "欢迎加入…会员", phone numbers, ...) and site chrome
**    ("【字号：大 中 小】", "当前位置：首页 > …", "[复制链接]", "发布时间：").
**    A single strong sign suffices; weak signs (会员, 下载, 素材, 电话 ...)
**    must come at least two together, since laws and reports use each alone.
**
** 2. Learning (sc_boiler_observe / sc_boiler_learned): a footer that carries
**    no known sign is still the same line in every file of a site.  Observe
**    looks at the detached tail block of each raw document (the lines after
**    its last blank line, at most 8, with body text above the blank line) and
**    records, per normalised line, up to three distinct document fingerprints.
**    A line seen in three distinct documents is learned.  Body text is never
**    learned: real documents end their body without a blank line before the
**    last paragraph, while sites paste their footer after one.  Lines shorter
**    than 12 characters or without punctuation (signatures, dates, issuers)
**    are never learned.  Re-ingesting the same file counts once.  The
**    learned lines are all kept in memory (loaded at start and after the
**    cache is cleared), so that asking whether a line is learned never
**    queries the table: a query for each head and tail line of every
**    document was 2 % of an import.
**
** On-disk format (in the library's SQLite, created if missing):
**     CREATE TABLE clean_boilerplate(
**         key  INTEGER PRIMARY KEY,  -- 64-bit FNV-1a of the normalised line
**         doc1 INTEGER, doc2 INTEGER, doc3 INTEGER, -- fingerprints of the
**                                    -- first three documents it ended
**         line TEXT NOT NULL)        -- the line as first seen, for librarians
** The normalised line drops whitespace and reads 党 as D, so that the masked
** and unmasked copies of a footer are one line.  With db == NULL everything
** is learned in memory only.
*/
#include "clean.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define LEARN_DOCS 3          /* distinct documents that make a line boilerplate */
#define LEARN_MIN_CHARS 12
#define TAIL_BLOCK_MAX 8
#define CACHE_MAX 200000      /* entries kept in memory between batches */

typedef struct entry {
    uint64_t key;             /* 0 = empty slot */
    uint64_t docs[LEARN_DOCS];
    int n_docs;
    int dirty;
    char *line;
} entry;

struct sc_boiler {
    sqlite3 *db;
    sqlite3_stmt *get, *put;
    entry *tab;
    size_t cap, n;
};

/* ---- patterns ----------------------------------------------------------- */

static int has(const char *s, size_t n, const char *needle)
{
    return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* A list of signs, indexed by each sign's first character, so that a line
** is scanned once instead of once a sign (a memmem per sign and line was 5%
** of an ingest of files).  At most 64 signs a list. */
#define SIGN_SLOTS 256
typedef struct signs {
    const char *const *list;
    uint32_t key[SIGN_SLOTS];  /* first character's bytes; 0 = empty */
    uint64_t mask[SIGN_SLOTS]; /* the signs starting with it */
    size_t len[64];
} signs;

static inline size_t char_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

static inline uint32_t char_key(const char *s, size_t k)
{
    uint32_t v = 0;
    memcpy(&v, s, k);
    return v;
}

static void signs_init(signs *g, const char *const *list)
{
    g->list = list;
    for (size_t i = 0; list[i] && i < 64; i++) {
        size_t k = char_len((unsigned char)list[i][0]);
        uint32_t key = char_key(list[i], k), h = (key * 2654435761u) >> 24;
        while (g->key[h] && g->key[h] != key) h = (h + 1) % SIGN_SLOTS;
        g->key[h] = key;
        g->mask[h] |= 1ull << i;
        g->len[i] = strlen(list[i]);
    }
}

/* How many of g's signs occur in s[0..n) (valid UTF-8). */
static int signs_count(const signs *g, const char *s, size_t n)
{
    uint64_t found = 0;
    for (size_t i = 0; i < n;) {
        size_t k = char_len((unsigned char)s[i]);
        if (i + k > n) break;
        uint32_t key = char_key(s + i, k), h = (key * 2654435761u) >> 24;
        for (; g->key[h]; h = (h + 1) % SIGN_SLOTS) {
            if (g->key[h] != key) continue;
            for (uint64_t m = g->mask[h] & ~found; m; m &= m - 1) {
                int j = __builtin_ctzll(m);
                if (g->len[j] <= n - i && !memcmp(s + i, g->list[j], g->len[j])) found |= 1ull << j;
            }
            break;
        }
        i += k;
    }
    return __builtin_popcountll(found);
}

/* A run of at least 7 digits, allowing spaces and dashes inside (phone and
** QQ numbers, also the half-masked "1 4367" style counts as 5+). */
static int has_phone(const char *s, size_t n)
{
    int digits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') { if (++digits >= 7) return 1; }
        else if (c != ' ' && c != '-') digits = 0;
    }
    return 0;
}

static int is_mail_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == '+';
}

static int has_email(const char *s, size_t n)
{
    for (const char *at = memchr(s, '@', n); at; at = memchr(at + 1, '@', n - (size_t)(at - s) - 1)) {
        size_t i = (size_t)(at - s);
        int before = i > 0 && is_mail_char(s[i - 1]);
        size_t j = i + 1;
        int dot = 0, after = 0;
        while (j < n && is_mail_char(s[j])) { dot |= s[j] == '.'; after = 1; j++; }
        if (before && after && dot) return 1;
        if (i + 1 >= n) break;
    }
    return 0;
}

static const char *const strong_promo[] = {
    "公众号", "客服", "微信号", "加微信", "微信：", "微信:", "QQ群", "QQ：", "QQ:", "qq群",
    "扫码", "二维码", "版权归原作者", "如有侵权", "侵权请联系", "侵删", "会员群", "代笔",
    "http://", "https://", "www.", "更多范文", "更多精彩", "收藏本站", "点击收藏", NULL};

static const char *const weak_promo[] = {
    "会员", "下载", "加入", "联系方式", "请联系", "关注", "素材", "范文", "本站", "网站",
    "免费", "海量", "收藏", "推送", "开通", "欢迎加入", "电话", "手机", "邮箱", NULL};

static const char *const chrome_signs[] = {
    "【字号", "字号：", "字号:", "[复制链接]", "[打印本页]", "【打印", "[打印", "【关闭", "[关闭",
    "当前位置：", "当前位置:", "您的位置", "您现在的位置", "首页 >", "首页>", "首页 »", "首页»",
    "首页 ›", "发布时间：", "发布时间:", "发布日期：", "发布日期:", "浏览次数", "阅读次数",
    "点击次数", "点击数：", "阅读量：", NULL};
static signs strong_set, weak_set, chrome_set;
static pthread_once_t signs_once = PTHREAD_ONCE_INIT;
static void init_signs(void)
{
    signs_init(&strong_set, strong_promo);
    signs_init(&weak_set, weak_promo);
    signs_init(&chrome_set, chrome_signs);
}

int sc_boiler_is_promo(const char *s, size_t n)
{
    if (n > 4 * 300 || sc_utf8_count(s, n) > 300) return 0;
    pthread_once(&signs_once, init_signs);
    if (signs_count(&strong_set, s, n) || has_email(s, n)) return 1;
    return signs_count(&weak_set, s, n) + has_phone(s, n) >= 2;
}


int sc_boiler_is_chrome(const char *s, size_t n)
{
    if (n > 4 * 120) return 0;
    size_t chars = sc_utf8_count(s, n);
    if (chars > 120) return 0;
    pthread_once(&signs_once, init_signs);
    if (signs_count(&chrome_set, s, n)) return 1;
    /* a short "来源：…" line, alone or after a date */
    return chars <= 60 && (has(s, n, "来源：") || has(s, n, "来源:"));
}

char *sc_boiler_chrome_source(const char *s, size_t n)
{
    const char *p = memmem(s, n, "来源：", strlen("来源："));
    size_t skip = strlen("来源：");
    if (!p) { p = memmem(s, n, "来源:", 7); skip = 7; }
    if (!p) return NULL;
    size_t i = (size_t)(p - s) + skip, end = n;
    while (i < n && s[i] == ' ') i++;
    for (size_t j = i; j < n;) {
        size_t k = j;
        int32_t cp = sc_utf8_next(s, n, &k);
        if (cp < 0 || sc_clean_is_space((uint32_t)cp) || cp == '[' || cp == 0x3010 /* 【 */) { end = j; break; }
        j = k;
    }
    return end > i ? sc_strndup(s + i, end - i) : NULL;
}

char *sc_boiler_chrome_date(const char *s, size_t n)
{
    for (size_t i = 0; i + 10 <= n; i++) {
        const char *p = s + i;
        int ok = (i == 0 || !(s[i - 1] >= '0' && s[i - 1] <= '9')) && p[4] == '-' && p[7] == '-' &&
                 (i + 10 == n || !(p[10] >= '0' && p[10] <= '9'));
        for (int k = 0; ok && k < 10; k++) if (k != 4 && k != 7) ok = p[k] >= '0' && p[k] <= '9';
        if (!ok) continue;
        int y = atoi(p), m = atoi(p + 5), d = atoi(p + 8);
        if (y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31) return sc_strndup(p, 10);
    }
    return NULL;
}

/* ---- learning ----------------------------------------------------------- */

/* Normalised key of a line: FNV-1a over the line without whitespace, 党 as D.
** *chars and *punct report its length and whether it has punctuation. */
static uint64_t line_key(const char *s, size_t n, size_t *chars, int *punct)
{
    uint64_t h = 1469598103934665603ull;
    *chars = 0;
    *punct = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int32_t cp = sc_utf8_next(s, n, &j);
        if (cp >= 0 && sc_clean_is_space((uint32_t)cp)) { i = j; continue; }
        if (cp == 0x515A) { h = (h ^ 'D') * 1099511628211ull; }   /* 党 */
        else for (size_t k = i; k < j; k++) h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
        if (cp >= 0 && !sc_is_han((uint32_t)cp) && !(cp < 128 && (cp >= '0' && cp <= '9'))
            && !(cp >= 'A' && cp <= 'Z') && !(cp >= 'a' && cp <= 'z'))
            *punct = 1;
        (*chars)++;
        i = j;
    }
    return h ? h : 1;
}

static entry *slot(sc_boiler *b, uint64_t key)
{
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull) & (b->cap - 1);
    while (b->tab[i].key && b->tab[i].key != key) i = (i + 1) & (b->cap - 1);
    return &b->tab[i];
}

static int grow(sc_boiler *b)
{
    size_t cap = b->cap ? b->cap * 2 : 1024;
    entry *old = b->tab;
    size_t old_cap = b->cap;
    entry *t = calloc(cap, sizeof *t);
    if (!t) return SC_ENOMEM;
    b->tab = t;
    b->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key) *slot(b, old[i].key) = old[i];
    free(old);
    return SC_OK;
}

static void clear_cache(sc_boiler *b)
{
    for (size_t i = 0; i < b->cap; i++) free(b->tab[i].line);
    memset(b->tab, 0, b->cap * sizeof *b->tab);
    b->n = 0;
}

/* Reads every learned line of the table into memory. */
static int load_learned(sc_boiler *b, sc_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT key, doc1, doc2, doc3, line FROM clean_boilerplate WHERE doc3 IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return sc_err_set(err, SC_EDB, "boilerplate table: %s", sqlite3_errmsg(b->db));
    int rc = SC_OK, step;
    while (rc == SC_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t key = (uint64_t)sqlite3_column_int64(st, 0);
        if (!key) continue;                      /* 0 marks an empty slot */
        if ((b->n + 1) * 2 > b->cap && grow(b)) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        entry *e = slot(b, key);
        if (e->key) continue;
        e->key = key;
        for (int k = 0; k < LEARN_DOCS; k++) e->docs[e->n_docs++] = (uint64_t)sqlite3_column_int64(st, 1 + k);
        e->line = sc_strdup((const char *)sqlite3_column_text(st, 4));
        b->n++;
    }
    if (rc == SC_OK && step != SQLITE_DONE) rc = sc_err_set(err, SC_EDB, "boilerplate table: %s", sqlite3_errmsg(b->db));
    sqlite3_finalize(st);
    return rc;
}

/* The entry for key: from memory, else loaded from the table.  When the
** table has no row either, a new empty entry if create, else NULL (queries
** of lines never seen must not fill the cache).  NULL also when out of
** memory. */
static entry *lookup(sc_boiler *b, uint64_t key, int create)
{
    if ((b->n + 1) * 2 > b->cap && grow(b)) return NULL;
    entry *e = slot(b, key);
    if (e->key) return e;
    entry got = {0};
    int found = 0;
    if (b->get) {
        sqlite3_reset(b->get);
        sqlite3_bind_int64(b->get, 1, (sqlite3_int64)key);
        if (sqlite3_step(b->get) == SQLITE_ROW) {
            found = 1;
            for (int k = 0; k < LEARN_DOCS; k++)
                if (sqlite3_column_type(b->get, k) != SQLITE_NULL)
                    got.docs[got.n_docs++] = (uint64_t)sqlite3_column_int64(b->get, k);
            got.line = sc_strdup((const char *)sqlite3_column_text(b->get, LEARN_DOCS));
        }
        sqlite3_reset(b->get);
    }
    if (!found && !create) return NULL;
    got.key = key;
    *e = got;
    b->n++;
    return e;
}

static uint64_t fingerprint(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int line_blank(const char *s, size_t n)
{
    size_t a = 0, b = n;
    sc_clean_trim(s, &a, &b);
    return a == b;
}

void sc_boiler_observe(sc_boiler *b, const char *text, size_t n)
{
    /* the detached tail block: non-blank lines after the last blank line */
    size_t end = n;
    const char *ls[TAIL_BLOCK_MAX];
    size_t ln[TAIL_BLOCK_MAX];
    int nb = 0, found_blank = 0;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && text[start - 1] != '\n') start--;
        if (line_blank(text + start, end - start)) {
            if (nb) { found_blank = 1; end = start; break; }
        } else {
            if (nb == TAIL_BLOCK_MAX) return;
            ls[nb] = text + start;
            ln[nb++] = end - start;
        }
        end = start ? start - 1 : 0;
        if (!start) break;
    }
    if (!found_blank) return;
    /* body above the blank line: at least two non-blank lines (title, text) */
    int above = 0;
    for (size_t e = end; e > 0 && above < 2;) {
        size_t s = e;
        while (s > 0 && text[s - 1] != '\n') s--;
        if (!line_blank(text + s, e - s)) above++;
        if (!s) break;
        e = s - 1;
    }
    if (above < 2) return;
    uint64_t fp = fingerprint(text, n);
    for (int i = 0; i < nb; i++) {
        size_t chars;
        int punct;
        uint64_t key = line_key(ls[i], ln[i], &chars, &punct);
        if (chars < LEARN_MIN_CHARS || !punct) continue;
        entry *e = lookup(b, key, 1);
        if (!e) return;
        int seen = 0;
        for (int k = 0; k < e->n_docs; k++) seen |= e->docs[k] == fp;
        if (seen || e->n_docs == LEARN_DOCS) continue;
        e->docs[e->n_docs++] = fp;
        e->dirty = 1;
        if (!e->line) e->line = sc_strndup(ls[i], ln[i]);
    }
}

int sc_boiler_learned(sc_boiler *b, const char *line, size_t n)
{
    size_t chars;
    int punct;
    uint64_t key = line_key(line, n, &chars, &punct);
    if (chars < LEARN_MIN_CHARS || !punct) return 0;
    const entry *e = slot(b, key);          /* every learned line is in memory */
    return e->key == key && e->n_docs >= LEARN_DOCS;
}

int sc_boiler_save(sc_boiler *b, sc_err *err)
{
    if (!b->put) return SC_OK;
    for (size_t i = 0; i < b->cap; i++) {
        entry *e = &b->tab[i];
        if (!e->key || !e->dirty) continue;
        sqlite3_reset(b->put);
        sqlite3_bind_int64(b->put, 1, (sqlite3_int64)e->key);
        for (int k = 0; k < LEARN_DOCS; k++) {
            if (k < e->n_docs) sqlite3_bind_int64(b->put, 2 + k, (sqlite3_int64)e->docs[k]);
            else sqlite3_bind_null(b->put, 2 + k);
        }
        sqlite3_bind_text(b->put, 5, e->line ? e->line : "", -1, SQLITE_TRANSIENT);
        if (sqlite3_step(b->put) != SQLITE_DONE) {
            int rc = sc_err_set(err, SC_EDB, "boilerplate table: cannot save: %s", sqlite3_errmsg(b->db));
            sqlite3_reset(b->put);
            return rc;
        }
        e->dirty = 0;
    }
    sqlite3_reset(b->put);
    if (b->n > CACHE_MAX) {
        clear_cache(b);
        return load_learned(b, err);
    }
    return SC_OK;
}

int sc_boiler_new(void *db, sc_boiler **out, sc_err *err)
{
    *out = NULL;
    sc_boiler *b = calloc(1, sizeof *b);
    if (!b || grow(b)) { free(b); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    b->db = db;
    if (db) {
        const char *ddl =
            "CREATE TABLE IF NOT EXISTS clean_boilerplate("
            "key INTEGER PRIMARY KEY, doc1 INTEGER, doc2 INTEGER, doc3 INTEGER, line TEXT NOT NULL)";
        if (sqlite3_exec(b->db, ddl, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(b->db, "SELECT doc1, doc2, doc3, line FROM clean_boilerplate WHERE key = ?",
                               -1, &b->get, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(b->db, "INSERT OR REPLACE INTO clean_boilerplate(key, doc1, doc2, doc3, line) "
                               "VALUES (?, ?, ?, ?, ?)", -1, &b->put, NULL) != SQLITE_OK) {
            int rc = sc_err_set(err, SC_EDB, "boilerplate table: %s", sqlite3_errmsg(b->db));
            sc_boiler_free(b);
            return rc;
        }
        int rc = load_learned(b, err);
        if (rc) { sc_boiler_free(b); return rc; }
    }
    *out = b;
    return SC_OK;
}

void sc_boiler_free(sc_boiler *b)
{
    if (!b) return;
    sqlite3_finalize(b->get);
    sqlite3_finalize(b->put);
    if (b->tab) clear_cache(b);
    free(b->tab);
    free(b);
}
