/*
** index_postings.c — the posting-list iterator (sc_postit_*, index_seg.h):
** decodes one term's postings in a mapped segment, block by block, with
** the skip table for sc_postit_advance and positions decoded on demand.
** The layout it reads ("postings" and "value arrays") is described at the
** top of index_seg.c; index_seg_write.c writes it.
**
** Every length read from the file is checked before use: damaged postings
** end the iterator with it->bad set, never a read outside the mapping (the
** 64 bytes of padding after the postings cover the 8-byte loads).
*/
#include "index_seg_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- value arrays: decoding --------------------------------------------- */

/* Reads one Rice value at *bit of bs (limit: bits available). */
static inline int rice_read(const uint8_t *bs, uint64_t *bit, uint64_t limit, uint32_t k, uint32_t *v)
{
    uint64_t b = *bit, x;
    if (b >= limit) return -1;
    memcpy(&x, bs + (b >> 3), 8);
    x >>= b & 7;                                 /* >= 57 valid bits */
    if (!x) return -1;
    uint32_t q = (uint32_t)__builtin_ctzll(x);
    if (q < SC_SEG_RICE_ESC) {
        x >>= q + 1;
        *v = (q << k) | (uint32_t)(x & ((1ull << k) - 1));
        b += q + 1 + k;
    } else if (q == SC_SEG_RICE_ESC) {
        b += SC_SEG_RICE_ESC + 1;
        memcpy(&x, bs + (b >> 3), 8);
        *v = (uint32_t)(x >> (b & 7));
        b += 32;
    } else {
        return -1;
    }
    *bit = b;
    return b <= limit ? 0 : -1;
}

/* Reads w <= 32 bits at *bit. */
static inline int fixed_read(const uint8_t *bs, uint64_t *bit, uint64_t limit, uint32_t w, uint32_t *v)
{
    uint64_t b = *bit, x;
    if (b + w > limit) return -1;
    memcpy(&x, bs + (b >> 3), 8);
    *v = (uint32_t)((x >> (b & 7)) & ((1ull << w) - 1));
    *bit = b + w;
    return 0;
}

static int get_bits(const uint8_t *p, uint64_t avail, uint32_t n, uint32_t *out, uint64_t *used)
{
    uint32_t nch = (n + SC_SEG_RICE_CHUNK - 1) / SC_SEG_RICE_CHUNK;
    if (avail < nch) return -1;
    const uint8_t *ks = p, *bs = p + nch;
    uint64_t bit = 0, limit = (avail - nch) * 8;
    for (uint32_t c = 0; c < nch; c++) {
        uint32_t k = ks[c], m = n - c * SC_SEG_RICE_CHUNK < SC_SEG_RICE_CHUNK ? n - c * SC_SEG_RICE_CHUNK : SC_SEG_RICE_CHUNK;
        if (k > 31) return -1;
        uint32_t *o = out + c * SC_SEG_RICE_CHUNK;
        for (uint32_t i = 0; i < m; i++)
            if (rice_read(bs, &bit, limit, k, &o[i])) return -1;
    }
    if (bit > limit) return -1;
    *used = nch + (bit + 7) / 8;
    return 0;
}
/* ---- posting iterator -------------------------------------------------- */

void sc_postit_init(sc_postit *it, const sc_term *t)
{
    it->df = t->df;
    it->bad = 0;
    it->lens = t->lens;
    it->n_docs = t->n_docs;
    it->positional = SC_KEY_POSITIONAL(t->key);
    it->nblocks = (t->df + SC_BLOCK - 1) / SC_BLOCK;
    it->end = t->p + t->len;
    it->skip = NULL;
    it->blocks = t->p;
    if (it->nblocks > 1) {
        if ((uint64_t)it->nblocks * 8 > t->len) it->nblocks = 0, it->bad = 1;
        else { it->skip = t->p; it->blocks = t->p + (size_t)it->nblocks * 8; }
    }
    it->blk = it->nblocks;
    it->n = it->i = 0;
    it->doc = 0;
    it->pos_ready = 0;
    if (!it->pos) it->pos_cap = 0;
}

void sc_postit_free(sc_postit *it)
{
    free(it->pos);
    it->pos = NULL;
    it->pos_cap = 0;
}

/* A short list, one bit stream: per doc its number in sc_seg_pos_width(n_docs)
** bits, tf-1 in unary (Rice, k = 0), [each position in sc_seg_pos_width(len)]. */
static int load_small(sc_postit *it, const uint8_t *p, const uint8_t *end, uint32_t n)
{
    uint32_t np = 0, wd = sc_seg_pos_width(it->n_docs);
    uint64_t bit = 0, limit = (uint64_t)(end - p) * 8;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t doc, tf1;
        if (fixed_read(p, &bit, limit, wd, &doc) || rice_read(p, &bit, limit, 0, &tf1)) return -1;
        if (doc >= it->n_docs || (i && doc <= it->docs[i - 1])) return -1;
        it->docs[i] = doc;
        it->tfs[i] = tf1 + 1;
        it->poff[i] = np;
        if (!it->positional) continue;
        uint32_t wp = sc_seg_pos_width(it->lens[doc]);
        if ((uint64_t)(tf1 + 1) * wp > limit - bit) return -1;
        if (np + tf1 + 1 + 16 > it->pos_cap) {
            size_t cap = ((size_t)np + tf1 + 1) * 2 + 64;
            uint32_t *ps = realloc(it->pos, cap * sizeof *ps);
            if (!ps) return -1;
            it->pos = ps;
            it->pos_cap = cap;
        }
        for (uint32_t j = 0; j <= tf1; j++)
            if (fixed_read(p, &bit, limit, wp, &it->pos[np++])) return -1;
    }
    if ((bit + 7) / 8 != limit / 8) return -1;
    it->poff[n] = np;
    it->pos_ready = it->positional;
    it->n = n;
    it->i = 0;
    return 0;
}

