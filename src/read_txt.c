/*
** read_txt.c — plain text files, and the finishing step every reader shares.
**
** The encoding is decided from the bytes, never from the file name:
**   EF BB BF  => UTF-8 with BOM          FF FE => UTF-16LE    FE FF => UTF-16BE
**   no BOM: NUL bytes => binary, refused; valid UTF-8 => UTF-8;
**   else GB18030 (a superset of GBK and GB2312) through iconv(3), which must
**   decode every byte; else the file is refused as "not in UTF-8, UTF-16 or
**   GB18030".  Trying UTF-8 first is safe: GB18030 text of any length is
**   almost never valid UTF-8, because its lead bytes 0x81-0xFE are followed by
**   bytes that do not form UTF-8 continuation patterns.
** The decoded text then goes through sc_read_finish() (see read_priv.h).
*/
#include "read_priv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

const char *sc_read_size(size_t bytes, char buf[32])
{
    if (bytes < 1024) snprintf(buf, 32, "%zu bytes", bytes);
    else if (bytes < (size_t)1 << 20) snprintf(buf, 32, "%.1f KiB", (double)bytes / 1024);
    else if (bytes < (size_t)1 << 30) snprintf(buf, 32, "%.1f MiB", (double)bytes / (1 << 20));
    else snprintf(buf, 32, "%.1f GiB", (double)bytes / (1 << 30));
    return buf;
}

static int too_large(sc_err *err, size_t have, size_t limit)
{
    char a[32], b[32];
    return sc_err_set(err, SC_ELIMIT, "too large: %s of text, the limit is %s",
                      sc_read_size(have, a), sc_read_size(limit, b));
}

/* True once the UTF-8 at s[i..n) starts with something other than white
** space (ASCII space, U+00A0, U+3000, U+FEFF, U+200B).  Called per byte
** only until the first non-space is found. */
static int is_space_at(const unsigned char *s, size_t n, size_t i, size_t *adv)
{
    unsigned c = s[i];
    *adv = 1;
    if (c == ' ' || c == '\t' || c == '\n') return 1;
    if (c == 0xC2 && i + 1 < n && s[i + 1] == 0xA0) { *adv = 2; return 1; }
    if (i + 2 < n) {
        if (c == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) { *adv = 3; return 1; }
        if (c == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) { *adv = 3; return 1; }
        if (c == 0xE2 && s[i + 1] == 0x80 && s[i + 2] == 0x8B) { *adv = 3; return 1; }
    }
    return 0;
}

int sc_read_finish(const char *str, size_t n, const sc_read_limits *lim,
                   const char *format, const char *encoding, sc_raw *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    if (lim && n > lim->max_text_bytes) return too_large(err, n, lim->max_text_bytes);
    size_t bad = sc_utf8_check(str, n);
    if (bad < n)
        return sc_err_set(err, SC_EENCODING, "invalid UTF-8 (byte 0x%02X at offset %zu)",
                          (unsigned char)str[bad], bad);
    return sc_read_finish_valid(str, n, lim, format, encoding, out, err);
}

int sc_read_finish_valid(const char *str, size_t n, const sc_read_limits *lim,
                         const char *format, const char *encoding, sc_raw *out, sc_err *err)
{
    const unsigned char *s = (const unsigned char *)str;
    memset(out, 0, sizeof *out);
    if (lim && n > lim->max_text_bytes) return too_large(err, n, lim->max_text_bytes);
    const void *nul = memchr(s, 0, n);
    if (nul)
        return sc_err_set(err, SC_EFORMAT, "binary data, not text (NUL character at offset %zu)",
                          (size_t)((const unsigned char *)nul - s));
    size_t i = 0;
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3;
    char *t = malloc(n - i + 1);
    if (!t) return sc_err_set(err, SC_ENOMEM, "out of memory");
    size_t o = 0;
    int blank = 1;
    size_t space_end = 0;   /* the white space found by is_space_at runs to here */
    while (i < n) {
        unsigned c = s[i];
        if (blank && i >= space_end) {
            size_t adv;
            if (is_space_at(s, n, i, &adv) || c == '\r' || c == '\f' || c == '\v') space_end = i + adv;
            else blank = 0;
        }
        if (!blank) {              /* past the leading white space: copy runs */
            size_t j = i;
            while (j < n && s[j] >= 0x20 && s[j] != 0x7F) j++;
            memcpy(t + o, s + i, j - i);
            o += j - i;
            i = j;
            if (i == n) break;
            c = s[i];
        }
        if (c >= 0x20 && c != 0x7F) { t[o++] = (char)c; i++; continue; }
        if (c == '\r') { t[o++] = '\n'; i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1; continue; }
        if (c == '\n' || c == '\f' || c == '\v') t[o++] = '\n';
        else if (c == '\t') t[o++] = '\t';
        /* other controls (bell, escape, DEL, ...) carry no text: dropped */
        i++;
    }
    t[o] = 0;
    if (blank) { free(t); return sc_err_set(err, SC_EEMPTY, "empty file (no text, only white space)"); }
    out->text = t;
    out->len = o;
    out->format = format;
    out->encoding = encoding;
    return SC_OK;
}

