/*
** index_postings.c — the posting-list iterator (sc_postit_*, index_seg.h):
** decodes one term's postings in a mapped segment, block by block, with
** the skip table for sc_postit_advance and positions decoded on demand.
** The layout it reads ("postings" and "codes") is described at the top of
** index_seg.c; index_seg_write.c writes it.
**
** Every length read from the file is checked before use: damaged postings
** end the iterator with it->bad set, never a read outside the mapping (the
** 64 bytes of padding after the postings cover the 8-byte loads), and a
** decoded document is always below n_docs.
*/
#include "index_seg_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- codes: decoding ------------------------------------------------------ */

/* The bits from bit on (at least 57 valid). */
static inline uint64_t peek(const uint8_t *bs, uint64_t bit)
{
    uint64_t x;
    memcpy(&x, bs + (bit >> 3), 8);
    return x >> (bit & 7);
}

/* Reads one Rice value at *bit of bs (limit: bits available).  Every
** reader leaves *bit <= limit or fails, so the 8-byte load at *bit stays
** within the stream's bytes and the padding after the postings. */
static inline int rice_read(const uint8_t *bs, uint64_t *bit, uint64_t limit, uint32_t k, uint32_t *v)
{
    uint64_t b = *bit;
    uint64_t x = peek(bs, b) | 1ull << 63;      /* >= 57 valid bits; q <= 63 */
    uint32_t q = (uint32_t)__builtin_ctzll(x);
    if (q < SC_SEG_RICE_ESC) {
        x >>= q + 1;
        *v = (q << k) | (uint32_t)(x & ((1ull << k) - 1));
        b += q + 1 + k;
    } else if (q == SC_SEG_RICE_ESC) {
        b += SC_SEG_RICE_ESC + 1;
        *v = (uint32_t)peek(bs, b);
        b += 32;
    } else {
        return -1;
    }
    *bit = b;
    return b <= limit ? 0 : -1;
}

/* Decodes Rice(k) values at *bit into out[*i..) until out[n - 1] is
** written or, once out[upto - 1] is, a value reaches target (sum only).
** Each value v is stored as v + 1 (sum = 0: tfs) or as *acc += v + 1
** (sum = 1: doc numbers, positions).  rice_read's chain per value is a
** load, a shift and a ctz; here one 8-byte load serves every code that
** lies whole inside it (five or six of a block's doc gaps), so the chain
** is a ctz and a shift: a third less time per value.  A code that does not
** fit, or escapes, is read by rice_read.  Leaves *bit <= limit or fails. */
/* Whether rice_run wants another value: below upto, or (sum) below target. */
static inline int rice_more(uint32_t j, uint32_t upto, uint32_t n, uint64_t a, uint64_t target, int sum)
{
    return j < upto || (sum && j < n && a < target);
}

static inline __attribute__((always_inline)) int rice_run(const uint8_t *bs, uint64_t *bit, uint64_t limit,
                                                          uint32_t k, uint32_t *restrict out, uint32_t *i,
                                                          uint32_t upto, uint32_t n, uint64_t *acc,
                                                          uint64_t target, int sum)
{
    uint64_t b = *bit, a = *acc, mask = (1ull << k) - 1;
    uint32_t j = *i;
    while (rice_more(j, upto, n, a, target, sum)) {
        uint64_t x = peek(bs, b);
        uint32_t avail = 64 - (uint32_t)(b & 7), used = 0;
        while (x) {
            uint32_t q = (uint32_t)__builtin_ctzll(x), len = q + 1 + k;
            if (used + len > avail || q >= SC_SEG_RICE_ESC) break;
            uint64_t v = (uint64_t)(q << k | (uint32_t)(x >> (q + 1) & mask)) + 1;
            out[j++] = (uint32_t)(sum ? (a += v) : v);
            x >>= len;
            used += len;
            if (!rice_more(j, upto, n, a, target, sum)) break;
        }
        b += used;
        if (!used) {
            uint32_t v;
            if (rice_read(bs, &b, limit, k, &v)) return -1;
            out[j++] = (uint32_t)(sum ? (a += (uint64_t)v + 1) : (uint64_t)v + 1);
        }
        if (b > limit) return -1;
    }
    *bit = b;
    *acc = a;
    *i = j;
    return 0;
}

