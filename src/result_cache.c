/* result_cache.c — a bounded LRU of response bodies per generation; see
** result_cache.h.
**
** A chained hash table (power-of-two buckets, FNV-1a) whose entries are
** also on one doubly linked list, most recently used at the head.  Key and
** body share one allocation.  The table doubles when it holds more entries
** than buckets; it never shrinks (a generation change empties it). */
#include "result_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *chain;            /* next in the bucket */
    struct entry *prev, *next;      /* LRU list */
    uint64_t hash;
    size_t klen, blen;
    char data[];                    /* key, then body, then NUL */
} entry;

struct sc_rcache {
    pthread_mutex_t mu;
    size_t max_bytes, bytes, n;
    entry **buckets;
    size_t n_buckets;               /* power of two */
    entry *head, *tail;
    int64_t gen;
    uint64_t hits, misses;
};

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)p[i]; h *= 1099511628211ull; }
    return h;
}

static size_t entry_size(const entry *e) { return sizeof *e + e->klen + e->blen + 1; }

int sc_rcache_new(size_t max_bytes, sc_rcache **out, sc_err *err)
{
    sc_rcache *c = calloc(1, sizeof *c);
    if (c) c->buckets = calloc(c->n_buckets = 1024, sizeof *c->buckets);
    if (!c || !c->buckets) {
        free(c);
        *out = NULL;
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&c->mu, NULL);
    c->max_bytes = max_bytes;
    *out = c;
    return SC_OK;
}

static void clear(sc_rcache *c)
{
    for (entry *e = c->head, *next; e; e = next) { next = e->next; free(e); }
    memset(c->buckets, 0, c->n_buckets * sizeof *c->buckets);
    c->head = c->tail = NULL;
    c->bytes = c->n = 0;
}

void sc_rcache_free(sc_rcache *c)
{
    if (!c) return;
    clear(c);
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void lru_unlink(sc_rcache *c, entry *e)
{
    if (e->prev) e->prev->next = e->next; else c->head = e->next;
    if (e->next) e->next->prev = e->prev; else c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(sc_rcache *c, entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head) c->head->prev = e; else c->tail = e;
    c->head = e;
}

static entry **slot(sc_rcache *c, uint64_t h, const char *key, size_t klen)
{
    entry **p = &c->buckets[h & (c->n_buckets - 1)];
    while (*p && !((*p)->hash == h && (*p)->klen == klen && !memcmp((*p)->data, key, klen)))
        p = &(*p)->chain;
    return p;
}

static void remove_entry(sc_rcache *c, entry *e)
{
    entry **p = slot(c, e->hash, e->data, e->klen);
    *p = e->chain;
    lru_unlink(c, e);
    c->bytes -= entry_size(e);
    c->n--;
    free(e);
}

/* Brings the cache to generation gen; 0 when gen is older (do nothing). */
static int at_gen(sc_rcache *c, int64_t gen)
{
    if (gen < c->gen) return 0;
    if (gen > c->gen) { clear(c); c->gen = gen; }
    return 1;
}

int sc_rcache_get(sc_rcache *c, int64_t gen, const char *key, size_t klen, sc_buf *out)
{
    uint64_t h = fnv1a(key, klen);
    pthread_mutex_lock(&c->mu);
    entry *e = at_gen(c, gen) ? *slot(c, h, key, klen) : NULL;
    int hit = e && sc_buf_reserve(out, e->blen + 1);
    if (hit) {
        sc_buf_add(out, e->data + e->klen, e->blen);
        lru_unlink(c, e);
        lru_push(c, e);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void grow(sc_rcache *c)
{
    size_t nb = c->n_buckets * 2;
    entry **b = calloc(nb, sizeof *b);
    if (!b) return;                     /* longer chains, still correct */
    for (size_t i = 0; i < c->n_buckets; i++)
        for (entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    free(c->buckets);
    c->buckets = b;
    c->n_buckets = nb;
}

void sc_rcache_put(sc_rcache *c, int64_t gen, const char *key, size_t klen, const char *body, size_t len)
{
    size_t need = sizeof(entry) + klen + len + 1;
    if (need > c->max_bytes / 8) return;
    entry *e = malloc(need);
    if (!e) return;
    e->hash = fnv1a(key, klen);
    e->klen = klen;
    e->blen = len;
    memcpy(e->data, key, klen);
    memcpy(e->data + klen, body, len);
    e->data[klen + len] = 0;
    pthread_mutex_lock(&c->mu);
    if (!at_gen(c, gen)) { pthread_mutex_unlock(&c->mu); free(e); return; }
    entry *old = *slot(c, e->hash, key, klen);
    if (old) remove_entry(c, old);      /* two threads computed the same answer */
    while (c->tail && c->bytes + need > c->max_bytes) remove_entry(c, c->tail);
    if (c->n >= c->n_buckets) grow(c);
    entry **p = &c->buckets[e->hash & (c->n_buckets - 1)];
    e->chain = *p;
    *p = e;
    lru_push(c, e);
    c->bytes += need;
    c->n++;
    pthread_mutex_unlock(&c->mu);
}

void sc_rcache_get_stats(sc_rcache *c, sc_rcache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    out->hits = c->hits;
    out->misses = c->misses;
    out->entries = c->n;
    out->bytes = c->bytes;
    pthread_mutex_unlock(&c->mu);
}
