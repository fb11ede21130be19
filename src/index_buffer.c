/*
** index_buffer.c — the index writer's in-memory buffer (index_priv.h): the
** documents added since the last flush, inverted, and their writing as one
** segment file.
**
** What the buffer holds:
**   docs[0..n_docs)   per buffered document, in the order added, its
**                     metadata (buffer doc number = position here); the
**                     strings are owned copies
**   del               bitmap of buffered documents deleted since (set by
**                     index.c), n_del of them
**   terms             per term key (index_seg.h) one varint byte stream;
**                     per document holding the term: the doc number (first
**                     document) or its gap from the previous one, then the
**                     tf for plain keys, or for positional keys the first
**                     position + 1, the gaps to the next positions, and a 0
**   uni, tuni         direct tables, code point -> term index + 1, for the
**                     unigram and title-unigram keys below UNI_DIRECT
**   hash              open-addressing table key -> term index + 1 for the
**                     other keys (bigrams, rare code points)
**   bytes             estimate of the memory held, for the flush threshold
** A term's stream stays inline in its cache-line-sized entry while it fits
** (most terms are rare).
**
** Contract:
**   - one thread: only the index writer touches a buffer (the flush sorts
**     through a file-static pointer).
**   - sc_membuf_add appends one document; when it fails the buffer is
**     unusable and the caller must sc_membuf_reset it.
**   - sc_membuf_flush writes the terms in key order through the segment
**     writer (index_seg.h) and does not change the buffer; the caller resets
**     it once the segment is in its working set.  The caller may take del
**     (setting it to NULL) before the reset.
**   - the buffer owns everything it points to; sc_membuf_free releases it
**     all, sc_membuf_reset all but the normaliser's arrays.
*/
#include "index_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "index_seg.h"
#include "normalize.h"

#define UNI_DIRECT 0x30000u

#define MT_INLINE 28
typedef struct sc_mterm {     /* one cache line: rare terms never leave it */
    uint64_t key;
    uint8_t *buf;          /* per doc: varint gap, then tf (plain) or
                              positions+1 / gaps and a 0 (positional);
                              NULL while the bytes fit in inl */
    uint32_t len, cap, last_doc, last_pos, tf;
    uint8_t inl[MT_INLINE];
} mterm;

typedef struct sc_hslot { uint64_t key; uint32_t val; } hslot;   /* val: index + 1; 0 = empty */

void sc_membuf_free(sc_membuf *m)
{
    for (size_t i = 0; i < m->n_terms; i++) free(m->terms[i].buf);
    for (uint32_t i = 0; i < m->n_docs; i++) {
        free((char *)m->docs[i].type);
        free((char *)m->docs[i].source);
        free((char *)m->docs[i].id);
    }
    free(m->terms);
    free(m->uni);
    free(m->tuni);
    free(m->hash);
    free(m->docs);
    free(m->del);
    free(m->touched);
    sc_norm_free(&m->norm);
    memset(m, 0, sizeof *m);
}

/* Empties the buffer, keeping the normaliser's arrays. */
void sc_membuf_reset(sc_membuf *m)
{
    sc_norm keep = m->norm;
    m->norm = (sc_norm){0};
    sc_membuf_free(m);
    m->norm = keep;
}

static int mb_hgrow(sc_membuf *m)
{
    size_t cap = m->hcap ? m->hcap * 2 : (1u << 16);
    hslot *h = calloc(cap, sizeof *h);
    if (!h) return -1;
    for (size_t i = 0; i < m->hcap; i++) {
        if (!m->hash[i].val) continue;
        size_t j = sc_ix_hash64(m->hash[i].key) & (cap - 1);
        while (h[j].val) j = (j + 1) & (cap - 1);
        h[j] = m->hash[i];
    }
    m->bytes += (cap - m->hcap) * sizeof *h;
    free(m->hash);
    m->hash = h;
    m->hcap = cap;
    return 0;
}

static mterm *mb_new_term(sc_membuf *m, uint64_t key, uint32_t *slot)
{
    if (m->n_terms == m->cap_terms) {
        size_t cap = m->cap_terms ? m->cap_terms * 2 : 4096;
        mterm *t = realloc(m->terms, cap * sizeof *t);
        if (!t) return NULL;
        m->bytes += (cap - m->cap_terms) * sizeof *t;
        m->terms = t;
        m->cap_terms = cap;
    }
    mterm *t = &m->terms[m->n_terms++];
    memset(t, 0, sizeof *t);
    t->key = key;
    t->cap = MT_INLINE;
    t->last_doc = UINT32_MAX;
    *slot = (uint32_t)m->n_terms;
    return t;
}

