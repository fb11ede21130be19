/*
** index_seg.c — segment files `index/seg-NNNNNN.sxs`, written once, then
** only mapped (mmap) and read.  All integers little-endian.
**
**   [0,128)   header: "SCXSEG01", u32 version (1), u32 n_docs, u64 n_terms,
**             u64 strings_off, strings_len, post_off, post_len, dict_off,
**             dict_len, index_off, n_blocks, total_len (sum of doc lengths),
**             ..., u32 crc32 of bytes [0,124) at 124
**   docs      columns of n_docs each: i64 num; u32 len; u32 title_len;
**             i32 year; i32 date; u32 type_off; u32 source_off; u32 id_off
**             (offsets into strings; NUL-terminated): 36 bytes a doc
**   strings   the string blob (types and sources deduplicated)
**   postings  per term, in key order.  A list of df <= 3 documents is
**             one bit stream: per doc its number in ceil(log2(n_docs))
**             bits, tf-1 in unary, [positions in ceil(log2(len)) bits].  Longer lists: if df > 128, a skip table of
**             ceil(df/128) entries {u32 last_doc, u32 end} (end: offset of
**             the block's end from the first block); then the blocks.  A
**             block of n <= 128 docs: doc gaps (the first from the
**             previous block's last doc, or from 0), tf-1, then (if
**             positional) positions to the block's end: a byte k, then
**             per doc its first position in ceil(log2(len)) bits (len from
**             the doc column: the first position is uniform, this is its
**             entropy) and the next ones as Rice(k) codes of gap - 1.  The
**             doc and tf arrays are Golomb-Rice coded (below) and know
**             their own length.  64 bytes of padding follow
**             the postings so that decoders never read past the mapping.
**   dict      blocks of 64 terms: per term varint64 key gap (0 for the
**             first), varint df, varint64 postings bytes
**   index     per dict block {u64 first_key, u64 dict_off, u64 post_off}
**   trailer   u32 crc32 of [128, trailer), "SEGE", u64 file size
** Sections start at multiples of 8 so the columns can be used in place.
** Every length read from the file is checked before use: a damaged file
** yields SC_EINDEX or an empty result, never a read outside the mapping.
*/

/* ---- value arrays: Golomb-Rice codes ------------------------------------ */

/* An array of n values: one byte k (0..31) for every chunk of 128 values,
** then one bit stream (LSB first) where each value v is q = v >> k zeros,
** a one, and the low k bits of v; when q >= ESC, ESC zeros and a one are
** followed by v in 32 bits.  k is chosen per chunk to minimise its size.
** Rice codes suit gaps (doc gaps, tf-1, position gaps): on the news corpus
** they take 2.9x less space than streamvbyte and 20% less than plain bit
** packing, and decode at a few ns a value with one ctz per value.
** Readers load 8 bytes at a time: the 64 bytes of padding after the
** postings keep those loads inside the mapping.  The decoder is in
** index_postings.c, the encoder in index_seg_write.c. */

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

int sc_seg_open(const char *path, uint32_t no, sc_seg **out, sc_err *err)
{
    *out = NULL;
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
    const uint8_t *h = m;
    sc_seg *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        munmap(m, size);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    atomic_init(&s->refs, 1);
    s->no = no;
    s->map = h;
    s->size = size;
    const char *why = NULL;
    if (memcmp(h, SC_SEG_MAGIC, 8) || sc_seg_rd32(h + 8) != SC_SEG_VERSION) why = "bad magic or version";
    else if (sc_seg_rd32(h + 124) != (uint32_t)crc32(0, h, 124)) why = "header checksum";
    else if (sc_seg_rd64(h + size - 8) != size || memcmp(h + size - 12, "SEGE", 4)) why = "bad trailer";
    if (!why) {
        s->n_docs = sc_seg_rd32(h + 12);
        s->n_terms = sc_seg_rd64(h + 16);
        uint64_t so = sc_seg_rd64(h + 24), sl = sc_seg_rd64(h + 32), po = sc_seg_rd64(h + 40), pl = sc_seg_rd64(h + 48);
        uint64_t dof = sc_seg_rd64(h + 56), dl = sc_seg_rd64(h + 64), io = sc_seg_rd64(h + 72), nb = sc_seg_rd64(h + 80);
        s->total_len = sc_seg_rd64(h + 88);
        uint64_t docs_end = SC_SEG_HDR + (uint64_t)s->n_docs * 36;
        uint64_t lim = size - 16;
        if (docs_end > so || so + sl > po || sl > lim || po + pl + SC_SEG_POST_PAD > dof || pl > lim ||
            dof + dl > io || dl > lim || nb > lim / 24 || io + nb * 24 > lim || so % 8 || io % 8)
            why = "section table";
        else {
            uint64_t n = s->n_docs;
            s->num = (const int64_t *)(h + SC_SEG_HDR);
            s->len = (const uint32_t *)(h + SC_SEG_HDR + 8 * n);
            s->title_len = s->len + n;
            s->year = (const int32_t *)(s->title_len + n);
            s->date = s->year + n;
            s->type_off = (const uint32_t *)(s->date + n);
            s->source_off = s->type_off + n;
            s->id_off = s->source_off + n;
            s->strings = (const char *)h + so;
            s->strings_len = sl;
            if (sl && s->strings[sl - 1] != '\0') why = "strings";
            s->post = h + po;
            s->post_len = pl;
            s->dict = h + dof;
            s->dict_len = dl;
            s->index = h + io;
            s->n_blocks = nb;
        }
    }
    if (why) {
        int rc = bad(err, path, why);
        sc_seg_release(s);
        return rc;
    }
    *out = s;
    return SC_OK;
}

void sc_seg_ref(sc_seg *s) { atomic_fetch_add(&s->refs, 1); }

void sc_seg_release(sc_seg *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    munmap((void *)s->map, s->size);
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
    uint64_t gap, len;
    uint32_t df;
    const uint8_t *q = get_varint64(*p, end, &gap);
    if (q) q = sc_get_varint(q, end, &df);
    if (q) q = get_varint64(q, end, &len);
    if (!q || (first && gap) || *post > s->post_len || len > s->post_len - *post) return 0;
    *key += gap;
    t->key = *key;
    t->df = df;
    t->lens = s->len;
    t->n_docs = s->n_docs;
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

int sc_seg_check(const sc_seg *s, sc_err *err)
{
    const uint8_t *p = s->map + SC_SEG_HDR;
    size_t left = s->size - 16 - SC_SEG_HDR;
    uLong crc = crc32(0, NULL, 0);
    while (left) {
        uInt n = left > (1u << 30) ? (1u << 30) : (uInt)left;
        crc = crc32(crc, p, n);
        p += n;
        left -= n;
    }
    if ((uint32_t)crc != sc_seg_rd32(s->map + s->size - 16)) return bad(err, s->path, "checksum mismatch");
    for (uint32_t i = 0; i < s->n_docs; i++)
        if (s->type_off[i] >= s->strings_len || s->source_off[i] >= s->strings_len || s->id_off[i] >= s->strings_len)
            return bad(err, s->path, "string offset");
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
