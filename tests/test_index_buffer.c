/* test_index_buffer.c — the index writer's buffer (index_buffer.c) against
** a model: every (key, doc, position) of the documents added, generated
** character by character and put in order with qsort, must be exactly
** what the segment written by sc_membuf_flush holds, term by term and in
** the same key order.  The buffer inverts with counting and radix sorts
** over dense character ids; the model shares none of that.  Documents mix
** several thousand distinct characters (so the radix sort takes two
** passes), characters above U+30000 (the buffer's hash path), empty lines,
** one-character documents and documents with no body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "index.h"
#include "index_priv.h"
#include "index_seg.h"
#include "normalize.h"
#include "test_tmpdir.h"

typedef struct triple { uint64_t key; uint32_t doc, pos; } triple;

static int cmp_triple(const void *a, const void *b)
{
    const triple *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->doc != y->doc) return x->doc < y->doc ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* A random character: mostly common Han, some rare Han, Latin, digits,
** characters beyond the buffer's direct table, now and then a line break. */
static uint32_t random_cp(void)
{
    uint32_t r = next_rand() % 1000;
    if (r < 550) return 0x4E00 + next_rand() % 300;      /* frequent */
    if (r < 800) return 0x4E00 + next_rand() % 6000;     /* many distinct */
    if (r < 900) return 'a' + next_rand() % 26;
    if (r < 940) return '0' + next_rand() % 10;
    if (r < 960) return 0x30000 + next_rand() % 40;      /* CJK Ext. G */
    if (r < 965) return 0x10FFF0 + next_rand() % 14;     /* plane 16 */
    if (r < 985) return 0x3002;                          /* 。 */
    return '\n';
}

static char *random_text(size_t chars)
{
    sc_buf b = SC_BUF_INIT;
    for (size_t i = 0; i < 1 + next_rand() % 12; i++) sc_buf_add_cp(&b, 0x4E00 + next_rand() % 300);   /* title */
    sc_buf_addc(&b, '\n');
    for (size_t i = 0; i < chars; i++) sc_buf_add_cp(&b, random_cp());
    return sc_buf_detach(&b);
}

/* The model's occurrences of one normalised document. */
static void model_doc(const sc_norm *nm, uint32_t doc, triple **t, size_t *n, size_t *cap)
{
    const uint32_t *c = nm->cps;
    uint32_t len = (uint32_t)nm->n, title = len;
    for (uint32_t i = 0; i < len; i++) if (c[i] == '\n') { title = i; break; }
    for (uint32_t i = 0; i < len; i++) {
        if (c[i] == '\n') continue;
        if (*n + 3 > *cap) {
            *cap = *cap ? *cap * 2 : 4096;
            *t = realloc(*t, *cap * sizeof **t);
            assert_non_null(*t);
        }
        (*t)[(*n)++] = (triple){SC_KEY_UNI(c[i]), doc, i};
        if (i < title) (*t)[(*n)++] = (triple){SC_KEY_TUNI(c[i]), doc, i};
        if (i + 1 < len && c[i + 1] != '\n') (*t)[(*n)++] = (triple){SC_KEY_BI(c[i], c[i + 1]), doc, i};
    }
}

/* Compares the segment's term t with the model's run m[0..n) of t's key. */
static void check_term(const sc_term *t, const triple *m, size_t n)
{
    sc_postit it = {0};     /* zeroed: init keeps its position buffer */
    sc_postit_init(&it, t);
    size_t k = 0;
    uint32_t df = 0;
    for (uint32_t d = sc_postit_next(&it); d != SC_DOC_END; d = sc_postit_next(&it), df++) {
        assert_true(k < n);
        assert_int_equal(d, m[k].doc);
        size_t e = k;
        while (e < n && m[e].doc == d) e++;
        assert_int_equal(sc_postit_tf(&it), e - k);
        if (SC_KEY_POSITIONAL(t->key)) {
            uint32_t np = 0;
            const uint32_t *p = sc_postit_positions(&it, &np);
            assert_non_null(p);
            assert_int_equal(np, e - k);
            for (uint32_t j = 0; j < np; j++) assert_int_equal(p[j], m[k + j].pos);
        }
        k = e;
    }
    assert_int_equal(k, n);
    assert_int_equal(df, t->df);
    assert_false(it.bad);
    sc_postit_free(&it);
}

