/* test_store.c — the SQLite store: put, duplicates, updates, deletes, the
** change log, and that a visitor's read never carries the paid part (also
** through the search hits' walk, sc_store_each_hit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "describe.h"
#include "store.h"
#include "store_priv.h"
#include "test_tmpdir.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir, sizeof dir, "store");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static void make_doc(sc_doc *d, const char *id, const char *text, size_t free_len, uint64_t simhash)
{
    memset(d, 0, sizeof *d);
    d->id = id ? strdup(id) : NULL;
    d->title = strdup("标题");
    d->text = strdup(text);
    d->len = strlen(text);
    d->free_len = free_len;
    d->removed = strdup("");
    d->doc_type = strdup("工作总结");
    d->year = 2023;
    d->chars = d->len / 3;
    sc_describe_hash(d);
    d->simhash = simhash;
}

/* What sc_store_each_hit handed to the callback. */
typedef struct hits_seen {
    int calls, stop_at;
    size_t idx[4];
    int found[4];
    char *text[4];
    size_t len[4], free_len[4];
} hits_seen;

static int on_hit(void *ctx, size_t i, const sc_doc *d)
{
    hits_seen *h = ctx;
    int k = h->calls++;
    h->idx[k] = i;
    h->found[k] = d != NULL;
    if (d) {
        h->text[k] = strndup(d->text, d->len);
        h->len[k] = d->len;
        h->free_len[k] = d->free_len;
        assert_string_equal(d->title, "标题");
        assert_string_equal(d->doc_type, "工作总结");
        assert_int_equal(d->year, 2023);
    }
    return h->calls == h->stop_at ? SC_EINTERNAL : SC_OK;
}

/* Hits in ascending numbers (equal ones in their order), a missing number
** as NULL, the paid part only when asked, and the callback's error stops
** the walk; the same whether a hit's record is read from its row's
** text_at (ats NULL) or by the offset the index keeps (at). */
static void check_each_hit(sc_store *s, int64_t num, uint64_t at)
{
    sc_err e = {0};
    int64_t nums[3] = {num, num + 1000, num};
    uint64_t ats[3] = {at, 0, at};
    for (int paid = 0; paid < 4; paid++) {
        hits_seen h = {0};
        assert_int_equal(sc_store_each_hit(s, nums, paid > 1 ? ats : NULL, 3, paid & 1, on_hit, &h, &e), SC_OK);
        assert_int_equal(h.calls, 3);
        assert_int_equal(h.idx[0], 0);         /* num, num, then num + 1000 */
        assert_int_equal(h.idx[1], 2);
        assert_int_equal(h.idx[2], 1);
        assert_int_equal(h.found[2], 0);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(h.found[k], 1);
            assert_int_equal(h.free_len[k], 16);
            if (paid & 1) assert_string_equal(h.text[k], "标题\n免费部分付费部分SECRET");
            else assert_string_equal(h.text[k], "标题\n免费部");   /* free_len: 16 bytes */
            free(h.text[k]);
        }
    }
    hits_seen h = {.stop_at = 2};
    assert_int_equal(sc_store_each_hit(s, nums, ats, 3, 1, on_hit, &h, &e), SC_EINTERNAL);
    assert_int_equal(h.calls, 2);
    free(h.text[0]);
    free(h.text[1]);
}

static void test_put_get_and_paywall(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    sc_doc d;
    make_doc(&d, NULL, "标题\n免费部分付费部分SECRET", 16, 0x1111222233334444ull);
    int status;
    char *dup = NULL;
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    assert_non_null(d.id);
    assert_true(d.text_at >= 16);      /* after the texts file's header */
    uint64_t at = d.text_at;
    char *id = strdup(d.id);
    sc_doc_free(&d);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);

    sc_doc g;
    assert_int_equal(sc_store_get(s, id, 0, &g, &e), SC_OK);
    assert_int_equal(g.len, 16);
    assert_null(strstr(g.text, "SECRET"));
    assert_string_equal(g.doc_type, "工作总结");
    sc_doc_free(&g);
    assert_int_equal(sc_store_get(s, id, 1, &g, &e), SC_OK);
    assert_non_null(strstr(g.text, "付费部分SECRET"));
    assert_int_equal(g.free_len, 16);
    sc_doc_free(&g);
    assert_int_equal(sc_store_get(s, "nope", 1, &g, &e), SC_ENOTFOUND);
    check_each_hit(s, sc_store_num_of(s, id), at);
    /* a record is checked against the number asked for */
    int64_t other = sc_store_num_of(s, id) + 1;
    hits_seen h = {0};
    assert_int_equal(sc_store_each_hit(s, &other, &at, 1, 1, on_hit, &h, &e), SC_EDB);
    assert_non_null(strstr(e.msg, "texts"));
    assert_int_equal(h.calls, 0);
    free(id);
    sc_store_close(s);
}