/* Loads block b; returns 0 (and ends the iterator) on damage. */
static int load_block(sc_postit *it, uint32_t b)
{
    const uint8_t *start = it->blocks, *end = it->end;
    uint32_t prev = 0;
    if (it->skip) {
        uint64_t s = b ? sc_seg_rd32(it->skip + 8 * (b - 1) + 4) : 0, e = sc_seg_rd32(it->skip + 8 * b + 4);
        if (s > e || e > (uint64_t)(it->end - it->blocks)) goto damaged;
        start = it->blocks + s;
        end = it->blocks + e;
        prev = b ? sc_seg_rd32(it->skip + 8 * (b - 1)) : 0;
    }
    uint32_t n = b + 1 < it->nblocks ? SC_BLOCK : it->df - b * SC_BLOCK;
    if (it->df <= SC_SEG_SMALL_DF) {
        if (load_small(it, start, end, n)) goto damaged;
        it->blk = b;
        return 1;
    }
    /* the arrays follow each other; each one's code tells where it ends */
    uint64_t db, tb;
    if (get_bits(start, (uint64_t)(end - start), n, it->docs, &db)) goto damaged;
    if (get_bits(start + db, (uint64_t)(end - start) - db, n, it->tfs, &tb)) goto damaged;
    for (uint32_t i = 0; i < n; i++) { it->docs[i] = prev += it->docs[i]; it->tfs[i]++; }
    it->pos_data = start + db + tb;
    it->pos_bytes = (uint64_t)(end - it->pos_data);
    if (!it->positional && it->pos_bytes) goto damaged;
    it->pos_ready = 0;
    it->blk = b;
    it->n = n;
    it->i = 0;
    return 1;
damaged:
    it->bad = 1;
    it->doc = SC_DOC_END;
    it->blk = it->nblocks;
    return 0;
}

uint32_t sc_postit_next(sc_postit *it)
{
    if (it->doc == SC_DOC_END) return SC_DOC_END;
    if (it->blk < it->nblocks && it->i + 1 < it->n) {
        it->i++;
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
    if (it->docs[it->n - 1] < target) {
        uint32_t b = it->blk + 1;
        if (it->skip && b < it->nblocks && sc_seg_rd32(it->skip + 8 * b) < target) {
            /* gallop, then binary search the skip table: the first block
               whose last doc reaches target */
            uint32_t lo = b, step = 1, hi = b + 1;
            while (hi < it->nblocks && sc_seg_rd32(it->skip + 8 * hi) < target) { lo = hi; step *= 2; hi = lo + step; }
            if (hi > it->nblocks) hi = it->nblocks;
            while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (sc_seg_rd32(it->skip + 8 * mid) < target) lo = mid; else hi = mid;
            }
            b = hi;
        }
        if (b >= it->nblocks || !load_block(it, b)) return it->doc = SC_DOC_END;
    }
    while (it->i < it->n && it->docs[it->i] < target) it->i++;
    if (it->i >= it->n) return it->doc = SC_DOC_END;   /* damaged order */
    return it->doc = it->docs[it->i];
}

const uint32_t *sc_postit_positions(sc_postit *it, uint32_t *n)
{
    *n = 0;
    if (!it->positional || it->doc == SC_DOC_END) return NULL;
    if (it->pos_ready) {
        *n = it->poff[it->i + 1] - it->poff[it->i];
        return it->pos + it->poff[it->i];
    }
    if (!it->pos_ready) {
        uint64_t total = 0;
        for (uint32_t i = 0; i < it->n; i++) { it->poff[i] = (uint32_t)total; total += it->tfs[i]; }
        if (total > it->pos_bytes * 8 + it->n) return NULL;   /* >= 1 bit a gap */
        it->poff[it->n] = (uint32_t)total;
        if (total + 16 > it->pos_cap) {
            size_t cap = (size_t)total + 64;
            uint32_t *p = realloc(it->pos, cap * sizeof *p);
            if (!p) return NULL;
            it->pos = p;
            it->pos_cap = cap;
        }
        if (it->pos_bytes < 1 || it->pos_data[0] > 31) return NULL;
        uint32_t k = it->pos_data[0];
        const uint8_t *bs = it->pos_data + 1;
        uint64_t bit = 0, limit = (it->pos_bytes - 1) * 8;
        uint32_t *o = it->pos;
        for (uint32_t i = 0; i < it->n; i++) {
            uint32_t d = it->docs[i], v, g;
            if (d >= it->n_docs || fixed_read(bs, &bit, limit, sc_seg_pos_width(it->lens[d]), &v)) return NULL;
            *o++ = v;
            for (uint32_t j = 1; j < it->tfs[i]; j++) {
                if (rice_read(bs, &bit, limit, k, &g)) return NULL;
                *o++ = v += g + 1;
            }
        }
        if ((bit + 7) / 8 != limit / 8) return NULL;
        it->pos_ready = 1;
    }
    *n = it->poff[it->i + 1] - it->poff[it->i];
    return it->pos + it->poff[it->i];
}
