/* suggest.c — title completion; see suggest.h.
**
** A table is immutable once built: `text` holds "\n" title "\n" title ...
** "\n" as the titles are written, starts[i] the offset of title i, and
** ids + id_off[i] its id (NUL-terminated, all in one buffer); title 0 is the
** newest document.  Matching folds ASCII case as it compares (fold_cmp,
** fold_find) instead of keeping a folded copy: 474k titles take ~60 MiB
** less this way.  Two lookups make a query cost microseconds instead
** of a scan of every title:
**   - `sorted`: the title numbers ordered by folded title, then number.  The
**     titles starting with q are one range of it (binary search); equal
**     titles sit together, the newest first.
**   - pair postings: for every code point of every title, the pair (that
**     code point, the next one or 0 at the end) maps to the ascending list
**     of titles holding it (a title may appear twice in a row).  `keys` are
**     the pairs, sorted; postings[key_off[k] .. key_off[k+1]) the list of
**     keys[k].  A substring of two or more code points is looked up in its
**     two rarest pairs and verified with fold_find; a single code point is the
**     merge of every pair starting with it.
** Readers take a reference under the mutex and search without it; the last
** one out of an old table frees it. */
#include "suggest.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "utf8.h"

typedef struct table {
    int refs;
    struct table *older;  /* a delta's base table (a reference), else NULL */
    char *text;
    size_t len;
    uint32_t *starts;   /* n + 1 entries; starts[n] = len */
    char *ids;          /* every id, NUL-terminated */
    uint32_t *id_off;   /* n entries */
    size_t n;
    uint32_t *sorted;   /* n title numbers by folded title */
    uint64_t *keys;     /* n_keys pairs (first << 32 | second), ascending */
    uint32_t *key_off;  /* n_keys + 1 */
    uint32_t *postings;
    size_t n_keys;
} table;

struct sc_suggest {
    pthread_mutex_t lock;
    table *cur;
    uint64_t refreshes;
};

static void table_free(table *t)
{
    if (!t) return;
    free(t->ids);
    free(t->id_off);
    free(t->starts);
    free(t->text);
    free(t->sorted);
    free(t->keys);
    free(t->key_off);
    free(t->postings);
    free(t);
}

static void table_release(sc_suggest *s, table *t)
{
    while (t) {
        pthread_mutex_lock(&s->lock);
        int last = --t->refs == 0;
        pthread_mutex_unlock(&s->lock);
        if (!last) return;
        table *older = t->older;       /* the delta's reference to its base */
        table_free(t);
        t = older;
    }
}

int sc_suggest_new(sc_suggest **out, sc_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return sc_err_set(err, SC_ENOMEM, "out of memory");
    pthread_mutex_init(&(*out)->lock, NULL);
    return SC_OK;
}

