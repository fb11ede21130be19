/*
** index_buffer.c — the index writer's in-memory buffer (index_priv.h): the
** documents added since the last flush, and their inversion into one
** segment file.
**
** Inversion by sorting, not by hashing.  Adding a document only appends:
** its normalised code points become small dense ids (first seen, first
** numbered) written to one flat array, seq, with a 0 after every line and
** every document.  All the work of grouping occurrences by term happens
** once, at the flush, with counting and radix sorts over that array:
**   1. ids are ranked by code point, so that rank order is key order;
**   2. one pass over seq scatters every occurrence, as a record (rank of
**      the next character, position), into its character's group (a
**      counting sort: the counts were kept while adding); a group's
**      positions ascend -> the SC_KEY_UNI lists;
**   3. the title positions, as (rank, position) records, radix-sorted ->
**      the SC_KEY_TUNI lists;
**   4. each character a's group, radix-sorted by the next character b
**      (stable, so positions still ascend) -> the SC_KEY_BI(a, b) lists.
** Each record packs, from the top: the rank (of the next character, or
** of the title's character), the buffer document and the position in it,
** in as many bits as this buffer needs (sc_membuf_add refuses a document
** that would need more than 64; the caller flushes and adds it again).
** Sorting by the rank alone keeps the rest in seq order, and the posting
** writer reads (document, position) straight from the record: finding the
** document of a seq position through a table cost two cache misses an
** occurrence, a sixth of a whole-corpus import.  Why: per
** character the old hash-based buffer did two random probes into a table
** of a million terms plus a varint append to each term's own stream, all
** cache misses; here adding is a sequential write, and the sorts touch
** memory in a few passes that caches and prefetchers follow.  The
** segments written are byte for byte those of the hashing buffer.
**
** Memory: 4 bytes a character while buffered (seq), 8 more at the flush
** (the occurrence records) plus 8 per occurrence of the most frequent
** character; the ids' tables are kept across flushes.
**
** Contract:
**   - one thread: only the index writer touches a buffer.
**   - sc_membuf_add appends one document; when it fails the buffer is
**     unusable and the caller must sc_membuf_reset it.
**   - sc_membuf_flush writes the terms in key order through the segment
**     writer (index_seg.h) and does not change the buffer's documents (its
**     scratch arrays it keeps for the next flush, until sc_membuf_trim); the caller resets
**     it once the segment is in its working set.  The caller may take del
**     (setting it to NULL) before the reset.
**   - the buffer owns everything it points to; sc_membuf_free releases it
**     all, sc_membuf_reset empties it and keeps its arrays for reuse.
*/
#include "index_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "index_seg.h"
#include "normalize.h"

#define SC_MB_DIRECT 0x30000u  /* code points below: a direct id table */

typedef struct sc_cpslot { uint32_t cp, id; } cpslot;   /* id 0 = empty */

/* Bits that hold 0..v. */
static unsigned bits_for(uint64_t v) { return v ? 64u - (unsigned)__builtin_clzll(v) : 0; }

/* Bits a record needs for ids 1..n_ids (ranks 0..n_ids), n_docs documents
** and positions below max_len. */
static unsigned record_bits(uint64_t n_ids, uint64_t n_docs, uint64_t max_len)
{
    unsigned r = bits_for(n_ids);
    return (r ? r : 1) + bits_for(n_docs) + bits_for(max_len);
}

/* Frees the buffered documents' strings and their arrays; counts to 0. */
static void drop_docs(sc_membuf *m)
{
    for (uint32_t i = 0; i < m->n_docs; i++) {
        free((char *)m->docs[i].type);
        free((char *)m->docs[i].source);
        free((char *)m->docs[i].id);
    }
    free(m->docs);
    free(m->del);
    m->docs = NULL;
    m->del = NULL;
    m->n_docs = m->cap_docs = m->n_del = 0;
}

void sc_membuf_trim(sc_membuf *m)
{
    free(m->occ);
    free(m->rec);
    free(m->tmp);
    m->occ = m->rec = m->tmp = NULL;
    m->occ_cap = m->rec_cap = 0;
}

void sc_membuf_free(sc_membuf *m)
{
    drop_docs(m);
    sc_membuf_trim(m);
    free(m->start);
    free(m->seq);
    free(m->idmap);
    free(m->big);
    free(m->idcp);
    free(m->idcnt);
    sc_norm_free(&m->norm);
    memset(m, 0, sizeof *m);
}

