/*
** fuzz_seg.c — libFuzzer target for the index segment format (index_seg.c).
** The input is a recipe and then patches.  The recipe (documents with their
** columns and ids, terms with postings and positions, all values taken from
** the input) is written with sc_segw_*, opened, checked and read back: every
** column, id, document, frequency and position must come back exactly, so
** any disagreement between the encoders and the decoders aborts.  Then the
** patches (offset, xor byte) damage the file, the checksums are made right
** again so that the parsers meet the damage, and the segment is opened,
** checked and walked (every term: next, advance, positions; every column):
** the only answers allowed are SC_OK and SC_EINDEX, and ASan catches any
** read outside the mapping.  Build and run: scripts/fuzz.sh [SECONDS].
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index_seg.h"
#include "index_seg_priv.h"   /* sc_seg_reseal */

typedef struct rd { const uint8_t *p, *end; } rd;

/* The next n <= 4 input bytes, little-endian; 0 once the input is used up. */
static uint32_t take(rd *r, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n && r->p < r->end; i++) v |= (uint32_t)*r->p++ << (8 * i);
    return v;
}

#define MAX_DOCS 600
#define MAX_TERMS 8
#define MAX_POS 4096

typedef struct term { uint64_t key; uint32_t n, docs[MAX_DOCS], tfs[MAX_DOCS], np, pos[MAX_POS]; } term;
typedef struct recipe {
    uint32_t n_docs, n_terms;
    sc_docmeta dm[MAX_DOCS];
    char ids[MAX_DOCS][40];
    term t[MAX_TERMS];
} recipe;

static const char *const types[] = {"", "工作总结", "讲话", "t"};

static void make_doc(rd *r, recipe *rc, uint32_t i)
{
    uint32_t f = take(r, 1);
    uint32_t len = 2 + take(r, 2);
    if (f & 1) len <<= 12;                               /* long documents: wide positions */
    int64_t num = (int64_t)take(r, 4);
    if (f & 2) num = (int64_t)((uint64_t)num << 40 | take(r, 4));   /* wide, or table, columns */
    if (f & 4) num = (int64_t)(0 - (uint64_t)num);
    uint32_t id = take(r, 4), digits = 1 + take(r, 1) % 18;
    switch (f >> 5) {
    case 0: snprintf(rc->ids[i], sizeof rc->ids[i], "poetry-%0*u", (int)(digits % 10), id); break;
    case 1: snprintf(rc->ids[i], sizeof rc->ids[i], "%u", id); break;
    case 2: snprintf(rc->ids[i], sizeof rc->ids[i], "x-%0*u%u", (int)digits, id, id); break;  /* too many digits */
    case 3: snprintf(rc->ids[i], sizeof rc->ids[i], "id%c", 'a' + id % 26); break;
    default: snprintf(rc->ids[i], sizeof rc->ids[i], "n-%u", i);
    }
    rc->dm[i] = (sc_docmeta){num, len, take(r, 2) % len, (int16_t)take(r, 2), (int32_t)take(r, 4),
                             types[f >> 3 & 3], types[f >> 4 & 3], rc->ids[i],
                             (uint64_t)take(r, 4) << (f & 15)};
}

/* A term of up to n_docs documents with frequencies and (pairs) positions. */
static void make_term(rd *r, recipe *rc, term *t, uint64_t key)
{
    t->key = key;
    t->n = t->np = 0;
    uint32_t step = 1 + take(r, 1), d = take(r, 1) % 4;
    for (; d < rc->n_docs && t->n < MAX_DOCS; d += 1 + take(r, 1) % step) {
        uint32_t f = take(r, 1), tf = 1 + (f & 3 ? 0 : f >> 2);
        if (f == 255) tf = 1 + take(r, 2);               /* long escapes in tf and positions */
        if (!SC_KEY_POSITIONAL(key)) { t->docs[t->n] = d; t->tfs[t->n++] = tf; continue; }
        uint32_t len = rc->dm[d].len;
        if (tf > len - 1) tf = len - 1;
        if (t->np + tf > MAX_POS) break;
        uint32_t p = take(r, 2) % (len - 1), room = len - 1 - p;   /* positions p.. < len - 1 */
        if (tf > room) tf = room;
        for (uint32_t j = 0; j < tf; j++) {
            t->pos[t->np++] = p;
            uint32_t left = len - 2 - p, need = tf - 1 - j;   /* room for the rest */
            if (!need) break;
            uint32_t x = left > need ? take(r, 4) % (left - need + 1) : 0;
            if (!(take(r, 1) & 1)) x /= need + 1;          /* else one long gap: escapes */
            p += 1 + x;
        }
        t->docs[t->n] = d;
        t->tfs[t->n++] = tf;
    }
}

