/*
** index_seg_write.c — the segment writer (sc_segw_*, index_seg.h): writes
** one segment file in the format described at the top of index_seg.c, from
** the document columns and then every term's postings in key order, and
** fsyncs it.  Used by the index buffer's flush and by merges.  Holds the
** encoders (Golomb-Rice value arrays, bit streams); index_postings.c holds
** the matching decoders.
*/
#include "index_seg_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "buf.h"

#define DICT_BLOCK 64

static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static uint8_t *put_varint64(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) { *p++ = (uint8_t)(v | 0x80); v >>= 7; }
    *p++ = (uint8_t)v;
    return p;
}

struct sc_segw {
    char *path;
    FILE *f;
    uint64_t off;           /* bytes written */
    uint32_t crc;           /* of bytes from SC_SEG_HDR on */
    uint8_t hdr[SC_SEG_HDR];
    uint32_t n_docs;
    uint64_t n_terms, total_len, post_off, post_len;
    uint64_t last_key;
    sc_buf dict, index, tmp, skip;
    uint64_t in_block;
    uint32_t *lens;         /* doc lengths: position widths */
    int failed;
};

/* ---- postings: encoding ------------------------------------------------- */

typedef struct bitw { uint8_t *o; uint64_t acc; uint32_t fill; } bitw;

/* Whole 32-bit words go out at once: a byte at a time was a fifth of the
** segment writer.  The bytes are the same (little-endian bit order), and the
** room reserve_codes makes covers them. */
static void bw_put(bitw *w, uint64_t v, uint32_t nbits)   /* nbits <= 32, v < 2^nbits */
{
    w->acc |= v << w->fill;                  /* fill < 32: no bit is lost */
    w->fill += nbits;
    if (w->fill >= 32) {
        wr32(w->o, (uint32_t)w->acc);
        w->o += 4;
        w->acc >>= 32;
        w->fill -= 32;
    }
}

/* nbits <= 64 */
static void bw_put64(bitw *w, uint64_t v, uint32_t nbits)
{
    if (nbits > 32) { bw_put(w, v & 0xffffffffu, 32); v >>= 32; nbits -= 32; }
    if (nbits) bw_put(w, v & (~0ull >> (64 - nbits)), nbits);
}

/* Ends the stream at a byte boundary; returns the bytes written since o0. */
static size_t bw_end(bitw *w, const uint8_t *o0)
{
    for (; w->fill; w->fill = w->fill > 8 ? w->fill - 8 : 0) {
        *w->o++ = (uint8_t)w->acc;
        w->acc >>= 8;
    }
    w->acc = 0;
    return (size_t)(w->o - o0);
}

static void rice_write(bitw *w, uint32_t k, uint32_t v)
{
    uint32_t q = v >> k;
    if (q < SC_SEG_RICE_ESC && q + 1 + k <= 32) {    /* the usual case: one put */
        uint64_t low = v & ((1ull << k) - 1);
        bw_put(w, 1ull << q | low << (q + 1), q + 1 + k);   /* q zeros, a one, k bits */
    } else if (q < SC_SEG_RICE_ESC) {
        bw_put(w, 1ull << q, q + 1);
        bw_put(w, v & ((1ull << k) - 1), k);
    } else {
        bw_put(w, 1ull << SC_SEG_RICE_ESC, SC_SEG_RICE_ESC + 1);
        bw_put(w, v, 32);
    }
}

/* Bits of v as a Rice(k) code (rice_write). */
static inline uint32_t rice_bits(uint32_t v, uint32_t k)
{
    uint32_t q = v >> k;
    return q < SC_SEG_RICE_ESC ? q + 1 + k : SC_SEG_RICE_ESC + 1 + 32;
}

