/*
** read_docx.c — Word 2007+ (.docx): libzip for the container, libxml2's
** streaming reader for word/document.xml.
**
** Text model (WordprocessingML, namespace w = .../wordprocessingml/2006/main):
**   w:p        a paragraph; ends with '\n' (inside a table cell the
**              paragraphs of one cell are joined by a space)
**   w:t        text;  w:tab => '\t';  w:br, w:cr => '\n';  w:noBreakHyphen => '-'
**   w:tbl      each w:tr is one line, its w:tc cells joined by '\t'
**   mc:Fallback is skipped (it repeats mc:Choice, e.g. text boxes as VML);
**   w:delText (deleted revisions) and w:instrText (field codes) are not w:t,
**   so they are not text.
** The title is not looked for here: it is the first line, as the author wrote it.
**
** Hostile input is refused before it costs memory or time:
**   - the entry's declared size is checked against max_entry_bytes and its
**     compression ratio against max_ratio (zip bombs), and the bytes actually
**     inflated are counted again while reading (a lying header is caught too);
**   - encrypted entries, a missing word/document.xml, a DOCTYPE (entity
**     tricks such as "billion laughs" need one; WordprocessingML never has
**     one) and nesting deeper than max_xml_depth are errors;
**   - libxml2 runs without network, entity substitution or XML_PARSE_HUGE,
**     and refuses invalid UTF-8 itself.
*/
#include "read_priv.h"

#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "buf.h"

#define ENTRY "word/document.xml"
#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define MC_NS "http://schemas.openxmlformats.org/markup-compatibility/2006"

/* Declared sizes below this are not held to max_ratio: a small XML part of
** repeated markup can compress 300:1 honestly and is harmless. */
#define RATIO_FLOOR ((zip_uint64_t)1 << 20)

/* Reads the entry into *out (malloc'd, caller frees), enforcing the limits. */
static int read_entry(zip_t *za, zip_int64_t idx, const sc_read_limits *lim, char **out, size_t *outlen,
                      sc_err *err)
{
    char a[32], b[32];
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0)
        return sc_err_set(err, SC_EFORMAT, ENTRY ": cannot read its zip header (%s)", zip_strerror(za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return sc_err_set(err, SC_EUNSUPPORTED, ENTRY ": encrypted (password-protected) document");
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
        return sc_err_set(err, SC_EFORMAT, ENTRY ": sizes missing from the zip header");
    if (st.size > lim->max_entry_bytes)
        return sc_err_set(err, SC_ELIMIT, ENTRY ": uncompressed size %s exceeds the limit of %s (zip bomb?)",
                          sc_read_size((size_t)(st.size < SIZE_MAX ? st.size : SIZE_MAX), a),
                          sc_read_size(lim->max_entry_bytes, b));
    if (st.size > RATIO_FLOOR && st.size / (st.comp_size ? st.comp_size : 1) > lim->max_ratio)
        return sc_err_set(err, SC_ELIMIT, ENTRY ": compression ratio %llu:1 exceeds the limit of %u:1 (zip bomb?)",
                          (unsigned long long)(st.size / (st.comp_size ? st.comp_size : 1)), lim->max_ratio);
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!zf) {
        zip_error_t *ze = zip_get_error(za);
        if (zip_error_code_zip(ze) == ZIP_ER_NOPASSWD || zip_error_code_zip(ze) == ZIP_ER_WRONGPASSWD)
            return sc_err_set(err, SC_EUNSUPPORTED, ENTRY ": encrypted (password-protected) document");
        return sc_err_set(err, SC_EFORMAT, ENTRY ": cannot open (%s)", zip_strerror(za));
    }
    /* the declared size is only a hint: count what really comes out */
    size_t cap = (size_t)st.size + 1, len = 0;
    char *buf = malloc(cap);
    int rc = SC_OK;
    if (!buf) { zip_fclose(zf); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > lim->max_entry_bytes) {
                rc = sc_err_set(err, SC_ELIMIT, ENTRY ": inflates beyond the limit of %s (zip bomb?)",
                                sc_read_size(lim->max_entry_bytes, b));
                break;
            }
            size_t ncap = cap * 2 > lim->max_entry_bytes + 2 ? lim->max_entry_bytes + 2 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
            buf = nb;
            cap = ncap;
        }
        zip_int64_t k = zip_fread(zf, buf + len, cap - 1 - len);
        if (k < 0) {
            rc = sc_err_set(err, SC_EFORMAT, ENTRY ": corrupt compressed data (%s)", zip_file_strerror(zf));
            break;
        }
        if (k == 0) break;
        len += (size_t)k;
    }
    zip_fclose(zf);
    if (rc) { free(buf); return rc; }
    buf[len] = 0;
    *out = buf;
    *outlen = len;
    return SC_OK;
}

