/*
** index.c — the index folder: commit point, snapshots, the num -> location
** map, deletions and the writer's flow (index.h).  The in-memory buffer is
** in index_buffer.c, merges and garbage collection in index_merge.c,
** segment files in index_seg.c; index_priv.h holds what they share.
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
#include "index_priv.h"

#define SC_FLUSH_BYTES ((size_t)256 << 20)
#define MEMSEG UINT32_MAX

void sc_ix_seg_path(const sc_index *ix, uint32_t no, char *out, size_t n)
{
    snprintf(out, n, "%s/seg-%06u.sxs", ix->dir, no);
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
            size_t j = sc_ix_hash64((uint64_t)ix->mkeys[i]) & (cap - 1);
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
    size_t j = sc_ix_hash64((uint64_t)num) & (ix->mcap - 1);
    while (ix->mkeys[j] >= 0 && ix->mkeys[j] != num) j = (j + 1) & (ix->mcap - 1);
    if (ix->mkeys[j] < 0) { ix->mkeys[j] = num; ix->mn++; }
    ix->mvals[j] = loc;
    return 0;
}

static uint64_t map_get(const sc_index *ix, int64_t num)
{
    if (!ix->mcap) return UINT64_MAX;
    size_t j = sc_ix_hash64((uint64_t)num) & (ix->mcap - 1);
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
    ix->max_known = 0;
}

/* Whether num is above every number the writer holds: then it cannot be
** in the index, and an add need neither look it up nor, while no delete
** has made the map, record it there (both were 1.6 % of an import whose
** documents are all new). */
static int above_all(sc_index *ix, int64_t num)
{
    if (!ix->max_known) {
        int64_t m = 0;
        for (size_t i = 0; i < ix->n_ws; i++)
            for (uint32_t d = 0; d < ix->ws[i].seg->n_docs; d++)
                if (ix->ws[i].seg->num[d] > m) m = ix->ws[i].seg->num[d];
        for (uint32_t d = 0; d < ix->mb.n_docs; d++)
            if (ix->mb.docs[d].num > m) m = ix->mb.docs[d].num;
        ix->max_num = m;
        ix->max_known = 1;
    }
    return num > ix->max_num;
}

int sc_ix_map_add_seg(sc_index *ix, const sc_ix_wseg *w)
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
        if (sc_ix_map_add_seg(ix, &ix->ws[i])) return sc_err_set(err, SC_ENOMEM, "out of memory");
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
        const sc_ix_wseg *w = &ix->ws[i];
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

