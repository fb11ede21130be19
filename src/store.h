/*
** store.h — the document store: one SQLite database (WAL) in the library
** folder, `library.db`.
**
** Tables (store.c owns these; other modules create their own beside them):
**   docs(num INTEGER PRIMARY KEY, id TEXT UNIQUE, title, free_text,
**        paid_text, removed, doc_type, year, issuer, date, source, url, file,
**        chars, free_chars, has_paywall, masks, hash, simhash, outline JSON,
**        dup_of, added_at, text_at)
**        num is the internal number the index uses; id is the public one.
**        added_at (unix seconds) never decreases as num grows, even when
**        the clock goes back: the newest documents are the last rows.
**        The clean text (it starts with the title line) is its free prefix
**        and the paid rest: in the texts file at text_at (store_texts.h),
**        or, in rows of libraries made before that file (text_at NULL), in
**        free_text and paid_text.  A visitor's read never touches the paid
**        part.
**        docs_near, a partial index of (chars, simhash) of the documents
**        long enough for near-duplicates, from which the writer makes its
**        table of simhash bands in memory (store_near.c); libraries made
**        before it had a table simhash_bands, dropped at open.  The exact-
**        duplicate lookup has no index: the writer keeps the hashes in
**        memory (store_hashes.c); older libraries' docs_hash16, docs_hash
**        and docs_added are dropped at open
**   changes(seq, num, op)     every add/delete in order; the index records the
**        last seq it holds, and replays the rest after a crash
**   meta(key, value)
**   meta('texts_end')  where the texts file's last committed record ends
** Writes happen between sc_store_begin and sc_store_commit on the writer
** connection (one writer).  Reads may come from any thread: each borrows a
** connection of its own from a small pool.
*/
#ifndef SC_STORE_H
#define SC_STORE_H

#include <stdint.h>

#include "doc.h"
#include "error.h"

typedef struct sc_store sc_store;

enum { SC_PUT_ADDED = 1, SC_PUT_DUPLICATE, SC_PUT_UPDATED };
enum { SC_CHANGE_ADD = 1, SC_CHANGE_DELETE = 2 };

/* Opens (creating if needed) dir/library.db. */
int sc_store_open(const char *dir, sc_store **out, sc_err *err);
void sc_store_close(sc_store *s);

/* The writer's sqlite3 handle, for modules that keep tables of their own
** (cleaner, users).  Owned by the store. */
void *sc_store_db(sc_store *s);

int sc_store_begin(sc_store *s, sc_err *err);
int sc_store_commit(sc_store *s, sc_err *err);   /* durable when it returns */
void sc_store_rollback(sc_store *s);

/* Stores a cleaned, described doc.  If doc->id is NULL an id is assigned
** (and set in doc); doc->text_at is set to where its text went.  *status tells what happened; for SC_PUT_DUPLICATE,
** *dup_of (caller frees) names the stored document it repeats and nothing
** is written.  A doc with an explicit id that is near another is stored
** all the same, its dup_of column naming the other. */
int sc_store_put(sc_store *s, sc_doc *doc, int *status, char **dup_of, sc_err *err);

/* Deletes by public id. SC_ENOTFOUND if there is none. */
int sc_store_delete(sc_store *s, const char *id, sc_err *err);

/* Reads a document.  With paid = 0, the paid part is not even selected:
** doc->text then holds the free part only and doc->len == doc->free_len,
** while doc->chars still tells the whole length.  Caller frees with
** sc_doc_free.  Thread-safe. */
int sc_store_get(sc_store *s, const char *id, int paid, sc_doc *doc, sc_err *err);
int sc_store_get_num(sc_store *s, int64_t num, int paid, sc_doc *doc, sc_err *err);
/* What search hits show of documents nums[0..n): cb gets (ctx, i, doc)
** with title, doc_type, year, date, free_chars and the text (free part
** only unless paid, as sc_store_get; doc->len bytes, NUL-terminated),
** every other field empty.  ats (or NULL) gives where the texts file holds
** each one's record (sc_doc.text_at, kept by the index), 0 when not known:
** such a hit is that record, read without SQLite, even when the document
** was deleted since (the caller's snapshot still holds it).  The others
** are read from their rows in one read transaction (one state of the
** store), doc NULL for a number no longer stored.  The doc is valid until
** cb returns; a non-zero return stops the walk and is returned.
** Thread-safe. */
typedef int (*sc_store_hit_cb)(void *ctx, size_t i, const sc_doc *doc);
int sc_store_each_hit(sc_store *s, const int64_t *nums, const uint64_t *ats, size_t n, int paid,
                      sc_store_hit_cb cb, void *ctx, sc_err *err);
/* Whether the texts file holds document num's whole record at text_at
** (sc_doc.text_at): SC_OK, or SC_EDB naming the file and the document. */
int sc_store_check_text(sc_store *s, int64_t num, uint64_t text_at, sc_err *err);

/* Public id for an internal number (caller frees), or NULL. */
char *sc_store_id_of(sc_store *s, int64_t num);
int64_t sc_store_num_of(sc_store *s, const char *id);   /* -1 if none */

/* Listing, newest first.  cb gets a doc holding metadata only (no text,
** no outline, no removed lines);
** the doc is freed after cb returns.  since: unix seconds (0 = all). */
typedef int (*sc_store_list_cb)(void *ctx, const sc_doc *doc, int64_t added_at);
int sc_store_list(sc_store *s, int64_t since, long limit, long offset,
                  sc_store_list_cb cb, void *ctx, sc_err *err);

typedef struct sc_store_stats {
    long docs;
    long long chars;
    struct { char name[64]; long docs; long long chars; } by_type[64];
    int n_types;
    struct { int year; long docs; } by_year[256];
    int n_years;
} sc_store_stats;
int sc_store_stats_get(sc_store *s, sc_store_stats *st, sc_err *err);

/* Changes after seq, in order (for the index to catch up).  doc: for an
** add, the document as it is stored now with what the index reads (id,
** title, type, year, date, source, the whole text), or NULL when it was
** deleted since; NULL for a delete.  Its strings belong to the store and
** last until cb returns. */
typedef int (*sc_store_change_cb)(void *ctx, int64_t seq, int64_t num, int op, const sc_doc *doc);
int sc_store_changes(sc_store *s, int64_t after_seq, sc_store_change_cb cb, void *ctx, sc_err *err);
int64_t sc_store_last_seq(sc_store *s);

/* The same changes as the writer makes them, for the index to follow a
** batch without reading it back: hook is called for every change the
** batch logs, in the log's order, with doc as sc_store_changes would give
** it (borrowed until the hook returns) for an add and NULL for a delete.
** The changes are the batch's only once it commits: whoever follows them
** must forget them when it rolls back.  NULL hook: none. */
typedef void (*sc_store_hook)(void *ctx, int64_t num, int op, const sc_doc *doc);
void sc_store_set_hook(sc_store *s, sc_store_hook hook, void *ctx);

/* Every stored document in ascending number order, with what the index
** reads (as sc_store_changes gives it, borrowed until cb returns): for
** rebuilds, in one statement. */
typedef int (*sc_store_doc_cb)(void *ctx, int64_t num, const sc_doc *doc);
int sc_store_each_doc(sc_store *s, sc_store_doc_cb cb, void *ctx, sc_err *err);

#endif