/* Adds up to n_docs random documents (fewer when a buffer whose records
** may take only max_bits bits (0: 64) refuses one) and checks the flushed
** segment against the model; returns how many went in. */
static size_t run_model(size_t n_docs, size_t max_chars, unsigned max_bits)
{
    char dir[512], path[600];
    test_tmpdir_make(dir, sizeof dir, "membuf");
    snprintf(path, sizeof path, "%s/seg-000001.sxs", dir);
    sc_membuf mb = {.max_bits = max_bits};
    sc_norm nm = {0};
    triple *t = NULL;
    size_t nt = 0, cap = 0;
    for (uint32_t d = 0; d < n_docs; d++) {
        size_t chars = d % 17 == 0 ? d % 3 : next_rand() % max_chars;   /* some tiny ones */
        sc_doc doc = {0};
        doc.title = strdup("t");
        doc.text = random_text(chars);
        char *nl = strchr(doc.text, '\n');
        free(doc.title);
        doc.title = strndup(doc.text, (size_t)(nl - doc.text));
        doc.len = strlen(doc.text);
        size_t seq_before = mb.n_seq;
        int rc = sc_membuf_add(&mb, 1000 + d, &doc);
        if (rc == SC_ELIMIT && max_bits) {     /* refused, and nothing of it kept */
            assert_int_equal(mb.n_docs, d);
            assert_int_equal(mb.n_seq, seq_before);
            free(doc.title);
            free(doc.text);
            n_docs = d;
            break;
        }
        assert_int_equal(rc, SC_OK);
        assert_int_equal(sc_normalize(doc.text, doc.len, 0, &nm), SC_OK);
        model_doc(&nm, d, &t, &nt, &cap);
        assert_int_equal(mb.docs[d].len, nm.n);
        free(doc.title);
        free(doc.text);
    }
    sc_err err = {0};
    assert_int_equal(sc_membuf_flush(&mb, path, &err), SC_OK);
    qsort(t, nt, sizeof *t, cmp_triple);
    sc_seg *seg = NULL;
    assert_int_equal(sc_seg_open(path, 1, &seg, &err), SC_OK);
    assert_int_equal(seg->n_docs, n_docs);
    assert_int_equal(sc_seg_check(seg, &err), SC_OK);
    sc_dictcur c;
    sc_dictcur_start(&c, seg);
    size_t i = 0, terms = 0;
    while (sc_dictcur_next(&c)) {
        assert_true(i < nt);
        assert_true(c.t.key == t[i].key);
        size_t e = i;
        while (e < nt && t[e].key == t[i].key) e++;
        check_term(&c.t, t + i, e - i);
        i = e;
        terms++;
    }
    assert_false(c.bad);
    assert_int_equal(i, nt);
    assert_int_equal(terms, seg->n_terms);
    sc_seg_release(seg);
    /* the buffer is reusable after a reset: a second flush of new docs */
    sc_membuf_reset(&mb);
    assert_int_equal(mb.n_docs, 0);
    sc_doc one = {.title = "甲乙", .text = "甲乙\n丙", .len = strlen("甲乙\n丙")};
    assert_int_equal(sc_membuf_add(&mb, 7, &one), SC_OK);
    snprintf(path, sizeof path, "%s/seg-000002.sxs", dir);
    assert_int_equal(sc_membuf_flush(&mb, path, &err), SC_OK);
    assert_int_equal(sc_seg_open(path, 2, &seg, &err), SC_OK);
    sc_term term;
    assert_int_equal(sc_seg_term(seg, SC_KEY_BI(0x7532, 0x4E59), &term), 1);   /* 甲乙 */
    assert_int_equal(sc_seg_term(seg, SC_KEY_UNI(0x4E19), &term), 1);          /* 丙 */
    assert_int_equal(sc_seg_term(seg, SC_KEY_TUNI(0x4E19), &term), 0);         /* not in the title */
    assert_int_equal(sc_seg_term(seg, SC_KEY_BI(0x4E59, 0x4E19), &term), 0);   /* across the line */
    assert_int_equal(seg->n_terms, 3 + 2 + 1);                                 /* UNI, TUNI, BI */
    sc_seg_release(seg);
    sc_membuf_free(&mb);
    sc_norm_free(&nm);
    free(t);
    assert_int_equal(test_tmpdir_remove(dir), 0);
    return n_docs;
}

