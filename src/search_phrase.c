/*
** search_phrase.c — the phrase matcher (search_priv.h): the documents of one
** segment that hold a phrase, from posting iterators, never from the text.
**   1 character   the unigram list (tf), plus the title-unigram list for the
**                 title boost;
**   2 characters  the bigram list (tf; positions only for title counts,
**                 and for a top k only where the document could enter it);
**   3 or more     bigrams at offsets 0, 2, 4, ... and n-2 that cover the
**                 phrase; the rarest leads, the others advance() to it over
**                 their skip tables, and a document matches when positions
**                 p, p+2, ... line up (checked rarest first, decoding no
**                 more positions than needed).  After GAP_AFTER candidates
**                 fail, the skipped bigrams 1, 3, ... join the document
**                 filter.
*/
#include "search_priv.h"

#include <stdlib.h>
#include <string.h>

/* After this many candidates turned down by their positions, a phrase of 4
** or more characters also requires, document by document, the bigrams the
** sc_phrase_cover skips (1, 3, ... of 大量通过: 量通): a document missing one cannot
** hold the phrase, and such a bigram is often far rarer than the phrase's
** parts (706 candidates of 大量通过 on the whole corpus, one match). */
#define GAP_AFTER 16

int sc_phrase_has_nl(const sc_qalt *a)
{
    for (size_t i = 0; i < a->n; i++) if (a->cps[i] == '\n') return 1;
    return 0;
}

/* Bigram offsets covering a phrase of n >= 2 characters; returns count. */
size_t sc_phrase_cover(size_t n, uint32_t *offs)
{
    size_t k = 0;
    for (size_t o = 0; o + 2 <= n; o += 2) offs[k++] = (uint32_t)o;
    if (offs[k - 1] != n - 2) offs[k++] = (uint32_t)(n - 2);
    return k;
}

int sc_terms_get(sc_terms *m, const sc_seg *seg, uint64_t key, sc_term *t)
{
    for (size_t i = 0; m && i < m->n; i++) {
        if (m->e[i].key != key || m->e[i].seg != seg) continue;
        if (m->e[i].found) *t = m->e[i].t;
        return m->e[i].found;
    }
    int found = sc_seg_term(seg, key, t);
    if (m && m->n < SC_TERMS_MEMO) {
        m->e[m->n].seg = seg, m->e[m->n].key = key, m->e[m->n].found = found;
        if (found) m->e[m->n].t = *t;
        m->n++;
    }
    return found;
}

int sc_pm_init(pmatch *pm, const sc_seg *seg, sc_terms *terms, const sc_qalt *a, int need_stats)
{
    memset(pm, 0, sizeof *pm);
    pm->alt = a;
    pm->seg = seg;
    pm->terms = terms;
    pm->title_only = a->kind == SC_Q_TITLE;
    pm->need_stats = need_stats;
    if (!a->n || sc_phrase_has_nl(a)) { pm->dead = 1; return SC_OK; }
    size_t cap = a->n == 1 ? 1 : a->n / 2 + 2;
    pm->its = calloc(cap, sizeof *pm->its);
    pm->offs = calloc(cap, sizeof *pm->offs);
    pm->order = calloc(cap, sizeof *pm->order);
    if (!pm->its || !pm->offs || !pm->order) return SC_ENOMEM;
    sc_term t;
    if (a->n == 1) {
        pm->k = 1;
        uint64_t key = pm->title_only ? SC_KEY_TUNI(a->cps[0]) : SC_KEY_UNI(a->cps[0]);
        if (!sc_terms_get(terms, seg, key, &t)) { pm->dead = 1; return SC_OK; }
        sc_postit_init(&pm->its[0], &t);
        if (!pm->title_only && need_stats && sc_terms_get(terms, seg, SC_KEY_TUNI(a->cps[0]), &t)) {
            sc_postit_init(&pm->tit, &t);
            pm->has_tit = 1;
        }
        return SC_OK;
    }
    pm->k = sc_phrase_cover(a->n, pm->offs);
    for (size_t i = 0; i < pm->k; i++) {
        uint32_t o = pm->offs[i];
        if (!sc_terms_get(terms, seg, SC_KEY_BI(a->cps[o], a->cps[o + 1]), &t)) { pm->dead = 1; return SC_OK; }
        sc_postit_init(&pm->its[i], &t);
        if (pm->its[i].df < pm->its[pm->lead].df) pm->lead = i;
    }
    /* A bigram between the covering ones that is rarer than all of them
    ** leads instead (面负 of 方面负责人参加了): candidates are then the
    ** documents that hold it, often a few dozen against thousands. */
    sc_term rare;
    uint32_t rare_o = 0;
    for (uint32_t o = 1; o + 2 < a->n; o += 2) {
        if (!sc_terms_get(terms, seg, SC_KEY_BI(a->cps[o], a->cps[o + 1]), &t)) { pm->dead = 1; return SC_OK; }
        if (t.df < (rare_o ? rare.df : pm->its[pm->lead].df)) rare = t, rare_o = o;
    }
    if (rare_o) {
        sc_postit_init(&pm->its[pm->k], &rare);
        pm->offs[pm->k] = rare_o;
        pm->lead = pm->k++;
    }
    size_t m = 0;                      /* insertion sort by df */
    for (size_t i = 0; i < pm->k; i++) {
        if (i == pm->lead) continue;
        size_t j = m++;
        for (; j && pm->its[pm->order[j - 1]].df > pm->its[i].df; j--) pm->order[j] = pm->order[j - 1];
        pm->order[j] = i;
    }
    return SC_OK;
}

