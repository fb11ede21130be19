/*
** export_zip.c — a batch download: a zip written straight to a sink.
** Contract in export.h.
**
** Format (PKWARE APPNOTE 6.3, the PKZIP 2.0 subset every unzip reads):
** for each entry a local file header with the CRC-32 and sizes already
** known (we hold one entry's bytes at a time), the name in UTF-8 (general
** purpose flag bit 11), then the data, stored (method 0) or raw deflate
** (method 8); at the end the central directory and the end record.  No
** ZIP64: at most SC_EXPORT_ZIP_MAX_ENTRIES entries and 4 GiB in all, else
** SC_ELIMIT.  All integers little-endian.
*/
#include "export.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

struct sc_export_zip {
    sc_export_sink sink;
    void *ctx;
    uint64_t offset;      /* bytes written so far */
    sc_buf central;       /* central directory records */
    char **names;         /* names used, for uniqueness */
    size_t n_names, cap_names;
    uint16_t dos_time, dos_date;
    int failed, finished;
};

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static int emit(sc_export_zip *z, const void *p, size_t n, sc_err *err)
{
    if (z->sink(z->ctx, p, n)) {
        z->failed = 1;
        return sc_err_set(err, SC_EIO, "export zip: the output stopped accepting data");
    }
    z->offset += n;
    return SC_OK;
}

int sc_export_zip_new(sc_export_sink sink, void *ctx, sc_export_zip **out, sc_err *err)
{
    *out = NULL;
    if (!sink) return sc_err_set(err, SC_EINVAL, "export zip: no output");
    sc_export_zip *z = calloc(1, sizeof *z);
    if (!z) return sc_err_set(err, SC_ENOMEM, "export zip: out of memory");
    z->sink = sink;
    z->ctx = ctx;
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) && tm.tm_year >= 80) {
        z->dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
        z->dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    } else {
        z->dos_date = 1 << 5 | 1;     /* 1980-01-01 */
    }
    *out = z;
    return SC_OK;
}

static int name_taken(const sc_export_zip *z, const char *name)
{
    for (size_t i = 0; i < z->n_names; i++)
        if (!strcasecmp(z->names[i], name)) return 1;
    return 0;
}

/* Raw deflate of data into *out (caller frees); SC_OK or SC_ENOMEM. */
static int deflate_all(const void *data, size_t n, unsigned char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return SC_ENOMEM;
    uLong cap = deflateBound(&zs, (uLong)n);
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf) { deflateEnd(&zs); return SC_ENOMEM; }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    int zr = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (zr != Z_STREAM_END) { free(buf); return SC_ENOMEM; }
    *out = buf;
    return SC_OK;
}

