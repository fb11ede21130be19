/* search.c — STUB: finds nothing. Replaced by the search engine work. */
#include "search.h"

#include <stdlib.h>
#include <string.h>

int sc_search(sc_index *ix, sc_store *st, const sc_search_opts *opts, sc_results **out, sc_err *err)
{
    (void)ix; (void)st; (void)opts;
    *out = calloc(1, sizeof **out);
    return *out ? SC_OK : sc_err_set(err, SC_ENOMEM, "out of memory");
}

void sc_results_free(sc_results *r) { free(r); }

char *sc_results_json(const sc_results *r, int with_ids)
{
    (void)r; (void)with_ids;
    return strdup("{\"total\":0,\"took_ms\":0,\"hits\":[]}");
}