int sc_ix_ws_push(sc_index *ix, sc_seg *seg, uint8_t *del, uint32_t n_del, uint32_t del_gen)
{
    if (ix->n_ws == ix->cap_ws) {
        size_t cap = ix->cap_ws ? ix->cap_ws * 2 : 16;
        sc_ix_wseg *w = realloc(ix->ws, cap * sizeof *w);
        if (!w) return -1;
        ix->ws = w;
        ix->cap_ws = cap;
    }
    if (!del && !(del = calloc(seg->n_docs / 8 + 1, 1))) return -1;
    ix->ws[ix->n_ws++] = (sc_ix_wseg){seg, del, n_del, del_gen, 0};
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
        sc_ix_seg_path(ix, e[0], sp, sizeof sp);
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
        if (sc_ix_ws_push(ix, seg, del, e[3], e[2])) { free(del); sc_seg_release(seg); rc = sc_err_set(err, SC_ENOMEM, "out of memory"); }
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

/* Writes the buffered documents as a new segment in the working set. */
static int flush_buffer(sc_index *ix, sc_err *err)
{
    sc_membuf *m = &ix->mb;
    if (!m->n_docs) return SC_OK;
    uint32_t no = ix->next_seg++;
    char path[4300];
    sc_ix_seg_path(ix, no, path, sizeof path);
    int rc = sc_membuf_flush(m, path, err);
    sc_seg *seg = NULL;
    if (!rc) rc = sc_seg_open(path, no, &seg, err);
    if (rc) return rc;
    uint8_t *del = m->del;
    uint32_t n_del = m->n_del, n = m->n_docs;
    m->del = NULL;
    if (sc_ix_ws_push(ix, seg, del, n_del, 0)) { free(del); sc_seg_release(seg); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    ix->ws[ix->n_ws - 1].dirty = n_del > 0;
    if (ix->map_ready)
        for (uint32_t i = 0; i < n; i++)
            if (!(del[i >> 3] >> (i & 7) & 1) && map_put(ix, seg->num[i], (uint64_t)no << 32 | i))
                return sc_err_set(err, SC_ENOMEM, "out of memory");
    sc_membuf_reset(m);
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
    sc_membuf_free(&ix->mb);
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

static int broken(sc_err *err)
{
    return sc_err_set(err, SC_EINDEX, "index: could not go back to its last commit; reopen the library");
}

int sc_index_abort(sc_index *ix, sc_err *err)
{
    sc_membuf_reset(&ix->mb);
    sc_membuf_trim(&ix->mb);
    ix->optimize = 0;
    int rc = load_commit(ix, err);     /* clears the num map; garbage goes at the next commit */
    ix->broken = rc != SC_OK;
    return rc;
}

/* Marks the indexed copy of num (if any) deleted. */
static int delete_num(sc_index *ix, int64_t num, sc_err *err)
{
    if (ix->broken) return broken(err);
    int rc = map_build(ix, err);
    if (rc) return rc;
    uint64_t loc = map_get(ix, num);
    if (loc == UINT64_MAX) return SC_OK;
    uint32_t no = (uint32_t)(loc >> 32), doc = (uint32_t)loc;
    if (no == MEMSEG) {
        if (!(ix->mb.del[doc >> 3] >> (doc & 7) & 1)) { ix->mb.del[doc >> 3] |= (uint8_t)(1u << (doc & 7)); ix->mb.n_del++; }
    } else {
        for (size_t i = 0; i < ix->n_ws; i++) {
            sc_ix_wseg *w = &ix->ws[i];
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
    if (ix->broken) return broken(err);
    int fresh = !ix->map_ready && above_all(ix, num);
    int rc = fresh ? SC_OK : delete_num(ix, num, err);
    if (rc) return rc;
    if (doc->len > UINT32_MAX / 2) return sc_err_set(err, SC_ELIMIT, "document %lld too long to index", (long long)num);
    rc = sc_membuf_add(&ix->mb, num, doc);
    if (rc == SC_ELIMIT) {          /* full for this document: flush, add again */
        if ((rc = flush_buffer(ix, err))) return rc;
        rc = sc_membuf_add(&ix->mb, num, doc);
    }
    if (rc) {
        /* the buffer is unusable after a partial add: drop it (the store's
           changes will be replayed, the commit point still names seq) */
        sc_membuf_reset(&ix->mb);
        map_clear(ix);
        return sc_err_set(err, rc, "index: out of memory adding document %lld", (long long)num);
    }
    uint32_t d = ix->mb.n_docs - 1;
    if (ix->max_known && num > ix->max_num) ix->max_num = num;
    if (!fresh && map_put(ix, num, (uint64_t)MEMSEG << 32 | d)) return sc_err_set(err, SC_ENOMEM, "out of memory");
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
    sc_membuf_reset(&ix->mb);
    map_clear(ix);
    ix->map_ready = 1;      /* empty, and known to be */
    return SC_OK;
}

int sc_index_commit(sc_index *ix, int64_t seq, sc_err *err)
{
    mark_writer(ix);
    if (ix->broken) return broken(err);
    int rc = flush_buffer(ix, err);
    sc_membuf_trim(&ix->mb);     /* the batch is over: a server need not keep them */
    if (!rc) rc = sc_ix_maybe_merge(ix, err);
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
        sc_ix_wseg *w = &ix->ws[i];
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
    sc_ix_collect_garbage(ix);
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

int sc_index_each_text_at(sc_index *ix, int (*cb)(void *ctx, int64_t num, uint64_t text_at), void *ctx,
                          sc_err *err)
{
    sc_snapshot *s = sc_index_snapshot(ix);
    if (!s) return sc_err_set(err, SC_ENOMEM, "out of memory");
    int rc = SC_OK;
    for (size_t i = 0; i < s->n && !rc; i++) {
        const sc_sview *v = &s->v[i];
        for (uint32_t d = 0; d < v->seg->n_docs && !rc; d++) {
            uint64_t at = sc_seg_text_at(v->seg, d);
            if (at && !sc_sview_deleted(v, d)) rc = cb(ctx, v->seg->num[d], at);
        }
    }
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
