/*
** index_seg.c — segment files `index/seg-NNNNNN.sxs`, written once, then
** only mapped (mmap) and read.  All integers little-endian.
**
**   [0,128)   header: "SCXSEG01", u32 version (4; 2 and 3 are still read),
**             u32 n_docs, u64 n_terms,
**             u64 strings_off, strings_len, post_off, post_len, dict_off,
**             dict_len, index_off, n_blocks, total_len (sum of doc lengths),
**             ..., u32 crc32 of bytes [0,124) at 124
**   docs      [128, strings_off): the per-document columns, in the order
**             num, len, title_len, year, date, type, source, id_pat, id_num,
**             text_at (SC_COL_*; formats 2 and 3 end before text_at, read
**             as 0: not known).  First a directory of one entry a column
**             (10, or 9 before format 4) {u32 kind, u32
**             width, i64 base, u64 off (from 128, a multiple of 8)}, then
**             each column's data at its off: for kind 2 (table) a table of
**             2^width i64 values, then n_docs fields of width bits (LSB
**             first), then at least 8 bytes of padding for 8-byte loads.
**             Document i's value is base + field (kind 0), base + field +
**             i (kind 1: dense ascending numbers take no bits) or
**             table[field] (kind 2: few distinct values, or a range too
**             wide for 56 bits); the writer picks the smallest.  width <= 56
**             (<= 32 for tables); the len column has width >= 8, so n_docs
**             is bounded by the file's size.  type and source are offsets
**             into strings.  An id is id_pat = prefix offset << 5 | digits
**             and id_num, printed as the prefix and the number in exactly
**             `digits` digits ("poetry-000123": "poetry-", 6, 123; digits
**             <= 15, prefix <= 64 bytes); digits 0: id_num is the offset
**             of the whole id in strings.  On the whole corpus: 5 bytes a
**             document, where fixed columns took 36 and the ids 14 more.
**   strings   NUL-terminated strings, each once; offset 0 is ""
**   postings  per term, in key order, each a bit stream or a few (codes
**             below), ending at a byte boundary:
**             df <= 3: per doc d, d - base in truncated binary over n_docs -
**             base (base: the previous doc + 1, or 0), tf - 1 in unary,
**             [positions].
**             df > 3: if df > 128, a skip table: ceil(df/128) blocks' last
**             docs in ceil(log2(n_docs)) bits, then their ends (bytes from
**             the first block to the block's end) in bits_for(the term's
**             postings bytes) bits, both packed, the table rounded up to a
**             byte; then the blocks.  A block of n <= 128 docs is one
**             stream: a 5-bit k and n Rice(k) doc gaps (the first doc minus
**             base: the previous block's last doc + 1, or 0; then each doc
**             minus the previous one minus 1), a 5-bit k and n Rice(k) tf -
**             1, then for pairs: (format 3, n > 32) the position groups, a
**             5-bit w and, unless w is 0, for g = 1 .. (n - 1) / 32 where
**             doc 32 g's positions start in w bits, counted from the first
**             doc's; then the docs' [positions].  A doc's positions are so
**             found by decoding at most 31 docs' before them instead of up
**             to 127 (format 2 has no groups).
**             [positions] of a doc of len characters (len from the doc
**             column), each < len - 1: the first in ceil(log2(len - 1))
**             bits, the next ones as Rice(k) codes of gap - 1 where k =
**             floor(log2((len - 2 - first) / tf)) (sc_seg_gap_k): the rest
**             of the document spread over the remaining positions, so no
**             parameter is stored.
**             64 bytes of padding follow the postings so that decoders'
**             8-byte loads never leave the mapping.
**   dict      blocks of 64 terms: per term varint64 key gap (0 for the
**             first), varint64 (postings bytes << 2 | df) for df <= 3, else
**             varint64 (postings bytes << 2) and varint (df - 4)
**   index     per dict block {u64 first_key, u64 dict_off, u64 post_off}
**   trailer   u32 crc32 of [128, trailer), "SEGE", u64 file size
** Sections start at multiples of 8 so the columns can be used in place.
** Every length read from the file is checked before use: a damaged file
** yields SC_EINDEX or an empty result, never a read outside the mapping.
**
** Format 3 against format 2, whole corpus: 251.2 -> 253.1 MB; the 120
** benchmark queries around the median decode 349,000 positions instead of
** 588,000 (and the same 371,000 tfs).
**
** Format 2 against format 1, whole corpus (474,469 documents, 268 MB of
** text, 5 segments): 289.0 -> 253.0 MB.  Doc columns and strings 23.6 ->
** 2.3 MB; dictionary 16.9 -> 13.7 MB (df folded into the length);
** postings 246.6 -> 235.1 MB: one stream a block instead of three arrays
** with a byte k each and each padded (about 2 bytes a block), doc gaps
** minus 1 (dense lists), position gap parameters derived instead of
** stored and fitting each document, skip tables packed (5.3 -> 2.5 MB).
** bench/seg_stats prints the parts.
*/