static void test_buffer_matches_model_small(void **state)
{
    (void)state;
    assert_int_equal(run_model(40, 60, 0), 40);
}

static void test_buffer_matches_model_large(void **state)
{
    (void)state;
    assert_int_equal(run_model(700, 3000, 0), 700);
}

/* A buffer whose records would need more bits than they have refuses the
** document; what it holds flushes whole.  30 bits: about 13 for the
** characters, 10 for a position, the rest for documents. */
static void test_buffer_full_refuses_a_document(void **state)
{
    (void)state;
    size_t n = run_model(400, 600, 30);
    assert_true(n > 1 && n < 400);
}

/* The index flushes a full buffer and adds the document again: every
** document is in the commit, over more than one segment. */
static void test_index_flushes_a_full_buffer(void **state)
{
    (void)state;
    char dir[512];
    test_tmpdir_make(dir, sizeof dir, "fullbuf");
    sc_index *ix = NULL;
    sc_err err = {0};
    assert_int_equal(sc_index_open(dir, &ix, &err), SC_OK);
    ix->mb.max_bits = 30;
    for (int d = 0; d < 300; d++) {
        sc_doc doc = {0};
        doc.text = random_text(next_rand() % 600);
        doc.title = strndup(doc.text, (size_t)(strchr(doc.text, '\n') - doc.text));
        doc.len = strlen(doc.text);
        assert_int_equal(sc_index_add(ix, 1 + d, &doc, &err), SC_OK);
        free(doc.title);
        free(doc.text);
    }
    assert_int_equal(sc_index_commit(ix, 300, &err), SC_OK);
    assert_int_equal(sc_index_doc_count(ix), 300);
    assert_true(ix->n_ws > 1);
    assert_int_equal(sc_index_check(ix, &err), SC_OK);
    sc_index_close(ix);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

static void add_num(sc_index *ix, int64_t num)
{
    sc_err err = {0};
    sc_doc doc = {.title = "甲乙", .text = "甲乙\n丙丁", .len = strlen("甲乙\n丙丁")};
    assert_int_equal(sc_index_add(ix, num, &doc, &err), SC_OK);
}

/* Adds above every number held skip the num map; a number added again
** still replaces its copy, in the buffer and in a committed segment, and
** a delete still finds a document added that way. */
static void test_index_replaces_after_fresh_adds(void **state)
{
    (void)state;
    char dir[512];
    test_tmpdir_make(dir, sizeof dir, "fresh");
    sc_index *ix = NULL;
    sc_err err = {0};
    assert_int_equal(sc_index_open(dir, &ix, &err), SC_OK);
    for (int64_t n = 1; n <= 10; n++) add_num(ix, n);
    assert_false(ix->map_ready);
    add_num(ix, 3);                                   /* again: replaces */
    assert_int_equal(sc_index_delete(ix, 5, &err), SC_OK);
    assert_int_equal(sc_index_commit(ix, 12, &err), SC_OK);
    assert_int_equal(sc_index_doc_count(ix), 9);
    sc_index_close(ix);
    assert_int_equal(sc_index_open(dir, &ix, &err), SC_OK);
    add_num(ix, 11);                                  /* above all: new */
    add_num(ix, 7);                                   /* in a segment: replaced */
    assert_int_equal(sc_index_delete(ix, 11, &err), SC_OK);
    add_num(ix, 12);
    assert_int_equal(sc_index_commit(ix, 16, &err), SC_OK);
    assert_int_equal(sc_index_doc_count(ix), 10);     /* 1-4, 6-10, 12 */
    assert_int_equal(sc_index_check(ix, &err), SC_OK);
    sc_index_close(ix);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer_matches_model_small),
        cmocka_unit_test(test_buffer_matches_model_large),
        cmocka_unit_test(test_buffer_full_refuses_a_document),
        cmocka_unit_test(test_index_flushes_a_full_buffer),
        cmocka_unit_test(test_index_replaces_after_fresh_adds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