/* ---- WordprocessingML to text ----------------------------------------- */

#define MAX_TBL 32   /* nested tables deeper than this share the last row state */

typedef struct wx {
    sc_buf out;
    int in_run;          /* w:r nesting: w:tab in a run is a tab, elsewhere a tab stop */
    int in_t;            /* w:t nesting: only text there is document text */
    int tbl_depth;       /* nesting of w:tbl */
    int cells[MAX_TBL];  /* per table level: cells already written in its current row */
    int paras_in_cell;   /* paragraphs already ended in the current cell */
} wx;

static int is_w(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
    return ns && !strcmp((const char *)ns, W_NS) && !strcmp((const char *)xmlTextReaderConstLocalName(r), local);
}

static int *row_cells(wx *x)
{
    int level = x->tbl_depth < MAX_TBL ? x->tbl_depth : MAX_TBL - 1;
    return &x->cells[level];
}

static void on_open(wx *x, xmlTextReaderPtr r)
{
    if (is_w(r, "t")) x->in_t++;
    else if (is_w(r, "r")) x->in_run++;
    else if (is_w(r, "tab") && x->in_run) sc_buf_addc(&x->out, '\t');
    else if ((is_w(r, "br") || is_w(r, "cr")) && x->in_run) sc_buf_addc(&x->out, '\n');
    else if (is_w(r, "noBreakHyphen")) sc_buf_addc(&x->out, '-');
    else if (is_w(r, "p") && x->tbl_depth && x->paras_in_cell) sc_buf_addc(&x->out, ' ');
    else if (is_w(r, "tbl")) { x->tbl_depth++; *row_cells(x) = 0; }
    else if (is_w(r, "tr")) *row_cells(x) = 0;
    else if (is_w(r, "tc")) { if ((*row_cells(x))++) sc_buf_addc(&x->out, '\t'); x->paras_in_cell = 0; }
}

static void on_close(wx *x, xmlTextReaderPtr r)
{
    if (is_w(r, "t")) { if (x->in_t) x->in_t--; }
    else if (is_w(r, "r")) { if (x->in_run) x->in_run--; }
    else if (is_w(r, "p")) {
        if (x->tbl_depth) x->paras_in_cell++;
        else sc_buf_addc(&x->out, '\n');
    } else if (is_w(r, "tr")) sc_buf_addc(&x->out, '\n');
    else if (is_w(r, "tbl")) { if (x->tbl_depth) x->tbl_depth--; }
}

/* libxml2 reports problems through this; we keep the first one. */
static void xml_error(void *arg, const char *msg, xmlParserSeverities sev, xmlTextReaderLocatorPtr loc)
{
    sc_err *e = arg;
    if (sev != XML_PARSER_SEVERITY_ERROR && sev != XML_PARSER_SEVERITY_VALIDITY_ERROR) return;
    if (e->code) return;
    char m[300];
    snprintf(m, sizeof m, "%s", msg ? msg : "parse error");
    size_t k = strlen(m);
    while (k && (m[k - 1] == '\n' || m[k - 1] == ' ')) m[--k] = 0;
    int code = strstr(m, "UTF-8") || strstr(m, "encoding") || strstr(m, "Char 0x") ? SC_EENCODING : SC_EFORMAT;
    if (strstr(m, "depth")) {    /* libxml2's own limit (256 without XML_PARSE_HUGE) came first */
        sc_err_set(e, SC_ELIMIT, ENTRY ": XML nested deeper than %d levels", 256);
        return;
    }
    sc_err_set(e, code, ENTRY ": invalid XML at line %d: %s", xmlTextReaderLocatorLineNumber(loc), m);
}

