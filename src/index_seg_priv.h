/*
** index_seg_priv.h — what the three files of the segment format share:
** index_seg.c (the format, opening and validating a segment, the
** dictionary, the check), index_postings.c (the posting iterator: decoding)
** and index_seg_write.c (the writer: encoding).  Internal to those three;
** everyone else uses index_seg.h.
**
** The constants are part of the on-disk format described at the top of
** index_seg.c; changing one changes the format.
*/
#ifndef SC_INDEX_SEG_PRIV_H
#define SC_INDEX_SEG_PRIV_H

#include <stdint.h>
#include <string.h>

#include "index_seg.h"

#define SC_SEG_MAGIC "SCXSEG01"
#define SC_SEG_VERSION 2u
#define SC_SEG_HDR 128
#define SC_SEG_POST_PAD 64
#define SC_SEG_SMALL_DF 3       /* lists this short are one bit stream */

/* Document columns (described in index_seg.c). */
#define SC_SEG_COL_DIR 24       /* bytes of a column's directory entry */
#define SC_SEG_COL_FOR 0        /* base + field */
#define SC_SEG_COL_LINEAR 1     /* base + field + doc index */
#define SC_SEG_COL_TABLE 2      /* table[field] */
#define SC_SEG_ID_DIGITS 15     /* an id's number: at most this many digits */
#define SC_SEG_ID_PREFIX 64     /* and a prefix of at most this many bytes */
_Static_assert(SC_SEG_ID_PREFIX + SC_SEG_ID_DIGITS + 1 <= SC_SEG_ID_BUF, "id buffer");

/* Value arrays (Golomb-Rice codes, described in index_seg.c). */
#define SC_SEG_RICE_CHUNK 128
#define SC_SEG_RICE_ESC 24

static inline uint64_t sc_seg_rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t sc_seg_rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Bits needed for a position in a document of len characters. */
static inline uint32_t sc_seg_pos_width(uint32_t len) { return len > 1 ? 32 - (uint32_t)__builtin_clz(len - 1) : 0; }

#endif
