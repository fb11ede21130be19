/* store.c — the SQLite document store (store.h: schema and contract):
** connections, transactions, writes and the change log; reads are in
** store_read.c. */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "describe.h"
#include "store_priv.h"
#include "store_texts.h"

/* A ready statement for sql on c (reset, bindings cleared), or NULL.
** The statement stays owned by the connection: callers reset it when done
** (sc_st_done()) and never finalize it. */
sqlite3_stmt *sc_st_prep(conn *c, const char *sql)
{
    for (int i = 0; i < c->n; i++)
        if (c->cache[i].sql == sql) {
            sqlite3_clear_bindings(c->cache[i].st);
            return c->cache[i].st;
        }
    if (c->n == STMT_CACHE) return NULL;   /* every SQL text here is static: cannot happen */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) return NULL;
    c->cache[c->n].sql = sql;
    c->cache[c->n].st = st;
    c->n++;
    return st;
}

void sc_st_done(sqlite3_stmt *st)
{
    if (st) sqlite3_reset(st);
}

static void conn_close(conn *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) sqlite3_finalize(c->cache[i].st);
    sqlite3_close(c->db);
    c->n = 0;
    c->db = NULL;
}

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
    "CREATE TABLE IF NOT EXISTS docs("
    " num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
    " free_text TEXT NOT NULL, paid_text TEXT NOT NULL, removed TEXT NOT NULL,"
    " doc_type TEXT, year INTEGER, issuer TEXT, date TEXT, source TEXT, url TEXT,"
    " file TEXT, chars INTEGER NOT NULL, free_chars INTEGER NOT NULL,"
    " has_paywall INTEGER NOT NULL, masks INTEGER NOT NULL, hash TEXT NOT NULL,"
    " simhash INTEGER NOT NULL, outline TEXT NOT NULL, dup_of TEXT,"
    " added_at INTEGER NOT NULL, text_at INTEGER);"
    /* the exact-duplicate lookup is a table in memory (store_hashes.c);
    ** libraries made before kept an index of the hashes */
    "DROP INDEX IF EXISTS docs_hash16;"
    "DROP INDEX IF EXISTS docs_hash;"
    /* added_at never decreases with num (sc_store_begin), so the newest
    ** documents are the last rows and listing needs no index of its own;
    ** keeping docs_added up to date was 4 % of an import */
    "DROP INDEX IF EXISTS docs_added;"
    "CREATE INDEX IF NOT EXISTS docs_near ON docs(chars, simhash) WHERE chars >= " SC_STR(NEAR_DUP_MIN_CHARS) ";"
    /* libraries before the in-memory near-duplicate table kept its bands
    ** in a table; docs_near (made from docs just above) replaces it */
    "DROP TABLE IF EXISTS simhash_bands;"
    "CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " num INTEGER NOT NULL, op INTEGER NOT NULL);";

int sc_st_db_err(sc_err *err, sqlite3 *db, const char *what)
{
    /* SQLite's message may name tables; keep it for the librarian's log
    ** but callers facing the web replace it (see server). */
    return sc_err_set(err, SC_EDB, "store: %s: %s", what, sqlite3_errmsg(db));
}

/* Readers map the file (up to mmap_mb MB; SQLite's limit is 2 GiB in
** Debian's build) instead of pread()ing a copy of each 16 KiB page: when
** search hits still came from rows, they were pages of random documents,
** and the copy was a third of fetching one (whole corpus: 11.8 -> 8.8 us a
** hit, median query -12 %).  Hits now read the texts file (store_texts.c);
** rows are still read so for documents, listings and older segments.
** The pages are the kernel's page cache, shared by every connection, not
** the process's heap; but every reader connection maps the file on its own,
** and resident-set figures count a page once per mapping that touched it
** (SUCAI_STORE_MMAP_MB=0 reads by pread again).  The store never shrinks its
** file (no VACUUM, no auto_vacuum), so a mapped page cannot vanish under a
** reader; the writer keeps pread/pwrite. */
#define MMAP_MB_DEFAULT 2047