void sc_pm_free(pmatch *pm)
{
    for (size_t i = 0; pm->its && i < pm->k; i++) sc_postit_free(&pm->its[i]);
    for (size_t i = 0; i < pm->n_gap; i++) sc_postit_free(&pm->gap[i]);
    free(pm->gap);
    sc_postit_free(&pm->tit);
    free(pm->its);
    free(pm->offs);
    free(pm->order);
}

uint64_t sc_pm_cost(const pmatch *pm) { return pm->dead ? 0 : pm->its[pm->lead].df; }

/* Counts occurrences of the phrase in the current doc of every iterator
** (all on the same doc); *tft gets those inside the title.  Each start of
** the lead bigram is checked against the other covering bigrams rarest
** first, and a bigram's positions (a whole block of them, decoded in
** index_postings.c) are only decoded when a start gets that far: most
** candidates of a rare phrase made of common bigrams fail on the first.
** starts (NULL: not wanted) gets each match's start, ascending. */
static uint32_t verify(pmatch *pm, uint32_t title_len, uint32_t *tft, uint32_t *starts)
{
    size_t k = pm->k, n = pm->alt->n, ready = 0;   /* ready: order[0..ready) decoded */
    const uint32_t *ps[130];
    uint32_t np[130], at[130], nl;
    const uint32_t *lp = sc_postit_positions(&pm->its[pm->lead], &nl);
    uint32_t lo = pm->offs[pm->lead], tf = 0;
    *tft = 0;
    if (!lp) return 0;
    for (uint32_t j = 0; j < nl; j++) {
        if (lp[j] < lo) continue;
        uint32_t s = lp[j] - lo;
        size_t r;
        for (r = 0; r + 1 < k; r++) {
            if (r == ready) {
                if (!(ps[r] = sc_postit_positions(&pm->its[pm->order[r]], &np[r]))) return 0;
                at[r] = 0;
                ready++;
            }
            uint32_t want = s + pm->offs[pm->order[r]];
            while (at[r] < np[r] && ps[r][at[r]] < want) at[r]++;
            if (at[r] >= np[r]) return tf;      /* no later start can match */
            if (ps[r][at[r]] != want) break;
        }
        if (r + 1 >= k) {
            if (starts) starts[tf] = s;
            tf++;
            if (s + n <= title_len) (*tft)++;
        }
    }
    return tf;
}

/* Adds the iterators of the bigrams at odd offsets the sc_phrase_cover skips (see
** GAP_AFTER) that are no more common than the lead (a commoner one would
** cost more to walk than it saves); one the segment lacks means no
** document holds the phrase.  Out of memory it adds none: they only save
** work. */
static void add_gaps(pmatch *pm)
{
    size_t n = pm->alt->n;
    const uint32_t *c = pm->alt->cps;
    if (n < 4 || !(pm->gap = calloc(n / 2, sizeof *pm->gap))) return;
    for (size_t o = 1; o + 2 < n; o += 2) {
        sc_term t;
        if (o == pm->offs[pm->lead]) continue;          /* it leads already */
        if (!sc_terms_get(pm->terms, pm->seg, SC_KEY_BI(c[o], c[o + 1]), &t)) { pm->dead = 1; return; }
        if (t.df <= pm->its[pm->lead].df) sc_postit_init(&pm->gap[pm->n_gap++], &t);
    }
}