int sc_export_zip_add(sc_export_zip *z, const char *title, const char *ext,
                      const void *data, size_t n, char **name_out, sc_err *err)
{
    if (name_out) *name_out = NULL;
    if (z->failed || z->finished)
        return sc_err_set(err, SC_EINVAL, "export zip: archive already %s",
                          z->finished ? "finished" : "failed");
    if (z->n_names >= SC_EXPORT_ZIP_MAX_ENTRIES)
        return sc_err_set(err, SC_ELIMIT, "export zip: more than %d files", SC_EXPORT_ZIP_MAX_ENTRIES);
    if (n >= 0xFFFFFFFFu)
        return sc_err_set(err, SC_ELIMIT, "export zip: a file of 4 GiB or more");

    char *name = NULL;
    for (unsigned k = 1; !name || name_taken(z, name); k++) {
        free(name);
        name = sc_export_filename_n(title, k, ext);
        if (!name) return sc_err_set(err, SC_ENOMEM, "export zip: out of memory");
    }
    if (z->n_names == z->cap_names) {
        size_t cap = z->cap_names ? 2 * z->cap_names : 16;
        char **p = realloc(z->names, cap * sizeof *p);
        if (!p) { free(name); return sc_err_set(err, SC_ENOMEM, "export zip: out of memory"); }
        z->names = p;
        z->cap_names = cap;
    }

    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (size_t done = 0; done < n;) {             /* crc32 takes a uInt length */
        size_t step = n - done > (1u << 30) ? (1u << 30) : n - done;
        crc = (uint32_t)crc32(crc, (const Bytef *)data + done, (uInt)step);
        done += step;
    }
    unsigned char *packed = NULL;
    size_t packed_len = n;
    unsigned method = 0;
    if (!(ext && !strcasecmp(ext, "docx")) && n > 64) {
        if (deflate_all(data, n, &packed, &packed_len)) {
            free(name);
            return sc_err_set(err, SC_ENOMEM, "export zip: out of memory");
        }
        if (packed_len < n) method = 8;
        else { free(packed); packed = NULL; packed_len = n; }
    }
    size_t name_len = strlen(name);
    if (z->offset + 30 + name_len + packed_len >= 0xFFFFFFFFu) {
        free(packed);
        free(name);
        return sc_err_set(err, SC_ELIMIT, "export zip: archive would reach 4 GiB");
    }

    unsigned char h[46];
    /* local file header */
    put32(h, 0x04034b50);
    put16(h + 4, 20);                 /* version needed: 2.0 */
    put16(h + 6, 0x0800);             /* names are UTF-8 */
    put16(h + 8, method);
    put16(h + 10, z->dos_time);
    put16(h + 12, z->dos_date);
    put32(h + 14, crc);
    put32(h + 18, (uint32_t)packed_len);
    put32(h + 22, (uint32_t)n);
    put16(h + 26, (unsigned)name_len);
    put16(h + 28, 0);
    uint32_t local_at = (uint32_t)z->offset;
    int rc = emit(z, h, 30, err);
    if (!rc) rc = emit(z, name, name_len, err);
    if (!rc && packed_len) rc = emit(z, packed ? (const void *)packed : data, packed_len, err);
    free(packed);
    if (rc) { free(name); return rc; }

    /* its central directory record */
    put32(h, 0x02014b50);
    put16(h + 4, 3 << 8 | 20);        /* made by: Unix, 2.0 (for the mode below) */
    put16(h + 6, 20);
    put16(h + 8, 0x0800);
    put16(h + 10, method);
    put16(h + 12, z->dos_time);
    put16(h + 14, z->dos_date);
    put32(h + 16, crc);
    put32(h + 20, (uint32_t)packed_len);
    put32(h + 24, (uint32_t)n);
    put16(h + 28, (unsigned)name_len);
    put16(h + 30, 0);                 /* extra */
    put16(h + 32, 0);                 /* comment */
    put16(h + 34, 0);                 /* disk */
    put16(h + 36, 0);                 /* internal attributes */
    put32(h + 38, (uint32_t)0100644 << 16);   /* regular file, rw-r--r-- */
    put32(h + 42, local_at);
    sc_buf_add(&z->central, h, 46);
    sc_buf_add(&z->central, name, name_len);
    if (z->central.oom) {
        z->failed = 1;
        free(name);
        return sc_err_set(err, SC_ENOMEM, "export zip: out of memory");
    }
    z->names[z->n_names++] = name;
    if (name_out) *name_out = sc_strdup(name);
    return SC_OK;
}

int sc_export_zip_add_doc(sc_export_zip *z, const sc_doc *doc, const sc_export_opts *o,
                          const char *format, sc_err *err)
{
    sc_buf b = SC_BUF_INIT;
    int rc;
    if (format && !strcmp(format, "txt")) rc = sc_export_txt(doc, o, &b, err);
    else if (!format || !strcmp(format, "docx")) rc = sc_export_docx(doc, o, &b, err);
    else return sc_err_set(err, SC_EINVAL, "export zip: unknown format '%s' (docx, txt)", format);
    if (!rc) rc = sc_export_zip_add(z, doc->title, format ? format : "docx", b.data, b.len, NULL, err);
    sc_buf_free(&b);
    return rc;
}

int sc_export_zip_finish(sc_export_zip *z, sc_err *err)
{
    if (z->failed || z->finished)
        return sc_err_set(err, SC_EINVAL, "export zip: archive already %s",
                          z->finished ? "finished" : "failed");
    if (z->offset + z->central.len >= 0xFFFFFFFFu)
        return sc_err_set(err, SC_ELIMIT, "export zip: archive would reach 4 GiB");
    unsigned char e[22];
    put32(e, 0x06054b50);
    put16(e + 4, 0);
    put16(e + 6, 0);
    put16(e + 8, (unsigned)z->n_names);
    put16(e + 10, (unsigned)z->n_names);
    put32(e + 12, (uint32_t)z->central.len);
    put32(e + 16, (uint32_t)z->offset);
    put16(e + 20, 0);
    int rc = z->central.len ? emit(z, z->central.data, z->central.len, err) : SC_OK;
    if (!rc) rc = emit(z, e, 22, err);
    if (!rc) z->finished = 1;
    return rc;
}

void sc_export_zip_free(sc_export_zip *z)
{
    if (!z) return;
    for (size_t i = 0; i < z->n_names; i++) free(z->names[i]);
    free(z->names);
    sc_buf_free(&z->central);
    free(z);
}
