/* library.c — a library folder: store + index + cleaner; see library.h. */
#include "library.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "describe.h"

struct sc_library {
    char *dir;
    int lock_fd;
    int read_only;
    sc_store *store;
    sc_index *index;
    sc_cleaner *cleaner;
};

const char *sc_library_default_dir(const char *dir)
{
    if (dir && *dir) return dir;
    const char *env = getenv("SUCAI_LIBRARY");
    return env && *env ? env : "./library";
}

sc_store *sc_library_store(sc_library *lib) { return lib->store; }
sc_index *sc_library_index(sc_library *lib) { return lib->index; }
const char *sc_library_dir(sc_library *lib) { return lib->dir; }

/* ---- keeping the index in step with the store ------------------------ */

typedef struct replay_ctx { sc_library *lib; sc_err *err; long n; } replay_ctx;

static int replay_one(void *vctx, int64_t seq, int64_t num, int op, const sc_doc *d)
{
    (void)seq;
    replay_ctx *c = vctx;
    if (op == SC_CHANGE_DELETE) return sc_index_delete(c->lib->index, num, c->err);
    if (!d) return SC_OK;                      /* added, then deleted later */
    c->n++;
    return sc_index_add(c->lib->index, num, d, c->err);
}

/* Brings the index up to the store's last change and commits it. */
static int catch_up(sc_library *lib, sc_err *err)
{
    int64_t last = sc_store_last_seq(lib->store);
    int64_t have = sc_index_seq(lib->index);
    if (have >= last) return SC_OK;
    replay_ctx c = {lib, err, 0};
    int rc = sc_store_changes(lib->store, have, replay_one, &c, err);
    if (rc == SC_OK) rc = sc_index_commit(lib->index, last, err);
    return rc;
}

/* An ingest batch feeds the index as the store makes each change (the
** store's hook), instead of reading the batch back after its commit: that
** read (a join of the change log with docs, and every text again from the
** texts file) was 3 % of an import.  The index then commits the store's
** last seq.  The feed runs only while it is exact: the index held the
** store's last change when the batch began, every change reached it, and
** the store's log grew by exactly the changes fed; else the index forgets
** what it was fed (sc_index_abort) and catches up by replay, as after a
** crash. */
typedef struct feed {
    sc_library *lib;
    int on;                  /* the index follows the batch */
    int64_t base;            /* the store's last seq when the batch began */
    int64_t n;               /* changes the batch made */
} feed;

static void feed_change(void *ctx, int64_t num, int op, const sc_doc *d)
{
    feed *f = ctx;
    f->n++;
    if (!f->on) return;
    sc_err e = {0};
    int rc = op == SC_CHANGE_DELETE ? sc_index_delete(f->lib->index, num, &e) : sc_index_add(f->lib->index, num, d, &e);
    if (rc) {                /* replayed after the commit instead */
        f->on = 0;
        sc_index_abort(f->lib->index, NULL);
    }
}

static void feed_start(sc_library *lib, feed *f)
{
    f->lib = lib;
    f->n = 0;
    f->base = sc_store_last_seq(lib->store);
    f->on = catch_up(lib, NULL) == SC_OK && sc_index_seq(lib->index) == f->base;
    sc_store_set_hook(lib->store, feed_change, f);
}

/* After the store's commit (ok) or rollback: commits what the index was
** fed, or forgets it; then catches up on whatever it lacks. */
static int feed_end(sc_library *lib, feed *f, int ok, sc_err *err)
{
    sc_store_set_hook(lib->store, NULL, NULL);
    if (f->on && ok && sc_store_last_seq(lib->store) == f->base + f->n)
        return f->n ? sc_index_commit(lib->index, f->base + f->n, err) : SC_OK;
    if (f->on && f->n) sc_index_abort(lib->index, NULL);
    return ok ? catch_up(lib, err) : SC_OK;
}

/* ---- open / close ---------------------------------------------------- */

