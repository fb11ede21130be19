/* test_store_texts.c — the texts file (store_texts.c) under the store:
** a batch that dies before its commit leaves no record behind and its
** bytes are reused; a cut or replaced file is refused with its name; a
** record is checked against the number asked for; and rows of libraries
** made before the file (text in the row, text_at NULL) still read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "describe.h"
#include "store.h"
#include "store_priv.h"
#include "store_texts.h"
#include "test_tmpdir.h"

static char dir[512], texts[600];

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir, sizeof dir, "texts");
    snprintf(texts, sizeof texts, "%s/texts", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* Puts a document with id id and text "标题\n" body (free part: the title
** line); returns where its record went. */
static uint64_t put(sc_store *s, const char *id, const char *body)
{
    sc_doc d = {0};
    char text[4096];
    snprintf(text, sizeof text, "标题\n%s", body);
    d.id = strdup(id);
    d.title = strdup("标题");
    d.text = strdup(text);
    d.len = strlen(text);
    d.free_len = strlen("标题\n");
    d.removed = strdup("");
    d.doc_type = strdup("讲话");
    d.date = strdup("2023-05-01");
    d.year = 2023;
    d.chars = d.len / 3;
    d.free_chars = 3;
    sc_describe_hash(&d);
    int status;
    char *dup = NULL;
    sc_err e = {0};
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    uint64_t at = d.text_at;
    sc_doc_free(&d);
    return at;
}

static void expect_text(sc_store *s, const char *id, const char *body)
{
    sc_doc g;
    sc_err e = {0};
    assert_int_equal(sc_store_get(s, id, 1, &g, &e), SC_OK);
    assert_string_equal(g.text + strlen("标题\n"), body);
    assert_int_equal(g.free_len, strlen("标题\n"));
    sc_doc_free(&g);
    assert_int_equal(sc_store_get(s, id, 0, &g, &e), SC_OK);   /* a visitor: the free part */
    assert_string_equal(g.text, "标题\n");
    sc_doc_free(&g);
}

static int on_hit(void *ctx, size_t i, const sc_doc *d)
{
    (void)i;
    char **out = ctx;
    *out = d ? strndup(d->text, d->len) : NULL;
    if (d) {
        assert_string_equal(d->title, "标题");
        assert_string_equal(d->date, "2023-05-01");
        assert_string_equal(d->doc_type, "讲话");
        assert_int_equal(d->year, 2023);
        assert_int_equal(d->free_chars, 3);
    }
    return SC_OK;
}

