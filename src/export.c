/*
** export.c — what every export format shares: the paywall check and safe
** file names.  Contract in export.h.
*/
#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

int sc_export_check(const sc_doc *doc, const sc_export_opts *o, sc_err *err)
{
    if (!doc || !doc->text)
        return sc_err_set(err, SC_EINVAL, "export: no document text");
    if (!o || !o->may_read_paid)
        return sc_err_set(err, SC_EPERM, "export: the full document is for members only");
    /* A visitor's read (sc_store_get with paid = 0) keeps chars = the whole
    ** length but carries only the free text: refuse to package that as if
    ** it were the document. */
    if (doc->len == doc->free_len && doc->chars &&
        sc_utf8_count(doc->text, doc->len) < doc->chars)
        return sc_err_set(err, SC_EPERM,
                          "export: document %s holds only its free part; read it with paid = 1",
                          doc->id ? doc->id : "(no id)");
    return SC_OK;
}

/* ---- file names ------------------------------------------------------ */

static int forbidden_in_name(int32_t cp)
{
    return cp == '/' || cp == '\\' || cp == ':' || cp == '*' || cp == '?' || cp == '"' ||
           cp == '<' || cp == '>' || cp == '|';
}

/* Characters dropped outright: controls, BOM, bidi overrides/isolates
** (they can disguise an extension: "abc\u202Excod.exe"), noncharacters. */
static int dropped_in_name(int32_t cp)
{
    return cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F ||
           (cp >= 0x80 && cp <= 0x9F) || cp == 0xFEFF || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
           (cp & 0xFFFE) == 0xFFFE;
}

static int space_in_name(int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029;
}

/* CON, PRN, AUX, NUL, COM1-9, LPT1-9: the stem up to the first dot. */
static int windows_device(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    size_t k = dot ? (size_t)(dot - s) : n;
    while (k && s[k - 1] == ' ') k--;          /* "CON .txt" is CON too */
    static const char *const three[] = {"CON", "PRN", "AUX", "NUL"};
    if (k == 3) {
        for (int i = 0; i < 4; i++)
            if (!strncasecmp(s, three[i], 3)) return 1;
    }
    if (k == 4 && (!strncasecmp(s, "COM", 3) || !strncasecmp(s, "LPT", 3)) &&
        s[3] >= '1' && s[3] <= '9')
        return 1;
    return 0;
}

/* Trims spaces and dots from the end of b. */
static void trim_end(sc_buf *b)
{
    while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '.'))
        b->data[--b->len] = 0;
}

/* Cuts b to at most max bytes at a UTF-8 boundary. */
static void cut_utf8(sc_buf *b, size_t max)
{
    if (b->len <= max) return;
    size_t n = max;
    while (n > 0 && ((unsigned char)b->data[n] & 0xC0) == 0x80) n--;
    b->len = n;
    b->data[n] = 0;
}

char *sc_export_filename_n(const char *title, unsigned n, const char *ext)
{
    sc_buf b = SC_BUF_INIT;
    sc_buf_adds(&b, "");
    size_t len = title ? strlen(title) : 0;
    for (size_t i = 0; i < len;) {
        int32_t cp = sc_utf8_next(title, len, &i);
        if (space_in_name(cp)) {
            if (b.len && b.data[b.len - 1] != ' ') sc_buf_addc(&b, ' ');
        } else if (dropped_in_name(cp)) {
            continue;
        } else if (forbidden_in_name(cp)) {
            sc_buf_addc(&b, '_');
        } else if (cp == '.') {
            if (b.len && b.data[b.len - 1] != '.') sc_buf_addc(&b, '.');
        } else {
            sc_buf_add_cp(&b, (uint32_t)cp);
        }
    }
    if (b.oom) { sc_buf_free(&b); return NULL; }
    trim_end(&b);
    /* leading dots and spaces: hidden files, "..", invisible names */
    size_t lead = 0;
    while (lead < b.len && (b.data[lead] == '.' || b.data[lead] == ' ')) lead++;
    memmove(b.data, b.data + lead, b.len - lead + 1);
    b.len -= lead;
    if (!b.len) sc_buf_adds(&b, "未命名");
    if (windows_device(b.data, b.len)) {
        sc_buf_addc(&b, 0);                 /* make room, then shift right */
        if (!b.oom) {
            memmove(b.data + 1, b.data, b.len - 1);
            b.data[0] = '_';
            b.data[b.len] = 0;
        }
    }

    /* the extension: ASCII letters and digits only, at most 16 */
    char e[18] = "";
    size_t el = 0;
    for (const char *p = ext; p && *p && el < 16; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            e[1 + el++] = *p;
    if (el) { e[0] = '.'; e[1 + el] = 0; }
    char suffix[24] = "";
    if (n > 1) snprintf(suffix, sizeof suffix, " (%u)", n);

    size_t tail = strlen(suffix) + strlen(e);
    cut_utf8(&b, SC_EXPORT_NAME_MAX - tail);
    trim_end(&b);
    if (!b.len) sc_buf_adds(&b, "未命名");   /* only dots/spaces fit: cannot happen, but stay safe */
    sc_buf_adds(&b, suffix);
    sc_buf_adds(&b, e);
    if (b.oom) { sc_buf_free(&b); return NULL; }
    return sc_buf_detach(&b);
}

char *sc_export_filename(const char *title, const char *ext)
{
    return sc_export_filename_n(title, 1, ext);
}