static int take_lock(sc_library *lib, sc_err *err)
{
    sc_buf p = SC_BUF_INIT;
    sc_buf_addf(&p, "%s/lock", lib->dir);
    if (p.oom) return sc_err_set(err, SC_ENOMEM, "out of memory");
    lib->lock_fd = open(p.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    sc_buf_free(&p);
    if (lib->lock_fd < 0) return sc_err_set(err, SC_EIO, "%s: cannot create lock file: %s", lib->dir, strerror(errno));
    if (flock(lib->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return sc_err_set(err, SC_EPERM, "%s: the library is open for writing by another process", lib->dir);
    return SC_OK;
}

/* Opens the index; for a rebuild, one that cannot be read (written by an
** older sucai, or damaged) is removed first: the rebuild makes it anew from
** the store, so nothing is lost, and `sucai index rebuild` is the way out
** that the error message names. */
static int open_index(sc_library *lib, const sc_library_opts *opts, sc_err *err)
{
    int rc = sc_index_open(lib->dir, &lib->index, err);
    if (rc != SC_EINDEX || !opts->rebuild_index || opts->read_only) return rc;
    if ((rc = sc_index_discard(lib->dir, err))) return rc;
    return sc_index_open(lib->dir, &lib->index, err);
}

int sc_library_open(const char *dir, const sc_library_opts *opts, sc_library **out, sc_err *err)
{
    sc_library_opts defaults = {0, 100, NULL, 0};
    if (!opts) opts = &defaults;
    dir = sc_library_default_dir(dir);
    sc_library *lib = calloc(1, sizeof *lib);
    if (!lib) return sc_err_set(err, SC_ENOMEM, "out of memory");
    lib->lock_fd = -1;
    lib->read_only = opts->read_only;
    lib->dir = strdup(dir);
    int rc = SC_OK;
    struct stat sb;
    if (!lib->dir) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto fail; }
    if (opts->read_only) {
        sc_buf p = SC_BUF_INIT;
        sc_buf_addf(&p, "%s/library.db", dir);
        int exists = !p.oom && stat(p.data, &sb) == 0;
        sc_buf_free(&p);
        if (!exists) { rc = sc_err_set(err, SC_ENOTFOUND, "%s: no library here (run `sucai ingest` first)", dir); goto fail; }
    } else {
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            rc = sc_err_set(err, SC_EIO, "%s: cannot create library folder: %s", dir, strerror(errno));
            goto fail;
        }
        if ((rc = take_lock(lib, err))) goto fail;
    }
    if ((rc = sc_store_open(dir, &lib->store, err))) goto fail;
    if ((rc = open_index(lib, opts, err))) goto fail;
    if (!opts->read_only) {
        if ((rc = sc_cleaner_new(sc_store_db(lib->store), opts->mask_rules, &lib->cleaner, err))) goto fail;
        sc_cleaner_set_default_preview(lib->cleaner, opts->preview_percent ? opts->preview_percent : 100);
        if (!opts->rebuild_index && (rc = catch_up(lib, err))) goto fail;
    }
    *out = lib;
    return SC_OK;
fail:
    sc_library_close(lib);
    return rc;
}

void sc_library_close(sc_library *lib)
{
    if (!lib) return;
    sc_cleaner_free(lib->cleaner);
    sc_index_close(lib->index);
    sc_store_close(lib->store);
    if (lib->lock_fd >= 0) close(lib->lock_fd);
    free(lib->dir);
    free(lib);
}

/* ---- ingest ---------------------------------------------------------- */

/* A document read in phase 1, cleaned and stored in phase 2. */
typedef struct pending { sc_raw raw; char *file; } pending;

typedef struct batch {
    sc_library *lib;
    sc_ingest_cb cb;
    void *ctx;
    sc_ingest_counts *counts;
    pending *docs;
    size_t n, cap;
    const char *file;       /* the file being read */
    sc_read_limits lim;
    int fatal;              /* a store error: abandon the batch */
    sc_err fatal_err;
} batch;

static void report(batch *b, const char *file, const char *status, const char *id,
                   const char *dup_of, const char *title, const char *error)
{
    sc_ingest_result r = {file, status, id, dup_of, title, error};
    if (!strcmp(status, "added")) b->counts->added++;
    else if (!strcmp(status, "duplicate")) b->counts->duplicate++;
    else if (!strcmp(status, "updated")) b->counts->updated++;
    else b->counts->failed++;
    if (b->cb) b->cb(b->ctx, &r);
}

/* Takes a copy of raw (members are moved by value after deep copies). */
static int raw_copy(const sc_raw *src, sc_raw *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->text = sc_strndup(src->text, src->len);
    dst->len = src->len;
    dst->format = src->format;
    dst->encoding = src->encoding;
    dst->title = sc_strdup(src->title);
    dst->id = sc_strdup(src->id);
    dst->date = sc_strdup(src->date);
    dst->source = sc_strdup(src->source);
    dst->url = sc_strdup(src->url);
    dst->line = src->line;
    return dst->text ? SC_OK : SC_ENOMEM;
}

/* Cleans, describes and stores one document; reports the outcome. */
static void store_one(batch *b, const sc_raw *raw, const char *file)
{
    sc_doc d = {0};
    sc_err e = {0};
    char *dup_of = NULL;
    int status = 0;
    int rc = sc_clean(b->lib->cleaner, raw, &d, &e);
    if (!rc) {
        d.file = sc_strdup(file);
        if (raw->id) d.id = sc_strdup(raw->id);
        if (raw->date && !d.date) d.date = sc_strdup(raw->date);
        if (raw->source && !d.source) d.source = sc_strdup(raw->source);
        if (raw->url && !d.url) d.url = sc_strdup(raw->url);
        rc = sc_describe(&d, &e);
    }
    if (!rc) {
        rc = sc_store_put(b->lib->store, &d, &status, &dup_of, &e);
        if (rc == SC_EDB || rc == SC_ENOMEM || rc == SC_EIO) { b->fatal = rc; b->fatal_err = e; }   /* the library, not the document */
    }
    if (rc) {
        sc_err_prefix(&e, "%s", file);
        report(b, file, "error", NULL, NULL, NULL, e.msg);
    } else {
        const char *st = status == SC_PUT_ADDED ? "added" : status == SC_PUT_UPDATED ? "updated" : "duplicate";
        report(b, file, st, status == SC_PUT_DUPLICATE ? dup_of : d.id, dup_of, d.title, NULL);
    }
    free(dup_of);
    sc_doc_free(&d);
}

static int on_raw(void *vb, const sc_raw *raw, const sc_err *rec_err)
{
    batch *b = vb;
    char where[4200];
    if (raw && raw->line) snprintf(where, sizeof where, "%s:%ld", b->file, raw->line);
    else snprintf(where, sizeof where, "%s", b->file);
    if (!raw) {
        report(b, b->file, "error", NULL, NULL, NULL, rec_err ? rec_err->msg : "unreadable");
        return SC_OK;
    }
    if (raw->format && !strcmp(raw->format, "jsonl")) {
        /* bulk imports are already clean sources: stored as they stream */
        store_one(b, raw, where);
        return b->fatal ? b->fatal : SC_OK;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        pending *p = realloc(b->docs, cap * sizeof *p);
        if (!p) return SC_ENOMEM;
        b->docs = p;
        b->cap = cap;
    }
    pending *p = &b->docs[b->n];
    if (raw_copy(raw, &p->raw) || !(p->file = strdup(where))) {
        sc_raw_free(&p->raw);
        return SC_ENOMEM;
    }
    b->n++;
    sc_cleaner_observe(b->lib->cleaner, raw);
    return SC_OK;
}

static void read_file(batch *b, const char *path)
{
    sc_err e = {0};
    b->file = path;
    long before = b->counts->failed + b->counts->added + b->counts->duplicate + b->counts->updated;
    size_t pending_before = b->n;
    int rc = sc_read_path(path, &b->lim, on_raw, b, &e);
    if (rc && !b->fatal) report(b, path, "error", NULL, NULL, NULL, e.msg);
    else if (!rc && b->n == pending_before &&
             b->counts->failed + b->counts->added + b->counts->duplicate + b->counts->updated == before)
        report(b, path, "error", NULL, NULL, NULL, "no documents in file");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks a directory in name order, reading every file it holds. */
static void walk(batch *b, const char *path, int depth)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        report(b, path, "error", NULL, NULL, NULL, msg);
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        if (!S_ISREG(sb.st_mode)) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: not a regular file", path);
            report(b, path, "error", NULL, NULL, NULL, msg);
            return;
        }
        if (depth > 0 && !sc_read_known_name(path)) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: unknown file type, skipped", path);
            report(b, path, "error", NULL, NULL, NULL, msg);
            return;
        }
        read_file(b, path);
        return;
    }
    if (depth > 64) return;
    DIR *d = opendir(path);
    if (!d) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: cannot open folder: %s", path, strerror(errno));
        report(b, path, "error", NULL, NULL, NULL, msg);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;   /* ., .., hidden files */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        sc_buf p = SC_BUF_INIT;
        size_t plen = strlen(path);
        while (plen > 1 && path[plen - 1] == '/') plen--;   /* "examples/" + name */
        sc_buf_addf(&p, "%.*s/%s", (int)plen, path, de->d_name);
        names[n] = sc_buf_detach(&p);
        if (names[n]) n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (!b->fatal) walk(b, names[i], depth + 1);
        free(names[i]);
    }
    free(names);
}