/* A writer killed after its batch's texts reached the file but before
** the commit: the records belong to no commit, the next batch cuts them
** off and writes over them, and what was committed reads as before. */
static void test_batch_dead_before_commit(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    uint64_t at_a = put(s, "a", "第一篇");
    assert_int_equal(at_a, SC_TEXTS_HEADER);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    off_t committed = file_size(texts);
    assert_true(committed > SC_TEXTS_HEADER);
    sc_store_close(s);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {                  /* the writer that dies */
        sc_store *w;
        uint64_t end;
        if (sc_store_open(dir, &w, NULL) || sc_store_begin(w, NULL)) _exit(2);
        put(w, "b", "不会提交的第二篇");
        if (sc_texts_sync(w->texts, &end, NULL)) _exit(3);   /* on disk, then no COMMIT */
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(file_size(texts) > committed);

    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    assert_int_equal(sc_store_num_of(s, "b"), -1);
    expect_text(s, "a", "第一篇");
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(file_size(texts), committed);        /* cut back */
    uint64_t at_c = put(s, "c", "第三篇");
    assert_int_equal(at_c, (uint64_t)committed);          /* written where b was */
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    expect_text(s, "c", "第三篇");
    /* a rolled-back batch: the same */
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    put(s, "d", "回滚的一篇");
    sc_store_rollback(s);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    uint64_t at_e = put(s, "e", "第五篇");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    assert_int_equal(sc_store_num_of(s, "d"), -1);
    expect_text(s, "e", "第五篇");
    /* hits by offset, as the index keeps it */
    int64_t num = sc_store_num_of(s, "e");
    char *got = NULL;
    assert_int_equal(sc_store_each_hit(s, &num, &at_e, 1, 1, on_hit, &got, &e), SC_OK);
    assert_string_equal(got, "标题\n第五篇");
    free(got);
    sc_store_close(s);
}

/* A texts file cut short, or with another header, is refused by name; the
** store stays as it was. */
static void test_damaged_file_refused(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    uint64_t at = put(s, "f", "最后一篇");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    int64_t num = sc_store_num_of(s, "f");
    off_t size = file_size(texts);
    assert_int_equal(truncate(texts, size - 4), 0);

    sc_doc g;
    assert_int_equal(sc_store_get(s, "f", 1, &g, &e), SC_EDB);
    assert_non_null(strstr(e.msg, texts));
    assert_non_null(strstr(e.msg, "cut short"));
    char *got = NULL;
    assert_int_equal(sc_store_each_hit(s, &num, &at, 1, 1, on_hit, &got, &e), SC_EDB);
    int64_t other = num + 1;       /* a record is another number's */
    assert_int_equal(sc_store_each_hit(s, &other, &at, 1, 0, on_hit, &got, &e), SC_EDB);
    assert_non_null(strstr(e.msg, "another record"));
    assert_int_equal(sc_store_begin(s, &e), SC_EDB);
    assert_non_null(strstr(e.msg, "cut or replaced"));
    assert_int_equal(sc_store_num_of(s, "f"), num);        /* nothing changed */

    assert_int_equal(truncate(texts, size), 0);            /* the bytes back, the header wrong */
    int fd = open(texts, O_RDWR);
    assert_int_equal(pwrite(fd, "NOTTEXTS", 8, 0), 8);
    close(fd);
    assert_int_equal(sc_store_begin(s, &e), SC_EDB);
    assert_non_null(strstr(e.msg, "bad header"));
    sc_store_close(s);
}

/* Rows of a library made before the texts file keep their text in
** free_text and paid_text (text_at NULL): every read still finds it. */
static int on_change(void *ctx, int64_t seq, int64_t num, int op, const sc_doc *d)
{
    (void)seq; (void)num; (void)op;
    if (d && !strcmp(d->id, "old")) {
        assert_int_equal(d->text_at, 0);
        *(char **)ctx = strndup(d->text, d->len);
    }
    return SC_OK;
}

static void test_rows_of_older_libraries(void **state)
{
    (void)state;
    char old[600];
    snprintf(old, sizeof old, "%s/old", dir);
    assert_int_equal(mkdir(old, 0755), 0);
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(old, &s, &e), SC_OK);
    sqlite3 *db = sc_store_db(s);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO docs(num, id, title, free_text, paid_text, removed, doc_type,"
                                  " year, date, chars, free_chars, has_paywall, masks, hash, simhash, outline,"
                                  " added_at) VALUES(7, 'old', '标题', '标题\n', '旧的付费部分', '', '讲话', 2023,"
                                  " '2023-05-01', 10, 3, 1, 0, 'x', 0, '[]', 0);"
                                  "INSERT INTO changes(num, op) VALUES(7, 1)", NULL, NULL, NULL), SQLITE_OK);
    expect_text(s, "old", "旧的付费部分");
    int64_t num = 7;
    uint64_t unknown = 0;
    char *got = NULL;
    assert_int_equal(sc_store_each_hit(s, &num, &unknown, 1, 1, on_hit, &got, &e), SC_OK);
    assert_string_equal(got, "标题\n旧的付费部分");
    free(got);
    got = NULL;
    assert_int_equal(sc_store_changes(s, 0, on_change, &got, &e), SC_OK);
    assert_string_equal(got, "标题\n旧的付费部分");
    free(got);
    /* a new document beside it goes to the texts file */
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_true(put(s, "new", "新的一篇") >= SC_TEXTS_HEADER);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    assert_true(sc_store_num_of(s, "new") > 7);
    expect_text(s, "new", "新的一篇");
    expect_text(s, "old", "旧的付费部分");
    sc_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_dead_before_commit),
        cmocka_unit_test(test_damaged_file_refused),
        cmocka_unit_test(test_rows_of_older_libraries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
