/*
** rank.h — BM25 (k1 = 1.2, b = 0.75) over a query's phrases.  A match in
** the title counts SC_TITLE_BOOST times.  Ties are broken by date (newest
** first), then by the store's number (newest first).
*/
#ifndef SC_RANK_H
#define SC_RANK_H

#define SC_BM25_K1 1.2
#define SC_BM25_B 0.75
#define SC_TITLE_BOOST 3.0

/* idf of a phrase found in df of n documents. */
double sc_idf(double n, double df);

/* One phrase's contribution: tf occurrences, tf_title of them in the
** title, in a document of len characters (avg: the mean length).  Inline:
** search calls it once per phrase per matching document, hundreds of
** thousands of times for a common character. */
static inline double sc_bm25(double idf, double tf, double tf_title, double len, double avg)
{
    double t = tf + (SC_TITLE_BOOST - 1.0) * tf_title;
    if (avg <= 0) avg = 1;
    return idf * t * (SC_BM25_K1 + 1.0) / (t + SC_BM25_K1 * (1.0 - SC_BM25_B + SC_BM25_B * len / avg));
}

#endif
