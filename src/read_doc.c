/*
** read_doc.c — Word 97-2003 (.doc): libgsf opens the OLE2 container, the
** text comes from the piece table, as [MS-DOC] describes it.
**
**   WordDocument stream   FIB at offset 0:
**     0x0000 u16 wIdent = 0xA5EC          0x000A u16 flags: 0x0100 fEncrypted,
**     0x0002 u16 nFib                                       0x0200 fWhichTblStm
**     0x0020 u16 csw, then csw u16 (FibRgW97)
**            u16 cslw, then cslw u32 (FibRgLw97: ccpText is the 4th)
**            u16 cbRgFcLcb, then cbRgFcLcb (fc,lcb) u32 pairs: fcClx/lcbClx is pair 33
**   0Table or 1Table (fWhichTblStm)  at fcClx, lcbClx bytes: the Clx:
**     zero or more Prc  (0x01, i16 cbGrpprl, grpprl)
**     one Pcdt          (0x02, u32 lcb, PlcPcd: n+1 u32 CPs, n 8-byte Pcds)
**   Pcd: u16 flags, u32 fc (bit 30 fCompressed; compressed text is 8-bit
**        cp1252 at byte fc/2, else UTF-16LE at byte fc), u16 prm.
** The main document is CPs [0, ccpText); footnotes, headers and the rest
** follow it and are not read.  Word's control characters are mapped:
**   0x0D paragraph, 0x0B line break, 0x0C page break  => '\n'
**   0x07 cell mark => '\t'; a second 0x07 right after one is the row mark => '\n'
**   0x13 field begin .. 0x14 separator .. 0x15 end: the instruction between
**        0x13 and 0x14 is dropped, the result kept (fields nest)
**   0x1E non-breaking hyphen => '-'; 0x1F optional hyphen, 0x01/0x08 objects,
**   0x02/0x05 note marks and other controls are dropped.
** Every offset read from the file is checked against the stream it points
** into; an encrypted document or Word 6/95 is refused with a clear error.
*/
#include "read_priv.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* ---- libgsf, once per process ---------------------------------------- */

static void gsf_quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    /* libgsf warns on stderr about every damaged container; the caller gets
    ** our error instead, so these are dropped */
    (void)domain; (void)level; (void)msg; (void)data;
}

static void gsf_start(void)
{
    gsf_init();
    const GLogLevelFlags quiet = G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG;
    g_log_set_handler("libgsf:msole", quiet, gsf_quiet, NULL);
    g_log_set_handler("libgsf", quiet, gsf_quiet, NULL);
    g_log_set_handler(NULL, quiet, gsf_quiet, NULL);    /* gsf-infile.c logs without a domain */
}

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;

/* ---- little-endian access with bounds --------------------------------- */

typedef struct bytes { const unsigned char *p; size_t n; } bytes;

static int u16at(bytes b, size_t off, uint32_t *v)
{
    if (off > b.n || b.n - off < 2) return -1;
    *v = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8;
    return 0;
}

static int u32at(bytes b, size_t off, uint32_t *v)
{
    if (off > b.n || b.n - off < 4) return -1;
    *v = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8 | (uint32_t)b.p[off + 2] << 16 | (uint32_t)b.p[off + 3] << 24;
    return 0;
}

/* Reads a whole stream of the container into *out (malloc'd, caller frees). */
static int read_stream(GsfInfile *ole, const char *name, const sc_read_limits *lim, bytes *out, sc_err *err)
{
    GsfInput *in = gsf_infile_child_by_name(ole, name);
    if (!in) return SC_ENOTFOUND;
    gsf_off_t size = gsf_input_size(in);
    int rc = SC_OK;
    if (size < 0 || (uint64_t)size > lim->max_entry_bytes) {
        char a[32];
        rc = sc_err_set(err, SC_ELIMIT, "%s stream larger than the limit of %s", name,
                        sc_read_size(lim->max_entry_bytes, a));
    } else {
        unsigned char *p = malloc((size_t)size + 1);
        if (!p) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        else if (size > 0 && !gsf_input_read(in, (size_t)size, p)) {
            free(p);
            rc = sc_err_set(err, SC_EFORMAT, "%s stream cannot be read (truncated file?)", name);
        } else {
            out->p = p;
            out->n = (size_t)size;
        }
    }
    g_object_unref(in);
    return rc;
}

