/* test_library_feed.c — the index follows an ingest batch as the store
** makes its changes (library.c's feed), and forgets them when the batch
** rolls back.  Each document carries a marker no other has (标记 + its
** number in Chinese digits + 号), so a search for it counts that document
** alone: 1 while its text is stored, 0 once it is replaced, deleted or
** rolled back.  Small flush records (max_bits) make the index write
** segments in the middle of each batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "index_priv.h"
#include "library.h"
#include "search.h"
#include "test_tmpdir.h"

static char dir[256], lib_dir[300];

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir, sizeof dir, "feed");
    snprintf(lib_dir, sizeof lib_dir, "%s/lib", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

/* "标记" ("记号" for version 1) + the digits of n in Chinese + "号". */
static void marker(char *out, size_t cap, int n, int version)
{
    static const char *const dig[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    char num[16];
    snprintf(num, sizeof num, "%d", n);
    int o = snprintf(out, cap, "%s", version ? "记号" : "标记");
    for (const char *p = num; *p; p++) o += snprintf(out + o, cap - (size_t)o, "%s", dig[*p - '0']);
    snprintf(out + o, cap - (size_t)o, "号");
}

/* A JSONL file at path with documents from..to-1 (version 0 or 1). */
static void write_jsonl(const char *path, int from, int to, int version)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = from; i < to; i++) {
        char m[128];
        marker(m, sizeof m, i, version);
        fprintf(f, "{\"id\": \"d%d\", \"title\": \"第%d篇材料\", \"text\": \"", i, i);
        for (int k = 0; k < 30; k++) fprintf(f, "第%d段：今年以来，各项工作稳步推进，%s在此。\\n", k, k == 7 ? m : "正文");
        fprintf(f, "\"}\n");
    }
    fclose(f);
}

/* Segment files in the library's index folder. */
static int segment_files(void)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls '%s/index' | grep -c 'sxs$'", lib_dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static sc_library *open_lib(void)
{
    sc_library *lib = NULL;
    sc_err e = {0};
    if (sc_library_open(lib_dir, NULL, &lib, &e)) fail_msg("%s", e.msg);
    return lib;
}

static uint64_t count(sc_library *lib, int n, int version)
{
    char m[128];
    marker(m, sizeof m, n, version);
    sc_search_opts o = {.query = m, .count_only = 1};
    sc_results *r = NULL;
    sc_err e = {0};
    assert_int_equal(sc_search(sc_library_index(lib), sc_library_store(lib), &o, &r, &e), SC_OK);
    uint64_t t = r->total;
    sc_results_free(r);
    return t;
}

static void count_result(void *ctx, const sc_ingest_result *r)
{
    (void)r;
    (*(long *)ctx)++;
}

static int ingest(sc_library *lib, const char *path, sc_ingest_counts *c)
{
    sc_err e = {0};
    const char *paths[1] = {path};
    return sc_library_ingest(lib, paths, 1, NULL, NULL, c, &e);
}

static void expect_state(sc_library *lib, int n_docs, int replaced_below, int deleted_below, int base)
{
    sc_err e = {0};
    assert_int_equal(sc_library_check(lib, &e), SC_OK);
    assert_int_equal(sc_index_doc_count(sc_library_index(lib)), n_docs);
    for (int i = base; i < base + 120; i++) {
        int gone = i < deleted_below, replaced = !gone && i < replaced_below;
        assert_int_equal(count(lib, i, 0), gone || replaced ? 0 : 1);
        assert_int_equal(count(lib, i, 1), replaced ? 1 : 0);
    }
}

/* Adds, replacements and deletes over several batches; the index that
** followed them answers as the one rebuilt from the store does. */
static void test_feed_follows_the_store(void **state)
{
    (void)state;
    char a[400], b[400];
    snprintf(a, sizeof a, "%s/a.jsonl", dir);
    snprintf(b, sizeof b, "%s/b.jsonl", dir);
    write_jsonl(a, 0, 120, 0);
    write_jsonl(b, 0, 40, 1);           /* d0..d39 get a new version */
    sc_library *lib = open_lib();
    sc_library_index(lib)->mb.max_bits = 24;
    sc_ingest_counts c;
    assert_int_equal(ingest(lib, a, &c), SC_OK);
    assert_int_equal(c.added, 120);
    assert_true(sc_library_index(lib)->n_ws > 2);    /* flushed within the batch */
    assert_int_equal(ingest(lib, b, &c), SC_OK);
    assert_int_equal(c.updated, 40);
    sc_err e = {0};
    for (int i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%d", i);
        assert_int_equal(sc_library_delete(lib, id, &e), SC_OK);
    }
    expect_state(lib, 110, 40, 10, 0);
    assert_int_equal(sc_index_seq(sc_library_index(lib)), sc_store_last_seq(sc_library_store(lib)));
    assert_int_equal(sc_library_reindex(lib, &e), SC_OK);
    expect_state(lib, 110, 40, 10, 0);
    sc_library_close(lib);
    lib = open_lib();                   /* and from disk */
    expect_state(lib, 110, 40, 10, 0);
    sc_library_close(lib);
    assert_int_equal(test_tmpdir_remove(lib_dir), 0);
}

