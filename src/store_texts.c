/*
** store_texts.c — the texts file `library/texts` (contract in
** store_texts.h).  All integers little-endian.
**
**   [0,16)    header: "SCTEXTS1", u32 version (1), u32 0
**   records   one per stored document, back to back, in the order stored:
**             [0,8)   u64 num (the store's number of the document)
**             [8,12)  u32 free_chars (code points of the free part)
**             [12,16) u32 title bytes   [16,20) u32 free bytes
**             [20,24) u32 paid bytes    [24,26) u16 date bytes
**             [26,28) u16 type bytes    [28,32) i32 year (0 unknown)
**             [32,36) u32 crc32 of [0,32)
**             then title NUL, date NUL, type NUL, the free part, the paid
**             part (the clean text is free part + paid part, as the
**             store's free_text and paid_text columns held it before).
** The end of the last committed record is meta('texts_end') in
** library.db; what lies beyond belongs to no commit.
**
** Why a file of its own: in SQLite every text was written twice (to the
** WAL, then by the checkpoint into library.db: 2 x 268 MB on the whole
** corpus), and a search hit went down the docs B-tree and past a page
** header to reach a text.  Here a batch writes each text once, and a hit
** whose segment knows the record's offset (index_seg.c, column text_at)
** is one pread, with no SQLite at all.
*/
#include "store_texts.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "SCTEXTS1"
#define VERSION 1u
#define REC_HEAD 36
#define FLUSH_AT (8u << 20)   /* bytes a batch buffers before writing */
#define FIRST_READ 4096       /* a hit's first pread: most records fit */

struct sc_texts {
    char *path, *dir;
    _Atomic int fd;           /* -1 until the file exists */
    pthread_mutex_t open_lock;
    int writable;
    uint64_t start, flushed, end;   /* the writer's batch: committed end, written, appended */
    sc_buf pending;           /* appended, not yet written */
};

static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
static uint32_t rd32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Opens the file if it exists and is not open yet; the fd or -1. */
static int texts_fd(sc_texts *t, int create)
{
    int fd = atomic_load(&t->fd);
    if (fd >= 0) return fd;
    pthread_mutex_lock(&t->open_lock);
    if ((fd = atomic_load(&t->fd)) < 0) {
        fd = open(t->path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
        t->writable = fd >= 0;
        if (fd < 0 && !create && errno == EACCES) fd = open(t->path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) atomic_store(&t->fd, fd);
    }
    pthread_mutex_unlock(&t->open_lock);
    return fd;
}

int sc_texts_open(const char *dir, sc_texts **out, sc_err *err)
{
    *out = NULL;
    sc_texts *t = calloc(1, sizeof *t);
    sc_buf p = SC_BUF_INIT;
    sc_buf_addf(&p, "%s/texts", dir);
    if (!t || p.oom || !(t->dir = strdup(dir))) {
        sc_buf_free(&p);
        if (t) free(t->dir);
        free(t);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    t->path = sc_buf_detach(&p);
    atomic_init(&t->fd, -1);
    pthread_mutex_init(&t->open_lock, NULL);
    texts_fd(t, 0);
    *out = t;
    return SC_OK;
}

void sc_texts_close(sc_texts *t)
{
    if (!t) return;
    int fd = atomic_load(&t->fd);
    if (fd >= 0) close(fd);
    pthread_mutex_destroy(&t->open_lock);
    sc_buf_free(&t->pending);
    free(t->path);
    free(t->dir);
    free(t);
}

static int io_err(sc_texts *t, sc_err *err, const char *what)
{
    return sc_err_set(err, SC_EIO, "%s: cannot %s: %s", t->path, what, strerror(errno));
}

static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
    const char *c = p;
    while (n) {
        ssize_t w = pwrite(fd, c, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { if (w == 0) errno = EIO; return -1; }
        c += w; n -= (size_t)w; off += (uint64_t)w;
    }
    return 0;
}

/* A new (or empty: its creation was cut short) file gets its header, made
** durable with the directory entry that names it. */
static int write_header(sc_texts *t, int fd, sc_err *err)
{
    uint8_t h[SC_TEXTS_HEADER] = {0};
    memcpy(h, MAGIC, 8);
    wr32(h + 8, VERSION);
    if (pwrite_all(fd, h, sizeof h, 0) || fdatasync(fd)) return io_err(t, err, "write its header");
    int dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd)) {
        int rc = io_err(t, err, "sync its folder");
        if (dfd >= 0) close(dfd);
        return rc;
    }
    close(dfd);
    return SC_OK;
}

