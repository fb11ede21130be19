/*
** search.c — query evaluation over a snapshot (search.h).
**
** Per segment, every phrase becomes a matcher over posting iterators
** (search_phrase.c); text is never rescanned.
** A clause (alternatives joined by '|') is a union of matchers; the query is
** driven by its cheapest positive clause made only of phrases; the other
** clauses, the NOT clauses and field filters are checked on each candidate
** by advancing to it.  Counting is exact: every candidate is decided.
** Each match is scored (rank.c); a heap keeps the top offset+limit, or all
** matches are kept when every id is wanted; what cannot enter the heap is
** turned away before its other columns are read.  Snippets are made for
** the returned hits only (snippet.c), from the store (one read transaction
** for them all), paid part per caller.  For a caller who may read whole
** texts, a candidate entering the top k keeps where its phrases occur, read
** from the matchers' positions while they stand on it (capture), and its
** snippet's window is chosen from them (sc_snippet_at) instead of by a scan
** of its text (the benchmark's median query 6-8 % faster).
*/
#include "search.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "index_snap.h"
#include "query.h"
#include "rank.h"
#include "search_priv.h"
#include "snippet.h"

#define MAX_LIMIT 1000
#define MAX_OFFSET 100000

/* ---- clauses ------------------------------------------------------------- */

typedef struct cl_ev {
    const sc_qclause *c;
    pmatch *pm;                /* per alt (unused for filters) */
    int all_phrase;
} cl_ev;

static int is_phrase(const sc_qalt *a) { return a->kind == SC_Q_PHRASE || a->kind == SC_Q_TITLE; }

static int filter_ok(const sc_qalt *a, const sc_seg *s, uint32_t d)
{
    switch (a->kind) {
    case SC_Q_TYPE: return !strcmp(sc_seg_type(s, d), a->str);
    case SC_Q_YEAR: return sc_seg_year(s, d) >= a->y0 && sc_seg_year(s, d) <= a->y1;
    case SC_Q_SOURCE: return strstr(sc_seg_source(s, d), a->str) != NULL;
    default: return 0;
    }
}

static uint32_t cl_next(cl_ev *c, uint32_t target)
{
    uint32_t best = SC_DOC_END;
    for (size_t i = 0; i < c->c->n; i++) {
        uint32_t d = sc_pm_next(&c->pm[i], target);
        if (d < best) best = d;
    }
    return best;
}

/* Does doc match the clause?  all: advance every alternative (for scores). */
static int cl_has(cl_ev *c, const sc_seg *s, uint32_t d, int all)
{
    int hit = 0;
    for (size_t i = 0; i < c->c->n; i++) {
        const sc_qalt *a = &c->c->alts[i];
        if (is_phrase(a)) hit |= sc_pm_next(&c->pm[i], d) == d;
        else hit |= filter_ok(a, s, d);
        if (hit && !all) return 1;
    }
    return hit;
}

/* ---- candidates and ranking ---------------------------------------------- */

typedef struct cand {
    double score;
    int32_t date;
    uint32_t view, doc;
    int64_t num;
    uint32_t body_occ;         /* the positive phrases' occurrences in the body (sc_snippet) */
    sc_body_occ *occ;          /* NULL, or (owned) every one of them with its place (sc_snippet_at) */
    uint32_t n_occ;
} cand;


/* < 0 when a ranks before b. */
static int rank_cmp(const cand *a, const cand *b, int sort)
{
    if (sort == SC_SORT_DATE && a->date != b->date) return a->date > b->date ? -1 : 1;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->date != b->date) return a->date > b->date ? -1 : 1;
    return a->num > b->num ? -1 : a->num < b->num;
}
static int cmp_rel(const void *a, const void *b) { return rank_cmp(a, b, SC_SORT_RELEVANCE); }
static int cmp_date(const void *a, const void *b) { return rank_cmp(a, b, SC_SORT_DATE); }

typedef struct collector {
    cand *v;
    size_t n, cap, keep;       /* keep: heap size limit, or 0 = keep all */
    int sort;
    int oom;
} collector;

/* Heap with the worst-ranked candidate at the root. */
static void heap_down(collector *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < c->n && rank_cmp(&c->v[l], &c->v[w], c->sort) > 0) w = l;
        if (r < c->n && rank_cmp(&c->v[r], &c->v[w], c->sort) > 0) w = r;
        if (w == i) return;
        cand t = c->v[i]; c->v[i] = c->v[w]; c->v[w] = t;
        i = w;
    }
}

