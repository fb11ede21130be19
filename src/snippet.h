/*
** snippet.h — the passage shown under a hit (snippet.c).
**
** Works on the document as the caller may read it: for a visitor the store
** returns the free part only, so no paid character can reach the snippet.
** The snippet is SC_SNIPPET_CHARS normalised characters of the body (line
** breaks shown as spaces) starting 20 before the first occurrence of the
** best window, or at the body's start; a window is an occurrence of a
** positive phrase and those after it that end within 100 characters of its
** start, and the best holds the most distinct phrases, then the most
** occurrences (every occurrence in the body counts), then comes first.
** Matched spans inside the snippet are returned as [start, length] in code
** points of the snippet, overlapping ones merged.  Time is linear in the
** text, memory bounded (the body is scanned a chunk at a time).
*/
#ifndef SC_SNIPPET_H
#define SC_SNIPPET_H

#include "doc.h"
#include "query.h"
#include "search.h"

#define SC_SNIPPET_CHARS 120

/* Fills hit->snippet, highlights, in_paid_part from doc.  full: doc holds
** the paid part too (then in_paid_part tells where the best match lies);
** otherwise a document whose phrases are not in its free text gets
** in_paid_part = 1 and the free beginning of its body.
** body_occ: how many occurrences of the query's positive phrases the whole
** body holds (free and paid part), as the index counted them, or
** SC_OCC_UNKNOWN.  The scan stops when it has found that many: what
** follows cannot change the choice, and a long text's tail is never
** normalised.  A wrong count can only give a worse window, never a wrong
** or unsafe one. */
#define SC_OCC_UNKNOWN UINT32_MAX
int sc_snippet(const sc_doc *doc, int full, const sc_query *q, uint32_t body_occ, sc_hit *hit, sc_err *err);

/* An occurrence of a positive phrase in the body, as the index has it:
** start s (code points of the normalised body, from 0), length n, and the
** phrase's id (its place among the alternatives of the positive clauses,
** every alternative counted, in query order). */
typedef struct sc_body_occ {
    uint32_t s, n, id;
} sc_body_occ;

/* The same snippet as sc_snippet(doc, 1, q, ...) for a caller who may read
** the whole text (doc holds it), when the index has given every occurrence
** of q's positive phrases in the body: at[0..n_at), any order.  The window
** is chosen from them, and the text before it is passed over
** (sc_normalize_skip), neither normalised nor searched. */
int sc_snippet_at(const sc_doc *doc, const sc_query *q, const sc_body_occ *at, size_t n_at, sc_hit *hit,
                  sc_err *err);

#endif