void sc_suggest_free(sc_suggest *s)
{
    if (!s) return;
    table_release(s, s->cur);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

typedef struct build {
    sc_buf text, ids; uint32_t *starts, *id_off; size_t n, cap; int oom;
} build;

/* Appends one public title and its id to b (b->oom on failure). */
static void push(build *b, const char *title, size_t tl, const char *id)
{
    if (b->n + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        uint32_t *st = realloc(b->starts, (cap + 1) * sizeof *st);
        if (st) b->starts = st;
        uint32_t *io = realloc(b->id_off, cap * sizeof *io);
        if (io) b->id_off = io;
        if (!st || !io) { b->oom = 1; return; }
        b->cap = cap;
    }
    /* offsets are 32-bit: 4 GiB of titles or ids is far beyond any library */
    if (b->text.len > UINT32_MAX / 2 || b->ids.len > UINT32_MAX / 2) { b->oom = 1; return; }
    b->starts[b->n] = (uint32_t)b->text.len;
    b->id_off[b->n++] = (uint32_t)b->ids.len;
    sc_buf_add(&b->ids, id, strlen(id) + 1);
    /* a title is one line; newlines would break the table's framing */
    for (size_t i = 0; i < tl; i++) sc_buf_addc(&b->text, title[i] == '\n' ? ' ' : title[i]);
    sc_buf_addc(&b->text, '\n');
}

static int on_doc(void *ctx, const sc_doc *d, int64_t added_at)
{
    (void)added_at;
    build *b = ctx;
    if (!d->title || !d->id) return 0;
    char *pub = sc_title_public(d->title, d->free_chars);
    if (!pub) { b->oom = 1; return 1; }
    push(b, pub, strlen(pub), d->id);
    free(pub);
    return b->oom || b->text.oom || b->ids.oom;
}

/* ---- building the lookups --------------------------------------------- */

static inline unsigned char fold(char c)
{
    return (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* memcmp of a and b with ASCII case folded. */
static int fold_cmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int d = fold(a[i]) - fold(b[i]);
        if (d) return d;
    }
    return 0;
}

/* Whether s[0..sl) holds q (already folded) with ASCII case folded. */
static int fold_find(const char *s, size_t sl, const char *q, size_t ql)
{
    for (size_t i = 0; i + ql <= sl; i++)
        if (fold(s[i]) == (unsigned char)q[0] && !fold_cmp(s + i, q, ql)) return 1;
    return 0;
}

static const char *title_of(const table *t, size_t i, size_t *len)
{
    *len = t->starts[i + 1] - 1 - t->starts[i];     /* without the '\n' */
    return t->text + t->starts[i];
}

static int cmp_titles(const void *a, const void *b, void *ctx)
{
    const table *t = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    size_t lx, ly;
    const char *tx = title_of(t, x, &lx), *ty = title_of(t, y, &ly);
    int c = fold_cmp(tx, ty, lx < ly ? lx : ly);
    if (c) return c;
    if (lx != ly) return lx < ly ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The next code point, ASCII case folded (as queries are). */
static uint32_t next_cp(const char *s, size_t n, size_t *i)
{
    int32_t c = sc_utf8_next(s, n, i);
    return c < 0 ? 0xFFFD : c >= 'A' && c <= 'Z' ? (uint32_t)c + 32 : (uint32_t)c;
}

/* Calls add(ctx, pair, i) for every code point of title i. */
static int each_pair(const table *t, uint32_t i, int (*add)(void *, uint64_t, uint32_t), void *ctx)
{
    size_t n, at = 0;
    const char *s = title_of(t, i, &n);
    if (!n) return 0;
    uint32_t prev = next_cp(s, n, &at);
    while (at < n) {
        uint32_t c = next_cp(s, n, &at);
        if (add(ctx, (uint64_t)prev << 32 | c, i)) return 1;
        prev = c;
    }
    return add(ctx, (uint64_t)prev << 32, i);
}

/* Open addressing from pair to (count, then write cursor); key 0 = empty
** (a title's code points are never 0, so no pair is). */
typedef struct pair_slot { uint64_t key; uint32_t n, at; } pair_slot;
typedef struct pair_map { pair_slot *v; size_t cap, used; } pair_map;

static pair_slot *map_find(pair_map *m, uint64_t key)
{
    size_t mask = m->cap - 1, h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
    while (m->v[h].key && m->v[h].key != key) h = (h + 1) & mask;
    return &m->v[h];
}

static int map_count(void *ctx, uint64_t key, uint32_t i)
{
    (void)i;
    pair_map *m = ctx;
    if ((m->used + 1) * 2 > m->cap) {
        pair_map g = {calloc(m->cap * 2, sizeof *g.v), m->cap * 2, m->used};
        if (!g.v) return 1;
        for (size_t k = 0; k < m->cap; k++)
            if (m->v[k].key) *map_find(&g, m->v[k].key) = m->v[k];
        free(m->v);
        *m = g;
    }
    pair_slot *p = map_find(m, key);
    if (!p->key) { p->key = key; m->used++; }
    p->n++;
    return 0;
}

typedef struct pair_fill { pair_map *m; uint32_t *postings; } pair_fill;

static int map_fill(void *ctx, uint64_t key, uint32_t i)
{
    pair_fill *f = ctx;
    f->postings[map_find(f->m, key)->at++] = i;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Fills sorted, keys, key_off and postings.  SC_ENOMEM or SC_OK. */
static int build_lookups(table *t)
{
    if (t->n >= UINT32_MAX || t->len >= UINT32_MAX) return SC_ELIMIT;
    t->sorted = malloc((t->n + 1) * sizeof *t->sorted);
    if (!t->sorted) return SC_ENOMEM;
    for (size_t i = 0; i < t->n; i++) t->sorted[i] = (uint32_t)i;
    qsort_r(t->sorted, t->n, sizeof *t->sorted, cmp_titles, t);

    pair_map m = {calloc(1 << 16, sizeof *m.v), 1 << 16, 0};
    if (!m.v) return SC_ENOMEM;
    int rc = SC_OK;
    for (size_t i = 0; i < t->n && !rc; i++)
        if (each_pair(t, (uint32_t)i, map_count, &m)) rc = SC_ENOMEM;
    t->keys = rc ? NULL : malloc((m.used + 1) * sizeof *t->keys);
    t->key_off = rc ? NULL : malloc((m.used + 1) * sizeof *t->key_off);
    if (!rc && (!t->keys || !t->key_off)) rc = SC_ENOMEM;
    if (!rc) {
        size_t k = 0, total = 0;
        for (size_t j = 0; j < m.cap; j++)
            if (m.v[j].key) t->keys[k++] = m.v[j].key;
        qsort(t->keys, k, sizeof *t->keys, cmp_u64);
        for (k = 0; k < m.used; k++) {
            pair_slot *p = map_find(&m, t->keys[k]);
            t->key_off[k] = (uint32_t)total;
            p->at = (uint32_t)total;
            total += p->n;
        }
        t->key_off[m.used] = (uint32_t)total;
        t->n_keys = m.used;
        t->postings = malloc((total + 1) * sizeof *t->postings);
        if (!t->postings) rc = SC_ENOMEM;
        pair_fill f = {&m, t->postings};
        for (size_t i = 0; i < t->n && !rc; i++) each_pair(t, (uint32_t)i, map_fill, &f);
    }
    free(m.v);
    return rc;
}

/* Turns what b gathered into a table with its lookups.  Frees b's parts. */
static int finish(build *b, table **out, sc_err *err)
{
    *out = NULL;
    table *t = calloc(1, sizeof *t);
    if (b->oom || b->text.oom || b->ids.oom || !t) {
        free(b->id_off);
        free(b->starts);
        sc_buf_free(&b->text);
        sc_buf_free(&b->ids);
        free(t);
        return sc_err_set(err, SC_ENOMEM, "out of memory loading titles");
    }
    t->refs = 1;
    t->n = b->n;
    t->id_off = b->id_off;
    t->starts = b->starts;
    if (t->starts) t->starts[t->n] = (uint32_t)b->text.len;
    t->len = b->text.len;
    t->text = sc_buf_detach(&b->text);
    t->ids = sc_buf_detach(&b->ids);
    if (!t->text || (t->n && !t->ids)) { table_free(t); return sc_err_set(err, SC_ENOMEM, "out of memory loading titles"); }
    int rc = t->n ? build_lookups(t) : SC_OK;
    if (rc) {
        table_free(t);
        return sc_err_set(err, rc, rc == SC_ELIMIT ? "too many titles to index for suggestions"
                                                   : "out of memory indexing titles");
    }
    *out = t;
    return SC_OK;
}

/* Makes t the current table; the old one goes when its last reader does. */
static void install(sc_suggest *s, table *t)
{
    pthread_mutex_lock(&s->lock);
    table *old = s->cur;
    s->refreshes++;
    s->cur = t;
    pthread_mutex_unlock(&s->lock);
    table_release(s, old);
}

int sc_suggest_refresh(sc_suggest *s, sc_store *st, sc_err *err)
{
    build b = {SC_BUF_INIT, SC_BUF_INIT, NULL, NULL, 0, 0, 0};
    sc_buf_addc(&b.text, '\n');
    int rc = sc_store_list(st, 0, -1, 0, on_doc, &b, err);
    if (rc) b.oom = 1;                  /* finish frees what was gathered */
    table *t;
    int frc = finish(&b, &t, rc ? NULL : err);
    if (rc || frc) { table_release(s, t); return rc ? rc : frc; }
    install(s, t);
    return SC_OK;
}

int sc_suggest_add_newest(sc_suggest *s, sc_store *st, size_t n_new, sc_err *err)
{
    if (!n_new) return SC_OK;
    pthread_mutex_lock(&s->lock);
    table *cur = s->cur;
    table *base = cur ? (cur->older ? cur->older : cur) : NULL;
    table *prev = cur && cur->older ? cur : NULL;       /* the delta so far */
    /* a delta past an eighth of the base would slow every query: rebuild */
    int full = !base || (prev ? prev->n : 0) + n_new > base->n / 8 + 256;
    if (!full) { base->refs++; if (prev) prev->refs++; }
    pthread_mutex_unlock(&s->lock);
    if (full) return sc_suggest_refresh(s, st, err);

    build b = {SC_BUF_INIT, SC_BUF_INIT, NULL, NULL, 0, 0, 0};
    sc_buf_addc(&b.text, '\n');
    int rc = sc_store_list(st, 0, (long)n_new, 0, on_doc, &b, err);
    if (rc) b.oom = 1;
    for (size_t i = 0; prev && i < prev->n && !b.oom; i++) {  /* older deltas after the new */
        size_t tl;
        const char *title = title_of(prev, i, &tl);
        push(&b, title, tl, prev->ids + prev->id_off[i]);
    }
    table_release(s, prev);
    table *t;
    int frc = finish(&b, &t, rc ? NULL : err);
    if (rc || frc) { table_release(s, t); table_release(s, base); return rc ? rc : frc; }
    t->older = base;                                      /* the reference taken above */
    install(s, t);
    return SC_OK;
}

uint64_t sc_suggest_generation(sc_suggest *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t g = s->refreshes;
    pthread_mutex_unlock(&s->lock);
    return g;
}

void sc_suggestions_free(sc_suggestion *v, size_t n)
{
    for (size_t i = 0; i < n; i++) { free(v[i].id); free(v[i].title); }
    free(v);
}

/* Titles equal but for ASCII case are one suggestion (the newest). */
static int seen(sc_suggestion *v, size_t n, const char *title, size_t tl)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i].title) == tl && !strncasecmp(v[i].title, title, tl)) return 1;
    return 0;
}

