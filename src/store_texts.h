/*
** store_texts.h — the texts file `library/texts`: every stored document's
** clean text, with what a search hit shows of it, in one append-only file
** beside library.db (store_texts.c describes the format).
**
** Contract with the store (store.c):
**   - a batch appends records (sc_texts_append) and, before its SQLite
**     COMMIT, makes them durable (sc_texts_sync); the commit then records
**     the file's new end in meta('texts_end').  A record is therefore on
**     disk before any row or segment names it, and bytes past texts_end
**     belong to no commit: sc_texts_begin cuts them off (a batch that
**     crashed or rolled back) when the next batch starts;
**   - records are never changed or moved: a deleted or replaced document's
**     record stays where it is, so that an index snapshot that still holds
**     the document shows the text it indexed;
**   - readers (any thread) read committed records by offset with pread;
**     the writer (one thread) appends.
** Offsets are absolute; 0 is the file's header, never a record, and means
** "no record" (a document of a library made before this file, whose text
** is still in its row).
*/
#ifndef SC_STORE_TEXTS_H
#define SC_STORE_TEXTS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "doc.h"
#include "error.h"

typedef struct sc_texts sc_texts;

#define SC_TEXTS_HEADER 16   /* bytes before the first record */

/* Opens dir/texts if it exists (else the first append creates it).
** *out owned by the caller: sc_texts_close. */
int sc_texts_open(const char *dir, sc_texts **out, sc_err *err);
void sc_texts_close(sc_texts *t);

/* The writer, inside its SQLite write transaction.  begin: end is the
** committed end (meta 'texts_end', 0 when none is recorded); a longer file
** is cut to it, a shorter one is damage (SC_EDB naming both sizes).
** append: a record for d (title, date, type, year, free_chars, text) under
** number num; *at = its offset, which next_at tells beforehand; SC_ELIMIT
** when a field is too long for a record, which fits tells beforehand.  sync: writes what is buffered and
** fdatasync()s; *end = the new end, to record in the commit.  abort: drops
** the batch's records (the next begin cuts the file). */
int sc_texts_begin(sc_texts *t, uint64_t end, sc_err *err);
int sc_texts_append(sc_texts *t, int64_t num, const sc_doc *d, uint64_t *at, sc_err *err);
uint64_t sc_texts_next_at(const sc_texts *t);
int sc_texts_fits(int64_t num, const sc_doc *d, sc_err *err);
int sc_texts_sync(sc_texts *t, uint64_t *end, sc_err *err);
void sc_texts_abort(sc_texts *t);

/* Record at of document num, read into buf (reused; the caller owns and
** frees it).  Fills d's title, date, doc_type (when the record has one), year,
** free_chars, text (NUL-terminated), free_len and len, all pointing into
** buf; with paid = 0 the text ends at the free part (len == free_len).
** SC_EDB when the record is not there or not num's (a damaged file).
** Thread-safe. */
int sc_texts_read(sc_texts *t, uint64_t at, int64_t num, int paid, sc_buf *buf, sc_doc *d, sc_err *err);
/* Whether a whole record of num lies at at, reading its header and its
** last byte only: SC_OK, or SC_EDB as sc_texts_read says it. */
int sc_texts_check(sc_texts *t, uint64_t at, int64_t num, sc_err *err);

#endif