/* Bits of v[0..n) as Rice(k) codes: the quotients (an escape's as the q
** that costs the same), then a one and k bits each.  Written so that the
** compiler can vectorise it: a loop of rice_bits per value and candidate
** was 2 % of an import.  n <= SC_BLOCK keeps the sum in 32 bits. */
static uint64_t rice_cost(const uint32_t *v, uint32_t n, uint32_t k)
{
    const uint32_t esc = SC_SEG_RICE_ESC + 32 - k;
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t q = v[i] >> k;
        s += q < SC_SEG_RICE_ESC ? q : esc;
    }
    return s + (uint64_t)n * (k + 1);
}

/* The Rice parameter that codes v[0..n <= SC_BLOCK) in the fewest bits:
** the one for the mean, or one either side. */
static uint32_t rice_pick(const uint32_t *v, uint32_t n)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += v[i];
    uint32_t mean = n ? (uint32_t)(sum / n) : 0, k0 = mean ? 31 - (uint32_t)__builtin_clz(mean) : 0;
    uint32_t lo = k0 ? k0 - 1 : 0, hi = k0 + 1 < 32 ? k0 + 1 : 31;
    /* k0 wins ties, then the smaller k (the order the old search tried) */
    uint32_t best = k0;
    uint64_t best_cost = rice_cost(v, n, k0);
    for (uint32_t k = lo; k <= hi; k++) {
        if (k == k0) continue;
        uint64_t c = rice_cost(v, n, k);
        if (c < best_cost) { best_cost = c; best = k; }
    }
    return best;
}

/* A 5-bit parameter k, then v[0..n) as Rice(k) codes. */
static void rice_array(bitw *w, const uint32_t *v, uint32_t n)
{
    uint32_t k = rice_pick(v, n);
    bw_put(w, k, 5);
    for (uint32_t i = 0; i < n; i++) rice_write(w, k, v[i]);
}

/* v < n in truncated binary: the first u = 2^(k+1) - n values in k =
** floor(log2 n) bits, the others in k + 1. */
static void tb_write(bitw *w, uint32_t v, uint32_t n)
{
    uint32_t k = 31 - (uint32_t)__builtin_clz(n);
    uint64_t u = (2ull << k) - n;
    if (v < u) { bw_put(w, v, k); return; }
    uint64_t x = v + u;
    bw_put(w, x >> 1, k);
    bw_put(w, x & 1, 1);
}

/* One document's tf positions of a pair, ascending and each < len - 1:
** the first in the bits for the len - 1 places a pair can start (it is
** uniform; truncated binary would save 3.8 MB on the whole corpus, but took
** 2.4 times the instructions to decode and slowed phrase queries), the
** others as Rice codes of gap - 1 with the parameter sc_seg_gap_k derives
** from what is left.  Returns -1 if the positions are not so. */
static int put_positions(bitw *w, uint32_t len, const uint32_t *pos, uint32_t tf)
{
    if (len < 2 || pos[0] > len - 2) return -1;
    bw_put(w, pos[0], sc_seg_pos_width(len - 1));
    uint32_t k = tf > 1 ? sc_seg_gap_k(len, pos[0], tf) : 0;
    for (uint32_t j = 1; j < tf; j++) {
        if (pos[j] <= pos[j - 1] || pos[j] > len - 2) return -1;
        rice_write(w, k, pos[j] - pos[j - 1] - 1);
    }
    return 0;
}

/* Room for n docs with np positions: no code takes 8 bytes. */
static uint8_t *reserve_codes(sc_buf *out, uint32_t n, uint64_t np)
{
    size_t need = ((size_t)n * 2 + (size_t)np) * 8 + 16;
    return sc_buf_reserve(out, need) ? (uint8_t *)out->data + out->len : NULL;
}

