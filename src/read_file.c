/*
** read_file.c — the readers' front door: load a file, decide its format
** from its content, hand it to the right reader, name the file in errors.
**
** Detection, first match wins (the name is only a tie-breaker for text):
**   PK\3\4 / PK\5\6                 zip      => read_docx.c
**   D0 CF 11 E0 A1 B1 1A E1         OLE2     => read_doc.c
**   28 B5 2F FD                     zstd     => decompressed, must be JSONL
**   1F 8B                           gzip     => decompressed, must be JSONL
**   %PDF, PNG, JPEG, GIF, RTF, ...  refused by name ("a PDF file")
**   name *.jsonl, or no .txt name and every line so far a {...} object
**                                   JSONL    => read_jsonl.c
**   anything else                   text     => read_txt.c (which refuses binary)
** Compressed input is decompressed as a stream straight into the JSONL
** line reader, so a .jsonl.zst never needs its decompressed size in memory;
** max_stream_bytes bounds the total.  A large file named .jsonl whose
** start is JSON Lines is read the same way, a chunk at a time (a library's
** export may be larger than the memory; reading it whole also cost a page
** fault every 4 kB).
*/
#include "read_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

void sc_read_limits_default(sc_read_limits *l)
{
    l->max_file_bytes = (size_t)256 << 20;
    l->max_text_bytes = (size_t)64 << 20;
    l->max_entry_bytes = (size_t)64 << 20;
    l->max_ratio = 200;
    l->max_xml_depth = 256;
    l->max_stream_bytes = sizeof(size_t) > 4 ? (size_t)(16ULL << 30) : (size_t)-1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

int sc_read_known_name(const char *name)
{
    static const char *const ext[] = {".txt", ".docx", ".doc", ".jsonl", ".jsonl.zst", ".jsonl.gz"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (ends_with(name, ext[i])) return 1;
    return 0;
}

static int starts(const unsigned char *d, size_t n, const char *magic, size_t k)
{
    return n >= k && !memcmp(d, magic, k);
}

/* Formats we recognise only to refuse them with a useful message. */
static const char *foreign_format(const unsigned char *d, size_t n)
{
    if (starts(d, n, "%PDF", 4)) return "a PDF file";
    if (starts(d, n, "\x89PNG", 4)) return "a PNG image";
    if (starts(d, n, "\xFF\xD8\xFF", 3)) return "a JPEG image";
    if (starts(d, n, "GIF8", 4)) return "a GIF image";
    if (starts(d, n, "{\\rtf", 5)) return "an RTF file";
    if (starts(d, n, "Rar!", 4)) return "a RAR archive";
    if (starts(d, n, "7z\xBC\xAF\x27\x1C", 6)) return "a 7-Zip archive";
    if (starts(d, n, "\xFD" "7zXZ", 5)) return "an xz-compressed file";
    if (starts(d, n, "\x7F" "ELF", 4)) return "a program (ELF)";
    return NULL;
}

/* Does the text look like JSON Lines?  The first non-blank lines (up to
** eight, within the first 64 KiB) must each start with '{' and end with '}';
** with `first_only` (the name says .jsonl) only the first line must start
** with '{', and bad lines are reported one by one by the reader. */
static int looks_jsonl(const unsigned char *d, size_t n, int first_only)
{
    size_t i = 0, end = n < 65536 ? n : 65536;
    if (starts(d, n, "\xEF\xBB\xBF", 3)) i = 3;
    int seen = 0;
    while (i < end && seen < 8) {
        const unsigned char *nl = memchr(d + i, '\n', end - i);
        size_t j = nl ? (size_t)(nl - d) : end;
        size_t a = i, b = j;
        while (a < b && (d[a] == ' ' || d[a] == '\t' || d[a] == '\r')) a++;
        if (!nl && end < n) {                      /* a line longer than the window: judged by its start */
            if (a < b && d[a] != '{') return 0;
            seen += a < b;
            break;
        }
        while (b > a && (d[b - 1] == ' ' || d[b - 1] == '\t' || d[b - 1] == '\r')) b--;
        if (a < b && first_only) return d[a] == '{';
        if (a < b) {
            if (d[a] != '{' || d[b - 1] != '}') return 0;
            seen++;
        }
        i = j + 1;
    }
    return seen > 0;
}

/* Prefixes line errors from the JSONL reader with the file name. */
typedef struct named_cb { const char *name; sc_read_cb cb; void *ctx; } named_cb;

static int named(void *vc, const sc_raw *raw, const sc_err *rec_err)
{
    named_cb *c = vc;
    if (!rec_err) return c->cb(c->ctx, raw, NULL);
    sc_err e = *rec_err;
    sc_err_prefix(&e, "%s", c->name);
    return c->cb(c->ctx, raw, &e);
}

/* ---- compressed JSONL ------------------------------------------------- */

typedef struct inflow {
    sc_jsonl_stream *js;
    const sc_read_limits *lim;
    const char *codec;     /* "zstd" / "gzip", for messages */
    size_t total;          /* decompressed bytes so far */
    int checked;           /* first non-blank byte seen and found to be '{' */
} inflow;

/* Passes one decompressed chunk on to the JSONL reader. */
static int inflow_put(inflow *f, const unsigned char *p, size_t n, sc_err *err)
{
    f->total += n;
    if (f->total > f->lim->max_stream_bytes) {
        char a[32];
        return sc_err_set(err, SC_ELIMIT, "%s data decompresses to more than %s (the limit)", f->codec,
                          sc_read_size(f->lim->max_stream_bytes, a));
    }
    for (size_t i = 0; !f->checked && i < n; i++) {
        unsigned c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB || c == 0xBF) continue;
        if (c != '{')
            return sc_err_set(err, SC_EUNSUPPORTED,
                              "%s-compressed data that is not JSON Lines (it must hold one {...} object a line)",
                              f->codec);
        f->checked = 1;
    }
    return sc_jsonl_feed(f->js, p, n, err);
}

static int read_zstd(const unsigned char *data, size_t n, inflow *f, sc_err *err)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    size_t cap = ZSTD_DStreamOutSize();
    unsigned char *out = malloc(cap);
    if (!ds || !out) { ZSTD_freeDStream(ds); free(out); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    ZSTD_initDStream(ds);
    ZSTD_inBuffer in = {data, n, 0};
    size_t ret = 0;
    int rc = SC_OK, full = 0;
    while (in.pos < in.size || full) {
        ZSTD_outBuffer o = {out, cap, 0};
        ret = ZSTD_decompressStream(ds, &o, &in);
        if (ZSTD_isError(ret)) {
            rc = sc_err_set(err, SC_EFORMAT, "corrupt zstd data (%s)", ZSTD_getErrorName(ret));
            break;
        }
        full = o.pos == o.size;
        if (o.pos && (rc = inflow_put(f, out, o.pos, err))) break;
        if (!full && in.pos == in.size) break;
    }
    if (!rc && ret != 0) rc = sc_err_set(err, SC_EFORMAT, "truncated zstd data (the last frame is incomplete)");
    ZSTD_freeDStream(ds);
    free(out);
    return rc;
}

static int read_gzip(const unsigned char *data, size_t n, inflow *f, sc_err *err)
{
    enum { CAP = 1 << 17 };
    unsigned char *out = malloc(CAP);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!out || inflateInit2(&z, 15 + 32) != Z_OK) { free(out); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    if (n > 0xFFFFFFF0u) { inflateEnd(&z); free(out); return sc_err_set(err, SC_ELIMIT, "gzip file too large"); }
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    int rc = SC_OK, zr = Z_OK;
    for (;;) {
        z.next_out = out;
        z.avail_out = CAP;
        zr = inflate(&z, Z_NO_FLUSH);
        size_t got = CAP - z.avail_out;
        if (got && (rc = inflow_put(f, out, got, err))) break;
        if (zr == Z_STREAM_END) {
            /* concatenated gzip members are one stream; anything else after the end is ignored */
            if (z.avail_in >= 2 && z.next_in[0] == 0x1F && z.next_in[1] == 0x8B) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            rc = sc_err_set(err, SC_EFORMAT, "truncated gzip data");
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = sc_err_set(err, SC_EFORMAT, "corrupt gzip data (%s)", z.msg ? z.msg : "inflate failed");
            break;
        }
    }
    inflateEnd(&z);
    free(out);
    return rc;
}

static int read_compressed(const unsigned char *data, size_t n, int zstd, const sc_read_limits *lim,
                           sc_read_cb cb, void *ctx, sc_err *err)
{
    inflow f = {sc_jsonl_new(lim, cb, ctx), lim, zstd ? "zstd" : "gzip", 0, 0};
    if (!f.js) return sc_err_set(err, SC_ENOMEM, "out of memory");
    int rc = zstd ? read_zstd(data, n, &f, err) : read_gzip(data, n, &f, err);
    if (!rc) rc = sc_jsonl_finish(f.js, err);
    if (!rc && f.total == 0) rc = sc_err_set(err, SC_EEMPTY, "empty file (%s data decompresses to nothing)", f.codec);
    sc_jsonl_free(f.js);
    return rc;
}

/* ---- the front door --------------------------------------------------- */

typedef int (*one_doc_reader)(const unsigned char *, size_t, const sc_read_limits *, sc_raw *, sc_err *);

static int read_one(one_doc_reader fn, const unsigned char *data, size_t n, const sc_read_limits *lim,
                    sc_read_cb cb, void *ctx, sc_err *err)
{
    sc_raw raw;
    int rc = fn(data, n, lim, &raw, err);
    if (rc) return rc;
    rc = cb(ctx, &raw, NULL);
    sc_raw_free(&raw);
    if (rc) return sc_err_set(err, rc, "reading stopped (%s)", sc_err_name(rc));
    return SC_OK;
}

/* What a file is, by the detection order at the top of this file; data
** may be the file's start only (the signatures and the JSONL test look at
** the first 64 KiB). */
typedef enum { AS_DOCX, AS_DOC, AS_COMPRESSED, AS_FOREIGN, AS_JSONL, AS_BAD_JSONL, AS_TXT } file_kind;

static file_kind kind_of(const char *name, const unsigned char *data, size_t n)
{
    if (starts(data, n, "PK\x03\x04", 4) || starts(data, n, "PK\x05\x06", 4)) return AS_DOCX;
    if (starts(data, n, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) return AS_DOC;
    if (starts(data, n, "\x28\xB5\x2F\xFD", 4) || starts(data, n, "\x1F\x8B", 2)) return AS_COMPRESSED;
    if (foreign_format(data, n)) return AS_FOREIGN;
    int is_txt = name && ends_with(name, ".txt");
    int is_jsonl = name && ends_with(name, ".jsonl");
    if (is_jsonl || (!is_txt && looks_jsonl(data, n, 0))) return looks_jsonl(data, n, 1) ? AS_JSONL : AS_BAD_JSONL;
    return AS_TXT;
}

static int dispatch(const char *name, const unsigned char *data, size_t n, const sc_read_limits *lim,
                    sc_read_cb cb, void *ctx, sc_err *err)
{
    char a[32], b[32];
    if (n > lim->max_file_bytes)
        return sc_err_set(err, SC_ELIMIT, "too large: %s, the limit is %s", sc_read_size(n, a),
                          sc_read_size(lim->max_file_bytes, b));
    if (n == 0) return sc_err_set(err, SC_EEMPTY, "empty file");
    switch (kind_of(name, data, n)) {
    case AS_DOCX: return read_one(sc_read_docx, data, n, lim, cb, ctx, err);
    case AS_DOC: return read_one(sc_read_doc, data, n, lim, cb, ctx, err);
    case AS_COMPRESSED: return read_compressed(data, n, data[0] == 0x28, lim, cb, ctx, err);
    case AS_FOREIGN:
        return sc_err_set(err, SC_EUNSUPPORTED, "%s, not a text document (unsupported format)", foreign_format(data, n));
    case AS_BAD_JSONL: return sc_err_set(err, SC_EFORMAT, "not JSON Lines (each line must be one {...} object)");
    case AS_JSONL: return sc_read_jsonl(data, n, lim, cb, ctx, err);
    case AS_TXT: break;
    }
    return read_one(sc_read_txt, data, n, lim, cb, ctx, err);
}

int sc_read_mem(const char *name, const unsigned char *data, size_t n, const sc_read_limits *lim,
                sc_read_cb cb, void *ctx, sc_err *err)
{
    sc_read_limits def;
    if (!lim) { sc_read_limits_default(&def); lim = &def; }
    const char *label = name ? name : "input";
    named_cb nc = {label, cb, ctx};
    sc_err_clear(err);
    int rc = dispatch(name, data ? data : (const unsigned char *)"", data ? n : 0, lim, named, &nc, err);
    if (rc) sc_err_prefix(err, "%s", label);
    return rc;
}

#define STREAM_CHUNK ((size_t)4 << 20)

/* Feeds the rest of f (first, n_first bytes, already read; size bytes in
** all) to the JSONL reader a chunk at a time. */
static int stream_jsonl(const char *path, FILE *f, unsigned char *first, size_t n_first, size_t size,
                        const sc_read_limits *lim, sc_read_cb cb, void *ctx, sc_err *err)
{
    named_cb nc = {path, cb, ctx};
    sc_jsonl_stream *js = sc_jsonl_new(lim, named, &nc);
    if (!js) return sc_err_set(err, SC_ENOMEM, "%s: out of memory", path);
    int rc = sc_jsonl_feed(js, first, n_first, err);
    size_t total = n_first, got;
    while (!rc && (got = fread(first, 1, STREAM_CHUNK, f)) > 0) {
        total += got;
        if (total > size) break;
        rc = sc_jsonl_feed(js, first, got, err);
    }
    if (!rc && (ferror(f) || total != size)) rc = sc_err_set(err, SC_EIO, "read error (file changed while reading?)");
    if (!rc) rc = sc_jsonl_finish(js, err);
    sc_jsonl_free(js);
    if (rc) sc_err_prefix(err, "%s", path);
    return rc;
}

int sc_read_path(const char *path, const sc_read_limits *lim, sc_read_cb cb, void *ctx, sc_err *err)
{
    sc_read_limits def;
    if (!lim) { sc_read_limits_default(&def); lim = &def; }
    /* A bulk import is one document a line, each checked on its own: the
    ** whole-file cap is that of a stream, as for .jsonl.zst. */
    sc_read_limits bulk;
    if (ends_with(path, ".jsonl")) {
        bulk = *lim;
        bulk.max_file_bytes = lim->max_stream_bytes;
        lim = &bulk;
    }
    FILE *f = fopen(path, "rb");
    if (!f) return sc_err_set(err, SC_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return sc_err_set(err, SC_EIO, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    if ((unsigned long long)st.st_size > lim->max_file_bytes) {
        char a[32], b[32];
        fclose(f);
        return sc_err_set(err, SC_ELIMIT, "%s: too large: %s, the limit is %s", path, sc_read_size(n, a),
                          sc_read_size(lim->max_file_bytes, b));
    }
    size_t first = n > 2 * STREAM_CHUNK ? STREAM_CHUNK : n;
    unsigned char *data = malloc(first ? first : 1);
    if (!data) { fclose(f); return sc_err_set(err, SC_ENOMEM, "%s: out of memory", path); }
    size_t got = first ? fread(data, 1, first, f) : 0;
    if (first < n && got == first && ends_with(path, ".jsonl") && kind_of(path, data, got) == AS_JSONL) {
        sc_err_clear(err);
        int rc = stream_jsonl(path, f, data, got, n, lim, cb, ctx, err);
        fclose(f);
        free(data);
        return rc;
    }
    if (first < n && got == first) {       /* not streamed: the whole file after all */
        unsigned char *all = realloc(data, n);
        if (!all) { free(data); fclose(f); return sc_err_set(err, SC_ENOMEM, "%s: out of memory", path); }
        data = all;
        got += fread(data + first, 1, n - first, f);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(data);
        return sc_err_set(err, SC_EIO, "%s: read error (file changed while reading?)", path);
    }
    int rc = sc_read_mem(path, data, n, lim, cb, ctx, err);
    free(data);
    return rc;
}
