/*
** index_priv.h — what index.c, index_buffer.c and index_merge.c share: the
** index object, the writer's working set and in-memory buffer, and the
** helpers more than one of them calls.  Internal to those files (search.c
** reads snapshots through index_snap.h instead).
**
** Everything here runs in the index writer only (one thread, index.h),
** except the fields of struct sc_index that it marks as guarded by mu.
*/
#ifndef SC_INDEX_PRIV_H
#define SC_INDEX_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doc.h"
#include "error.h"
#include "index.h"
#include "index_seg.h"
#include "index_snap.h"
#include "normalize.h"

/* ---- in-memory buffer (index_buffer.c, which describes it) ---------------- */

typedef struct sc_membuf {
    sc_docmeta *docs;
    uint8_t *del;
    uint32_t n_docs, cap_docs, n_del;
    uint32_t *start;           /* [n_docs + 1]: each doc's first slot in seq */
    uint32_t max_len;          /* the most slots a doc takes (with its 0) */
    unsigned max_bits;         /* a flush record's bits: 0 = 64 (tests
                                  make it small to fill a buffer early) */
    uint32_t *seq;             /* character ids, 0 after each line and doc */
    size_t n_seq, cap_seq;
    uint32_t *idmap;           /* [SC_MB_DIRECT]: code point -> id (0: none) */
    struct sc_cpslot *big;     /* code points >= SC_MB_DIRECT -> id */
    size_t big_cap, big_n;
    uint32_t *idcp, *idcnt;    /* per id: code point, occurrences in seq */
    uint32_t n_ids, cap_ids;   /* ids are 1..n_ids */
    size_t bytes;
    sc_norm norm;
    uint64_t *occ, *rec, *tmp; /* the flush's scratch arrays, kept from one */
    size_t occ_cap, rec_cap;   /* flush to the next of a batch (sc_membuf_trim) */
} sc_membuf;

/* Appends doc as buffer document n_docs.  SC_OK; SC_ELIMIT when the buffer
** holds documents and the flush's records could not hold one more (the
** buffer is unchanged: flush, reset and add it again); or SC_ENOMEM (then
** the buffer is unusable until sc_membuf_reset). */
int sc_membuf_add(sc_membuf *m, int64_t num, const sc_doc *doc);
/* Writes the buffer as the segment file at path (fsynced); the buffer is
** unchanged. */
int sc_membuf_flush(sc_membuf *m, const char *path, sc_err *err);
/* Empties the buffer, keeping the normaliser's arrays. */
void sc_membuf_reset(sc_membuf *m);
/* Frees everything the buffer holds; it is left empty. */
void sc_membuf_free(sc_membuf *m);
/* Frees the flush's scratch arrays (hundreds of MB after a large batch);
** the next flush makes them anew. */
void sc_membuf_trim(sc_membuf *m);

/* ---- the index object (index.c) ------------------------------------------- */

typedef struct sc_ix_wseg {    /* a segment in the writer's working set */
    sc_seg *seg;
    uint8_t *del;
    uint32_t n_del, del_gen;
    int dirty;
} sc_ix_wseg;

struct sc_index {
    char *dir;
    pthread_mutex_t mu;        /* guards cur and reloads */
    sc_snapshot *cur;
    struct stat commit_st;     /* identity of the COMMIT file loaded */
    int writer;                /* this process writes (guarded by mu) */
    /* commit state */
    int64_t seq;
    uint64_t gen;
    uint32_t next_seg;
    /* writer */
    sc_ix_wseg *ws;
    size_t n_ws, cap_ws;
    sc_membuf mb;
    int64_t *mkeys;            /* num -> location map (open addressing) */
    uint64_t *mvals;           /* seg no << 32 | doc; UINT64_MAX = gone */
    size_t mcap, mn;
    int map_ready;
    int64_t max_num;           /* the largest num held (segments, buffer), */
    int max_known;             /* once known: an add above it needs no map */
    int optimize;              /* merge everything at the next commit */
    int broken;                /* an abort failed: no more changes */
};

/* The path of segment no: DIR/index/seg-NNNNNN.sxs, into out[n]. */
void sc_ix_seg_path(const sc_index *ix, uint32_t no, char *out, size_t n);
/* Appends seg to the working set, taking its reference and del (a zeroed
** bitmap is allocated when del is NULL).  -1 when out of memory (then the
** caller still owns both). */
int sc_ix_ws_push(sc_index *ix, sc_seg *seg, uint8_t *del, uint32_t n_del, uint32_t del_gen);
/* Adds w's live documents to the num -> location map.  -1 when out of
** memory. */
int sc_ix_map_add_seg(sc_index *ix, const sc_ix_wseg *w);

/* ---- merges and garbage (index_merge.c) ----------------------------------- */

/* Merges the smallest segments while there are too many. */
int sc_ix_maybe_merge(sc_index *ix, sc_err *err);
/* Removes files that the commit point does not name. */
void sc_ix_collect_garbage(sc_index *ix);

/* ---- helpers shared by the files above ------------------------------------ */

static inline size_t sc_ix_hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

/* Growable decode arrays shared by flush and merge: the documents, tfs and
** (positional keys) positions of one term, as sc_segw_term takes them. */
typedef struct sc_ix_plist { uint32_t *docs, *tfs, *pos; size_t n, cap, np, pcap; } sc_ix_plist;

static inline int sc_ix_pl_doc(sc_ix_plist *p, uint32_t doc, uint32_t tf)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        uint32_t *d = realloc(p->docs, cap * sizeof *d), *t;
        if (!d) return -1;
        p->docs = d;
        if (!(t = realloc(p->tfs, cap * sizeof *t))) return -1;
        p->tfs = t;
        p->cap = cap;
    }
    p->docs[p->n] = doc;
    p->tfs[p->n++] = tf;
    return 0;
}

static inline int sc_ix_pl_pos_n(sc_ix_plist *p, const uint32_t *pos, uint32_t n)
{
    if (p->np + n > p->pcap) {
        size_t cap = p->pcap ? p->pcap : 4096;
        while (cap < p->np + n) cap *= 2;
        uint32_t *d = realloc(p->pos, cap * sizeof *d);
        if (!d) return -1;
        p->pos = d;
        p->pcap = cap;
    }
    memcpy(p->pos + p->np, pos, n * sizeof *pos);
    p->np += n;
    return 0;
}

static inline int sc_ix_pl_pos(sc_ix_plist *p, uint32_t pos) { return sc_ix_pl_pos_n(p, &pos, 1); }

static inline void sc_ix_pl_free(sc_ix_plist *p) { free(p->docs); free(p->tfs); free(p->pos); }

#endif
