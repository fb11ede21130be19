/*
** library.h — a library folder: the store, the index and the cleaner, kept
** in step.  Every front end (CLI, HTTP) goes through these calls.
**
** Folder layout:
**   DIR/library.db   SQLite store (store.h), WAL
**   DIR/index/       index segments and commit point (index.h)
**   DIR/lock         held by the one writer process (flock)
**
** Ingest is batched: sc_library_ingest reads every file, lets the cleaner
** learn the batch's boilerplate, cleans, describes and stores all documents
** in one SQLite transaction, the index following each change as the store
** makes it; the store commits, then the index.  A batch that rolls back
** leaves the index as its last commit left it.  If the process dies
** between the two commits, sc_library_open replays the store's changes
** into the index, so nothing reported committed is lost.
*/
#ifndef SC_LIBRARY_H
#define SC_LIBRARY_H

#include <stddef.h>

#include "clean.h"
#include "error.h"
#include "index.h"
#include "read.h"
#include "store.h"

typedef struct sc_library sc_library;

typedef struct sc_library_opts {
    int read_only;          /* open for reading only: no lock, no writes */
    int preview_percent;    /* free share of documents without a marker (100) */
    const char *mask_rules; /* extra mask rule file, or NULL */
    int rebuild_index;      /* the caller rebuilds the index (sc_library_reindex):
                               an index that cannot be opened (older format,
                               damage) is discarded, and no catch-up is run */
} sc_library_opts;

/* The folder: dir if not NULL, else $SUCAI_LIBRARY, else "./library".
** Returns a static or caller-owned string; never NULL. */
const char *sc_library_default_dir(const char *dir);

int sc_library_open(const char *dir, const sc_library_opts *opts,
                    sc_library **out, sc_err *err);
void sc_library_close(sc_library *lib);

sc_store *sc_library_store(sc_library *lib);
sc_index *sc_library_index(sc_library *lib);
const char *sc_library_dir(sc_library *lib);

/* One result per document (or per file that yields none). */
typedef struct sc_ingest_result {
    const char *file;      /* the path, plus ":LINE" for JSONL lines */
    const char *status;    /* "added", "duplicate", "updated", "error" */
    const char *id;        /* document id (NULL on error) */
    const char *dup_of;    /* for duplicates: the stored document, else NULL */
    const char *title;     /* NULL on error */
    const char *error;     /* message, NULL unless status is "error" */
} sc_ingest_result;

typedef void (*sc_ingest_cb)(void *ctx, const sc_ingest_result *r);

typedef struct sc_ingest_counts { long added, duplicate, updated, failed; } sc_ingest_counts;

/* Ingests files and directories (walked recursively; unknown files are
** reported as errors "unknown file type" and skipped) as one batch.
** Returns SC_OK when the batch committed, even if some files failed
** (counts->failed tells); an error only when nothing could be committed. */
int sc_library_ingest(sc_library *lib, const char *const *paths, size_t n,
                      sc_ingest_cb cb, void *ctx, sc_ingest_counts *counts,
                      sc_err *err);

/* Deletes a document from store and index. */
int sc_library_delete(sc_library *lib, const char *id, sc_err *err);

/* Rebuilds the index from the store. */
int sc_library_reindex(sc_library *lib, sc_err *err);

/* Verifies the index (sc_index_check) and that every text its documents
** point at is in the store's texts file, whole and theirs. */
int sc_library_check(sc_library *lib, sc_err *err);

#endif
