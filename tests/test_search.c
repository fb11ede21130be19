/* test_search.c — the search engine: normalisation, the posting codec
** (block edges, skips), the query parser's errors, exactness against a
** brute-force scan through commits, merges, deletes, replacements and a
** reopen, snapshot isolation, and the paywall rules for snippets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "buf.h"
#include "describe.h"
#include "index.h"
#include "index_seg.h"
#include "index_seg_priv.h"    /* format limits, for the edge cases */
#include "index_snap.h"
#include "normalize.h"
#include "query.h"
#include "search.h"
#include "snippet.h"
#include "store.h"
#include "test_tmpdir.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir, sizeof dir, "search");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static char *norm_str(const char *s)
{
    sc_norm n = {0};
    assert_int_equal(sc_normalize(s, strlen(s), 1, &n), SC_OK);
    sc_buf b = SC_BUF_INIT;
    for (size_t i = 0; i < n.n; i++) sc_buf_add_cp(&b, n.cps[i]);
    sc_buf_adds(&b, "");
    assert_int_equal(n.off[n.n], strlen(s));
    sc_norm_free(&n);
    return sc_buf_detach(&b);
}

static void test_normalize(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"ＧＤＰ增长", "gdp增长"},
        {"廉政建設", "廉政建设"},
        {"發展　和  \t 穩定", "发展 和 稳定"},
        {"Government", "government"},
        {"ΑΒΓ", "αβγ"},
        {"一\n二", "一\n二"},
        {"５G基站", "5g基站"},
        {"２０２３年", "2023年"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = norm_str(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
    /* offsets map back to the source */
    sc_norm n = {0};
    const char *s = "a  廉b";
    assert_int_equal(sc_normalize(s, strlen(s), 1, &n), SC_OK);
    assert_int_equal(n.n, 4);
    assert_int_equal(n.off[2], 3);
    assert_int_equal(n.off[3], 6);
    sc_norm_free(&n);
}

/* Writes a segment of the given documents (one term) and opens it. */
static sc_seg *write_docs(const char *path, const sc_docmeta *dm, uint32_t n)
{
    sc_segw *w;
    sc_err e = {0};
    uint32_t doc = 0, tf = 1, pos = 0;
    assert_int_equal(sc_segw_open(path, &w, &e), SC_OK);
    assert_int_equal(sc_segw_docs(w, dm, n, &e), SC_OK);
    if (n) assert_int_equal(sc_segw_term(w, SC_KEY_BI('a', 'b'), &doc, &tf, 1, &pos, &e), SC_OK);
    assert_int_equal(sc_segw_finish(w, &e), SC_OK);
    sc_seg *s;
    assert_int_equal(sc_seg_open(path, 1, &s, &e), SC_OK);
    assert_int_equal(sc_seg_check(s, &e), SC_OK);
    return s;
}

static void assert_docs(const sc_seg *s, const sc_docmeta *dm, uint32_t n)
{
    assert_int_equal(s->n_docs, n);
    for (uint32_t i = 0; i < n; i++) {
        char ib[SC_SEG_ID_BUF];
        assert_true(s->num[i] == dm[i].num);
        assert_int_equal(s->len[i], dm[i].len);
        assert_int_equal(sc_seg_title_len(s, i), dm[i].title_len);
        assert_int_equal(sc_seg_year(s, i), dm[i].year);
        assert_int_equal(sc_seg_date(s, i), dm[i].date);
        assert_string_equal(sc_seg_type(s, i), dm[i].type);
        assert_string_equal(sc_seg_source(s, i), dm[i].source);
        assert_string_equal(sc_seg_id(s, i, ib), dm[i].id);
        assert_true(sc_seg_text_at(s, i) == (s->version >= 4 ? dm[i].text_at : 0));   /* format 4's column */
    }
}

/* The document columns: every kind of packing (plain, linear, table, and
** the table a column falls back to when its range needs over 56 bits) and
** every shape of id (pattern with leading zeros, too many digits, too long
** a prefix, no digits, empty) come back as written. */
static void test_columns(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/cols.sxs", dir);
    static char longp[SC_SEG_ID_PREFIX + 2][SC_SEG_ID_PREFIX + 8];
    static const char *ids[] = {"poetry-000001", "poetry-12", "news-0", "12345", "", "abc", "x-1234567890123456",
                                "x-123456789012345", "007", "a0", "0", "a-1-2", "\xe6\x96\x87-9", NULL, NULL};
    memset(longp[0], 'p', SC_SEG_ID_PREFIX);
    strcpy(longp[0] + SC_SEG_ID_PREFIX, "7");           /* the longest prefix of a pattern */
    memset(longp[1], 'q', SC_SEG_ID_PREFIX + 1);
    strcpy(longp[1] + SC_SEG_ID_PREFIX + 1, "7");       /* one more: stored whole */
    ids[13] = longp[0];
    ids[14] = longp[1];
    const uint32_t nid = sizeof ids / sizeof ids[0];
    static const char *types[] = {"工作总结", "", "讲话"};
    for (int shape = 0; shape < 4; shape++) {
        uint32_t n = shape == 3 ? 0 : 1000;
        sc_docmeta *dm = calloc(n + 1, sizeof *dm);
        srand(11 + shape);
        for (uint32_t i = 0; i < n; i++) {
            int64_t num = shape == 0 ? 5000 + (int64_t)i                  /* linear */
                        : shape == 1 ? (int64_t)(rand() % 100000)          /* plain */
                        : (i % 3 == 0 ? INT64_MIN + i : i % 3 == 1 ? INT64_MAX - i : (int64_t)i);  /* table */
            uint32_t len = shape == 0 ? 2 : 2 + (uint32_t)rand() % 70000;
            dm[i] = (sc_docmeta){num, len, (uint32_t)rand() % (len - 1), shape == 2 ? -3 : 1990 + rand() % 40,
                                 shape == 2 ? 0 : 20000101 + rand() % 250000, types[i % 3], i % 5 ? "gov.cn" : "",
                                 ids[(i * 7 + (uint32_t)shape) % nid],
                                 shape == 0 ? 16 + 2500 * (uint64_t)i : shape == 1 ? (uint64_t)rand() << 9 : 0};
        }
        sc_segw_version = 3;          /* the format before text_at: read as 0 */
        sc_seg *s = write_docs(path, dm, n);
        assert_int_equal(s->version, 3);
        assert_docs(s, dm, n);
        sc_seg_release(s);
        sc_segw_version = SC_SEG_VERSION;
        s = write_docs(path, dm, n);
        assert_docs(s, dm, n);
        if (shape == 0) assert_true(s->col[SC_COL_NUM].linear && s->col[SC_COL_NUM].width == 0);
        if (shape == 2) assert_non_null(s->col[SC_COL_NUM].table);
        if (n) assert_true(s->col[SC_COL_LEN].width >= 8);
        sc_seg_release(s);
        free(dm);
    }
    unlink(path);
}

/* Walks t's postings with next(): docs[0..n), their tfs and (unless pos is
** NULL) their positions, one after the other in pos, then the end. */
static void assert_walk(sc_postit *it, const sc_term *t, const uint32_t *docs, const uint32_t *tfs, uint32_t n,
                        const uint32_t *pos)
{
    sc_postit_init(it, t);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(sc_postit_next(it), docs[i]);
        assert_int_equal(sc_postit_tf(it), tfs[i]);
        if (!pos) continue;
        uint32_t m;
        const uint32_t *ps = sc_postit_positions(it, &m);
        assert_non_null(ps);
        assert_int_equal(m, tfs[i]);
        for (uint32_t j = 0; j < m; j++) assert_int_equal(ps[j], pos[j]);
        pos += m;
    }
    assert_int_equal(sc_postit_next(it), SC_DOC_END);
}

