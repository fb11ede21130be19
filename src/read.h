/*
** read.h — readers: one file's bytes in, raw documents (sc_raw) out.
**
** The format is decided from the content (magic bytes, BOM, zip entries,
** OLE2 streams, JSON shape), with the file name only as a tie-breaker, never
** trusted alone.  Formats:
**   .txt   UTF-8 (with or without BOM), UTF-16LE/BE with BOM, GB18030/GBK;
**          CRLF and CR become LF.                         (read_txt.c)
**   .docx  word/document.xml paragraphs in order, tables as text (read_docx.c)
**   .doc   Word 97-2003 text via libgsf + the piece table  (read_doc.c)
**   .jsonl / .jsonl.zst / .jsonl.gz — one document a line (read_jsonl.c)
** Every reader enforces sc_read_limits and answers bad input with an sc_err
** that names the file and the problem; it never crashes and never returns
** invalid UTF-8.
*/
#ifndef SC_READ_H
#define SC_READ_H

#include <stddef.h>

#include "doc.h"
#include "error.h"

typedef struct sc_read_limits {
    size_t max_file_bytes;     /* whole input file (default 256 MiB) */
    size_t max_text_bytes;     /* text one document may yield (default 64 MiB) */
    size_t max_entry_bytes;    /* one uncompressed zip entry (default 64 MiB) */
    unsigned max_ratio;        /* uncompressed/compressed for zip entries (default 200) */
    unsigned max_xml_depth;    /* element nesting in docx (default 256) */
    size_t max_stream_bytes;   /* all the bytes a .zst/.gz decompresses to (default 16 GiB);
                               ** streamed line by line, so this bounds time, not memory */
} sc_read_limits;

void sc_read_limits_default(sc_read_limits *l);

/* Why a readers' message can be trusted to name the file: sc_read_path and
** sc_read_mem prefix every error (and every JSONL line error) with the path
** or name, so the single-format entry points below report the problem only. */

/* Called once per document found.  raw is owned by the reader and valid
** only during the call.  For JSONL, a line that cannot be read is reported
** with raw == NULL and rec_err set ("line 17: missing \"title\""); the reader
** then goes on with the next line.  Return SC_OK to continue, anything else
** to stop (that code is then returned by sc_read_path). */
typedef int (*sc_read_cb)(void *ctx, const sc_raw *raw, const sc_err *rec_err);

/* Reads the file at path, calling cb for each document.  Returns SC_OK, or
** the error that made the whole file unreadable (err names the file). */
int sc_read_path(const char *path, const sc_read_limits *lim,
                 sc_read_cb cb, void *ctx, sc_err *err);

/* Same, for bytes already in memory (uploads, fuzzing).  name is used for
** messages and as a format hint (may be NULL). */
int sc_read_mem(const char *name, const unsigned char *data, size_t n,
                const sc_read_limits *lim, sc_read_cb cb, void *ctx, sc_err *err);

/* Single-format entry points, used by sc_read_mem and the fuzzers.  Each
** fills *out (caller frees with sc_raw_free) or returns an error. */
int sc_read_txt(const unsigned char *data, size_t n, const sc_read_limits *lim,
                sc_raw *out, sc_err *err);
int sc_read_docx(const unsigned char *data, size_t n, const sc_read_limits *lim,
                 sc_raw *out, sc_err *err);
int sc_read_doc(const unsigned char *data, size_t n, const sc_read_limits *lim,
                sc_raw *out, sc_err *err);
/* JSONL (already decompressed): calls cb per line as sc_read_path does. */
int sc_read_jsonl(const unsigned char *data, size_t n, const sc_read_limits *lim,
                  sc_read_cb cb, void *ctx, sc_err *err);

/* True if the file name is one the directory walk should try (.txt, .docx,
** .doc, .jsonl, .jsonl.zst, .jsonl.gz, case-insensitive). */
int sc_read_known_name(const char *name);

#endif
