/* http_parse.c — see http_parse.h.  Pure functions; every one is fuzzed. */
#include "http_parse.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "utf8.h"

static void out0(char *out, size_t outsz) { if (outsz) out[0] = 0; }

int sc_http_check_text(const char *s, size_t n, size_t max)
{
    if (n > max) return SC_ELIMIT;
    size_t i = 0;
    while (i < n) {
        int32_t cp = sc_utf8_next(s, n, &i);
        if (cp < 0) return SC_EENCODING;
        if (cp < 0x20 || cp == 0x7f) return SC_EENCODING;
    }
    return SC_OK;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int sc_http_url_decode(const char *in, size_t n, char *out, size_t outsz)
{
    if (!outsz) return SC_ELIMIT;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)in[i];
        if (c == '+') c = ' ';
        else if (c == '%') {
            if (i + 2 >= n) { out0(out, outsz); return SC_EINVAL; }
            int h = hexval((unsigned char)in[i + 1]), l = hexval((unsigned char)in[i + 2]);
            if (h < 0 || l < 0) { out0(out, outsz); return SC_EINVAL; }
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0) { out0(out, outsz); return SC_EINVAL; }
        if (o + 1 >= outsz) { out0(out, outsz); return SC_ELIMIT; }
        out[o++] = (char)c;
    }
    out[o] = 0;
    if (sc_utf8_check(out, o) != o) { out0(out, outsz); return SC_EENCODING; }
    return SC_OK;
}

int sc_http_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s) return SC_EINVAL;
    long v = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 18) return SC_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max) return SC_EINVAL;
    *out = v;
    return SC_OK;
}

int sc_http_parse_date(const char *s, int64_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return SC_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return SC_EINVAL;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return SC_EINVAL;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return SC_EINVAL;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    *out = (int64_t)timegm(&tm);
    return SC_OK;
}

int sc_http_cookie_get(const char *h, const char *name, char *out, size_t outsz)
{
    out0(out, outsz);
    if (!h) return SC_ENOTFOUND;
    size_t nl = strlen(name);
    const char *p = h;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';') p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ';') p++;
        size_t kl = (size_t)(p - k);
        while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t')) kl--;
        if (*p != '=') continue;
        p++;
        while (*p == ' ') p++;
        const char *v = p;
        while (*p && *p != ';') p++;
        size_t vl = (size_t)(p - v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') { v++; vl -= 2; }
        if (kl == nl && !memcmp(k, name, nl)) {
            if (vl + 1 > outsz) return SC_ELIMIT;
            memcpy(out, v, vl);
            out[vl] = 0;
            return SC_OK;
        }
    }
    return SC_ENOTFOUND;
}

int sc_http_bearer(const char *h, char *out, size_t outsz)
{
    out0(out, outsz);
    if (!h) return SC_ENOTFOUND;
    while (*h == ' ') h++;
    if (strncasecmp(h, "Bearer", 6) || (h[6] != ' ' && h[6] != '\t')) return SC_ENOTFOUND;
    h += 6;
    while (*h == ' ' || *h == '\t') h++;
    size_t n = strlen(h);
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t')) n--;
    if (!n) return SC_ENOTFOUND;
    if (n + 1 > outsz) return SC_ELIMIT;
    memcpy(out, h, n);
    out[n] = 0;
    return SC_OK;
}

int sc_http_token_ok(const char *t)
{
    if (!t) return 0;
    size_t i = 0;
    for (; t[i]; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f'))) return 0;
    return i == 64;
}

/* Letters, digits and CJK; the characters a file or account name may keep. */
static int name_char(int32_t cp)
{
    if (cp < 0x80) return isalnum(cp) || cp == '.' || cp == '-' || cp == '_';
    return sc_is_han((uint32_t)cp) || (cp >= 0x3000 && cp <= 0x303f) ||
           (cp >= 0xff01 && cp <= 0xff5e) || (cp >= 0x00c0 && cp <= 0x024f);
}

int sc_http_sanitize_filename(const char *name, size_t n, char *out, size_t outsz)
{
    if (outsz < 16) { out0(out, outsz); return SC_ELIMIT; }
    /* the last path component, whatever the client's separator */
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/' || name[i] == '\\') start = i + 1;
    size_t o = 0, i = start, cap = outsz - 1;
    size_t ext = 0;  /* where the last '.' went in out, 0 if none */
    while (i < n) {
        size_t at = i;
        int32_t cp = sc_utf8_next(name, n, &i);
        size_t len = i - at;
        const char *src = name + at;
        if (cp <= 0 || !name_char(cp)) { src = "_"; len = 1; }
        if (o == 0 && src[0] == '.') { src = "_"; len = 1; }
        if (o + len > cap) break;
        if (src[0] == '.' && len == 1) ext = o;
        memcpy(out + o, src, len);
        o += len;
    }
    out[o] = 0;
    /* keep a short extension when the name was cut */
    if (i < n) {
        const char *dot = memrchr(name + start, '.', n - start);
        size_t el = dot ? (size_t)(name + n - dot) : 0;
        int ok = el > 1 && el <= 8;
        for (size_t k = 1; ok && k < el; k++) ok = isalnum((unsigned char)dot[k]);
        /* dot points into name, which is not NUL-terminated: compare by length */
        if (ok && (ext == 0 || strlen(out + ext) != el || memcmp(out + ext, dot, el) != 0)) {
            size_t keep = cap - el;
            while (keep > 0 && ((unsigned char)out[keep] & 0xC0) == 0x80) keep--;
            if (keep > o) keep = o;
            memcpy(out + keep, dot, el);
            o = keep + el;
            out[o] = 0;
        }
    }
    if (o == 0 || !strcmp(out, "_")) { strcpy(out, "file"); o = 4; }
    return SC_OK;
}

int sc_http_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128) return 0;
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
    if (sc_http_check_text(s, n, 128)) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == '\\' || s[i] == 0) return 0;
    return 1;
}

