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
#include "utf8.h"

struct sc_jsonl_stream {
    const sc_read_limits *lim;
    sc_read_cb cb;
    void *ctx;
    sc_buf line;      /* the partial line carried between chunks */
    long lineno;      /* lines completed so far */
    long docs;        /* lines that became documents */
    int too_long;     /* the current line already exceeded the limit */
    int started;      /* first bytes seen (BOM check) */
    sc_buf scratch[6]; /* unescaped fields of the fast path, one per field */
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
    for (int k = 0; k < 6; k++) sc_buf_free(&js->scratch[k]);
    free(js);
}

long sc_jsonl_docs(const sc_jsonl_stream *js) { return js->docs; }

static int line_error(sc_jsonl_stream *js, int code, const char *fmt, const char *detail)
{
    sc_err e = {0};
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    sc_err_set(&e, code, "line %ld: %s", js->lineno, msg);
    return js->cb(js->ctx, NULL, &e);
}

/* ---- one line: the fields we use ----------------------------------- */

/* What a line said about one member we use.  Strings point into the parsed
** line (fast path) or into jansson's tree, and live as long as the line. */
enum { JV_ABSENT = 0, JV_NULL, JV_STRING, JV_INT, JV_OTHER };
typedef struct jv { int type; const char *p; size_t n; } jv;
enum { F_TITLE, F_TEXT, F_ID, F_DATE, F_SOURCE, F_URL, F_COUNT };
static const char *const field_names[F_COUNT] = {"title", "text", "id", "date", "source", "url"};

static int field_index(const char *k, size_t n)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strlen(field_names[f]) == n && !memcmp(field_names[f], k, n)) return f;
    return -1;
}

/* Builds the document from the fields, applies the rules in the header
** comment, and hands it (or the line's error) to the callback. */
static int emit(sc_jsonl_stream *js, const jv *f)
{
    for (int k = F_TITLE; k <= F_TEXT; k++)
        if (f[k].type != JV_STRING)
            return line_error(js, SC_EFORMAT, f[k].type == JV_ABSENT ? "missing \"%s\"" : "\"%s\" is not a string",
                              field_names[k]);
    if (f[F_ID].type == JV_OTHER) return line_error(js, SC_EFORMAT, "%s", "\"id\" must be a string or an integer");
    for (int k = F_DATE; k <= F_URL; k++)
        if (f[k].type == JV_INT || f[k].type == JV_OTHER)
            return line_error(js, SC_EFORMAT, "\"%s\" must be a string", field_names[k]);
    sc_raw raw = {0};
    sc_err e = {0};
    /* valid UTF-8 already: fast_parse checked the line, unescape writes
       valid sequences, jansson rejects invalid ones */
    int rc = sc_read_finish_valid(f[F_TEXT].p, f[F_TEXT].n, js->lim, "jsonl", "utf-8", &raw, &e);
    if (rc == SC_EEMPTY) return line_error(js, rc, "%s", "\"text\" is empty (only white space)");
    if (rc) return line_error(js, rc, "\"text\": %s", e.msg);
    raw.line = js->lineno;
    raw.title = sc_strndup(f[F_TITLE].p, f[F_TITLE].n);
    if (!raw.title) { sc_raw_free(&raw); return SC_ENOMEM; }
    /* the title is one line: line breaks inside it become spaces */
    for (char *c = raw.title; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    if (f[F_ID].type == JV_INT || (f[F_ID].type == JV_STRING && f[F_ID].n > 0))
        raw.id = sc_strndup(f[F_ID].p, f[F_ID].n);
    char **opt[] = {&raw.date, &raw.source, &raw.url};
    for (int k = F_DATE; k <= F_URL; k++)
        if (f[k].type == JV_STRING) *opt[k - F_DATE] = sc_strndup(f[k].p, f[k].n);
    js->docs++;
    rc = js->cb(js->ctx, &raw, NULL);
    sc_raw_free(&raw);
    return rc;
}

/* ---- the fast path ---------------------------------------------------- */

/* jansson parses a line at about 50 MB/s; corpora are flat objects of
** strings and numbers, which this scanner reads several times faster.  It
** accepts only what it fully understands (valid UTF-8, a flat object,
** strings, integers of up to 18 digits, null/true/false) and answers 0
** for anything else, which then goes to jansson: jansson stays the judge of
** every error and of every unusual line.  The fuzzer checks that both agree
** (sc_jsonl_selfcheck). */

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static int hexval(const char *p, uint32_t *v)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9') x |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') x |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') x |= (uint32_t)(c - 'A' + 10);
        else return 0;
    }
    *v = x;
    return 1;
}

