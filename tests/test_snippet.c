/* test_snippet.c — snippets (snippet.c), which normalise the body a chunk
** at a time and weigh windows as they scan: against a reference that
** normalises the whole text at once and tries every window (the rule of
** snippet.h written out plainly) on random documents and queries, long
** ones across chunk edges included; and the cases by hand: a phrase
** across a chunk edge, a window chosen past thousands of occurrences, the
** paywall flag, a text that is only its title line.  Also sc_normalize_step
** against sc_normalize. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "query.h"
#include "search.h"
#include "snippet.h"
#include "utf8.h"

/* ---- the reference ------------------------------------------------------ */

typedef struct rocc { size_t s, n, id; } rocc;

static int cmp_rocc(const void *a, const void *b)
{
    const rocc *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s ? 1 : (x->n < y->n) - (x->n > y->n);
}

static int ref_in(const uint32_t *t, size_t n, const sc_qalt *al)
{
    for (size_t i = 0; i + al->n <= n; i++)
        if (!memcmp(t + i, al->cps, al->n * 4)) return 1;
    return 0;
}

/* snippet.h's rule on the whole normalised text. */
static void ref_snippet(const sc_doc *doc, int full, const sc_query *q, sc_hit *h)
{
    const char *text = doc->text;
    size_t len = doc->len;
    sc_norm nm = {0};
    assert_int_equal(sc_normalize(text, len, 1, &nm), SC_OK);
    size_t n = nm.n, body = 0, tl = 0;
    int has_title = sc_text_has_title(text, len, doc->title);
    if (has_title) {
        body = tl = n;                 /* a text that is only its title line */
        for (size_t i = 0; i < n; i++) if (nm.cps[i] == '\n') { tl = i; body = i + 1; break; }
    }
    sc_norm tn = {0};
    const uint32_t *title = nm.cps;
    if (!has_title) {
        assert_int_equal(sc_normalize(doc->title, strlen(doc->title), 0, &tn), SC_OK);
        title = tn.cps;
        tl = tn.n;
    }
    rocc *o = calloc(n + 1, sizeof *o * 8);
    size_t k = 0, id = 0;
    int in_title = 0, any_phrase = 0;
    for (size_t c = 0; c < q->n; c++) {
        if (q->c[c].neg) continue;
        for (size_t a = 0; a < q->c[c].n; a++, id++) {
            const sc_qalt *al = &q->c[c].alts[a];
            if (al->kind != SC_Q_PHRASE && al->kind != SC_Q_TITLE) continue;
            if (al->kind == SC_Q_PHRASE) any_phrase = 1;
            if (!al->n) continue;
            in_title |= ref_in(title, tl, al);
            if (al->kind == SC_Q_TITLE) continue;
            for (size_t i = body; i + al->n <= n; i++)
                if (!memcmp(nm.cps + i, al->cps, al->n * 4)) o[k++] = (rocc){i, al->n, id & 255};
        }
    }
    qsort(o, k, sizeof *o, cmp_rocc);
    size_t best = SIZE_MAX;
    int best_d = 0, best_c = 0;
    for (size_t i = 0; i < k; i++) {
        int seen[256] = {0}, d = 0, c = 0;
        for (size_t j = i; j < k && o[j].s + o[j].n <= o[i].s + SC_SNIPPET_CHARS - 20; j++, c++)
            if (!seen[o[j].id]++) d++;
        if (d > best_d || (d == best_d && c > best_c)) { best = i; best_d = d; best_c = c; }
    }
    size_t ws = body;
    if (best == SIZE_MAX) h->in_paid_part = !full && !in_title && any_phrase;
    else {
        ws = o[best].s > body + 20 ? o[best].s - 20 : body;
        h->in_paid_part = full && nm.off[o[best].s] >= doc->free_len;
    }
    size_t we = ws + SC_SNIPPET_CHARS < n ? ws + SC_SNIPPET_CHARS : n;
    size_t bs = nm.off[ws], be = nm.off[we];
    h->snippet = malloc(be - bs + 1);
    for (size_t i = bs; i < be; i++) h->snippet[i - bs] = text[i] == '\n' ? ' ' : text[i];
    h->snippet[be - bs] = 0;
    h->highlights = calloc(k + 1, sizeof *h->highlights);
    h->n_highlights = 0;
    for (size_t j = 0; best != SIZE_MAX && j < k; j++) {
        if (o[j].s < ws || o[j].s + o[j].n > we) continue;
        uint32_t s = (uint32_t)sc_utf8_count(text + bs, nm.off[o[j].s] - bs);
        uint32_t l = (uint32_t)sc_utf8_count(text + nm.off[o[j].s], nm.off[o[j].s + o[j].n] - nm.off[o[j].s]);
        uint32_t (*hl)[2] = h->highlights;
        size_t *nh = &h->n_highlights;
        if (*nh && s <= hl[*nh - 1][0] + hl[*nh - 1][1]) {
            uint32_t e = s + l > hl[*nh - 1][0] + hl[*nh - 1][1] ? s + l : hl[*nh - 1][0] + hl[*nh - 1][1];
            hl[*nh - 1][1] = e - hl[*nh - 1][0];
        } else {
            hl[*nh][0] = s;
            hl[*nh][1] = l;
            (*nh)++;
        }
    }
    free(o);
    sc_norm_free(&nm);
    sc_norm_free(&tn);
}

