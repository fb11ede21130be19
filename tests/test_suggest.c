/* test_suggest.c — title completion: prefix matches before substring
** matches, ASCII case folding, distinct titles, limits, refresh after a
** delete, and titles cut where a paywall marker sat inside the title line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "describe.h"
#include "store.h"
#include "suggest.h"
#include "utf8.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("SUCAI_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/suggest-XXXXXX", base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Stores "title\nbody" with the first free_chars code points free. */
static void put(sc_store *s, const char *id, const char *title, const char *body, size_t free_chars)
{
    sc_doc d;
    memset(&d, 0, sizeof d);
    char text[1024];
    snprintf(text, sizeof text, "%s\n%s", title, body);
    d.id = strdup(id);
    d.title = strdup(title);
    d.text = strdup(text);
    d.len = strlen(text);
    d.chars = sc_utf8_count(text, d.len);
    d.free_chars = free_chars < d.chars ? free_chars : d.chars;
    d.free_len = sc_utf8_offset(text, d.len, d.free_chars);
    d.removed = strdup("");
    d.doc_type = strdup("工作总结");
    sc_describe_hash(&d);
    d.simhash = (uint64_t)strlen(id) * 0x9E3779B97F4A7C15ull ^ (uint64_t)id[0] << 40;
    int status;
    char *dup = NULL;
    sc_err e = {0};
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    free(dup);
    sc_doc_free(&d);
}

static void test_suggest(void **state)
{
    (void)state;
    sc_store *st;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &st, &e), SC_OK);
    assert_int_equal(sc_store_begin(st, &e), SC_OK);
    put(st, "a", "关于加强清廉机关建设的意见", "正文一。", 1000);
    put(st, "b", "清廉机关建设工作总结", "正文二。", 1000);
    put(st, "c", "清廉机关建设工作总结", "另一篇同名。", 1000);
    put(st, "d", "Python 编程规范 GB/T", "正文四。", 1000);
    put(st, "e", "第七号材料标题后半SECRETTAIL", "付费。", 5);   /* cut after 第七号材料 */
    assert_int_equal(sc_store_commit(st, &e), SC_OK);

    sc_suggest *sg;
    assert_int_equal(sc_suggest_new(&sg, &e), SC_OK);
    sc_suggestion *v;
    size_t n;
    assert_int_equal(sc_suggest_query(sg, "清廉", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 0);                 /* nothing before the first refresh */
    sc_suggestions_free(v, n);
    assert_int_equal(sc_suggest_refresh(sg, st, &e), SC_OK);

    assert_int_equal(sc_suggest_query(sg, "清廉", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 2);                 /* two distinct titles */
    assert_string_equal(v[0].title, "清廉机关建设工作总结");    /* the prefix match first */
    assert_string_equal(v[1].title, "关于加强清廉机关建设的意见");
    sc_suggestions_free(v, n);
    assert_int_equal(sc_suggest_query(sg, "清廉", 1, &v, &n, &e), SC_OK);
    assert_int_equal(n, 1);
    sc_suggestions_free(v, n);
    assert_int_equal(sc_suggest_query(sg, "python", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "d");
    sc_suggestions_free(v, n);
    assert_int_equal(sc_suggest_query(sg, "总结\n关于", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 0);                 /* no match across two titles */
    sc_suggestions_free(v, n);
    assert_int_equal(sc_suggest_query(sg, "结清", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 0);
    sc_suggestions_free(v, n);

    /* the paid tail of a title is not suggested, nor matched */
    assert_int_equal(sc_suggest_query(sg, "SECRET", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 0);
    sc_suggestions_free(v, n);
    assert_int_equal(sc_suggest_query(sg, "第七号", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].title, "第七号材料");
    sc_suggestions_free(v, n);
    char *pub;
    assert_int_equal(sc_suggest_public_title(sg, "e", &pub), 1);
    assert_string_equal(pub, "第七号材料");
    free(pub);
    assert_int_equal(sc_suggest_public_title(sg, "a", &pub), 0);
    assert_null(pub);

    /* a refresh after a delete forgets the title */
    assert_int_equal(sc_store_begin(st, &e), SC_OK);
    assert_int_equal(sc_store_delete(st, "d", &e), SC_OK);
    assert_int_equal(sc_store_commit(st, &e), SC_OK);
    assert_int_equal(sc_suggest_refresh(sg, st, &e), SC_OK);
    assert_int_equal(sc_suggest_query(sg, "Python", 10, &v, &n, &e), SC_OK);
    assert_int_equal(n, 0);
    sc_suggestions_free(v, n);
    sc_suggest_free(sg);
    sc_store_close(st);
}

static void test_title_public(void **state)
{
    (void)state;
    char *t = sc_title_public("完整标题", 10);
    assert_string_equal(t, "完整标题");
    free(t);
    t = sc_title_public("完整标题", 4);
    assert_string_equal(t, "完整标题");
    free(t);
    t = sc_title_public("前半 后半", 3);
    assert_string_equal(t, "前半");        /* trailing space trimmed */
    free(t);
    t = sc_title_public("全部付费", 0);
    assert_null(strstr(t, "付费"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_suggest, setup, teardown),
        cmocka_unit_test(test_title_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
