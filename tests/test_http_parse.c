/* test_http_parse.c — the request parsing that is ours: parameters, dates,
** cookies, bearer tokens, upload file names, ids, login bodies, listen
** addresses, Accept-Encoding, document paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "utf8.h"

static void test_text_and_decode(void **state)
{
    (void)state;
    assert_int_equal(sc_http_check_text("清廉机关", 12, 100), SC_OK);
    assert_int_equal(sc_http_check_text("\xff\xfe", 2, 100), SC_EENCODING);
    assert_int_equal(sc_http_check_text("a\x01", 2, 100), SC_EENCODING);
    assert_int_equal(sc_http_check_text("abcdef", 6, 5), SC_ELIMIT);
    char out[64];
    assert_int_equal(sc_http_url_decode("a%20b+c", 7, out, sizeof out), SC_OK);
    assert_string_equal(out, "a b c");
    assert_int_equal(sc_http_url_decode("%E6%B8%85", 9, out, sizeof out), SC_OK);
    assert_string_equal(out, "清");
    assert_int_equal(sc_http_url_decode("%E6%B8", 6, out, sizeof out), SC_EENCODING);
    assert_int_equal(sc_http_url_decode("%00", 3, out, sizeof out), SC_EINVAL);
    assert_int_equal(sc_http_url_decode("%4", 2, out, sizeof out), SC_EINVAL);
    assert_int_equal(sc_http_url_decode("%zz", 3, out, sizeof out), SC_EINVAL);
    assert_int_equal(sc_http_url_decode("abcdef", 6, out, 4), SC_ELIMIT);
    assert_string_equal(out, "");
}

static void test_numbers_and_dates(void **state)
{
    (void)state;
    long v;
    assert_int_equal(sc_http_parse_long("42", 1, 100, &v), SC_OK);
    assert_int_equal(v, 42);
    assert_int_equal(sc_http_parse_long("-1", 0, 100, &v), SC_EINVAL);
    assert_int_equal(sc_http_parse_long("1e3", 0, 10000, &v), SC_EINVAL);
    assert_int_equal(sc_http_parse_long("", 0, 1, &v), SC_EINVAL);
    assert_int_equal(sc_http_parse_long("99999999999999999999999", 0, 1L << 62, &v), SC_EINVAL);
    assert_int_equal(sc_http_parse_long("101", 1, 100, &v), SC_EINVAL);
    int64_t t;
    assert_int_equal(sc_http_parse_date("2024-02-29", &t), SC_OK);
    assert_int_equal(t, 1709164800);       /* date -u -d 2024-02-29 +%s */
    assert_int_equal(sc_http_parse_date("1970-01-02", &t), SC_OK);
    assert_int_equal(t, 86400);
    assert_int_equal(sc_http_parse_date("2023-02-29", &t), SC_EINVAL);
    assert_int_equal(sc_http_parse_date("2023-13-01", &t), SC_EINVAL);
    assert_int_equal(sc_http_parse_date("2023-1-01", &t), SC_EINVAL);
    assert_int_equal(sc_http_parse_date("2023-01-01x", &t), SC_EINVAL);
    assert_int_equal(sc_http_parse_date("'; DROP--", &t), SC_EINVAL);
}