/* ---- comparing ---------------------------------------------------------- */

static void hit_free(sc_hit *h)
{
    free(h->snippet);
    free(h->highlights);
    memset(h, 0, sizeof *h);
}

/* What the index counts for sc_snippet's body_occ: occurrences of the
** positive phrases in the body of the whole text (free and paid part;
** d->text holds all of it even where d->len is the free part). */
static uint32_t ref_body_occ(const sc_doc *d, const sc_query *q)
{
    const char *text = d->text;
    size_t len = strlen(text);
    sc_norm nm = {0};
    assert_int_equal(sc_normalize(text, len, 0, &nm), SC_OK);
    size_t body = 0;
    if (sc_text_has_title(text, len, d->title)) {
        body = nm.n;
        for (size_t i = 0; i < nm.n; i++) if (nm.cps[i] == '\n') { body = i + 1; break; }
    }
    uint32_t k = 0;
    for (size_t c = 0; c < q->n; c++) {
        for (size_t a = 0; !q->c[c].neg && a < q->c[c].n; a++) {
            const sc_qalt *al = &q->c[c].alts[a];
            if (al->kind != SC_Q_PHRASE || !al->n) continue;
            for (size_t i = body; i + al->n <= nm.n; i++) k += !memcmp(nm.cps + i, al->cps, al->n * 4);
        }
    }
    sc_norm_free(&nm);
    return k;
}