/* Reads w <= 32 bits at *bit. */
static inline int fixed_read(const uint8_t *bs, uint64_t *bit, uint64_t limit, uint32_t w, uint32_t *v)
{
    uint64_t b = *bit;
    if (b + w > limit) return -1;
    *v = (uint32_t)(peek(bs, b) & ((1ull << w) - 1));
    *bit = b + w;
    return 0;
}

/* Reads a value below n >= 1 in truncated binary (index_seg_write.c).
** Without branches: whether the code is k or k + 1 bits long is data, and a
** mispredicted branch per document costs more than both ways. */
static inline int tb_read(const uint8_t *bs, uint64_t *bit, uint64_t limit, uint32_t n, uint32_t *v)
{
    uint32_t k = 31 - (uint32_t)__builtin_clz(n);
    uint64_t u = (2ull << k) - n, b = *bit;
    uint64_t x = peek(bs, b), a = x & ((1ull << k) - 1);
    uint64_t longer = a >= u;
    uint64_t two = ((a << 1) | ((x >> k) & 1)) - u;
    *v = (uint32_t)(a ^ ((a ^ two) & (0 - longer)));
    b += k + longer;
    *bit = b;
    return b <= limit ? 0 : -1;
}

/* One document's tf positions (index_seg_write.c: put_positions).  Whether
** a document has more than one is the only branch on the data (the first
** position's check is never taken). */
static inline __attribute__((always_inline)) int positions_read(const uint8_t *bs, uint64_t *bit, uint64_t limit, uint32_t len,
                                                                 uint32_t tf, uint32_t *restrict out)
{
    uint32_t p;
    if (len < 2 || fixed_read(bs, bit, limit, sc_seg_pos_width(len - 1), &p) || p > len - 2) return -1;
    out[0] = p;
    if (tf > 1) {
        uint32_t j = 1;
        uint64_t acc = p;
        if (rice_run(bs, bit, limit, sc_seg_gap_k(len, p, tf), out, &j, tf, tf, &acc, 0, 1)) return -1;
    }
    return 0;
}

/* The stream used exactly its bytes (the writer ends each at a byte). */
static int ends_at(uint64_t bit, uint64_t limit) { return (bit + 7) / 8 == limit / 8; }

/* ---- posting iterator -------------------------------------------------- */

/* Skip entry b: the block's last doc; its end, from the first block. */
static inline uint32_t skip_last(const sc_postit *it, uint32_t b)
{
    return (uint32_t)(peek(it->skip, (uint64_t)b * it->skip_wd) & ((1ull << it->skip_wd) - 1));
}
static inline uint64_t skip_end(const sc_postit *it, uint32_t b)
{
    uint64_t bit = (uint64_t)it->nblocks * it->skip_wd + (uint64_t)b * it->skip_wo;
    return peek(it->skip, bit) & ((1ull << it->skip_wo) - 1);
}

void sc_postit_init(sc_postit *it, const sc_term *t)
{
    it->df = t->df;
    it->bad = 0;
    it->lens = t->lens;
    it->n_docs = t->n_docs;
    it->positional = SC_KEY_POSITIONAL(t->key);
    it->pos_groups = t->pos_groups;
    it->group_w = 0;
    it->nblocks = (t->df + SC_BLOCK - 1) / SC_BLOCK;
    it->end = t->p + t->len;
    it->skip = NULL;
    it->blocks = t->p;
    if (it->nblocks > 1) {
        it->skip_wd = sc_seg_pos_width(t->n_docs);
        it->skip_wo = sc_seg_bits_for(t->len);
        uint64_t sb = sc_seg_skip_bytes(it->nblocks, it->skip_wd, it->skip_wo);
        if (it->skip_wo > 32 || sb > t->len) it->nblocks = 0, it->bad = 1;
        else { it->skip = t->p; it->blocks = t->p + sb; }
    }
    it->blk = it->nblocks;
    it->n = it->i = 0;
    it->doc = 0;
    it->tfs_ready = 0;
    it->pos_done = 0;
    if (!it->pos) it->pos_cap = 0;
}

void sc_postit_free(sc_postit *it)
{
    free(it->pos);
    it->pos = NULL;
    it->pos_cap = 0;
}