static void codec_round_trips(void);

/* Writes one term with random postings, reads it back with next/advance,
** in the current format and in the oldest one still read (format 2: no
** position groups).  Advancing far checks positions too: format 3 jumps to
** a doc's group of SC_SEG_POS_GROUP instead of decoding the docs before. */
static void test_codec(void **state)
{
    (void)state;
    for (sc_segw_version = SC_SEG_VERSION_OLDEST; sc_segw_version <= SC_SEG_VERSION; sc_segw_version++)
        codec_round_trips();
    sc_segw_version = SC_SEG_VERSION;
}

static void codec_round_trips(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/codec.sxs", dir);
    srand(7);
    for (uint32_t n = 1; n <= 700; n = n * 3 + 1) {   /* 1, 4, 13, 40, 121, 364: block edges near 128 */
        for (uint32_t extra = 0; extra < 3; extra++) {
            uint32_t cnt = n + extra * (SC_BLOCK - 1);   /* also 128, 129, 255 ... */
            uint32_t ndocs = cnt * 3 + 5;
            sc_docmeta *dm = calloc(ndocs, sizeof *dm);
            for (uint32_t i = 0; i < ndocs; i++) dm[i] = (sc_docmeta){i, 5000, 3, 2020, 20200101, "t", "s", "id", 0};
            uint32_t *docs = malloc(cnt * 4), *tfs = malloc(cnt * 4), *pos = malloc(cnt * 40 * 4);
            uint32_t d = 0, np = 0;
            for (uint32_t i = 0; i < cnt; i++) {
                d += 1 + (uint32_t)(rand() % 3);
                docs[i] = d - 1;
                tfs[i] = 1 + (uint32_t)(rand() % (i % 7 == 0 ? 40 : 3));
                uint32_t p = 0;
                for (uint32_t j = 0; j < tfs[i]; j++) { p += 1 + (uint32_t)(rand() % 100); pos[np++] = p; }
            }
            sc_segw *w;
            sc_err e = {0};
            assert_int_equal(sc_segw_open(path, &w, &e), SC_OK);
            assert_int_equal(sc_segw_docs(w, dm, ndocs, &e), SC_OK);
            assert_int_equal(sc_segw_term(w, SC_KEY_UNI('a'), docs, tfs, cnt, NULL, &e), SC_OK);
            assert_int_equal(sc_segw_term(w, SC_KEY_BI('a', 'b'), docs, tfs, cnt, pos, &e), SC_OK);
            assert_int_equal(sc_segw_finish(w, &e), SC_OK);
            sc_seg *s;
            assert_int_equal(sc_seg_open(path, 1, &s, &e), SC_OK);
            assert_int_equal(s->version, sc_segw_version);
            assert_int_equal(sc_seg_check(s, &e), SC_OK);
            sc_term t;
            assert_int_equal(sc_seg_term(s, SC_KEY_UNI('b'), &t), 0);
            assert_int_equal(sc_seg_term(s, SC_KEY_BI('a', 'b'), &t), 1);
            assert_int_equal(t.df, cnt);
            sc_postit it = {0};
            assert_walk(&it, &t, docs, tfs, cnt, pos);
            /* advance: to random docs' predecessors' successors, through
               skips and position groups, with their positions */
            uint32_t *poff = malloc((cnt + 1) * 4);
            poff[0] = 0;
            for (uint32_t i = 0; i < cnt; i++) poff[i + 1] = poff[i] + tfs[i];
            sc_postit_init(&it, &t);
            for (uint32_t i = 0; i < cnt; i += 1 + (uint32_t)(rand() % (i % 2 ? 200 : 40))) {
                uint32_t target = i ? docs[i - 1] + 1 : 0, m;
                assert_int_equal(sc_postit_advance(&it, target), docs[i]);
                const uint32_t *ps = sc_postit_positions(&it, &m);
                assert_non_null(ps);
                assert_int_equal(m, tfs[i]);
                assert_memory_equal(ps, pos + poff[i], m * sizeof *ps);
            }
            free(poff);
            assert_int_equal(sc_postit_advance(&it, docs[cnt - 1] + 1), SC_DOC_END);
            sc_postit_free(&it);
            sc_seg_release(s);
            free(dm); free(docs); free(tfs); free(pos);
        }
    }
    unlink(path);
}

static void test_query_errors(void **state)
{
    (void)state;
    static const char *bad[] = {"", "   ", "\"廉政", "廉政\"", "a\"b\"", "-", "a - b", "-廉政", "-a -b", "a|", "|a",
                                "a||b", "year:abc", "year:2023..2019", "year:", "title:", "\"\"", "\xff\xfe", "廉\xe5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_query q;
        sc_err e = {0};
        int rc = sc_query_parse(bad[i], &q, &e);
        if (rc != SC_EQUERY) fail_msg("query [%s] gave %d, not SC_EQUERY", bad[i], rc);
        assert_true(strlen(e.msg) > 0);
    }
    /* 10,000 clauses, a 300-char phrase, 300 alternatives */
    sc_buf b = SC_BUF_INIT;
    for (int i = 0; i < 10000; i++) sc_buf_adds(&b, "廉 ");
    sc_query q;
    sc_err e = {0};
    assert_int_equal(sc_query_parse(b.data, &q, &e), SC_EQUERY);
    sc_buf_reset(&b);
    for (int i = 0; i < 300; i++) sc_buf_adds(&b, "廉");
    assert_int_equal(sc_query_parse(b.data, &q, &e), SC_EQUERY);
    sc_buf_reset(&b);
    for (int i = 0; i < 300; i++) sc_buf_adds(&b, "a|");
    sc_buf_adds(&b, "a");
    assert_int_equal(sc_query_parse(b.data, &q, &e), SC_EQUERY);
    sc_buf_free(&b);
    /* good ones */
    static const char *good[] = {"廉政", "\"a b\"|c -\"x y\"", "title:工作 year:2019..2023 type:工作总结", "COVID-19", "source:gov", "-a b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (sc_query_parse(good[i], &q, &e)) fail_msg("query [%s]: %s", good[i], e.msg);
        sc_query_free(&q);
    }
    assert_int_equal(sc_query_parse("\"a  b\"|c -d", &q, &e), SC_OK);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.c[0].n, 2);
    assert_int_equal(q.c[0].alts[0].n, 3);   /* a, space, b */
    assert_int_equal(q.c[1].neg, 1);
    sc_query_free(&q);
}