/* A list of n <= SC_SEG_SMALL_DF docs as one bit stream: per doc d, d -
** base in truncated binary over n_docs - base (base: the previous doc + 1,
** or 0), tf - 1 in unary, [positions].  0, -1 (bad input) or -2 (memory). */
static int put_small(const sc_segw *w, sc_buf *out, const uint32_t *docs, const uint32_t *tfs, uint32_t n,
                     const uint32_t *pos)
{
    uint64_t np = 0;
    for (uint32_t i = 0; i < n; i++) np += tfs[i];
    uint8_t *o = reserve_codes(out, n, pos ? np : 0);
    if (!o) return -2;
    bitw bw = {o, 0, 0};
    uint32_t base = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (docs[i] < base || docs[i] >= w->n_docs || !tfs[i]) return -1;
        tb_write(&bw, docs[i] - base, w->n_docs - base);
        rice_write(&bw, 0, tfs[i] - 1);
        if (pos && put_positions(&bw, w->lens[docs[i]], pos, tfs[i])) return -1;
        if (pos) pos += tfs[i];
        base = docs[i] + 1;
    }
    out->len += bw_end(&bw, o);
    return 0;
}

uint32_t sc_segw_version = SC_SEG_VERSION;

/* Bits put_positions takes for one document's positions (as it checks
** nothing, a bad list gets some size and then put_positions' error). */
static uint64_t positions_bits(uint32_t len, const uint32_t *pos, uint32_t tf)
{
    uint64_t bits = len > 1 ? sc_seg_pos_width(len - 1) : 0;
    uint32_t k = tf > 1 && len > 1 && pos[0] <= len - 2 ? sc_seg_gap_k(len, pos[0], tf) : 0;
    for (uint32_t j = 1; j < tf; j++) bits += rice_bits(pos[j] - pos[j - 1] - 1, k);
    return bits;
}

/* Format 3's position groups of a block of m > SC_SEG_POS_GROUP docs: a
** 5-bit width w, then for g = 1, 2, ... where the positions of doc
** g * SC_SEG_POS_GROUP start, in w bits, counted from the first doc's;
** w = 0 (no table) when they do not fit in 31 bits or are all 0. */
static void put_groups(const sc_segw *w, bitw *bw, const uint32_t *docs, const uint32_t *tfs, uint32_t m,
                       const uint32_t *pos)
{
    uint64_t start[SC_BLOCK / SC_SEG_POS_GROUP], off = 0;
    uint32_t ng = (m - 1) / SC_SEG_POS_GROUP;
    for (uint32_t i = 0; i < m; pos += tfs[i++]) {
        if (i && i % SC_SEG_POS_GROUP == 0) start[i / SC_SEG_POS_GROUP - 1] = off;
        off += positions_bits(w->lens[docs[i]], pos, tfs[i]);
    }
    uint32_t width = sc_seg_bits_for(start[ng - 1]);
    if (width > 31) width = 0;
    bw_put(bw, width, 5);
    for (uint32_t g = 0; width && g < ng; g++) bw_put(bw, start[g], width);
}

/* A block of m <= SC_BLOCK docs as one bit stream: Rice-coded doc gaps
** (the first from base, the others minus 1), Rice-coded tf - 1, each
** array after its 5-bit parameter, then (format 3, more than
** SC_SEG_POS_GROUP docs) the position groups, then [positions].  Returns
** as put_small. */
static int put_block(const sc_segw *w, sc_buf *out, const uint32_t *docs, const uint32_t *tfs, uint32_t m,
                     uint32_t base, const uint32_t *pos)
{
    uint32_t v[SC_BLOCK];
    uint64_t np = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t from = i ? docs[i - 1] + 1 : base;
        if (docs[i] < from || docs[i] >= w->n_docs || !tfs[i]) return -1;
        v[i] = docs[i] - from;
        np += tfs[i];
    }
    uint8_t *o = reserve_codes(out, m + 2, pos ? np : 0);     /* + the groups' 101 bits */
    if (!o) return -2;
    bitw bw = {o, 0, 0};
    rice_array(&bw, v, m);
    for (uint32_t i = 0; i < m; i++) v[i] = tfs[i] - 1;
    rice_array(&bw, v, m);
    if (pos && sc_segw_version >= 3 && m > SC_SEG_POS_GROUP) put_groups(w, &bw, docs, tfs, m, pos);
    for (uint32_t i = 0; pos && i < m; pos += tfs[i++])
        if (put_positions(&bw, w->lens[docs[i]], pos, tfs[i])) return -1;
    out->len += bw_end(&bw, o);
    return 0;
}