/* ---- codes -------------------------------------------------------------- */

/* Bit streams are LSB first.  Rice(k) codes v as q = v >> k zeros, a one,
** and the low k bits of v; when q >= ESC (24), ESC zeros and a one are
** followed by v in 32 bits.  The writer picks k per block to minimise its
** size.  Rice codes suit gaps (doc gaps, tf-1, position gaps): on the news
** corpus they took 2.9x less space than streamvbyte and 20% less than plain
** bit packing, and decode at a few ns a value with one ctz per value.
** Truncated binary codes v < n in k = floor(log2 n) bits when v < u =
** 2^(k+1) - n, else v + u in k + 1 bits (high k bits first).  Readers load
** 8 bytes at a time; the padding after the postings keeps those loads
** inside the mapping.  The decoder is in index_postings.c, the encoder in
** index_seg_write.c. */

/* This file: opening, mapping and validating a segment (sc_seg_open), the
** term dictionary (sc_seg_term, sc_dictcur_*) and the full check
** (sc_seg_check).  The posting iterator is in index_postings.c, the writer
** in index_seg_write.c; index_seg_priv.h holds the constants they share. */
#include "index_seg_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

static const uint8_t *get_varint64(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int sh = 0; sh < 70; sh += 7) {
        if (p >= end) return NULL;
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) { *v = x; return p; }
    }
    return NULL;
}

/* ---- reader ------------------------------------------------------------ */

static int bad(sc_err *err, const char *path, const char *what)
{
    return sc_err_set(err, SC_EINDEX, "%s: damaged segment (%s); run `sucai index rebuild`", path, what);
}

/* Maps path read-only into a new segment (refcount 1). */
static int map_seg(const char *path, uint32_t no, sc_seg **out, sc_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        sc_err_set(err, e == ENOENT ? SC_ENOTFOUND : SC_EIO, "%s: %s", path, strerror(e));
        return e == ENOENT ? SC_ENOTFOUND : SC_EIO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) { close(fd); return sc_err_set(err, SC_EIO, "%s: %s", path, strerror(errno)); }
    size_t size = (size_t)sb.st_size;
    if (size < SC_SEG_HDR + 16) { close(fd); return bad(err, path, "too short"); }
    void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return sc_err_set(err, SC_EIO, "%s: mmap: %s", path, strerror(errno));
    sc_seg *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        munmap(m, size);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    atomic_init(&s->refs, 1);
    s->no = no;
    s->map = m;
    s->size = size;
    *out = s;
    return SC_OK;
}

/* Column c's directory entry and extent within the docs section
** [SC_SEG_HDR, strings_off); NULL if it is sound, else what is wrong. */
static const char *open_col(sc_seg *s, int c, uint64_t sec_len)
{
    const uint8_t *sec = s->map + SC_SEG_HDR, *e = sec + SC_SEG_COL_DIR * c;
    uint32_t kind = sc_seg_rd32(e), width = sc_seg_rd32(e + 4);
    uint64_t off = sc_seg_rd64(e + 16);
    if (kind > SC_SEG_COL_TABLE || width > (kind == SC_SEG_COL_TABLE ? 32u : 56u)) return "column kind";
    uint64_t table = kind == SC_SEG_COL_TABLE ? 8ull << width : 0;
    uint64_t need = table + ((uint64_t)s->n_docs * width + 7) / 8 + 8;
    if (off % 8 || off < (uint64_t)SC_SEG_COL_DIR * sc_seg_n_cols(s->version) || off > sec_len || need > sec_len - off)
        return "column extent";
    if (c == SC_COL_LEN && s->n_docs && width < 8) return "length column";  /* bounds n_docs by the file */
    sc_col *col = &s->col[c];
    col->table = table ? sec + off : NULL;
    col->bits = sec + off + table;
    col->base = sc_seg_rd64(e + 8);
    col->width = width;
    col->mask = width ? ~0ull >> (64 - width) : 0;
    col->linear = kind == SC_SEG_COL_LINEAR;
    return NULL;
}