/* Adds title i unless an equal title is there already.  SC_ENOMEM or SC_OK. */
static int add(const table *t, uint32_t i, sc_suggestion *v, size_t *n)
{
    size_t tl;
    const char *title = title_of(t, i, &tl);
    if (seen(v, *n, title, tl)) return SC_OK;
    v[*n].title = strndup(title, tl);
    v[*n].id = strdup(t->ids + t->id_off[i]);
    if (!v[*n].title || !v[*n].id) { free(v[*n].title); free(v[*n].id); return SC_ENOMEM; }
    (*n)++;
    return SC_OK;
}

static int starts_with(const table *t, uint32_t i, const char *q, size_t ql)
{
    size_t tl;
    const char *s = title_of(t, i, &tl);
    return tl >= ql && !fold_cmp(s, q, ql);
}

/* First position in sorted whose title is >= q (upper = 0) or > every
** title starting with q (upper = 1). */
static size_t bound(const table *t, const char *q, size_t ql, int upper)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, tl;
        const char *s = title_of(t, t->sorted[mid], &tl);
        int c = fold_cmp(s, q, tl < ql ? tl : ql);
        if (!c && tl < ql) c = -1;
        if (c < 0 || (upper && c == 0)) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Titles starting with q, newest first. */
static int by_prefix(const table *t, const char *q, size_t ql, size_t limit, sc_suggestion *v, size_t *n)
{
    size_t lo = bound(t, q, ql, 0), hi = bound(t, q, ql, 1);
    if (lo == hi) return SC_OK;
    if ((hi - lo) * 64 >= t->n) {
        /* common prefix: the newest titles hold enough of them */
        for (uint32_t i = 0; i < t->n && *n < limit; i++)
            if (starts_with(t, i, q, ql) && add(t, i, v, n)) return SC_ENOMEM;
        return SC_OK;
    }
    /* rare prefix: the limit smallest numbers of the range, one per title */
    uint32_t best[64];
    size_t nb = 0, want = limit < 64 ? limit : 64;
    for (size_t k = lo; k < hi; k++) {
        uint32_t i = t->sorted[k];
        if (k > lo) {   /* equal titles sit together, the smallest number first */
            size_t la, lb;
            const char *a = title_of(t, t->sorted[k - 1], &la), *b = title_of(t, i, &lb);
            if (la == lb && !fold_cmp(a, b, la)) continue;
        }
        if (nb == want && i >= best[nb - 1]) continue;
        size_t at = nb < want ? nb++ : nb - 1;
        while (at > 0 && best[at - 1] > i) { best[at] = best[at - 1]; at--; }
        best[at] = i;
    }
    for (size_t k = 0; k < nb && *n < limit; k++)
        if (add(t, best[k], v, n)) return SC_ENOMEM;
    return SC_OK;
}