static void make(rd *r, recipe *rc)
{
    rc->n_docs = 1 + take(r, 2) % MAX_DOCS;
    for (uint32_t i = 0; i < rc->n_docs; i++) make_doc(r, rc, i);
    rc->n_terms = take(r, 1) % (MAX_TERMS + 1);
    uint64_t key = 0;
    for (uint32_t i = 0; i < rc->n_terms; i++) {
        uint32_t cls = take(r, 1) % 3;
        uint64_t k = cls == 0 ? SC_KEY_UNI(take(r, 2)) : cls == 1 ? SC_KEY_TUNI(take(r, 2)) : SC_KEY_BI(take(r, 2), take(r, 2));
        key = k > key || !i ? k : key + 1 + take(r, 1);   /* ascending */
        make_term(r, rc, &rc->t[i], key);
    }
}

static int write_seg(const char *path, recipe *rc)
{
    sc_segw *w;
    sc_err e = {0};
    if (sc_segw_open(path, &w, &e)) return -1;
    int rc2 = sc_segw_docs(w, rc->dm, rc->n_docs, &e);
    for (uint32_t i = 0; !rc2 && i < rc->n_terms; i++) {
        term *t = &rc->t[i];
        rc2 = sc_segw_term(w, t->key, t->docs, t->tfs, t->n, SC_KEY_POSITIONAL(t->key) ? t->pos : NULL, &e);
    }
    if (rc2) { sc_segw_abort(w); abort(); }              /* the recipe is valid input */
    return sc_segw_finish(w, &e) ? -1 : 0;
}

/* The segment gives back exactly the recipe. */
static void compare(const sc_seg *s, const recipe *rc)
{
    if (s->n_docs != rc->n_docs) abort();
    for (uint32_t i = 0; i < rc->n_docs; i++) {
        const sc_docmeta *d = &rc->dm[i];
        char ib[SC_SEG_ID_BUF];
        if (s->num[i] != d->num || s->len[i] != d->len || sc_seg_title_len(s, i) != d->title_len ||
            sc_seg_year(s, i) != d->year || sc_seg_date(s, i) != d->date || strcmp(sc_seg_type(s, i), d->type) ||
            strcmp(sc_seg_source(s, i), d->source) || strcmp(sc_seg_id(s, i, ib), d->id) ||
            sc_seg_text_at(s, i) != d->text_at)
            abort();
    }
    sc_postit it = {0};
    for (uint32_t k = 0; k < rc->n_terms; k++) {
        const term *t = &rc->t[k];
        sc_term st;
        if (!t->n) { if (sc_seg_term(s, t->key, &st)) abort(); continue; }
        if (!sc_seg_term(s, t->key, &st) || st.df != t->n) abort();
        sc_postit_init(&it, &st);
        uint32_t np = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            if (sc_postit_next(&it) != t->docs[i] || sc_postit_tf(&it) != t->tfs[i]) abort();
            if (!SC_KEY_POSITIONAL(t->key)) continue;
            uint32_t m;
            const uint32_t *ps = sc_postit_positions(&it, &m);
            if (!ps || m != t->tfs[i] || memcmp(ps, t->pos + np, m * sizeof *ps)) abort();
            np += m;
        }
        if (sc_postit_next(&it) != SC_DOC_END || it.bad) abort();
        sc_postit_init(&it, &st);   /* advance through the skip table; tfs and positions of
                                       docs reached by skipping (decoded lazily, a prefix
                                       of the block at a time) */
        np = 0;
        for (uint32_t i = 0, j = 0; i < t->n; i += 1 + i % 97) {
            if (sc_postit_advance(&it, i ? t->docs[i - 1] + 1 : 0) != t->docs[i]) abort();
            for (; j < i; j++) np += t->tfs[j];
            if (i % 3 == 1) continue;                    /* some blocks' tfs never asked for */
            if (sc_postit_tf(&it) != t->tfs[i]) abort();
            if (!SC_KEY_POSITIONAL(t->key)) continue;
            uint32_t m;
            const uint32_t *ps = sc_postit_positions(&it, &m);
            if (!ps || m != t->tfs[i] || memcmp(ps, t->pos + np, m * sizeof *ps)) abort();
        }
    }
    sc_postit_free(&it);
}