/* Decodes the num and len columns onto the heap. */
static const char *decode_arrays(sc_seg *s)
{
    int64_t *num = malloc(((size_t)s->n_docs + 1) * sizeof *num);
    uint32_t *len = malloc(((size_t)s->n_docs + 1) * sizeof *len);
    s->num = num;
    s->len = len;
    if (!num || !len) return "out of memory";
    for (uint32_t i = 0; i < s->n_docs; i++) {
        num[i] = sc_col_get(&s->col[SC_COL_NUM], i);
        len[i] = (uint32_t)sc_col_get(&s->col[SC_COL_LEN], i);
    }
    return NULL;
}

/* Checks the header and section table and points s at the sections. */
static const char *open_sections(sc_seg *s)
{
    const uint8_t *h = s->map;
    size_t size = s->size;
    if (memcmp(h, SC_SEG_MAGIC, 8)) return "bad magic";
    if (sc_seg_rd32(h + 124) != (uint32_t)crc32(0, h, 124)) return "header checksum";
    s->version = sc_seg_rd32(h + 8);
    if (s->version < SC_SEG_VERSION_OLDEST || s->version > SC_SEG_VERSION) return "version";
    if (sc_seg_rd64(h + size - 8) != size || memcmp(h + size - 12, "SEGE", 4)) return "bad trailer";
    s->n_docs = sc_seg_rd32(h + 12);
    s->n_terms = sc_seg_rd64(h + 16);
    uint64_t so = sc_seg_rd64(h + 24), sl = sc_seg_rd64(h + 32), po = sc_seg_rd64(h + 40), pl = sc_seg_rd64(h + 48);
    uint64_t dof = sc_seg_rd64(h + 56), dl = sc_seg_rd64(h + 64), io = sc_seg_rd64(h + 72), nb = sc_seg_rd64(h + 80);
    s->total_len = sc_seg_rd64(h + 88);
    uint64_t lim = size - 16;
    int n_cols = sc_seg_n_cols(s->version);
    if (so > lim || so < SC_SEG_HDR + (uint64_t)SC_SEG_COL_DIR * n_cols || sl > lim || so + sl > po || pl > lim ||
        po + pl + SC_SEG_POST_PAD > dof || dl > lim || dof + dl > io || nb > lim / 24 || io + nb * 24 > lim || so % 8 || io % 8)
        return "section table";
    for (int c = 0; c < n_cols; c++) {
        const char *why = open_col(s, c, so - SC_SEG_HDR);
        if (why) return why;
    }
    static const uint8_t zeros[8];
    for (int c = n_cols; c < SC_N_COLS; c++) s->col[c] = (sc_col){zeros, NULL, 0, 0, 0, 0};
    s->strings = (const char *)h + so;
    s->strings_len = sl;
    if (sl && s->strings[sl - 1] != '\0') return "strings";
    s->post = h + po;
    s->post_len = pl;
    s->dict = h + dof;
    s->dict_len = dl;
    s->index = h + io;
    s->n_blocks = nb;
    return decode_arrays(s);
}

int sc_seg_open(const char *path, uint32_t no, sc_seg **out, sc_err *err)
{
    *out = NULL;
    sc_seg *s = NULL;
    int rc = map_seg(path, no, &s, err);
    if (rc) return rc;
    const char *why = open_sections(s);
    if (why) {
        uint32_t v = sc_seg_rd32(s->map + 8);
        if (!strcmp(why, "out of memory")) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        else if (!strcmp(why, "version") && v < SC_SEG_VERSION_OLDEST)
            rc = sc_err_set(err, SC_EINDEX, "%s: index format %u was written by an older sucai (this one reads formats "
                            "%u to %u); run `sucai index rebuild`", path, v, SC_SEG_VERSION_OLDEST, SC_SEG_VERSION);
        else if (!strcmp(why, "version"))
            rc = sc_err_set(err, SC_EINDEX, "%s: index format %u was written by a newer sucai (this one reads formats "
                            "%u to %u)", path, v, SC_SEG_VERSION_OLDEST, SC_SEG_VERSION);
        else rc = bad(err, path, why);
        sc_seg_release(s);
        return rc;
    }
    *out = s;
    return SC_OK;
}

