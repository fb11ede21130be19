/* test_core.c — buffers, UTF-8, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "utf8.h"

static void test_buf_grows_and_detaches(void **state)
{
    (void)state;
    sc_buf b = SC_BUF_INIT;
    for (int i = 0; i < 1000; i++) sc_buf_addf(&b, "%d,", i);
    assert_false(b.oom);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    assert_int_equal(b.data[b.len], 0);
    sc_buf_add_cp(&b, 0x515A); /* 党 */
    assert_memory_equal(b.data + b.len - 3, "\xE5\x85\x9A", 3);
    char *s = sc_buf_detach(&b);
    assert_non_null(s);
    assert_null(b.data);
    free(s);
}

static void test_buf_json_escapes(void **state)
{
    (void)state;
    sc_buf b = SC_BUF_INIT;
    sc_buf_add_json_str(&b, "a\"b\\c\n\x01", 7);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    sc_buf_free(&b);
}

static void test_utf8_decode(void **state)
{
    (void)state;
    const char *s = "a党\xF0\x9F\x98\x80";
    size_t i = 0, n = strlen(s);
    assert_int_equal(sc_utf8_next(s, n, &i), 'a');
    assert_int_equal(sc_utf8_next(s, n, &i), 0x515A);
    assert_int_equal(sc_utf8_next(s, n, &i), 0x1F600);
    assert_int_equal(i, n);
    assert_int_equal(sc_utf8_count(s, n), 3);
    assert_int_equal(sc_utf8_offset(s, n, 2), 4);
}

static void test_utf8_rejects_bad(void **state)
{
    (void)state;
    /* overlong '/', lone continuation, surrogate, truncated 3-byte */
    const char *bad[] = {"\xC0\xAF", "\x80", "\xED\xA0\x80", "\xE5\x85"};
    for (size_t k = 0; k < 4; k++) {
        size_t n = strlen(bad[k]);
        assert_int_equal(sc_utf8_check(bad[k], n), 0);
    }
    assert_int_equal(sc_utf8_check("ok\xFFok", 5), 2);
    assert_true(sc_is_han(0x515A));
    assert_false(sc_is_han('D'));
}

static void test_err_prefix(void **state)
{
    (void)state;
    sc_err e = {0};
    assert_int_equal(sc_err_set(&e, SC_EFORMAT, "truncated at %d", 7), SC_EFORMAT);
    sc_err_prefix(&e, "%s", "a.docx");
    assert_string_equal(e.msg, "a.docx: truncated at 7");
    assert_string_equal(sc_err_name(SC_EFORMAT), "format");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_detaches),
        cmocka_unit_test(test_buf_json_escapes),
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_utf8_rejects_bad),
        cmocka_unit_test(test_err_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
