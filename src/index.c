/*
** index.c — the index folder: in-memory buffer, segments, commit point,
** deletions, merges and snapshots (index.h).
**
** Folder DIR/index/:
**   COMMIT               the commit point: "SCXCMT01", u64 generation,
**                        i64 seq, u32 next segment number, u32 n_segs, then
**                        per segment {u32 no, u32 n_docs, u32 del_gen,
**                        u32 n_del}, then u32 crc32 of all before.  Replaced
**                        atomically: COMMIT.tmp, fsync, rename, fsync dir.
**   seg-NNNNNN.sxs       segments (index_seg.c), fsynced before a commit
**                        point names them
**   seg-NNNNNN.del-G     deletion bitmap of segment N as of generation G:
**                        ceil(n_docs/8) bytes, then u32 crc32
** Files that COMMIT does not name are leftovers of a crash or of a merge;
** the writer removes them after each of its commits (never a reader: a
** writer in another process may be writing them).
**
** The writer buffers added documents in memory (terms -> varint postings)
** and writes a segment when the buffer passes SC_FLUSH_BYTES or at commit;
** nothing is visible before the commit point names it.  Adding a number
** that is already indexed replaces it (the old copy is marked deleted), so
** replaying the store's changes twice is harmless.  At commit, when more
** than MERGE_MAX segments exist, the MERGE_WIDTH smallest are merged into
** one, dropping deleted documents (synchronously: simple and bounded, since
** tiers make each document be rewritten O(log n) times).
*/
#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "index_seg.h"
#include "index_snap.h"
#include "normalize.h"

#define SC_FLUSH_BYTES ((size_t)128 << 20)
#define MERGE_MAX 8
#define MERGE_WIDTH 6
#define UNI_DIRECT 0x30000u
#define MEMSEG UINT32_MAX

/* ---- in-memory buffer ---------------------------------------------------- */

#define MT_INLINE 28
typedef struct mterm {     /* one cache line: rare terms never leave it */
    uint64_t key;
    uint8_t *buf;          /* per doc: varint gap, then tf (plain) or
                              positions+1 / gaps and a 0 (positional);
                              NULL while the bytes fit in inl */
    uint32_t len, cap, last_doc, last_pos, tf;
    uint8_t inl[MT_INLINE];
} mterm;

typedef struct hslot { uint64_t key; uint32_t val; } hslot;   /* val: index + 1; 0 = empty */

typedef struct membuf {
    mterm *terms;
    size_t n_terms, cap_terms;
    uint32_t *uni, *tuni;  /* [UNI_DIRECT]: term index + 1 */
    hslot *hash;
    size_t hcap, hn;
    sc_docmeta *docs;
    uint8_t *del;
    uint32_t n_docs, cap_docs, n_del;
    uint32_t *touched;
    size_t n_touched, cap_touched;
    size_t bytes;
    sc_norm norm;
} membuf;

typedef struct wseg {          /* a segment in the writer's working set */
    sc_seg *seg;
    uint8_t *del;
    uint32_t n_del, del_gen;
    int dirty;
} wseg;

struct sc_index {
    char *dir;
    pthread_mutex_t mu;        /* guards cur and reloads */
    sc_snapshot *cur;
    struct stat commit_st;     /* identity of the COMMIT file loaded */
    int writer;                /* this process writes (guarded by mu) */
    /* commit state */
    int64_t seq;
    uint64_t gen;
    uint32_t next_seg;
    /* writer */
    wseg *ws;
    size_t n_ws, cap_ws;
    membuf mb;
    int64_t *mkeys;            /* num -> location map (open addressing) */
    uint64_t *mvals;           /* seg no << 32 | doc; UINT64_MAX = gone */
    size_t mcap, mn;
    int map_ready;
    int optimize;              /* merge everything at the next commit */
};

static size_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

static void mb_free(membuf *m)
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
static void mb_reset(membuf *m)
{
    sc_norm keep = m->norm;
    m->norm = (sc_norm){0};
    mb_free(m);
    m->norm = keep;
}

static int mb_hgrow(membuf *m)
{
    size_t cap = m->hcap ? m->hcap * 2 : (1u << 16);
    hslot *h = calloc(cap, sizeof *h);
    if (!h) return -1;
    for (size_t i = 0; i < m->hcap; i++) {
        if (!m->hash[i].val) continue;
        size_t j = hash64(m->hash[i].key) & (cap - 1);
        while (h[j].val) j = (j + 1) & (cap - 1);
        h[j] = m->hash[i];
    }
    m->bytes += (cap - m->hcap) * sizeof *h;
    free(m->hash);
    m->hash = h;
    m->hcap = cap;
    return 0;
}

