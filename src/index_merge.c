/*
** index_merge.c — the writer's merges and garbage collection (index_priv.h).
**
** Merging: at commit, while more than MERGE_MAX segments exist (or all of
** them, when an optimize was asked), the MERGE_WIDTH segments with the
** fewest live documents are rewritten as one new segment without their
** deleted documents, and replace their inputs in the working set (ix->ws).
** Document numbers are renumbered in input order, the inputs taken by their
** first store number; term keys are merged in ascending order from each
** input's dictionary.  The new segment is only a file until the next commit
** point names it: a crash meanwhile leaves the old commit intact and the
** file as garbage.
**
** Garbage collection: after each commit, the writer removes the files of
** its folder that the commit point (its working set) does not name:
** segments and deletion bitmaps of older generations, and *.tmp files.
** sc_index_discard removes all of them, before a rebuild of an index that
** cannot be opened.
**
** Both run in the writer only, under the index's single-writer contract
** (index.h); readers keep their own references to the mapped segments.
*/
#include "index_priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#define MERGE_MAX 8
#define MERGE_WIDTH 6

/* ---- garbage ------------------------------------------------------------- */

/* Removes files that the commit point does not name. */
void sc_ix_collect_garbage(sc_index *ix)
{
    DIR *d = opendir(ix->dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned no, gen;
        int keep = 1, used = 0;
        char tail[8];
        if (sscanf(de->d_name, "seg-%u.sxs%1s", &no, tail) == 1) {
            keep = 0;
            for (size_t i = 0; i < ix->n_ws; i++) if (ix->ws[i].seg->no == no) keep = 1;
        } else if (sscanf(de->d_name, "seg-%u.del-%u%n", &no, &gen, &used) == 2 && !de->d_name[used]) {
            keep = 0;
            for (size_t i = 0; i < ix->n_ws; i++)
                if (ix->ws[i].seg->no == no && ix->ws[i].del_gen == gen) keep = 1;
        } else if (strstr(de->d_name, ".tmp")) {
            keep = 0;
        }
        if (!keep) {
            char p[4400];
            snprintf(p, sizeof p, "%s/%s", ix->dir, de->d_name);
            unlink(p);
        }
    }
    closedir(d);
}

/* Removes the index's own files from dir/index: a rebuild's clean slate. */
int sc_index_discard(const char *dir, sc_err *err)
{
    char ix[4200];
    snprintf(ix, sizeof ix, "%s/index", dir);
    DIR *d = opendir(ix);
    if (!d) return SC_OK;         /* nothing to discard */
    struct dirent *de;
    int rc = SC_OK;
    while ((de = readdir(d))) {
        unsigned no;
        int ours = !strcmp(de->d_name, "COMMIT") || sscanf(de->d_name, "seg-%u.", &no) == 1 || strstr(de->d_name, ".tmp");
        if (!ours) continue;
        char p[4500];
        snprintf(p, sizeof p, "%s/%s", ix, de->d_name);
        if (unlink(p) != 0 && !rc) rc = sc_err_set(err, SC_EIO, "%s: cannot remove: %s", p, strerror(errno));
    }
    closedir(d);
    return rc;
}

/* ---- merging ------------------------------------------------------------- */

/* Documents in ascending store number, the order they were added in: a
** merged segment's num column is then an almost linear run (a few bits a
** document instead of 19 on the whole corpus) and its ids, dates and
** sources stay in runs too.  Results do not depend on the order. */
static int cmp_first_num(const void *a, const void *b)
{
    const sc_seg *x = (*(sc_ix_wseg *const *)a)->seg, *y = (*(sc_ix_wseg *const *)b)->seg;
    int64_t nx = x->n_docs ? x->num[0] : INT64_MAX, ny = y->n_docs ? y->num[0] : INT64_MAX;
    return (nx > ny) - (nx < ny);
}

static int cmp_live(const void *a, const void *b)
{
    const sc_ix_wseg *x = *(sc_ix_wseg *const *)a, *y = *(sc_ix_wseg *const *)b;
    uint32_t lx = x->seg->n_docs - x->n_del, ly = y->seg->n_docs - y->n_del;
    return lx < ly ? -1 : lx > ly ? 1 : (x->seg->no > y->seg->no) - (x->seg->no < y->seg->no);
}