/* Room for n positions in it->pos. */
static int pos_room(sc_postit *it, uint64_t n)
{
    if (n + 16 <= it->pos_cap) return 0;
    size_t cap = (size_t)n * 2 + 64;
    uint32_t *ps = realloc(it->pos, cap * sizeof *ps);
    if (!ps) return -1;
    it->pos = ps;
    it->pos_cap = cap;
    return 0;
}

/* A short list, one bit stream (index_seg_write.c: put_small). */
static int load_small(sc_postit *it, const uint8_t *p, const uint8_t *end, uint32_t n)
{
    uint32_t np = 0, base = 0;
    uint64_t bit = 0, limit = (uint64_t)(end - p) * 8;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v, tf1;
        if (base >= it->n_docs || tb_read(p, &bit, limit, it->n_docs - base, &v) ||
            rice_read(p, &bit, limit, 0, &tf1) || tf1 == UINT32_MAX)
            return -1;
        it->docs[i] = base + v;
        it->tfs[i] = tf1 + 1;
        it->poff[i] = np;
        base += v + 1;
        if (!it->positional) continue;
        if (tf1 > limit - bit || pos_room(it, (uint64_t)np + tf1 + 1)) return -1;   /* >= 1 bit a gap */
        if (positions_read(p, &bit, limit, it->lens[base - 1], tf1 + 1, it->pos + np)) return -1;
        np += tf1 + 1;
    }
    if (!ends_at(bit, limit)) return -1;
    it->poff[n] = np;
    it->tfs_ready = 1;
    it->pos_done = it->positional ? n : 0;
    it->tf_bit = it->pos_bit = 0;
    it->n = n;
    it->i = 0;
    return 0;
}

/* Docs decoded ahead when walking a list doc by doc: a call per doc cost
** more than the decoding. */
#define DOCS_AHEAD 32

/* Decodes the loaded block's docs (index_seg_write.c: put_block) up to
** index upto - 1 at least, and on until one reaches target: an iterator
** that advances into a block usually stops well before its end.  At the
** end of the block, its last doc is checked against the skip table's and
** the tfs' start is known.  Everything is in locals: the hottest loop of a
** query. */
static int decode_docs(sc_postit *it, uint32_t upto, uint32_t target)
{
    uint64_t bit = it->dbit, d = it->dval;
    uint32_t i = it->dn, n = it->n;
    if (upto > n) upto = n;
    /* docs[i - 1] (i >= 1: load_block decodes the first) is d */
    if (rice_run(it->bs, &bit, it->limit, it->dk, it->docs, &i, upto, n, &d, target, 1)) return -1;
    if (i > it->dn && d >= it->n_docs) return -1;
    if (i == n && it->dn < n) {
        if (it->last != UINT32_MAX && d != it->last) return -1;
        it->last = (uint32_t)d;
        it->tf_bit = bit;
    }
    it->dn = i;
    it->dbit = bit;
    it->dval = d;
    return 0;
}

static int all_docs(sc_postit *it) { return it->dn < it->n ? decode_docs(it, it->n, 0) : 0; }

/* Does the loaded block carry position groups (format 3, a pair, more
** than SC_SEG_POS_GROUP docs)? */
static int has_groups(const sc_postit *it) { return it->pos_groups && it->positional && it->n > SC_SEG_POS_GROUP; }

/* The tfs of the loaded block, and where its positions start. */
static int load_tfs(sc_postit *it)
{
    if (all_docs(it)) return -1;           /* the tfs follow the docs */
    const uint8_t *bs = it->bs;
    uint64_t bit = it->tf_bit, limit = it->limit;
    uint32_t *restrict tfs = it->tfs, k, zero = 0, n = it->n, i = 0;
    uint64_t unused = 0;
    if (fixed_read(bs, &bit, limit, 5, &k) || rice_run(bs, &bit, limit, k, tfs, &i, n, n, &unused, 0, 0)) return -1;
    it->group_w = 0;
    if (has_groups(it)) {
        uint64_t table;
        if (fixed_read(bs, &bit, limit, 5, &it->group_w)) return -1;
        it->group_at = bit;
        table = (uint64_t)((n - 1) / SC_SEG_POS_GROUP) * it->group_w;
        if (table > limit - bit) return -1;
        bit += table;
    }
    it->pos_bit = it->pos_next = bit;
    if (!it->positional && !ends_at(bit, limit)) return -1;
    uint64_t total = 0;
    for (i = 0; i < n; i++) {
        zero |= tfs[i] == 0;
        it->poff[i] = (uint32_t)total;
        total += tfs[i];
    }
    if (zero) return -1;
    if (it->positional && (total > limit - bit + n || pos_room(it, total))) return -1;   /* >= 1 bit a gap */
    it->poff[n] = (uint32_t)total;
    it->tfs_ready = 1;
    return 0;
}

