/*
** index_seg.h — one immutable index segment: writer, mmap reader, term
** dictionary and posting-list iterator.  Internal to index*.c and search.c.
** The on-disk format is described at the top of index_seg.c.
**
** Terms are u64 keys:  SC_KEY_UNI(cp)     a character anywhere (doc, tf)
**                      SC_KEY_TUNI(cp)    a character in the title (doc, tf)
**                      SC_KEY_BI(a, b)    two adjacent characters, not
**                                         across '\n' (doc, tf, positions)
** A document is one sequence of normalised code points: title '\n' body;
** positions count code points of it from 0.
*/
#ifndef SC_INDEX_SEG_H
#define SC_INDEX_SEG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

#define SC_KEY_UNI(cp) ((uint64_t)(cp))
#define SC_KEY_TUNI(cp) ((1ull << 42) | (uint64_t)(cp))
#define SC_KEY_BI(a, b) ((2ull << 42) | ((uint64_t)(a) << 21) | (uint64_t)(b))
#define SC_KEY_POSITIONAL(k) (((k) >> 42) == 2)

#define SC_BLOCK 128             /* documents per posting block */
#define SC_DOC_END UINT32_MAX    /* iterator exhausted */

/* Per-document columns, as given to the writer. */
typedef struct sc_docmeta {
    int64_t num;                 /* the store's number */
    uint32_t len, title_len;     /* normalised code points: all, title */
    int32_t year, date;          /* date as YYYYMMDD (0 unknown) */
    const char *type, *source, *id;   /* never NULL ("" if unknown) */
    uint64_t text_at;            /* the store's texts file offset (sc_doc.text_at), 0 unknown */
} sc_docmeta;

/* A packed integer column (described in index_seg.c): value i is
** base + the i-th width-bit field (+ i when linear), or, for a table
** column, entry (field) of a table of 2^width values.  Reads are O(1) and
** stay inside the mapping whatever the bytes (sc_seg_open checks the
** column's extent; the table has an entry for every width-bit field). */
typedef struct sc_col {
    const uint8_t *bits, *table;   /* table: NULL, or 2^width i64 values */
    uint64_t base, mask, linear;   /* mask: width low bits; linear: 0 or 1 */
    uint32_t width;
} sc_col;

static inline int64_t sc_col_get(const sc_col *c, uint32_t i)
{
    uint64_t bit = (uint64_t)i * c->width, x;
    memcpy(&x, c->bits + (bit >> 3), 8);
    x = (x >> (bit & 7)) & c->mask;
    if (c->table) { int64_t v; memcpy(&v, c->table + 8 * x, 8); return v; }
    return (int64_t)(c->base + x + c->linear * i);   /* modular, never UB */
}

/* The per-document columns of a segment (index into sc_seg.col). */
enum { SC_COL_NUM, SC_COL_LEN, SC_COL_TITLE_LEN, SC_COL_YEAR, SC_COL_DATE, SC_COL_TYPE,
       SC_COL_SOURCE, SC_COL_ID_PAT, SC_COL_ID_NUM, SC_COL_TEXT_AT /* format 4 */, SC_N_COLS };

/* A mapped segment.  Refcounted: sc_seg_ref / sc_seg_release.  num and len
** are decoded from their columns at open (index.c, the merge, the posting
** decoder and BM25 index them as arrays); the other columns are read in
** place through the accessors below. */
typedef struct sc_seg {
    atomic_int refs;
    uint32_t no;                 /* seg-NNNNNN.sxs */
    uint32_t version;            /* of its format (index_seg.c) */
    char *path;
    const uint8_t *map;
    size_t size;
    uint32_t n_docs;
    uint64_t n_terms, total_len;
    const int64_t *num;          /* n_docs, on the heap */
    const uint32_t *len;         /* n_docs, on the heap */
    sc_col col[SC_N_COLS];
    const char *strings;
    uint64_t strings_len;
    const uint8_t *post, *dict, *index;
    uint64_t post_len, dict_len, n_blocks;
} sc_seg;

int sc_seg_open(const char *path, uint32_t no, sc_seg **out, sc_err *err);
void sc_seg_ref(sc_seg *s);
void sc_seg_release(sc_seg *s);
/* Verifies checksums, the columns, and the order of the dictionary and
** postings. */
int sc_seg_check(const sc_seg *s, sc_err *err);
static inline const char *sc_seg_str(const sc_seg *s, uint64_t off)
{
    return off < s->strings_len ? s->strings + off : "";
}

/* Document d's columns (d < n_docs). */
static inline uint32_t sc_seg_title_len(const sc_seg *s, uint32_t d) { return (uint32_t)sc_col_get(&s->col[SC_COL_TITLE_LEN], d); }
static inline int32_t sc_seg_year(const sc_seg *s, uint32_t d) { return (int32_t)sc_col_get(&s->col[SC_COL_YEAR], d); }
static inline int32_t sc_seg_date(const sc_seg *s, uint32_t d) { return (int32_t)sc_col_get(&s->col[SC_COL_DATE], d); }
static inline const char *sc_seg_type(const sc_seg *s, uint32_t d) { return sc_seg_str(s, (uint64_t)sc_col_get(&s->col[SC_COL_TYPE], d)); }
static inline const char *sc_seg_source(const sc_seg *s, uint32_t d) { return sc_seg_str(s, (uint64_t)sc_col_get(&s->col[SC_COL_SOURCE], d)); }
/* 0 when not known (formats before 4, documents of old libraries). */
static inline uint64_t sc_seg_text_at(const sc_seg *s, uint32_t d) { return (uint64_t)sc_col_get(&s->col[SC_COL_TEXT_AT], d); }
/* Document d's id: in buf (SC_SEG_ID_BUF bytes) when made from a pattern,
** else in the mapping; valid while both are. */
#define SC_SEG_ID_BUF 96
const char *sc_seg_id(const sc_seg *s, uint32_t d, char *buf);