static mterm *mb_new_term(membuf *m, uint64_t key, uint32_t *slot)
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
static mterm *mb_term(membuf *m, uint64_t key)
{
    uint32_t cp = (uint32_t)(key & ((1u << 21) - 1));
    if ((key >> 42) < 2 && cp < UNI_DIRECT) {
        uint32_t *tab = (key >> 42) ? m->tuni : m->uni;
        if (tab[cp]) return &m->terms[tab[cp] - 1];
        return mb_new_term(m, key, &tab[cp]);
    }
    if (m->hn * 2 >= m->hcap && mb_hgrow(m)) return NULL;
    size_t j = hash64(key) & (m->hcap - 1);
    while (m->hash[j].val) {
        if (m->hash[j].key == key) return &m->terms[m->hash[j].val - 1];
        j = (j + 1) & (m->hcap - 1);
    }
    m->hash[j].key = key;
    m->hn++;
    return mb_new_term(m, key, &m->hash[j].val);
}

static int mt_put(membuf *m, mterm *t, uint32_t v)
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
static int mb_occ(membuf *m, uint64_t key, uint32_t doc, uint32_t pos)
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

static int mb_add(membuf *m, int64_t num, const sc_doc *doc)
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

/* Growable decode arrays shared by flush and merge. */
typedef struct plist { uint32_t *docs, *tfs, *pos; size_t n, cap, np, pcap; } plist;

static int pl_doc(plist *p, uint32_t doc, uint32_t tf)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        uint32_t *d = realloc(p->docs, cap * sizeof *d), *t;
        if (!d) return -1;
        p->docs = d;
        if (!(t = realloc(p->tfs, cap * sizeof *t))) return -1;
        p->tfs = t;
        p->cap = cap;
    }
    p->docs[p->n] = doc;
    p->tfs[p->n++] = tf;
    return 0;
}

static int pl_pos(plist *p, uint32_t pos)
{
    if (p->np == p->pcap) {
        size_t cap = p->pcap ? p->pcap * 2 : 4096;
        uint32_t *d = realloc(p->pos, cap * sizeof *d);
        if (!d) return -1;
        p->pos = d;
        p->pcap = cap;
    }
    p->pos[p->np++] = pos;
    return 0;
}

static void pl_free(plist *p) { free(p->docs); free(p->tfs); free(p->pos); }

static const membuf *sort_mb;
static int cmp_term(const void *a, const void *b)
{
    uint64_t x = sort_mb->terms[*(const uint32_t *)a].key, y = sort_mb->terms[*(const uint32_t *)b].key;
    return x < y ? -1 : x > y;
}

static void seg_path(const sc_index *ix, uint32_t no, char *out, size_t n)
{
    snprintf(out, n, "%s/seg-%06u.sxs", ix->dir, no);
}

/* Writes the buffer as segment `no`. */
static int mb_flush(membuf *m, const char *path, sc_err *err)
{
    uint32_t *order = malloc((m->n_terms + 1) * sizeof *order);
    if (!order) return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n_terms; i++) order[i] = (uint32_t)i;
    sort_mb = m;     /* the writer is single-threaded */
    qsort(order, m->n_terms, sizeof *order, cmp_term);
    sc_segw *w;
    int rc = sc_segw_open(path, &w, err);
    if (!rc) rc = sc_segw_docs(w, m->docs, m->n_docs, err);
    plist pl = {0};
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
                if (pl_doc(&pl, doc, v)) rc = SC_ENOMEM;
                continue;
            }
            uint32_t tf = 0, pos = 0;
            while ((p = sc_get_varint(p, end, &v)) && v) {
                pos = tf ? pos + v : v - 1;
                if (pl_pos(&pl, pos)) { rc = SC_ENOMEM; break; }
                tf++;
            }
            if (!p) break;
            if (!rc && pl_doc(&pl, doc, tf)) rc = SC_ENOMEM;
        }
        if (rc) { sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        rc = sc_segw_term(w, t->key, pl.docs, pl.tfs, (uint32_t)pl.n, pl.pos, err);
    }
    pl_free(&pl);
    free(order);
    if (rc) { if (w) sc_segw_abort(w); return rc; }
    return sc_segw_finish(w, err);
}

/* ---- num -> location map ------------------------------------------------- */