/* The term for key, created if new; NULL when out of memory. */
static mterm *mb_term(sc_membuf *m, uint64_t key)
{
    uint32_t cp = (uint32_t)(key & ((1u << 21) - 1));
    if ((key >> 42) < 2 && cp < UNI_DIRECT) {
        uint32_t *tab = (key >> 42) ? m->tuni : m->uni;
        if (tab[cp]) return &m->terms[tab[cp] - 1];
        return mb_new_term(m, key, &tab[cp]);
    }
    if (m->hn * 2 >= m->hcap && mb_hgrow(m)) return NULL;
    size_t j = sc_ix_hash64(key) & (m->hcap - 1);
    while (m->hash[j].val) {
        if (m->hash[j].key == key) return &m->terms[m->hash[j].val - 1];
        j = (j + 1) & (m->hcap - 1);
    }
    m->hash[j].key = key;
    m->hn++;
    return mb_new_term(m, key, &m->hash[j].val);
}

static int mt_put(sc_membuf *m, mterm *t, uint32_t v)
{
    if (t->len + 5 > t->cap) {
        uint32_t cap = t->cap * 2;
        uint8_t *b = realloc(t->buf, cap);
        if (!b) return -1;
        if (!t->buf) memcpy(b, t->inl, t->len);
        m->bytes += cap;
        t->buf = b;
        t->cap = cap;
    }
    uint8_t *d = t->buf ? t->buf : t->inl;
    t->len = (uint32_t)(sc_put_varint(d + t->len, v) - d);
    return 0;
}

/* Records one occurrence of key at pos in doc. */
static int mb_occ(sc_membuf *m, uint64_t key, uint32_t doc, uint32_t pos)
{
    mterm *t = mb_term(m, key);
    if (!t) return -1;
    if (t->last_doc != doc) {
        if (m->n_touched == m->cap_touched) {
            size_t cap = m->cap_touched ? m->cap_touched * 2 : 1024;
            uint32_t *p = realloc(m->touched, cap * sizeof *p);
            if (!p) return -1;
            m->touched = p;
            m->cap_touched = cap;
        }
        m->touched[m->n_touched++] = (uint32_t)(t - m->terms);
        if (mt_put(m, t, t->last_doc == UINT32_MAX ? doc : doc - t->last_doc)) return -1;
        t->last_doc = doc;
        t->tf = 0;
    }
    if (SC_KEY_POSITIONAL(key)) {
        if (mt_put(m, t, t->tf ? pos - t->last_pos : pos + 1)) return -1;
        t->last_pos = pos;
    }
    t->tf++;
    return 0;
}

static int32_t parse_date(const char *s)
{
    if (!s) return 0;
    int y = 0, mo = 0, d = 0;
    if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) < 1) return 0;
    if (y < 0 || y > 9999 || mo < 0 || mo > 12 || d < 0 || d > 31) return 0;
    return y * 10000 + mo * 100 + d;
}

