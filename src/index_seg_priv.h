/*
** index_seg_priv.h — what the three files of the segment format share:
** index_seg.c (the format, opening and validating a segment, the
** dictionary, the check), index_postings.c (the posting iterator: decoding)
** and index_seg_write.c (the writer: encoding).  Internal to those three
** (and to the tests and fuzz_seg, which damage segments); everyone else
** uses index_seg.h.
**
** The constants are part of the on-disk format described at the top of
** index_seg.c; changing one changes the format.
*/
#ifndef SC_INDEX_SEG_PRIV_H
#define SC_INDEX_SEG_PRIV_H

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "index_seg.h"

#define SC_SEG_MAGIC "SCXSEG01"
#define SC_SEG_VERSION 4u
#define SC_SEG_VERSION_OLDEST 2u  /* still read: its blocks have no position groups */
#define SC_SEG_POS_GROUP 32       /* format 3: where every 32nd doc's positions start */
/* The format sc_segw writes: SC_SEG_VERSION, except in tests that make a
** segment of the oldest format still read. */
extern uint32_t sc_segw_version;
#define SC_SEG_HDR 128
#define SC_SEG_POST_PAD 64
#define SC_SEG_SMALL_DF 3       /* lists this short are one bit stream */
_Static_assert(SC_SEG_SMALL_DF == 3, "a dictionary entry tags df 1..3 in 2 bits");

/* Document columns (described in index_seg.c). */
#define SC_SEG_COL_DIR 24       /* bytes of a column's directory entry */
/* Columns a segment of format v has: formats before 4 lack text_at. */
static inline int sc_seg_n_cols(uint32_t v) { return v >= 4 ? SC_N_COLS : SC_COL_TEXT_AT; }
#define SC_SEG_COL_FOR 0        /* base + field */
#define SC_SEG_COL_LINEAR 1     /* base + field + doc index */
#define SC_SEG_COL_TABLE 2      /* table[field] */
#define SC_SEG_ID_DIGITS 15     /* an id's number: at most this many digits */
#define SC_SEG_ID_PREFIX 64     /* and a prefix of at most this many bytes */
_Static_assert(SC_SEG_ID_PREFIX + SC_SEG_ID_DIGITS + 1 <= SC_SEG_ID_BUF, "id buffer");

/* Value arrays (Golomb-Rice codes, described in index_seg.c). */
#define SC_SEG_RICE_CHUNK 128
#define SC_SEG_RICE_ESC 24

/* Makes the checksums of a whole segment image b[0..size) right again (the
** header's of [0, 124) at 124, the trailer's of [128, size - 16) at
** size - 16): for tests and fuzz_seg, so that what reads a damaged segment
** meets the damage itself. */
static inline void sc_seg_reseal(uint8_t *b, size_t size)
{
    uint32_t crc = (uint32_t)crc32(0, b, SC_SEG_HDR - 4);
    memcpy(b + SC_SEG_HDR - 4, &crc, 4);
    crc = (uint32_t)crc32(0, b + SC_SEG_HDR, (uInt)(size - 16 - SC_SEG_HDR));
    memcpy(b + size - 16, &crc, 4);
}

static inline uint64_t sc_seg_rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t sc_seg_rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Bits needed for a value below len (a doc number below n_docs). */
static inline uint32_t sc_seg_pos_width(uint32_t len) { return len > 1 ? 32 - (uint32_t)__builtin_clz(len - 1) : 0; }

/* Bits needed for a value up to v. */
static inline uint32_t sc_seg_bits_for(uint64_t v) { return v ? 64 - (uint32_t)__builtin_clzll(v) : 0; }

/* Bytes of a skip table of nb entries of wd + wo bits. */
static inline uint64_t sc_seg_skip_bytes(uint32_t nb, uint32_t wd, uint32_t wo) { return ((uint64_t)nb * (wd + wo) + 7) / 8; }

/* The Rice parameter for the gaps after a pair's first position p0 in a
** document of len characters with tf positions: log2 of the mean gap the
** rest of the document leaves (p0 <= len - 2, tf >= 1). */
static inline uint32_t sc_seg_gap_k(uint32_t len, uint32_t p0, uint32_t tf)
{
    /* floor(log2(span / tf)) (0 if span < tf) without a division or a
       branch (the decoder runs it for every document): it is a - b or
       a - b - 1 for a = floor(log2 span), b = floor(log2 tf) */
    uint32_t span = len - 2 - p0;
    int32_t d = (int32_t)(31 - (uint32_t)__builtin_clz(span | 1)) - (int32_t)(31 - (uint32_t)__builtin_clz(tf));
    uint32_t k = (uint32_t)(d & ~(d >> 31));                      /* max(d, 0) */
    return k - ((k > 0) & ((uint64_t)tf << k > span));
}

#endif
