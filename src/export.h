/*
** export.h — a document as a file a member downloads: a Word file laid out
** as an official document (GB/T 9704-2012), a plain text file, and a zip of
** several such files for SVIP batch downloads.
**
** The input is a stored sc_doc with its FULL clean text: title '\n'
** paragraphs joined by '\n' (doc.h); doc->outline gives the heading lines
** (level 1..4, byte offset of the line in doc->text).  Paragraphs are the
** lines after the title; empty lines are dropped.
**
** THE PAYWALL.  Export hands out the whole document, so it is for callers
** who may read the paid part.  The caller decides who that is (the server
** checks the member's tier; the CLI is the librarian) and says so by
** setting opts->may_read_paid = 1 after reading the doc with
** sc_store_get(..., paid = 1, ...).  Every export function then refuses
** with SC_EPERM, writing nothing, when
**   - opts is NULL or opts->may_read_paid is 0 (the caller did not check), or
**   - the doc holds only its free part: its text ends where the free part
**     ends (len == free_len, as after sc_store_get(paid = 0)) while
**     doc->chars (the whole length, which sc_store_get fills even for a
**     visitor's read) is larger than the code points in doc->text.  A doc
**     built by hand with chars = 0 is taken as full.
** The server helper answers 403 for a reader who may not read the paid
** part, and never calls export for them.  Error messages never quote text.
**
** OWNERSHIP.  Outputs go to a caller-owned sc_buf (appended to; on error
** its length is restored).  sc_export_filename* return malloc'd strings the
** caller frees.  A zip writer is freed with sc_export_zip_free.
**
** Bad input never crashes: invalid UTF-8 bytes and characters XML 1.0
** forbids (C0 controls except tab/newline, U+FFFE/U+FFFF, lone surrogates)
** are dropped; & < > " ' are escaped.
*/
#ifndef SC_EXPORT_H
#define SC_EXPORT_H

#include <stddef.h>

#include "buf.h"
#include "doc.h"
#include "error.h"

/* dc:creator / app.xml Company when opts->creator is NULL. */
#define SC_EXPORT_DEFAULT_CREATOR "sucai 素材库"

/* Longest file name sc_export_filename* returns, in bytes, extension and
** " (n)" suffix included.  Most file systems allow 255 bytes; 180 leaves
** room for a browser's or unzip's own additions. */
#define SC_EXPORT_NAME_MAX 180

typedef struct sc_export_opts {
    int may_read_paid;     /* 1: the caller checked the reader may read the paid part */
    const char *creator;   /* docx author field; NULL = SC_EXPORT_DEFAULT_CREATOR */
    int txt_lf;            /* txt: UTF-8 without BOM, LF line ends (default: BOM + CRLF) */
} sc_export_opts;

/* SC_OK when doc may be exported under opts (see THE PAYWALL), else SC_EPERM
** or SC_EINVAL (no doc or no text), with err filled. */
int sc_export_check(const sc_doc *doc, const sc_export_opts *o, sc_err *err);

/* A .docx (WordprocessingML, zip) appended to out.  See export_docx.c for
** the layout. */
int sc_export_docx(const sc_doc *doc, const sc_export_opts *o, sc_buf *out, sc_err *err);

/* A .txt appended to out: title, a blank line, the paragraphs; UTF-8 with
** BOM and CRLF unless o->txt_lf. */
int sc_export_txt(const sc_doc *doc, const sc_export_opts *o, sc_buf *out, sc_err *err);

/* A file name made from title, safe on every common file system (ext4,
** NTFS, FAT, APFS) and in a zip: "TITLE.ext".  Rules, in order:
**   - invalid UTF-8 bytes, C0/C1 controls, DEL, U+FEFF and bidi controls
**     are dropped;  / \ : * ? " < > | become '_';  any white space
**     (tab, newline, U+3000 ideographic space, ...) becomes one ' ';
**   - runs of spaces and runs of dots collapse to one (so ".." never
**     appears); spaces and dots are trimmed from both ends;
**   - a Windows device name (CON PRN AUX NUL COM1-9 LPT1-9, any case, alone
**     or before a dot) gets a '_' in front;
**   - an empty result becomes "未命名" ("untitled");
**   - the name is cut at a UTF-8 boundary so that the whole name, suffix
**     and extension included, is at most SC_EXPORT_NAME_MAX bytes.
** ext (ASCII letters and digits, e.g. "docx"; NULL or "" for none) is
** appended after a dot.  Returns a malloc'd string, NULL only when out of
** memory. */
char *sc_export_filename(const char *title, const char *ext);

/* The same with " (n)" before the extension when n > 1: "标题 (2).docx". */
char *sc_export_filename_n(const char *title, unsigned n, const char *ext);

/* ---- batch: a zip streamed to a sink -------------------------------- */

/* Receives the archive's bytes in order; returns 0, or non-zero to stop
** (the writer then fails with SC_EIO). */
typedef int (*sc_export_sink)(void *ctx, const void *data, size_t n);

typedef struct sc_export_zip sc_export_zip;

/* Limits of the plain (non-ZIP64) format we write. */
#define SC_EXPORT_ZIP_MAX_ENTRIES 10000

/* Starts an archive whose bytes go to sink as entries are added: nothing
** is kept but the central directory, so memory stays at one document.
** A pull-style consumer (an HTTP response callback) can use a sink that
** appends to an sc_buf, and add the next document whenever that buffer
** has been drained, finishing after the last one.
** (libzip is not used here: its writer needs a seekable target and holds
** every added entry until zip_close, while a batch download streams into
** an HTTP response.)  The archive is a plain PKZIP 2.0 file: stored or
** deflated entries, UTF-8 names (flag bit 11), no data descriptors. */
int sc_export_zip_new(sc_export_sink sink, void *ctx, sc_export_zip **out, sc_err *err);

/* Adds one entry named sc_export_filename_n(title, n, ext) with the
** smallest n > 0 that makes the name unique in this archive (compared
** ignoring ASCII case, as Windows and macOS do).  data is deflated unless
** ext is "docx" (already compressed).  If name_out is not NULL it gets the
** chosen name (caller frees). */
int sc_export_zip_add(sc_export_zip *z, const char *title, const char *ext,
                      const void *data, size_t n, char **name_out, sc_err *err);

/* Exports doc as format "docx" or "txt" and adds it (title: doc->title). */
int sc_export_zip_add_doc(sc_export_zip *z, const sc_doc *doc, const sc_export_opts *o,
                          const char *format, sc_err *err);

/* Writes the central directory; the archive is complete when this returns
** SC_OK.  No adds after it. */
int sc_export_zip_finish(sc_export_zip *z, sc_err *err);

/* Frees z (finished or not: an unfinished archive is simply incomplete). */
void sc_export_zip_free(sc_export_zip *z);

#endif