static int map_put(sc_index *ix, int64_t num, uint64_t loc)
{
    if (ix->mn * 2 >= ix->mcap) {
        size_t cap = ix->mcap ? ix->mcap * 2 : 4096;
        int64_t *k = malloc(cap * sizeof *k);
        uint64_t *v = malloc(cap * sizeof *v);
        if (!k || !v) { free(k); free(v); return -1; }
        for (size_t i = 0; i < cap; i++) k[i] = -1;
        for (size_t i = 0; i < ix->mcap; i++) {
            if (ix->mkeys[i] < 0) continue;
            size_t j = hash64((uint64_t)ix->mkeys[i]) & (cap - 1);
            while (k[j] >= 0) j = (j + 1) & (cap - 1);
            k[j] = ix->mkeys[i];
            v[j] = ix->mvals[i];
        }
        free(ix->mkeys);
        free(ix->mvals);
        ix->mkeys = k;
        ix->mvals = v;
        ix->mcap = cap;
    }
    size_t j = hash64((uint64_t)num) & (ix->mcap - 1);
    while (ix->mkeys[j] >= 0 && ix->mkeys[j] != num) j = (j + 1) & (ix->mcap - 1);
    if (ix->mkeys[j] < 0) { ix->mkeys[j] = num; ix->mn++; }
    ix->mvals[j] = loc;
    return 0;
}

static uint64_t map_get(const sc_index *ix, int64_t num)
{
    if (!ix->mcap) return UINT64_MAX;
    size_t j = hash64((uint64_t)num) & (ix->mcap - 1);
    while (ix->mkeys[j] >= 0) {
        if (ix->mkeys[j] == num) return ix->mvals[j];
        j = (j + 1) & (ix->mcap - 1);
    }
    return UINT64_MAX;
}

static void map_clear(sc_index *ix)
{
    free(ix->mkeys);
    free(ix->mvals);
    ix->mkeys = NULL;
    ix->mvals = NULL;
    ix->mcap = ix->mn = 0;
    ix->map_ready = 0;
}

static int map_add_seg(sc_index *ix, const wseg *w)
{
    for (uint32_t i = 0; i < w->seg->n_docs; i++) {
        if (w->del && (w->del[i >> 3] >> (i & 7) & 1)) continue;
        if (map_put(ix, w->seg->num[i], (uint64_t)w->seg->no << 32 | i)) return -1;
    }
    return 0;
}

static int map_build(sc_index *ix, sc_err *err)
{
    if (ix->map_ready) return SC_OK;
    for (size_t i = 0; i < ix->n_ws; i++)
        if (map_add_seg(ix, &ix->ws[i])) return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < ix->mb.n_docs; i++)
        if (!(ix->mb.del[i >> 3] >> (i & 7) & 1) && map_put(ix, ix->mb.docs[i].num, (uint64_t)MEMSEG << 32 | i))
            return sc_err_set(err, SC_ENOMEM, "out of memory");
    ix->map_ready = 1;
    return SC_OK;
}

/* ---- snapshots ----------------------------------------------------------- */

int64_t sc_snapshot_seq(const sc_snapshot *s) { return s->seq; }

void sc_snapshot_release(sc_snapshot *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    for (size_t i = 0; i < s->n; i++) {
        sc_seg_release(s->v[i].seg);
        free(s->v[i].del);
    }
    free(s->v);
    free(s);
}

static sc_snapshot *snap_from_ws(const sc_index *ix)
{
    sc_snapshot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    s->seq = ix->seq;
    s->v = calloc(ix->n_ws + 1, sizeof *s->v);
    if (!s->v) { free(s); return NULL; }
    uint64_t total = 0, all = 0;
    for (size_t i = 0; i < ix->n_ws; i++) {
        const wseg *w = &ix->ws[i];
        sc_sview *v = &s->v[s->n];
        if (w->n_del) {
            size_t nb = w->seg->n_docs / 8 + 1;
            if (!(v->del = malloc(nb))) { sc_snapshot_release(s); return NULL; }
            memcpy(v->del, w->del, nb);
        }
        sc_seg_ref(w->seg);
        v->seg = w->seg;
        v->n_live = w->seg->n_docs - w->n_del;
        s->n++;
        s->n_docs += v->n_live;
        total += w->seg->total_len;
        all += w->seg->n_docs;
    }
    s->avg_len = all ? (double)total / (double)all : 1.0;
    return s;
}

static void publish(sc_index *ix, sc_snapshot *s)
{
    pthread_mutex_lock(&ix->mu);
    sc_snapshot *old = ix->cur;
    ix->cur = s;
    pthread_mutex_unlock(&ix->mu);
    sc_snapshot_release(old);
}

/* ---- commit point ---------------------------------------------------------- */

static void ws_free(sc_index *ix)
{
    for (size_t i = 0; i < ix->n_ws; i++) {
        sc_seg_release(ix->ws[i].seg);
        free(ix->ws[i].del);
    }
    free(ix->ws);
    ix->ws = NULL;
    ix->n_ws = ix->cap_ws = 0;
}