/* ---- exactness against a brute-force scan ------------------------------ */

#define NDOCS 700
static char *texts[NDOCS + 64];     /* current text per num (NULL = deleted) */
static int years[NDOCS + 64];

static int phrase_in(const uint32_t *t, size_t n, const sc_qalt *a, size_t title_len)
{
    size_t lim = a->kind == SC_Q_TITLE ? title_len : n;
    for (size_t i = 0; i + a->n <= lim; i++) {
        size_t j;
        for (j = 0; j < a->n; j++) if (t[i + j] != a->cps[j] || a->cps[j] == '\n') break;
        if (j == a->n) return 1;
    }
    return 0;
}

/* Brute force: the set of nums (as id strings "dN") matching q. */
static int brute_match(const sc_query *q, int num)
{
    sc_norm n = {0};
    sc_normalize(texts[num], strlen(texts[num]), 0, &n);
    size_t tl = n.n;
    for (size_t i = 0; i < n.n; i++) if (n.cps[i] == '\n') { tl = i; break; }
    int ok = 1;
    for (size_t c = 0; c < q->n && ok; c++) {
        int has = 0;
        for (size_t a = 0; a < q->c[c].n && !has; a++) {
            const sc_qalt *al = &q->c[c].alts[a];
            if (al->kind == SC_Q_YEAR) has = years[num] >= al->y0 && years[num] <= al->y1;
            else has = phrase_in(n.cps, n.n, al, tl);
        }
        ok = q->c[c].neg ? !has : has;
    }
    sc_norm_free(&n);
    return ok;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The top 10 (a heap that skips what cannot enter it, title counts worked
** out only for documents that might) are the first 10 of the whole ranking
** (every match scored in full), with the same scores. */
static void check_top(sc_index *ix, const char *query, const sc_results *all)
{
    sc_search_opts o = {.query = query, .limit = 10};
    sc_results *r;
    sc_err e = {0};
    if (sc_search(ix, NULL, &o, &r, &e)) fail_msg("search [%s]: %s", query, e.msg);
    size_t n = all->n_ids < 10 ? all->n_ids : 10;
    if (r->n_hits != n || r->total != all->total) fail_msg("[%s]: %zu hits, want %zu", query, r->n_hits, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r->hits[i].id, all->ids[i])) fail_msg("[%s]: hit %zu is %s, ranking says %s", query, i, r->hits[i].id, all->ids[i]);
    sc_results_free(r);
}

static void check_query(sc_index *ix, const char *query)
{
    sc_query q;
    sc_err e = {0};
    if (sc_query_parse(query, &q, &e)) fail_msg("query [%s]: %s", query, e.msg);
    char **want = calloc(NDOCS + 64, sizeof *want);
    size_t nw = 0;
    for (int i = 0; i < NDOCS + 64; i++) {
        if (!texts[i] || !brute_match(&q, i)) continue;
        want[nw] = malloc(16);
        snprintf(want[nw++], 16, "d%d", i);
    }
    sc_query_free(&q);
    sc_search_opts o = {.query = query, .limit = 10, .want_ids = 1};
    sc_results *r;
    if (sc_search(ix, NULL, &o, &r, &e)) fail_msg("search [%s]: %s", query, e.msg);
    check_top(ix, query, r);
    qsort(want, nw, sizeof *want, cmp_str);
    qsort(r->ids, r->n_ids, sizeof *r->ids, cmp_str);
    if (r->total != nw || r->n_ids != nw) fail_msg("[%s]: index %llu (%zu ids), scan %zu", query, (unsigned long long)r->total, r->n_ids, nw);
    for (size_t i = 0; i < nw; i++) {
        if (strcmp(want[i], r->ids[i])) fail_msg("[%s]: index has %s, scan %s", query, r->ids[i], want[i]);
        free(want[i]);
    }
    free(want);
    sc_results_free(r);
}

static const char *pieces[] = {"廉政", "建设", "，", "\n", " ", "党风", "廉", "政", "建", "設", "GDP", "gdp", "增长", "５G", "5g",
                               "基站", "2023年", "government", "gov", "的", "清廉机关", "Ｇ", "　", "工作", "总结", "A", "b"};

static char *random_text(int num)
{
    sc_buf b = SC_BUF_INIT;
    int n = 2 + rand() % (rand() % 5 == 0 ? 400 : 40);
    for (int i = 0; i < n; i++) {
        const char *p = pieces[rand() % (sizeof pieces / sizeof pieces[0])];
        if (i == 0 && !strcmp(p, "\n")) p = "题";
        sc_buf_adds(&b, p);
    }
    sc_buf_addf(&b, "#%d", num);   /* unique, so no two texts are equal */
    return sc_buf_detach(&b);
}

static void index_doc(sc_index *ix, int num)
{
    sc_doc d = {0};
    char id[16];
    snprintf(id, sizeof id, "d%d", num);
    d.id = id;
    d.text = texts[num];
    d.len = strlen(texts[num]);
    d.free_len = d.len;
    d.year = years[num];
    d.doc_type = (char *)"工作总结";
    sc_err e = {0};
    assert_int_equal(sc_index_add(ix, num, &d, &e), SC_OK);
}

static void random_queries(sc_index *ix, int count)
{
    static const char *fixed[] = {"廉政建设", "廉政，建设", "廉", "廉政", "gov", "government", "2023年", "5G基站", "GDP增长",
                                  "ＧＤＰ", "廉政建設", "\"廉政 建设\"", "廉政|建设 -党风", "title:廉政", "year:2019..2021 廉",
                                  "的的", "的的的", "清廉机关建设工作总结", "-廉 的", "b a", "\" \""};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) check_query(ix, fixed[i]);
    for (int k = 0; k < count; k++) {
        sc_buf q = SC_BUF_INIT;
        int clauses = 1 + (rand() % 4 == 0) + (rand() % 6 == 0);
        for (int c = 0; c < clauses; c++) {
            if (c) sc_buf_addc(&q, ' ');
            if (c && rand() % 3 == 0) sc_buf_addc(&q, '-');
            int alts = 1 + (rand() % 5 == 0);
            for (int a = 0; a < alts; a++) {
                if (a) sc_buf_addc(&q, '|');
                int num;
                do num = rand() % NDOCS; while (!texts[num]);
                const char *t = texts[num];
                size_t len = strlen(t), chars = 0;
                for (size_t i = 0; i < len; i++) chars += ((unsigned char)t[i] & 0xC0) != 0x80;
                size_t want = 1 + (size_t)(rand() % 12), start = (size_t)rand() % chars;
                sc_buf_addc(&q, '"');
                size_t ci = 0;
                for (size_t i = 0; i < len; i++) {
                    int lead = ((unsigned char)t[i] & 0xC0) != 0x80;
                    if (lead) ci++;
                    if (ci > start && ci <= start + want && t[i] != '"') sc_buf_addc(&q, t[i] == '\n' ? 'x' : t[i]);
                }
                sc_buf_addc(&q, '"');
            }
        }
        sc_query tmp;
        sc_err e = {0};
        if (sc_query_parse(q.data, &tmp, &e) == SC_OK) { sc_query_free(&tmp); check_query(ix, q.data); }
        sc_buf_free(&q);
    }
}