int sc_membuf_add(sc_membuf *m, int64_t num, const sc_doc *doc)
{
    if (!m->uni) {
        m->uni = calloc(UNI_DIRECT, sizeof *m->uni);
        m->tuni = calloc(UNI_DIRECT, sizeof *m->tuni);
        if (!m->uni || !m->tuni) return SC_ENOMEM;
        m->bytes += 2 * UNI_DIRECT * sizeof *m->uni;
    }
    if (m->n_docs == m->cap_docs) {
        uint32_t cap = m->cap_docs ? m->cap_docs * 2 : 256;
        sc_docmeta *d = realloc(m->docs, cap * sizeof *d);
        if (!d) return SC_ENOMEM;
        m->docs = d;
        uint8_t *del = realloc(m->del, cap / 8 + 1);
        if (!del) return SC_ENOMEM;
        memset(del + m->cap_docs / 8, 0, cap / 8 + 1 - m->cap_docs / 8);
        if (!m->cap_docs) del[0] = 0;
        m->del = del;
        m->cap_docs = cap;
    }
    const char *text = doc->text ? doc->text : "";
    size_t len = doc->text ? doc->len : 0;
    if (sc_text_has_title(text, len, doc->title)) {
        if (sc_normalize(text, len, 0, &m->norm)) return SC_ENOMEM;
    } else {
        sc_buf b = SC_BUF_INIT;        /* title kept apart: put it in front */
        sc_buf_adds(&b, doc->title);
        sc_buf_addc(&b, '\n');
        sc_buf_add(&b, text, len);
        int bad = b.oom || sc_normalize(b.data, b.len, 0, &m->norm);
        sc_buf_free(&b);
        if (bad) return SC_ENOMEM;
    }
    const uint32_t *c = m->norm.cps;
    uint32_t n = (uint32_t)m->norm.n, doc_no = m->n_docs, title_len = n;
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
    m->n_docs++;
    if (!d->type || !d->source || !d->id) return SC_ENOMEM;
    m->n_touched = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = c[i];
        if (a == '\n') continue;
        if (mb_occ(m, SC_KEY_UNI(a), doc_no, i)) return SC_ENOMEM;
        if (i < title_len && mb_occ(m, SC_KEY_TUNI(a), doc_no, i)) return SC_ENOMEM;
        if (i + 1 < n && c[i + 1] != '\n' && mb_occ(m, SC_KEY_BI(a, c[i + 1]), doc_no, i)) return SC_ENOMEM;
    }
    for (size_t k = 0; k < m->n_touched; k++) {
        mterm *t = &m->terms[m->touched[k]];
        if (mt_put(m, t, SC_KEY_POSITIONAL(t->key) ? 0 : t->tf)) return SC_ENOMEM;
    }
    m->bytes += n / 4 + 64;
    return SC_OK;
}

static const sc_membuf *sort_mb;
static int cmp_term(const void *a, const void *b)
{
    uint64_t x = sort_mb->terms[*(const uint32_t *)a].key, y = sort_mb->terms[*(const uint32_t *)b].key;
    return x < y ? -1 : x > y;
}

/* Writes the buffer as segment `no`. */
int sc_membuf_flush(sc_membuf *m, const char *path, sc_err *err)
{
    uint32_t *order = malloc((m->n_terms + 1) * sizeof *order);
    if (!order) return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n_terms; i++) order[i] = (uint32_t)i;
    sort_mb = m;     /* the writer is single-threaded */
    qsort(order, m->n_terms, sizeof *order, cmp_term);
    sc_segw *w;
    int rc = sc_segw_open(path, &w, err);
    if (!rc) rc = sc_segw_docs(w, m->docs, m->n_docs, err);
    sc_ix_plist pl = {0};
    for (size_t k = 0; k < m->n_terms && !rc; k++) {
        const mterm *t = &m->terms[order[k]];
        int positional = SC_KEY_POSITIONAL(t->key);
        pl.n = pl.np = 0;
        const uint8_t *p = t->buf ? t->buf : t->inl, *end = p + t->len;
        uint32_t doc = 0;
        int first = 1;
        while (p < end && !rc) {
            uint32_t gap = 0, v = 0;
            if (!(p = sc_get_varint(p, end, &gap))) break;
            doc = first ? gap : doc + gap;
            first = 0;
            if (!positional) {
                if (!(p = sc_get_varint(p, end, &v))) break;
                if (sc_ix_pl_doc(&pl, doc, v)) rc = SC_ENOMEM;
                continue;
            }
            uint32_t tf = 0, pos = 0;
            while ((p = sc_get_varint(p, end, &v)) && v) {
                pos = tf ? pos + v : v - 1;
                if (sc_ix_pl_pos(&pl, pos)) { rc = SC_ENOMEM; break; }
                tf++;
            }
            if (!p) break;
            if (!rc && sc_ix_pl_doc(&pl, doc, tf)) rc = SC_ENOMEM;
        }
        if (rc) { sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        rc = sc_segw_term(w, t->key, pl.docs, pl.tfs, (uint32_t)pl.n, pl.pos, err);
    }
    sc_ix_pl_free(&pl);
    free(order);
    if (rc) { if (w) sc_segw_abort(w); return rc; }
    return sc_segw_finish(w, err);
}
