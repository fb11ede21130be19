/*
** fuzz_http.c — libFuzzer target for the request parsing that is ours
** (src/http_parse.c): query text checks and percent-decoding, numbers and
** dates, the Cookie and Authorization headers, upload file names, document
** ids and paths, account names, the login JSON body, listen addresses and
** Accept-Encoding.  Each function gets the input; every result is checked
** against the contract in http_parse.h, and a violation aborts so that the
** fuzzer reports it like a crash.  Build and run: scripts/fuzz.sh [SECONDS]
** with the entry  'fuzz_http' : files('fuzz_http.c') + core_sources +
** files('../src/http_parse.c')  in fuzz/meson.build.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_parse.h"
#include "utf8.h"

static void must(int cond) { if (!cond) abort(); }

static int valid_utf8(const char *s) { size_t n = strlen(s); return sc_utf8_check(s, n) == n; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    const char *raw = (const char *)data;
    char *s = malloc(size + 1);          /* the input as a C string (cut at a NUL) */
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    size_t sl = strlen(s);
    char out[256], out2[256];

    sc_http_check_text(raw, size, 1000);

    if (sc_http_url_decode(raw, size, out, sizeof out) == SC_OK) {
        must(strlen(out) <= size && valid_utf8(out));
    } else {
        must(out[0] == 0);
    }

    long v;
    if (sc_http_parse_long(s, -5, 1000000, &v) == SC_OK) must(v >= 0 && v <= 1000000);
    int64_t t;
    if (sc_http_parse_date(s, &t) == SC_OK) {
        time_t tt = (time_t)t;
        struct tm tm;
        must(gmtime_r(&tt, &tm) != NULL);
        strftime(out, sizeof out, "%Y-%m-%d", &tm);
        must(strcmp(out, s) == 0);        /* a date reads back as itself */
    }

    if (sc_http_cookie_get(s, "sucai_session", out, 65) == SC_OK) must(strlen(out) < 65 && strstr(s, out));
    if (sc_http_bearer(s, out, 72) == SC_OK) must(strlen(out) > 0 && strlen(out) < 72 && strstr(s, out));
    sc_http_token_ok(s);

    must(sc_http_sanitize_filename(raw, size, out, 64) == SC_OK);
    must(out[0] && strlen(out) < 64 && out[0] != '.' && valid_utf8(out));
    must(!strchr(out, '/') && !strchr(out, '\\') && strcmp(out, "..") != 0);

    if (sc_http_id_ok(raw, size)) must(!memchr(raw, '/', size) && size <= 128);
    if (sc_http_name_ok(s)) must(sl > 0 && sl <= 64 && !strchr(s, ' '));

    char *name = NULL, *pw = NULL;
    sc_err e = {0};
    if (sc_http_parse_login(raw, size, &name, &pw, &e) == SC_OK) {
        must(sc_http_name_ok(name) && pw[0] && strlen(pw) <= 1024);
        free(name);
        free(pw);
    } else {
        must(!name && !pw && e.msg[0]);
    }

    int port;
    if (sc_http_parse_listen(s, out, sizeof out, &port) == SC_OK) must(port >= 0 && port <= 65535);
    sc_http_accepts_gzip(s);
    if (sc_http_split_doc_path(s, "/api/docs/", out, 160, out2, 32) == SC_OK)
        must(sc_http_id_ok(out, strlen(out)) && !strchr(out2, '/'));
    free(s);
    return 0;
}