uint32_t sc_postit_tf_load(sc_postit *it)
{
    if (it->doc == SC_DOC_END || it->blk >= it->nblocks || it->bad || load_tfs(it)) {
        it->bad |= it->doc != SC_DOC_END;
        return 1;
    }
    return it->tfs[it->i];
}

/* Ends the iterator on damage. */
static uint32_t damaged(sc_postit *it)
{
    it->bad = 1;
    it->blk = it->nblocks;
    return it->doc = SC_DOC_END;
}

/* Loads block b; returns 0 (and ends the iterator) on damage. */
static int load_block(sc_postit *it, uint32_t b)
{
    const uint8_t *start = it->blocks, *end = it->end;
    uint32_t base = 0, last = UINT32_MAX;
    if (it->skip) {
        uint64_t s = b ? skip_end(it, b - 1) : 0, e = skip_end(it, b);
        if (s > e || e > (uint64_t)(it->end - it->blocks)) goto fail;
        start = it->blocks + s;
        end = it->blocks + e;
        base = b ? skip_last(it, b - 1) + 1 : 0;
        last = skip_last(it, b);
    }
    uint32_t n = b + 1 < it->nblocks ? SC_BLOCK : it->df - b * SC_BLOCK;
    it->bs = start;
    it->limit = (uint64_t)(end - start) * 8;
    it->n = n;
    it->i = 0;
    if (it->df <= SC_SEG_SMALL_DF) {
        if (load_small(it, start, end, n)) goto fail;
        it->dn = n;
        it->last = it->docs[n - 1];
    } else {
        it->dbit = 0;
        if (fixed_read(start, &it->dbit, it->limit, 5, &it->dk)) goto fail;
        it->dn = 0;
        it->dval = (uint64_t)base - 1;         /* wraps: the first gap adds 1 */
        it->last = last;
        it->tfs_ready = 0;
        it->pos_done = 0;
        if (decode_docs(it, 1, 0)) goto fail;
    }
    it->blk = b;
    return 1;
fail:
    damaged(it);
    return 0;
}

uint32_t sc_postit_next(sc_postit *it)
{
    if (it->doc == SC_DOC_END) return SC_DOC_END;
    if (it->blk < it->nblocks && it->i + 1 < it->n) {
        it->i++;
        if (it->i >= it->dn && decode_docs(it, it->i + DOCS_AHEAD, 0)) return damaged(it);
        return it->doc = it->docs[it->i];
    }
    uint32_t b = it->blk < it->nblocks ? it->blk + 1 : 0;
    if (it->blk < it->nblocks && b >= it->nblocks) return it->doc = SC_DOC_END;
    if (b >= it->nblocks || !load_block(it, b)) return it->doc = SC_DOC_END;
    return it->doc = it->docs[0];
}

uint32_t sc_postit_advance(sc_postit *it, uint32_t target)
{
    if (it->doc == SC_DOC_END) return SC_DOC_END;
    if (it->blk >= it->nblocks) {      /* not started */
        if (sc_postit_next(it) == SC_DOC_END) return SC_DOC_END;
    }
    if (it->doc >= target) return it->doc;
    if (it->last == UINT32_MAX && all_docs(it)) return damaged(it);   /* one block, no skip table */
    if (it->last < target) {
        uint32_t b = it->blk + 1;
        if (it->skip && b < it->nblocks && skip_last(it, b) < target) {
            /* gallop, then binary search the skip table: the first block
               whose last doc reaches target */
            uint32_t lo = b, step = 1, hi = b + 1;
            while (hi < it->nblocks && skip_last(it, hi) < target) { lo = hi; step *= 2; hi = lo + step; }
            if (hi > it->nblocks) hi = it->nblocks;
            while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (skip_last(it, mid) < target) lo = mid; else hi = mid;
            }
            b = hi;
        }
        if (b >= it->nblocks || !load_block(it, b)) return it->doc = SC_DOC_END;
    }
    /* a walk doc by doc (target just past the current doc) decodes ahead */
    if (it->dn < it->n && it->docs[it->dn - 1] < target &&
        decode_docs(it, it->dn + (target == it->doc + 1 ? DOCS_AHEAD : 0), target))
        return damaged(it);
    while (it->i < it->dn && it->docs[it->i] < target) it->i++;
    if (it->i >= it->dn) return damaged(it);           /* the block's last doc lied */
    return it->doc = it->docs[it->i];
}

