/* test_result_cache.c — the server's answer cache: hits and misses, a newer
** generation empties it, an older one neither reads nor writes, the byte
** bound evicts the least recently used entry first, oversized bodies and a
** zero-sized cache keep nothing, and many threads at once stay consistent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_cache.h"

static int get(sc_rcache *c, int64_t gen, const char *key, const char *want)
{
    sc_buf body = SC_BUF_INIT;
    int hit = sc_rcache_get(c, gen, key, strlen(key), &body);
    if (hit) {
        assert_non_null(body.data);
        assert_int_equal(body.len, strlen(want));
        assert_memory_equal(body.data, want, body.len);
        assert_int_equal(body.data[body.len], 0);
    } else {
        assert_int_equal(body.len, 0);
    }
    sc_buf_free(&body);
    return hit;
}

static void put(sc_rcache *c, int64_t gen, const char *key, const char *body)
{
    sc_rcache_put(c, gen, key, strlen(key), body, strlen(body));
}

static void test_generations(void **state)
{
    (void)state;
    sc_rcache *c;
    sc_err e = {0};
    assert_int_equal(sc_rcache_new(1 << 20, &c, &e), SC_OK);
    assert_false(get(c, 5, "q=廉", ""));
    put(c, 5, "q=廉", "{\"total\":3}");
    assert_true(get(c, 5, "q=廉", "{\"total\":3}"));
    assert_false(get(c, 5, "q=廉政", ""));         /* another key */
    put(c, 5, "q=廉", "{\"total\":4}");            /* replaced, not doubled */
    assert_true(get(c, 5, "q=廉", "{\"total\":4}"));
    sc_rcache_stats st;
    sc_rcache_get_stats(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 2);

    /* a request that began before a commit (older generation): no read, no write */
    assert_false(get(c, 4, "q=廉", ""));
    put(c, 4, "q=old", "stale");
    assert_false(get(c, 5, "q=old", ""));

    /* a newer commit empties the cache at once */
    assert_false(get(c, 6, "q=廉", ""));
    sc_rcache_get_stats(c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    put(c, 6, "q=廉", "{\"total\":5}");
    assert_false(get(c, 5, "q=廉", ""));
    assert_true(get(c, 6, "q=廉", "{\"total\":5}"));
    sc_rcache_free(c);
}

static void test_bounds(void **state)
{
    (void)state;
    sc_rcache *c;
    sc_err e = {0};
    assert_int_equal(sc_rcache_new(64 * 1024, &c, &e), SC_OK);
    char body[2000];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = 0;
    char key[32];
    for (int i = 0; i < 200; i++) {       /* ~400 KB into 64 KB */
        snprintf(key, sizeof key, "k%d", i);
        put(c, 1, key, body);
        if (i == 100) assert_true(get(c, 1, "k70", body)); /* k70 becomes recent */
    }
    sc_rcache_stats st;
    sc_rcache_get_stats(c, &st);
    assert_true(st.bytes <= 64 * 1024);
    assert_true(st.entries >= 25);        /* 64 KB / ~2 KB, less headers */
    assert_true(get(c, 1, "k199", body)); /* newest kept */
    assert_false(get(c, 1, "k0", ""));    /* oldest gone */
    assert_false(get(c, 1, "k100", ""));  /* older than the last ~30 puts */

    /* a body over an eighth of the cache is not kept */
    char *big = malloc(10 * 1024);
    assert_non_null(big);
    memset(big, 'y', 10 * 1024 - 1);
    big[10 * 1024 - 1] = 0;
    put(c, 1, "big", big);
    assert_false(get(c, 1, "big", ""));
    free(big);
    sc_rcache_free(c);

    assert_int_equal(sc_rcache_new(0, &c, &e), SC_OK);   /* cache off */
    put(c, 1, "k", "v");
    assert_false(get(c, 1, "k", ""));
    sc_rcache_free(c);
}

typedef struct worker { sc_rcache *c; int id; int bad; } worker;

static void *run(void *arg)
{
    worker *w = arg;
    char key[32], val[64];
    for (int i = 0; i < 20000; i++) {
        int k = (i * 7 + w->id) % 500;
        int64_t gen = i / 5000;           /* every thread moves through 4 generations */
        snprintf(key, sizeof key, "k%d", k);
        snprintf(val, sizeof val, "gen %lld key %d", (long long)gen, k);
        sc_buf body = SC_BUF_INIT;
        if (sc_rcache_get(w->c, gen, key, strlen(key), &body)) {
            /* whatever is found is the answer for this key at this generation */
            if (strcmp(body.data, val)) w->bad++;
            sc_buf_free(&body);
        } else {
            sc_rcache_put(w->c, gen, key, strlen(key), val, strlen(val));
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    sc_rcache *c;
    sc_err e = {0};
    /* room for all 500 keys: a cyclic walk over more keys than an LRU holds
       would miss every time (evictions are test_bounds' part) */
    assert_int_equal(sc_rcache_new(64 * 1024, &c, &e), SC_OK);
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){c, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    sc_rcache_stats st;
    sc_rcache_get_stats(c, &st);
    assert_true(st.hits > 0);
    assert_int_equal(st.hits + st.misses, 4 * 20000);
    sc_rcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generations),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