static void test_exact(void **state)
{
    (void)state;
    srand(42);
    sc_index *ix;
    sc_err e = {0};
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    for (int i = 0; i < NDOCS; i++) { texts[i] = random_text(i); years[i] = 2015 + i % 10; }
    /* the traps, by hand */
    free(texts[0]); texts[0] = strdup("标题\n推进廉政，建设");
    free(texts[1]); texts[1] = strdup("标题\n廉政\n建设");
    free(texts[2]); texts[2] = strdup("廉政建設的標題\n正文");
    int seq = 0;
    for (int i = 0; i < NDOCS; i++) {
        index_doc(ix, i);
        if (i % 50 == 49) assert_int_equal(sc_index_commit(ix, ++seq, &e), SC_OK);   /* 14 commits -> merges */
    }
    assert_int_equal(sc_index_commit(ix, ++seq, &e), SC_OK);
    check_query(ix, "廉政建设");
    random_queries(ix, 150);
    /* deletes and replacements */
    for (int i = 3; i < NDOCS; i += 7) {
        assert_int_equal(sc_index_delete(ix, i, &e), SC_OK);
        free(texts[i]);
        texts[i] = NULL;
    }
    for (int i = 5; i < NDOCS; i += 11) {
        free(texts[i]);
        texts[i] = random_text(i + 1000);
        index_doc(ix, i);
    }
    assert_int_equal(sc_index_commit(ix, ++seq, &e), SC_OK);
    random_queries(ix, 100);
    assert_int_equal(sc_index_check(ix, &e), SC_OK);
    /* snapshot isolation: a snapshot keeps answering its commit */
    sc_snapshot *old = sc_index_snapshot(ix);
    uint64_t old_docs = old->n_docs;
    for (int i = NDOCS; i < NDOCS + 64; i++) { texts[i] = random_text(i); years[i] = 2020; index_doc(ix, i); }
    for (int i = 0; i < 10; i++) assert_int_equal(sc_index_commit(ix, ++seq, &e), SC_OK);
    assert_int_equal(old->n_docs, old_docs);
    for (size_t v = 0; v < old->n; v++) assert_int_equal(sc_seg_check(old->v[v].seg, &e), SC_OK);
    sc_snapshot_release(old);
    assert_int_equal(sc_index_seq(ix), seq);
    sc_index_close(ix);
    /* reopen: same answers */
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    assert_int_equal(sc_index_seq(ix), seq);
    random_queries(ix, 100);
    sc_index_close(ix);
    for (int i = 0; i < NDOCS + 64; i++) { free(texts[i]); texts[i] = NULL; }
}

/* ---- the index's occurrence counts for snippets ---------------------------- */

/* A hit's snippet stops scanning at the occurrences the index counted in
** the body (cand.body_occ): for every kind of query the snippets must be
** the ones a scan to the end gives.  The documents hold their best window
** (a cluster) late, after a lone early occurrence, and some hold the
** phrases in their titles too, so a count too small picks the early one. */
static void test_snippet_counts(void **state)
{
    (void)state;
    sc_store *st;
    sc_index *ix;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &st, &e), SC_OK);
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    static const char *titles[] = {"廉政建设总结", "工作报告", "廉洁自律", "GDP增长报告", "年度计划"};
    /* between the counted occurrences: other forms of the same phrases
       (traditional, full-width, spaced) and whitespace runs */
    static const char *middles[] = {"中间：廉政建設，ＧＤＰ增长。", "中间：廉政　　 建设、廉政 建设。", "中间\t\t　没有。", ""};
    assert_int_equal(sc_store_begin(st, &e), SC_OK);
    int64_t nums[40];
    sc_doc docs[40];
    for (int i = 0; i < 40; i++) {
        sc_buf b = SC_BUF_INIT;
        const char *title = titles[i % 5];
        /* every seventh keeps its title apart from the text (the index puts it in front) */
        if (i % 7 != 6) sc_buf_addf(&b, "%s\n", title);
        sc_buf_adds(&b, "开头讲廉政建设和GDP增长。");
        for (int k = 0; k < 40 + i * 7; k++) {
            sc_buf_adds(&b, "一般的工作内容，没有要找的词。");
            if (k == 20 + i) sc_buf_adds(&b, middles[i % 4]);
        }
        sc_buf_adds(&b, i % 3 ? "后面：廉政建设、廉政建设、廉政建设，廉洁，GDP增长，GDP增长。" : "后面没有。");
        if (i % 4 == 0) sc_buf_adds(&b, "\n付费：廉政建设廉政建设廉政建设。");
        sc_doc *d = &docs[i];
        memset(d, 0, sizeof *d);
        char id[16];
        snprintf(id, sizeof id, "sc%02d", i);
        d->id = strdup(id);
        d->title = strdup(title);
        d->len = b.len;
        d->text = sc_buf_detach(&b);
        const char *pay = strstr(d->text, "\n付费");
        d->free_len = pay ? (size_t)(pay - d->text) : d->len;
        d->removed = strdup("");
        d->doc_type = strdup(i % 2 ? "工作总结" : "讲话");
        d->year = 2020 + i % 4;
        d->chars = d->len / 3;
        sc_describe_hash(d);
        int status;
        char *dup = NULL;
        assert_int_equal(sc_store_put(st, d, &status, &dup, &e), SC_OK);
        free(dup);
    }
    assert_int_equal(sc_store_commit(st, &e), SC_OK);
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "sc%02d", i);
        assert_true((nums[i] = sc_store_num_of(st, id)) >= 0);
        assert_int_equal(sc_index_add(ix, nums[i], &docs[i], &e), SC_OK);
        sc_doc_free(&docs[i]);
    }
    assert_int_equal(sc_index_commit(ix, 1, &e), SC_OK);
    static const char *queries[] = {"廉", "廉政", "廉政建设", "gdp增长", "廉政建设 gdp", "廉政|廉洁", "廉政 -年度",
                                    "title:廉政 廉政", "廉政建设 type:工作总结", "\"政建\"|增长 year:2021..2023", "廉洁 廉",
                                    "\"廉政 建设\"", "建设|gdp增长 -年度", "gdp增长|廉政建设 增长", "总结 廉政建设"};
    int checked = 0;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        for (int paid = 0; paid < 2; paid++) {
            /* a member's windows come from the index's positions where it
               has them (scan_snippets = 0); both ways must agree with a
               scan of the whole text */
            sc_results *r[2];
            for (int scan = 0; scan < 2; scan++) {
                sc_search_opts o = {.query = queries[i], .limit = 40, .can_read_paid = paid, .scan_snippets = scan};
                assert_int_equal(sc_search(ix, st, &o, &r[scan], &e), SC_OK);
                assert_true(r[scan]->n_hits > 0);
            }
            assert_int_equal(r[0]->n_hits, r[1]->n_hits);
            sc_query q;
            assert_int_equal(sc_query_parse(queries[i], &q, &e), SC_OK);
            for (size_t h = 0; h < r[0]->n_hits; h++) {
                sc_doc d;
                assert_string_equal(r[0]->hits[h].id, r[1]->hits[h].id);
                assert_int_equal(sc_store_get(st, r[0]->hits[h].id, paid, &d, &e), SC_OK);
                sc_hit want = {0};
                assert_int_equal(sc_snippet(&d, paid, &q, SC_OCC_UNKNOWN, &want, &e), SC_OK);
                for (int scan = 0; scan < 2; scan++) {
                    const sc_hit *got = &r[scan]->hits[h];
                    if (strcmp(want.snippet, got->snippet) || want.n_highlights != got->n_highlights ||
                        want.in_paid_part != got->in_paid_part ||
                        (want.n_highlights && memcmp(want.highlights, got->highlights, want.n_highlights * sizeof *want.highlights)))
                        fail_msg("[%s] paid=%d scan=%d %s: snippet [%s] in_paid_part %d, a scan to the end gives [%s] %d",
                                 queries[i], paid, scan, got->id, got->snippet, got->in_paid_part, want.snippet,
                                 want.in_paid_part);
                }
                free(want.snippet);
                free(want.highlights);
                sc_doc_free(&d);
                checked++;
            }
            sc_query_free(&q);
            sc_results_free(r[0]);
            sc_results_free(r[1]);
        }
    }
    assert_true(checked > 300);
    sc_index_close(ix);
    sc_store_close(st);
}

