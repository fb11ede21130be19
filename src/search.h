/*
** search.h — exact search over the library.
**
** A query is clauses separated by spaces, all of which must match (AND);
** `a|b` inside a clause is OR; `-clause` excludes; `"..."` quotes a phrase
** holding spaces or operator characters; fields title:, type:, year:2023,
** year:2019..2023, source:.  A phrase matches a document when it occurs as a
** contiguous string in the title or text after search normalisation
** (normalize.h).  Stages: query_parse.c -> search.c (posting lists, phrase
** verification by positions) -> rank.c (BM25, title boost) -> snippet.c.
*/
#ifndef SC_SEARCH_H
#define SC_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "index.h"
#include "store.h"

enum { SC_SORT_RELEVANCE = 0, SC_SORT_DATE = 1 };

typedef struct sc_search_opts {
    const char *query;     /* the query string (UTF-8) */
    long limit;            /* hits wanted (default 10) */
    long offset;           /* hits to skip */
    int sort;              /* SC_SORT_* */
    int can_read_paid;     /* may snippets come from the paid part? */
    int want_ids;          /* also return every matching id */
    int count_only;        /* total only, no hits */
    const char *type;      /* extra filter (AND), NULL = none */
    int year_from, year_to;/* extra filter, 0 = none */
    int scan_snippets;     /* 1: find every snippet's window by scanning the
                              text, as for visitors, even where the index
                              holds the positions (tests compare the two) */
} sc_search_opts;

typedef struct sc_hit {
    char *id, *title, *type, *date;
    int year;
    double score;
    char *snippet;          /* plain text, free part only unless can_read_paid */
    uint32_t (*highlights)[2]; /* [start, length] in code points of snippet */
    size_t n_highlights;
    int in_paid_part;       /* the best match lies in the paid part */
} sc_hit;

typedef struct sc_results {
    uint64_t total;
    double took_ms;
    sc_hit *hits;
    size_t n_hits;
    char **ids;             /* with want_ids: every match, in rank order */
    size_t n_ids;
} sc_results;

/* Runs a search.  *out is the caller's, freed with sc_results_free. */
int sc_search(sc_index *ix, sc_store *st, const sc_search_opts *opts,
              sc_results **out, sc_err *err);
void sc_results_free(sc_results *r);

/* The JSON object the CLI's --json and the API print:
** {"total","took_ms","hits":[{"id","title","type","year","score","snippet",
** "highlights":[[s,l],...],"in_paid_part"}]} plus "ids" when with_ids.
** Caller frees. */
char *sc_results_json(const sc_results *r, int with_ids);

#endif
