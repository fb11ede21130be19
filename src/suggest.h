/*
** suggest.h — title completion for the search box.
**
** Holds every document title in memory as one '\n'-separated buffer (with a
** parallel array of ids), searched with memmem: a query finds titles that
** start with it first, then titles that contain it.  Titles are public (the
** title line is the start of the free part) -- except when a paywall
** marker sits inside the title line: then only the title's free prefix is
** public.  The table holds public titles only, and remembers which
** documents have such a cut title, so that the API can show the public one
** wherever a title goes out (sc_suggest_public_title).  A refresh builds a
** new table from the store and swaps it in; readers never wait for a
** refresh.  Thread-safe.
*/
#ifndef SC_SUGGEST_H
#define SC_SUGGEST_H

#include <stddef.h>

#include "error.h"
#include "store.h"

typedef struct sc_suggest sc_suggest;

int sc_suggest_new(sc_suggest **out, sc_err *err);
void sc_suggest_free(sc_suggest *s);

/* Reloads every title from the store. */
int sc_suggest_refresh(sc_suggest *s, sc_store *st, sc_err *err);

typedef struct sc_suggestion { char *id, *title; } sc_suggestion;

/* Up to limit distinct titles matching q (ASCII case-insensitive), prefix
** matches first.  *out (caller frees with sc_suggestions_free). */
int sc_suggest_query(sc_suggest *s, const char *q, size_t limit, sc_suggestion **out,
                     size_t *n, sc_err *err);
void sc_suggestions_free(sc_suggestion *v, size_t n);

/* The title a reader below member may see, given the stored title and the
** free share of the document (its text starts with the title line): the
** first free_chars code points when the title runs into the paid part,
** else the title itself.  Caller frees; NULL when out of memory. */
char *sc_title_public(const char *title, size_t free_chars);

/* For a document known to the last refresh whose title runs into the paid
** part: 1 and *out = its public title (caller frees).  0 otherwise (the
** title is public as it is).  For search hits, which carry no free size. */
int sc_suggest_public_title(sc_suggest *s, const char *id, char **out);

#endif
