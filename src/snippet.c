/*
** snippet.c — snippets and highlights (snippet.h).  Scans only the one
** document being shown, after the index has decided that it matches.
*/
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "utf8.h"

#define CONTEXT_BEFORE 20
#define MAX_OCC 2000

typedef struct occ { uint32_t s, n, phrase; } occ;

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s ? 1 : (x->n < y->n) - (x->n > y->n);
}

/* Occurrences of the query's positive phrases in cps[from, n). */
static size_t find_occ(const uint32_t *cps, size_t from, size_t n, const sc_query *q, occ *o, int *in_title,
                       size_t title_len)
{
    size_t k = 0, ph = 0;
    for (size_t c = 0; c < q->n; c++) {
        if (q->c[c].neg) continue;
        for (size_t a = 0; a < q->c[c].n; a++, ph++) {
            const sc_qalt *al = &q->c[c].alts[a];
            if ((al->kind != SC_Q_PHRASE && al->kind != SC_Q_TITLE) || !al->n) continue;
            for (size_t i = 0; i + al->n <= title_len; i++)
                if (!memcmp(cps + i, al->cps, al->n * 4)) { *in_title = 1; break; }
            if (al->kind == SC_Q_TITLE) continue;
            for (size_t i = from; i + al->n <= n && k < MAX_OCC; i++) {
                if (cps[i] != al->cps[0] || memcmp(cps + i, al->cps, al->n * 4)) continue;
                o[k++] = (occ){(uint32_t)i, (uint32_t)al->n, (uint32_t)ph};
            }
        }
    }
    qsort(o, k, sizeof *o, cmp_occ);
    return k;
}

static int has_phrase(const sc_query *q)
{
    for (size_t c = 0; c < q->n; c++)
        for (size_t a = 0; !q->c[c].neg && a < q->c[c].n; a++)
            if (q->c[c].alts[a].kind == SC_Q_PHRASE) return 1;
    return 0;
}

int sc_snippet(const sc_doc *doc, int full, const sc_query *q, sc_hit *hit, sc_err *err)
{
    sc_norm nm = {0};
    const char *text = doc->text ? doc->text : "";
    size_t len = doc->text ? doc->len : 0;
    occ *o = malloc(MAX_OCC * sizeof *o);
    if (!o || sc_normalize(text, len, 1, &nm)) { free(o); sc_norm_free(&nm); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    size_t n = nm.n, body = n;
    int has_title = sc_text_has_title(text, len, doc->title);
    if (has_title) {
        for (size_t i = 0; i < n; i++) if (nm.cps[i] == '\n') { body = i + 1; break; }
    } else {
        body = 0;                       /* the title is kept apart */
    }
    size_t title_len = body ? body - 1 : 0;
    if (body > n) body = n;
    int in_title = 0;
    size_t k = find_occ(nm.cps, body, n, q, o, &in_title, title_len);
    if (!has_title) {
        sc_norm tn = {0};
        occ dummy[1];
        const char *t = doc->title;
        if (sc_normalize(t, strlen(t), 0, &tn) == SC_OK)
            find_occ(tn.cps, tn.n, tn.n, q, dummy, &in_title, tn.n);
        sc_norm_free(&tn);
    }
    /* best window: most distinct phrases, then most occurrences */
    size_t best = SIZE_MAX;
    int best_d = 0, best_c = 0;
    for (size_t i = 0; i < k; i++) {
        uint64_t seen[4] = {0};
        int d = 0, c = 0;
        size_t ws = o[i].s;
        for (size_t j = i; j < k && o[j].s + o[j].n <= ws + SC_SNIPPET_CHARS - CONTEXT_BEFORE; j++) {
            c++;
            uint32_t ph = o[j].phrase & 255;
            if (!(seen[ph / 64] >> (ph % 64) & 1)) { seen[ph / 64] |= 1ull << (ph % 64); d++; }
        }
        if (d > best_d || (d == best_d && c > best_c)) { best = i; best_d = d; best_c = c; }
    }
    size_t ws, we;
    if (best == SIZE_MAX) {
        /* the index matched it: for a visitor, a phrase neither in the free
           text nor in the title must lie in (or reach into) the paid part */
        ws = body;
        hit->in_paid_part = !full && !in_title && has_phrase(q);
    } else {
        ws = o[best].s > body + CONTEXT_BEFORE ? o[best].s - CONTEXT_BEFORE : body;
        hit->in_paid_part = full && nm.off[o[best].s] >= doc->free_len;
    }
    /* a visitor's doc holds only free text, so any window is free */
    we = ws + SC_SNIPPET_CHARS < n ? ws + SC_SNIPPET_CHARS : n;
    size_t bs = nm.off[ws], be = nm.off[we];
    sc_buf sb = SC_BUF_INIT;
    for (size_t i = bs; i < be; i++) sc_buf_addc(&sb, text[i] == '\n' ? ' ' : text[i]);
    if (!sb.data) sc_buf_adds(&sb, "");
    uint32_t (*hl)[2] = k ? calloc(k, sizeof *hl) : NULL;
    size_t nh = 0;
    if (best != SIZE_MAX) {
        for (size_t j = 0; j < k; j++) {
            if (o[j].s < ws || o[j].s + o[j].n > we) continue;
            uint32_t s = (uint32_t)sc_utf8_count(text + bs, nm.off[o[j].s] - bs);
            uint32_t l = (uint32_t)sc_utf8_count(text + nm.off[o[j].s], nm.off[o[j].s + o[j].n] - nm.off[o[j].s]);
            if (nh && s <= hl[nh - 1][0] + hl[nh - 1][1]) {     /* overlap: merge */
                uint32_t e = s + l > hl[nh - 1][0] + hl[nh - 1][1] ? s + l : hl[nh - 1][0] + hl[nh - 1][1];
                hl[nh - 1][1] = e - hl[nh - 1][0];
            } else if (hl) {
                hl[nh][0] = s;
                hl[nh][1] = l;
                nh++;
            }
        }
    }
    free(o);
    sc_norm_free(&nm);
    if (sb.oom || (k && !hl)) { sc_buf_free(&sb); free(hl); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
    hit->snippet = sc_buf_detach(&sb);
    hit->highlights = hl;
    hit->n_highlights = nh;
    return SC_OK;
}