int sc_library_ingest(sc_library *lib, const char *const *paths, size_t n,
                      sc_ingest_cb cb, void *ctx, sc_ingest_counts *counts, sc_err *err)
{
    sc_ingest_counts local = {0};
    if (!counts) counts = &local;
    memset(counts, 0, sizeof *counts);
    if (lib->read_only) return sc_err_set(err, SC_EPERM, "library opened read-only");
    batch b = {.lib = lib, .cb = cb, .ctx = ctx, .counts = counts};
    sc_read_limits_default(&b.lim);
    feed f;
    feed_start(lib, &f);
    int rc = sc_store_begin(lib->store, err);
    if (rc) { feed_end(lib, &f, 0, NULL); return rc; }
    for (size_t i = 0; i < n && !b.fatal; i++) walk(&b, paths[i], 0);
    /* phase 2: the batch's boilerplate is known; clean and store */
    for (size_t i = 0; i < b.n; i++) {
        if (!b.fatal) store_one(&b, &b.docs[i].raw, b.docs[i].file);
        sc_raw_free(&b.docs[i].raw);
        free(b.docs[i].file);
    }
    free(b.docs);
    if (b.fatal) {
        sc_store_rollback(lib->store);
        feed_end(lib, &f, 0, NULL);
        if (err) *err = b.fatal_err;
        return b.fatal;
    }
    if ((rc = sc_cleaner_save(lib->cleaner, err))) sc_store_rollback(lib->store);
    else rc = sc_store_commit(lib->store, err);     /* rolls back when it fails */
    if (rc) { feed_end(lib, &f, 0, NULL); return rc; }
    return feed_end(lib, &f, 1, err);
}