/* sc_snippet agrees with the reference, both when it scans to the end
** (count unknown) and when it stops at the index's count of occurrences;
** returns the hit for more checks (caller frees with hit_free). */
static sc_hit check_doc(const sc_doc *d, int full, const char *query)
{
    sc_query q;
    sc_err e = {0};
    if (sc_query_parse(query, &q, &e)) fail_msg("query [%s]: %s", query, e.msg);
    sc_hit got = {0}, want = {0}, early = {0};
    assert_int_equal(sc_snippet(d, full, &q, SC_OCC_UNKNOWN, &got, &e), SC_OK);
    assert_int_equal(sc_snippet(d, full, &q, ref_body_occ(d, &q), &early, &e), SC_OK);
    ref_snippet(d, full, &q, &want);
    if (strcmp(early.snippet, want.snippet) || early.in_paid_part != want.in_paid_part ||
        early.n_highlights != want.n_highlights ||
        (early.n_highlights && memcmp(early.highlights, want.highlights, early.n_highlights * sizeof *early.highlights)))
        fail_msg("[%s] full=%d len=%zu: stopping at %u occurrences gave [%s], want [%s]", query, full, d->len,
                 ref_body_occ(d, &q), early.snippet, want.snippet);
    hit_free(&early);
    if (strcmp(got.snippet, want.snippet))
        fail_msg("[%s] full=%d len=%zu: snippet\n  got  [%s]\n  want [%s]", query, full, d->len, got.snippet, want.snippet);
    if (got.in_paid_part != want.in_paid_part) fail_msg("[%s]: in_paid_part %d, want %d", query, got.in_paid_part, want.in_paid_part);
    if (got.n_highlights != want.n_highlights) fail_msg("[%s]: %zu highlights, want %zu", query, got.n_highlights, want.n_highlights);
    for (size_t i = 0; i < got.n_highlights; i++)
        if (got.highlights[i][0] != want.highlights[i][0] || got.highlights[i][1] != want.highlights[i][1])
            fail_msg("[%s]: highlight %zu [%u,%u], want [%u,%u]", query, i, got.highlights[i][0], got.highlights[i][1],
                     want.highlights[i][0], want.highlights[i][1]);
    hit_free(&want);
    sc_query_free(&q);
    return got;
}

static sc_doc make_doc(const char *title, const char *text, size_t free_len)
{
    sc_doc d = {0};
    d.title = (char *)title;
    d.text = (char *)text;
    d.len = strlen(text);
    d.free_len = free_len;
    return d;
}

static const char *pieces[] = {"廉政", "建设", "，", "\n", " ", "  ", "\t", "　", "党风", "廉", "政", "建", "設", "GDP", "gdp",
                               "增长", "５G", "5g", "的", "A", "b", "ab", "。", "\xc2\xa0", "x", "廉政建设", "\xff",
                               "\xe5\xbb", "\xed\xa0\x80", "\xe0\x80\xaf", "\xf0\x9f\x98\x80", "Ä", "\xef\xbc\xa1"};

/* Random text of about `chars` pieces, title line first unless none. */
static char *random_text(size_t chars, int title)
{
    sc_buf b = SC_BUF_INIT;
    if (title) sc_buf_adds(&b, "标题廉政\n");
    for (size_t i = 0; i < chars; i++) sc_buf_adds(&b, pieces[rand() % (int)(sizeof pieces / sizeof pieces[0])]);
    return sc_buf_detach(&b);
}

static const char *qpieces[] = {"廉政", "建设", "廉", "的", "gdp", "5G", "\"a b\"", "ab", "，", "廉政建设", "\" \"", "x",
                                "title:廉政", "year:2020", "政建", "的的", "b", "。"};

static char *random_query(void)
{
    sc_buf b = SC_BUF_INIT;
    int clauses = 1 + rand() % 3;
    for (int c = 0; c < clauses; c++) {
        if (c) sc_buf_addc(&b, ' ');
        if (c && rand() % 4 == 0) sc_buf_addc(&b, '-');
        int alts = 1 + (rand() % 4 == 0);
        for (int a = 0; a < alts; a++) {
            if (a) sc_buf_addc(&b, '|');
            sc_buf_adds(&b, qpieces[rand() % (int)(sizeof qpieces / sizeof qpieces[0])]);
        }
    }
    return sc_buf_detach(&b);
}

/* ---- the tests ---------------------------------------------------------- */