/* ---- paywall ------------------------------------------------------------ */

static void test_paywall(void **state)
{
    (void)state;
    sc_store *st;
    sc_index *ix;
    sc_err e = {0};
    assert_int_equal(sc_store_open(dir, &st, &e), SC_OK);
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    const char *text = "清廉机关建设总结\n免费部分讲清廉机关建设。\n付费部分SECRETMARK清廉机关建设独有ONLYPAID内容。";
    const char *cut = strstr(text, "付费");
    sc_doc d = {0};
    d.id = strdup("pw1");
    d.title = strdup("清廉机关建设总结");
    d.text = strdup(text);
    d.len = strlen(text);
    d.free_len = (size_t)(cut - text);
    d.removed = strdup("");
    d.doc_type = strdup("工作总结");
    d.year = 2023;
    d.chars = d.len / 3;
    sc_describe_hash(&d);
    int status;
    char *dup = NULL;
    assert_int_equal(sc_store_begin(st, &e), SC_OK);
    assert_int_equal(sc_store_put(st, &d, &status, &dup, &e), SC_OK);
    assert_int_equal(sc_store_commit(st, &e), SC_OK);
    int64_t num = sc_store_num_of(st, "pw1");
    assert_true(num >= 0);
    assert_int_equal(sc_index_add(ix, num, &d, &e), SC_OK);
    assert_int_equal(sc_index_commit(ix, 1, &e), SC_OK);
    sc_doc_free(&d);
    static const char *queries[] = {"ONLYPAID", "SECRETMARK", "独有", "清廉机关建设", "清廉 独有"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        for (int paid = 0; paid < 2; paid++) {
            sc_search_opts o = {.query = queries[i], .limit = 10, .can_read_paid = paid};
            sc_results *r;
            assert_int_equal(sc_search(ix, st, &o, &r, &e), SC_OK);
            assert_int_equal(r->total, 1);
            assert_int_equal(r->n_hits, 1);
            const sc_hit *h = &r->hits[0];
            char *json = sc_results_json(r, 0);
            if (!paid) {
                assert_null(strstr(json, "SECRETMARK"));
                assert_null(strstr(json, "ONLYPAID"));
                assert_null(strstr(json, "独有"));
                assert_null(strstr(json, "付费"));
                if (i < 3) assert_int_equal(h->in_paid_part, 1);
                if (i < 3) assert_int_equal(h->n_highlights, 0);
            } else {
                assert_non_null(h->snippet);
                if (i < 3) {
                    assert_int_equal(h->in_paid_part, 1);
                    assert_true(h->n_highlights >= 1);
                    assert_non_null(strstr(h->snippet, "ONLYPAID"));
                }
            }
            if (i == 3) {
                assert_int_equal(h->in_paid_part, 0);
                assert_true(h->n_highlights >= 1);
                /* the highlight covers 清廉机关建设 */
                const char *s = h->snippet;
                size_t off = 0;
                for (uint32_t k = 0; k < h->highlights[0][0]; k++) { off++; while (((unsigned char)s[off] & 0xC0) == 0x80) off++; }
                assert_memory_equal(s + off, "清廉机关建设", strlen("清廉机关建设"));
                assert_int_equal(h->highlights[0][1], 6);
            }
            free(json);
            sc_results_free(r);
        }
    }
    sc_index_close(ix);
    sc_store_close(st);
}

/* ---- a title kept apart from the text is searched as the title ---------- */

static long count(sc_index *ix, const char *q)
{
    sc_search_opts o = {.query = q, .count_only = 1};
    sc_results *r;
    sc_err e = {0};
    if (sc_search(ix, NULL, &o, &r, &e)) fail_msg("[%s]: %s", q, e.msg);
    long n = (long)r->total;
    sc_results_free(r);
    return n;
}

static void test_title_apart(void **state)
{
    (void)state;
    sc_index *ix;
    sc_err e = {0};
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    sc_doc d = {0};
    d.id = (char *)"t1";
    d.title = (char *)"独立标题";
    d.text = (char *)"正文第一行\n第二行";
    d.len = strlen(d.text);
    assert_int_equal(sc_index_add(ix, 1, &d, &e), SC_OK);
    sc_doc d2 = {0};
    d2.id = (char *)"t2";
    d2.title = (char *)"普通标题";
    d2.text = (char *)"普通标题\n正文";
    d2.len = strlen(d2.text);
    assert_int_equal(sc_index_add(ix, 2, &d2, &e), SC_OK);
    assert_int_equal(sc_index_commit(ix, 1, &e), SC_OK);
    assert_int_equal(count(ix, "独立标题"), 1);
    assert_int_equal(count(ix, "title:独立"), 1);
    assert_int_equal(count(ix, "题正"), 0);
    assert_int_equal(count(ix, "正文第一行"), 1);
    assert_int_equal(count(ix, "title:正文"), 0);
    assert_int_equal(count(ix, "普通标题"), 1);      /* not twice: the text holds it */
    assert_int_equal(count(ix, "title:普通"), 1);
    assert_int_equal(count(ix, "正文"), 2);
    sc_index_close(ix);
}