static int xml_to_text(const char *xml, size_t n, const sc_read_limits *lim, sc_buf *out, sc_err *err)
{
    if (n > (size_t)0x7FFFFFFF) return sc_err_set(err, SC_ELIMIT, ENTRY ": too large for the XML parser");
    /* WordprocessingML has no DOCTYPE; one is only there to define entities */
    if (memmem(xml, n < 4096 ? n : 4096, "<!DOCTYPE", 9) || memmem(xml, n < 4096 ? n : 4096, "<!ENTITY", 8))
        return sc_err_set(err, SC_EFORMAT, ENTRY ": has a DOCTYPE (entity declarations are refused)");
    xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)n, ENTRY, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                            XML_PARSE_COMPACT);
    if (!r) return sc_err_set(err, SC_ENOMEM, "out of memory");
    sc_err xe = {0};
    xmlTextReaderSetStructuredErrorHandler(r, NULL, NULL);
    xmlTextReaderSetErrorHandler(r, xml_error, &xe);
    wx x = {0};
    int rc = SC_OK, ret;
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            int depth = xmlTextReaderDepth(r);
            if (depth < 0 || (unsigned)depth >= lim->max_xml_depth) {
                rc = sc_err_set(err, SC_ELIMIT, ENTRY ": XML nested deeper than %u levels", lim->max_xml_depth);
                break;
            }
            const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
            if (ns && !strcmp((const char *)ns, MC_NS) &&
                !strcmp((const char *)xmlTextReaderConstLocalName(r), "Fallback")) {
                if (xmlTextReaderNext(r) != 1) break;    /* skip the subtree */
                /* Next lands on the following node: handle it as if read */
                type = xmlTextReaderNodeType(r);
                if (type != XML_READER_TYPE_ELEMENT && type != XML_READER_TYPE_END_ELEMENT) continue;
                if (type == XML_READER_TYPE_END_ELEMENT) { on_close(&x, r); continue; }
            }
            on_open(&x, r);
            if (xmlTextReaderIsEmptyElement(r)) on_close(&x, r);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            on_close(&x, r);
        } else if (x.in_t && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                              type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA)) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            if (v) sc_buf_adds(&x.out, (const char *)v);
        }
        if (x.out.len > lim->max_text_bytes) {
            char a[32];
            rc = sc_err_set(err, SC_ELIMIT, "too large: more than %s of text", sc_read_size(lim->max_text_bytes, a));
            break;
        }
        if (x.out.oom) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
    }
    if (!rc && ret < 0) {
        if (xe.code) { rc = xe.code; if (err) *err = xe; }
        else rc = sc_err_set(err, SC_EFORMAT, ENTRY ": invalid XML");
    }
    xmlFreeTextReader(r);
    if (rc) { sc_buf_free(&x.out); return rc; }
    *out = x.out;
    return SC_OK;
}

/* ---- the reader ------------------------------------------------------- */

static const char *zip_problem(int ze)
{
    switch (ze) {
    case ZIP_ER_NOZIP: return "not a valid zip archive (truncated?)";
    case ZIP_ER_INCONS: return "inconsistent zip archive (truncated or corrupt)";
    case ZIP_ER_MEMORY: return "out of memory";
    case ZIP_ER_READ: case ZIP_ER_SEEK: return "zip archive cut short (truncated?)";
    default: return "damaged zip archive";
    }
}

int sc_read_docx(const unsigned char *data, size_t n, const sc_read_limits *lim, sc_raw *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, n, 0, &ze);
    if (!src) { zip_error_fini(&ze); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        int code = zip_error_code_zip(&ze);
        zip_source_free(src);
        zip_error_fini(&ze);
        return sc_err_set(err, code == ZIP_ER_MEMORY ? SC_ENOMEM : SC_EFORMAT, "%s", zip_problem(code));
    }
    zip_error_fini(&ze);
    int rc;
    zip_int64_t idx = zip_name_locate(za, ENTRY, 0);
    if (idx < 0) {
        int odt = zip_name_locate(za, "content.xml", 0) >= 0;
        rc = sc_err_set(err, odt ? SC_EUNSUPPORTED : SC_EFORMAT, "%s",
                        odt ? "an OpenDocument file (.odt), not supported: save it as .docx"
                            : "zip archive without " ENTRY " (not a .docx document)");
        zip_discard(za);
        return rc;
    }
    char *xml = NULL;
    size_t xlen = 0;
    rc = read_entry(za, idx, lim, &xml, &xlen, err);
    zip_discard(za);    /* also frees src */
    if (rc) return rc;
    sc_buf text = SC_BUF_INIT;
    rc = xml_to_text(xml, xlen, lim, &text, err);
    free(xml);
    if (!rc) rc = sc_read_finish(text.data ? text.data : "", text.len, lim, "docx", "utf-8", out, err);
    sc_buf_free(&text);
    return rc;
}