int sc_http_name_ok(const char *s)
{
    if (!s) return 0;
    size_t n = strlen(s), i = 0;
    if (n == 0 || n > 64) return 0;
    while (i < n) {
        int32_t cp = sc_utf8_next(s, n, &i);
        if (cp < 0 || !(name_char(cp) || cp == '@')) return 0;
    }
    return 1;
}

int sc_http_parse_login(const char *body, size_t n, char **name, char **password, sc_err *err)
{
    *name = *password = NULL;
    if (n > 65536) return sc_err_set(err, SC_ELIMIT, "request body too large");
    json_error_t je;
    json_t *o = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);
    if (!o) return sc_err_set(err, SC_EINVAL, "body is not valid JSON");
    int rc = SC_OK;
    json_t *jn = json_object_get(o, "name"), *jp = json_object_get(o, "password");
    if (!json_is_object(o) || !json_is_string(jn) || !json_is_string(jp)) {
        rc = sc_err_set(err, SC_EINVAL, "expected {\"name\": string, \"password\": string}");
        goto out;
    }
    const char *ns = json_string_value(jn), *ps = json_string_value(jp);
    size_t pl = json_string_length(jp);
    if (strlen(ns) != json_string_length(jn) || !sc_http_name_ok(ns)) {
        rc = sc_err_set(err, SC_EINVAL, "invalid account name");
        goto out;
    }
    if (pl == 0 || pl > 1024 || strlen(ps) != pl) {
        rc = sc_err_set(err, SC_EINVAL, "password must be 1 to 1024 bytes");
        goto out;
    }
    *name = strdup(ns);
    *password = strdup(ps);
    if (!*name || !*password) {
        free(*name); free(*password);
        *name = *password = NULL;
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    }
out:
    json_decref(o);
    return rc;
}

int sc_http_parse_listen(const char *s, char *host, size_t hostsz, int *port)
{
    out0(host, hostsz);
    if (!s || !*s) return SC_EINVAL;
    const char *colon;
    size_t hl = 0;
    const char *h = s;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':') return SC_EINVAL;
        h = s + 1;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon) hl = (size_t)(colon - s);
        else colon = s - 1;   /* only a port */
    }
    long p;
    if (sc_http_parse_long(colon + 1, 0, 65535, &p)) return SC_EINVAL;   /* 0: any free port */
    if (hl + 1 > hostsz) return SC_ELIMIT;
    memcpy(host, h, hl);
    host[hl] = 0;
    *port = (int)p;
    return SC_OK;
}

int sc_http_accepts_gzip(const char *h)
{
    if (!h) return 0;
    const char *p = h;
    while ((p = strcasestr(p, "gzip"))) {
        int start_ok = p == h || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t';
        const char *e = p + 4;
        while (*e == ' ') e++;
        if (start_ok && (*e == 0 || *e == ',' || *e == ';')) {
            if (*e != ';') return 1;
            e++;
            while (*e == ' ') e++;
            if (strncasecmp(e, "q=", 2)) return 1;
            return strtod(e + 2, NULL) > 0;
        }
        p += 4;
    }
    return 0;
}

int sc_http_split_doc_path(const char *path, const char *prefix, char *id, size_t idsz,
                           char *action, size_t actionsz)
{
    out0(id, idsz);
    out0(action, actionsz);
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl)) return SC_EINVAL;
    const char *s = path + pl;
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (!sc_http_id_ok(s, n) || n + 1 > idsz) return SC_EINVAL;
    memcpy(id, s, n);
    id[n] = 0;
    if (slash) {
        const char *a = slash + 1;
        size_t al = strlen(a);
        if (al == 0 || al + 1 > actionsz || strchr(a, '/')) { out0(id, idsz); return SC_EINVAL; }
        for (size_t i = 0; i < al; i++)
            if (!islower((unsigned char)a[i])) { out0(id, idsz); return SC_EINVAL; }
        memcpy(action, a, al + 1);
    }
    return SC_OK;
}