static int open_conn(const char *path, int readonly, long mmap_mb, sqlite3 **out, sc_err *err)
{
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = sc_err_set(err, SC_EDB, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    if (readonly && mmap_mb > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA mmap_size=%lld", (long long)mmap_mb << 20);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    *out = db;
    return SC_OK;
}

/* SUCAI_STORE_MMAP_MB: how much of library.db readers map, 0 to 2047 MB. */
static int mmap_setting(long *mb, sc_err *err)
{
    const char *v = getenv("SUCAI_STORE_MMAP_MB");
    *mb = MMAP_MB_DEFAULT;
    if (!v || !*v) return SC_OK;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || !isdigit((unsigned char)*v) || n > MMAP_MB_DEFAULT)
        return sc_err_set(err, SC_EINVAL, "SUCAI_STORE_MMAP_MB: expected a number of MB from 0 to %d, got '%s'",
                          MMAP_MB_DEFAULT, v);
    *mb = n;
    return SC_OK;
}

/* Libraries made before the texts file keep their texts in free_text and
** paid_text; their rows get a text_at column (NULL: the text is in the
** row), new rows a record in the texts file and empty text columns. */
static int add_text_at(sc_store *s, sc_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM pragma_table_info('docs') WHERE name = 'text_at'", -1, &st,
                           NULL) != SQLITE_OK)
        return sc_st_db_err(err, s->db, "open");
    int have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (!have && sqlite3_exec(s->db, "ALTER TABLE docs ADD COLUMN text_at INTEGER", NULL, NULL, NULL) != SQLITE_OK)
        return sc_st_db_err(err, s->db, "open");
    return SC_OK;
}

int sc_store_open(const char *dir, sc_store **out, sc_err *err)
{
    if (sodium_init() < 0) return sc_err_set(err, SC_EINTERNAL, "libsodium failed to initialise");
    long mmap_mb;
    int rc = mmap_setting(&mmap_mb, err);
    if (rc) return rc;
    sc_store *s = calloc(1, sizeof *s);
    if (!s) return sc_err_set(err, SC_ENOMEM, "out of memory");
    s->mmap_mb = mmap_mb;
    sc_buf p = SC_BUF_INIT;
    sc_buf_addf(&p, "%s/library.db", dir);
    s->path = sc_buf_detach(&p);
    pthread_mutex_init(&s->pool_lock, NULL);
    rc = s->path ? open_conn(s->path, 0, 0, &s->w.db, err) : sc_err_set(err, SC_ENOMEM, "out of memory");
    s->db = s->w.db;
    if (rc == SC_OK) {
        char *msg = NULL;
        if (sqlite3_exec(s->db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
            rc = sc_err_set(err, SC_EDB, "%s: not a sucai library or damaged: %s", s->path, msg ? msg : "?");
            sqlite3_free(msg);
        }
    }
    if (rc == SC_OK) rc = add_text_at(s, err);
    if (rc == SC_OK) rc = sc_texts_open(dir, &s->texts, err);
    if (rc != SC_OK) { sc_store_close(s); return rc; }
    *out = s;
    return SC_OK;
}

void sc_store_close(sc_store *s)
{
    if (!s) return;
    sc_near_drop(s);
    sc_hashes_drop(s);
    sc_texts_close(s->texts);
    for (int i = 0; i < s->n_pool; i++) { conn_close(s->pool[i]); free(s->pool[i]); }
    conn_close(&s->w);
    pthread_mutex_destroy(&s->pool_lock);
    free(s->path);
    free(s);
}

void *sc_store_db(sc_store *s) { return s->db; }

/* Readers borrow a connection so that any number of threads read at once
** (WAL lets them run beside the writer). */
conn *sc_st_borrow(sc_store *s)
{
    conn *c = NULL;
    pthread_mutex_lock(&s->pool_lock);
    if (s->n_pool > 0) c = s->pool[--s->n_pool];
    pthread_mutex_unlock(&s->pool_lock);
    if (c) return c;
    c = calloc(1, sizeof *c);
    if (c && open_conn(s->path, 1, s->mmap_mb, &c->db, NULL) != SC_OK) { free(c); c = NULL; }
    return c;
}

void sc_st_give_back(sc_store *s, conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&s->pool_lock);
    if (s->n_pool < POOL_MAX) { s->pool[s->n_pool++] = c; c = NULL; }
    pthread_mutex_unlock(&s->pool_lock);
    if (c) { conn_close(c); free(c); }
}

