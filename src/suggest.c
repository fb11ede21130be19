/* suggest.c — title completion; see suggest.h.
**
** A table is immutable once built: `text` holds "\n" title "\n" title ...
** "\n" with ASCII folded to lower case, `orig` the same titles unfolded,
** starts[i] the offset of title i (in both) and ids[i] its id.  Readers take
** a reference under the mutex and search without it; the last one out of an
** old table frees it. */
#include "suggest.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

typedef struct cut_title { char *id, *title; } cut_title;

typedef struct table {
    int refs;
    cut_title *cut;     /* documents whose title runs into the paid part, by id */
    size_t n_cut;
    char *text, *orig;
    size_t len;
    size_t *starts;     /* n + 1 entries; starts[n] = len */
    char **ids;
    size_t n;
} table;

struct sc_suggest {
    pthread_mutex_t lock;
    table *cur;
};

static void table_free(table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->ids[i]);
    for (size_t i = 0; i < t->n_cut; i++) { free(t->cut[i].id); free(t->cut[i].title); }
    free(t->cut);
    free(t->ids);
    free(t->starts);
    free(t->text);
    free(t->orig);
    free(t);
}

static void table_release(sc_suggest *s, table *t)
{
    if (!t) return;
    pthread_mutex_lock(&s->lock);
    int last = --t->refs == 0;
    pthread_mutex_unlock(&s->lock);
    if (last) table_free(t);
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
    table_free(s->cur);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

typedef struct build {
    sc_buf text; size_t *starts; char **ids; size_t n, cap; int oom;
    cut_title *cut; size_t n_cut, cap_cut;
} build;

char *sc_title_public(const char *title, size_t free_chars)
{
    size_t n = strlen(title);
    if (sc_utf8_count(title, n) <= free_chars) return strdup(title);
    size_t cut = sc_utf8_offset(title, n, free_chars);
    while (cut > 0 && (title[cut - 1] == ' ' || title[cut - 1] == '\t')) cut--;
    if (cut == 0) return strdup("（标题为会员内容）");
    return strndup(title, cut);
}

static int cmp_cut(const void *a, const void *b)
{
    return strcmp(((const cut_title *)a)->id, ((const cut_title *)b)->id);
}

int sc_suggest_public_title(sc_suggest *s, const char *id, char **out)
{
    *out = NULL;
    pthread_mutex_lock(&s->lock);
    table *t = s->cur;
    if (t) t->refs++;
    pthread_mutex_unlock(&s->lock);
    int found = 0;
    if (t && t->n_cut) {
        cut_title key = {(char *)id, NULL};
        cut_title *c = bsearch(&key, t->cut, t->n_cut, sizeof *t->cut, cmp_cut);
        if (c) { *out = strdup(c->title); found = 1; }
    }
    table_release(s, t);
    return found;
}

static int on_doc(void *ctx, const sc_doc *d, int64_t added_at)
{
    (void)added_at;
    build *b = ctx;
    if (!d->title || !d->id) return 0;
    if (b->n + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        size_t *st = realloc(b->starts, (cap + 1) * sizeof *st);
        if (st) b->starts = st;
        char **ids = realloc(b->ids, cap * sizeof *ids);
        if (ids) b->ids = ids;
        if (!st || !ids) { b->oom = 1; return 1; }
        b->cap = cap;
    }
    char *id = strdup(d->id);
    char *pub = sc_title_public(d->title, d->free_chars);
    if (!id || !pub) { free(id); free(pub); b->oom = 1; return 1; }
    if (strcmp(pub, d->title)) {
        /* the title runs into the paid part: remember its public form */
        if (b->n_cut == b->cap_cut) {
            size_t cap = b->cap_cut ? b->cap_cut * 2 : 16;
            cut_title *c = realloc(b->cut, cap * sizeof *c);
            if (!c) { free(id); free(pub); b->oom = 1; return 1; }
            b->cut = c;
            b->cap_cut = cap;
        }
        b->cut[b->n_cut].id = strdup(d->id);
        b->cut[b->n_cut].title = strdup(pub);
        if (!b->cut[b->n_cut].id || !b->cut[b->n_cut].title) {
            free(b->cut[b->n_cut].id); free(b->cut[b->n_cut].title);
            free(id); free(pub); b->oom = 1; return 1;
        }
        b->n_cut++;
    }
    b->starts[b->n] = b->text.len;
    b->ids[b->n++] = id;
    /* a title is one line; newlines would break the table's framing */
    for (const char *p = pub; *p; p++) sc_buf_addc(&b->text, *p == '\n' ? ' ' : *p);
    sc_buf_addc(&b->text, '\n');
    free(pub);
    return b->text.oom;
}

int sc_suggest_refresh(sc_suggest *s, sc_store *st, sc_err *err)
{
    build b = {SC_BUF_INIT, NULL, NULL, 0, 0, 0, NULL, 0, 0};
    sc_buf_addc(&b.text, '\n');
    int rc = sc_store_list(st, 0, -1, 0, on_doc, &b, err);
    table *t = calloc(1, sizeof *t);
    if (!rc && (b.oom || b.text.oom || !t)) rc = sc_err_set(err, SC_ENOMEM, "out of memory loading titles");
    if (rc) {
        for (size_t i = 0; i < b.n; i++) free(b.ids[i]);
        for (size_t i = 0; i < b.n_cut; i++) { free(b.cut[i].id); free(b.cut[i].title); }
        free(b.cut);
        free(b.ids);
        free(b.starts);
        sc_buf_free(&b.text);
        free(t);
        return rc;
    }
    t->refs = 1;
    t->n = b.n;
    t->cut = b.cut;
    t->n_cut = b.n_cut;
    if (t->n_cut) qsort(t->cut, t->n_cut, sizeof *t->cut, cmp_cut);
    t->ids = b.ids;
    t->starts = b.starts;
    if (t->starts) t->starts[t->n] = b.text.len;
    t->len = b.text.len;
    t->orig = sc_buf_detach(&b.text);
    t->text = t->orig ? malloc(t->len + 1) : NULL;
    if (!t->text) { table_free(t); return sc_err_set(err, SC_ENOMEM, "out of memory loading titles"); }
    for (size_t i = 0; i <= t->len; i++) t->text[i] = (char)tolower((unsigned char)t->orig[i]);
    pthread_mutex_lock(&s->lock);
    table *old = s->cur;
    s->cur = t;
    int last = old && --old->refs == 0;
    pthread_mutex_unlock(&s->lock);
    if (last) table_free(old);
    return SC_OK;
}

void sc_suggestions_free(sc_suggestion *v, size_t n)
{
    for (size_t i = 0; i < n; i++) { free(v[i].id); free(v[i].title); }
    free(v);
}

/* Index of the title holding byte offset off (binary search on starts). */
static size_t title_at(const table *t, size_t off)
{
    size_t lo = 0, hi = t->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t->starts[mid] <= off) lo = mid; else hi = mid;
    }
    return lo;
}