/* The hit's text of num, or NULL. */
static char *hit_text(sc_store *s, int64_t num)
{
    sc_err e = {0};
    hits_seen h = {0};
    assert_int_equal(sc_store_each_hit(s, &num, NULL, 1, 1, on_hit, &h, &e), SC_OK);
    assert_int_equal(h.calls, 1);
    return h.found[0] ? h.text[0] : NULL;
}

/* Readers map the file (store.c: READER_MMAP).  A reader that mapped it
** must still see what commits later, in pages past the end of its mapping
** once a checkpoint has grown the file (19 MB of removed lines, more than
** SQLite's automatic checkpoint; the texts go to the texts file). */
static void test_readers_map_and_follow_the_file(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    conn *c = sc_st_borrow(s);
    assert_non_null(c);
    assert_true(sc_st_lookup_num(c, "PRAGMA mmap_size", NULL) >= 1 << 30);
    sc_st_give_back(s, c);

    enum { N = 800, BODY = 24000 };
    char *body = malloc(BODY + 64);
    char *first = NULL, *last = NULL;
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    for (int i = 0; i < N; i++) {
        if (i == 1) {                  /* the reader maps a one-document file */
            assert_int_equal(sc_store_commit(s, &e), SC_OK);
            char *t = hit_text(s, sc_store_num_of(s, first));
            assert_non_null(t);
            assert_memory_equal(t, "标题\n0000 ", 12);
            free(t);
            assert_int_equal(sc_store_begin(s, &e), SC_OK);
        }
        int k = snprintf(body, 64, "标题\n%04d ", i);
        memset(body + k, 'a' + i % 26, BODY);
        body[k + BODY] = 0;
        sc_doc d;
        make_doc(&d, NULL, body, (size_t)k, 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1));
        free(d.removed);
        d.removed = strdup(body);
        int status;
        char *dup = NULL;
        assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
        assert_int_equal(status, SC_PUT_ADDED);
        if (i == 0) first = strdup(d.id);
        if (i == N - 1) last = strdup(d.id);
        sc_doc_free(&d);
        free(dup);
    }
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    struct stat sb;
    char path[600];
    snprintf(path, sizeof path, "%s/library.db", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > 4 << 20);     /* checkpointed: the file grew */
    char *t = hit_text(s, sc_store_num_of(s, last));
    assert_non_null(t);
    assert_memory_equal(t, "标题\n0799 ", 12);
    assert_int_equal(strlen(t), 12 + BODY);
    assert_int_equal(t[12 + BODY - 1], 'a' + 799 % 26);
    free(t);
    sc_doc g;
    assert_int_equal(sc_store_get(s, last, 1, &g, &e), SC_OK);
    assert_int_equal(strlen(g.removed), 12 + BODY);
    assert_int_equal(g.removed[12 + BODY - 1], 'a' + 799 % 26);
    sc_doc_free(&g);
    t = hit_text(s, sc_store_num_of(s, first));
    assert_non_null(t);
    assert_int_equal(t[12], 'a');
    free(t);
    free(first);
    free(last);
    free(body);
    sc_store_close(s);
}