static void test_cookie_and_bearer(void **state)
{
    (void)state;
    char out[80];
    assert_int_equal(sc_http_cookie_get("a=1; sucai_session=abc; b=2", "sucai_session", out, sizeof out), SC_OK);
    assert_string_equal(out, "abc");
    assert_int_equal(sc_http_cookie_get("xsucai_session=abc", "sucai_session", out, sizeof out), SC_ENOTFOUND);
    assert_int_equal(sc_http_cookie_get("sucai_session=\"q\"", "sucai_session", out, sizeof out), SC_OK);
    assert_string_equal(out, "q");
    assert_int_equal(sc_http_cookie_get("sucai_session", "sucai_session", out, sizeof out), SC_ENOTFOUND);
    assert_int_equal(sc_http_cookie_get(NULL, "sucai_session", out, sizeof out), SC_ENOTFOUND);
    assert_int_equal(sc_http_cookie_get("sucai_session=0123456789", "sucai_session", out, 5), SC_ELIMIT);
    assert_int_equal(sc_http_bearer("Bearer tok123", out, sizeof out), SC_OK);
    assert_string_equal(out, "tok123");
    assert_int_equal(sc_http_bearer("bearer   tok  ", out, sizeof out), SC_OK);
    assert_string_equal(out, "tok");
    assert_int_equal(sc_http_bearer("Basic dXNlcg==", out, sizeof out), SC_ENOTFOUND);
    assert_int_equal(sc_http_bearer("Bearer", out, sizeof out), SC_ENOTFOUND);
    assert_int_equal(sc_http_bearer("Bearertok", out, sizeof out), SC_ENOTFOUND);
    assert_true(sc_http_token_ok("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(sc_http_token_ok("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(sc_http_token_ok("0123"));
}

static void test_filenames(void **state)
{
    (void)state;
    char out[64];
    sc_http_sanitize_filename("../../etc/passwd", 16, out, sizeof out);
    assert_string_equal(out, "passwd");
    sc_http_sanitize_filename("C:\\Users\\x\\工作总结 2023.docx", strlen("C:\\Users\\x\\工作总结 2023.docx"), out, sizeof out);
    assert_string_equal(out, "工作总结_2023.docx");
    sc_http_sanitize_filename(".hidden", 7, out, sizeof out);
    assert_string_equal(out, "_hidden");
    sc_http_sanitize_filename("..", 2, out, sizeof out);
    assert_null(strchr(out, '/'));
    assert_string_not_equal(out, "..");
    sc_http_sanitize_filename("", 0, out, sizeof out);
    assert_string_equal(out, "file");
    sc_http_sanitize_filename("a/", 2, out, sizeof out);
    assert_string_equal(out, "file");
    sc_http_sanitize_filename("x\xff\x00y.txt", 8, out, sizeof out);
    assert_string_equal(out, "x__y.txt");
    /* long names are cut at a character boundary and keep their extension */
    char lng[400];
    strcpy(lng, "");
    for (int i = 0; i < 40; i++) strcat(lng, "材料");
    strcat(lng, ".docx");
    char small[40];
    sc_http_sanitize_filename(lng, strlen(lng), small, sizeof small);
    size_t n = strlen(small);
    assert_true(n <= 39);
    assert_string_equal(small + n - 5, ".docx");
    assert_int_equal(sc_utf8_check(small, n), n);
    /* the name is not NUL-terminated (found by fuzz_http): a cut name's
    ** extension is compared by length, never read past n */
    char *exact = malloc(100);
    memset(exact, 'x', 100);
    memcpy(exact + 50, ".a", 2);
    memcpy(exact + 98, ".1", 2);
    sc_http_sanitize_filename(exact, 100, small, sizeof small);
    n = strlen(small);
    assert_true(n <= 39);
    assert_string_equal(small + n - 2, ".1");
    free(exact);
}

static void test_ids_names_login(void **state)
{
    (void)state;
    assert_true(sc_http_id_ok("8233f60cc1fe", 12));
    assert_true(sc_http_id_ok("law-2023_01", 11));
    assert_false(sc_http_id_ok("..", 2));
    assert_false(sc_http_id_ok("a/b", 3));
    assert_false(sc_http_id_ok("", 0));
    assert_false(sc_http_id_ok("a\x01", 2));
    assert_true(sc_http_name_ok("alice"));
    assert_true(sc_http_name_ok("张三"));
    assert_true(sc_http_name_ok("a.b-c_d@e"));
    assert_false(sc_http_name_ok("a b"));
    assert_false(sc_http_name_ok("'; DROP TABLE users;--"));
    assert_false(sc_http_name_ok(""));
    char *n, *p;
    sc_err e = {0};
    const char *ok = "{\"name\":\"alice\",\"password\":\"pw\"}";
    assert_int_equal(sc_http_parse_login(ok, strlen(ok), &n, &p, &e), SC_OK);
    assert_string_equal(n, "alice");
    assert_string_equal(p, "pw");
    free(n); free(p);
    const char *bads[] = {"", "[]", "{\"name\":1,\"password\":\"x\"}", "{\"name\":\"a\"}",
                          "{\"name\":\"a b\",\"password\":\"x\"}", "{\"name\":\"a\",\"password\":\"\"}",
                          "{\"name\":\"a\",\"name\":\"b\",\"password\":\"x\"}",
                          "{\"name\":\"a\\u0000b\",\"password\":\"x\"}", "{\"name\":\"a\",\"password\":\"SECRET\""};
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        assert_int_not_equal(sc_http_parse_login(bads[i], strlen(bads[i]), &n, &p, &e), SC_OK);
        assert_null(n);
        assert_null(strstr(e.msg, "SECRET"));
    }
}

static void test_listen_gzip_paths(void **state)
{
    (void)state;
    char host[64], id[64], action[16];
    int port;
    assert_int_equal(sc_http_parse_listen("127.0.0.1:8080", host, sizeof host, &port), SC_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(sc_http_parse_listen("[::1]:9000", host, sizeof host, &port), SC_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(sc_http_parse_listen(":80", host, sizeof host, &port), SC_OK);
    assert_string_equal(host, "");
    assert_int_equal(sc_http_parse_listen("8081", host, sizeof host, &port), SC_OK);
    assert_int_equal(port, 8081);
    assert_int_equal(sc_http_parse_listen("host:99999", host, sizeof host, &port), SC_EINVAL);
    assert_int_equal(sc_http_parse_listen("host:", host, sizeof host, &port), SC_EINVAL);
    assert_true(sc_http_accepts_gzip("gzip, deflate, br"));
    assert_true(sc_http_accepts_gzip("br;q=1.0, gzip;q=0.8"));
    assert_false(sc_http_accepts_gzip("gzip;q=0"));
    assert_false(sc_http_accepts_gzip("x-gzipped"));
    assert_false(sc_http_accepts_gzip(NULL));
    assert_int_equal(sc_http_split_doc_path("/api/docs/abc", "/api/docs/", id, sizeof id, action, sizeof action), SC_OK);
    assert_string_equal(id, "abc");
    assert_string_equal(action, "");
    assert_int_equal(sc_http_split_doc_path("/api/docs/abc/download", "/api/docs/", id, sizeof id, action, sizeof action), SC_OK);
    assert_string_equal(action, "download");
    assert_int_equal(sc_http_split_doc_path("/api/docs/../x", "/api/docs/", id, sizeof id, action, sizeof action), SC_EINVAL);
    assert_int_equal(sc_http_split_doc_path("/api/docs/a/b/c", "/api/docs/", id, sizeof id, action, sizeof action), SC_EINVAL);
    assert_int_equal(sc_http_split_doc_path("/api/docs/", "/api/docs/", id, sizeof id, action, sizeof action), SC_EINVAL);
    assert_int_equal(sc_http_split_doc_path("/api/docs/a/", "/api/docs/", id, sizeof id, action, sizeof action), SC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_decode),
        cmocka_unit_test(test_numbers_and_dates),
        cmocka_unit_test(test_cookie_and_bearer),
        cmocka_unit_test(test_filenames),
        cmocka_unit_test(test_ids_names_login),
        cmocka_unit_test(test_listen_gzip_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