static int seen(sc_suggestion *v, size_t n, const char *title, size_t tl)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i].title) == tl && !memcmp(v[i].title, title, tl)) return 1;
    return 0;
}

/* One pass: prefix (pass 0) or anywhere (pass 1). */
static int collect(const table *t, const char *q, size_t ql, int prefix, size_t limit,
                   sc_suggestion *v, size_t *n)
{
    size_t off = 0;
    while (*n < limit && off < t->len) {
        const char *hit = memmem(t->text + off, t->len - off, q, ql);
        if (!hit) break;
        size_t at = (size_t)(hit - t->text);
        off = at + 1;
        if (at == 0) continue;
        size_t i = title_at(t, at);
        size_t start = t->starts[i], end = t->starts[i + 1] - 1; /* drop the '\n' */
        if (at + ql > end) continue;            /* across two titles */
        if (prefix && at != start) continue;
        off = end + 1;                          /* one hit per title is enough */
        const char *title = t->orig + start;
        size_t tl = end - start;
        if (seen(v, *n, title, tl)) continue;
        v[*n].title = strndup(title, tl);
        v[*n].id = strdup(t->ids[i]);
        if (!v[*n].title || !v[*n].id) { free(v[*n].title); free(v[*n].id); return SC_ENOMEM; }
        (*n)++;
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
    if (t && t->n) {
        rc = collect(t, fq, ql, 1, limit, v, n);
        if (!rc) rc = collect(t, fq, ql, 0, limit, v, n);
    }
    table_release(s, t);
    free(fq);
    if (rc) { sc_suggestions_free(v, *n); *n = 0; return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    *out = v;
    return SC_OK;
}