/* SUCAI_STORE_MMAP_MB sets how much readers map (0: none, pread), and a
** bad value is refused at open with the variable's name. */
static void test_reader_mmap_setting(void **state)
{
    (void)state;
    static const struct { const char *v; int64_t want; } ok[] = {{"0", 0}, {"16", 16 << 20}, {"", 2047ll << 20}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        sc_store *s;
        sc_err e = {0};
        setenv("SUCAI_STORE_MMAP_MB", ok[i].v, 1);
        assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
        conn *c = sc_st_borrow(s);
        assert_non_null(c);
        assert_true(sc_st_lookup_num(c, "PRAGMA mmap_size", NULL) == ok[i].want);
        sc_st_give_back(s, c);
        sc_store_close(s);
    }
    static const char *const bad[] = {"x", "-1", "2048", "12abc", " 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sc_store *s = NULL;
        sc_err e = {0};
        setenv("SUCAI_STORE_MMAP_MB", bad[i], 1);
        assert_int_equal(sc_store_open(dir, &s, &e), SC_EINVAL);
        assert_null(s);
        assert_non_null(strstr(e.msg, "SUCAI_STORE_MMAP_MB"));
    }
    unsetenv("SUCAI_STORE_MMAP_MB");
}

/* n copies of s, for documents long enough to be compared by simhash. */
static char *repeat(const char *s, int n)
{
    size_t k = strlen(s);
    char *out = malloc(k * (size_t)n + 1);
    for (int i = 0; i < n; i++) memcpy(out + k * (size_t)i, s, k);
    out[k * (size_t)n] = 0;
    return out;
}

static void test_duplicates_and_near_duplicates(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    sc_doc d;
    int status;
    char *dup = NULL;
    char *long_a = repeat("材料甲的全文内容", 40);            /* 320 chars */
    char *long_b = repeat("材料甲的全文内容！", 40);          /* 360 chars, another text */
    make_doc(&d, NULL, long_a, 6, 0xAAAA0000BBBB0000ull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    char *first = strdup(d.id);
    sc_doc_free(&d);
    /* the same text again */
    make_doc(&d, NULL, long_a, 6, 0xAAAA0000BBBB0000ull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_DUPLICATE);
    assert_string_equal(dup, first);
    free(dup);
    sc_doc_free(&d);
    /* other text, simhash 2 bits away: near duplicate */
    make_doc(&d, NULL, long_b, 6, 0xAAAA0000BBBB0003ull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_DUPLICATE);
    assert_string_equal(dup, first);
    free(dup);
    sc_doc_free(&d);
    /* far away: added */
    make_doc(&d, NULL, "完全不同的另一篇", 6, 0x5555FFFF5555FFFFull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    sc_doc_free(&d);
    /* short texts are compared by exact hash only: a close simhash is no duplicate */
    make_doc(&d, NULL, "短文一篇", 6, 0x1234123412341234ull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    sc_doc_free(&d);
    make_doc(&d, NULL, "短文二篇", 6, 0x1234123412341235ull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    sc_doc_free(&d);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    free(first);
    free(long_a);
    free(long_b);
    sc_store_close(s);
}

static void test_explicit_ids_update_and_changes(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    int64_t seq0 = sc_store_last_seq(s);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    sc_doc d;
    int status;
    char *dup = NULL;
    make_doc(&d, "law-1", "第一版", 3, 1);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    assert_string_equal(d.id, "law-1");
    sc_doc_free(&d);
    make_doc(&d, "law-1", "第二版内容", 3, 0xFFFFFFFFFFFFFFFFull);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_UPDATED);
    sc_doc_free(&d);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    /* add, delete, add */
    assert_int_equal(sc_store_last_seq(s), seq0 + 3);
    sc_doc g;
    assert_int_equal(sc_store_get(s, "law-1", 1, &g, &e), SC_OK);
    assert_string_equal(g.text, "第二版内容");
    sc_doc_free(&g);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(sc_store_delete(s, "law-1", &e), SC_OK);
    assert_int_equal(sc_store_delete(s, "law-1", &e), SC_ENOTFOUND);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    assert_int_equal(sc_store_num_of(s, "law-1"), -1);
    sc_store_close(s);
}

static void test_rollback_leaves_nothing(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &s, &e), SC_OK);
    int64_t seq = sc_store_last_seq(s);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    sc_doc d;
    int status;
    char *dup = NULL;
    make_doc(&d, "gone", "不会留下", 3, 99);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    sc_doc_free(&d);
    sc_store_rollback(s);
    assert_int_equal(sc_store_num_of(s, "gone"), -1);
    assert_int_equal(sc_store_last_seq(s), seq);
    sc_store_close(s);
}

/* ---- the near-duplicate table across batches ------------------------ */

/* A folder of its own under dir, for a store that starts empty. */
static void subdir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
    assert_int_equal(mkdir(out, 0755), 0);
}