int sc_texts_begin(sc_texts *t, uint64_t end, sc_err *err)
{
    int fd = texts_fd(t, 1);
    if (fd < 0 || !t->writable) return io_err(t, err, "open it for writing");
    struct stat sb;
    if (fstat(fd, &sb)) return io_err(t, err, "stat it");
    uint64_t size = (uint64_t)sb.st_size;
    if (size < SC_TEXTS_HEADER && end <= SC_TEXTS_HEADER) {
        int rc = write_header(t, fd, err);
        if (rc) return rc;
        size = SC_TEXTS_HEADER;
    } else {
        uint8_t h[SC_TEXTS_HEADER];
        if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h, MAGIC, 8) || rd32(h + 8) != VERSION)
            return sc_err_set(err, SC_EDB, "%s: not a sucai texts file (bad header)", t->path);
    }
    if (end < SC_TEXTS_HEADER) end = SC_TEXTS_HEADER;
    if (size < end)
        return sc_err_set(err, SC_EDB, "%s: %llu bytes, but the library's last commit ends at byte %llu:"
                          " the file was cut or replaced", t->path, (unsigned long long)size,
                          (unsigned long long)end);
    if (size > end && ftruncate(fd, (off_t)end)) return io_err(t, err, "cut off an unfinished batch");
    t->start = t->flushed = t->end = end;
    sc_buf_reset(&t->pending);
    return SC_OK;
}

static int flush_pending(sc_texts *t)
{
    if (!t->pending.len) return 0;
    if (pwrite_all(atomic_load(&t->fd), t->pending.data, t->pending.len, t->flushed)) return -1;
    t->flushed += t->pending.len;
    sc_buf_reset(&t->pending);
    return 0;
}

uint64_t sc_texts_next_at(const sc_texts *t) { return t->end; }

int sc_texts_fits(int64_t num, const sc_doc *d, sc_err *err)
{
    size_t tl = d->title ? strlen(d->title) : 0, dl = d->date ? strlen(d->date) : 0,
           yl = d->doc_type ? strlen(d->doc_type) : 7;
    if (dl > 0xFFFF || yl > 0xFFFF || tl > UINT32_MAX || d->len > UINT32_MAX || d->free_len > d->len ||
        d->free_chars > UINT32_MAX)
        return sc_err_set(err, SC_ELIMIT, "document %lld: a field is too long to store", (long long)num);
    return SC_OK;
}

