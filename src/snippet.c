/*
** snippet.c — snippets and highlights (snippet.h).  Reads only the one
** document being shown, after the index has decided that it matches.
**
** Texts run to megabytes, and a hit shows 120 characters of one, so the
** body is never normalised whole: it is normalised a chunk at a time
** (sc_normalize_step) and scanned for the query's positive phrases, each
** occurrence keeping the byte offsets it would need as a window's start.
** Windows are weighed as the scan goes, by a sliding window over the
** occurrences in text order (each window: the occurrences that start at
** its first one and end within SPAN characters of it), so the work is
** linear in the text and the memory a chunk's worth.  The chosen window is
** then normalised again on its own, for the snippet's bytes and its
** highlights.  Positions below are code points of the normalised body,
** counted from its first character.
**
** sc_snippet_at skips the scan when the index has given every occurrence
** (a member's hit): the same weighing picks the window, and the text before
** it is only passed over (sc_normalize_skip) to find the window's bytes.
*/
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "utf8.h"

#define CONTEXT_BEFORE 20
#define SPAN (SC_SNIPPET_CHARS - CONTEXT_BEFORE)
#define CHUNK 4096
#define FIRST_CHUNK 256            /* most hits show an early occurrence */
#define KEEP (SC_Q_MAX_PHRASE + CONTEXT_BEFORE)   /* carried into the next chunk */

/* A positive phrase of the query; id: its place among the alternatives of
** the positive clauses (two alternatives are two phrases, even if equal). */
typedef struct phr {
    const uint32_t *cps;
    uint32_t n, id;
} phr;

/* An occurrence: start s, length n, phrase id; off_s: byte offset of its
** first character; off_ws: byte offset of the snippet it would start. */
typedef struct occ {
    uint32_t s, n, id, off_s, off_ws;
} occ;

typedef struct occv {
    occ *v;
    size_t n, cap;
} occv;

static int occ_push(occv *o, occ x)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        occ *v = realloc(o->v, cap * sizeof *v);
        if (!v) return SC_ENOMEM;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->n++] = x;
    return SC_OK;
}

/* Text order; at one start the longer first. */
static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s ? 1 : (x->n < y->n) - (x->n > y->n);
}

/* The positive PHRASE alternatives of q (title: ones are not in the body). */
static size_t positive_phrases(const sc_query *q, phr *out)
{
    size_t k = 0, id = 0;
    for (size_t c = 0; c < q->n; c++) {
        if (q->c[c].neg) continue;
        for (size_t a = 0; a < q->c[c].n; a++, id++) {
            const sc_qalt *al = &q->c[c].alts[a];
            if (al->kind == SC_Q_PHRASE && al->n) out[k++] = (phr){al->cps, (uint32_t)al->n, (uint32_t)(id & 255)};
        }
    }
    return k;
}

static int has_phrase(const sc_query *q)
{
    for (size_t c = 0; c < q->n; c++)
        for (size_t a = 0; !q->c[c].neg && a < q->c[c].n; a++)
            if (q->c[c].alts[a].kind == SC_Q_PHRASE) return 1;
    return 0;
}

/* ---- the weighing of windows ------------------------------------------- */

/* The best window so far (most distinct phrases, then most occurrences,
** then the first), over the pending occurrences v[front..n) in text order.
** Window i holds v[i..stop_i), stop_i being the first occurrence that ends
** past v[i].s + SPAN; stop_i never decreases, so one pass suffices. */
typedef struct weigh {
    occv p;
    size_t front, stop;
    uint32_t cnt[256];
    int d;                     /* distinct ids in v[front..stop) */
    int best_d, best_c, have;
    occ best;
} weigh;

static void weigh_front(weigh *w)
{
    occ *v = w->p.v;
    size_t f = w->front;
    if (w->stop < f) w->stop = f;
    for (; w->stop < w->p.n && v[w->stop].s + v[w->stop].n <= v[f].s + SPAN; w->stop++)
        if (!w->cnt[v[w->stop].id]++) w->d++;
    int c = (int)(w->stop - f);
    if (w->d > w->best_d || (w->d == w->best_d && c > w->best_c)) {
        w->best = v[f];
        w->best_d = w->d;
        w->best_c = c;
        w->have = 1;
    }
    if (f < w->stop && !--w->cnt[v[f].id]) w->d--;
    w->front++;
}

