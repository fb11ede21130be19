/*
** store_priv.h — what store.c (connections, transactions, writes, the
** change log) and store_read.c (reads) share.  Internal to those files.
*/
#ifndef SC_STORE_PRIV_H
#define SC_STORE_PRIV_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "store.h"

#define POOL_MAX 16
#define CHANGE_ROWS 64           /* change-log rows written by one statement */
#define STMT_CACHE 32

#define SC_STR_(x) #x
#define SC_STR(x) SC_STR_(x)

/* A simhash over a few dozen characters says little: short texts (poems,
** notices) would collide by chance, and their buckets would grow with the
** library.  They are compared by exact hash only. */
#define NEAR_DUP_MIN_CHARS 200

/* Candidates looked at per band: a bucket larger than this is crowded by
** chance collisions, and scanning it would make ingest quadratic. */
#define NEAR_DUP_BUCKET 64

typedef struct sc_near sc_near;
typedef struct sc_hashes sc_hashes;
typedef struct sc_texts sc_texts;

/* A connection and its prepared statements.  Statements are keyed by the
** address of their (static) SQL text, prepared once and reset after each
** use, so that a hot path never parses SQL and never holds a read
** transaction open between calls. */
typedef struct conn {
    sqlite3 *db;
    struct { const char *sql; sqlite3_stmt *st; } cache[STMT_CACHE];
    int n;
} conn;

struct sc_store {
    conn w;                      /* the writer's connection */
    sqlite3 *db;                 /* == w.db */
    char *path;
    pthread_mutex_t pool_lock;
    conn *pool[POOL_MAX];        /* idle reader connections */
    int n_pool;
    sc_near *near;               /* the writer's near-duplicate table, or NULL (store_near.c) */
    sc_hashes *hashes;           /* the writer's table of content hashes, or NULL (store_hashes.c) */
    int64_t data_version;        /* PRAGMA data_version when both were last known good */
    long mmap_mb;                /* of library.db each reader maps (store.c) */
    sc_texts *texts;             /* the texts file (store_texts.c) */
    int64_t next_num;            /* the writer's next document number in a batch */
    int64_t last_added;          /* the batch's latest added_at: never decreases */
    int64_t pend[CHANGE_ROWS][2];  /* change-log rows (num, op) not yet written */
    int n_pend;
    sc_store_hook hook;          /* sc_store_set_hook */
    void *hook_ctx;
};

/* A ready statement for sql on c (reset, bindings cleared), or NULL.
** The statement stays owned by the connection: callers reset it when done
** (sc_st_done) and never finalize it.  sql must be a static string: its
** address is the cache key. */
sqlite3_stmt *sc_st_prep(conn *c, const char *sql);
void sc_st_done(sqlite3_stmt *st);
/* Sets err to SC_EDB with SQLite's message; returns SC_EDB. */
int sc_st_db_err(sc_err *err, sqlite3 *db, const char *what);
/* A reader connection from the pool (opened when none is idle), or NULL;
** give it back when done. */
conn *sc_st_borrow(sc_store *s);
void sc_st_give_back(sc_store *s, conn *c);
/* Column i as a malloc'd string (NULL for SQL NULL). */
char *sc_st_col_str(sqlite3_stmt *st, int i);
/* The first column of the first row of sql bound to arg (text) or num, as a
** malloc'd string / an integer (-1 when there is no row). */
char *sc_st_lookup_str(conn *c, const char *sql, const char *arg, int64_t num);
int64_t sc_st_lookup_num(conn *c, const char *sql, const char *arg);

/* The text of the row st stands on (store_read.c), whose column col is
** text_at and the next free_text and paid_text: from the texts file
** (d->text_at set), or, in a library made before it, from the row.  Sets
** d->text, len and free_len (the paid part only when paid); the text is
** NUL-terminated and borrowed: from rec (scratch for the record), from the
** row until the statement moves on, or from text when the row's two parts
** are joined.  SC_ENOMEM or the texts file's error (SC_EDB). */
int sc_st_row_text(sc_store *s, sqlite3_stmt *st, int col, int64_t num, int paid, sc_buf *rec, sc_buf *text,
                   sc_doc *d, sc_err *err);

/* The near-duplicate table (store_near.c).  sc_near_find sets *num to a
** stored document near simhash h of that length, or -1; it makes the table
** on first use.  add / remove keep a made table in step with the writer's
** inserts and deletes; drop forgets it (after a rollback).  Errors:
** SC_EDB, SC_ENOMEM (the table is then dropped). */
int sc_near_find(sc_store *s, uint64_t h, size_t chars, int64_t *num);
int sc_near_add(sc_store *s, int64_t num, uint64_t h, size_t chars);
void sc_near_remove(sc_store *s, int64_t num);
void sc_near_drop(sc_store *s);

/* The table of content hashes (store_hashes.c).  sc_hashes_find sets *num
** to the lowest-numbered stored document whose hash (64 hex digits) is
** hash, or -1; it makes the table on first use.  add / remove keep a made
** table in step with the writer's inserts and deletes; drop forgets it.
** Errors: SC_EDB, SC_ENOMEM (the table is then dropped). */
int sc_hashes_find(sc_store *s, const char *hash, int64_t *num);
int sc_hashes_add(sc_store *s, int64_t num, const char *hash);
void sc_hashes_remove(sc_store *s, int64_t num, const char *hash);
void sc_hashes_drop(sc_store *s);

#endif