/* A batch's page cache.  Its inserts land at random places in the hash,
** id and near-duplicate indexes; with SQLite's default 2 MB cache a bulk
** import spilled and re-read pages all the time (a third of the time of a
** whole-corpus import, most of it in the kernel).  The cache only grows to
** what a batch touches and shrinks back when it ends, so that a server
** does not keep it. */
#define BATCH_CACHE "PRAGMA cache_size=-262144"
#define IDLE_CACHE "PRAGMA cache_size=-2000"

/* Another connection's commit may have changed docs (the library lock
** keeps other sucai processes out, but not every program): the near-
** duplicate table is then made anew. */
static void check_data_version(sc_store *s)
{
    sqlite3_stmt *st = sc_st_prep(&s->w, "PRAGMA data_version");
    int64_t v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sc_st_done(st);
    if (v < 0 || v != s->data_version) { sc_near_drop(s); sc_hashes_drop(s); }
    s->data_version = v;
}

static int exec_num(conn *c, const char *sql, int64_t a, int64_t b);
static int flush_changes(sc_store *s);

/* One integer of the writer's transaction (0 when there is no row). */
static int64_t writer_num(sc_store *s, const char *sql)
{
    sqlite3_stmt *st = sc_st_prep(&s->w, sql);
    int64_t v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sc_st_done(st);
    return v;
}

/* Inside BEGIN IMMEDIATE no other writer is in a batch: bytes of the texts
** file past the last commit's end are a dead batch's, cut off here. */
int sc_store_begin(sc_store *s, sc_err *err)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sc_st_db_err(err, s->db, "begin");
    sqlite3_exec(s->db, BATCH_CACHE, NULL, NULL, NULL);
    check_data_version(s);
    uint64_t end = (uint64_t)writer_num(s, "SELECT value FROM meta WHERE key = 'texts_end'");
    s->next_num = writer_num(s, "SELECT coalesce(max(num), 0) + 1 FROM docs");
    s->last_added = writer_num(s, "SELECT added_at FROM docs ORDER BY num DESC LIMIT 1");
    s->n_pend = 0;
    int rc = sc_texts_begin(s->texts, end, err);
    if (rc) sc_store_rollback(s);
    return rc;
}

/* The batch's texts are on disk before the commit that names them. */
int sc_store_commit(sc_store *s, sc_err *err)
{
    uint64_t end;
    int rc = flush_changes(s) ? sc_st_db_err(err, s->db, "commit") : SC_OK;
    if (rc == SC_OK) rc = sc_texts_sync(s->texts, &end, err);
    if (rc == SC_OK && exec_num(&s->w, "INSERT OR REPLACE INTO meta(key, value) VALUES('texts_end', ?1)",
                                (int64_t)end, 0))
        rc = sc_st_db_err(err, s->db, "commit");
    if (rc) { sc_store_rollback(s); return rc; }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = sc_st_db_err(err, s->db, "commit");
        sc_store_rollback(s);
        return rc;
    }
    sqlite3_exec(s->db, IDLE_CACHE, NULL, NULL, NULL);
    return SC_OK;
}

void sc_store_rollback(sc_store *s)
{
    sc_near_drop(s);   /* they may hold the batch's documents */
    sc_hashes_drop(s);
    s->n_pend = 0;
    sc_texts_abort(s->texts);
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(s->db, IDLE_CACHE, NULL, NULL, NULL);
}

/* ---- small statement helpers ---------------------------------------- */

static int exec_num(conn *c, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = sc_st_prep(c, sql);
    if (!st) return SC_EDB;
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) > 1) sqlite3_bind_int64(st, 2, b);
    int rc = sqlite3_step(st);
    sc_st_done(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SC_OK : SC_EDB;
}