/* ---- text extraction -------------------------------------------------- */

/* cp1252 bytes 0x80-0x9F; the rest of the 8-bit range is Latin-1. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
    0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
    0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

#define MAX_FIELD_DEPTH 64

typedef struct wd_text {
    sc_buf out;
    uint32_t prev;               /* the previous character, before mapping */
    int depth;                   /* open fields */
    unsigned char instr[MAX_FIELD_DEPTH]; /* per open field: still in its instruction part */
    int hidden;                  /* any open field is in its instruction part */
    uint32_t hi_surrogate;       /* pending UTF-16 high surrogate */
} wd_text;

static void recompute_hidden(wd_text *t)
{
    t->hidden = 0;
    for (int i = 0; i < t->depth && i < MAX_FIELD_DEPTH; i++)
        if (t->instr[i]) t->hidden = 1;
}

static void put_char(wd_text *t, uint32_t c)
{
    uint32_t prev = t->prev;
    t->prev = c;
    switch (c) {
    case 0x13:                                       /* field begin */
        if (t->depth < MAX_FIELD_DEPTH) t->instr[t->depth] = 1;
        t->depth++;
        t->hidden = 1;
        return;
    case 0x14:                                       /* field separator */
        if (t->depth > 0 && t->depth <= MAX_FIELD_DEPTH) t->instr[t->depth - 1] = 0;
        recompute_hidden(t);
        return;
    case 0x15:                                       /* field end */
        if (t->depth > 0) t->depth--;
        recompute_hidden(t);
        return;
    }
    if (t->hidden) return;
    switch (c) {
    case 0x0D: case 0x0B: case 0x0C: sc_buf_addc(&t->out, '\n'); return;
    case 0x09: sc_buf_addc(&t->out, '\t'); return;
    case 0x07:
        if (prev == 0x07) {                          /* row end mark after the last cell mark */
            if (t->out.len && t->out.data[t->out.len - 1] == '\t') t->out.len--;
            sc_buf_addc(&t->out, '\n');
            t->prev = 0;                             /* a third 0x07 is a new cell */
        } else {
            sc_buf_addc(&t->out, '\t');
        }
        return;
    case 0x1E: sc_buf_addc(&t->out, '-'); return;
    }
    if (c < 0x20 || c == 0x7F || c == 0xFFFE || c == 0xFFFF) return;   /* objects, note marks, ... */
    sc_buf_add_cp(&t->out, c);
}

static void put_utf16(wd_text *t, uint32_t u)
{
    if (u >= 0xD800 && u <= 0xDBFF) {
        if (t->hi_surrogate) put_char(t, 0xFFFD);
        t->hi_surrogate = u;
        return;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        if (!t->hi_surrogate) { put_char(t, 0xFFFD); return; }
        put_char(t, 0x10000 + ((t->hi_surrogate - 0xD800) << 10) + (u - 0xDC00));
        t->hi_surrogate = 0;
        return;
    }
    if (t->hi_surrogate) { put_char(t, 0xFFFD); t->hi_surrogate = 0; }
    put_char(t, u);
}

