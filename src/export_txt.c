/*
** export_txt.c — a document as plain text.  Contract in export.h.
**
** Layout: the title line, one blank line, then each non-empty paragraph on
** a line of its own.  By default UTF-8 with a BOM and CRLF line ends, so
** that Windows Notepad (and older Word "open text") shows it right; with
** opts->txt_lf plain UTF-8 and LF.  Control characters other than tab and
** invalid UTF-8 bytes are dropped; everything else is copied as is.
*/
#include "export.h"

#include <string.h>

#include "utf8.h"

/* Appends s[0..n) without controls (but tab) or invalid bytes. */
static void add_clean(sc_buf *b, const char *s, size_t n)
{
    size_t i = 0, run = 0;     /* copy clean stretches in one go */
    while (i < n) {
        size_t at = i;
        int32_t cp = sc_utf8_next(s, n, &i);
        if (cp < 0 || (cp < 0x20 && cp != '\t') || cp == 0x7F) {
            sc_buf_add(b, s + run, at - run);
            run = i;
        }
    }
    sc_buf_add(b, s + run, n - run);
}

int sc_export_txt(const sc_doc *doc, const sc_export_opts *o, sc_buf *out, sc_err *err)
{
    int rc = sc_export_check(doc, o, err);
    if (rc) return rc;
    size_t start = out->len;
    const char *eol = o->txt_lf ? "\n" : "\r\n";
    if (!o->txt_lf) sc_buf_adds(out, "\xEF\xBB\xBF");

    const char *s = doc->text, *end = doc->text + doc->len;
    const char *nl = memchr(s, '\n', doc->len);
    const char *title_end = nl ? nl : end;
    add_clean(out, s, (size_t)(title_end - s));
    sc_buf_adds(out, eol);
    sc_buf_adds(out, eol);
    for (const char *p = nl ? nl + 1 : end; p < end;) {
        const char *q = memchr(p, '\n', (size_t)(end - p));
        if (!q) q = end;
        if (q > p) {
            add_clean(out, p, (size_t)(q - p));
            sc_buf_adds(out, eol);
        }
        p = q + 1;
    }
    if (out->oom) {
        out->len = start;
        out->oom = false;
        if (out->data) out->data[start] = 0;
        return sc_err_set(err, SC_ENOMEM, "export txt: out of memory");
    }
    return SC_OK;
}