/* Weighs every window whose occurrences are all known: all starts before
** `known` have been scanned (SIZE_MAX: the text is done). */
static void weigh_upto(weigh *w, size_t known)
{
    while (w->front < w->p.n && (known == SIZE_MAX || w->p.v[w->front].s + (size_t)SPAN <= known)) weigh_front(w);
    if (w->front > 4096 && w->front * 2 > w->p.n) {       /* drop the weighed */
        if (w->stop < w->front) w->stop = w->front;
        memmove(w->p.v, w->p.v + w->front, (w->p.n - w->front) * sizeof *w->p.v);
        w->p.n -= w->front;
        w->stop -= w->front;
        w->front = 0;
    }
}

/* ---- the scan ---------------------------------------------------------- */

typedef struct scan {
    const char *text;
    size_t len, pos;           /* next byte to normalise */
    uint32_t prev;
    size_t base, have;         /* cps[0] is position base; have entries */
    uint32_t cps[KEEP + CHUNK], off[KEEP + CHUNK];
} scan;

/* Occurrences of ph starting in [from, lim) of the buffered chunk, added
** to o with their byte offsets. */
static int find_in_chunk(const scan *sc, const phr *ph, size_t np, size_t from, size_t lim, occv *o)
{
    size_t end = sc->base + sc->have;
    for (size_t k = 0; k < np; k++) {
        const phr *p = &ph[k];
        for (size_t s = from; s < lim && s + p->n <= end; s++) {
            const uint32_t *c = sc->cps + (s - sc->base);
            if (c[0] != p->cps[0] || (p->n > 1 && memcmp(c + 1, p->cps + 1, (p->n - 1) * sizeof *c))) continue;
            size_t ws = s > CONTEXT_BEFORE ? s - CONTEXT_BEFORE : 0;
            occ x = {(uint32_t)s, p->n, p->id, sc->off[s - sc->base], sc->off[ws - sc->base]};
            if (occ_push(o, x)) return SC_ENOMEM;
        }
    }
    if (o->n > 1) qsort(o->v, o->n, sizeof *o->v, cmp_occ);   /* (v is NULL while empty) */
    return SC_OK;
}

/* Scans the body (text[body..len)) and weighs its windows into *w, until
** it has found `need` occurrences (see sc_snippet) or the end. */
static int scan_body(scan *sc, size_t body, const phr *ph, size_t np, uint32_t need, weigh *w)
{
    size_t maxn = 1, next = 0, seen = 0;   /* next: the first start not yet tested */
    for (size_t k = 0; k < np; k++) if (ph[k].n > maxn) maxn = ph[k].n;
    sc->pos = body;
    sc->prev = 0;
    sc->base = sc->have = 0;
    occv found = {0};
    int rc = SC_OK;
    /* chunks grow from FIRST_CHUNK to CHUNK: the occurrences the index
       counted are often all in the first lines, and the rest of the
       text is then never normalised */
    for (size_t chunk = FIRST_CHUNK, eof = 0; !eof && !rc; chunk = chunk < CHUNK ? chunk * 2 : CHUNK) {
        /* keep what a start not yet tested may need: its phrase's tail
           is ahead, its snippet's start CONTEXT_BEFORE behind */
        size_t keep = next > sc->base + CONTEXT_BEFORE ? next - CONTEXT_BEFORE : sc->base;
        size_t drop = keep - sc->base;
        memmove(sc->cps, sc->cps + drop, (sc->have - drop) * sizeof *sc->cps);
        memmove(sc->off, sc->off + drop, (sc->have - drop) * sizeof *sc->off);
        sc->have -= drop;
        sc->base = keep;
        size_t got = sc_normalize_step(sc->text, sc->len, &sc->pos, &sc->prev, sc->cps + sc->have,
                                       sc->off + sc->have, chunk);
        sc->have += got;
        eof = got < chunk || sc->pos >= sc->len;
        size_t end = sc->base + sc->have;
        size_t lim = eof ? end : end + 1 >= maxn + next ? end + 1 - maxn : next;
        found.n = 0;
        rc = find_in_chunk(sc, ph, np, next, lim, &found);
        for (size_t i = 0; i < found.n && !rc; i++) rc = occ_push(&w->p, found.v[i]);
        next = lim;
        seen += found.n;
        if (seen >= need) eof = 1;      /* every occurrence is known: none can start later */
        if (!rc) weigh_upto(w, eof ? SIZE_MAX : next);
    }
    free(found.v);
    return rc;
}