static int ws_push(sc_index *ix, sc_seg *seg, uint8_t *del, uint32_t n_del, uint32_t del_gen)
{
    if (ix->n_ws == ix->cap_ws) {
        size_t cap = ix->cap_ws ? ix->cap_ws * 2 : 16;
        wseg *w = realloc(ix->ws, cap * sizeof *w);
        if (!w) return -1;
        ix->ws = w;
        ix->cap_ws = cap;
    }
    if (!del && !(del = calloc(seg->n_docs / 8 + 1, 1))) return -1;
    ix->ws[ix->n_ws++] = (wseg){seg, del, n_del, del_gen, 0};
    return 0;
}

static int read_file_all(const char *path, sc_buf *b)
{
    FILE *f = fopen(path, "rbe");
    if (!f) return errno == ENOENT ? SC_ENOTFOUND : SC_EIO;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sc_buf_add(b, tmp, n);
    int e = ferror(f);
    fclose(f);
    return e ? SC_EIO : b->oom ? SC_ENOMEM : SC_OK;
}

/* Loads COMMIT into the working set (ix->ws, seq, gen, next_seg). */
static int load_commit(sc_index *ix, sc_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/COMMIT", ix->dir);
    ws_free(ix);
    map_clear(ix);
    ix->seq = 0;
    ix->gen = 0;
    ix->next_seg = 1;
    memset(&ix->commit_st, 0, sizeof ix->commit_st);
    sc_buf b = SC_BUF_INIT;
    int rc = read_file_all(path, &b);
    if (rc == SC_ENOTFOUND) { sc_buf_free(&b); return SC_OK; }
    if (rc) { sc_buf_free(&b); return sc_err_set(err, rc, "%s: cannot read", path); }
    stat(path, &ix->commit_st);
    const uint8_t *p = (const uint8_t *)b.data;
    uint32_t n_segs = 0;
    if (b.len < 36 || memcmp(p, "SCXCMT01", 8)) rc = SC_EINDEX;
    else {
        memcpy(&n_segs, p + 28, 4);
        uint32_t crc;
        if ((uint64_t)n_segs * 16 + 36 != b.len) rc = SC_EINDEX;
        else {
            memcpy(&crc, p + b.len - 4, 4);
            if (crc != (uint32_t)crc32(0, p, (uInt)(b.len - 4))) rc = SC_EINDEX;
        }
    }
    if (rc) { sc_buf_free(&b); return sc_err_set(err, SC_EINDEX, "%s: damaged commit point; run `sucai index rebuild`", path); }
    memcpy(&ix->gen, p + 8, 8);
    memcpy(&ix->seq, p + 16, 8);
    memcpy(&ix->next_seg, p + 24, 4);
    for (uint32_t i = 0; i < n_segs && !rc; i++) {
        uint32_t e[4];
        memcpy(e, p + 32 + 16 * i, 16);
        char sp[4300];
        seg_path(ix, e[0], sp, sizeof sp);
        sc_seg *seg;
        if ((rc = sc_seg_open(sp, e[0], &seg, err))) break;
        if (seg->n_docs != e[1]) { sc_seg_release(seg); rc = sc_err_set(err, SC_EINDEX, "%s: document count differs from the commit point", sp); break; }
        uint8_t *del = calloc(seg->n_docs / 8 + 1, 1);
        if (!del) { sc_seg_release(seg); rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        if (e[2]) {
            char dp[4400];
            snprintf(dp, sizeof dp, "%s/seg-%06u.del-%u", ix->dir, e[0], e[2]);
            sc_buf d = SC_BUF_INIT;
            size_t nb = (seg->n_docs + 7) / 8;
            int r = read_file_all(dp, &d);
            uint32_t crc = 0;
            if (!r && d.len == nb + 4) memcpy(&crc, d.data + nb, 4);
            if (r || d.len != nb + 4 || crc != (uint32_t)crc32(0, (const uint8_t *)d.data, (uInt)nb)) {
                rc = sc_err_set(err, r == SC_ENOTFOUND ? SC_ENOTFOUND : SC_EINDEX, "%s: missing or damaged deletion file", dp);
                sc_buf_free(&d);
                free(del);
                sc_seg_release(seg);
                break;
            }
            memcpy(del, d.data, nb);
            sc_buf_free(&d);
        }
        if (ws_push(ix, seg, del, e[3], e[2])) { free(del); sc_seg_release(seg); rc = sc_err_set(err, SC_ENOMEM, "out of memory"); }
    }
    sc_buf_free(&b);
    if (rc) ws_free(ix);
    return rc;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int write_durable(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; close(fd); return -1; }
        p += w;
        n -= (size_t)w;
    }
    int r = fsync(fd);
    return close(fd) || r ? -1 : 0;
}