/* Where the positions of group g >= 1 of the loaded block start, from its
** first doc's (load_tfs checked that the table lies inside the block). */
static inline uint64_t group_start(const sc_postit *it, uint32_t g)
{
    uint64_t at = it->group_at + (uint64_t)(g - 1) * it->group_w;
    return peek(it->bs, at) & ((1ull << it->group_w) - 1);
}

/* Decodes the loaded block's positions up to its current doc: a phrase's
** candidates are few and far between, and the positions of the docs after
** the last one asked for are never needed.  -1 on damage. */
static int load_positions(sc_postit *it)
{
    if (!it->tfs_ready && load_tfs(it)) return -1;
    uint32_t i = it->pos_done, upto = it->i + 1, n_docs = it->n_docs;
    const uint8_t *bs = it->bs;
    const uint32_t *docs = it->docs, *tfs = it->tfs, *lens = it->lens;
    uint64_t bit = it->pos_next, limit = it->limit;
    uint32_t g = it->i / SC_SEG_POS_GROUP;
    if (it->group_w && g * SC_SEG_POS_GROUP > i) {
        /* jump to the current doc's group: the docs before it, never
           asked for, are never decoded (an iterator only goes forward) */
        bit = it->pos_bit + group_start(it, g);
        if (bit > limit) return -1;
        i = g * SC_SEG_POS_GROUP;
    }
    uint32_t *restrict o = it->pos + it->poff[i];
    for (; i < upto; i++) {
        if (it->group_w && i % SC_SEG_POS_GROUP == 0 && i && bit != it->pos_bit + group_start(it, i / SC_SEG_POS_GROUP))
            return -1;                 /* the table disagrees with the positions */
        if (docs[i] >= n_docs || positions_read(bs, &bit, limit, lens[docs[i]], tfs[i], o)) return -1;
        o += tfs[i];
    }
    if (upto == it->n && !ends_at(bit, limit)) return -1;
    it->pos_next = bit;
    it->pos_done = upto;
    return 0;
}

const uint32_t *sc_postit_positions(sc_postit *it, uint32_t *n)
{
    *n = 0;
    if (!it->positional || it->doc == SC_DOC_END) return NULL;
    if (it->i >= it->pos_done && load_positions(it)) { it->bad = 1; return NULL; }
    *n = it->poff[it->i + 1] - it->poff[it->i];
    return it->pos + it->poff[it->i];
}

/* ---- sizes ----------------------------------------------------------------- */

int sc_postit_bits(sc_postit *it, const sc_term *t, sc_post_bits *b)
{
    sc_postit_init(it, t);
    if (t->df <= SC_SEG_SMALL_DF) b->small += t->len * 8;
    else if (it->skip) b->skip += (uint64_t)(it->blocks - it->skip) * 8;
    for (uint32_t blk = 0; blk < it->nblocks && t->df > SC_SEG_SMALL_DF; blk++) {
        if (!load_block(it, blk) || load_tfs(it)) return -1;
        uint64_t groups = has_groups(it) ? 5 + (uint64_t)((it->n - 1) / SC_SEG_POS_GROUP) * it->group_w : 0;
        b->docs += it->tf_bit;
        b->tfs += it->pos_bit - it->tf_bit - groups;
        b->skip += groups;
        if (!it->positional) { b->tfs += it->limit - it->pos_bit; continue; }
        it->i = it->n - 1;
        if (load_positions(it)) return -1;
        uint64_t first = 0;
        for (uint32_t i = 0; i < it->n; i++) first += sc_seg_pos_width(it->lens[it->docs[i]] - 1);
        b->pos_first += first;
        b->pos_rest += it->limit - it->pos_bit - first;
    }
    return it->bad ? -1 : 0;
}
