/*
** search_priv.h — what search.c and search_phrase.c share: the phrase
** matcher, one per phrase and segment.  Internal to those files.
**
** A matcher walks the documents of one segment that hold its phrase, in
** order, with the phrase's tf (and tf in the title) for each; see
** search_phrase.c for how each length is matched.  Owns its iterators:
** sc_pm_free releases them (the pmatch itself is the caller's).
*/
#ifndef SC_SEARCH_PRIV_H
#define SC_SEARCH_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "index_seg.h"
#include "query.h"

/* The dictionary lookups of one query, remembered: idf and the matchers
** ask for the same bigrams, and a lookup is a binary search and a block
** scan through cold memory.  Holds SC_TERMS_MEMO; past that it looks up. */
#define SC_TERMS_MEMO 64
typedef struct sc_terms {
    size_t n;
    struct { const sc_seg *seg; uint64_t key; int found; sc_term t; } e[SC_TERMS_MEMO];
} sc_terms;
/* sc_seg_term through the memo m (NULL: none). */
int sc_terms_get(sc_terms *m, const sc_seg *seg, uint64_t key, sc_term *t);

typedef struct pmatch {
    const sc_qalt *alt;
    const sc_seg *seg;
    sc_terms *terms;           /* the query's lookups (may be NULL) */
    int title_only, need_stats, dead, started;
    int lazy_title;            /* 2 chars: tf_title left to pm_title() (lazy_ok) */
    sc_postit *its;            /* k iterators */
    uint32_t *offs;
    size_t *order;             /* the k - 1 others than lead, rarest first */
    size_t k, lead;
    sc_postit tit;             /* 1 char: title-unigram list */
    int has_tit;
    sc_postit *gap;            /* the bigrams between the covering ones */
    size_t n_gap;
    uint32_t fails;            /* candidates verify() turned down */
    uint32_t doc, tf, tf_title;
} pmatch;

/* Bigram offsets covering a phrase of n >= 2 characters (0, 2, 4, ...
** and n - 2) into offs; returns their count. */
size_t sc_phrase_cover(size_t n, uint32_t *offs);
/* Does the phrase hold a line break (then it matches nothing)? */
int sc_phrase_has_nl(const sc_qalt *a);
/* Sets pm up for phrase a in seg; need_stats: tf and title counts are
** wanted (scoring).  SC_OK or SC_ENOMEM. */
int sc_pm_init(pmatch *pm, const sc_seg *seg, sc_terms *terms, const sc_qalt *a, int need_stats);
void sc_pm_free(pmatch *pm);
/* The lead iterator's df: what driving the query by this phrase costs. */
uint64_t sc_pm_cost(const pmatch *pm);
/* The first matching doc >= target (SC_DOC_END if none), with tf. */
uint32_t sc_pm_next(pmatch *pm, uint32_t target);

/* A growable array of uint32_t (v owned by whoever holds the struct). */
typedef struct sc_u32v {
    uint32_t *v;
    size_t n, cap;
} sc_u32v;

/* Appends to *out where the phrase starts in the current doc, ascending
** (positions of its title line, '\n', body sequence).  SC_ENOTFOUND when
** the index keeps no positions for it (one character), the posting list is
** damaged, or no doc is current; SC_ENOMEM. */
int sc_pm_starts(pmatch *pm, sc_u32v *out);
/* For a lazy two-character matcher: an upper bound of the current doc's
** title occurrences, and (sc_pm_title) their exact count into tf_title. */
uint32_t sc_pm_title_max(const pmatch *pm, uint32_t title_len);
void sc_pm_title(pmatch *pm, uint32_t title_len);

#endif