/* Would collect() keep x? */
static int accepts(const collector *c, const cand *x)
{
    return !c->keep || c->n < c->keep || rank_cmp(x, &c->v[0], c->sort) < 0;
}

/* Keeps x if it ranks among the best (taking over x->occ; an evicted or
** refused candidate's occ is freed). */
static void collect(collector *c, const cand *x)
{
    if (!accepts(c, x)) { free(x->occ); return; }
    if (c->keep && c->n == c->keep) {
        free(c->v[0].occ);
        c->v[0] = *x;
        heap_down(c, 0);
        return;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        cand *v = realloc(c->v, cap * sizeof *v);
        if (!v) { free(x->occ); c->oom = 1; return; }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = *x;
    if (c->keep) {                       /* sift up */
        size_t i = c->n - 1;
        while (i && rank_cmp(&c->v[i], &c->v[(i - 1) / 2], c->sort) > 0) {
            cand t = c->v[i]; c->v[i] = c->v[(i - 1) / 2]; c->v[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    }
}

/* ---- the search ------------------------------------------------------------ */

typedef struct qctx {
    const sc_query *q;
    const sc_search_opts *o;
    const sc_snapshot *snap;
    double *idf;               /* per alt, flattened */
    size_t n_alts;
    uint64_t total;
    collector col;
    int scoring;
    int occ_known;             /* the index's counts are the snippet's (no phrase holds '\n') */
    int keep_occ;              /* keep a top-k candidate's occurrences (capture) */
    sc_u32v starts;            /* capture's scratch */
    sc_terms *terms;           /* NULL when it could not be allocated: no memo */
} qctx;

/* For a candidate about to enter the top k: where the positive phrases
** occur in its body, from the positions the matchers hold while they
** stand on it, so that its snippet needs no scan of the text (sc_snippet_at).
** pms[i] is the matcher of alternative number i of the positive clauses
** (NULL for a filter or a title: phrase).  Leaves c->occ NULL when a
** matcher cannot say (a phrase of one character keeps no positions), or
** out of memory: the snippet then scans. */
static void capture(qctx *x, pmatch *const *pms, size_t n_pms, const sc_seg *s, cand *c)
{
    uint32_t title_len = sc_seg_title_len(s, c->doc);
    sc_body_occ *o = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < n_pms; i++) {
        pmatch *pm = pms[i];
        if (!pm || pm->alt->kind != SC_Q_PHRASE || pm->dead || !pm->started || pm->doc != c->doc) continue;
        x->starts.n = 0;
        if (sc_pm_starts(pm, &x->starts)) { free(o); return; }
        for (size_t k = 0; k < x->starts.n; k++) {
            if (x->starts.v[k] <= title_len) continue;         /* in the title line */
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                sc_body_occ *no = realloc(o, nc * sizeof *no);
                if (!no) { free(o); return; }
                o = no, cap = nc;
            }
            o[n++] = (sc_body_occ){x->starts.v[k] - title_len - 1, (uint32_t)pm->alt->n, (uint32_t)i};
        }
    }
    if (!o && !(o = malloc(sizeof *o))) return;     /* none in the body: still known */
    c->occ = o;
    c->n_occ = (uint32_t)n;
}

/* Documents holding the phrase (approximate for >= 3 chars: its rarest
** covering bigram), summed over the snapshot. */
static double phrase_df(const sc_snapshot *s, sc_terms *terms, const sc_qalt *a)
{
    if (!a->n) return 0;
    uint32_t offs[SC_Q_MAX_PHRASE];
    size_t k = 1;
    if (a->n > 1) k = sc_phrase_cover(a->n, offs);
    double best = -1;
    for (size_t i = 0; i < k; i++) {
        double df = 0;
        for (size_t v = 0; v < s->n; v++) {
            sc_term t;
            uint64_t key = a->n == 1 ? (a->kind == SC_Q_TITLE ? SC_KEY_TUNI(a->cps[0]) : SC_KEY_UNI(a->cps[0]))
                                     : SC_KEY_BI(a->cps[offs[i]], a->cps[offs[i] + 1]);
            if (sc_terms_get(terms, s->v[v].seg, key, &t)) df += t.df;
        }
        if (best < 0 || df < best) best = df;
    }
    return best < 0 ? 0 : best;
}

/* Is the top k full, so that a candidate must beat its worst score? */
static int top_k_full(const collector *col)
{
    return col->keep && col->n == col->keep && col->sort == SC_SORT_RELEVANCE;
}

/* May this matcher leave its title counts to sc_pm_title (a two-character
** phrase, scored, for a top k by relevance)? */
static int lazy_ok(const qctx *x, const pmatch *pm)
{
    return x->scoring && x->col.keep && x->col.sort == SC_SORT_RELEVANCE && !pm->dead && !pm->title_only &&
           pm->alt->n == 2;
}

/* Is one phrase's BM25 surely below min?  Without sc_bm25's two divisions
** (their latency is much of a common character's cost per document), with
** a margin far above the rounding of either form, so that it never says
** yes for a score that reaches min. */
static int bm25_below(double idf, uint32_t tf, uint32_t tf_title, uint32_t len, double c1, double c2, double min)
{
    double t = tf + (SC_TITLE_BOOST - 1.0) * tf_title;
    return idf * t * (SC_BM25_K1 + 1.0) < min * (t + c1 + c2 * len) * (1.0 - 1e-9);
}

/* One phrase, no filters: the loop without the clause machinery, BM25
** inlined, and a candidate that cannot enter the top k never built. */
static int run_single(qctx *x, uint32_t vi, pmatch *pm, sc_err *err)
{
    const sc_sview *v = &x->snap->v[vi];
    const sc_seg *s = v->seg;
    const double idf = x->idf[0], k1 = SC_BM25_K1, boost = SC_TITLE_BOOST - 1.0;
    const double c1 = k1 * (1.0 - SC_BM25_B), c2 = k1 * SC_BM25_B / (x->snap->avg_len > 0 ? x->snap->avg_len : 1);
    collector *col = &x->col;
    /* Title counts (a list more to advance, or a block of positions to
    ** decode) are only worked out for a document whose score could still
    ** reach the top k with every possible title match.  Scores grow with
    ** t, and t grows by at least 2 when a title match is added, far above
    ** the rounding of the formula, so the bound never undercuts the score. */
    pm->lazy_title = lazy_ok(x, pm);
    for (uint32_t d = sc_pm_next(pm, 0); d != SC_DOC_END && d < s->n_docs; d = sc_pm_next(pm, d + 1)) {
        if (sc_sview_deleted(v, d)) continue;
        x->total++;
        if (!x->scoring) continue;
        int full = top_k_full(col);
        uint32_t tmax = pm->lazy_title ? sc_pm_title_max(pm, sc_seg_title_len(s, d)) : 0;  /* a column read is a cache miss */
        if (tmax) {
            if (full && bm25_below(idf, pm->tf, tmax, s->len[d], c1, c2, col->v[0].score)) continue;
            sc_pm_title(pm, sc_seg_title_len(s, d));
        }
        if (full && bm25_below(idf, pm->tf, pm->tf_title, s->len[d], c1, c2, col->v[0].score)) continue;
        double t = pm->tf + boost * pm->tf_title;
        double score = idf * t * (k1 + 1.0) / (t + c1 + c2 * s->len[d]);
        if (full && score < col->v[0].score) continue;
        cand c = {score, sc_seg_date(s, d), vi, d, s->num[d], x->occ_known ? pm->tf - pm->tf_title : SC_OCC_UNKNOWN,
                  NULL, 0};
        if (x->keep_occ && accepts(col, &c)) capture(x, &pm, 1, s, &c);
        collect(col, &c);
        if (col->oom) return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    return SC_OK;
}

/* The score of doc d (every clause aligned on it) into *out; returns 1
** instead when a lazy matcher's title count would be needed and the score
** cannot reach the top k even with every possible title match (the sum
** of upper bounds, each computed as the score is, is never below it). */
static int score_doc(qctx *x, cl_ev *cl, const sc_seg *s, uint32_t d, double *out)
{
    const sc_query *q = x->q;
    uint32_t tl = UINT32_MAX;                  /* title length, read when needed */
    int lazy = 0;
    double score = 0;
    for (int pass = 0; pass < 2; pass++) {
        score = 0;
        size_t ai = 0;
        for (size_t i = 0; i < q->n; i++) {
            for (size_t j = 0; j < q->c[i].n; j++, ai++) {
                pmatch *pm = &cl[i].pm[j];
                if (q->c[i].neg || pm->dead || !pm->started || pm->doc != d) continue;
                uint32_t tft = pm->tf_title;
                if (pm->lazy_title) {
                    if (tl == UINT32_MAX) tl = sc_seg_title_len(s, d);
                    uint32_t m = sc_pm_title_max(pm, tl);
                    if (m && pass == 0) lazy = 1, tft = m;
                    if (m && pass == 1) sc_pm_title(pm, tl), tft = pm->tf_title;
                }
                score += sc_bm25(x->idf[ai], pm->tf, tft, s->len[d], x->snap->avg_len);
            }
        }
        if (!lazy) break;
        if (pass == 0 && top_k_full(&x->col) && score < x->col.v[0].score) return 1;
    }
    *out = score;
    return 0;
}

/* The occurrences in doc d's body of the positive phrases (every clause
** aligned on d, tf and title counts exact, as for a collected doc). */
static uint32_t body_occ(const sc_query *q, const cl_ev *cl, uint32_t d)
{
    uint32_t n = 0;
    for (size_t i = 0; i < q->n; i++) {
        for (size_t j = 0; j < q->c[i].n && !q->c[i].neg; j++) {
            const pmatch *pm = &cl[i].pm[j];
            if (q->c[i].alts[j].kind == SC_Q_PHRASE && !pm->dead && pm->started && pm->doc == d)
                n += pm->tf - pm->tf_title;
        }
    }
    return n;
}

static int run_view(qctx *x, uint32_t vi, sc_err *err)
{
    const double c1 = SC_BM25_K1 * (1.0 - SC_BM25_B);
    const double c2 = SC_BM25_K1 * SC_BM25_B / (x->snap->avg_len > 0 ? x->snap->avg_len : 1);
    const sc_sview *v = &x->snap->v[vi];
    const sc_seg *s = v->seg;
    const sc_query *q = x->q;
    cl_ev *cl = calloc(q->n, sizeof *cl);
    if (!cl) return sc_err_set(err, SC_ENOMEM, "out of memory");
    int rc = SC_OK;
    for (size_t i = 0; i < q->n && !rc; i++) {
        cl[i].c = &q->c[i];
        cl[i].all_phrase = 1;
        if (!(cl[i].pm = calloc(q->c[i].n, sizeof *cl[i].pm))) { rc = SC_ENOMEM; break; }
        for (size_t j = 0; j < q->c[i].n && !rc; j++) {
            const sc_qalt *a = &q->c[i].alts[j];
            if (is_phrase(a)) rc = sc_pm_init(&cl[i].pm[j], s, x->terms, a, x->scoring && !q->c[i].neg);
            else { cl[i].all_phrase = 0; cl[i].pm[j].dead = 1; }
        }
    }
    if (rc) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
    /* the matchers of the positive alternatives, numbered as snippet.c does */
    pmatch *pms[SC_Q_MAX_ALTS];
    size_t n_pms = 0;
    for (size_t i = 0; i < q->n; i++)
        for (size_t j = 0; j < q->c[i].n && !q->c[i].neg && n_pms < SC_Q_MAX_ALTS; j++)
            pms[n_pms++] = q->c[i].alts[j].kind == SC_Q_PHRASE ? &cl[i].pm[j] : NULL;
    /* the driver: the cheapest positive clause made of phrases only */
    cl_ev *drv = NULL;
    uint64_t drv_cost = UINT64_MAX;
    for (size_t i = 0; i < q->n; i++) {
        if (q->c[i].neg || !cl[i].all_phrase) continue;
        uint64_t cost = 0;
        for (size_t j = 0; j < q->c[i].n; j++) cost += sc_pm_cost(&cl[i].pm[j]);
        if (cost < drv_cost) { drv = &cl[i]; drv_cost = cost; }
    }
    if (drv && drv_cost == 0) goto out;      /* a required clause is absent */
    const sc_search_opts *o = x->o;
    if (drv && q->n == 1 && q->c[0].n == 1 && !(o->type && *o->type) && !o->year_from && !o->year_to) {
        rc = run_single(x, vi, &cl[0].pm[0], err);   /* the common case, one phrase */
        goto out;
    }
    int any_lazy = 0;
    for (size_t i = 0; i < q->n; i++)
        for (size_t j = 0; j < q->c[i].n && !q->c[i].neg; j++)
            any_lazy |= cl[i].pm[j].lazy_title = lazy_ok(x, &cl[i].pm[j]);
    for (uint32_t target = 0;;) {
        uint32_t d;
        if (drv) d = cl_next(drv, target);
        else d = target < s->n_docs ? target : SC_DOC_END;
        if (d == SC_DOC_END || d >= s->n_docs) break;
        target = d + 1;
        if (sc_sview_deleted(v, d)) continue;
        if (o->type && *o->type && strcmp(sc_seg_type(s, d), o->type)) continue;
        if (o->year_from && sc_seg_year(s, d) < o->year_from) continue;
        if (o->year_to && sc_seg_year(s, d) > o->year_to) continue;
        int ok = 1;
        for (size_t i = 0; i < q->n && ok; i++) {
            if (&cl[i] == drv) {
                if (x->scoring) cl_has(&cl[i], s, d, 1);   /* align every alternative */
                continue;
            }
            int has = cl_has(&cl[i], s, d, x->scoring && !q->c[i].neg);
            ok = q->c[i].neg ? !has : has;
        }
        if (!ok) continue;
        x->total++;
        if (!x->scoring) continue;
        double score = 0;
        if (any_lazy) {
            if (score_doc(x, cl, s, d, &score)) continue;
        } else {
            size_t ai = 0, n_sc = 0;   /* the same sum, without title bounds */
            const pmatch *one = NULL;
            double one_idf = 0;
            for (size_t i = 0; i < q->n; i++) {
                for (size_t j = 0; j < q->c[i].n; j++, ai++) {
                    const pmatch *pm = &cl[i].pm[j];
                    if (q->c[i].neg || pm->dead || !pm->started || pm->doc != d) continue;
                    n_sc++, one = pm, one_idf = x->idf[ai];
                }
            }
            if (n_sc == 1 && top_k_full(&x->col) &&
                bm25_below(one_idf, one->tf, one->tf_title, s->len[d], c1, c2, x->col.v[0].score))
                continue;
            ai = 0;
            for (size_t i = 0; i < q->n && n_sc; i++) {
                for (size_t j = 0; j < q->c[i].n; j++, ai++) {
                    const pmatch *pm = &cl[i].pm[j];
                    if (q->c[i].neg || pm->dead || !pm->started || pm->doc != d) continue;
                    score += sc_bm25(x->idf[ai], pm->tf, pm->tf_title, s->len[d], x->snap->avg_len);
                }
            }
        }
        /* collect() would turn it away: spare the date and number columns
           (a cache miss each) */
        if (top_k_full(&x->col) && score < x->col.v[0].score) continue;
        cand c = {score, sc_seg_date(s, d), vi, d, s->num[d], x->occ_known ? body_occ(q, cl, d) : SC_OCC_UNKNOWN,
                  NULL, 0};
        if (x->keep_occ && accepts(&x->col, &c)) capture(x, pms, n_pms, s, &c);
        collect(&x->col, &c);
        if (x->col.oom) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
    }
out:
    for (size_t i = 0; i < q->n; i++) {
        for (size_t j = 0; cl[i].pm && j < q->c[i].n; j++) sc_pm_free(&cl[i].pm[j]);
        free(cl[i].pm);
    }
    free(cl);
    return rc;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The index's part of a hit: id, type, year, score. */
static int hit_from_index(const sc_snapshot *snap, const cand *c, sc_hit *h, sc_err *err)
{
    const sc_seg *s = snap->v[c->view].seg;
    char ib[SC_SEG_ID_BUF];
    h->id = strdup(sc_seg_id(s, c->doc, ib));
    h->type = strdup(sc_seg_type(s, c->doc));
    h->year = sc_seg_year(s, c->doc);
    h->score = c->score;
    return h->id && h->type ? SC_OK : sc_err_set(err, SC_ENOMEM, "out of memory");
}

typedef struct hit_ctx {
    sc_hit *hits;
    const cand *c;
    const sc_query *q;
    int can_read_paid;
    sc_err *err;
} hit_ctx;

/* The store's part of hit i (sc_store_hit_cb): title, date, type, year
** and the snippet; d is NULL when the document was deleted since the
** snapshot's commit. */
static int hit_from_store(void *ctx, size_t i, const sc_doc *d)
{
    hit_ctx *hc = ctx;
    sc_hit *h = &hc->hits[i];
    if (!d) {
        h->title = strdup("");
        h->snippet = strdup("");
        return h->title && h->snippet ? SC_OK : sc_err_set(hc->err, SC_ENOMEM, "out of memory");
    }
    /* a paywall marker may sit inside the title line: below member, only
       its free part goes out */
    h->title = hc->can_read_paid || !d->title ? sc_strdup(d->title ? d->title : "")
                                             : sc_title_public(d->title, d->free_chars);
    h->date = sc_strdup(d->date);
    if (d->doc_type) { free(h->type); h->type = sc_strdup(d->doc_type); }
    h->year = d->year;
    int rc = hc->c[i].occ ? sc_snippet_at(d, hc->q, hc->c[i].occ, hc->c[i].n_occ, h, hc->err)
                          : sc_snippet(d, hc->can_read_paid, hc->q, hc->c[i].body_occ, h, hc->err);
    if (!rc && (!h->title || !h->type)) rc = sc_err_set(hc->err, SC_ENOMEM, "out of memory");
    return rc;
}

/* Fills hits[0..n) from the candidates c[0..n): the index's columns, then
** (with a store) one walk over the store for titles and snippets. */
static int make_hits(sc_store *st, const sc_snapshot *snap, const cand *c, size_t n, const sc_query *q,
                     int can_read_paid, sc_hit *hits, sc_err *err)
{
    int64_t *nums = malloc((n ? n : 1) * sizeof *nums);
    uint64_t *ats = malloc((n ? n : 1) * sizeof *ats);
    int rc = nums && ats ? SC_OK : sc_err_set(err, SC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        nums[i] = c[i].num;
        ats[i] = sc_seg_text_at(snap->v[c[i].view].seg, c[i].doc);
        rc = hit_from_index(snap, &c[i], &hits[i], err);
    }
    hit_ctx hc = {hits, c, q, can_read_paid, err};
    if (!rc && st) rc = sc_store_each_hit(st, nums, ats, n, can_read_paid ? 1 : 0, hit_from_store, &hc, err);
    free(nums);
    free(ats);
    return rc;
}

int sc_search(sc_index *ix, sc_store *st, const sc_search_opts *opts, sc_results **out, sc_err *err)
{
    *out = NULL;
    double t0 = now_ms();
    sc_query q;
    int rc = sc_query_parse(opts->query, &q, err);
    if (rc) return rc;
    sc_snapshot *snap = sc_index_snapshot(ix);
    sc_results *r = calloc(1, sizeof *r);
    qctx x = {0};
    if (!snap || !r) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
    long limit = opts->limit <= 0 ? 10 : opts->limit > MAX_LIMIT ? MAX_LIMIT : opts->limit;
    long offset = opts->offset < 0 ? 0 : opts->offset > MAX_OFFSET ? MAX_OFFSET : opts->offset;
    x.q = &q;
    x.o = opts;
    x.snap = snap;
    x.scoring = !opts->count_only || opts->want_ids;
    x.col.sort = opts->sort == SC_SORT_DATE ? SC_SORT_DATE : SC_SORT_RELEVANCE;
    x.col.keep = opts->want_ids ? 0 : (size_t)(offset + limit);
    for (size_t i = 0; i < q.n; i++) x.n_alts += q.c[i].n;
    /* members' snippets from the index's positions: every positive phrase
       must have them (two characters or more), and a top k must be kept */
    x.occ_known = 1;
    x.keep_occ = st && opts->can_read_paid && x.col.keep && !opts->count_only && !opts->scan_snippets;
    for (size_t i = 0; i < q.n; i++)
        for (size_t j = 0; j < q.c[i].n; j++) {
            const sc_qalt *a = &q.c[i].alts[j];
            x.occ_known &= !sc_phrase_has_nl(a);
            if (!q.c[i].neg && a->kind == SC_Q_PHRASE && a->n < 2) x.keep_occ = 0;
        }
    x.keep_occ &= x.occ_known;
    x.idf = calloc(x.n_alts + 1, sizeof *x.idf);
    if ((x.terms = malloc(sizeof *x.terms))) x.terms->n = 0;
    if (!x.idf) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
    if (x.scoring) {
        size_t ai = 0;
        for (size_t i = 0; i < q.n; i++)
            for (size_t j = 0; j < q.c[i].n; j++, ai++)
                if (is_phrase(&q.c[i].alts[j]))
                    x.idf[ai] = sc_idf((double)snap->n_docs, phrase_df(snap, x.terms, &q.c[i].alts[j]));
    }
    for (uint32_t v = 0; v < snap->n && !rc; v++) rc = run_view(&x, v, err);
    if (rc) goto out;
    r->total = x.total;
    if (x.scoring) {
        if (x.col.n) qsort(x.col.v, x.col.n, sizeof *x.col.v, x.col.sort == SC_SORT_DATE ? cmp_date : cmp_rel);
        if (opts->want_ids) {
            r->ids = calloc(x.col.n + 1, sizeof *r->ids);
            if (!r->ids) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
            for (size_t i = 0; i < x.col.n; i++) {
                const sc_seg *s = snap->v[x.col.v[i].view].seg;
                char ib[SC_SEG_ID_BUF];
                if (!(r->ids[i] = strdup(sc_seg_id(s, x.col.v[i].doc, ib)))) { rc = SC_ENOMEM; break; }
                r->n_ids++;
            }
            if (rc) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
        }
        if (!opts->count_only && (size_t)offset < x.col.n) {
            size_t n = x.col.n - (size_t)offset;
            if (n > (size_t)limit) n = (size_t)limit;
            r->hits = calloc(n, sizeof *r->hits);
            if (!r->hits) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
            r->n_hits = n;
            rc = make_hits(st, snap, x.col.v + offset, n, &q, opts->can_read_paid, r->hits, err);
        }
    }
out:
    for (size_t i = 0; i < x.col.n; i++) free(x.col.v[i].occ);
    free(x.starts.v);
    free(x.idf);
    free(x.terms);
    free(x.col.v);
    sc_query_free(&q);
    sc_snapshot_release(snap);
    if (rc) { sc_results_free(r); return rc; }
    r->took_ms = now_ms() - t0;
    *out = r;
    return SC_OK;
}

void sc_results_free(sc_results *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_hits; i++) {
        sc_hit *h = &r->hits[i];
        free(h->id);
        free(h->title);
        free(h->type);
        free(h->date);
        free(h->snippet);
        free(h->highlights);
    }
    free(r->hits);
    for (size_t i = 0; i < r->n_ids; i++) free(r->ids[i]);
    free(r->ids);
    free(r);
}

static void json_str(sc_buf *b, const char *s)
{
    if (!s) sc_buf_adds(b, "null");
    else sc_buf_add_json_str(b, s, strlen(s));
}

char *sc_results_json(const sc_results *r, int with_ids)
{
    sc_buf b = SC_BUF_INIT;
    sc_buf_addf(&b, "{\"total\":%llu,\"took_ms\":%.3f,\"hits\":[", (unsigned long long)r->total, r->took_ms);
    for (size_t i = 0; i < r->n_hits; i++) {
        const sc_hit *h = &r->hits[i];
        if (i) sc_buf_addc(&b, ',');
        sc_buf_adds(&b, "{\"id\":");
        json_str(&b, h->id);
        sc_buf_adds(&b, ",\"title\":");
        json_str(&b, h->title);
        sc_buf_adds(&b, ",\"type\":");
        json_str(&b, h->type);
        if (h->year) sc_buf_addf(&b, ",\"year\":%d", h->year);
        else sc_buf_adds(&b, ",\"year\":null");
        sc_buf_addf(&b, ",\"score\":%.4f,\"snippet\":", h->score);
        json_str(&b, h->snippet ? h->snippet : "");
        sc_buf_adds(&b, ",\"highlights\":[");
        for (size_t k = 0; k < h->n_highlights; k++)
            sc_buf_addf(&b, "%s[%u,%u]", k ? "," : "", h->highlights[k][0], h->highlights[k][1]);
        sc_buf_addf(&b, "],\"in_paid_part\":%s}", h->in_paid_part ? "true" : "false");
    }
    sc_buf_addc(&b, ']');
    if (with_ids) {
        sc_buf_adds(&b, ",\"ids\":[");
        for (size_t i = 0; i < r->n_ids; i++) {
            if (i) sc_buf_addc(&b, ',');
            json_str(&b, r->ids[i]);
        }
        sc_buf_addc(&b, ']');
    }
    sc_buf_addc(&b, '}');
    return sc_buf_detach(&b);
}
