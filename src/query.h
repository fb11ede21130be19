/*
** query.h — a parsed search query (query_parse.c).
**
** Grammar (README "Query syntax"):
**   query   := clause (SEP clause)*          SEP: space, tab, U+3000
**   clause  := ['-'] alt ('|' alt)*          all clauses AND, alts OR
**   alt     := [field ':'] value             fields: title type year source
**   value   := '"' any-but-quote '"' | bare  bare: up to SEP or '|', no '"'
** A phrase value is normalised (normalize.h); year takes YYYY or
** YYYY..YYYY; type matches the document type exactly; source is a
** substring of the document's source.  A '-' inside a word is text.
** Limits (SC_EQUERY beyond them): 8192 bytes, 64 clauses, 256 alternatives
** in all, 256 characters a phrase; at least one clause without '-'.
*/
#ifndef SC_QUERY_H
#define SC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SC_Q_MAX_BYTES 8192
#define SC_Q_MAX_CLAUSES 64
#define SC_Q_MAX_ALTS 256
#define SC_Q_MAX_PHRASE 256

enum { SC_Q_PHRASE, SC_Q_TITLE, SC_Q_TYPE, SC_Q_YEAR, SC_Q_SOURCE };

typedef struct sc_qalt {
    int kind;              /* SC_Q_* */
    uint32_t *cps;         /* PHRASE, TITLE: normalised code points */
    size_t n;
    char *str;             /* TYPE, SOURCE: the value; PHRASE/TITLE: as typed */
    int y0, y1;            /* YEAR: inclusive range */
} sc_qalt;

typedef struct sc_qclause {
    int neg;
    sc_qalt *alts;
    size_t n;
} sc_qclause;

typedef struct sc_query {
    sc_qclause *c;
    size_t n;
} sc_query;

/* Parses q.  On error *out is empty and err names the problem and the
** column (in characters, from 1). */
int sc_query_parse(const char *q, sc_query *out, sc_err *err);
void sc_query_free(sc_query *q);

#endif
