/* rank.c — BM25 with a title boost; see rank.h (sc_bm25 is inline there). */
#include "rank.h"

#include <math.h>

double sc_idf(double n, double df)
{
    if (df > n) df = n;
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}