static void test_random(void **state)
{
    (void)state;
    srand(7);
    for (int i = 0; i < 600; i++) {
        /* short texts, and long ones over several chunks of 4096 */
        size_t chars = i % 10 == 0 ? 2000 + (size_t)(rand() % 12000) : (size_t)(rand() % 300);
        int title = rand() % 4 != 0;
        char *t = random_text(chars, title);
        size_t len = strlen(t);
        size_t free_len = (size_t)rand() % (len + 1);
        while (free_len < len && ((unsigned char)t[free_len] & 0xC0) == 0x80) free_len++;
        sc_doc full = make_doc(title ? "标题廉政" : "另一个廉政标题", t, free_len);
        sc_doc vis = full;
        vis.len = free_len;              /* what the store gives a visitor */
        for (int k = 0; k < 4; k++) {
            char *q = random_query();
            sc_query tmp;
            sc_err e = {0};
            if (sc_query_parse(q, &tmp, &e) == SC_OK) {
                sc_query_free(&tmp);
                sc_hit h = check_doc(&full, 1, q);
                hit_free(&h);
                h = check_doc(&vis, 0, q);
                hit_free(&h);
            }
            free(q);
        }
        free(t);
    }
}

/* A phrase across the edge of the first chunk (4096 characters). */
static void test_chunk_edge(void **state)
{
    (void)state;
    for (size_t at = 4080; at < 4100; at++) {
        sc_buf b = SC_BUF_INIT;
        sc_buf_adds(&b, "标题\n");
        for (size_t i = 0; i < at; i++) sc_buf_adds(&b, "文");
        sc_buf_adds(&b, "清廉机关建设");
        for (size_t i = 0; i < 300; i++) sc_buf_adds(&b, "字");
        sc_doc d = make_doc("标题", b.data, b.len);
        sc_hit h = check_doc(&d, 1, "清廉机关建设");
        assert_non_null(strstr(h.snippet, "清廉机关建设"));
        assert_int_equal(h.n_highlights, 1);
        assert_int_equal(h.highlights[0][0], 20);
        assert_int_equal(h.highlights[0][1], 6);
        hit_free(&h);
        sc_buf_free(&b);
    }
}

/* A run of 200 ideographic spaces and tabs is one character: the
** occurrences X and B on either side of it share a window, which must win
** over the lone ones (at the start, and A), for every f that moves X
** across the end of a chunk. */
static void test_whitespace_run_in_window(void **state)
{
    (void)state;
    for (size_t f = 200; f < 261; f++) {
        sc_buf b = SC_BUF_INIT;
        sc_buf_adds(&b, "标题\n廉政");
        for (size_t i = 0; i < 700; i++) sc_buf_adds(&b, "文");
        sc_buf_adds(&b, "廉政");                      /* A */
        for (size_t i = 0; i < f; i++) sc_buf_adds(&b, "文");
        sc_buf_adds(&b, "廉政");                      /* X */
        for (size_t i = 0; i < 200; i++) sc_buf_adds(&b, i % 7 ? "　" : " \t");
        for (size_t i = 0; i < 30; i++) sc_buf_adds(&b, "字");
        sc_buf_adds(&b, "廉政");                      /* B */
        for (size_t i = 0; i < 300; i++) sc_buf_adds(&b, "尾");
        sc_doc d = make_doc("标题", b.data, b.len);
        sc_hit h = check_doc(&d, 1, "廉政");
        assert_int_equal(h.n_highlights, 2);          /* the pair, not a lone one */
        assert_non_null(strstr(h.snippet, "字廉政尾"));
        hit_free(&h);
        sc_buf_free(&b);
    }
}

/* Every occurrence counts: 3,000 lone ones, then the only window holding
** five (an implementation that stopped counting at 2,000 missed it). */
static void test_many_occurrences(void **state)
{
    (void)state;
    sc_buf b = SC_BUF_INIT;
    sc_buf_adds(&b, "标题\n");
    for (int i = 0; i < 3000; i++) sc_buf_adds(&b, "廉一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十。");
    sc_buf_adds(&b, "尾声廉廉廉廉廉。");
    sc_doc d = make_doc("标题", b.data, b.len);
    sc_hit h = check_doc(&d, 1, "廉");
    assert_non_null(strstr(h.snippet, "尾声廉廉廉廉廉"));
    assert_int_equal(h.n_highlights, 1);            /* five adjacent: merged */
    assert_int_equal(h.highlights[0][1], 5);
    hit_free(&h);
    sc_buf_free(&b);
}