/* Reads everything a damaged segment offers; answers only matter for ASan. */
static void walk(const sc_seg *s)
{
    volatile uint64_t sink = 0;
    char ib[SC_SEG_ID_BUF];
    for (uint32_t i = 0; i < s->n_docs; i++)
        sink += (uint64_t)s->num[i] + s->len[i] + sc_seg_title_len(s, i) + (uint32_t)sc_seg_year(s, i) +
                (uint32_t)sc_seg_date(s, i) + strlen(sc_seg_type(s, i)) + strlen(sc_seg_source(s, i)) +
                strlen(sc_seg_id(s, i, ib)) + sc_seg_text_at(s, i);
    sc_dictcur dc;
    sc_dictcur_start(&dc, s);
    sc_postit it = {0};
    for (int terms = 0; sc_dictcur_next(&dc) && terms < 64; terms++) {
        sc_term t;
        if (!sc_seg_term(s, dc.t.key, &t)) continue;
        sc_postit_init(&it, &t);
        for (uint32_t d = sc_postit_next(&it); d != SC_DOC_END; d = sc_postit_next(&it)) {
            if (d >= s->n_docs) abort();                 /* the decoder's promise */
            uint32_t m;
            const uint32_t *ps = sc_postit_positions(&it, &m);
            for (uint32_t j = 0; ps && j < m; j++) sink += ps[j];
        }
        sc_postit_init(&it, &t);     /* positions reached by skipping: a block's position groups */
        for (uint32_t d = 0; d < s->n_docs; d += 1 + d / 3) {
            if (sc_postit_advance(&it, d) == SC_DOC_END) break;
            uint32_t m;
            const uint32_t *ps = sc_postit_positions(&it, &m);
            for (uint32_t j = 0; ps && j < m; j++) sink += ps[j];
        }
    }
    sc_postit_free(&it);
    (void)sink;
}

/* Applies the patches and makes both checksums right again. */
static void damage(const char *path, rd *r)
{
    FILE *f = fopen(path, "r+b");
    if (!f) abort();
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    uint8_t *b = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    if (!b || fread(b, 1, (size_t)size, f) != (size_t)size) abort();
    while (r->p + 5 <= r->end) {
        uint32_t at = take(r, 4) % (uint32_t)(size - 16);   /* the trailer stays */
        b[at] ^= (uint8_t)take(r, 1);
    }
    sc_seg_reseal(b, (size_t)size);
    fseek(f, 0, SEEK_SET);
    fwrite(b, 1, (size_t)size, f);
    fclose(f);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static recipe rc;
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "%s/fuzz_seg-%d.sxs", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
    rd r = {data, data + size};
    memset(&rc, 0, sizeof rc);
    make(&r, &rc);
    if (write_seg(path, &rc)) abort();
    sc_seg *s;
    sc_err e = {0};
    if (sc_seg_open(path, 1, &s, &e) || sc_seg_check(s, &e)) abort();
    compare(s, &rc);
    sc_seg_release(s);
    if (r.p < r.end) {
        damage(path, &r);
        int rc2 = sc_seg_open(path, 1, &s, &e);
        if (rc2 != SC_OK && rc2 != SC_EINDEX) abort();
        if (!rc2) {
            rc2 = sc_seg_check(s, &e);
            if (rc2 != SC_OK && rc2 != SC_EINDEX) abort();
            walk(s);
            sc_seg_release(s);
        }
    }
    unlink(path);
    return 0;
}
