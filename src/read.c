/* read.c — STUB: reads UTF-8 text files only. Replaced by the readers work. */
#include "read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "utf8.h"

void sc_read_limits_default(sc_read_limits *l)
{
    l->max_file_bytes = 256u << 20;
    l->max_text_bytes = 64u << 20;
    l->max_entry_bytes = 64u << 20;
    l->max_ratio = 200;
    l->max_xml_depth = 256;
}

int sc_read_known_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && !strcasecmp(dot, ".txt");
}

int sc_read_txt(const unsigned char *data, size_t n, const sc_read_limits *lim, sc_raw *out, sc_err *err)
{
    (void)lim;
    if (sc_utf8_check((const char *)data, n) != n) return sc_err_set(err, SC_EENCODING, "not UTF-8");
    memset(out, 0, sizeof *out);
    out->text = sc_strndup((const char *)data, n);
    out->len = n;
    out->format = "txt";
    out->encoding = "utf-8";
    return out->text ? SC_OK : SC_ENOMEM;
}

int sc_read_mem(const char *name, const unsigned char *data, size_t n, const sc_read_limits *lim,
                sc_read_cb cb, void *ctx, sc_err *err)
{
    sc_raw r;
    int rc = sc_read_txt(data, n, lim, &r, err);
    if (rc) { sc_err_prefix(err, "%s", name ? name : "input"); return rc; }
    rc = cb(ctx, &r, NULL);
    sc_raw_free(&r);
    return rc;
}

int sc_read_path(const char *path, const sc_read_limits *lim, sc_read_cb cb, void *ctx, sc_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return sc_err_set(err, SC_EIO, "%s: cannot open", path);
    sc_buf b = SC_BUF_INIT;
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) sc_buf_add(&b, tmp, k);
    fclose(f);
    int rc = sc_read_mem(path, (const unsigned char *)b.data, b.len, lim, cb, ctx, err);
    sc_buf_free(&b);
    return rc;
}