static void test_paywall_flag(void **state)
{
    (void)state;
    const char *t = "总结\n免费的开头。付费部分讲清廉机关建设。";
    size_t free_len = (size_t)(strstr(t, "付费") - t);
    sc_doc full = make_doc("总结", t, free_len), vis = full;
    vis.len = free_len;
    sc_hit h = check_doc(&full, 1, "清廉机关");
    assert_int_equal(h.in_paid_part, 1);
    assert_int_equal(h.n_highlights, 1);
    hit_free(&h);
    h = check_doc(&vis, 0, "清廉机关");
    assert_int_equal(h.in_paid_part, 1);
    assert_string_equal(h.snippet, "免费的开头。");
    assert_int_equal(h.n_highlights, 0);
    hit_free(&h);
    h = check_doc(&vis, 0, "开头");
    assert_int_equal(h.in_paid_part, 0);
    hit_free(&h);
    /* a text that is only its title line: the phrase is in the title, to
       its last character */
    sc_doc one = make_doc("清廉机关", "清廉机关", 12);
    h = check_doc(&one, 0, "机关");
    assert_int_equal(h.in_paid_part, 0);
    assert_string_equal(h.snippet, "");
    hit_free(&h);
}

/* normalize.h's rule a code point at a time: sc_utf8_next (U+FFFD for a
** bad byte), sc_norm_char, one space for a run. */
static size_t ref_normalize(const char *t, size_t len, uint32_t *cps, uint32_t *off)
{
    size_t i = 0, n = 0;
    while (i < len) {
        size_t at = i;
        int32_t v = sc_utf8_next(t, len, &i);
        uint32_t f = sc_norm_char(v < 0 ? 0xFFFD : (uint32_t)v);
        if (f == ' ' && n && cps[n - 1] == ' ') continue;
        cps[n] = f;
        off[n++] = (uint32_t)at;
    }
    return n;
}

/* sc_normalize follows the rule, and sc_normalize_step in pieces of every
** size joins into it. */
static void test_normalize_step(void **state)
{
    (void)state;
    srand(11);
    for (int i = 0; i < 50; i++) {
        char *t = random_text((size_t)(rand() % 500), rand() % 2);
        size_t len = strlen(t);
        sc_norm whole = {0};
        assert_int_equal(sc_normalize(t, len, 1, &whole), SC_OK);
        uint32_t *cps = malloc((len + 1) * 4), *off = malloc((len + 1) * 4);
        assert_int_equal(ref_normalize(t, len, cps, off), whole.n);
        assert_memory_equal(cps, whole.cps, whole.n * 4);
        assert_memory_equal(off, whole.off, whole.n * 4);
        size_t piece = 1 + (size_t)(rand() % 7), pos = 0, n = 0;
        uint32_t prev = 0;
        for (size_t got; (got = sc_normalize_step(t, len, &pos, &prev, cps + n, off + n, piece)); n += got)
            assert_true(got == piece || pos == len);
        assert_int_equal(n, whole.n);
        assert_memory_equal(cps, whole.cps, n * 4);
        assert_memory_equal(off, whole.off, n * 4);
        free(cps);
        free(off);
        sc_norm_free(&whole);
        free(t);
    }
}

/* Long texts that hold the query's phrases in a few places, most of them
** early: the scan stops at the index's count, long before the end, and
** the choice must be the reference's all the same (check_doc). */
/* sc_normalize_skip lands where sc_normalize's n-th code point starts, for
** every n, in valid texts made of runs long enough for its eight-byte steps
** and of every kind of whitespace around them (U+3000 and the CJK
** punctuation that shares its first byte, U+00A0, U+1680, U+2003, tabs,
** line breaks), passed over in pieces of random size. */
static const char *skip_pieces[] = {"建设廉政建设", "abcdefghij", "ＧＤＰ增长", "　", " ", "  ", "\t", "\n", "、", "。",
                                    "\xe3\x80\x80", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x83", "Ä", "廉",
                                    "\xf0\x9f\x98\x80", "x", "五"};