/* The change log is written CHANGE_ROWS rows a statement: a statement a
** row was 3.5 % of an import.  Rows wait in s->pend until it is full or
** the batch commits (nothing reads the log inside a batch); a multi-row
** VALUES inserts in its order, so seq still follows the changes. */
#define ROWS8 "(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),"
_Static_assert(CHANGE_ROWS == 64, "the statement below has 64 rows");
static const char CHANGES_MANY[] = "INSERT INTO changes(num, op) VALUES" ROWS8 ROWS8 ROWS8 ROWS8 ROWS8 ROWS8 ROWS8
                                   "(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),(?,?)";

static int flush_changes(sc_store *s)
{
    int n = s->n_pend, rc = SC_OK;
    s->n_pend = 0;
    if (n < CHANGE_ROWS) {
        for (int i = 0; i < n && !rc; i++)
            rc = exec_num(&s->w, "INSERT INTO changes(num, op) VALUES(?1, ?2)", s->pend[i][0], s->pend[i][1]);
        return rc;
    }
    sqlite3_stmt *st = sc_st_prep(&s->w, CHANGES_MANY);
    if (!st) return SC_EDB;
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 2 * i + 1, s->pend[i][0]);
        sqlite3_bind_int64(st, 2 * i + 2, s->pend[i][1]);
    }
    rc = sqlite3_step(st) == SQLITE_DONE ? SC_OK : SC_EDB;
    sc_st_done(st);
    return rc;
}

static int log_change(sc_store *s, int64_t num, int op)
{
    s->pend[s->n_pend][0] = num;
    s->pend[s->n_pend][1] = op;
    return ++s->n_pend == CHANGE_ROWS ? flush_changes(s) : SC_OK;
}

/* Returns a malloc'd text column or NULL. */
char *sc_st_col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? sc_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

char *sc_st_lookup_str(conn *c, const char *sql, const char *arg, int64_t num)
{
    sqlite3_stmt *st = sc_st_prep(c, sql);
    char *out = NULL;
    if (!st) return NULL;
    if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, 1, num);
    if (sqlite3_step(st) == SQLITE_ROW) out = sc_st_col_str(st, 0);
    sc_st_done(st);
    return out;
}

int64_t sc_st_lookup_num(conn *c, const char *sql, const char *arg)
{
    sqlite3_stmt *st = sc_st_prep(c, sql);
    int64_t out = -1;
    if (!st) return -1;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) out = sqlite3_column_int64(st, 0);
    sc_st_done(st);
    return out;
}

void sc_store_set_hook(sc_store *s, sc_store_hook hook, void *ctx)
{
    s->hook = hook;
    s->hook_ctx = ctx;
}

static int remove_num(sc_store *s, int64_t num)
{
    /* the hash, for the table of hashes, from the DELETE itself (SQLite
    ** makes the whole change in the first step) */
    sqlite3_stmt *st = sc_st_prep(&s->w, "DELETE FROM docs WHERE num = ?1 RETURNING hash");
    if (!st) return SC_EDB;
    sqlite3_bind_int64(st, 1, num);
    int step = sqlite3_step(st);
    char *hash = step == SQLITE_ROW ? sc_st_col_str(st, 0) : NULL;
    sc_st_done(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) { free(hash); return SC_EDB; }
    if (hash) sc_hashes_remove(s, num, hash);
    else sc_hashes_drop(s);     /* no such row, or no hash: stay exact anyway */
    free(hash);
    sc_near_remove(s, num);
    int rc = log_change(s, num, SC_CHANGE_DELETE);
    if (!rc && s->hook) s->hook(s->hook_ctx, num, SC_CHANGE_DELETE, NULL);
    return rc;
}

/* The writer sees its own uncommitted rows; pooled readers do not. */
static char *writer_id_of(sc_store *s, int64_t num)
{
    return sc_st_lookup_str(&s->w, "SELECT id FROM docs WHERE num = ?1", NULL, num);
}

/* ---- put ------------------------------------------------------------- */

/* A duplicate table could not be made (rc from sc_near_find or
** sc_hashes_find). */
static int table_err(sc_store *s, int rc, sc_err *err)
{
    return rc == SC_EDB ? sc_st_db_err(err, s->db, "duplicates") : sc_err_set(err, SC_ENOMEM, "out of memory");
}

