/* rank.c — BM25 with a title boost; see rank.h. */
#include "rank.h"

#include <math.h>

double sc_idf(double n, double df)
{
    if (df > n) df = n;
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

double sc_bm25(double idf, double tf, double tf_title, double len, double avg)
{
    double t = tf + (SC_TITLE_BOOST - 1.0) * tf_title;
    if (avg <= 0) avg = 1;
    return idf * t * (SC_BM25_K1 + 1.0) / (t + SC_BM25_K1 * (1.0 - SC_BM25_B + SC_BM25_B * len / avg));
}