/* ---- a reader beside a writer (another process) sees each new commit ---- */

static void test_reader_reload(void **state)
{
    (void)state;
    sc_index *w, *r;
    sc_err e = {0};
    assert_int_equal(sc_index_open(dir, &w, &e), SC_OK);
    assert_int_equal(sc_index_open(dir, &r, &e), SC_OK);
    for (int c = 0; c < 12; c++) {
        char text[100];
        snprintf(text, sizeof text, "标题\n重新加载测试%d", c);
        sc_doc d = {0};
        d.id = (char *)"r";
        d.text = text;
        d.len = strlen(text);
        assert_int_equal(sc_index_add(w, c, &d, &e), SC_OK);
        assert_int_equal(sc_index_commit(w, c + 1, &e), SC_OK);
        assert_int_equal(count(r, "重新加载"), c + 1);
    }
    assert_int_equal(sc_index_delete(w, 3, &e), SC_OK);
    assert_int_equal(sc_index_commit(w, 13, &e), SC_OK);
    assert_int_equal(count(r, "重新加载"), 11);
    sc_index_close(r);
    sc_index_close(w);
}

/* ---- damage: check finds it, searches do not crash ------------------------ */

static void test_damage(void **state)
{
    (void)state;
    sc_index *ix;
    sc_err e = {0};
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    for (int i = 0; i < 300; i++) {
        char text[200];
        snprintf(text, sizeof text, "标题\n廉政建设第%d条，清廉机关建设%d", i, i * 7);
        sc_doc d = {0};
        d.id = (char *)"x";
        d.text = text;
        d.len = strlen(text);
        assert_int_equal(sc_index_add(ix, i, &d, &e), SC_OK);
    }
    assert_int_equal(sc_index_commit(ix, 1, &e), SC_OK);
    assert_int_equal(sc_index_check(ix, &e), SC_OK);
    sc_snapshot *snap = sc_index_snapshot(ix);
    char path[600];
    snprintf(path, sizeof path, "%s", snap->v[0].seg->path);
    size_t size = snap->v[0].seg->size;
    sc_snapshot_release(snap);
    sc_index_close(ix);
    /* flip bytes all over the postings, one at a time */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    srand(3);
    for (int round = 0; round < 40; round++) {
        long at = 200 + rand() % (long)(size - 220);
        fseek(f, at, SEEK_SET);
        int c = fgetc(f);
        fseek(f, at, SEEK_SET);
        fputc(c ^ (1 << (rand() % 8)), f);
        fflush(f);
        if (sc_index_open(dir, &ix, &e) != SC_OK) continue;
        assert_int_equal(sc_index_check(ix, &e), SC_EINDEX);
        static const char *qs[] = {"廉政建设", "第1", "清廉机关建设", "廉", "设第"};
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            sc_search_opts o = {.query = qs[k], .want_ids = 1};
            sc_results *r;
            if (sc_search(ix, NULL, &o, &r, &e) == SC_OK) sc_results_free(r);
        }
        sc_index_close(ix);
        fseek(f, at, SEEK_SET);
        fputc(c, f);
        fflush(f);
    }
    fclose(f);
    /* a damaged commit point is an error, not a crash */
    snprintf(path, sizeof path, "%s/index/COMMIT", dir);
    f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 20, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_EINDEX);
}

/* ---- the segment format's edges and damage ---------------------------------- */

typedef struct edge_term { uint64_t key; uint32_t n; const uint32_t *docs, *tfs, *pos; } edge_term;

/* Writes the terms over docs lens[0..n_docs), reads every one back. */
static void edge_roundtrip(const char *path, const uint32_t *lens, uint32_t n_docs, const edge_term *t, size_t nt)
{
    sc_docmeta *dm = calloc(n_docs, sizeof *dm);
    for (uint32_t i = 0; i < n_docs; i++) dm[i] = (sc_docmeta){i, lens[i], 0, 0, 0, "", "", "d", 0};
    sc_segw *w;
    sc_err e = {0};
    assert_int_equal(sc_segw_open(path, &w, &e), SC_OK);
    assert_int_equal(sc_segw_docs(w, dm, n_docs, &e), SC_OK);
    for (size_t k = 0; k < nt; k++) assert_int_equal(sc_segw_term(w, t[k].key, t[k].docs, t[k].tfs, t[k].n, t[k].pos, &e), SC_OK);
    assert_int_equal(sc_segw_finish(w, &e), SC_OK);
    sc_seg *s;
    assert_int_equal(sc_seg_open(path, 1, &s, &e), SC_OK);
    assert_int_equal(sc_seg_check(s, &e), SC_OK);
    sc_postit it = {0};
    for (size_t k = 0; k < nt; k++) {
        sc_term st;
        assert_int_equal(sc_seg_term(s, t[k].key, &st), 1);
        assert_int_equal(st.df, t[k].n);
        assert_walk(&it, &st, t[k].docs, t[k].tfs, t[k].n, t[k].pos);
        sc_postit_init(&it, &st);
        assert_int_equal(sc_postit_advance(&it, t[k].docs[t[k].n - 1]), t[k].docs[t[k].n - 1]);
    }
    sc_postit_free(&it);
    sc_seg_release(s);
    free(dm);
}