/* The skip table of nb blocks: their last docs in sc_seg_pos_width(n_docs)
** bits, then their ends in sc_seg_skip_wo(term bytes) bits; the width of
** the ends depends on the table's own size, so it is found by iterating. */
static int put_skip(const sc_segw *w, sc_buf *skip, const uint32_t *last, const uint64_t *ends, uint32_t nb)
{
    uint32_t wd = sc_seg_pos_width(w->n_docs), wo = sc_seg_bits_for(ends[nb - 1]);
    while (sc_seg_bits_for(sc_seg_skip_bytes(nb, wd, wo) + ends[nb - 1]) > wo) wo++;
    if (wo > 32) return -1;
    size_t nbytes = (size_t)sc_seg_skip_bytes(nb, wd, wo);
    if (!sc_buf_reserve(skip, nbytes + 16)) return -2;
    uint8_t *o = (uint8_t *)skip->data;
    bitw bw = {o, 0, 0};
    for (uint32_t b = 0; b < nb; b++) bw_put(&bw, last[b], wd);
    for (uint32_t b = 0; b < nb; b++) bw_put(&bw, ends[b], wo);
    skip->len = bw_end(&bw, o);
    return 0;
}

/* ---- writer ------------------------------------------------------------ */


static int w_write(sc_segw *w, const void *p, size_t n)
{
    if (!n) return 0;
    if (fwrite(p, 1, n, w->f) != n) { w->failed = 1; return -1; }
    w->crc = libdeflate_crc32(w->crc, p, n);   /* zlib's CRC-32, faster */
    w->off += n;
    return 0;
}

static int w_pad(sc_segw *w, size_t extra)
{
    static const uint8_t zero[128];
    size_t n = extra + (size_t)((8 - (w->off + extra) % 8) % 8);
    return w_write(w, zero, n);
}

/* Frees the writer's memory (the file is closed or removed by the caller). */
static void segw_free(sc_segw *w)
{
    sc_buf_free(&w->dict);
    sc_buf_free(&w->index);
    sc_buf_free(&w->tmp);
    sc_buf_free(&w->skip);
    free(w->lens);
    free(w->path);
    free(w);
}

int sc_segw_open(const char *path, sc_segw **out, sc_err *err)
{
    sc_segw *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) { free(w); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    w->f = fopen(path, "wbe");
    if (!w->f) {
        int e = errno;
        free(w->path);
        free(w);
        return sc_err_set(err, SC_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    w->crc = 0;
    if (fwrite(w->hdr, 1, SC_SEG_HDR, w->f) != SC_SEG_HDR) w->failed = 1;   /* placeholder */
    w->off = SC_SEG_HDR;
    *out = w;
    return SC_OK;
}

/* ---- document columns ---------------------------------------------------- */

/* The strings blob with each string once; keys are copies. */
typedef struct strtab { char **keys; uint32_t *offs; size_t cap, n; sc_buf blob; } strtab;

static uint32_t str_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    while (n--) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static int strtab_grow(strtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    char **k = calloc(cap, sizeof *k);
    uint32_t *o = calloc(cap, sizeof *o);
    if (!k || !o) { free(k); free(o); return -1; }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->keys[i]) continue;
        size_t j = str_hash(t->keys[i], strlen(t->keys[i])) & (cap - 1);
        while (k[j]) j = (j + 1) & (cap - 1);
        k[j] = t->keys[i];
        o[j] = t->offs[i];
    }
    free(t->keys);
    free(t->offs);
    t->keys = k;
    t->offs = o;
    t->cap = cap;
    return 0;
}