int sc_texts_append(sc_texts *t, int64_t num, const sc_doc *d, uint64_t *at, sc_err *err)
{
    const char *title = d->title ? d->title : "", *date = d->date ? d->date : "",
               *type = d->doc_type ? d->doc_type : "unknown";   /* as the row has it */
    size_t tl = strlen(title), dl = strlen(date), yl = strlen(type);
    int rc = sc_texts_fits(num, d, err);
    if (rc) return rc;
    uint8_t h[REC_HEAD];
    wr64(h, (uint64_t)num);
    wr32(h + 8, (uint32_t)d->free_chars);
    wr32(h + 12, (uint32_t)tl);
    wr32(h + 16, (uint32_t)d->free_len);
    wr32(h + 20, (uint32_t)(d->len - d->free_len));
    wr16(h + 24, (uint32_t)dl);
    wr16(h + 26, (uint32_t)yl);
    wr32(h + 28, (uint32_t)d->year);
    wr32(h + 32, (uint32_t)crc32(0, h, 32));
    sc_buf *b = &t->pending;
    size_t before = b->len;
    sc_buf_add(b, h, sizeof h);
    sc_buf_add(b, title, tl + 1);
    sc_buf_add(b, date, dl + 1);
    sc_buf_add(b, type, yl + 1);
    sc_buf_add(b, d->text, d->len);
    if (b->oom) { b->oom = false; b->len = before; return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    *at = t->end;
    t->end += b->len - before;
    if (b->len >= FLUSH_AT && flush_pending(t)) return io_err(t, err, "write");
    return SC_OK;
}

int sc_texts_sync(sc_texts *t, uint64_t *end, sc_err *err)
{
    if (flush_pending(t)) return io_err(t, err, "write");
    if (t->end != t->start && fdatasync(atomic_load(&t->fd))) return io_err(t, err, "sync");
    *end = t->end;
    t->start = t->end;
    return SC_OK;
}

void sc_texts_abort(sc_texts *t)
{
    sc_buf_reset(&t->pending);
    t->flushed = t->end = t->start;
}

static int damaged(sc_texts *t, sc_err *err, int64_t num, uint64_t at, const char *why)
{
    return sc_err_set(err, SC_EDB, "%s: document %lld's text at byte %llu: %s", t->path, (long long)num,
                      (unsigned long long)at, why);
}

/* Reads [off, off + n) of the file into p; the bytes read. */
static size_t read_at(int fd, void *p, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    return got;
}

/* Whether h[0..got), read at at, is a sound header of num's record:
** SC_OK or SC_EDB. */
static int check_head(sc_texts *t, uint64_t at, int64_t num, const uint8_t *h, size_t got, sc_err *err)
{
    if (got < REC_HEAD || rd32(h + 32) != (uint32_t)crc32(0, h, 32) || rd64(h) != (uint64_t)num)
        return damaged(t, err, num, at, got < REC_HEAD ? "past the end of the file" : "another record or none");
    return SC_OK;
}

int sc_texts_check(sc_texts *t, uint64_t at, int64_t num, sc_err *err)
{
    int fd = texts_fd(t, 0);
    if (fd < 0) return sc_err_set(err, SC_EDB, "%s: missing (%s)", t->path, strerror(errno));
    if (at < SC_TEXTS_HEADER) return damaged(t, err, num, at, "not a record's place");
    uint8_t h[REC_HEAD], last;
    int rc = check_head(t, at, num, h, read_at(fd, h, REC_HEAD, at), err);
    if (rc) return rc;
    uint64_t n = REC_HEAD + (uint64_t)rd32(h + 12) + rd16(h + 24) + rd16(h + 26) + 3 + rd32(h + 16) + rd32(h + 20);
    return read_at(fd, &last, 1, at + n - 1) == 1 ? SC_OK : damaged(t, err, num, at, "cut short");
}

int sc_texts_read(sc_texts *t, uint64_t at, int64_t num, int paid, sc_buf *buf, sc_doc *d, sc_err *err)
{
    int fd = texts_fd(t, 0);
    if (fd < 0) return sc_err_set(err, SC_EDB, "%s: missing (%s)", t->path, strerror(errno));
    if (at < SC_TEXTS_HEADER) return damaged(t, err, num, at, "not a record's place");
    buf->len = 0;
    if (!sc_buf_reserve(buf, FIRST_READ + 1)) return sc_err_set(err, SC_ENOMEM, "out of memory");
    size_t got = read_at(fd, buf->data, FIRST_READ, at);
    const uint8_t *h = (const uint8_t *)buf->data;
    int rc = check_head(t, at, num, h, got, err);
    if (rc) return rc;
    uint64_t tl = rd32(h + 12), fl = rd32(h + 16), pl = rd32(h + 20), dl = rd16(h + 24), yl = rd16(h + 26);
    uint32_t free_chars = rd32(h + 8), year = rd32(h + 28);    /* h is gone once buf grows */
    uint64_t text_at = REC_HEAD + tl + dl + yl + 3, need = text_at + fl + (paid ? pl : 0);
    if (need > SIZE_MAX - 1) return damaged(t, err, num, at, "too long");
    if (need > got) {
        if (!sc_buf_reserve(buf, (size_t)need + 1)) return sc_err_set(err, SC_ENOMEM, "out of memory");
        if (read_at(fd, buf->data + got, (size_t)need - got, at + got) != (size_t)need - got)
            return damaged(t, err, num, at, "cut short");
    }
    char *r = buf->data;
    if (r[REC_HEAD + tl] || r[REC_HEAD + tl + 1 + dl] || r[REC_HEAD + tl + dl + yl + 2])
        return damaged(t, err, num, at, "fields not terminated");
    r[need] = 0;
    buf->len = (size_t)need;
    d->free_chars = free_chars;
    d->year = (int)year;
    d->title = r + REC_HEAD;
    d->date = dl ? r + REC_HEAD + tl + 1 : NULL;
    d->doc_type = yl ? r + REC_HEAD + tl + dl + 2 : NULL;
    d->text = r + text_at;
    d->free_len = (size_t)fl;
    d->len = (size_t)(fl + (paid ? pl : 0));
    return SC_OK;
}
