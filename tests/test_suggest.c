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
#include <strings.h>
#include <unistd.h>

#include "describe.h"
#include "store.h"
#include "suggest.h"
#include "utf8.h"
#include "test_tmpdir.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir, sizeof dir, "suggest");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
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

    /* a refresh after a delete forgets the title, and says so by its
       generation (the key of the server's answer cache) */
    uint64_t gen = sc_suggest_generation(sg);
    assert_int_equal(sc_store_begin(st, &e), SC_OK);
    assert_int_equal(sc_store_delete(st, "d", &e), SC_OK);
    assert_int_equal(sc_store_commit(st, &e), SC_OK);
    assert_int_equal(sc_suggest_refresh(sg, st, &e), SC_OK);
    assert_int_equal(sc_suggest_generation(sg), gen + 1);
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

/* ---- against a model: random titles, random queries ------------------- */

static const char *alphabet[] = {
    "清", "廉", "机", "关", "建", "设", "工", "作", "总", "结", "报", "告", "讲", "话", "方", "案",
    "党", "政", "县", "市", "乡", "村", "振", "兴", "年", "度", "的", "和", "（", "）", "、", "A",
    "a", "B", "b", "G", "g", "1", "2", " ",
};
#define N_ALPHA (sizeof alphabet / sizeof *alphabet)
#define N_DOCS 3000

static unsigned rnd(unsigned *seed) { *seed = *seed * 1103515245u + 12345u; return *seed >> 16 & 0x7fff; }

static void random_title(unsigned *seed, char *out, size_t cap)
{
    size_t len = 1 + rnd(seed) % 10, o = 0;
    out[0] = 0;
    for (size_t k = 0; k < len; k++) {
        const char *c = alphabet[rnd(seed) % N_ALPHA];
        if (k == 0 && !strcmp(c, " ")) c = "县";    /* the store trims titles */
        if (k + 1 == len && !strcmp(c, " ")) c = "市";
        o += (size_t)snprintf(out + o, cap - o, "%s", c);
    }
}

static void fold(const char *in, char *out)
{
    size_t i = 0;
    for (; in[i]; i++) out[i] = (char)((in[i] >= 'A' && in[i] <= 'Z') ? in[i] + 32 : in[i]);
    out[i] = 0;
}

/* The specification: prefix matches newest first, then substring matches
** newest first, titles equal but for case once. */
static size_t model(char titles[][64], int n_docs, const char *q, size_t limit, const char **out)
{
    char fq[64], ft[64];
    fold(q, fq);
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int k = n_docs - 1; k >= 0 && n < limit; k--) {
            fold(titles[k], ft);
            const char *at = strstr(ft, fq);
            if (!at || (pass == 0 && at != ft)) continue;
            int dup = 0;
            for (size_t j = 0; j < n && !dup; j++) dup = !strcasecmp(out[j], titles[k]);
            if (!dup) out[n++] = titles[k];
        }
    return n;
}

static void test_against_model(void **state)
{
    (void)state;
    static char titles[N_DOCS][64];
    unsigned seed = 20261124;
    sc_store *st;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &st, &e), SC_OK);
    sc_suggest *sg;
    assert_int_equal(sc_suggest_new(&sg, &e), SC_OK);
    /* 2,000 documents and a full refresh, then batches added as deltas
       (the last one big enough to fall back to a full refresh), with the
       queries checked after several of them */
    static const int stages[] = {2000, 2001, 2050, 2100, 2300, 2400, 3000};
    int done = 0;
    for (size_t stage = 0; stage < sizeof stages / sizeof *stages; stage++) {
        assert_int_equal(sc_store_begin(st, &e), SC_OK);
        for (int k = done; k < stages[stage]; k++) {
            unsigned r = rnd(&seed) % 10;
            if (k > 0 && r == 0) {               /* re-posted under the same title */
                snprintf(titles[k], sizeof titles[k], "%s", titles[rnd(&seed) % k]);
            } else if (k > 0 && r == 1) {        /* the same title in another case */
                snprintf(titles[k], sizeof titles[k], "%s", titles[rnd(&seed) % k]);
                for (char *p = titles[k]; *p; p++)
                    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32); else if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
            } else {
                random_title(&seed, titles[k], sizeof titles[k]);
            }
            char id[16], body[32];
            snprintf(id, sizeof id, "d%05d", k);
            snprintf(body, sizeof body, "正文%d。", k);    /* distinct texts: no duplicates */
            put(st, id, titles[k], body, 1000);
        }
        assert_int_equal(sc_store_commit(st, &e), SC_OK);
        uint64_t gen = sc_suggest_generation(sg);
        if (stage == 0) assert_int_equal(sc_suggest_refresh(sg, st, &e), SC_OK);
        else assert_int_equal(sc_suggest_add_newest(sg, st, (size_t)(stages[stage] - done), &e), SC_OK);
        assert_int_equal(sc_suggest_generation(sg), gen + 1);
        done = stages[stage];
        if (stage == 1 || stage == 3) continue;     /* deltas pile up unchecked */
        for (int round = 0; round < 1500; round++) {
            char q[64];
            const char *src = titles[rnd(&seed) % done];
            size_t from = 0, to = 0, cps = sc_utf8_count(src, strlen(src));
            if (round % 4 == 3) {
                random_title(&seed, q, sizeof q);                 /* often found nowhere */
            } else {
                size_t a = rnd(&seed) % cps, len = 1 + rnd(&seed) % 6;
                from = sc_utf8_offset(src, strlen(src), a);
                to = sc_utf8_offset(src, strlen(src), a + len);
                snprintf(q, sizeof q, "%.*s", (int)(to - from), src + from);
            }
            size_t limit = 1 + rnd(&seed) % 20;
            const char *want[20];
            size_t nw = model(titles, done, q, limit, want);
            sc_suggestion *v;
            size_t n;
            assert_int_equal(sc_suggest_query(sg, q, limit, &v, &n, &e), SC_OK);
            if (n != nw) fprintf(stderr, "query '%s' limit %zu: %zu suggestions, the model %zu\n", q, limit, n, nw);
            assert_int_equal(n, nw);
            for (size_t j = 0; j < n; j++) {
                if (strcmp(v[j].title, want[j]))
                    fprintf(stderr, "query '%s' #%zu: '%s', the model '%s'\n", q, j, v[j].title, want[j]);
                assert_string_equal(v[j].title, want[j]);
                /* the id is the newest document with that title */
                int k = atoi(v[j].id + 1);
                assert_ptr_equal(titles[k], want[j]);
            }
            sc_suggestions_free(v, n);
        }
    }
    sc_suggest_free(sg);
    sc_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_suggest, setup, teardown),
        cmocka_unit_test(test_title_public),
        cmocka_unit_test_setup_teardown(test_against_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
