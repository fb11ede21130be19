/*
** index.h — the positional inverted index, in immutable segments plus a
** commit point, in the folder `index/` beside library.db.
**
** Contract with the rest of the library (index*.c own the details and the
** on-disk format: index.c the folder and commit point, index_seg.c the
** segment files, index_buffer.c the writer's in-memory buffer,
** index_merge.c merges; index_priv.h is what they share):
**   - one writer: sc_index_add / sc_index_delete buffer changes in memory;
**     sc_index_commit writes them as a new segment, fsyncs, and atomically
**     replaces the commit point (write temp, fsync, rename, fsync dir).
**     The commit point records `seq`, the store's change sequence the index
**     holds; after a crash the library replays store changes after it.
**   - any number of readers: sc_index_snapshot() pins the current commit
**     (refcounted); searches run on a snapshot while the writer commits.
**   - documents are identified by the store's internal number (num).
*/
#ifndef SC_INDEX_H
#define SC_INDEX_H

#include <stdint.h>

#include "doc.h"
#include "error.h"

typedef struct sc_index sc_index;
typedef struct sc_snapshot sc_snapshot;

int sc_index_open(const char *dir, sc_index **out, sc_err *err);
void sc_index_close(sc_index *ix);

/* The store change sequence the last commit holds (0 for a new index). */
int64_t sc_index_seq(sc_index *ix);

/* Writer side.  doc holds the whole clean text (free and paid). */
int sc_index_add(sc_index *ix, int64_t num, const sc_doc *doc, sc_err *err);
int sc_index_delete(sc_index *ix, int64_t num, sc_err *err);
int sc_index_commit(sc_index *ix, int64_t seq, sc_err *err);
/* Forgets every add and delete since the last commit (the buffer, segments
** flushed from it, deletion marks): the writer is again as that commit
** left it, for a store batch that rolled back.  If the commit point cannot
** be read again, the writer refuses every further change (SC_EINDEX) until
** the library is reopened. */
int sc_index_abort(sc_index *ix, sc_err *err);
/* Drops every segment (for a rebuild); takes effect at the next commit. */
int sc_index_clear(sc_index *ix, sc_err *err);
/* Removes the index files of the library folder dir (commit point,
** segments, deletion files), for a rebuild of an index that cannot be
** opened (older format, damage).  The caller holds the library's write
** lock; no index may be open on dir. */
int sc_index_discard(const char *dir, sc_err *err);

/* Asks the next commit to merge every segment into one (after a rebuild:
** the smallest index and the fastest queries). */
void sc_index_optimize(sc_index *ix);

/* Readers.  A snapshot pins the current commit; release it when done.
** Thread-safe.  In a process that has not written itself (a reader beside
** another process's writer), a snapshot first picks up a newer commit.
** Returns NULL only when out of memory. */
sc_snapshot *sc_index_snapshot(sc_index *ix);
void sc_snapshot_release(sc_snapshot *s);

/* The store change sequence the snapshot's commit holds: under two
** snapshots with the same value every query matches the same documents (a
** merge rewrites segments, not what they hold). */
int64_t sc_snapshot_seq(const sc_snapshot *s);

/* Verifies every segment of the current commit (checksums, ordering). */
int sc_index_check(sc_index *ix, sc_err *err);
/* Calls cb(ctx, num, text_at) for every live document of the current
** commit whose segment keeps where its text is (text_at != 0); a non-zero
** return stops the walk and is returned. */
int sc_index_each_text_at(sc_index *ix, int (*cb)(void *ctx, int64_t num, uint64_t text_at), void *ctx,
                          sc_err *err);

/* Bytes on disk of the current commit, and documents in it. */
int64_t sc_index_disk_bytes(sc_index *ix);
int64_t sc_index_doc_count(sc_index *ix);

#endif