static const uint32_t *postings(const table *t, uint64_t key, size_t *len)
{
    size_t lo = 0, hi = t->n_keys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    if (lo == t->n_keys || t->keys[lo] != key) { *len = 0; return NULL; }
    *len = t->key_off[lo + 1] - t->key_off[lo];
    return t->postings + t->key_off[lo];
}

/* Titles holding the single code point c, newest first: a merge of the
** lists of every pair starting with c. */
static int by_char(const table *t, uint32_t c, size_t limit, sc_suggestion *v, size_t *n)
{
    size_t lo = 0, hi = t->n_keys;
    uint64_t first = (uint64_t)c << 32;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->keys[mid] < first) lo = mid + 1; else hi = mid;
    }
    size_t end = lo;
    while (end < t->n_keys && t->keys[end] >> 32 == c) end++;
    size_t m = end - lo;
    if (!m) return SC_OK;
    uint32_t *pos = malloc(m * sizeof *pos);    /* cursor in each list */
    if (!pos) return SC_ENOMEM;
    for (size_t k = 0; k < m; k++) pos[k] = t->key_off[lo + k];
    int rc = SC_OK;
    uint32_t last = UINT32_MAX;
    while (*n < limit && !rc) {
        /* the smallest head; lists are few for all but the commonest
           characters, whose titles fill the limit within a few rounds */
        size_t best = m;
        for (size_t k = 0; k < m; k++)
            if (pos[k] < t->key_off[lo + k + 1] && (best == m || t->postings[pos[k]] < t->postings[pos[best]]))
                best = k;
        if (best == m) break;
        uint32_t i = t->postings[pos[best]++];
        if (i != last) rc = add(t, i, v, n);
        last = i;
    }
    free(pos);
    return rc;
}

