/*
** index_snap.h — what a snapshot holds, for search.c.  A snapshot is an
** immutable list of segments, each with the deletion bitmap of the commit
** it was taken from; it stays valid (files mapped) until released, however
** many commits and merges happen meanwhile.
*/
#ifndef SC_INDEX_SNAP_H
#define SC_INDEX_SNAP_H

#include <stdatomic.h>

#include "index.h"
#include "index_seg.h"

typedef struct sc_sview {
    sc_seg *seg;
    uint8_t *del;          /* bit i set: doc i deleted; NULL = none (owned) */
    uint32_t n_live;
} sc_sview;

struct sc_snapshot {
    atomic_int refs;
    sc_sview *v;
    size_t n;
    uint64_t n_docs;       /* live documents */
    double avg_len;        /* mean normalised length, for BM25 */
    int64_t seq;
};

static inline int sc_sview_deleted(const sc_sview *v, uint32_t doc)
{
    return v->del && (v->del[doc >> 3] >> (doc & 7) & 1);
}

#endif