/* Offset of s[0..n) in the blob, adding it once. */
static uint32_t strtab_get(strtab *t, const char *s, size_t n)
{
    if (t->n * 2 >= t->cap && strtab_grow(t)) { t->blob.oom = true; return 0; }
    size_t j = str_hash(s, n) & (t->cap - 1);
    while (t->keys[j]) {
        if (!strncmp(t->keys[j], s, n) && !t->keys[j][n]) return t->offs[j];
        j = (j + 1) & (t->cap - 1);
    }
    char *k = malloc(n + 1);
    if (!k || t->blob.len > UINT32_MAX) { free(k); t->blob.oom = true; return 0; }
    memcpy(k, s, n);
    k[n] = '\0';
    uint32_t off = (uint32_t)t->blob.len;
    sc_buf_add(&t->blob, k, n + 1);
    t->keys[j] = k;
    t->offs[j] = off;
    t->n++;
    return off;
}

static void strtab_free(strtab *t)
{
    for (size_t i = 0; i < t->cap; i++) free(t->keys[i]);
    free(t->keys);
    free(t->offs);
    sc_buf_free(&t->blob);
}

/* An id as its pattern column value and number: "poetry-000123" is the
** prefix "poetry-" with 6 digits (<< 5 | 6) and 123; an id without such a
** tail is stored whole (digits 0, the number is its string offset). */
static void id_split(strtab *t, const char *id, int64_t *pat, int64_t *num)
{
    size_t n = strlen(id), p = n;
    while (p && id[p - 1] >= '0' && id[p - 1] <= '9') p--;
    size_t digits = n - p;
    if (!digits || digits > SC_SEG_ID_DIGITS || p > SC_SEG_ID_PREFIX) {
        *pat = 0;
        *num = strtab_get(t, id, n);
        return;
    }
    int64_t v = 0;
    for (size_t i = p; i < n; i++) v = v * 10 + (id[i] - '0');
    *pat = (int64_t)strtab_get(t, id, p) << 5 | (int64_t)digits;
    *num = v;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The distinct values of v[0..n), unordered, in a malloc'd array (room for
** one more) with *m of them; NULL with *m = max + 1 when there are more
** than max, NULL with *m = 0 when out of memory. */
static int64_t *distinct_values(const int64_t *v, uint32_t n, size_t max, size_t *m)
{
    size_t cap = 16;
    while (cap < 2 * (max < n ? max : n) + 2) cap *= 2;
    int64_t *set = malloc(cap * sizeof *set), *out = malloc((max < n ? max : n) * sizeof *out + sizeof *out);
    uint8_t *used = calloc(cap, 1);
    *m = 0;
    if (!set || !out || !used) { free(set); free(out); free(used); return NULL; }
    int bits = 0;
    while (((size_t)1 << bits) < cap) bits++;
    for (uint32_t i = 0; i < n; i++) {
        size_t j = (size_t)(((uint64_t)v[i] * 0x9E3779B97F4A7C15ull) >> (64 - bits));
        while (used[j] && set[j] != v[i]) j = (j + 1) & (cap - 1);
        if (used[j]) continue;
        if (*m == max) { *m = max + 1; free(set); free(out); free(used); return NULL; }
        used[j] = 1;
        set[j] = v[i];
        out[(*m)++] = v[i];
    }
    free(set);
    free(used);
    return out;
}

/* The cheapest encoding of v[0..n): kind, width, base; for a table, the
** distinct values in tab[0..*nt).  min_width > 0 rules out tables. */
typedef struct colenc { uint32_t kind, width; uint64_t base; int64_t *tab; size_t nt; } colenc;