/* ---- the snippet --------------------------------------------------------- */

/* Does a positive phrase (title: ones too) occur in the document's title?
** The title is the text's first line, or doc->title when the text does not
** start with it. */
static int title_has_phrase(const sc_doc *doc, const char *text, size_t len, int has_title, const sc_query *q)
{
    const char *t = has_title ? text : doc->title;
    size_t tl = has_title ? len : strlen(t);
    const char *nl = has_title ? memchr(text, '\n', len) : NULL;
    if (nl) tl = (size_t)(nl - text);
    sc_norm tn = {0};
    int hit = 0;
    if (sc_normalize(t, tl, 0, &tn) == SC_OK) {
        for (size_t c = 0; c < q->n && !hit; c++) {
            for (size_t a = 0; !q->c[c].neg && a < q->c[c].n && !hit; a++) {
                const sc_qalt *al = &q->c[c].alts[a];
                if ((al->kind != SC_Q_PHRASE && al->kind != SC_Q_TITLE) || !al->n) continue;
                for (size_t i = 0; i + al->n <= tn.n && !hit; i++)
                    hit = !memcmp(tn.cps + i, al->cps, al->n * sizeof *al->cps);
            }
        }
    }
    sc_norm_free(&tn);
    return hit;
}

/* The snippet from byte ws on (SC_SNIPPET_CHARS normalised characters,
** line breaks shown as spaces) and, if marked, the highlights of every
** occurrence inside it, overlapping ones merged. */
static int cut(const char *text, size_t len, size_t ws, int marked, const phr *ph, size_t np, sc_hit *hit)
{
    uint32_t cps[SC_SNIPPET_CHARS + 1], off[SC_SNIPPET_CHARS + 1], prev = 0;
    size_t pos = ws, n = sc_normalize_step(text, len, &pos, &prev, cps, off, SC_SNIPPET_CHARS);
    /* the window ends where its next character starts, past any spaces
       folded into its last one */
    uint32_t after;
    if (!sc_normalize_step(text, len, &pos, &prev, &after, off + n, 1)) off[n] = (uint32_t)len;
    size_t be = off[n];
    char *snip = malloc(be - ws + 1);
    if (!snip) return SC_ENOMEM;
    for (size_t i = ws; i < be; i++) snip[i - ws] = text[i] == '\n' ? ' ' : text[i];
    snip[be - ws] = 0;
    hit->snippet = snip;
    occv o = {0};
    for (size_t k = 0; marked && k < np; k++)
        for (size_t s = 0; s + ph[k].n <= n; s++)
            if (!memcmp(cps + s, ph[k].cps, ph[k].n * sizeof *cps) && occ_push(&o, (occ){(uint32_t)s, ph[k].n, 0, 0, 0}))
                { free(o.v); return SC_ENOMEM; }
    if (o.n > 1) qsort(o.v, o.n, sizeof *o.v, cmp_occ);
    uint32_t (*hl)[2] = o.n ? calloc(o.n, sizeof *hl) : NULL;
    if (o.n && !hl) { free(o.v); return SC_ENOMEM; }
    size_t nh = 0;
    for (size_t j = 0; j < o.n; j++) {
        size_t a = off[o.v[j].s], b = off[o.v[j].s + o.v[j].n];
        uint32_t s = (uint32_t)sc_utf8_count(text + ws, a - ws), l = (uint32_t)sc_utf8_count(text + a, b - a);
        if (nh && s <= hl[nh - 1][0] + hl[nh - 1][1]) {     /* overlap: merge */
            uint32_t e = s + l > hl[nh - 1][0] + hl[nh - 1][1] ? s + l : hl[nh - 1][0] + hl[nh - 1][1];
            hl[nh - 1][1] = e - hl[nh - 1][0];
        } else {
            hl[nh][0] = s;
            hl[nh][1] = l;
            nh++;
        }
    }
    free(o.v);
    hit->highlights = hl;
    hit->n_highlights = nh;
    return SC_OK;
}

