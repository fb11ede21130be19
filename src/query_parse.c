/*
** query_parse.c — the query syntax of query.h, by hand: one pass over the
** bytes, no recursion, every failure a SC_EQUERY naming the column.
*/
#include "query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "normalize.h"
#include "utf8.h"

typedef struct qp {
    const char *s;
    size_t n, i;
    sc_err *err;
} qp;

static long column(const qp *p, size_t at) { return (long)sc_utf8_count(p->s, at) + 1; }

/* Length of a separator at i (0 if none). */
static size_t sep_len(const qp *p, size_t i)
{
    if (i >= p->n) return 0;
    char c = p->s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return 1;
    if (i + 3 <= p->n && !memcmp(p->s + i, "\xE3\x80\x80", 3)) return 3;   /* U+3000 */
    return 0;
}

static int at_end_of_alt(const qp *p, size_t i) { return i >= p->n || sep_len(p, i) || p->s[i] == '|'; }

static void alt_free(sc_qalt *a) { free(a->cps); free(a->str); }

void sc_query_free(sc_query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        for (size_t j = 0; j < q->c[i].n; j++) alt_free(&q->c[i].alts[j]);
        free(q->c[i].alts);
    }
    free(q->c);
    q->c = NULL;
    q->n = 0;
}

static int parse_year(const char *v, int *y0, int *y1)
{
    char *end;
    long a = strtol(v, &end, 10), b = a;
    if (end == v || *v == '-' || *v == '+') return -1;
    if (!strncmp(end, "..", 2)) {
        const char *w = end + 2;
        if (*w == '-' || *w == '+') return -1;
        b = strtol(w, &end, 10);
        if (end == w) return -1;
    }
    if (*end || a < 1 || b > 9999 || a > b) return -1;
    *y0 = (int)a;
    *y1 = (int)b;
    return 0;
}

/* Parses one alternative at p->i into *a. */
static int parse_alt(qp *p, sc_qalt *a)
{
    static const struct { const char *name; int kind; } fields[] = {
        {"title:", SC_Q_TITLE}, {"type:", SC_Q_TYPE}, {"year:", SC_Q_YEAR}, {"source:", SC_Q_SOURCE}};
    size_t start = p->i;
    a->kind = SC_Q_PHRASE;
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        size_t l = strlen(fields[f].name);
        if (p->n - p->i >= l && !strncasecmp(p->s + p->i, fields[f].name, l)) {
            a->kind = fields[f].kind;
            p->i += l;
            break;
        }
    }
    size_t vs, ve;
    if (p->i < p->n && p->s[p->i] == '"') {
        const char *q = memchr(p->s + p->i + 1, '"', p->n - p->i - 1);
        if (!q) return sc_err_set(p->err, SC_EQUERY, "unbalanced quote at column %ld", column(p, p->i));
        vs = p->i + 1;
        ve = (size_t)(q - p->s);
        p->i = ve + 1;
        if (!at_end_of_alt(p, p->i))
            return sc_err_set(p->err, SC_EQUERY, "text right after a closing quote at column %ld (put a space or '|' there)", column(p, p->i));
    } else {
        vs = p->i;
        while (!at_end_of_alt(p, p->i)) {
            if (p->s[p->i] == '"')
                return sc_err_set(p->err, SC_EQUERY, "quote inside a word at column %ld (quote the whole phrase)", column(p, p->i));
            p->i++;
        }
        ve = p->i;
    }
    if (ve == vs) {
        if (a->kind != SC_Q_PHRASE)
            return sc_err_set(p->err, SC_EQUERY, "field at column %ld needs a value", column(p, start));
        return sc_err_set(p->err, SC_EQUERY, "empty phrase at column %ld", column(p, start));
    }
    a->str = malloc(ve - vs + 1);
    if (!a->str) return sc_err_set(p->err, SC_ENOMEM, "out of memory");
    memcpy(a->str, p->s + vs, ve - vs);
    a->str[ve - vs] = '\0';
    if (a->kind == SC_Q_YEAR) {
        if (parse_year(a->str, &a->y0, &a->y1))
            return sc_err_set(p->err, SC_EQUERY, "year at column %ld must be YYYY or YYYY..YYYY", column(p, start));
        return SC_OK;
    }
    if (a->kind == SC_Q_TYPE || a->kind == SC_Q_SOURCE) return SC_OK;
    sc_norm nm = {0};
    if (sc_normalize(a->str, ve - vs, 0, &nm)) { sc_norm_free(&nm); return sc_err_set(p->err, SC_ENOMEM, "out of memory"); }
    if (nm.n > SC_Q_MAX_PHRASE) {
        sc_norm_free(&nm);
        return sc_err_set(p->err, SC_EQUERY, "phrase at column %ld is longer than %d characters", column(p, start), SC_Q_MAX_PHRASE);
    }
    a->cps = nm.cps;
    a->n = nm.n;
    free(nm.off);
    return SC_OK;
}