static int col_choose(const int64_t *v, uint32_t n, uint32_t min_width, colenc *ce)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t lin = 0; lin < 2; lin++) {        /* base + field [+ i] */
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (uint32_t i = 0; i < n; i++) {
            int64_t x = (int64_t)((uint64_t)v[i] - lin * i);
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
        uint32_t w = n ? sc_seg_bits_for((uint64_t)hi - (uint64_t)lo) : 0;
        if (w < min_width) w = min_width;
        uint64_t cost = ((uint64_t)n * w + 7) / 8;
        if (w <= 56 && cost < best) *ce = (colenc){lin, w, n ? (uint64_t)lo : 0, NULL, 0}, best = cost;
    }
    if (min_width) return best == UINT64_MAX ? -1 : 0;
    /* A table of m values costs at least 8 << bits(m - 1) bytes: past the
    ** largest m that could still beat best there is no need to know them
    ** all (sorting every column of every segment to count its values was
    ** 3 % of an import of short poems). */
    size_t max_m = n;
    if (best != UINT64_MAX) {
        max_m = 0;
        for (uint32_t w = 0; w < 40 && (8ull << w) < best; w++) max_m = (size_t)1 << w;
    }
    size_t m = 0;
    int64_t *t = distinct_values(v, n, max_m, &m);
    if (!t) return m > max_m ? 0 : -1;          /* more than max_m: no table */
    qsort(t, m, sizeof *t, cmp_i64);
    if (!m) t[m++] = 0;
    uint32_t w = m > 1 ? sc_seg_bits_for(m - 1) : 0;
    uint64_t cost = (8ull << w) + ((uint64_t)n * w + 7) / 8;
    if (cost < best || best == UINT64_MAX) { *ce = (colenc){SC_SEG_COL_TABLE, w, 0, t, m}; return 0; }
    free(t);
    return 0;
}

/* Appends v[0..n) as one column to data (8-aligned) and its entry to dir. */
static void col_put(sc_buf *dir, sc_buf *data, const int64_t *v, uint32_t n, uint32_t min_width)
{
    colenc ce = {0};
    if (col_choose(v, n, min_width, &ce)) { data->oom = true; return; }
    uint64_t off = (uint64_t)(SC_SEG_COL_DIR * sc_seg_n_cols(sc_segw_version)) + data->len;
    uint8_t e[SC_SEG_COL_DIR] = {0};
    wr32(e, ce.kind);
    wr32(e + 4, ce.width);
    wr64(e + 8, ce.base);
    wr64(e + 16, off);
    sc_buf_add(dir, e, sizeof e);
    if (ce.tab) {      /* 2^width entries, the last value repeated */
        for (size_t i = 0; i < (size_t)1 << ce.width; i++) sc_buf_add(data, &ce.tab[i < ce.nt ? i : ce.nt - 1], 8);
    }
    size_t nb = ((size_t)n * ce.width + 7) / 8 + 8;
    nb += (8 - nb % 8) % 8;
    if (sc_buf_reserve(data, nb)) {
        uint8_t *o = (uint8_t *)data->data + data->len;
        memset(o, 0, nb);
        bitw bw = {o, 0, 0};
        for (uint32_t i = 0; i < n; i++) {
            uint64_t x = ce.tab ? (uint64_t)((const int64_t *)bsearch(&v[i], ce.tab, ce.nt, 8, cmp_i64) - ce.tab)
                                : (uint64_t)v[i] - ce.base - (ce.kind == SC_SEG_COL_LINEAR ? i : 0);
            bw_put64(&bw, x, ce.width);
        }
        bw_end(&bw, o);
        data->len += nb;
    }
    free(ce.tab);
}

/* The columns of d[0..n) into dir + data, their strings into st. */
static int docs_encode(const sc_docmeta *d, uint32_t n, strtab *st, sc_buf *dir, sc_buf *data)
{
    int64_t *v[SC_N_COLS];
    int rc = 0;
    for (int c = 0; c < SC_N_COLS; c++) if (!(v[c] = malloc(((size_t)n + 1) * sizeof **v))) rc = -1;
    for (uint32_t i = 0; !rc && i < n; i++) {
        if (d[i].title_len > d[i].len) rc = -2;
        v[SC_COL_NUM][i] = d[i].num;
        v[SC_COL_LEN][i] = d[i].len;
        v[SC_COL_TITLE_LEN][i] = d[i].title_len;
        v[SC_COL_YEAR][i] = d[i].year;
        v[SC_COL_DATE][i] = d[i].date;
        const char *ty = d[i].type ? d[i].type : "", *so = d[i].source ? d[i].source : "";
        v[SC_COL_TYPE][i] = strtab_get(st, ty, strlen(ty));
        v[SC_COL_SOURCE][i] = strtab_get(st, so, strlen(so));
        id_split(st, d[i].id ? d[i].id : "", &v[SC_COL_ID_PAT][i], &v[SC_COL_ID_NUM][i]);
        v[SC_COL_TEXT_AT][i] = (int64_t)d[i].text_at;
    }
    for (int c = 0; !rc && c < sc_seg_n_cols(sc_segw_version); c++) col_put(dir, data, v[c], n, c == SC_COL_LEN ? 8 : 0);
    for (int c = 0; c < SC_N_COLS; c++) free(v[c]);
    return rc;
}

