/*
** suggest.h — title completion for the search box.
**
** Holds every document title in memory as one '\n'-separated buffer (with a
** parallel array of ids), searched with memmem: a query finds titles that
** start with it first, then titles that contain it.  Titles are public (the
** title line is the start of the free part) -- except when a paywall
** marker sits inside the title line: then only the title's free prefix is
** public (sc_title_public in doc.h), and the table holds that.  A refresh builds a
** new table from the store and swaps it in; readers never wait for a
** refresh.  Thread-safe.
*/
#ifndef SC_SUGGEST_H
#define SC_SUGGEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

typedef struct sc_suggest sc_suggest;

int sc_suggest_new(sc_suggest **out, sc_err *err);
void sc_suggest_free(sc_suggest *s);

/* Reloads every title from the store. */
int sc_suggest_refresh(sc_suggest *s, sc_store *st, sc_err *err);

/* After a batch that only added documents: takes the n_new newest titles
** from the store into a small delta table searched before the base (the
** previous delta's titles move into the new one), so that a batch costs
** milliseconds instead of a reload of every title.  Falls back to a full
** refresh when the delta would pass an eighth of the base.  Deletes and
** replacements need sc_suggest_refresh.  One writer at a time: the caller
** serialises refreshes. */
int sc_suggest_add_newest(sc_suggest *s, sc_store *st, size_t n_new, sc_err *err);

typedef struct sc_suggestion { char *id, *title; } sc_suggestion;

/* Up to limit distinct titles matching q (ASCII case-insensitive), prefix
** matches first, each group newest first; titles equal but for ASCII case
** count once (the newest).  *out (caller frees with sc_suggestions_free). */
int sc_suggest_query(sc_suggest *s, const char *q, size_t limit, sc_suggestion **out,
                     size_t *n, sc_err *err);
void sc_suggestions_free(sc_suggestion *v, size_t n);

/* How many refreshes the table has seen: answers computed at one value
** stay true until it changes (the key of the server's answer cache). */
uint64_t sc_suggest_generation(sc_suggest *s);

#endif