/* Removes files that the commit point does not name. */
static void collect_garbage(sc_index *ix)
{
    DIR *d = opendir(ix->dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned no, gen;
        int keep = 1, used = 0;
        char tail[8];
        if (sscanf(de->d_name, "seg-%u.sxs%1s", &no, tail) == 1) {
            keep = 0;
            for (size_t i = 0; i < ix->n_ws; i++) if (ix->ws[i].seg->no == no) keep = 1;
        } else if (sscanf(de->d_name, "seg-%u.del-%u%n", &no, &gen, &used) == 2 && !de->d_name[used]) {
            keep = 0;
            for (size_t i = 0; i < ix->n_ws; i++)
                if (ix->ws[i].seg->no == no && ix->ws[i].del_gen == gen) keep = 1;
        } else if (strstr(de->d_name, ".tmp")) {
            keep = 0;
        }
        if (!keep) {
            char p[4400];
            snprintf(p, sizeof p, "%s/%s", ix->dir, de->d_name);
            unlink(p);
        }
    }
    closedir(d);
}

/* ---- merging ------------------------------------------------------------- */

static int cmp_live(const void *a, const void *b)
{
    const wseg *x = *(wseg *const *)a, *y = *(wseg *const *)b;
    uint32_t lx = x->seg->n_docs - x->n_del, ly = y->seg->n_docs - y->n_del;
    return lx < ly ? -1 : lx > ly ? 1 : (x->seg->no > y->seg->no) - (x->seg->no < y->seg->no);
}

/* Merges ins[0..k) (working-set entries) into a new segment file. */
static int merge_segs(sc_index *ix, wseg **ins, size_t k, uint32_t no, sc_err *err)
{
    char path[4300];
    seg_path(ix, no, path, sizeof path);
    uint32_t total = 0;
    for (size_t i = 0; i < k; i++) total += ins[i]->seg->n_docs - ins[i]->n_del;
    uint32_t **remap = calloc(k, sizeof *remap);
    sc_docmeta *dm = calloc((size_t)total + 1, sizeof *dm);
    sc_dictcur *cur = calloc(k, sizeof *cur);
    int *live = calloc(k, sizeof *live);
    sc_postit it = {0};
    plist pl = {0};
    sc_segw *w = NULL;
    int rc = SC_OK;
    if (!remap || !dm || !cur || !live) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
    uint32_t nd = 0;
    for (size_t i = 0; i < k && !rc; i++) {
        const sc_seg *s = ins[i]->seg;
        if (!(remap[i] = malloc(((size_t)s->n_docs + 1) * sizeof **remap))) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        for (uint32_t d = 0; d < s->n_docs; d++) {
            if (ins[i]->del[d >> 3] >> (d & 7) & 1) { remap[i][d] = UINT32_MAX; continue; }
            remap[i][d] = nd;
            dm[nd] = (sc_docmeta){s->num[d], s->len[d], s->title_len[d], s->year[d], s->date[d],
                                  sc_seg_str(s, s->type_off[d]), sc_seg_str(s, s->source_off[d]),
                                  sc_seg_str(s, s->id_off[d])};
            nd++;
        }
        sc_dictcur_start(&cur[i], s);
        live[i] = sc_dictcur_next(&cur[i]);
    }
    if (!rc) rc = sc_segw_open(path, &w, err);
    if (!rc) rc = sc_segw_docs(w, dm, nd, err);
    while (!rc) {
        uint64_t key = UINT64_MAX;
        int any = 0;
        for (size_t i = 0; i < k; i++)
            if (live[i] && (!any || cur[i].t.key < key)) { key = cur[i].t.key; any = 1; }
        if (!any) break;
        pl.n = pl.np = 0;
        for (size_t i = 0; i < k && !rc; i++) {
            if (!live[i] || cur[i].t.key != key) continue;
            sc_postit_init(&it, &cur[i].t);
            for (uint32_t d = sc_postit_next(&it); d != SC_DOC_END; d = sc_postit_next(&it)) {
                if (d >= ins[i]->seg->n_docs) { it.bad = 1; break; }
                uint32_t nd2 = remap[i][d];
                if (nd2 == UINT32_MAX) continue;
                if (it.positional) {
                    uint32_t np;
                    const uint32_t *ps = sc_postit_positions(&it, &np);
                    if (!ps) { it.bad = 1; break; }
                    for (uint32_t j = 0; j < np; j++) if (pl_pos(&pl, ps[j])) rc = SC_ENOMEM;
                }
                if (pl_doc(&pl, nd2, sc_postit_tf(&it))) rc = SC_ENOMEM;
            }
            if (it.bad) rc = sc_err_set(err, SC_EINDEX, "%s: damaged postings; run `sucai index rebuild`", ins[i]->seg->path);
            else if (rc) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
            live[i] = sc_dictcur_next(&cur[i]);
            if (cur[i].bad) rc = sc_err_set(err, SC_EINDEX, "%s: damaged dictionary", ins[i]->seg->path);
        }
        if (!rc) rc = sc_segw_term(w, key, pl.docs, pl.tfs, (uint32_t)pl.n, pl.pos, err);
    }
    if (!rc) { rc = sc_segw_finish(w, err); w = NULL; }
out:
    if (w) sc_segw_abort(w);
    sc_postit_free(&it);
    pl_free(&pl);
    if (remap) for (size_t i = 0; i < k; i++) free(remap[i]);
    free(remap);
    free(dm);
    free(cur);
    free(live);
    return rc;
}