int sc_segw_docs(sc_segw *w, const sc_docmeta *d, uint32_t n, sc_err *err)
{
    sc_buf dir = SC_BUF_INIT, data = SC_BUF_INIT;
    strtab st = {0};
    strtab_get(&st, "", 0);          /* offset 0 = "" */
    int e = docs_encode(d, n, &st, &dir, &data), rc = SC_OK;
    if (e == -2) rc = sc_err_set(err, SC_EINTERNAL, "title longer than its document");
    else if (e || dir.oom || data.oom || st.blob.oom) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    else {
        w->n_docs = n;
        free(w->lens);
        if (!(w->lens = malloc(((size_t)n + 1) * sizeof *w->lens))) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        for (uint32_t i = 0; w->lens && i < n; i++) { w->lens[i] = d[i].len; w->total_len += d[i].len; }
        w_write(w, dir.data, dir.len);
        w_write(w, data.data, data.len);
        w_pad(w, 0);
        wr64(w->hdr + 24, w->off);
        wr64(w->hdr + 32, st.blob.len);
        w_write(w, st.blob.data, st.blob.len);
        w_pad(w, 0);
        w->post_off = w->off;
        if (w->failed) rc = sc_err_set(err, SC_EIO, "%s: write failed", w->path);
    }
    sc_buf_free(&dir);
    sc_buf_free(&data);
    strtab_free(&st);
    return rc;
}

static int write_term(sc_segw *w, uint64_t key, uint32_t n, sc_buf *skip, sc_buf *out, sc_err *err);

/* The blocks of a list of n > SC_SEG_SMALL_DF docs into out, the skip
** table (more than one block) into skip.  Returns as put_small. */
static int put_blocks(sc_segw *w, const uint32_t *docs, const uint32_t *tfs, uint32_t n, const uint32_t *pos,
                      sc_buf *skip, sc_buf *out)
{
    uint32_t nb = (n + SC_BLOCK - 1) / SC_BLOCK;
    uint32_t *last = malloc((size_t)nb * sizeof *last);
    uint64_t *ends = malloc((size_t)nb * sizeof *ends);
    int rc = !last || !ends ? -2 : 0;
    for (uint32_t b = 0; !rc && b < nb; b++) {
        uint32_t s = b * SC_BLOCK, m = n - s < SC_BLOCK ? n - s : SC_BLOCK;
        rc = put_block(w, out, docs + s, tfs + s, m, b ? docs[s - 1] + 1 : 0, pos);
        if (pos) for (uint32_t i = 0; i < m; i++) pos += tfs[s + i];
        last[b] = docs[s + m - 1];
        ends[b] = out->len;
    }
    if (!rc && nb > 1) rc = put_skip(w, skip, last, ends, nb);
    free(last);
    free(ends);
    return rc;
}