/* A term's postings within a segment. */
typedef struct sc_term {
    uint64_t key;
    uint32_t df;
    const uint8_t *p;
    uint64_t len;
    const uint32_t *lens;        /* the segment's doc lengths (positions) */
    uint32_t n_docs;
    int pos_groups;              /* its blocks say where position groups start (format 3) */
} sc_term;

/* Finds key; returns 1 and fills *t, or 0. */
int sc_seg_term(const sc_seg *s, uint64_t key, sc_term *t);

/* Walks the dictionary in key order (for merges and checks). */
typedef struct sc_dictcur {
    const sc_seg *s;
    uint64_t block, in_block, post_off;
    const uint8_t *p, *end;
    sc_term t;
    int done, bad;
} sc_dictcur;
void sc_dictcur_start(sc_dictcur *c, const sc_seg *s);
int sc_dictcur_next(sc_dictcur *c);   /* 1: c->t is the next term; 0: end */

/* Iterator over one term's postings. */
typedef struct sc_postit {
    const uint8_t *skip, *blocks, *end;
    uint32_t skip_wd, skip_wo;    /* bits of a skip entry's last doc, end */
    uint32_t df, nblocks, blk;    /* blk: the block loaded (nblocks = none) */
    uint32_t n, i;                /* docs in the loaded block, index */
    uint32_t dn, dk, last;        /* docs decoded so far, their Rice parameter, the block's last doc */
    uint64_t dbit, dval;          /* where the next doc gap starts; the doc before it */
    uint32_t doc;                 /* current doc or SC_DOC_END */
    int positional, tfs_ready, bad;
    uint32_t pos_done;            /* docs of the block whose positions are decoded */
    const uint8_t *bs;            /* the loaded block's bit stream */
    uint64_t limit, tf_bit, pos_bit;  /* its bits; where tfs, positions start */
    uint64_t pos_next;            /* where the positions of doc pos_done start */
    int pos_groups;               /* sc_term.pos_groups */
    uint32_t group_w;             /* bits of a group's start in the block's table, 0: none */
    uint64_t group_at;            /* where that table starts */
    const uint32_t *lens;
    uint32_t n_docs;
    uint32_t docs[SC_BLOCK], tfs[SC_BLOCK], poff[SC_BLOCK + 1];
    uint32_t *pos;
    size_t pos_cap;
} sc_postit;

void sc_postit_init(sc_postit *it, const sc_term *t);
void sc_postit_free(sc_postit *it);
uint32_t sc_postit_next(sc_postit *it);            /* first call: first doc */
uint32_t sc_postit_advance(sc_postit *it, uint32_t target); /* first doc >= target */
/* The tfs of a block are decoded when first asked for: an iterator that
** only advances past a block never needs them.  On damage it->bad is set
** and tf reads as 1. */
uint32_t sc_postit_tf_load(sc_postit *it);
static inline uint32_t sc_postit_tf(sc_postit *it) { return it->tfs_ready ? it->tfs[it->i] : sc_postit_tf_load(it); }
/* Positions of the current doc (positional terms); NULL on damage. */
const uint32_t *sc_postit_positions(sc_postit *it, uint32_t *n);

/* Where a term's postings bytes go, in bits (for `bench/seg_stats`). */
typedef struct sc_post_bits {
    uint64_t small;               /* lists of df <= 3, whole */
    uint64_t skip, docs, tfs;     /* skip tables; doc gaps, tf - 1 (with parameters) */
    uint64_t pos_first, pos_rest; /* first position of each doc; the others and padding */
} sc_post_bits;
/* Adds t's postings to *b; returns -1 if they are damaged. */
int sc_postit_bits(sc_postit *it, const sc_term *t, sc_post_bits *b);

/* Writer.  Call docs once, then term for every key in ascending order,
** then finish (or abort). */
typedef struct sc_segw sc_segw;
int sc_segw_open(const char *path, sc_segw **out, sc_err *err);
int sc_segw_docs(sc_segw *w, const sc_docmeta *d, uint32_t n, sc_err *err);
/* pos: for positional keys, sum(tfs) positions, per doc ascending. */
int sc_segw_term(sc_segw *w, uint64_t key, const uint32_t *docs, const uint32_t *tfs,
                 uint32_t n, const uint32_t *pos, sc_err *err);
int sc_segw_finish(sc_segw *w, sc_err *err);    /* fsyncs; frees w */
void sc_segw_abort(sc_segw *w);                 /* unlinks; frees w */

/* LEB128 helpers shared with index_buffer.c. */
static inline uint8_t *sc_put_varint(uint8_t *p, uint32_t v)
{
    while (v >= 0x80) { *p++ = (uint8_t)(v | 0x80); v >>= 7; }
    *p++ = (uint8_t)v;
    return p;
}
static inline const uint8_t *sc_get_varint(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    uint32_t x = 0;
    for (int sh = 0; sh < 35; sh += 7) {
        if (p >= end) return NULL;
        uint8_t b = *p++;
        x |= (uint32_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) { *v = x; return p; }
    }
    return NULL;
}

#endif