/* Walks the piece table, appending CPs [0, ccp) to t. */
static int pieces(bytes wd, bytes plc, uint32_t ccp, const sc_read_limits *lim, wd_text *t, sc_err *err)
{
    if (plc.n < 4 || (plc.n - 4) % 12) return sc_err_set(err, SC_EFORMAT, "damaged piece table (size %zu)", plc.n);
    size_t npcd = (plc.n - 4) / 12;
    uint32_t prev_end = 0;
    for (size_t i = 0; i < npcd; i++) {
        uint32_t cp0 = 0, cp1 = 0, fcraw = 0;
        if (u32at(plc, i * 4, &cp0) || u32at(plc, (i + 1) * 4, &cp1) ||
            u32at(plc, (npcd + 1) * 4 + i * 8 + 2, &fcraw))     /* cannot fail: sizes checked above */
            return sc_err_set(err, SC_EINTERNAL, "piece table arithmetic");
        if (cp1 < cp0 || cp0 < prev_end)
            return sc_err_set(err, SC_EFORMAT, "damaged piece table (piece %zu out of order)", i);
        prev_end = cp1;
        if (cp0 >= ccp) break;
        uint32_t count = (cp1 < ccp ? cp1 : ccp) - cp0;
        int compressed = (fcraw >> 30) & 1;
        uint64_t fc = fcraw & 0x3FFFFFFFu;
        uint64_t start = compressed ? fc / 2 : fc;
        uint64_t bytes_needed = (uint64_t)count * (compressed ? 1 : 2);
        if (start > wd.n || bytes_needed > wd.n - start)
            return sc_err_set(err, SC_EFORMAT, "piece %zu points outside the WordDocument stream (truncated?)", i);
        const unsigned char *p = wd.p + start;
        for (uint32_t k = 0; k < count; k++) {
            if (compressed) {
                unsigned c = p[k];
                put_char(t, c >= 0x80 && c < 0xA0 ? cp1252_hi[c - 0x80] : c);
            } else {
                put_utf16(t, (uint32_t)p[2 * k] | (uint32_t)p[2 * k + 1] << 8);
            }
        }
        if (t->out.len > lim->max_text_bytes) {
            char a[32];
            return sc_err_set(err, SC_ELIMIT, "too large: more than %s of text", sc_read_size(lim->max_text_bytes, a));
        }
        if (t->out.oom) return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    if (t->hi_surrogate) put_char(t, 0xFFFD);
    return SC_OK;
}

/* Finds the Pcdt's PlcPcd inside the Clx. */
static int find_plcpcd(bytes tbl, uint32_t fc, uint32_t lcb, bytes *plc, sc_err *err)
{
    if (fc > tbl.n || lcb > tbl.n - fc)
        return sc_err_set(err, SC_EFORMAT, "the piece table lies outside the table stream (truncated?)");
    bytes clx = {tbl.p + fc, lcb};
    size_t i = 0;
    while (i < clx.n) {
        if (clx.p[i] == 0x01) {                       /* Prc: skip its property modifiers */
            uint32_t cb;
            if (u16at(clx, i + 1, &cb)) break;
            int16_t scb = (int16_t)(uint16_t)cb;
            if (scb < 0) break;
            i += 3 + (size_t)scb;
        } else if (clx.p[i] == 0x02) {
            uint32_t len;
            if (u32at(clx, i + 1, &len) || len > clx.n - i - 5) break;
            plc->p = clx.p + i + 5;
            plc->n = len;
            return SC_OK;
        } else {
            break;
        }
    }
    return sc_err_set(err, SC_EFORMAT, "damaged piece table (no Pcdt in the Clx)");
}

static int doc_text(bytes wd, GsfInfile *ole, const sc_read_limits *lim, sc_buf *text, sc_err *err)
{
    uint32_t ident, nfib, flags;
    if (u16at(wd, 0, &ident) || u16at(wd, 2, &nfib) || u16at(wd, 0x0A, &flags))
        return sc_err_set(err, SC_EFORMAT, "WordDocument stream too short for a FIB (truncated?)");
    if (ident == 0xA5DC)
        return sc_err_set(err, SC_EUNSUPPORTED, "Word 6/95 document: save it as .docx");
    if (ident != 0xA5EC)
        return sc_err_set(err, SC_EFORMAT, "WordDocument stream without the Word signature (0x%04X)", ident);
    if (nfib < 0x00C0)    /* Word 97 writes 0x00C1; a little slack for other writers */
        return sc_err_set(err, SC_EUNSUPPORTED, "Word 6/95 document (nFib %u): save it as .docx", nfib);
    if (flags & 0x0100)
        return sc_err_set(err, SC_EUNSUPPORTED, "encrypted (password-protected) Word document");
    /* walk the variable-length FIB */
    size_t pos = 32;
    uint32_t csw, cslw, cb, ccp, fcclx, lcbclx;
    if (u16at(wd, pos, &csw)) goto short_fib;
    pos += 2 + (size_t)csw * 2;
    if (u16at(wd, pos, &cslw) || cslw < 4) goto short_fib;
    if (u32at(wd, pos + 2 + 3 * 4, &ccp)) goto short_fib;
    pos += 2 + (size_t)cslw * 4;
    if (u16at(wd, pos, &cb) || cb < 34) goto short_fib;
    pos += 2;
    if (u32at(wd, pos + 33 * 8, &fcclx) || u32at(wd, pos + 33 * 8 + 4, &lcbclx)) goto short_fib;
    if (ccp > 0x7FFFFFFF) return sc_err_set(err, SC_EFORMAT, "damaged FIB (text length %u)", ccp);
    if (lcbclx == 0) return sc_err_set(err, SC_EFORMAT, "no piece table (lcbClx is 0)");
    const char *tname = (flags & 0x0200) ? "1Table" : "0Table";
    bytes tbl = {0};
    int rc = read_stream(ole, tname, lim, &tbl, err);
    if (rc == SC_ENOTFOUND) return sc_err_set(err, SC_EFORMAT, "the %s stream is missing", tname);
    if (rc) return rc;
    bytes plc = {0};
    wd_text t = {0};
    rc = find_plcpcd(tbl, fcclx, lcbclx, &plc, err);
    if (!rc) rc = pieces(wd, plc, ccp, lim, &t, err);
    free((void *)tbl.p);
    if (rc) { sc_buf_free(&t.out); return rc; }
    *text = t.out;
    return SC_OK;
short_fib:
    return sc_err_set(err, SC_EFORMAT, "damaged FIB (truncated WordDocument stream?)");
}

/* Checks what libgsf does not: [MS-CFB] says the root directory entry has
** no siblings (left/right = NOSTREAM).  libgsf reads such siblings with no
** parent and never frees them (a leak per hostile file), so they are refused
** here.  Header: u16 sector shift at 0x1E, u32 first directory sector at
** 0x30; directory entry: u32 left at 0x44, right at 0x48. */
static int check_ole_root(const unsigned char *data, size_t n, sc_err *err)
{
    bytes b = {data, n};
    uint32_t shift, first, left, right;
    if (u16at(b, 0x1E, &shift) || u32at(b, 0x30, &first) || shift < 6 || shift > 16)
        return sc_err_set(err, SC_EFORMAT, "not a valid OLE2 (Word 97) file (bad header)");
    uint64_t sector = (uint64_t)1 << shift;
    uint64_t off = (sector > 512 ? sector : 512) + ((uint64_t)first << shift);
    if (off > n || u32at(b, (size_t)off + 0x44, &left) || u32at(b, (size_t)off + 0x48, &right))
        return sc_err_set(err, SC_EFORMAT, "not a valid OLE2 (Word 97) file (directory missing: truncated?)");
    if (left != 0xFFFFFFFFu || right != 0xFFFFFFFFu)
        return sc_err_set(err, SC_EFORMAT, "not a valid OLE2 (Word 97) file (damaged directory)");
    return SC_OK;
}

int sc_read_doc(const unsigned char *data, size_t n, const sc_read_limits *lim, sc_raw *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    int crc = check_ole_root(data, n, err);
    if (crc) return crc;
    pthread_once(&gsf_once, gsf_start);
    GsfInput *mem = gsf_input_memory_new(data, (gsf_off_t)n, FALSE);
    if (!mem) return sc_err_set(err, SC_ENOMEM, "out of memory");
    GError *gerr = NULL;
    GsfInfile *ole = gsf_infile_msole_new(mem, &gerr);
    g_object_unref(mem);                      /* the infile holds its own reference */
    if (!ole) {
        int rc = sc_err_set(err, SC_EFORMAT, "not a valid OLE2 (Word 97) file (%s)",
                            gerr && gerr->message ? gerr->message : "truncated?");
        if (gerr) g_error_free(gerr);
        return rc;
    }
    bytes wd = {0};
    int rc = read_stream(ole, "WordDocument", lim, &wd, err);
    if (rc == SC_ENOTFOUND) {
        GsfInput *enc = gsf_infile_child_by_name(ole, "EncryptedPackage");
        if (enc) {
            g_object_unref(enc);
            rc = sc_err_set(err, SC_EUNSUPPORTED, "encrypted (password-protected) Office document");
        } else {
            rc = sc_err_set(err, SC_EUNSUPPORTED,
                            "an OLE2 file without a WordDocument stream (Excel, PowerPoint?), not a Word document");
        }
    }
    sc_buf text = SC_BUF_INIT;
    if (!rc) rc = doc_text(wd, ole, lim, &text, err);
    free((void *)wd.p);
    g_object_unref(ole);
    if (!rc) rc = sc_read_finish(text.data ? text.data : "", text.len, lim, "doc", "word97", out, err);
    sc_buf_free(&text);
    return rc;
}