/* Document d's id: a pattern column value (prefix offset << 5 | digits)
** and a number, or (digits 0) the offset of the whole id in strings. */
const char *sc_seg_id(const sc_seg *s, uint32_t d, char *buf)
{
    uint64_t pat = (uint64_t)sc_col_get(&s->col[SC_COL_ID_PAT], d), num = (uint64_t)sc_col_get(&s->col[SC_COL_ID_NUM], d);
    uint32_t digits = (uint32_t)(pat & 31);
    if (!digits) return sc_seg_str(s, num);
    if (digits > SC_SEG_ID_DIGITS) return "";
    const char *prefix = sc_seg_str(s, pat >> 5);
    size_t n = strnlen(prefix, SC_SEG_ID_PREFIX);
    memcpy(buf, prefix, n);
    for (uint32_t j = digits; j-- > 0; num /= 10) buf[n + j] = (char)('0' + num % 10);
    buf[n + digits] = '\0';
    return buf;
}

void sc_seg_ref(sc_seg *s) { atomic_fetch_add(&s->refs, 1); }

void sc_seg_release(sc_seg *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    munmap((void *)s->map, s->size);
    free((void *)s->num);
    free((void *)s->len);
    free(s->path);
    free(s);
}

/* Dictionary block b's entries: [*p, *end), first key and postings base. */
static void dict_block(const sc_seg *s, uint64_t b, const uint8_t **p, const uint8_t **end,
                       uint64_t *first, uint64_t *post)
{
    const uint8_t *e = s->index + 24 * b;
    *first = sc_seg_rd64(e);
    uint64_t off = sc_seg_rd64(e + 8);
    uint64_t next = b + 1 < s->n_blocks ? sc_seg_rd64(e + 32) : s->dict_len;
    if (off > next || next > s->dict_len) off = next = 0;
    *p = s->dict + off;
    *end = s->dict + next;
    *post = sc_seg_rd64(e + 16);
}

/* Reads one dict entry at *p; returns 0 on damage. */
static int dict_entry(const sc_seg *s, const uint8_t **p, const uint8_t *end, uint64_t *key,
                      uint64_t *post, sc_term *t, int first)
{
    uint64_t gap, v, len;
    uint32_t df = 0;
    const uint8_t *q = get_varint64(*p, end, &gap);
    if (q) q = get_varint64(q, end, &v);
    if (q && !(v & 3)) q = sc_get_varint(q, end, &df);     /* a long list: df - 4 follows */
    if (!q || (first && gap)) return 0;
    if (v & 3) df = (uint32_t)(v & 3);
    else if (df > s->n_docs) return 0;
    else df += SC_SEG_SMALL_DF + 1;
    len = v >> 2;
    if (df > s->n_docs || *post > s->post_len || len > s->post_len - *post) return 0;
    *key += gap;
    t->key = *key;
    t->df = df;
    t->lens = s->len;
    t->n_docs = s->n_docs;
    t->pos_groups = s->version >= 3;
    t->p = s->post + *post;
    t->len = len;
    *post += len;
    *p = q;
    return 1;
}

int sc_seg_term(const sc_seg *s, uint64_t key, sc_term *t)
{
    if (!s->n_blocks) return 0;
    /* last block whose first key <= key */
    uint64_t lo = 0, hi = s->n_blocks;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (sc_seg_rd64(s->index + 24 * mid) <= key) lo = mid; else hi = mid;
    }
    const uint8_t *p, *end;
    uint64_t k, post;
    dict_block(s, lo, &p, &end, &k, &post);
    if (k > key) return 0;
    for (int i = 0; p < end; i++) {
        if (!dict_entry(s, &p, end, &k, &post, t, i == 0)) return 0;
        if (k == key) return 1;
        if (k > key) return 0;
    }
    return 0;
}

void sc_dictcur_start(sc_dictcur *c, const sc_seg *s)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->block = UINT64_MAX;
    c->done = s->n_blocks == 0;
}