/* Puts a document of long_text (id NULL: a file) with simhash h; returns
** the status and sets *dup (caller frees) as sc_store_put does. */
static int put_long(sc_store *s, const char *id, const char *text, uint64_t h, char **dup)
{
    sc_doc d;
    sc_err e = {0};
    int status = 0;
    *dup = NULL;
    make_doc(&d, id, text, 6, h);
    assert_int_equal(sc_store_put(s, &d, &status, dup, &e), SC_OK);
    sc_doc_free(&d);
    return status;
}

/* Asserts that a put was a duplicate of want (and frees dup), or added
** when want is NULL. */
static void expect_put(int status, char *dup, const char *want)
{
    if (want) {
        assert_int_equal(status, SC_PUT_DUPLICATE);
        assert_string_equal(dup, want);
    } else {
        assert_int_equal(status, SC_PUT_ADDED);
    }
    free(dup);
}

/* Asserts that a new file (a text not stored before, as long as the
** others) with simhash h is a duplicate of want (NULL: is added). */
static void expect_near(sc_store *s, uint64_t h, const char *want)
{
    static int serial;
    char unit[32], *dup;
    snprintf(unit, sizeof unit, "不同的文字%06d", serial++);
    char *text = repeat(unit, 45);
    int status = put_long(s, NULL, text, h, &dup);
    free(text);
    expect_put(status, dup, want);
}