static void test_normalize_skip(void **state)
{
    (void)state;
    srand(17);
    for (int i = 0; i < 300; i++) {
        sc_buf b = SC_BUF_INIT;
        size_t np = (size_t)(rand() % 200);
        for (size_t k = 0; k < np; k++)
            sc_buf_adds(&b, skip_pieces[rand() % (int)(sizeof skip_pieces / sizeof skip_pieces[0])]);
        sc_buf_adds(&b, "");                                 /* (keeps a terminator past len) */
        const char *t = b.data ? b.data : "";
        size_t len = b.len;
        sc_norm whole = {0};
        assert_int_equal(sc_normalize(t, len, 1, &whole), SC_OK);
        for (size_t n = 0; n <= whole.n + 2; n++) {           /* from the start */
            size_t pos = 0;
            uint32_t prev = 0;
            size_t got = sc_normalize_skip(t, len, &pos, &prev, n);
            assert_int_equal(got, n < whole.n ? n : whole.n);
            assert_int_equal(pos, n < whole.n ? whole.off[n] : len);
        }
        size_t pos = 0, at = 0;                               /* in pieces */
        uint32_t prev = 0;
        while (at < whole.n) {
            size_t step = (size_t)(rand() % 40);
            at += sc_normalize_skip(t, len, &pos, &prev, step);
            assert_int_equal(pos, at < whole.n ? whole.off[at] : len);
        }
        sc_norm_free(&whole);
        sc_buf_free(&b);
    }
}

static const char *filler[] = {"的了是在我有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天",
                               "，", "。", "\n", " ", "\t\t", "　　", "\xc2\xa0", "123", "xyz", "\xff"};
static const char *needle[] = {"廉政建设", "廉政建設", "ＧＤＰ增长", "gdp增长", "廉 政", "GDP", "建设"};

static void test_sparse(void **state)
{
    (void)state;
    srand(13);
    const char *queries[] = {"廉政建设", "廉政", "gdp", "gdp增长 廉政", "建设|gdp", "廉", "\"政 建\"", "设 -xyz"};
    for (int i = 0; i < 200; i++) {
        sc_buf b = SC_BUF_INIT;
        sc_buf_adds(&b, "标题\n");
        size_t pieces_n = 200 + (size_t)(rand() % 3000);
        for (size_t k = 0; k < pieces_n; k++) {
            int r = rand() % 600;
            /* needles: mostly in the first fifth of the text, some later */
            if (r < (k < pieces_n / 5 ? 20 : 1)) sc_buf_adds(&b, needle[rand() % (int)(sizeof needle / sizeof needle[0])]);
            else sc_buf_adds(&b, filler[rand() % (int)(sizeof filler / sizeof filler[0])]);
        }
        size_t free_len = (size_t)rand() % (b.len + 1);
        while (free_len < b.len && ((unsigned char)b.data[free_len] & 0xC0) == 0x80) free_len++;
        sc_doc full = make_doc("标题", b.data, free_len);
        sc_doc vis = full;
        vis.len = free_len;
        for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
            sc_hit h = check_doc(&full, 1, queries[k]);
            hit_free(&h);
            h = check_doc(&vis, 0, queries[k]);
            hit_free(&h);
        }
        sc_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_step),
        cmocka_unit_test(test_normalize_skip),
        cmocka_unit_test(test_chunk_edge),
        cmocka_unit_test(test_whitespace_run_in_window),
        cmocka_unit_test(test_many_occurrences),
        cmocka_unit_test(test_paywall_flag),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_sparse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