/* UTF-16 (after the BOM) to UTF-8 in b.  Unpaired surrogates are errors:
** they mean the file is not UTF-16 after all. */
static int utf16_decode(const unsigned char *p, size_t n, int be, sc_buf *b, sc_err *err)
{
    if (n % 2) return sc_err_set(err, SC_EENCODING, "UTF-16 text with an odd number of bytes (truncated?)");
    sc_buf_reserve(b, n + n / 2);
    for (size_t i = 0; i < n; i += 2) {
        uint32_t u = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t v = 0;
            if (i + 3 < n) v = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3]) : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
            if (v < 0xDC00 || v > 0xDFFF)
                return sc_err_set(err, SC_EENCODING, "invalid UTF-16 (unpaired surrogate at offset %zu)", i + 2);
            u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
            i += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            return sc_err_set(err, SC_EENCODING, "invalid UTF-16 (unpaired surrogate at offset %zu)", i + 2);
        }
        if (u == 0)
            return sc_err_set(err, SC_EFORMAT, "binary data, not text (NUL character at offset %zu)", i + 2);
        sc_buf_add_cp(b, u);
    }
    return b->oom ? sc_err_set(err, SC_ENOMEM, "out of memory") : SC_OK;
}

/* GB18030 to UTF-8 with glibc's iconv.  Returns SC_EENCODING (err not set)
** when any byte does not decode, so the caller can word the message. */
static int gb18030_decode(const unsigned char *p, size_t n, size_t max_out, sc_buf *b, size_t *bad_at,
                          sc_err *err)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) return sc_err_set(err, SC_EINTERNAL, "iconv has no GB18030 converter");
    char *in = (char *)p;
    size_t inleft = n;
    int rc = SC_OK;
    while (inleft > 0) {
        if (!sc_buf_reserve(b, inleft + inleft / 2 + 16)) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        char *outp = b->data + b->len;
        size_t outleft = b->cap - b->len - 1;
        size_t r = iconv(cd, &in, &inleft, &outp, &outleft);
        b->len = (size_t)(outp - b->data);
        if (r != (size_t)-1) break;
        if (errno == E2BIG) {
            if (b->len > max_out) { rc = too_large(err, b->len, max_out); break; }
            continue;
        }
        *bad_at = n - inleft;   /* EILSEQ, or EINVAL for a sequence cut at the end */
        rc = SC_EENCODING;
        break;
    }
    iconv_close(cd);
    if (b->data) b->data[b->len] = 0;
    return rc;
}

int sc_read_txt(const unsigned char *data, size_t n, const sc_read_limits *lim, sc_raw *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0) return sc_err_set(err, SC_EEMPTY, "empty file");
    if (n >= 4 && ((data[0] == 0xFF && data[1] == 0xFE && data[2] == 0 && data[3] == 0) ||
                   (data[0] == 0 && data[1] == 0 && data[2] == 0xFE && data[3] == 0xFF)))
        return sc_err_set(err, SC_EENCODING, "UTF-32 text (BOM), not supported: save it as UTF-8");
    if (n >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF))) {
        int be = data[0] == 0xFE;
        if ((n - 2) / 2 > lim->max_text_bytes)   /* each UTF-16 unit gives >= 1 UTF-8 byte */
            return too_large(err, (n - 2) / 2, lim->max_text_bytes);
        sc_buf b = SC_BUF_INIT;
        int rc = utf16_decode(data + 2, n - 2, be, &b, err);
        if (!rc) rc = sc_read_finish(b.data ? b.data : "", b.len, lim, "txt", be ? "utf-16be" : "utf-16le", out, err);
        sc_buf_free(&b);
        return rc;
    }
    if (n > lim->max_text_bytes + 3 && n / 2 > lim->max_text_bytes)  /* GB18030 never shrinks below n/2 */
        return too_large(err, n, lim->max_text_bytes);
    int bom = n >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF;
    const unsigned char *nul = memchr(data, 0, n);
    if (nul)
        return sc_err_set(err, SC_EFORMAT, "binary data, not text (NUL bytes at offset %zu)", (size_t)(nul - data));
    /* Many control characters (other than tab, LF, CR, FF, VT, ESC, ^Z) mean
    ** binary data even without NULs; a stray one in real text is fine. */
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = data[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1B && c != 0x1A) ctl++;
    }
    if (ctl >= 4 && ctl * 50 > n)
        return sc_err_set(err, SC_EFORMAT, "binary data, not text (%zu control bytes in %zu)", ctl, n);
    size_t bad = sc_utf8_check((const char *)data, n);
    if (bad == n) return sc_read_finish_valid((const char *)data, n, lim, "txt", bom ? "utf-8-bom" : "utf-8", out, err);
    if (bom)
        return sc_err_set(err, SC_EENCODING, "UTF-8 BOM but invalid UTF-8 (byte 0x%02X at offset %zu)", data[bad], bad);
    sc_buf b = SC_BUF_INIT;
    size_t gb_bad = 0;
    int rc = gb18030_decode(data, n, lim->max_text_bytes, &b, &gb_bad, err);
    if (rc == SC_EENCODING)
        rc = sc_err_set(err, SC_EENCODING,
                        "not in UTF-8, UTF-16 or GB18030 (byte 0x%02X at offset %zu is not UTF-8, "
                        "byte 0x%02X at offset %zu is not GB18030)",
                        data[bad], bad, gb_bad < n ? data[gb_bad] : 0, gb_bad);
    if (!rc) rc = sc_read_finish(b.data ? b.data : "", b.len, lim, "txt", "gb18030", out, err);
    sc_buf_free(&b);
    return rc;
}