/* Merges ins[0..k) (working-set entries) into a new segment file. */
static int merge_segs(sc_index *ix, sc_ix_wseg **ins, size_t k, uint32_t no, sc_err *err)
{
    char path[4300];
    sc_ix_seg_path(ix, no, path, sizeof path);
    uint32_t total = 0;
    for (size_t i = 0; i < k; i++) total += ins[i]->seg->n_docs - ins[i]->n_del;
    uint32_t **remap = calloc(k, sizeof *remap);
    sc_docmeta *dm = calloc((size_t)total + 1, sizeof *dm);
    sc_dictcur *cur = calloc(k, sizeof *cur);
    int *live = calloc(k, sizeof *live);
    size_t *id_off = calloc((size_t)total + 1, sizeof *id_off);   /* ids of patterns are made, not mapped */
    sc_buf ids = SC_BUF_INIT;
    sc_postit it = {0};
    sc_ix_plist pl = {0};
    sc_segw *w = NULL;
    int rc = SC_OK;
    if (!remap || !dm || !cur || !live || !id_off) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); goto out; }
    uint32_t nd = 0;
    for (size_t i = 0; i < k && !rc; i++) {
        const sc_seg *s = ins[i]->seg;
        if (!(remap[i] = malloc(((size_t)s->n_docs + 1) * sizeof **remap))) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
        for (uint32_t d = 0; d < s->n_docs; d++) {
            if (ins[i]->del[d >> 3] >> (d & 7) & 1) { remap[i][d] = UINT32_MAX; continue; }
            remap[i][d] = nd;
            char ib[SC_SEG_ID_BUF];
            const char *id = sc_seg_id(s, d, ib);
            id_off[nd] = ids.len;
            sc_buf_add(&ids, id, strlen(id) + 1);
            dm[nd] = (sc_docmeta){s->num[d], s->len[d], sc_seg_title_len(s, d), sc_seg_year(s, d), sc_seg_date(s, d),
                                  sc_seg_type(s, d), sc_seg_source(s, d), NULL, sc_seg_text_at(s, d)};
            nd++;
        }
        sc_dictcur_start(&cur[i], s);
        live[i] = sc_dictcur_next(&cur[i]);
    }
    if (!rc && ids.oom) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < nd; i++) dm[i].id = ids.data + id_off[i];   /* ids has stopped moving */
    if (!rc) rc = sc_segw_open(path, &w, err);
    if (!rc) rc = sc_segw_docs(w, dm, nd, err);
    while (!rc) {
        uint64_t key = UINT64_MAX;
        int any = 0;
        for (size_t i = 0; i < k; i++)
            if (live[i] && (!any || cur[i].t.key < key)) { key = cur[i].t.key; any = 1; }
        if (!any) break;
        pl.n = pl.np = 0;
        for (size_t i = 0; i < k && !rc; i++) {
            if (!live[i] || cur[i].t.key != key) continue;
            sc_postit_init(&it, &cur[i].t);
            for (uint32_t d = sc_postit_next(&it); d != SC_DOC_END; d = sc_postit_next(&it)) {
                if (d >= ins[i]->seg->n_docs) { it.bad = 1; break; }
                /* without deletions the new number is an offset: no
                   lookup in remap, whose misses were most of a merge */
                uint32_t nd2 = ins[i]->n_del ? remap[i][d] : remap[i][0] + d;
                if (nd2 == UINT32_MAX) continue;
                if (it.positional) {
                    uint32_t np;
                    const uint32_t *ps = sc_postit_positions(&it, &np);
                    if (!ps) { it.bad = 1; break; }
                    if (sc_ix_pl_pos_n(&pl, ps, np)) rc = SC_ENOMEM;
                }
                if (sc_ix_pl_doc(&pl, nd2, sc_postit_tf(&it))) rc = SC_ENOMEM;
            }
            if (it.bad) rc = sc_err_set(err, SC_EINDEX, "%s: damaged postings; run `sucai index rebuild`", ins[i]->seg->path);
            else if (rc) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
            live[i] = sc_dictcur_next(&cur[i]);
            if (cur[i].bad) rc = sc_err_set(err, SC_EINDEX, "%s: damaged dictionary", ins[i]->seg->path);
        }
        if (!rc) rc = sc_segw_term(w, key, pl.docs, pl.tfs, (uint32_t)pl.n, pl.pos, err);
    }
    if (!rc) { rc = sc_segw_finish(w, err); w = NULL; }
out:
    if (w) sc_segw_abort(w);
    sc_postit_free(&it);
    sc_ix_pl_free(&pl);
    if (remap) for (size_t i = 0; i < k; i++) free(remap[i]);
    free(remap);
    free(dm);
    free(cur);
    free(live);
    free(id_off);
    sc_buf_free(&ids);
    return rc;
}

/* Merges the smallest segments while there are too many. */
int sc_ix_maybe_merge(sc_index *ix, sc_err *err)
{
    while (ix->n_ws > MERGE_MAX || (ix->optimize && ix->n_ws > 1)) {
        sc_ix_wseg **by = malloc(ix->n_ws * sizeof *by);
        if (!by) return sc_err_set(err, SC_ENOMEM, "out of memory");
        for (size_t i = 0; i < ix->n_ws; i++) by[i] = &ix->ws[i];
        qsort(by, ix->n_ws, sizeof *by, cmp_live);
        size_t k = ix->optimize ? ix->n_ws : MERGE_WIDTH;
        qsort(by, k, sizeof *by, cmp_first_num);
        uint32_t no = ix->next_seg++;
        int rc = merge_segs(ix, by, k, no, err);
        if (rc) { free(by); return rc; }
        char path[4300];
        sc_ix_seg_path(ix, no, path, sizeof path);
        sc_seg *seg;
        if ((rc = sc_seg_open(path, no, &seg, err))) { free(by); return rc; }
        /* drop the inputs from the working set */
        uint32_t *gone = malloc(k * sizeof *gone);
        if (!gone) { free(by); sc_seg_release(seg); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
        for (size_t i = 0; i < k; i++) gone[i] = by[i]->seg->no;
        free(by);
        size_t o = 0;
        for (size_t i = 0; i < ix->n_ws; i++) {
            int drop = 0;
            for (size_t j = 0; j < k; j++) if (ix->ws[i].seg->no == gone[j]) drop = 1;
            if (drop) { sc_seg_release(ix->ws[i].seg); free(ix->ws[i].del); }
            else ix->ws[o++] = ix->ws[i];
        }
        ix->n_ws = o;
        free(gone);
        if (sc_ix_ws_push(ix, seg, NULL, 0, 0)) { sc_seg_release(seg); return sc_err_set(err, SC_ENOMEM, "out of memory"); }
        if (ix->map_ready && sc_ix_map_add_seg(ix, &ix->ws[ix->n_ws - 1])) return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    return SC_OK;
}