/* Empties the buffer; its arrays stay allocated (fresh pages cost the
** kernel a clearing each, which showed in profiles). */
void sc_membuf_reset(sc_membuf *m)
{
    drop_docs(m);
    for (uint32_t id = 1; id <= m->n_ids; id++)
        if (m->idcp[id] < SC_MB_DIRECT) m->idmap[m->idcp[id]] = 0;
    if (m->big) memset(m->big, 0, m->big_cap * sizeof *m->big);
    m->n_seq = 0;
    m->max_len = 0;
    m->big_n = 0;
    m->n_ids = 0;
    m->bytes = 0;
}

/* ---- adding ------------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : first;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static uint32_t new_id(sc_membuf *m, uint32_t cp)
{
    if (m->n_ids + 1 >= m->cap_ids) {
        size_t cap = m->cap_ids;
        void *cp_arr = m->idcp;
        if (grow(&cp_arr, &cap, m->n_ids + 2, sizeof *m->idcp, 4096)) return 0;
        m->idcp = cp_arr;
        uint32_t *cnt = realloc(m->idcnt, cap * sizeof *cnt);
        if (!cnt) return 0;
        m->idcnt = cnt;
        m->cap_ids = (uint32_t)cap;
    }
    uint32_t id = ++m->n_ids;
    m->idcp[id] = cp;
    m->idcnt[id] = 0;
    return id;
}

/* The id of a code point >= SC_MB_DIRECT (open addressing); 0 = no memory. */
static uint32_t big_id(sc_membuf *m, uint32_t cp)
{
    if (m->big_n * 2 >= m->big_cap) {
        size_t cap = m->big_cap ? m->big_cap * 2 : 256;
        cpslot *t = calloc(cap, sizeof *t);
        if (!t) return 0;
        for (size_t i = 0; i < m->big_cap; i++) {
            if (!m->big[i].id) continue;
            size_t j = sc_ix_hash64(m->big[i].cp) & (cap - 1);
            while (t[j].id) j = (j + 1) & (cap - 1);
            t[j] = m->big[i];
        }
        free(m->big);
        m->big = t;
        m->big_cap = cap;
    }
    size_t j = sc_ix_hash64(cp) & (m->big_cap - 1);
    while (m->big[j].id) {
        if (m->big[j].cp == cp) return m->big[j].id;
        j = (j + 1) & (m->big_cap - 1);
    }
    uint32_t id = new_id(m, cp);
    if (id) { m->big[j] = (cpslot){cp, id}; m->big_n++; }
    return id;
}

static int32_t parse_date(const char *s)
{
    if (!s) return 0;
    int y = 0, mo = 0, d = 0;
    if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) < 1) return 0;
    if (y < 0 || y > 9999 || mo < 0 || mo > 12 || d < 0 || d > 31) return 0;
    return y * 10000 + mo * 100 + d;
}

/* Normalises doc into m->norm: its title line, '\n', its body. */
static int normalize_doc(sc_membuf *m, const sc_doc *doc)
{
    const char *text = doc->text ? doc->text : "";
    size_t len = doc->text ? doc->len : 0;
    if (sc_text_has_title(text, len, doc->title)) return sc_normalize(text, len, 0, &m->norm);
    sc_buf b = SC_BUF_INIT;        /* title kept apart: put it in front */
    sc_buf_adds(&b, doc->title);
    sc_buf_addc(&b, '\n');
    sc_buf_add(&b, text, len);
    int rc = b.oom ? SC_ENOMEM : sc_normalize(b.data, b.len, 0, &m->norm);
    sc_buf_free(&b);
    return rc;
}

/* Appends the ids of cps[0..n) and the document's closing 0 to seq. */
static int append_seq(sc_membuf *m, const uint32_t *c, uint32_t n)
{
    void *p = m->seq;
    if (grow(&p, &m->cap_seq, m->n_seq + n + 1, sizeof *m->seq, 1u << 20)) return SC_ENOMEM;
    m->seq = p;
    uint32_t *s = m->seq + m->n_seq;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = c[i], id;
        if (a == '\n') { s[i] = 0; continue; }
        if (a < SC_MB_DIRECT) {
            id = m->idmap[a];
            if (!id && !(id = m->idmap[a] = new_id(m, a))) return SC_ENOMEM;
        } else if (!(id = big_id(m, a))) {
            return SC_ENOMEM;
        }
        m->idcnt[id]++;
        s[i] = id;
    }
    s[n] = 0;
    m->n_seq += n + 1;
    return SC_OK;
}

