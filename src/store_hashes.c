/* store_hashes.c — the writer's table of content hashes (store_priv.h):
** the first 64 bits of every stored document's SHA-256, with its number,
** in memory, for the exact-duplicate lookup of documents that come without
** an id of their own (files, uploads).
**
** Contract: sc_hashes_find gives exactly what the query
**   SELECT min(num) FROM docs WHERE hash = ?
** gives on the writer's connection (the batch's uncommitted rows
** included): candidates come from the table by their 64-bit prefix, and
** each is confirmed against its row's whole hash.  The table is made from
** the docs table at the first lookup, kept in step by sc_hashes_add /
** sc_hashes_remove as the writer changes docs; sc_hashes_drop forgets it
** (a rolled-back batch, another connection's commit), and the next lookup
** makes it anew, so it never disagrees with the database.
**
** Why in memory: an SQLite index of the hashes took an insert at a random
** place per document, 7 % of an import, although only documents without
** an id ever look one up.  Making the table reads the hash of every row
** once (about 0.3 us a document) in the first batch that needs it.
**
** Layout: open addressing over a power of two of (key, num) slots with
** linear probing; several slots may share a key (documents imported
** with ids of their own may have the same text).  A removed entry keeps
** its key with num 0 (a tombstone) so that later probes still pass it;
** growing drops the tombstones. */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

typedef struct slot { uint64_t key; int64_t num; } slot;   /* num -1: empty, 0: removed */

struct sc_hashes {
    slot *t;
    size_t cap, used;          /* used counts tombstones too */
};

/* The first 16 hex digits of hash as a number; 0 with *ok = 0 when hash is
** not hex (never from sc_describe_hash, but rows are data). */
static uint64_t key_of(const char *hash, int *ok)
{
    uint64_t k = 0;
    *ok = 1;
    for (int i = 0; i < 16; i++) {
        char c = hash[i];
        unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
        if (v == 16) { *ok = 0; return 0; }
        k = k << 4 | v;
    }
    return k;
}

void sc_hashes_drop(sc_store *s)
{
    if (!s->hashes) return;
    free(s->hashes->t);
    free(s->hashes);
    s->hashes = NULL;
}

static void put(sc_hashes *h, uint64_t key, int64_t num)
{
    size_t j = (size_t)key & (h->cap - 1);
    while (h->t[j].num >= 0) j = (j + 1) & (h->cap - 1);
    h->t[j] = (slot){key, num};
    h->used++;
}

/* Makes room for one more entry: at most half the slots in use;
** rebuilding drops the tombstones and leaves a quarter in use. */
static int reserve(sc_hashes *h)
{
    if ((h->used + 1) * 2 <= h->cap) return SC_OK;
    size_t live = 0, cap = 1024;
    for (size_t i = 0; i < h->cap; i++) live += h->t[i].num > 0;
    while ((live + 1) * 4 > cap) cap *= 2;
    slot *old = h->t, *t = malloc(cap * sizeof *t);
    if (!t) return SC_ENOMEM;
    for (size_t i = 0; i < cap; i++) t[i].num = -1;
    size_t old_cap = h->cap;
    h->t = t;
    h->cap = cap;
    h->used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].num > 0) put(h, old[i].key, old[i].num);
    free(old);
    return SC_OK;
}

/* Reads every row's (num, hash) from the writer's view. */
static int load(sc_store *s)
{
    sc_hashes *h = calloc(1, sizeof *h);
    if (!h) return SC_ENOMEM;
    s->hashes = h;
    sqlite3_stmt *st = sc_st_prep(&s->w, "SELECT num, hash FROM docs");
    if (!st) { sc_hashes_drop(s); return SC_EDB; }
    int rc = SC_OK, step, ok;
    while (rc == SC_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(st, 1);
        if (!hash || sqlite3_column_bytes(st, 1) < 16) continue;
        uint64_t key = key_of(hash, &ok);
        if (!ok) continue;
        if (!(rc = reserve(h))) put(h, key, sqlite3_column_int64(st, 0));
    }
    if (rc == SC_OK && step != SQLITE_DONE) rc = SC_EDB;
    sc_st_done(st);
    if (rc) sc_hashes_drop(s);
    return rc;
}

/* Whether row num's whole hash is hash. */
static int row_has(sc_store *s, int64_t num, const char *hash)
{
    char *have = sc_st_lookup_str(&s->w, "SELECT hash FROM docs WHERE num = ?1", NULL, num);
    int same = have && !strcmp(have, hash);
    free(have);
    return same;
}

int sc_hashes_find(sc_store *s, const char *hash, int64_t *num)
{
    *num = -1;
    int ok;
    uint64_t key = key_of(hash, &ok);
    if (!ok) return SC_OK;
    int rc = s->hashes ? SC_OK : load(s);
    if (rc) return rc;
    const sc_hashes *h = s->hashes;
    if (!h->cap) return SC_OK;
    for (size_t j = (size_t)key & (h->cap - 1); h->t[j].num >= 0; j = (j + 1) & (h->cap - 1)) {
        const slot *e = &h->t[j];
        if (e->key == key && e->num > 0 && (*num < 0 || e->num < *num) && row_has(s, e->num, hash)) *num = e->num;
    }
    return SC_OK;
}

int sc_hashes_add(sc_store *s, int64_t num, const char *hash)
{
    sc_hashes *h = s->hashes;
    int ok;
    uint64_t key = key_of(hash, &ok);
    if (!h || !ok) return SC_OK;
    if (reserve(h)) { sc_hashes_drop(s); return SC_ENOMEM; }
    put(h, key, num);
    return SC_OK;
}

void sc_hashes_remove(sc_store *s, int64_t num, const char *hash)
{
    const sc_hashes *h = s->hashes;
    int ok;
    uint64_t key = key_of(hash, &ok);
    if (!h || !ok || !h->cap) return;
    for (size_t j = (size_t)key & (h->cap - 1); h->t[j].num >= 0; j = (j + 1) & (h->cap - 1))
        if (h->t[j].key == key && h->t[j].num == num) { h->t[j].num = 0; return; }
}