/* Checks the escape at p (just after a backslash, before e); returns its
** length after the backslash, or 0 for one jansson must judge.  The rules
** are those of unescape() below, so that a string of an unused member is
** held to the same standard as one we decode. */
static size_t escape_len(const char *p, const char *e)
{
    if (p == e) return 0;
    if (strchr("\"\\/bfnrt", *p) && *p) return 1;
    if (*p != 'u') return 0;
    uint32_t u, v;
    if (e - p < 5 || !hexval(p + 1, &u) || u == 0 || (u >= 0xDC00 && u <= 0xDFFF)) return 0;
    if (u < 0xD800 || u > 0xDBFF) return 5;
    if (e - p < 11 || p[5] != '\\' || p[6] != 'u' || !hexval(p + 7, &v) || v < 0xDC00 || v > 0xDFFF) return 0;
    return 11;
}

/* Scans a string starting after its opening quote; *end is set past the
** closing quote, *esc says whether it holds escapes.  0 = not for us. */
static int scan_string(const char *p, const char *e, const char **end, int *esc)
{
    *esc = 0;
    while (p < e) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') { *end = p + 1; return 1; }
        if (c < 0x20) return 0;
        if (c == '\\') {
            size_t k = escape_len(p + 1, e);
            if (!k) return 0;
            *esc = 1;
            p += k;
        }
        p++;
    }
    return 0;
}

/* Decodes the escapes of s[0..n) into b; 0 = an escape jansson should judge. */
static int unescape(const char *s, size_t n, sc_buf *b)
{
    sc_buf_reset(b);
    const char *e = s + n;
    while (s < e) {
        const char *bs = memchr(s, '\\', (size_t)(e - s));
        if (!bs) { sc_buf_add(b, s, (size_t)(e - s)); break; }
        sc_buf_add(b, s, (size_t)(bs - s));
        if (bs + 1 >= e) return 0;
        char c = bs[1];
        s = bs + 2;
        switch (c) {
        case '"': case '\\': case '/': sc_buf_addc(b, c); break;
        case 'b': sc_buf_addc(b, '\b'); break;
        case 'f': sc_buf_addc(b, '\f'); break;
        case 'n': sc_buf_addc(b, '\n'); break;
        case 'r': sc_buf_addc(b, '\r'); break;
        case 't': sc_buf_addc(b, '\t'); break;
        case 'u': {
            uint32_t u, v;
            if (e - s < 4 || !hexval(s, &u) || u == 0) return 0;
            s += 4;
            if (u >= 0xDC00 && u <= 0xDFFF) return 0;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (e - s < 6 || s[0] != '\\' || s[1] != 'u' || !hexval(s + 2, &v) || v < 0xDC00 || v > 0xDFFF)
                    return 0;
                s += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
            }
            sc_buf_add_cp(b, u);
            break;
        }
        default: return 0;
        }
    }
    return !b->oom;
}

/* Parses a flat object into f (strings still escaped: esc[] says which). */
static int fast_parse(const char *p, size_t n, jv *f, int *esc)
{
    const char *e = p + n;
    if (sc_utf8_check(p, n) != n) return 0;
    p = skip_ws(p, e);
    if (p == e || *p++ != '{') return 0;
    p = skip_ws(p, e);
    if (p < e && *p == '}') return skip_ws(p + 1, e) == e;
    for (;;) {
        if (p == e || *p++ != '"') return 0;
        const char *k = p, *kend;
        int kesc;
        if (!scan_string(p, e, &kend, &kesc) || kesc) return 0;
        int fi = field_index(k, (size_t)(kend - 1 - k));
        p = skip_ws(kend, e);
        if (p == e || *p++ != ':') return 0;
        p = skip_ws(p, e);
        if (p == e) return 0;
        jv v = {JV_OTHER, NULL, 0};
        int vesc = 0;
        if (*p == '"') {
            const char *vend;
            if (!scan_string(p + 1, e, &vend, &vesc)) return 0;
            v = (jv){JV_STRING, p + 1, (size_t)(vend - 1 - (p + 1))};
            p = vend;
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            const char *q = p + (*p == '-');
            const char *digits = q;
            while (q < e && *q >= '0' && *q <= '9') q++;
            size_t nd = (size_t)(q - digits);
            if (nd == 0 || nd > 18 || (nd > 1 && *digits == '0')) return 0;
            if (q < e && (*q == '.' || *q == 'e' || *q == 'E')) return 0;   /* reals: jansson */
            v = (jv){JV_INT, p, (size_t)(q - p)};
            if (v.n == 2 && p[0] == '-' && p[1] == '0') v = (jv){JV_INT, p + 1, 1};  /* -0 is 0 */
            p = q;
        } else if (e - p >= 4 && !memcmp(p, "null", 4)) {
            v.type = JV_NULL;
            p += 4;
        } else if (e - p >= 4 && !memcmp(p, "true", 4)) {
            p += 4;
        } else if (e - p >= 5 && !memcmp(p, "false", 5)) {
            p += 5;
        } else {
            return 0;                                   /* arrays, objects, garbage: jansson */
        }
        if (fi >= 0) { f[fi] = v; esc[fi] = vesc; }    /* a repeated key: the last one wins, as in jansson */
        p = skip_ws(p, e);
        if (p == e) return 0;
        if (*p == '}') return skip_ws(p + 1, e) == e;
        if (*p++ != ',') return 0;
        p = skip_ws(p, e);
    }
}