/* Merges the smallest segments while there are too many. */
static int maybe_merge(sc_index *ix, sc_err *err)
{
    while (ix->n_ws > MERGE_MAX || (ix->optimize && ix->n_ws > 1)) {
        wseg **by = malloc(ix->n_ws * sizeof *by);
        if (!by) return sc_err_set(err, SC_ENOMEM, "out of memory");
        for (size_t i = 0; i < ix->n_ws; i++) by[i] = &ix->ws[i];
        qsort(by, ix->n_ws, sizeof *by, cmp_live);
        size_t k = ix->optimize ? ix->n_ws : MERGE_WIDTH;
        uint32_t no = ix->next_seg++;
        int rc = merge_segs(ix, by, k, no, err);
        if (rc) { free(by); return rc; }
        char path[4300];
        seg_path(ix, no, path, sizeof path);
        sc_seg *seg;
        if ((rc = sc_seg_open(path, no, &seg, err))) { free(by); return rc; }
        /* drop the inputs from the working set */
        uint32_t *gone = malloc(k * sizeof *gone);
        if (!gone) { free(by); sc_seg_release(seg); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
        for (size_t i = 0; i < k; i++) gone[i] = by[i]->seg->no;
        free(by);
        size_t o = 0;
        for (size_t i = 0; i < ix->n_ws; i++) {
            int drop = 0;
            for (size_t j = 0; j < k; j++) if (ix->ws[i].seg->no == gone[j]) drop = 1;
            if (drop) { sc_seg_release(ix->ws[i].seg); free(ix->ws[i].del); }
            else ix->ws[o++] = ix->ws[i];
        }
        ix->n_ws = o;
        free(gone);
        if (ws_push(ix, seg, NULL, 0, 0)) { sc_seg_release(seg); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
        if (ix->map_ready && map_add_seg(ix, &ix->ws[ix->n_ws - 1])) return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    return SC_OK;
}

/* Writes the buffered documents as a new segment in the working set. */
static int flush_buffer(sc_index *ix, sc_err *err)
{
    membuf *m = &ix->mb;
    if (!m->n_docs) return SC_OK;
    uint32_t no = ix->next_seg++;
    char path[4300];
    seg_path(ix, no, path, sizeof path);
    int rc = mb_flush(m, path, err);
    sc_seg *seg = NULL;
    if (!rc) rc = sc_seg_open(path, no, &seg, err);
    if (rc) return rc;
    uint8_t *del = m->del;
    uint32_t n_del = m->n_del, n = m->n_docs;
    m->del = NULL;
    if (ws_push(ix, seg, del, n_del, 0)) { free(del); sc_seg_release(seg); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    ix->ws[ix->n_ws - 1].dirty = n_del > 0;
    if (ix->map_ready)
        for (uint32_t i = 0; i < n; i++)
            if (!(del[i >> 3] >> (i & 7) & 1) && map_put(ix, seg->num[i], (uint64_t)no << 32 | i))
                return sc_err_set(err, SC_ENOMEM, "out of memory");
    mb_reset(m);
    return SC_OK;
}

/* ---- public API ------------------------------------------------------------ */

int sc_index_open(const char *dir, sc_index **out, sc_err *err)
{
    *out = NULL;
    sc_index *ix = calloc(1, sizeof *ix);
    if (!ix) return sc_err_set(err, SC_ENOMEM, "out of memory");
    sc_buf p = SC_BUF_INIT;
    sc_buf_addf(&p, "%s/index", dir);
    if (p.oom) { free(ix); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    ix->dir = sc_buf_detach(&p);
    pthread_mutex_init(&ix->mu, NULL);
    if (mkdir(ix->dir, 0755) != 0 && errno != EEXIST && errno != EACCES && errno != EROFS) {
        int e = errno;
        sc_err_set(err, SC_EIO, "%s: cannot create: %s", ix->dir, strerror(e));
        sc_index_close(ix);
        return SC_EIO;
    }
    int rc = SC_OK;
    for (int tries = 0; tries < 20; tries++) {   /* a writer may replace files meanwhile */
        rc = load_commit(ix, err);
        if (rc != SC_ENOTFOUND) break;
        usleep(10000);
    }
    if (!rc && !(ix->cur = snap_from_ws(ix))) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    if (rc) { sc_index_close(ix); return rc; }
    sc_norm_init();
    *out = ix;
    return SC_OK;
}

void sc_index_close(sc_index *ix)
{
    if (!ix) return;
    sc_snapshot_release(ix->cur);
    ws_free(ix);
    mb_free(&ix->mb);
    map_clear(ix);
    pthread_mutex_destroy(&ix->mu);
    free(ix->dir);
    free(ix);
}

int64_t sc_index_seq(sc_index *ix) { return ix->seq; }

/* A process that writes never reloads: it holds the library's lock, so no
** other process commits.  Set under the mutex before any write. */
static void mark_writer(sc_index *ix)
{
    if (ix->writer) return;         /* only this thread ever sets it */
    pthread_mutex_lock(&ix->mu);
    ix->writer = 1;
    pthread_mutex_unlock(&ix->mu);
}

sc_snapshot *sc_index_snapshot(sc_index *ix)
{
    pthread_mutex_lock(&ix->mu);
    if (!ix->writer) {
        /* pick up a commit made by a writer in another process; the
           snapshot is built on the side, the writer state is not touched */
        char path[4200];
        struct stat sb;
        snprintf(path, sizeof path, "%s/COMMIT", ix->dir);
        if (stat(path, &sb) == 0 && (sb.st_ino != ix->commit_st.st_ino || sb.st_mtim.tv_sec != ix->commit_st.st_mtim.tv_sec ||
                                     sb.st_mtim.tv_nsec != ix->commit_st.st_mtim.tv_nsec || sb.st_size != ix->commit_st.st_size)) {
            for (int tries = 0; tries < 20; tries++) {
                sc_index tmp;
                memset(&tmp, 0, sizeof tmp);
                tmp.dir = ix->dir;
                int rc = load_commit(&tmp, NULL);
                if (rc == SC_OK) {
                    sc_snapshot *s = snap_from_ws(&tmp);
                    if (s) { sc_snapshot_release(ix->cur); ix->cur = s; ix->commit_st = tmp.commit_st; }
                }
                ws_free(&tmp);
                map_clear(&tmp);
                if (rc != SC_ENOTFOUND) break;
                usleep(10000);
            }
        }
    }
    sc_snapshot *s = ix->cur;
    if (s) atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&ix->mu);
    return s;
}

/* Marks the indexed copy of num (if any) deleted. */
static int delete_num(sc_index *ix, int64_t num, sc_err *err)
{
    int rc = map_build(ix, err);
    if (rc) return rc;
    uint64_t loc = map_get(ix, num);
    if (loc == UINT64_MAX) return SC_OK;
    uint32_t no = (uint32_t)(loc >> 32), doc = (uint32_t)loc;
    if (no == MEMSEG) {
        if (!(ix->mb.del[doc >> 3] >> (doc & 7) & 1)) { ix->mb.del[doc >> 3] |= (uint8_t)(1u << (doc & 7)); ix->mb.n_del++; }
    } else {
        for (size_t i = 0; i < ix->n_ws; i++) {
            wseg *w = &ix->ws[i];
            if (w->seg->no != no || (w->del[doc >> 3] >> (doc & 7) & 1)) continue;
            w->del[doc >> 3] |= (uint8_t)(1u << (doc & 7));
            w->n_del++;
            w->dirty = 1;
        }
    }
    return map_put(ix, num, UINT64_MAX) ? sc_err_set(err, SC_ENOMEM, "out of memory") : SC_OK;
}

int sc_index_add(sc_index *ix, int64_t num, const sc_doc *doc, sc_err *err)
{
    mark_writer(ix);
    int rc = delete_num(ix, num, err);
    if (rc) return rc;
    if (doc->len > UINT32_MAX / 2) return sc_err_set(err, SC_ELIMIT, "document %lld too long to index", (long long)num);
    if ((rc = mb_add(&ix->mb, num, doc))) {
        /* the buffer is unusable after a partial add: drop it (the store's
           changes will be replayed, the commit point still names seq) */
        mb_reset(&ix->mb);
        map_clear(ix);
        return sc_err_set(err, rc, "index: out of memory adding document %lld", (long long)num);
    }
    uint32_t d = ix->mb.n_docs - 1;
    if (map_put(ix, num, (uint64_t)MEMSEG << 32 | d)) return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (ix->mb.bytes > SC_FLUSH_BYTES) return flush_buffer(ix, err);
    return SC_OK;
}

int sc_index_delete(sc_index *ix, int64_t num, sc_err *err)
{
    mark_writer(ix);
    return delete_num(ix, num, err);
}

int sc_index_clear(sc_index *ix, sc_err *err)
{
    (void)err;
    mark_writer(ix);
    ws_free(ix);
    mb_reset(&ix->mb);
    map_clear(ix);
    ix->map_ready = 1;      /* empty, and known to be */
    return SC_OK;
}

int sc_index_commit(sc_index *ix, int64_t seq, sc_err *err)
{
    mark_writer(ix);
    int rc = flush_buffer(ix, err);
    if (!rc) rc = maybe_merge(ix, err);
    ix->optimize = 0;
    if (rc) return rc;
    /* drop segments with no live documents */
    size_t o = 0;
    for (size_t i = 0; i < ix->n_ws; i++) {
        if (ix->ws[i].n_del == ix->ws[i].seg->n_docs) { sc_seg_release(ix->ws[i].seg); free(ix->ws[i].del); }
        else ix->ws[o++] = ix->ws[i];
    }
    ix->n_ws = o;
    uint64_t gen = ix->gen + 1;
    for (size_t i = 0; i < ix->n_ws; i++) {
        wseg *w = &ix->ws[i];
        if (!w->dirty) continue;
        size_t nb = (w->seg->n_docs + 7) / 8;
        uint8_t *buf = malloc(nb + 4);
        if (!buf) return sc_err_set(err, SC_ENOMEM, "out of memory");
        memcpy(buf, w->del, nb);
        uint32_t crc = (uint32_t)crc32(0, buf, (uInt)nb);
        memcpy(buf + nb, &crc, 4);
        char dp[4400];
        snprintf(dp, sizeof dp, "%s/seg-%06u.del-%u", ix->dir, w->seg->no, (unsigned)gen);
        int bad = write_durable(dp, buf, nb + 4);
        free(buf);
        if (bad) return sc_err_set(err, SC_EIO, "%s: cannot write: %s", dp, strerror(errno));
        w->del_gen = (uint32_t)gen;
        w->dirty = 0;
    }
    sc_buf b = SC_BUF_INIT;
    uint32_t n = (uint32_t)ix->n_ws;
    sc_buf_add(&b, "SCXCMT01", 8);
    sc_buf_add(&b, &gen, 8);
    sc_buf_add(&b, &seq, 8);
    sc_buf_add(&b, &ix->next_seg, 4);
    sc_buf_add(&b, &n, 4);
    for (size_t i = 0; i < ix->n_ws; i++) {
        uint32_t e[4] = {ix->ws[i].seg->no, ix->ws[i].seg->n_docs, ix->ws[i].del_gen, ix->ws[i].n_del};
        sc_buf_add(&b, e, 16);
    }
    if (b.oom) return sc_err_set(err, SC_ENOMEM, "out of memory");
    uint32_t crc = (uint32_t)crc32(0, (const uint8_t *)b.data, (uInt)b.len);
    sc_buf_add(&b, &crc, 4);
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/COMMIT.tmp", ix->dir);
    snprintf(path, sizeof path, "%s/COMMIT", ix->dir);
    /* segment files were fsynced when written; make their names durable too */
    if (b.oom || fsync_dir(ix->dir) || write_durable(tmp, b.data, b.len) || rename(tmp, path) || fsync_dir(ix->dir)) {
        int e = errno;
        sc_buf_free(&b);
        return sc_err_set(err, SC_EIO, "%s: cannot write commit point: %s", path, strerror(e));
    }
    sc_buf_free(&b);
    ix->gen = gen;
    ix->seq = seq;
    sc_snapshot *s = snap_from_ws(ix);
    if (!s) return sc_err_set(err, SC_ENOMEM, "out of memory (the commit is durable)");
    publish(ix, s);
    collect_garbage(ix);
    return SC_OK;
}

void sc_index_optimize(sc_index *ix) { ix->optimize = 1; }

int sc_index_check(sc_index *ix, sc_err *err)
{
    sc_snapshot *s = sc_index_snapshot(ix);
    if (!s) return sc_err_set(err, SC_ENOMEM, "out of memory");
    int rc = SC_OK;
    for (size_t i = 0; i < s->n && !rc; i++) rc = sc_seg_check(s->v[i].seg, err);
    sc_snapshot_release(s);
    return rc;
}

int64_t sc_index_disk_bytes(sc_index *ix)
{
    sc_snapshot *s = sc_index_snapshot(ix);
    if (!s) return 0;
    int64_t n = 0;
    for (size_t i = 0; i < s->n; i++) n += (int64_t)s->v[i].seg->size + (s->v[i].del ? s->v[i].seg->n_docs / 8 + 4 : 0);
    sc_snapshot_release(s);
    return n;
}

int64_t sc_index_doc_count(sc_index *ix)
{
    sc_snapshot *s = sc_index_snapshot(ix);
    if (!s) return 0;
    int64_t n = (int64_t)s->n_docs;
    sc_snapshot_release(s);
    return n;
}
