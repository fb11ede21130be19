/*
** result_cache.h — answers already given, kept for the commit they were
** computed on.
**
** Writers search the same things all day (the topics of the week, the
** first characters of a title typed into the search box), so the server
** keeps finished response bodies keyed by the request's canonical form
** (route, parameters, what the caller may read).  Every entry belongs to one
** generation: for searches the store change sequence that the index commit
** holds, for suggestions the title table's refresh count.  The first call
** that brings a newer generation drops every entry, so an answer never
** outlives the commit it came from; a call that brings an older one (a
** request that began before the commit) neither reads nor writes.  Bounded
** by bytes, least recently used first out.  Thread-safe: one mutex, held
** only to look up, link and copy a body.
*/
#ifndef SC_RESULT_CACHE_H
#define SC_RESULT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

typedef struct sc_rcache sc_rcache;

/* max_bytes bounds keys plus bodies; 0 makes a cache that keeps nothing. */
int sc_rcache_new(size_t max_bytes, sc_rcache **out, sc_err *err);
void sc_rcache_free(sc_rcache *c);

/* 1 when key holds an answer of generation gen: the body is appended to
** out (the caller's buffer, straight into the response); 0 otherwise, also
** when out of memory (out is then unchanged). */
int sc_rcache_get(sc_rcache *c, int64_t gen, const char *key, size_t klen, sc_buf *out);

/* Keeps a copy of body under key for generation gen.  Silently keeps
** nothing when the body is larger than an eighth of the cache, when gen is
** older than the cache's, or when out of memory: a cache may forget. */
void sc_rcache_put(sc_rcache *c, int64_t gen, const char *key, size_t klen,
                   const char *body, size_t len);

typedef struct sc_rcache_stats {
    uint64_t hits, misses;
    size_t entries, bytes;
} sc_rcache_stats;

void sc_rcache_get_stats(sc_rcache *c, sc_rcache_stats *out);

#endif