/* ---- the slow path: jansson ------------------------------------------ */

static void from_json(json_t *o, jv *f)
{
    for (int k = 0; k < F_COUNT; k++) {
        json_t *v = json_object_get(o, field_names[k]);
        if (!v) f[k].type = JV_ABSENT;
        else if (json_is_null(v)) f[k].type = JV_NULL;
        else if (json_is_string(v)) f[k] = (jv){JV_STRING, json_string_value(v), json_string_length(v)};
        else if (json_is_integer(v)) f[k].type = JV_INT;
        else f[k].type = JV_OTHER;
    }
}

/* Parses one complete line (no '\n') and hands the document to cb. */
static int parse_line(sc_jsonl_stream *js, const char *p, size_t n)
{
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i == n) return SC_OK;                          /* blank line */
    jv f[F_COUNT];
    int esc[F_COUNT];
    memset(f, 0, sizeof f);
    memset(esc, 0, sizeof esc);
    if (fast_parse(p + i, n - i, f, esc)) {
        /* escapes of the fields we use are decoded into scratch buffers */
        int ok = 1;
        for (int k = 0; k < F_COUNT && ok; k++) {
            if (f[k].type != JV_STRING || !esc[k]) continue;
            ok = unescape(f[k].p, f[k].n, &js->scratch[k]);
            f[k].p = js->scratch[k].data ? js->scratch[k].data : "";
            f[k].n = js->scratch[k].len;
        }
        if (ok) return emit(js, f);
        memset(f, 0, sizeof f);
    }
    json_error_t je;
    json_t *o = json_loadb(p + i, n - i, 0, &je);
    if (!o) {
        char d[300];
        snprintf(d, sizeof d, "%s (column %d)", je.text, je.column);
        return line_error(js, SC_EFORMAT, "invalid JSON: %s", d);
    }
    int rc;
    char num[32];
    if (!json_is_object(o)) {
        rc = line_error(js, SC_EFORMAT, "not a JSON object%s", "");
    } else {
        from_json(o, f);
        json_t *id = json_object_get(o, "id");
        if (json_is_integer(id)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id));
            f[F_ID] = (jv){JV_INT, num, strlen(num)};
        }
        rc = emit(js, f);
    }
    json_decref(o);
    return rc;
}

int sc_jsonl_selfcheck(const char *p, size_t n)
{
    jv f[F_COUNT], g[F_COUNT];
    int esc[F_COUNT];
    memset(f, 0, sizeof f);
    memset(esc, 0, sizeof esc);
    if (!fast_parse(p, n, f, esc)) return 1;
    sc_buf scratch[F_COUNT];
    memset(scratch, 0, sizeof scratch);
    int ok = 1, agree = 1;
    for (int k = 0; k < F_COUNT && ok; k++) {
        if (f[k].type != JV_STRING || !esc[k]) continue;
        ok = unescape(f[k].p, f[k].n, &scratch[k]);
        f[k].p = scratch[k].data ? scratch[k].data : "";
        f[k].n = scratch[k].len;
    }
    if (ok) {
        json_t *o = json_loadb(p, n, 0, NULL);
        if (!o || !json_is_object(o)) {
            agree = 0;
        } else {
            from_json(o, g);
            for (int k = 0; k < F_COUNT; k++) {
                if (f[k].type != g[k].type) agree = 0;
                else if (f[k].type == JV_STRING && (f[k].n != g[k].n || memcmp(f[k].p, g[k].p, f[k].n))) agree = 0;
                else if (f[k].type == JV_INT) {
                    char num[32];
                    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_object_get(o, field_names[k])));
                    if (strlen(num) != f[k].n || memcmp(num, f[k].p, f[k].n)) agree = 0;
                }
            }
        }
        json_decref(o);
    }
    for (int k = 0; k < F_COUNT; k++) sc_buf_free(&scratch[k]);
    return agree;
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