int sc_library_delete(sc_library *lib, const char *id, sc_err *err)
{
    if (lib->read_only) return sc_err_set(err, SC_EPERM, "library opened read-only");
    int rc = sc_store_begin(lib->store, err);
    if (rc) return rc;
    if ((rc = sc_store_delete(lib->store, id, err))) { sc_store_rollback(lib->store); return rc; }
    if ((rc = sc_store_commit(lib->store, err))) return rc;
    return catch_up(lib, err);
}

typedef struct rebuild_ctx { sc_library *lib; sc_err *err; } rebuild_ctx;

static int rebuild_one(void *vctx, int64_t num, const sc_doc *d)
{
    rebuild_ctx *c = vctx;
    return sc_index_add(c->lib->index, num, d, c->err);
}

typedef struct check_ctx { sc_store *store; sc_err *err; } check_ctx;

static int check_text(void *vctx, int64_t num, uint64_t text_at)
{
    check_ctx *c = vctx;
    return sc_store_check_text(c->store, num, text_at, c->err);
}

int sc_library_check(sc_library *lib, sc_err *err)
{
    int rc = sc_index_check(lib->index, err);
    check_ctx c = {lib->store, err};
    if (!rc) rc = sc_index_each_text_at(lib->index, check_text, &c, err);
    return rc;
}

int sc_library_reindex(sc_library *lib, sc_err *err)
{
    if (lib->read_only) return sc_err_set(err, SC_EPERM, "library opened read-only");
    int rc = sc_index_clear(lib->index, err);
    rebuild_ctx c = {lib, err};
    if (!rc) rc = sc_store_each_doc(lib->store, rebuild_one, &c, err);
    if (!rc) rc = sc_index_commit(lib->index, sc_store_last_seq(lib->store), err);
    return rc;
}