/* *id: the id of a stored document near d (caller frees), or NULL. */
static int near_id(sc_store *s, const sc_doc *d, char **id, sc_err *err)
{
    int64_t near;
    int rc = sc_near_find(s, d->simhash, d->chars, &near);
    *id = NULL;
    if (rc) return table_err(s, rc, err);
    if (near >= 0) *id = writer_id_of(s, near);
    return SC_OK;
}

/* The outline as a JSON array of {level, kind, offset, text}; written by
** hand: a law has hundreds of headings, and building jansson objects for
** them was a tenth of an ingest. */
static char *outline_json(const sc_doc *d)
{
    sc_buf b = SC_BUF_INIT;
    sc_buf_addc(&b, '[');
    for (size_t i = 0; i < d->n_outline; i++) {
        const char *t = d->outline[i].text ? d->outline[i].text : "";
        sc_buf_addf(&b, "%s{\"level\":%d,\"kind\":%d,\"offset\":%zu,\"text\":", i ? "," : "",
                    d->outline[i].level, d->outline[i].kind, d->outline[i].offset);
        sc_buf_add_json_str(&b, t, strlen(t));
        sc_buf_addc(&b, '}');
    }
    sc_buf_addc(&b, ']');
    if (b.oom) { sc_buf_free(&b); return NULL; }
    return sc_buf_detach(&b);
}

/* A short public id from the content hash, lengthened until unused. */
static char *assign_id(sc_store *s, const char *hash)
{
    for (size_t n = 12; n <= 64; n += 4) {
        char *id = sc_strndup(hash, n);
        if (!id) return NULL;
        if (sc_st_lookup_num(&s->w, "SELECT num FROM docs WHERE id = ?1", id) < 0) return id;
        free(id);
    }
    return NULL;
}

/* Inserts d's row, then appends its record to the texts file (where the
** row already says it is).  With if_new, an id that is stored already is
** no error: *taken is set and nothing is written (asking first whether
** the id is taken was 2.6 % of an import, and nearly every id is new). */
#define INSERT_DOC "INSERT INTO docs(id, title, free_text, paid_text, removed, doc_type, year, issuer," \
        " date, source, url, file, chars, free_chars, has_paywall, masks, hash, simhash," \
        " outline, dup_of, added_at, num, text_at) VALUES(?1,?2,'','',?5,?6,?7,?8,?9,?10,?11,?12,?13,?14," \
        "?15,?16,?17,?18,?19,?20,?21,?22,?23)"