/* Where doc's body starts in text[0..len): after the title line, or at 0
** when the title is kept apart (*has_title 0); len when the text is only a
** title line. */
static size_t body_start(const char *text, size_t len, const sc_doc *doc, int *has_title)
{
    *has_title = sc_text_has_title(text, len, doc->title);
    const char *nl = *has_title ? memchr(text, '\n', len) : NULL;
    return !*has_title ? 0 : nl ? (size_t)(nl - text) + 1 : len;
}

int sc_snippet(const sc_doc *doc, int full, const sc_query *q, uint32_t body_occ, sc_hit *hit, sc_err *err)
{
    const char *text = doc->text ? doc->text : "";
    size_t len = doc->text ? doc->len : 0;
    int has_title;
    size_t body = body_start(text, len, doc, &has_title);
    phr *ph = malloc((SC_Q_MAX_ALTS + 1) * sizeof *ph);
    scan *sc = malloc(sizeof *sc);
    weigh *w = calloc(1, sizeof *w);
    int rc = ph && sc && w ? SC_OK : SC_ENOMEM;
    size_t np = rc ? 0 : positive_phrases(q, ph);
    /* the index counted the body of the whole text: a visitor's text that
       ends inside the title line has no title line, and another body */
    if (!has_title && len <= strlen(doc->title)) body_occ = SC_OCC_UNKNOWN;
    if (!rc && np && body < len && body_occ) {
        sc->text = text;
        sc->len = len;
        rc = scan_body(sc, body, ph, np, body_occ, w);
    }
    if (!rc) {
        size_t ws = body;
        if (!w->have) {
            /* the index matched it: for a visitor, a phrase neither in the
               free text nor in the title must lie in (or reach into) the
               paid part */
            hit->in_paid_part = !full && has_phrase(q) && !title_has_phrase(doc, text, len, has_title, q);
        } else {
            ws = w->best.off_ws;
            hit->in_paid_part = full && w->best.off_s >= doc->free_len;
        }
        /* a visitor's doc holds only free text, so any window is free */
        rc = cut(text, len, ws, w->have, ph, np, hit);
    }
    if (w) free(w->p.v);
    free(w);
    free(sc);
    free(ph);
    return rc ? sc_err_set(err, SC_ENOMEM, "out of memory") : SC_OK;
}

int sc_snippet_at(const sc_doc *doc, const sc_query *q, const sc_body_occ *at, size_t n_at, sc_hit *hit,
                  sc_err *err)
{
    const char *text = doc->text ? doc->text : "";
    size_t len = doc->text ? doc->len : 0;
    int has_title;
    size_t body = body_start(text, len, doc, &has_title);
    phr *ph = malloc((SC_Q_MAX_ALTS + 1) * sizeof *ph);
    weigh *w = calloc(1, sizeof *w);
    int rc = ph && w ? SC_OK : SC_ENOMEM;
    size_t np = rc ? 0 : positive_phrases(q, ph);
    for (size_t i = 0; i < n_at && !rc && np && body < len; i++)
        rc = occ_push(&w->p, (occ){at[i].s, at[i].n, at[i].id & 255, 0, 0});
    if (!rc) {
        if (w->p.n > 1) qsort(w->p.v, w->p.n, sizeof *w->p.v, cmp_occ);
        weigh_upto(w, SIZE_MAX);
        size_t ws = body;
        hit->in_paid_part = 0;
        if (w->have) {
            /* the window's first byte, then its first occurrence's */
            uint32_t s = w->best.s, from = s > CONTEXT_BEFORE ? s - CONTEXT_BEFORE : 0, prev = 0;
            size_t pos = body;
            sc_normalize_skip(text, len, &pos, &prev, from);
            ws = pos;
            sc_normalize_skip(text, len, &pos, &prev, s - from);
            hit->in_paid_part = pos >= doc->free_len;
        }
        rc = cut(text, len, ws, w->have, ph, np, hit);
    }
    if (w) free(w->p.v);
    free(w);
    free(ph);
    return rc ? sc_err_set(err, SC_ENOMEM, "out of memory") : SC_OK;
}