/* Codes at their limits: Rice escapes in doc gaps, frequencies and position
** gaps; positions at both ends of a document (length 2 has one place);
** lists of 3 and 4 documents (the short form and a block) and of 129 (two
** blocks and a skip table); the segment's last document. */
static void test_codec_edges(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/edges.sxs", dir);
    enum { N = 300, BIG = 1u << 20 };
    uint32_t lens[N];
    for (uint32_t i = 0; i < N; i++) lens[i] = i % 3 == 0 ? 2 : i % 3 == 1 ? BIG : 77;
    /* a pair: tf 40 with one gap of a million (an escape for any k the
       document's length gives), positions 0 and len - 2 */
    static uint32_t pos_a[1 + 40 + 3 + 1];
    static const uint32_t docs_a[] = {0, 1, 2, 299}, tfs_a[] = {1, 40, 3, 1};
    uint32_t np = 0;
    pos_a[np++] = 0;
    for (uint32_t j = 0; j < 39; j++) pos_a[np++] = j;
    pos_a[np++] = BIG - 2;
    pos_a[np++] = 0; pos_a[np++] = 1; pos_a[np++] = 75;
    pos_a[np++] = 75;
    /* the same pair's short form: 3 documents */
    static const uint32_t docs_b[] = {1, 4, 299}, tfs_b[] = {2, 1, 1}, pos_b[] = {5, BIG - 2, 0, 75};
    /* a character in 129 documents: gaps 0 then one escape, a tf escape */
    static uint32_t docs_c[129], tfs_c[129];
    for (uint32_t i = 0; i < 128; i++) { docs_c[i] = i; tfs_c[i] = 1; }
    docs_c[128] = 299;
    tfs_c[128] = 1;
    tfs_c[50] = 100000;
    edge_term t[] = {
        {SC_KEY_UNI('c'), 129, docs_c, tfs_c, NULL},
        {SC_KEY_BI('a', 'b'), 4, docs_a, tfs_a, pos_a},
        {SC_KEY_BI('a', 'c'), 3, docs_b, tfs_b, pos_b},
    };
    edge_roundtrip(path, lens, N, t, 3);
    /* the gap parameter is the documented floor(log2(span / tf)), 0 below 1 */
    srand(9);
    for (int i = 0; i < 1000000; i++) {
        uint32_t len = 2 + (uint32_t)rand() % (i % 2 ? 100000 : 0x7fffffff), p0 = (uint32_t)rand() % (len - 1);
        uint32_t tf = 1 + (uint32_t)rand() % (i % 3 ? 64 : 0x7fffffff), mean = (len - 2 - p0) / tf;
        assert_int_equal(sc_seg_gap_k(len, p0, tf), mean ? 31 - __builtin_clz(mean) : 0);
    }
    /* the writer refuses what it cannot code */
    sc_docmeta dm[4];
    for (uint32_t i = 0; i < 4; i++) dm[i] = (sc_docmeta){i, 10, 0, 0, 0, "", "", "", 0};
    static const struct { uint32_t n, docs[4], tfs[4], pos[4]; } bad[] = {
        {2, {1, 1}, {1, 1}, {0, 0}},          /* a document twice */
        {2, {2, 1}, {1, 1}, {0, 0}},          /* out of order */
        {1, {4}, {1}, {0}},                    /* beyond the segment */
        {1, {0}, {0}, {0}},                    /* tf 0 */
        {1, {0}, {1}, {9}},                    /* a pair cannot start at len - 1 */
        {1, {0}, {2}, {3, 3}},                 /* positions not ascending */
        {4, {0, 1, 2, 3}, {1, 1, 1, 2}, {0, 0, 0, 5}},   /* a block with too few positions left */
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        sc_segw *w;
        sc_err e = {0};
        uint32_t pos[8] = {0};
        memcpy(pos, bad[b].pos, sizeof bad[b].pos);
        if (b == 6) pos[3] = 9, pos[4] = 8;   /* the last doc's second position goes back */
        assert_int_equal(sc_segw_open(path, &w, &e), SC_OK);
        assert_int_equal(sc_segw_docs(w, dm, 4, &e), SC_OK);
        assert_int_equal(sc_segw_term(w, SC_KEY_BI('x', 'y'), bad[b].docs, bad[b].tfs, bad[b].n, pos, &e), SC_EINTERNAL);
        sc_segw_abort(w);
    }
    unlink(path);
}

/* Makes the header's and the body's checksums right again after a change,
** so that what reads the file meets the damage itself. */
static void fix_crcs(const char *path)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    uint8_t *b = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(b, 1, (size_t)size, f), (size_t)size);
    sc_seg_reseal(b, (size_t)size);
    fseek(f, 0, SEEK_SET);
    fwrite(b, 1, (size_t)size, f);
    fclose(f);
    free(b);
}

static void patch(const char *path, long at, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    fwrite(bytes, 1, n, f);
    fclose(f);
    fix_crcs(path);
}

/* Format 3's position groups: a start that disagrees with the positions
** (checksums made right) fails the check, which decodes every doc in
** turn, and an iterator that jumps by it reads nothing outside the mapping. */
static void test_position_groups_damage(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/groups.sxs", dir);
    enum { N = 100 };
    sc_docmeta dm[N];
    uint32_t docs[N], tfs[N], pos[N];
    for (uint32_t i = 0; i < N; i++) {
        dm[i] = (sc_docmeta){i, 5000, 3, 2020, 20200101, "t", "s", "id", 0};
        docs[i] = i, tfs[i] = 1, pos[i] = 1 + i;
    }
    sc_segw *w;
    sc_err e = {0};
    assert_int_equal(sc_segw_open(path, &w, &e), SC_OK);
    assert_int_equal(sc_segw_docs(w, dm, N, &e), SC_OK);
    assert_int_equal(sc_segw_term(w, SC_KEY_BI('a', 'b'), docs, tfs, N, pos, &e), SC_OK);
    assert_int_equal(sc_segw_finish(w, &e), SC_OK);
    sc_seg *s;
    sc_term t;
    sc_postit it = {0};
    assert_int_equal(sc_seg_open(path, 1, &s, &e), SC_OK);
    assert_int_equal(sc_seg_term(s, SC_KEY_BI('a', 'b'), &t), 1);
    sc_postit_init(&it, &t);
    assert_int_equal(sc_postit_advance(&it, 70), 70);
    uint32_t m;
    const uint32_t *ps = sc_postit_positions(&it, &m);
    assert_non_null(ps);
    assert_int_equal(m, 1);
    assert_int_equal(ps[0], 71);
    /* 13 bits a doc's position (len 5000): groups start at 416, 832, 1248 */
    assert_int_equal(it.group_w, 11);
    uint64_t at = (uint64_t)(it.bs - s->map) * 8 + it.group_at;
    sc_postit_free(&it);
    sc_seg_release(s);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t byte;
    assert_int_equal(fseek(f, (long)(at / 8), SEEK_SET), 0);
    assert_int_equal(fread(&byte, 1, 1, f), 1);
    fclose(f);
    byte ^= (uint8_t)(1u << (at % 8));     /* group 1 starts at 417 */
    patch(path, (long)(at / 8), &byte, 1);
    assert_int_equal(sc_seg_open(path, 1, &s, &e), SC_OK);
    assert_int_equal(sc_seg_check(s, &e), SC_EINDEX);
    assert_int_equal(sc_seg_term(s, SC_KEY_BI('a', 'b'), &t), 1);
    sc_postit_init(&it, &t);
    for (uint32_t d = 33; d < N; d += 9) {
        if (sc_postit_advance(&it, d) == SC_DOC_END) break;
        ps = sc_postit_positions(&it, &m);
        for (uint32_t j = 0; ps && j < m; j++) assert_true(ps[j] < 5000);
    }
    sc_postit_free(&it);
    sc_seg_release(s);
    unlink(path);
}