static int insert_doc(sc_store *s, sc_doc *d, const char *dup_of, int if_new, int *taken, int64_t *num_out,
                      sc_err *err)
{
    static const char *sql = INSERT_DOC, *sql_if_new = INSERT_DOC " ON CONFLICT(id) DO NOTHING";
    int64_t num = s->next_num;
    uint64_t at = sc_texts_next_at(s->texts);
    int rc = sc_texts_fits(num, d, err);
    if (rc) return rc;
    sqlite3_stmt *st;
    if (!(st = sc_st_prep(&s->w, if_new ? sql_if_new : sql))) return sc_st_db_err(err, s->db, "insert");
    char *outline = outline_json(d);
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->title ? d->title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->removed ? d->removed : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->doc_type ? d->doc_type : "unknown", -1, SQLITE_STATIC);
    if (d->year) sqlite3_bind_int(st, 7, d->year); else sqlite3_bind_null(st, 7);
    sqlite3_bind_text(st, 8, d->issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, d->date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, d->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, d->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, d->file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, (int64_t)d->chars);
    sqlite3_bind_int64(st, 14, (int64_t)d->free_chars);
    sqlite3_bind_int(st, 15, d->has_paywall);
    sqlite3_bind_int(st, 16, d->masks_restored);
    sqlite3_bind_text(st, 17, d->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 18, (int64_t)d->simhash);
    sqlite3_bind_text(st, 19, outline ? outline : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 20, dup_of, -1, SQLITE_STATIC);
    int64_t now = (int64_t)time(NULL);
    if (now < s->last_added) now = s->last_added;     /* the clock went back */
    sqlite3_bind_int64(st, 21, now);
    sqlite3_bind_int64(st, 22, num);
    sqlite3_bind_int64(st, 23, (int64_t)at);
    rc = sqlite3_step(st) == SQLITE_DONE ? SC_OK : sc_st_db_err(err, s->db, "insert");
    sc_st_done(st);
    free(outline);
    if (rc) return rc;
    if (if_new && !sqlite3_changes(s->db)) { *taken = 1; return SC_OK; }
    uint64_t got;
    if ((rc = sc_texts_append(s->texts, num, d, &got, err)) || got != at) {
        /* only when out of memory or the file cannot be written: the
           batch rolls back, but the row must not point at nothing */
        exec_num(&s->w, "DELETE FROM docs WHERE num = ?1", num, 0);
        return rc ? rc : sc_err_set(err, SC_EINTERNAL, "texts: record at %llu, expected %llu",
                                    (unsigned long long)got, (unsigned long long)at);
    }
    s->next_num++;
    s->last_added = now;
    *num_out = num;
    d->text_at = at;
    if (log_change(s, *num_out, SC_CHANGE_ADD)) return sc_st_db_err(err, s->db, "insert");
    if (s->hook) {
        sc_doc v = *d;                                   /* as the row has it */
        if (!v.title) v.title = (char *)"";
        if (!v.doc_type) v.doc_type = (char *)"unknown";
        s->hook(s->hook_ctx, num, SC_CHANGE_ADD, &v);
    }
    if (sc_near_add(s, *num_out, d->simhash, d->chars) || sc_hashes_add(s, *num_out, d->hash))
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    return SC_OK;
}

int sc_store_put(sc_store *s, sc_doc *d, int *status, char **dup_of, sc_err *err)
{
    *dup_of = NULL;
    int64_t num;
    if (d->id) {
        /* An id from the source system: stored at once when new; else same
        ** id, same text is a repeat, and a new text replaces the old
        ** version. */
        char *near = NULL;
        int taken = 0, rc = near_id(s, d, &near, err);
        if (!rc) rc = insert_doc(s, d, near, 1, &taken, &num, err);
        free(near);
        if (rc || !taken) {
            *status = SC_PUT_ADDED;
            return rc;
        }
        sqlite3_stmt *st = sc_st_prep(&s->w, "SELECT num, hash FROM docs WHERE id = ?1");
        if (!st) return sc_st_db_err(err, s->db, "replace");
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
        int found = sqlite3_step(st) == SQLITE_ROW;
        int64_t old = found ? sqlite3_column_int64(st, 0) : -1;
        const char *old_hash = found ? (const char *)sqlite3_column_text(st, 1) : NULL;
        int same = old_hash && strcmp(old_hash, d->hash) == 0;
        sc_st_done(st);
        if (same) {
            *status = SC_PUT_DUPLICATE;
            *dup_of = sc_strdup(d->id);
            return SC_OK;
        }
        if (old < 0 || remove_num(s, old)) return sc_st_db_err(err, s->db, "replace");
        *status = SC_PUT_UPDATED;
        /* near duplicates once the old version is gone */
        if ((rc = near_id(s, d, &near, err))) return rc;
        rc = insert_doc(s, d, near, 0, NULL, &num, err);
        free(near);
        return rc;
    }
    /* A file: the same clean text, or the same material under another
    ** title or footer, is a duplicate of what is stored. */
    int64_t exact;
    int rc = sc_hashes_find(s, d->hash, &exact);
    if (rc) return table_err(s, rc, err);
    char *same = exact >= 0 ? writer_id_of(s, exact) : NULL;
    if (!same && (rc = near_id(s, d, &same, err))) return rc;
    if (same) {
        *status = SC_PUT_DUPLICATE;
        *dup_of = same;
        return SC_OK;
    }
    d->id = assign_id(s, d->hash);
    if (!d->id) return sc_err_set(err, SC_ENOMEM, "out of memory");
    *status = SC_PUT_ADDED;
    return insert_doc(s, d, NULL, 0, NULL, &num, err);
}

