/*
** read_jsonl.c — JSON Lines: one document a line, the bulk-import format.
**
** Each non-blank line is a JSON object:
**   {"title": "...", "text": "...", "id": "x1" | 17, "date": "...",
**    "source": "...", "url": "..."}
** title and text are required strings; id may be a string or an integer
** (kept as its decimal string, so 17 and "17" are the same id); date, source
** and url are optional strings (null is the same as absent).  Other members
** are ignored.  A line that breaks these rules is reported through the
** callback as raw == NULL with "line N: ..." and reading goes on; lines are
** numbered from 1 counting blank lines, so N is what an editor shows.
** A UTF-8 BOM before the first line is skipped.
**
** The reader is a stream (sc_jsonl_new/feed/finish in read_priv.h) because
** compressed corpora are decompressed chunk by chunk and never held whole.
*/
#include "read_priv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct sc_jsonl_stream {
    const sc_read_limits *lim;
    sc_read_cb cb;
    void *ctx;
    sc_buf line;      /* the partial line carried between chunks */
    long lineno;      /* lines completed so far */
    long docs;        /* lines that became documents */
    int too_long;     /* the current line already exceeded the limit */
    int started;      /* first bytes seen (BOM check) */
};

sc_jsonl_stream *sc_jsonl_new(const sc_read_limits *lim, sc_read_cb cb, void *ctx)
{
    sc_jsonl_stream *js = calloc(1, sizeof *js);
    if (!js) return NULL;
    js->lim = lim;
    js->cb = cb;
    js->ctx = ctx;
    return js;
}

void sc_jsonl_free(sc_jsonl_stream *js)
{
    if (!js) return;
    sc_buf_free(&js->line);
    free(js);
}

long sc_jsonl_docs(const sc_jsonl_stream *js) { return js->docs; }

static int line_error(sc_jsonl_stream *js, int code, const char *fmt, const char *detail)
{
    sc_err e = {0};
    char msg[400];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    sc_err_set(&e, code, "line %ld: %s", js->lineno, msg);
    return js->cb(js->ctx, NULL, &e);
}

/* Copies an optional string member into *dst; returns 0, or -1 when the
** member has a type other than string or null. */
static int opt_string(json_t *o, const char *key, char **dst)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) return -1;
    *dst = sc_strndup(json_string_value(v), json_string_length(v));
    return 0;
}

/* Parses one complete line (no '\n') and hands the document to cb. */
static int parse_line(sc_jsonl_stream *js, const char *p, size_t n)
{
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i == n) return SC_OK;                          /* blank line */
    json_error_t je;
    json_t *o = json_loadb(p + i, n - i, 0, &je);
    if (!o) {
        char d[300];
        snprintf(d, sizeof d, "%s (column %d)", je.text, je.column);
        return line_error(js, SC_EFORMAT, "invalid JSON: %s", d);
    }
    int rc = SC_OK;
    sc_raw raw = {0};
    if (!json_is_object(o)) { rc = line_error(js, SC_EFORMAT, "not a JSON object%s", ""); goto done; }
    json_t *title = json_object_get(o, "title"), *text = json_object_get(o, "text");
    if (!json_is_string(title)) {
        rc = line_error(js, SC_EFORMAT, "%s", title ? "\"title\" is not a string" : "missing \"title\"");
        goto done;
    }
    if (!json_is_string(text)) {
        rc = line_error(js, SC_EFORMAT, "%s", text ? "\"text\" is not a string" : "missing \"text\"");
        goto done;
    }
    sc_err e = {0};
    int frc = sc_read_finish(json_string_value(text), json_string_length(text), js->lim, "jsonl", "utf-8",
                             &raw, &e);
    if (frc) { rc = line_error(js, frc, "\"text\": %s", e.msg); goto done; }
    raw.line = js->lineno;
    /* the title is one line: line breaks inside it become spaces */
    raw.title = sc_strndup(json_string_value(title), json_string_length(title));
    if (!raw.title) { rc = SC_ENOMEM; goto done; }
    for (char *c = raw.title; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    json_t *id = json_object_get(o, "id");
    if (json_is_integer(id)) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id));
        raw.id = sc_strdup(num);
    } else if (json_is_string(id) && json_string_length(id) > 0) {
        raw.id = sc_strndup(json_string_value(id), json_string_length(id));
    } else if (id && !json_is_null(id) && !json_is_string(id)) {
        rc = line_error(js, SC_EFORMAT, "%s", "\"id\" must be a string or an integer");
        goto done;
    }
    const char *bad = opt_string(o, "date", &raw.date) ? "date"
                    : opt_string(o, "source", &raw.source) ? "source"
                    : opt_string(o, "url", &raw.url) ? "url" : NULL;
    if (bad) { rc = line_error(js, SC_EFORMAT, "\"%s\" must be a string", bad); goto done; }
    js->docs++;
    rc = js->cb(js->ctx, &raw, NULL);
done:
    sc_raw_free(&raw);
    json_decref(o);
    return rc;
}

int sc_jsonl_feed(sc_jsonl_stream *js, const unsigned char *p, size_t n, sc_err *err)
{
    if (!js->started && n) {
        js->started = 1;
        if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) { p += 3; n -= 3; }
    }
    while (n) {
        const unsigned char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        if (!js->too_long) {
            if (js->line.len + k > js->lim->max_text_bytes) {
                js->too_long = 1;
                sc_buf_free(&js->line);
            } else if (nl && js->line.len == 0) {
                /* the common case: a whole line inside the chunk, no copy */
                js->lineno++;
                int rc = parse_line(js, (const char *)p, k);
                if (rc) return sc_err_set(err, rc, "stopped at line %ld", js->lineno);
                p += k + 1;
                n -= k + 1;
                continue;
            } else {
                sc_buf_add(&js->line, p, k);
                if (js->line.oom) return sc_err_set(err, SC_ENOMEM, "out of memory");
            }
        }
        if (!nl) break;
        js->lineno++;
        int rc;
        if (js->too_long) {
            char lim[32];
            rc = line_error(js, SC_ELIMIT, "line too long (over %s)", sc_read_size(js->lim->max_text_bytes, lim));
            js->too_long = 0;
        } else {
            rc = parse_line(js, js->line.data, js->line.len);
        }
        sc_buf_reset(&js->line);
        if (rc) return sc_err_set(err, rc, "stopped at line %ld", js->lineno);
        p += k + 1;
        n -= k + 1;
    }
    return SC_OK;
}

int sc_jsonl_finish(sc_jsonl_stream *js, sc_err *err)
{
    if (js->line.len == 0 && !js->too_long) return SC_OK;
    static const unsigned char nl = '\n';
    return sc_jsonl_feed(js, &nl, 1, err);
}

int sc_read_jsonl(const unsigned char *data, size_t n, const sc_read_limits *lim,
                  sc_read_cb cb, void *ctx, sc_err *err)
{
    sc_jsonl_stream *js = sc_jsonl_new(lim, cb, ctx);
    if (!js) return sc_err_set(err, SC_ENOMEM, "out of memory");
    int rc = sc_jsonl_feed(js, data, n, err);
    if (!rc) rc = sc_jsonl_finish(js, err);
    sc_jsonl_free(js);
    return rc;
}