/* Titles holding q (two or more code points), newest first: the two
** rarest pairs of q narrow the titles down, fold_find confirms. */
static int by_pairs(const table *t, const char *q, size_t ql, size_t limit, sc_suggestion *v, size_t *n)
{
    const uint32_t *a = NULL, *b = NULL;
    size_t na = SIZE_MAX, nb = SIZE_MAX, at = 0;
    uint32_t prev = next_cp(q, ql, &at);
    while (at < ql) {
        uint32_t c = next_cp(q, ql, &at);
        size_t len;
        const uint32_t *p = postings(t, (uint64_t)prev << 32 | c, &len);
        if (!p) return SC_OK;                   /* a pair no title has */
        if (len < na) { b = a; nb = na; a = p; na = len; }
        else if (len < nb) { b = p; nb = len; }
        prev = c;
    }
    size_t j = 0;
    uint32_t last = UINT32_MAX;
    for (size_t k = 0; k < na && *n < limit; k++) {
        uint32_t i = a[k];
        if (i == last) continue;
        last = i;
        if (b) {
            while (j < nb && b[j] < i) j++;
            if (j == nb) break;
            if (b[j] != i) continue;
        }
        size_t tl;
        const char *s = title_of(t, i, &tl);
        if (fold_find(s, tl, q, ql) && add(t, i, v, n)) return SC_ENOMEM;
    }
    return SC_OK;
}

int sc_suggest_query(sc_suggest *s, const char *q, size_t limit, sc_suggestion **out,
                     size_t *n, sc_err *err)
{
    *out = NULL;
    *n = 0;
    size_t ql = strlen(q);
    if (!ql || !limit || strchr(q, '\n')) return SC_OK;
    char *fq = strdup(q);
    sc_suggestion *v = calloc(limit, sizeof *v);
    if (!fq || !v) { free(fq); free(v); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    for (char *p = fq; *p; p++) *p = (char)tolower((unsigned char)*p);
    pthread_mutex_lock(&s->lock);
    table *t = s->cur;
    if (t) t->refs++;
    pthread_mutex_unlock(&s->lock);
    int rc = SC_OK;
    /* the delta (newest titles) first, then its base: newest first overall */
    const table *chain[2] = {t, t ? t->older : NULL};
    size_t at = 0;
    uint32_t c = next_cp(fq, ql, &at);
    for (int k = 0; k < 2 && !rc && *n < limit; k++)
        if (chain[k] && chain[k]->n) rc = by_prefix(chain[k], fq, ql, limit, v, n);
    for (int k = 0; k < 2 && !rc && *n < limit; k++)
        if (chain[k] && chain[k]->n)
            rc = at == ql ? by_char(chain[k], c, limit, v, n) : by_pairs(chain[k], fq, ql, limit, v, n);
    table_release(s, t);
    free(fq);
    if (rc) { sc_suggestions_free(v, *n); *n = 0; return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    *out = v;
    return SC_OK;
}
