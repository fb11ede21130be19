/*
** read_priv.h — helpers shared by the read_*.c files; not part of the API.
**
** Every reader ends the same way: decoded UTF-8 goes through
** sc_read_finish(), which gives it the sc_raw shape promised in doc.h
** (valid UTF-8, '\n' line ends, no CR, no NUL, not empty) and enforces
** max_text_bytes.  Keeping that in one place means a reader cannot forget it.
*/
#ifndef SC_READ_PRIV_H
#define SC_READ_PRIV_H

#include "read.h"

/* Normalises s[0..n) into out->text (malloc'd, owned by out): CRLF and lone
** CR become LF, form feed and vertical tab become LF, other C0 controls
** (except tab) and DEL are dropped, a leading U+FEFF is dropped.  Fails with
** SC_EENCODING on invalid UTF-8, SC_EFORMAT on a NUL, SC_ELIMIT when the text
** exceeds lim->max_text_bytes, SC_EEMPTY when only whitespace is left.
** Sets out->format and out->encoding (static strings); other fields zero. */
int sc_read_finish(const char *s, size_t n, const sc_read_limits *lim,
                   const char *format, const char *encoding, sc_raw *out, sc_err *err);
/* The same for s that the caller has already checked to be valid UTF-8 (the
** JSONL reader checks whole lines): skips the second check. */
int sc_read_finish_valid(const char *s, size_t n, const sc_read_limits *lim,
                         const char *format, const char *encoding, sc_raw *out, sc_err *err);

/* "12.3 MiB" style size for messages, written into buf. */
const char *sc_read_size(size_t bytes, char buf[32]);

/* Reads JSONL that arrives in chunks (decompression streams it): feed
** calls cb once per complete line; finish handles a last line without '\n'.
** A line longer than lim->max_text_bytes is reported as a line error. */
typedef struct sc_jsonl_stream sc_jsonl_stream;
sc_jsonl_stream *sc_jsonl_new(const sc_read_limits *lim, sc_read_cb cb, void *ctx);
int sc_jsonl_feed(sc_jsonl_stream *js, const unsigned char *p, size_t n, sc_err *err);
int sc_jsonl_finish(sc_jsonl_stream *js, sc_err *err);
long sc_jsonl_docs(const sc_jsonl_stream *js);    /* lines that gave a document */
void sc_jsonl_free(sc_jsonl_stream *js);

/* For the fuzzer: 1 when the fast JSON path and jansson read the line
** p[0..n) the same way (or the fast path leaves it to jansson), else 0. */
int sc_jsonl_selfcheck(const char *p, size_t n);

#endif