/* Damage that the checksums do not catch (they were made right): each part
** of format 2 is validated by open or by check, and random damage in the
** postings gives SC_OK or SC_EINDEX and reads nothing outside the mapping. */
static void test_seg_damage(void **state)
{
    (void)state;
    char path[600], orig[600];
    snprintf(path, sizeof path, "%s/dmg.sxs", dir);
    snprintf(orig, sizeof orig, "%s/dmg-orig.sxs", dir);
    enum { N = 400 };
    sc_docmeta dm[N];
    uint32_t lens[N], docs[N], tfs[N], pos[2 * N];
    for (uint32_t i = 0; i < N; i++) {
        lens[i] = 50 + i;
        dm[i] = (sc_docmeta){i, lens[i], 3, 2020, 20200101, "讲话", "", "poetry-0001", 0};
        docs[i] = i;
        tfs[i] = 1 + i % 2;
        pos[2 * i] = i % 7;
        pos[2 * i + 1] = 20 + i % 9;
    }
    uint32_t pp[2 * N], np = 0;
    for (uint32_t i = 0; i < N; i++) for (uint32_t j = 0; j < tfs[i]; j++) pp[np++] = pos[2 * i + j];
    sc_segw *w;
    sc_err e = {0};
    assert_int_equal(sc_segw_open(orig, &w, &e), SC_OK);
    assert_int_equal(sc_segw_docs(w, dm, N, &e), SC_OK);
    assert_int_equal(sc_segw_term(w, SC_KEY_UNI('a'), docs, tfs, N, NULL, &e), SC_OK);
    assert_int_equal(sc_segw_term(w, SC_KEY_BI('a', 'b'), docs, tfs, N, pp, &e), SC_OK);
    assert_int_equal(sc_segw_term(w, SC_KEY_BI('a', 'c'), docs + 5, tfs + 5, 2, pp + 7, &e), SC_OK);   /* a short list */
    assert_int_equal(sc_segw_finish(w, &e), SC_OK);
    (void)lens;
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", orig, path);
    sc_seg *s;
    /* a column directory entry: kind, width, base, offset (docs section at 128) */
    struct { long at; uint64_t v; int n; int at_open; const char *what; } cases[] = {
        {128 + 24 * SC_COL_TYPE + 8, 1ull << 40, 8, 0, "string offset"},    /* type base beyond the strings */
        {128 + 24 * SC_COL_LEN + 4, 4, 4, 1, "length column"},              /* len narrower than 8 bits */
        {128 + 24 * SC_COL_DATE + 16, 1ull << 30, 8, 1, "column extent"},   /* data beyond the section */
        {128 + 24 * SC_COL_YEAR + 0, 7, 4, 1, "column kind"},
        {128 + 24 * SC_COL_ID_PAT + 8, 1ull << 50 | 4, 8, 0, "id"},        /* a prefix beyond the strings */
        {128 + 24 * SC_COL_TITLE_LEN + 8, 1ull << 20, 8, 0, "title length"},
        {88, 12345, 8, 0, "document lengths"},                               /* total_len */
        {8, 1, 4, 1, "older sucai"},                                         /* format 1 */
        {8, 99, 4, 1, "newer sucai"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assert_int_equal(system(cmd), 0);
        patch(path, cases[c].at, &cases[c].v, (size_t)cases[c].n);
        int rc = sc_seg_open(path, 1, &s, &e);
        if (cases[c].at_open) {
            assert_int_equal(rc, SC_EINDEX);
        } else {
            if (rc != SC_OK || sc_seg_check(s, &e) != SC_EINDEX) fail_msg("case %zu: open %d, check passed", c, rc);
            sc_seg_release(s);
        }
        if (!strstr(e.msg, cases[c].what)) fail_msg("case %zu: %s", c, e.msg);
    }
    /* random bytes of the postings and dictionary, checksums made right */
    assert_int_equal(sc_seg_open(orig, 1, &s, &e), SC_OK);
    long from = (long)(s->post - s->map), to = from + (long)s->post_len;   /* the postings, not their padding */
    sc_seg_release(s);
    srand(5);
    int caught = 0;
    for (int round = 0; round < 300; round++) {
        assert_int_equal(system(cmd), 0);
        uint8_t x = (uint8_t)(1 + rand() % 255);
        long at = from + rand() % (to - from);
        FILE *f = fopen(path, "r+b");
        fseek(f, at, SEEK_SET);
        int c = fgetc(f);
        fseek(f, at, SEEK_SET);
        fputc(c ^ x, f);
        fclose(f);
        fix_crcs(path);
        if (sc_seg_open(path, 1, &s, &e) != SC_OK) continue;
        int rc = sc_seg_check(s, &e);
        assert_true(rc == SC_OK || rc == SC_EINDEX);
        caught += rc == SC_EINDEX;
        sc_postit it = {0};
        sc_term t;
        for (uint64_t key = SC_KEY_UNI('a'); key; key = key == SC_KEY_UNI('a') ? SC_KEY_BI('a', 'b') : 0) {
            if (!sc_seg_term(s, key, &t)) continue;
            sc_postit_init(&it, &t);
            for (uint32_t d = sc_postit_next(&it); d != SC_DOC_END; d = sc_postit_next(&it)) {
                assert_true(d < s->n_docs);
                uint32_t m;
                sc_postit_positions(&it, &m);
            }
        }
        sc_postit_free(&it);
        sc_seg_release(s);
    }
    /* a change to a frequency or to a position's low bits is still valid
       postings (the checksum is what sees those): 134 of 300 are caught */
    assert_true(caught >= 100);
    unlink(path);
    unlink(orig);
}

/* ---- concurrency: readers see whole commits while the writer works ------ */

typedef struct reader_arg { sc_index *ix; volatile int *stop; int errors, searches; } reader_arg;

static void *reader(void *p)
{
    reader_arg *a = p;
    uint64_t last = 0;
    while (!*a->stop) {
        sc_search_opts o = {.query = "并发测试", .limit = 5};
        sc_results *r;
        sc_err e = {0};
        if (sc_search(a->ix, NULL, &o, &r, &e)) { a->errors++; continue; }
        /* each commit adds 10 matching docs: a search sees whole commits, never fewer than before */
        if (r->total % 10 || r->total < last) a->errors++;
        last = r->total;
        a->searches++;
        sc_results_free(r);
    }
    return NULL;
}

static void test_concurrency(void **state)
{
    (void)state;
    sc_index *ix;
    sc_err e = {0};
    assert_int_equal(sc_index_open(dir, &ix, &e), SC_OK);
    volatile int stop = 0;
    reader_arg args[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        args[i] = (reader_arg){ix, &stop, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    }
    int num = 0;
    for (int c = 0; c < 25; c++) {      /* > MERGE_MAX commits: merges run under the readers */
        for (int k = 0; k < 10; k++, num++) {
            char text[200], id[32];
            snprintf(text, sizeof text, "标题%d\n这是并发测试文档%d号", num, num);
            snprintf(id, sizeof id, "p%d", num);
            sc_doc d = {0};
            d.id = id;
            d.text = text;
            d.len = strlen(text);
            d.free_len = d.len;
            assert_int_equal(sc_index_add(ix, num, &d, &e), SC_OK);
        }
        assert_int_equal(sc_index_commit(ix, c + 1, &e), SC_OK);
    }
    stop = 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].errors, 0);
    }
    sc_search_opts o = {.query = "并发测试", .count_only = 1};
    sc_results *r;
    assert_int_equal(sc_search(ix, NULL, &o, &r, &e), SC_OK);
    assert_int_equal(r->total, 250);
    sc_results_free(r);
    sc_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test_setup_teardown(test_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seg_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_position_groups_damage, setup, teardown),
        cmocka_unit_test(test_query_errors),
        cmocka_unit_test_setup_teardown(test_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paywall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snippet_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_title_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_reload, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