int sc_dictcur_next(sc_dictcur *c)
{
    if (c->done) return 0;
    while (c->block == UINT64_MAX || c->p >= c->end) {
        c->block = c->block == UINT64_MAX ? 0 : c->block + 1;
        if (c->block >= c->s->n_blocks) { c->done = 1; return 0; }
        uint64_t first;
        dict_block(c->s, c->block, &c->p, &c->end, &first, &c->post_off);
        c->t.key = first;
        c->in_block = 0;
    }
    uint64_t key = c->t.key;
    if (!dict_entry(c->s, &c->p, c->end, &key, &c->post_off, &c->t, c->in_block == 0)) {
        c->bad = 1;
        c->done = 1;
        return 0;
    }
    c->in_block++;
    return 1;
}
/* ---- check ------------------------------------------------------------- */

/* Document d's id columns: a string offset, or a prefix and a number that
** fits its digits; returns 0 if not. */
static int id_ok(const sc_seg *s, uint32_t d)
{
    uint64_t pat = (uint64_t)sc_col_get(&s->col[SC_COL_ID_PAT], d), num = (uint64_t)sc_col_get(&s->col[SC_COL_ID_NUM], d);
    uint32_t digits = (uint32_t)(pat & 31);
    if (!digits) return num < s->strings_len;
    if (digits > SC_SEG_ID_DIGITS || (pat >> 5) >= s->strings_len) return 0;
    if (strnlen(s->strings + (pat >> 5), SC_SEG_ID_PREFIX + 1) > SC_SEG_ID_PREFIX) return 0;
    uint64_t lim = 1;
    for (uint32_t j = 0; j < digits; j++) lim *= 10;
    return num < lim;
}

/* The document columns: string offsets inside strings, ids well formed,
** titles within their documents, lengths adding up to the header's total. */
static const char *check_cols(const sc_seg *s)
{
    uint64_t total = 0;
    for (uint32_t d = 0; d < s->n_docs; d++) {
        if ((uint64_t)sc_col_get(&s->col[SC_COL_TYPE], d) >= s->strings_len ||
            (uint64_t)sc_col_get(&s->col[SC_COL_SOURCE], d) >= s->strings_len)
            return "string offset";
        if (!id_ok(s, d)) return "id";
        if (sc_seg_title_len(s, d) > s->len[d]) return "title length";
        total += s->len[d];
    }
    return total == s->total_len ? NULL : "document lengths";
}

int sc_seg_check(const sc_seg *s, sc_err *err)
{
    const uint8_t *p = s->map + SC_SEG_HDR;
    size_t left = s->size - 16 - SC_SEG_HDR;
    uint32_t crc = libdeflate_crc32(0, p, left);      /* zlib's CRC-32, faster */
    if (crc != sc_seg_rd32(s->map + s->size - 16)) return bad(err, s->path, "checksum mismatch");
    const char *why = check_cols(s);
    if (why) return bad(err, s->path, why);
    sc_dictcur dc;
    sc_dictcur_start(&dc, s);
    uint64_t prev = 0, n = 0;
    sc_postit it = {0};
    while (sc_dictcur_next(&dc)) {
        if (n && dc.t.key <= prev) { sc_postit_free(&it); return bad(err, s->path, "dictionary order"); }
        prev = dc.t.key;
        n++;
        sc_postit_init(&it, &dc.t);
        uint32_t docs = 0, last = 0;
        for (uint32_t d = sc_postit_next(&it); d != SC_DOC_END; d = sc_postit_next(&it)) {
            if ((docs && d <= last) || d >= s->n_docs) { sc_postit_free(&it); return bad(err, s->path, "posting order"); }
            last = d;
            docs++;
            if (!sc_postit_tf(&it) || it.bad) break;       /* decodes (and checks) the block's tfs */
            if (it.positional) {
                uint32_t np;
                const uint32_t *ps = sc_postit_positions(&it, &np);
                if (!ps || np != sc_postit_tf(&it)) { sc_postit_free(&it); return bad(err, s->path, "positions"); }
                for (uint32_t j = 0; j < np; j++)
                    if (ps[j] + 1 >= s->len[d] || (j && ps[j] <= ps[j - 1])) { sc_postit_free(&it); return bad(err, s->path, "position order"); }
            }
        }
        if (it.bad || docs != dc.t.df) { sc_postit_free(&it); return bad(err, s->path, "postings"); }
    }
    sc_postit_free(&it);
    if (dc.bad || n != s->n_terms) return bad(err, s->path, "dictionary");
    return SC_OK;
}
