/* store_near.c — the writer's near-duplicate table (store_priv.h): the
** simhashes of the stored documents long enough to be compared, bucketed by
** their four 16-bit bands, in memory.
**
** Contract: sc_near_find gives exactly what a scan of the band buckets in
** document-number order gives: for bands 0..3, the first NEAR_DUP_BUCKET
** documents of the bucket, the first within SC_NEAR_DUP_BITS and of
** comparable length.  The table is made from the docs table (its partial
** index docs_near) at the first lookup, then kept in step by sc_near_add /
** sc_near_remove as the writer changes docs; sc_near_drop forgets it (a
** rolled-back batch, another connection's commit), and the next lookup
** makes it anew, so it never disagrees with the database.
**
** Why in memory: a table of bands in SQLite cost four SELECTs and four
** INSERTs a document, a quarter of a news import; making this table from
** the index takes ~10 ms for 100,000 documents. */
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "store_priv.h"

#define N_BUCKETS (4 * 65536)

typedef struct near_ent { int64_t num; uint64_t simhash; uint64_t chars; } near_ent;
typedef struct bucket { uint32_t *ix; uint32_t n, cap; } bucket;

struct sc_near {
    near_ent *ent;          /* sorted by num; chars == 0 marks a removed one */
    size_t n, cap;
    bucket *b;              /* N_BUCKETS: indexes into ent, in num order */
};

static uint32_t band_key(uint64_t h, int b) { return ((uint32_t)b << 16) | (uint32_t)((h >> (16 * b)) & 0xFFFF); }

void sc_near_drop(sc_store *s)
{
    sc_near *t = s->near;
    if (!t) return;
    if (t->b)
        for (size_t i = 0; i < N_BUCKETS; i++) free(t->b[i].ix);
    free(t->b);
    free(t->ent);
    free(t);
    s->near = NULL;
}

static int bucket_push(bucket *k, uint32_t ix)
{
    if (k->n == k->cap) {
        uint32_t cap = k->cap ? 2 * k->cap : 2;
        uint32_t *p = realloc(k->ix, cap * sizeof *p);
        if (!p) return SC_ENOMEM;
        k->ix = p;
        k->cap = cap;
    }
    k->ix[k->n++] = ix;
    return SC_OK;
}

/* Appends e to the entries, not yet to the buckets. */
static int append(sc_near *t, const near_ent *e)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        near_ent *p = realloc(t->ent, cap * sizeof *p);
        if (!p) return SC_ENOMEM;
        t->ent = p;
        t->cap = cap;
    }
    t->ent[t->n++] = *e;
    return SC_OK;
}

/* Files entry ix in its four buckets (after those of smaller numbers). */
static int file(sc_near *t, uint32_t ix)
{
    for (int b = 0; b < 4; b++)
        if (bucket_push(&t->b[band_key(t->ent[ix].simhash, b)], ix)) return SC_ENOMEM;
    return SC_OK;
}

static int cmp_num(const void *a, const void *b)
{
    int64_t x = ((const near_ent *)a)->num, y = ((const near_ent *)b)->num;
    return (x > y) - (x < y);
}

/* Reads every long document's (num, simhash, chars) from the writer's view
** (uncommitted rows of the batch included). */
static int load(sc_store *s)
{
    static const char *sql = "SELECT num, simhash, chars FROM docs INDEXED BY docs_near"
                             " WHERE chars >= " SC_STR(NEAR_DUP_MIN_CHARS);
    sc_near *t = calloc(1, sizeof *t);
    if (!t || !(t->b = calloc(N_BUCKETS, sizeof *t->b))) { free(t); return SC_ENOMEM; }
    s->near = t;
    sqlite3_stmt *st = sc_st_prep(&s->w, sql);
    if (!st) { sc_near_drop(s); return SC_EDB; }
    int rc = SC_OK, step;
    while (rc == SC_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        near_ent e = {sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
                      (uint64_t)sqlite3_column_int64(st, 2)};
        rc = append(t, &e);
    }
    if (rc == SC_OK && step != SQLITE_DONE) rc = SC_EDB;
    sc_st_done(st);
    if (t->n) qsort(t->ent, t->n, sizeof *t->ent, cmp_num);   /* the index is in (chars, simhash) order */
    for (size_t i = 0; rc == SC_OK && i < t->n; i++) rc = file(t, (uint32_t)i);
    if (rc) sc_near_drop(s);
    return rc;
}

int sc_near_find(sc_store *s, uint64_t h, size_t chars, int64_t *num)
{
    *num = -1;
    if (chars < NEAR_DUP_MIN_CHARS) return SC_OK;
    int rc = s->near ? SC_OK : load(s);
    if (rc) return rc;
    const sc_near *t = s->near;
    for (int b = 0; b < 4; b++) {
        const bucket *k = &t->b[band_key(h, b)];
        uint32_t n = k->n < NEAR_DUP_BUCKET ? k->n : NEAR_DUP_BUCKET;
        for (uint32_t i = 0; i < n; i++) {
            const near_ent *e = &t->ent[k->ix[i]];
            size_t lo = e->chars < chars ? e->chars : chars, hi = e->chars < chars ? chars : e->chars;
            if (sc_simhash_distance(h, e->simhash) <= SC_NEAR_DUP_BITS && lo * 10 >= hi * 8) {
                *num = e->num;
                return SC_OK;
            }
        }
    }
    return SC_OK;
}

int sc_near_add(sc_store *s, int64_t num, uint64_t h, size_t chars)
{
    sc_near *t = s->near;
    if (!t || chars < NEAR_DUP_MIN_CHARS) return SC_OK;
    if (t->n && t->ent[t->n - 1].num >= num) {   /* not in num order: cannot happen, but stay exact */
        sc_near_drop(s);
        return SC_OK;
    }
    near_ent e = {num, h, chars};
    int rc = append(t, &e);
    if (!rc) rc = file(t, (uint32_t)(t->n - 1));
    if (rc) sc_near_drop(s);
    return rc;
}

void sc_near_remove(sc_store *s, int64_t num)
{
    sc_near *t = s->near;
    if (!t) return;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->ent[mid].num < num) lo = mid + 1; else hi = mid;
    }
    if (lo == t->n || t->ent[lo].num != num || !t->ent[lo].chars) return;   /* a short one: never held */
    for (int b = 0; b < 4; b++) {
        bucket *k = &t->b[band_key(t->ent[lo].simhash, b)];
        for (uint32_t i = 0; i < k->n; i++)
            if (k->ix[i] == (uint32_t)lo) {
                memmove(k->ix + i, k->ix + i + 1, (k->n - i - 1) * sizeof *k->ix);
                k->n--;
                break;
            }
    }
    t->ent[lo].chars = 0;
    /* the last number is given again to the next document (max(num) + 1) */
    while (t->n && !t->ent[t->n - 1].chars) t->n--;
}
