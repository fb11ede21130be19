/*
** seg_stats.c — where the bytes of index segments go: per section (doc
** columns, strings, postings, dictionary, block index), and for postings
** per key class (SC_KEY_UNI / SC_KEY_TUNI / SC_KEY_BI) and per part (short
** lists whole, skip tables, doc gaps, tf - 1, first positions, the other
** positions).  Reads segments read-only; changes nothing.
**
**   build-bench/bench/seg_stats LIBRARY/index/seg-*.sxs
**
** Bytes of parts are their bits / 8 (a block's final padding counts with its
** last part), so the parts of a class add up to its postings bytes.
*/
#include <stdio.h>
#include <stdlib.h>

#include "index_seg.h"

typedef struct cls { uint64_t terms, df, bytes, dict; sc_post_bits b; } cls;

static void print_cls(const char *name, const cls *c)
{
    printf("%-5s %9llu terms, postings %8.2f MB, dict %6.2f MB, df %llu\n", name, (unsigned long long)c->terms,
           c->bytes / 1e6, c->dict / 1e6, (unsigned long long)c->df);
    const char *pn[] = {"df<=3 lists", "skip tables", "doc gaps", "tf - 1", "first positions", "other positions"};
    uint64_t v[] = {c->b.small, c->b.skip, c->b.docs, c->b.tfs, c->b.pos_first, c->b.pos_rest};
    for (int i = 0; i < 6; i++)
        if (v[i]) printf("        %-16s %8.2f MB\n", pn[i], v[i] / 8e6);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: seg_stats SEGMENT...\n"); return 2; }
    cls c[3] = {{0}};
    uint64_t files = 0, docs = 0, cols = 0, strings = 0, post = 0, dict = 0, index = 0;
    sc_postit it = {0};
    for (int a = 1; a < argc; a++) {
        sc_seg *s;
        sc_err e = {0};
        if (sc_seg_open(argv[a], 1, &s, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
        files += s->size;
        docs += s->n_docs;
        cols += (uint64_t)(s->strings - (const char *)s->map) - 128;
        strings += s->strings_len;
        post += s->post_len;
        dict += s->dict_len;
        index += s->n_blocks * 24;
        sc_dictcur dc;
        sc_dictcur_start(&dc, s);
        for (const uint8_t *p = s->dict; sc_dictcur_next(&dc); p = dc.p) {   /* entries follow each other */
            cls *k = &c[dc.t.key >> 42 < 3 ? dc.t.key >> 42 : 2];
            k->terms++;
            k->df += dc.t.df;
            k->bytes += dc.t.len;
            k->dict += (uint64_t)(dc.p - p);
            if (sc_postit_bits(&it, &dc.t, &k->b)) { fprintf(stderr, "%s: damaged postings\n", argv[a]); return 1; }
        }
        sc_seg_release(s);
    }
    sc_postit_free(&it);
    printf("%d segments, %llu documents, %.2f MB\n", argc - 1, (unsigned long long)docs, files / 1e6);
    printf("  doc columns %.2f MB (%.2f bytes a doc), strings %.2f MB, postings %.2f MB, dictionary %.2f MB, "
           "block index %.2f MB\n", cols / 1e6, docs ? (double)cols / docs : 0, strings / 1e6, post / 1e6, dict / 1e6,
           index / 1e6);
    print_cls("UNI", &c[0]);
    print_cls("TUNI", &c[1]);
    print_cls("BI", &c[2]);
    return 0;
}