int sc_membuf_add(sc_membuf *m, int64_t num, const sc_doc *doc)
{
    if (!m->idmap && !(m->idmap = calloc(SC_MB_DIRECT, sizeof *m->idmap))) return SC_ENOMEM;
    if (m->n_docs + 1 >= m->cap_docs) {
        uint32_t cap = m->cap_docs ? m->cap_docs * 2 : 256;
        sc_docmeta *d = realloc(m->docs, cap * sizeof *d);
        if (!d) return SC_ENOMEM;
        m->docs = d;
        uint32_t *st = realloc(m->start, (cap + 1) * sizeof *st);
        if (!st) return SC_ENOMEM;
        m->start = st;
        uint8_t *del = realloc(m->del, cap / 8 + 1);
        if (!del) return SC_ENOMEM;
        memset(del + m->cap_docs / 8, 0, cap / 8 + 1 - m->cap_docs / 8);
        if (!m->cap_docs) del[0] = 0;
        m->del = del;
        m->cap_docs = cap;
    }
    if (normalize_doc(m, doc)) return SC_ENOMEM;
    const uint32_t *c = m->norm.cps;
    uint32_t n = (uint32_t)m->norm.n, doc_no = m->n_docs, title_len = n;
    uint32_t max_len = n + 1 > m->max_len ? n + 1 : m->max_len;    /* with its closing 0 */
    uint64_t ids = (uint64_t)m->n_ids + n < 0x110000 ? (uint64_t)m->n_ids + n : 0x110000;
    if (m->n_docs && record_bits(ids, m->n_docs + 1, max_len) > (m->max_bits ? m->max_bits : 64)) return SC_ELIMIT;
    m->max_len = max_len;
    for (uint32_t i = 0; i < n; i++) if (c[i] == '\n') { title_len = i; break; }
    sc_docmeta *d = &m->docs[doc_no];
    memset(d, 0, sizeof *d);
    d->num = num;
    d->len = n;
    d->title_len = title_len;
    d->year = doc->year;
    d->date = parse_date(doc->date);
    d->type = sc_strdup(doc->doc_type ? doc->doc_type : "");
    d->source = sc_strdup(doc->source ? doc->source : "");
    d->id = sc_strdup(doc->id ? doc->id : "");
    d->text_at = doc->text_at;
    m->n_docs++;
    if (!d->type || !d->source || !d->id) return SC_ENOMEM;
    m->start[doc_no] = (uint32_t)m->n_seq;
    if (append_seq(m, c, n)) return SC_ENOMEM;
    m->start[doc_no + 1] = (uint32_t)m->n_seq;
    /* seq and, at the flush, the occurrence records */
    m->bytes = m->n_seq * 12 + (size_t)m->n_docs * (sizeof *d + 48);
    return SC_OK;
}

/* ---- flushing ------------------------------------------------------------ */

/* What a flush works with. */
typedef struct flushctx {
    const sc_membuf *m;
    uint32_t *rank;            /* id -> rank (code point order) */
    uint32_t *by_rank;         /* rank -> id */
    uint32_t *off;             /* rank -> first index in occ; [n_ids] = end */
    uint64_t *occ;             /* per character occurrence, grouped by rank,
                                  in seq order: the next character's rank
                                  (n_ids: none) << rs | doc << ds | position */
    size_t occ_cap;
    unsigned rs, ds;           /* the record's layout (record_layout) */
    uint64_t dmask, pmask;
    uint64_t *rec, *tmp;       /* sort records, for the largest group */
    size_t rec_cap;
    sc_ix_plist pl;
    sc_segw *w;
    sc_err *err;
} flushctx;

static void record_layout(flushctx *f)
{
    unsigned bp = bits_for(f->m->max_len), bd = bits_for(f->m->n_docs);
    f->ds = bp;
    f->rs = bp + bd;
    f->pmask = (1ull << bp) - 1;
    f->dmask = (1ull << bd) - 1;
}