int sc_query_parse(const char *q, sc_query *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    if (!q) return sc_err_set(err, SC_EQUERY, "empty query");
    size_t n = strlen(q);
    if (n > SC_Q_MAX_BYTES) return sc_err_set(err, SC_EQUERY, "query longer than %d bytes", SC_Q_MAX_BYTES);
    size_t bad = sc_utf8_check(q, n);
    if (bad < n) return sc_err_set(err, SC_EQUERY, "query is not valid UTF-8 (byte %zu)", bad + 1);
    qp p = {q, n, 0, err};
    size_t alts = 0;
    int rc = SC_OK, positive = 0;
    out->c = calloc(SC_Q_MAX_CLAUSES, sizeof *out->c);
    if (!out->c) return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (;;) {
        size_t l;
        while ((l = sep_len(&p, p.i))) p.i += l;
        if (p.i >= n) break;
        if (out->n == SC_Q_MAX_CLAUSES) { rc = sc_err_set(err, SC_EQUERY, "more than %d clauses", SC_Q_MAX_CLAUSES); break; }
        sc_qclause *c = &out->c[out->n++];
        if (q[p.i] == '-') {
            c->neg = 1;
            p.i++;
            if (at_end_of_alt(&p, p.i)) { rc = sc_err_set(err, SC_EQUERY, "a lone '-' at column %ld (write -WORD to exclude)", column(&p, p.i - 1)); break; }
        }
        positive |= !c->neg;
        for (;;) {
            if (alts == SC_Q_MAX_ALTS) { rc = sc_err_set(err, SC_EQUERY, "more than %d phrases", SC_Q_MAX_ALTS); break; }
            sc_qalt *na = realloc(c->alts, (c->n + 1) * sizeof *na);
            if (!na) { rc = sc_err_set(err, SC_ENOMEM, "out of memory"); break; }
            c->alts = na;
            memset(&c->alts[c->n], 0, sizeof *na);
            c->n++;
            alts++;
            if (q[p.i] == '|') { rc = sc_err_set(err, SC_EQUERY, "empty alternative before '|' at column %ld", column(&p, p.i)); break; }
            if ((rc = parse_alt(&p, &c->alts[c->n - 1]))) break;
            if (p.i < n && q[p.i] == '|') {
                p.i++;
                if (p.i >= n || sep_len(&p, p.i)) { rc = sc_err_set(err, SC_EQUERY, "'|' at column %ld needs a phrase after it", column(&p, p.i - 1)); break; }
                continue;
            }
            break;
        }
        if (rc) break;
    }
    if (!rc && out->n == 0) rc = sc_err_set(err, SC_EQUERY, "empty query");
    else if (!rc && !positive) rc = sc_err_set(err, SC_EQUERY, "the query needs at least one clause without '-'");
    if (rc) sc_query_free(out);
    return rc;
}
