/*
** store_priv.h — what store.c (connections, transactions, writes, the
** change log) and store_read.c (reads) share.  Internal to those files.
*/
#ifndef SC_STORE_PRIV_H
#define SC_STORE_PRIV_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define POOL_MAX 16
#define STMT_CACHE 32

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

#endif