/* An index change that fails in the middle of a batch: the index forgets
** what it was fed and replays the batch after the commit. */
static void test_feed_falls_back_to_replay(void **state)
{
    (void)state;
    char a[400];
    snprintf(a, sizeof a, "%s/a.jsonl", dir);
    write_jsonl(a, 200, 320, 0);
    sc_library *lib = open_lib();
    sc_library_index(lib)->broken = 1;   /* the first add fails */
    sc_ingest_counts c;
    assert_int_equal(ingest(lib, a, &c), SC_OK);
    assert_int_equal(c.added, 120);
    expect_state(lib, 120, 0, 0, 200);
    sc_library_close(lib);
    assert_int_equal(test_tmpdir_remove(lib_dir), 0);
}

/* A batch whose store commit fails (the texts file cannot grow: a file
** size limit, as a full disk would do) rolls back: the index forgets the
** documents, replacements and segments it was fed, and the next batch
** goes in. */
static void test_rolled_back_batch_leaves_the_index(void **state)
{
    (void)state;
    char a[400], b[400], texts[400];
    snprintf(a, sizeof a, "%s/a.jsonl", dir);
    snprintf(b, sizeof b, "%s/b.jsonl", dir);
    snprintf(texts, sizeof texts, "%s/texts", lib_dir);
    write_jsonl(a, 400, 520, 0);
    sc_library *lib = open_lib();
    sc_ingest_counts c;
    assert_int_equal(ingest(lib, a, &c), SC_OK);
    sc_library_close(lib);
    struct stat sb;
    assert_int_equal(stat(texts, &sb), 0);
    write_jsonl(b, 400, 460, 1);         /* 60 replacements ... */
    char more[400];
    snprintf(more, sizeof more, "%s/c.jsonl", dir);
    write_jsonl(more, 600, 700, 0);      /* ... and 100 new documents */
    char both[1000];
    snprintf(both, sizeof both, "cat '%s' >> '%s'", more, b);
    assert_int_equal(system(both), 0);
    char c2[400];
    snprintf(c2, sizeof c2, "%s/c2.jsonl", dir);
    write_jsonl(c2, 800, 810, 0);
    char big[400];
    snprintf(big, sizeof big, "%s/big.jsonl", dir);
    write_jsonl(big, 10000, 16000, 0);     /* 13 MB: the texts file writes every 8 MB */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {          /* checks by exit code: cmocka's asserts belong to the parent */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl;
        if (getrlimit(RLIMIT_FSIZE, &rl)) _exit(2);
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = (rlim_t)sb.st_size + 4096;
        sc_library *l = NULL;
        sc_err e = {0};
        if (sc_library_open(lib_dir, NULL, &l, &e)) _exit(3);
        sc_library_index(l)->mb.max_bits = 24;
        if (setrlimit(RLIMIT_FSIZE, &rl)) _exit(4);
        const char *paths[1] = {b};
        if (sc_library_ingest(l, paths, 1, NULL, NULL, NULL, &e) == SC_OK) _exit(5);
        if (!strstr(e.msg, "/texts: cannot write")) _exit(6);
        if (segment_files() <= (int)sc_library_index(l)->n_ws) _exit(12);   /* flushed, then forgotten */
        rl.rlim_cur = was;
        if (setrlimit(RLIMIT_FSIZE, &rl)) _exit(7);
        /* the same process goes on: nothing of the batch is in its index */
        if (count(l, 650, 0) != 0 || count(l, 401, 0) != 1 || count(l, 401, 1) != 0) _exit(8);
        if (sc_index_doc_count(sc_library_index(l)) != 120) _exit(9);
        paths[0] = c2;
        if (sc_library_ingest(l, paths, 1, NULL, NULL, NULL, &e) != SC_OK) _exit(10);
        if (count(l, 650, 0) != 0 || count(l, 401, 0) != 1 || count(l, 805, 0) != 1) _exit(11);
        /* a write that fails in the middle of a batch ends it there */
        struct stat now;
        if (stat(texts, &now)) _exit(13);
        rl.rlim_cur = (rlim_t)now.st_size + 4096;
        if (setrlimit(RLIMIT_FSIZE, &rl)) _exit(14);
        long seen = 0;
        paths[0] = big;
        if (sc_library_ingest(l, paths, 1, count_result, &seen, NULL, &e) == SC_OK) _exit(15);
        if (!strstr(e.msg, "/texts: cannot write") || seen >= 5000) _exit(16);
        sc_library_close(l);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    lib = open_lib();
    expect_state(lib, 130, 0, 0, 400);
    assert_int_equal(count(lib, 805, 0), 1);
    assert_int_equal(count(lib, 650, 0), 0);
    assert_int_equal(count(lib, 10001, 0), 0);
    assert_int_equal(ingest(lib, b, &c), SC_OK);       /* without the limit */
    assert_int_equal(c.updated, 60);
    assert_int_equal(c.added, 100);
    expect_state(lib, 230, 460, 0, 400);
    assert_int_equal(count(lib, 650, 0), 1);
    assert_int_equal(segment_files(), (int)sc_library_index(lib)->n_ws);   /* the forgotten ones removed */
    sc_library_close(lib);
    assert_int_equal(test_tmpdir_remove(lib_dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_follows_the_store),
        cmocka_unit_test(test_feed_falls_back_to_replay),
        cmocka_unit_test(test_rolled_back_batch_leaves_the_index),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