int sc_store_delete(sc_store *s, const char *id, sc_err *err)
{
    int64_t num = sc_st_lookup_num(&s->w, "SELECT num FROM docs WHERE id = ?1", id);
    if (num < 0) return sc_err_set(err, SC_ENOTFOUND, "no document with id %s", id);
    if (remove_num(s, num)) return sc_st_db_err(err, s->db, "delete");
    return SC_OK;
}

/* ---- the change log (the index's replay) ---------------------------- */

/* The index's view of a document (id, title, type, year, date, source,
** text_at, free_text, paid_text in columns col.. of st) into *d, borrowing
** the row's strings and its text (sc_st_row_text).  SC_ENOMEM or the texts
** file's error. */
#define INDEX_COLS "d.id, d.title, d.doc_type, d.year, d.date, d.source, d.text_at, d.free_text, d.paid_text"
static int index_doc(sc_store *s, sqlite3_stmt *st, int col, int64_t num, sc_buf *rec, sc_buf *text, sc_doc *d,
                     sc_err *err)
{
    memset(d, 0, sizeof *d);
    d->id = (char *)sqlite3_column_text(st, col);
    d->title = (char *)sqlite3_column_text(st, col + 1);
    d->doc_type = (char *)sqlite3_column_text(st, col + 2);
    d->year = sqlite3_column_int(st, col + 3);
    d->date = (char *)sqlite3_column_text(st, col + 4);
    d->source = (char *)sqlite3_column_text(st, col + 5);
    return sc_st_row_text(s, st, col + 6, num, 1, rec, text, d, err);
}

/* One statement for every change and its document: a catch-up after a
** batch of 300,000 short documents read each back with a query (and a
** read transaction) of its own, 5-8 % of the import. */
_Static_assert(SC_CHANGE_ADD == 1, "the changes query joins adds as op = 1");
int sc_store_changes(sc_store *s, int64_t after, sc_store_change_cb cb, void *ctx, sc_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT c.seq, c.num, c.op, d.num, " INDEX_COLS " FROM changes c LEFT JOIN docs d"
                           " ON d.num = c.num AND c.op = 1 WHERE c.seq > ?1 ORDER BY c.seq", -1, &st, NULL) != SQLITE_OK)
        return sc_st_db_err(err, s->db, "changes");
    sqlite3_bind_int64(st, 1, after);
    sc_buf text = SC_BUF_INIT, rec = SC_BUF_INIT;
    int rc = SC_OK, step;
    while (rc == SC_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        sc_doc d;
        int gone = sqlite3_column_type(st, 3) == SQLITE_NULL;     /* a delete, or an add deleted since */
        if (!gone && (rc = index_doc(s, st, 4, sqlite3_column_int64(st, 3), &rec, &text, &d, err))) break;
        rc = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2), gone ? NULL : &d);
    }
    if (rc == SC_OK && step != SQLITE_DONE) rc = sc_st_db_err(err, s->db, "changes");
    sc_buf_free(&text);
    sc_buf_free(&rec);
    sqlite3_finalize(st);
    return rc;
}

int64_t sc_store_last_seq(sc_store *s)
{
    sqlite3_stmt *st;
    int64_t seq = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(seq),0) FROM changes", -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW) seq = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return seq;
}

int sc_store_each_doc(sc_store *s, sc_store_doc_cb cb, void *ctx, sc_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT d.num, " INDEX_COLS " FROM docs d ORDER BY d.num", -1, &st, NULL) != SQLITE_OK)
        return sc_st_db_err(err, s->db, "scan");
    sc_buf text = SC_BUF_INIT, rec = SC_BUF_INIT;
    int rc = SC_OK, step;
    while (rc == SC_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        sc_doc d;
        if ((rc = index_doc(s, st, 1, sqlite3_column_int64(st, 0), &rec, &text, &d, err))) break;
        rc = cb(ctx, sqlite3_column_int64(st, 0), &d);
    }
    if (rc == SC_OK && step != SQLITE_DONE) rc = sc_st_db_err(err, s->db, "scan");
    sc_buf_free(&text);
    sc_buf_free(&rec);
    sqlite3_finalize(st);
    return rc;
}