/* The first doc >= d holding every gap bigram (d itself when all do), or
** SC_DOC_END. */
static uint32_t gaps_at(pmatch *pm, uint32_t d)
{
    for (size_t i = 0; i < pm->n_gap; i++) {
        uint32_t o = sc_postit_advance(&pm->gap[i], d);
        if (o != d) return o;
    }
    return d;
}

/* The first matching doc >= target (SC_DOC_END if none), with tf. */
uint32_t sc_pm_next(pmatch *pm, uint32_t target)
{
    if (pm->dead) return SC_DOC_END;
    if (pm->started && pm->doc >= target) return pm->doc;
    pm->started = 1;
    const sc_seg *seg = pm->seg;
    for (;;) {
        sc_postit *lead = &pm->its[pm->lead];
        uint32_t d = sc_postit_advance(lead, target);
        if (d == SC_DOC_END || d >= seg->n_docs) return pm->doc = SC_DOC_END;
        if (pm->alt->n == 1) {
            pm->tf = pm->need_stats ? sc_postit_tf(lead) : 1;     /* counting needs no tf */
            pm->tf_title = pm->title_only ? pm->tf : 0;
            if (pm->has_tit && !pm->lazy_title && sc_postit_advance(&pm->tit, d) == d) pm->tf_title = sc_postit_tf(&pm->tit);
            return pm->doc = d;
        }
        int all = 1;
        for (size_t i = 0; i < pm->k; i++) {
            if (i == pm->lead) continue;
            uint32_t o = sc_postit_advance(&pm->its[i], d);
            if (o == SC_DOC_END) return pm->doc = SC_DOC_END;
            if (o > d) { target = o; all = 0; break; }
        }
        if (!all) continue;
        if (pm->n_gap) {
            uint32_t o = gaps_at(pm, d);
            if (o == SC_DOC_END) return pm->doc = SC_DOC_END;
            if (o > d) { target = o; continue; }
        }
        uint32_t tft = 0, tf;
        if (pm->k == 1 && !pm->title_only && (!pm->need_stats || pm->lazy_title)) {
            tf = pm->need_stats ? sc_postit_tf(lead) : 1;
        } else {
            tf = verify(pm, sc_seg_title_len(seg, d), &tft, NULL);
            if (pm->title_only) tf = tft;
        }
        if (!tf) {
            target = d + 1;
            if (++pm->fails == GAP_AFTER) add_gaps(pm);
            if (pm->dead) return pm->doc = SC_DOC_END;
            continue;
        }
        pm->tf = tf;
        pm->tf_title = tft;
        return pm->doc = d;
    }
}

/* How many title occurrences the current doc of a lazy two-character
** matcher (sc_pm_next left tf_title at 0) can have: at most tf, and at most
** one per start inside the title. */
uint32_t sc_pm_title_max(const pmatch *pm, uint32_t title_len)
{
    if (!pm->lazy_title || title_len < 2) return 0;
    return pm->tf < title_len - 1 ? pm->tf : title_len - 1;
}

/* Sets tf_title for the current doc of a lazy matcher, as sc_pm_next would
** have (from the bigram's positions). */
void sc_pm_title(pmatch *pm, uint32_t title_len)
{
    uint32_t tft = 0;
    verify(pm, title_len, &tft, NULL);
    pm->tf_title = tft;
}

int sc_pm_starts(pmatch *pm, sc_u32v *out)
{
    if (pm->dead || !pm->started || pm->doc == SC_DOC_END || pm->alt->n < 2) return SC_ENOTFOUND;
    uint32_t nl, tft;
    /* every match starts at one of the lead bigram's positions (decoded
       here for a two-character phrase that left its title count lazy) */
    if (!sc_postit_positions(&pm->its[pm->lead], &nl)) return SC_ENOTFOUND;
    if (out->n + nl > out->cap) {
        size_t cap = out->cap ? out->cap : 64;
        while (cap < out->n + nl) cap *= 2;
        uint32_t *v = realloc(out->v, cap * sizeof *v);
        if (!v) return SC_ENOMEM;
        out->v = v;
        out->cap = cap;
    }
    out->n += verify(pm, 0, &tft, out->v + out->n);
    return SC_OK;
}