int sc_segw_term(sc_segw *w, uint64_t key, const uint32_t *docs, const uint32_t *tfs,
                 uint32_t n, const uint32_t *pos, sc_err *err)
{
    if (!n) return SC_OK;
    if (!SC_KEY_POSITIONAL(key)) pos = NULL;
    else if (!pos) return sc_err_set(err, SC_EINTERNAL, "a pair without positions");
    sc_buf *out = &w->tmp, *skip = &w->skip;
    sc_buf_reset(out);
    sc_buf_reset(skip);
    int rc = n <= SC_SEG_SMALL_DF ? put_small(w, out, docs, tfs, n, pos) : put_blocks(w, docs, tfs, n, pos, skip, out);
    if (rc == -2) return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (rc) return sc_err_set(err, SC_EINTERNAL, "postings of key %llx: documents, frequencies or positions out of order or range",
                              (unsigned long long)key);
    return write_term(w, key, n, skip, out, err);
}

/* Appends a term's dictionary entry and postings (skip table, blocks). */
static int write_term(sc_segw *w, uint64_t key, uint32_t n, sc_buf *skip, sc_buf *out, sc_err *err)
{
    if (out->oom || skip->oom || out->len > UINT32_MAX) return sc_err_set(err, SC_ENOMEM, "out of memory");
    uint64_t len = skip->len + out->len;
    /* dictionary entry */
    uint8_t e[32], *ep = e;
    if (w->in_block == DICT_BLOCK || w->n_terms == 0) {
        uint8_t ix[24];
        wr64(ix, key);
        wr64(ix + 8, w->dict.len);
        wr64(ix + 16, w->post_len);
        sc_buf_add(&w->index, ix, 24);
        w->in_block = 0;
        w->last_key = key;
    }
    ep = put_varint64(ep, key - w->last_key);
    ep = put_varint64(ep, len << 2 | (n <= SC_SEG_SMALL_DF ? n : 0));
    if (n > SC_SEG_SMALL_DF) ep = sc_put_varint(ep, n - SC_SEG_SMALL_DF - 1);
    sc_buf_add(&w->dict, e, (size_t)(ep - e));
    w->last_key = key;
    w->in_block++;
    w->n_terms++;
    w->post_len += len;
    w_write(w, skip->data, skip->len);
    w_write(w, out->data, out->len);
    if (w->dict.oom || w->index.oom) return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (w->failed) return sc_err_set(err, SC_EIO, "%s: write failed: %s", w->path, strerror(errno));
    return SC_OK;
}

int sc_segw_finish(sc_segw *w, sc_err *err)
{
    w_pad(w, SC_SEG_POST_PAD);
    uint64_t dict_off = w->off;
    w_write(w, w->dict.data, w->dict.len);
    w_pad(w, 0);
    uint64_t index_off = w->off;
    w_write(w, w->index.data, w->index.len);
    uint8_t tr[16];
    uint64_t size = w->off + 16;
    wr32(tr, (uint32_t)w->crc);
    memcpy(tr + 4, "SEGE", 4);
    wr64(tr + 8, size);
    if (fwrite(tr, 1, 16, w->f) != 16) w->failed = 1;
    uint8_t *h = w->hdr;
    memcpy(h, SC_SEG_MAGIC, 8);
    wr32(h + 8, sc_segw_version);
    wr32(h + 12, w->n_docs);
    wr64(h + 16, w->n_terms);
    wr64(h + 40, w->post_off);
    wr64(h + 48, w->post_len);
    wr64(h + 56, dict_off);
    wr64(h + 64, w->dict.len);
    wr64(h + 72, index_off);
    wr64(h + 80, w->index.len / 24);
    wr64(h + 88, w->total_len);
    wr32(h + 124, (uint32_t)crc32(0, h, 124));
    if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, SC_SEG_HDR, w->f) != SC_SEG_HDR) w->failed = 1;
    if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) w->failed = 1;
    int failed = w->failed;
    int e = errno;
    if (!failed) {
        fclose(w->f);
        w->f = NULL;
        segw_free(w);
        return SC_OK;
    }
    int rc = sc_err_set(err, SC_EIO, "%s: write failed: %s", w->path, strerror(e));
    sc_segw_abort(w);
    return rc;
}

void sc_segw_abort(sc_segw *w)
{
    if (!w) return;
    if (w->f) fclose(w->f);
    unlink(w->path);
    segw_free(w);
}