static void test_near_duplicates_rollback_reopen_delete(void **state)
{
    (void)state;
    char sub[600];
    subdir(sub, sizeof sub, "near");
    char *a = repeat("第一篇材料的内容", 40), *b = repeat("第二篇材料的内容", 40);
    char *c = repeat("第三篇材料的内容", 40), *v = repeat("另一个版本的文字", 40);
    const uint64_t ha = 0x1111222233334444ull, hb = 0x5555666677778888ull, hc = 0x9999AAAABBBBCCCCull;
    sc_store *s;
    sc_err e = {0};
    char *dup;
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(put_long(s, "a", a, ha, &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    /* a batch that adds b and b2 to the table (the first lookup makes it),
    ** b in a band 0 bucket of its own, and fails */
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(put_long(s, "b", b, ha ^ 1 ^ (1u << 20), &dup), SC_PUT_ADDED);
    free(dup);                                           /* b is near a */
    assert_int_equal(put_long(s, "b2", v, hb, &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_num_of(s, "b2"), -1);     /* readers do not see the batch */
    sc_store_rollback(s);
    /* b is gone from the table too: its band 0 bucket is empty again, and
    ** the search goes on to band 1, where a is */
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    expect_near(s, ha ^ 1, "a");
    expect_near(s, hb ^ 2, NULL);
    /* an explicit id near a stored one is stored, naming it */
    assert_int_equal(put_long(s, "c", c, ha ^ 0x100, &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(sc_store_db(s), "SELECT dup_of FROM docs WHERE id = 'c'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "a");
    sqlite3_finalize(st);
    sc_store_close(s);
    /* across a reopen */
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    expect_near(s, ha ^ 0x10000, "a");
    /* after a delete, the next of its bucket (c, close to a) is found */
    assert_int_equal(sc_store_delete(s, "a", &e), SC_OK);
    expect_near(s, ha ^ 0x10000, "c");
    assert_int_equal(sc_store_delete(s, "c", &e), SC_OK);
    expect_near(s, ha ^ 0x10000, NULL);
    /* the last document deleted and its number given again */
    assert_int_equal(put_long(s, "d", c, hc, &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_delete(s, "d", &e), SC_OK);
    assert_int_equal(put_long(s, "e", b, hc ^ 0x10, &dup), SC_PUT_ADDED);
    expect_near(s, hc ^ 0x30, "e");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    sc_store_close(s);
    free(a); free(b); free(c); free(v);
}

/* A commit by another connection is seen at the next batch; a library made
** before docs_near (with a table simhash_bands) is migrated at open. */
static void test_near_duplicates_other_writer_and_migration(void **state)
{
    (void)state;
    char sub[600];
    subdir(sub, sizeof sub, "near2");
    char *a = repeat("第一篇材料的内容", 40), *b = repeat("第二篇材料的内容", 40);
    const uint64_t ha = 0x0123456789ABCDEFull, hb = 0xFEDCBA9876543210ull;
    sc_store *s, *t;
    sc_err e = {0};
    char *dup;
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(put_long(s, "a", a, ha, &dup), SC_PUT_ADDED);
    expect_near(s, ha ^ 1, "a");                    /* the table is made */
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    assert_int_equal(sc_store_open(sub, &t, &e), SC_OK);
    assert_int_equal(sc_store_begin(t, &e), SC_OK);
    assert_int_equal(put_long(t, "b", b, hb, &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_commit(t, &e), SC_OK);
    sc_store_close(t);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    expect_near(s, hb ^ 4, "b");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    sc_store_close(s);
    /* the old layout: a table of bands, no docs_near, indexes of the
       hashes and of added_at */
    char path[700];
    snprintf(path, sizeof path, "%s/library.db", sub);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP INDEX docs_near; CREATE INDEX docs_hash16 ON docs(substr(hash, 1, 16));"
                                      "CREATE INDEX docs_hash ON docs(hash); CREATE INDEX docs_added ON docs(added_at);"
                                      "CREATE TABLE simhash_bands(band INTEGER NOT NULL, num INTEGER NOT NULL);"
                                      "CREATE INDEX simhash_bands_band ON simhash_bands(band);",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    sqlite3_stmt *st;
    static const char *const indexes = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master"
                                       " WHERE name IN ('simhash_bands', 'simhash_bands_band', 'docs_near',"
                                       " 'docs_hash', 'docs_hash16', 'docs_added') ORDER BY name)";
    assert_int_equal(sqlite3_prepare_v2(sc_store_db(s), indexes, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "docs_near");
    sqlite3_finalize(st);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    expect_near(s, ha ^ 0x80000000ull, "a");
    expect_near(s, hb ^ 0x1000000000ull, "b");
    /* the same text as a: an exact duplicate, found by its hash */
    assert_int_equal(put_long(s, NULL, a, ~ha, &dup), SC_PUT_DUPLICATE);
    assert_string_equal(dup, "a");
    free(dup);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    sc_store_close(s);
    free(a); free(b);
}

/* Puts a short text (compared by exact hash only) under id (NULL: a
** file); returns the status, *dup as sc_store_put sets it. */
static int put_short(sc_store *s, const char *id, const char *text, char **dup)
{
    sc_doc d;
    sc_err e = {0};
    int status = 0;
    *dup = NULL;
    make_doc(&d, id, text, 3, 0);
    assert_int_equal(sc_store_put(s, &d, &status, dup, &e), SC_OK);
    sc_doc_free(&d);
    return status;
}

static void expect_dup_of(sc_store *s, const char *text, const char *want)
{
    char *dup;
    int status = put_short(s, NULL, text, &dup);
    expect_put(status, dup, want);
}

/* The exact-duplicate table (store_hashes.c) answers as a query of the
** docs table would: the lowest-numbered document with the same text,
** through the batch's own documents, replaced and deleted documents,
** growth past its first size, a rollback and another writer's commit. */
static void test_exact_duplicates_table(void **state)
{
    (void)state;
    char sub[600];
    subdir(sub, sizeof sub, "exact");
    sc_store *s, *t;
    sc_err e = {0};
    char *dup;
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    /* two imported documents with the same text: the first is the answer */
    assert_int_equal(put_short(s, "x1", "同一段文字", &dup), SC_PUT_ADDED);
    assert_int_equal(put_short(s, "x2", "同一段文字", &dup), SC_PUT_ADDED);
    expect_dup_of(s, "同一段文字", "x1");        /* the table is made here */
    assert_int_equal(put_short(s, "y", "另一段文字", &dup), SC_PUT_ADDED);
    expect_dup_of(s, "另一段文字", "y");         /* added to the made table */
    /* more documents than the first table holds, some of them replaced */
    char text[64], id[16];
    for (int i = 0; i < 1500; i++) {
        snprintf(id, sizeof id, "n%d", i % 1000);
        snprintf(text, sizeof text, "第%d篇文字", i);
        assert_int_equal(put_short(s, id, text, &dup), i < 1000 ? SC_PUT_ADDED : SC_PUT_UPDATED);
    }
    expect_dup_of(s, "第1499篇文字", "n499");
    expect_dup_of(s, "第507篇文字", "n507");
    expect_dup_of(s, "第7篇文字", NULL);        /* n7 holds 第1007篇 now: a new file */
    /* x1 gets another text: x2 is the one left with it */
    assert_int_equal(put_short(s, "x1", "改过的文字", &dup), SC_PUT_UPDATED);
    expect_dup_of(s, "同一段文字", "x2");
    expect_dup_of(s, "改过的文字", "x1");
    sc_err de = {0};
    assert_int_equal(sc_store_delete(s, "x2", &de), SC_OK);
    expect_dup_of(s, "同一段文字", NULL);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    /* a rolled-back batch leaves nothing behind in the table */
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(put_short(s, "z", "回滚的文字", &dup), SC_PUT_ADDED);
    expect_dup_of(s, "回滚的文字", "z");
    sc_store_rollback(s);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    expect_dup_of(s, "回滚的文字", NULL);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    /* another writer's document is found after its commit */
    assert_int_equal(sc_store_open(sub, &t, &e), SC_OK);
    assert_int_equal(sc_store_begin(t, &e), SC_OK);
    assert_int_equal(put_short(t, "w", "别处写入的文字", &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_commit(t, &e), SC_OK);
    sc_store_close(t);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    expect_dup_of(s, "别处写入的文字", "w");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    sc_store_close(s);
}

/* The change log is written many rows a statement: its order is still the
** order of the changes (adds, the delete and add of each replacement, a
** delete), across full statements and the rest at the commit; a rolled
** back batch leaves no rows. */
typedef struct change_seen { int n; int64_t seq[200], num[200]; int op[200]; } change_seen;

static int on_change(void *ctx, int64_t seq, int64_t num, int op, const sc_doc *doc)
{
    (void)doc;
    change_seen *c = ctx;
    assert_true(c->n < 200);
    c->seq[c->n] = seq;
    c->num[c->n] = num;
    c->op[c->n++] = op;
    return 0;
}

static void test_change_log_order(void **state)
{
    (void)state;
    char sub[600];
    subdir(sub, sizeof sub, "changes");
    sc_store *s;
    sc_err e = {0};
    char *dup, id[16], text[64];
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(text, sizeof text, "第%d版", i);
        assert_int_equal(put_short(s, id, text, &dup), SC_PUT_ADDED);
    }
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(text, sizeof text, "改%d版", i);
        assert_int_equal(put_short(s, id, text, &dup), SC_PUT_UPDATED);
    }
    assert_int_equal(sc_store_delete(s, "c99", &e), SC_OK);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    assert_int_equal(sc_store_last_seq(s), 161);
    change_seen c = {0};
    assert_int_equal(sc_store_changes(s, 0, on_change, &c, &e), SC_OK);
    assert_int_equal(c.n, 161);
    for (int k = 0; k < 161; k++) assert_int_equal(c.seq[k], k + 1);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(c.op[i], SC_CHANGE_ADD);
        assert_int_equal(c.num[i], i + 1);
    }
    for (int i = 0; i < 30; i++) {
        assert_int_equal(c.op[100 + 2 * i], SC_CHANGE_DELETE);
        assert_int_equal(c.num[100 + 2 * i], i + 1);
        assert_int_equal(c.op[101 + 2 * i], SC_CHANGE_ADD);
        assert_int_equal(c.num[101 + 2 * i], 101 + i);
    }
    assert_int_equal(c.op[160], SC_CHANGE_DELETE);
    assert_int_equal(c.num[160], 100);
    /* 70 changes, then a rollback: none of them stays */
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    for (int i = 0; i < 70; i++) {
        snprintf(id, sizeof id, "r%d", i);
        snprintf(text, sizeof text, "回滚%d", i);
        assert_int_equal(put_short(s, id, text, &dup), SC_PUT_ADDED);
    }
    sc_store_rollback(s);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    assert_int_equal(put_short(s, "after", "回滚之后", &dup), SC_PUT_ADDED);
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    assert_int_equal(sc_store_last_seq(s), 162);
    memset(&c, 0, sizeof c);
    assert_int_equal(sc_store_changes(s, 161, on_change, &c, &e), SC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.num[0], sc_store_num_of(s, "after"));
    sc_store_close(s);
}

/* Listing: newest first, offset and limit, and since; added_at never
** decreases with num, even after the clock went back (here: the newest
** row's time moved an hour ahead), which is what lets a listing stop at
** the first older document without an index on added_at. */
typedef struct listed { int n; char id[8][16]; int64_t at[8]; } listed;

static int on_listed(void *ctx, const sc_doc *d, int64_t added_at)
{
    listed *l = ctx;
    assert_true(l->n < 8);
    snprintf(l->id[l->n], sizeof l->id[0], "%s", d->id);
    l->at[l->n++] = added_at;
    return 0;
}

static listed list_of(sc_store *s, int64_t since, long limit, long offset)
{
    listed l = {0};
    sc_err e = {0};
    assert_int_equal(sc_store_list(s, since, limit, offset, on_listed, &l, &e), SC_OK);
    return l;
}

static void put_one(sc_store *s, const char *id, const char *text)
{
    sc_doc d;
    int status;
    char *dup = NULL;
    sc_err e = {0};
    make_doc(&d, id, text, 3, 0);
    assert_int_equal(sc_store_put(s, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(status, SC_PUT_ADDED);
    sc_doc_free(&d);
}

static void test_list_newest_first_and_since(void **state)
{
    (void)state;
    sc_store *s;
    sc_err e = {0};
    char sub[600];                             /* a store of its own */
    snprintf(sub, sizeof sub, "%s/list", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(sc_store_open(sub, &s, &e), SC_OK);
    int64_t t0 = (int64_t)time(NULL);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    put_one(s, "a", "甲甲甲");
    put_one(s, "b", "乙乙乙");
    put_one(s, "c", "丙丙丙");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);
    int64_t ahead = (int64_t)time(NULL) + 3600;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE docs SET added_at = %lld WHERE id = 'c'", (long long)ahead);
    assert_int_equal(sqlite3_exec(sc_store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sc_store_begin(s, &e), SC_OK);
    put_one(s, "d", "丁丁丁");
    assert_int_equal(sc_store_commit(s, &e), SC_OK);

    listed l = list_of(s, 0, -1, 0);
    assert_int_equal(l.n, 4);
    const char *order[4] = {"d", "c", "b", "a"};
    for (int i = 0; i < 4; i++) assert_string_equal(l.id[i], order[i]);
    assert_int_equal(l.at[0], ahead);          /* not the clock's earlier time */
    assert_true(l.at[2] >= t0 && l.at[3] >= t0 && l.at[2] < ahead);
    l = list_of(s, ahead, -1, 0);              /* since: only the two */
    assert_int_equal(l.n, 2);
    assert_string_equal(l.id[0], "d");
    assert_string_equal(l.id[1], "c");
    l = list_of(s, 0, 2, 1);                   /* a page */
    assert_int_equal(l.n, 2);
    assert_string_equal(l.id[0], "c");
    assert_string_equal(l.id[1], "b");
    l = list_of(s, ahead, 5, 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.id[0], "c");
    assert_int_equal(list_of(s, ahead + 1, -1, 0).n, 0);
    assert_int_equal(list_of(s, 0, 0, 0).n, 0);
    sc_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_and_paywall),
        cmocka_unit_test(test_duplicates_and_near_duplicates),
        cmocka_unit_test(test_explicit_ids_update_and_changes),
        cmocka_unit_test(test_rollback_leaves_nothing),
        cmocka_unit_test(test_near_duplicates_rollback_reopen_delete),
        cmocka_unit_test(test_near_duplicates_other_writer_and_migration),
        cmocka_unit_test(test_readers_map_and_follow_the_file),
        cmocka_unit_test(test_reader_mmap_setting),
        cmocka_unit_test(test_list_newest_first_and_since),
        cmocka_unit_test(test_exact_duplicates_table),
        cmocka_unit_test(test_change_log_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