static const uint32_t *sort_cp;
static int cmp_id_cp(const void *a, const void *b)
{
    uint32_t x = sort_cp[*(const uint32_t *)a], y = sort_cp[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

/* Sorts r[0..n) by the bits from shift up (values <= max_hi), stably,
** using tmp; returns the array that holds the result.  Records are built
** with their low parts ascending, so sorting whole values is the same as
** sorting stably. */
static uint64_t *sort_hi(uint64_t *r, uint64_t *tmp, size_t n, uint32_t max_hi, unsigned shift)
{
    if (n <= 32) {
        for (size_t i = 1; i < n; i++) {
            uint64_t v = r[i];
            size_t j = i;
            while (j && r[j - 1] > v) { r[j] = r[j - 1]; j--; }
            r[j] = v;
        }
        return r;
    }
    int bits = 1;
    while (bits < 32 && (max_hi >> bits)) bits++;
    int passes = (bits + 10) / 11, width = (bits + passes - 1) / passes;
    uint32_t mask = (1u << width) - 1;
    size_t cnt[2048];
    for (int ps = 0; ps < passes; ps++) {
        unsigned sh = shift + (unsigned)(ps * width);
        memset(cnt, 0, (mask + 1) * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(r[i] >> sh) & mask]++;
        size_t sum = 0;
        for (uint32_t b = 0; b <= mask; b++) { size_t c = cnt[b]; cnt[b] = sum; sum += c; }
        for (size_t i = 0; i < n; i++) tmp[cnt[(r[i] >> sh) & mask]++] = r[i];
        uint64_t *t = r; r = tmp; tmp = t;
    }
    return r;
}

static int oom(flushctx *f) { return sc_err_set(f->err, SC_ENOMEM, "out of memory"); }

static int need_rec(flushctx *f, size_t n)
{
    if (n <= f->rec_cap) return 0;
    free(f->rec);
    free(f->tmp);
    f->rec = malloc(n * sizeof *f->rec);
    f->tmp = malloc(n * sizeof *f->tmp);
    f->rec_cap = f->rec && f->tmp ? n : 0;
    return f->rec_cap ? 0 : -1;
}

/* Writes the term key from the records p[0..n), in seq order. */
static int emit_positions(flushctx *f, uint64_t key, const uint64_t *p, size_t n, int positional)
{
    sc_ix_plist *pl = &f->pl;
    pl->n = pl->np = 0;
    uint32_t cur = UINT32_MAX, tf = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t d = (uint32_t)(p[i] >> f->ds & f->dmask);
        if (d != cur) {
            if (cur != UINT32_MAX && sc_ix_pl_doc(pl, cur, tf)) return oom(f);
            cur = d;
            tf = 0;
        }
        if (positional && sc_ix_pl_pos(pl, (uint32_t)(p[i] & f->pmask))) return oom(f);
        tf++;
    }
    if (cur != UINT32_MAX && sc_ix_pl_doc(pl, cur, tf)) return oom(f);
    return sc_segw_term(f->w, key, pl->docs, pl->tfs, (uint32_t)pl->n, positional ? pl->pos : NULL, f->err);
}

/* Ranks, and the records grouped by character. */
static int prepare(flushctx *f)
{
    const sc_membuf *m = f->m;
    uint32_t k = m->n_ids;
    f->rank = malloc((k + 1) * sizeof *f->rank);
    f->by_rank = malloc((k + 1) * sizeof *f->by_rank);
    f->off = malloc((k + 1) * sizeof *f->off);
    uint32_t *next = malloc((k + 1) * sizeof *next);
    size_t n_pos = 0;
    for (uint32_t id = 1; id <= k; id++) n_pos += m->idcnt[id];
    if (n_pos + 1 > f->occ_cap) {     /* the last flush's, when large enough */
        free(f->occ);
        f->occ = malloc((n_pos + 1) * sizeof *f->occ);
        f->occ_cap = f->occ ? n_pos + 1 : 0;
    }
    if (!f->rank || !f->by_rank || !f->off || !next || !f->occ) { free(next); return SC_ENOMEM; }
    for (uint32_t r = 0; r < k; r++) f->by_rank[r] = r + 1;
    sort_cp = m->idcp;     /* the writer is single-threaded */
    qsort(f->by_rank, k, sizeof *f->by_rank, cmp_id_cp);
    uint32_t sum = 0;
    for (uint32_t r = 0; r < k; r++) {
        uint32_t id = f->by_rank[r];
        f->rank[id] = r;
        f->off[r] = next[id] = sum;
        sum += m->idcnt[id];
    }
    f->off[k] = sum;
    /* one sequential pass; the next character is read here, while seq is
       in cache, and not later from each group's scattered positions */
    f->rank[0] = k;
    record_layout(f);
    for (uint32_t d = 0; d < m->n_docs; d++) {
        uint32_t s0 = m->start[d];
        uint64_t doc = (uint64_t)d << f->ds;
        for (uint32_t i = s0; i < m->start[d + 1]; i++)
            if (m->seq[i]) f->occ[next[m->seq[i]]++] = (uint64_t)f->rank[m->seq[i + 1]] << f->rs | doc | (i - s0);
    }
    free(next);
    return SC_OK;
}

static int write_uni(flushctx *f)
{
    for (uint32_t r = 0; r < f->m->n_ids; r++) {
        uint32_t cp = f->m->idcp[f->by_rank[r]];
        int rc = emit_positions(f, SC_KEY_UNI(cp), f->occ + f->off[r], f->off[r + 1] - f->off[r], 0);
        if (rc) return rc;
    }
    return SC_OK;
}

static int write_tuni(flushctx *f)
{
    const sc_membuf *m = f->m;
    size_t n = 0;
    for (uint32_t d = 0; d < m->n_docs; d++) n += m->docs[d].title_len;
    if (need_rec(f, n)) return oom(f);
    /* (rank, doc, position), built in seq order */
    size_t k = 0;
    for (uint32_t d = 0; d < m->n_docs; d++) {
        uint64_t doc = (uint64_t)d << f->ds;
        for (uint32_t p = 0; p < m->docs[d].title_len; p++)
            f->rec[k++] = (uint64_t)f->rank[m->seq[m->start[d] + p]] << f->rs | doc | p;
    }
    uint64_t *s = sort_hi(f->rec, f->tmp, n, m->n_ids, f->rs);
    for (size_t i = 0; i < n;) {
        uint32_t r = (uint32_t)(s[i] >> f->rs);
        size_t j = i;
        while (j < n && (uint32_t)(s[j] >> f->rs) == r) j++;
        int rc = emit_positions(f, SC_KEY_TUNI(m->idcp[f->by_rank[r]]), s + i, j - i, 0);
        if (rc) return rc;
        i = j;
    }
    return SC_OK;
}

/* After write_uni: sorts each character's records by the next character
** (in place) and writes the pairs. */
static int write_bi(flushctx *f)
{
    const sc_membuf *m = f->m;
    for (uint32_t ra = 0; ra < m->n_ids; ra++) {
        uint64_t *g = f->occ + f->off[ra];
        size_t n = f->off[ra + 1] - f->off[ra];
        if (need_rec(f, n)) return oom(f);
        uint64_t *s = sort_hi(g, f->tmp, n, m->n_ids, f->rs);
        uint32_t cpa = m->idcp[f->by_rank[ra]];
        for (size_t i = 0; i < n;) {
            uint32_t rb = (uint32_t)(s[i] >> f->rs);
            if (rb == m->n_ids) break;          /* no next character: last */
            size_t j = i;
            while (j < n && (uint32_t)(s[j] >> f->rs) == rb) j++;
            int rc = emit_positions(f, SC_KEY_BI(cpa, m->idcp[f->by_rank[rb]]), s + i, j - i, 1);
            if (rc) return rc;
            i = j;
        }
    }
    return SC_OK;
}

/* Writes the buffer as a segment at path. */
int sc_membuf_flush(sc_membuf *m, const char *path, sc_err *err)
{
    /* the large arrays come from the last flush of the batch and go back
    ** to the buffer: fresh ones cost a page fault and a clearing per 4 kB,
    ** 4 % of a whole-corpus import */
    flushctx f = {.m = m, .err = err, .occ = m->occ, .occ_cap = m->occ_cap,
                  .rec = m->rec, .tmp = m->tmp, .rec_cap = m->rec_cap};
    int rc = sc_segw_open(path, &f.w, err);
    if (!rc) rc = sc_segw_docs(f.w, m->docs, m->n_docs, err);
    if (!rc && prepare(&f)) rc = oom(&f);
    if (!rc) rc = write_uni(&f);
    if (!rc) rc = write_tuni(&f);
    if (!rc) rc = write_bi(&f);
    free(f.rank);
    free(f.by_rank);
    free(f.off);
    m->occ = f.occ;
    m->occ_cap = f.occ_cap;
    m->rec = f.rec;
    m->tmp = f.tmp;
    m->rec_cap = f.rec_cap;
    sc_ix_pl_free(&f.pl);
    if (rc) { if (f.w) sc_segw_abort(f.w); return rc; }
    return sc_segw_finish(f.w, err);
}
