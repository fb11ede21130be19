/* fuzz_query.c — libFuzzer target for the query parser: any bytes must give
** SC_OK or SC_EQUERY (never a crash, leak or other code), and a parsed
** query must respect the documented limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size + 1);
    if (!q) return 0;
    memcpy(q, data, size);
    q[size] = '\0';       /* the parser takes C strings; an inner NUL ends it */
    sc_query pq;
    sc_err e = {0};
    int rc = sc_query_parse(q, &pq, &e);
    if (rc != SC_OK && rc != SC_EQUERY) abort();
    if (rc == SC_EQUERY && !e.msg[0]) abort();
    if (rc == SC_OK) {
        size_t alts = 0;
        int positive = 0;
        if (pq.n == 0 || pq.n > SC_Q_MAX_CLAUSES) abort();
        for (size_t i = 0; i < pq.n; i++) {
            alts += pq.c[i].n;
            positive |= !pq.c[i].neg;
            for (size_t j = 0; j < pq.c[i].n; j++)
                if (pq.c[i].alts[j].n > SC_Q_MAX_PHRASE) abort();
        }
        if (!positive || alts > SC_Q_MAX_ALTS) abort();
        sc_query_free(&pq);
    }
    free(q);
    return 0;
}
