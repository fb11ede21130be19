/*
** describe_outline.c — the heading structure of an official document.
**
** A body line (the title line is not part of the outline) is a heading when,
** after optional Markdown '#'s and whitespace, it starts with:
**     一、          SC_HEAD_1        level 1
**     （一） (一)    SC_HEAD_2        level 2
**     1.  1、 1．   SC_HEAD_3        level 3   (not 1.5: a digit may not follow)
**     （1） (1)      SC_HEAD_4        level 4
**     第X章         SC_HEAD_CHAPTER  level 1
**     第X条         SC_HEAD_ARTICLE  level 2 when the document has chapters,
**                                   else level 1
** and is short: the part before its first 。！？ when that part has at most
** 40 characters, else the whole line when it has at most 40 characters.
** A longer numbered line is a list paragraph, not a heading; articles are
** always headings, their text cut to 40 characters.
** sc_heading.offset is the byte offset of the line's start in doc->text;
** sc_heading.text is the heading text (malloc'd, owned by the doc).
*/
#include "describe.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define HEADING_MAX_CHARS 40

static int is_cn_numeral(int32_t cp)
{
    return (cp == 0x4E00 /*一*/ || cp == 0x4E8C /*二*/ || cp == 0x4E09 /*三*/ ||
        cp == 0x56DB /*四*/ || cp == 0x4E94 /*五*/ || cp == 0x516D /*六*/ || cp == 0x4E03 /*七*/ ||
        cp == 0x516B /*八*/ || cp == 0x4E5D /*九*/ || cp == 0x5341 /*十*/ || cp == 0x767E /*百*/ ||
        cp == 0x96F6 /*零*/ || cp == 0x3007 /*〇*/ || cp == 0x4E24 /*两*/ || cp == 0x5343 /*千*/);
}

static int is_digit_cp(int32_t cp) { return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19); }

/* Code point at s[*i] (end n), advancing; -1 at the end. */
static int32_t next(const char *s, size_t n, size_t *i)
{
    return *i < n ? sc_utf8_next(s, n, i) : -1;
}

/* Skips a run of numerals (cn or digits, by kind); returns how many. */
static int numerals(const char *s, size_t n, size_t *i, int digits)
{
    int k = 0;
    while (*i < n) {
        size_t j = *i;
        int32_t cp = next(s, n, &j);
        if (digits ? !is_digit_cp(cp) : !is_cn_numeral(cp)) break;
        *i = j;
        k++;
    }
    return k;
}

/* The SC_HEAD_* kind of the line s[0..n), or SC_HEAD_NONE. */
static int heading_kind(const char *s, size_t n)
{
    size_t i = 0;
    int32_t cp = next(s, n, &i);
    if (cp == 0xFF08 /*（*/ || cp == '(') {
        int kind = SC_HEAD_NONE;
        size_t j = i;
        if (numerals(s, n, &j, 0) > 0 && numerals(s, n, &j, 0) == 0) kind = SC_HEAD_2;
        else if ((j = i, numerals(s, n, &j, 1) > 0 && numerals(s, n, &j, 1) == 0)) kind = SC_HEAD_4;
        if (kind == SC_HEAD_NONE) return SC_HEAD_NONE;
        int32_t close = next(s, n, &j);
        return close == 0xFF09 /*）*/ || close == ')' ? kind : SC_HEAD_NONE;
    }
    if (cp == 0x7B2C /*第*/) {
        size_t j = i;
        if (!numerals(s, n, &j, 0) && !numerals(s, n, &j, 1)) return SC_HEAD_NONE;
        int32_t unit = next(s, n, &j);
        if (unit == 0x7AE0 /*章*/) return SC_HEAD_CHAPTER;
        if (unit == 0x6761 /*条*/) return SC_HEAD_ARTICLE;
        return SC_HEAD_NONE;
    }
    size_t j = 0;
    int k = numerals(s, n, &j, 0);
    if (k > 0 && k <= 4) return next(s, n, &j) == 0x3001 /*、*/ ? SC_HEAD_1 : SC_HEAD_NONE;
    j = 0;
    k = numerals(s, n, &j, 1);
    if (k > 0 && k <= 2) {
        int32_t sep = next(s, n, &j);
        if (sep != '.' && sep != 0x3001 && sep != 0xFF0E /*．*/) return SC_HEAD_NONE;
        size_t t = j;
        int32_t after = next(s, n, &t);
        return is_digit_cp(after) || after < 0 ? SC_HEAD_NONE : SC_HEAD_3;
    }
    return SC_HEAD_NONE;
}

/* Length in bytes of the heading text of line s[0..n), or 0 if it is a
** long sentence (articles: cut instead). */
static size_t heading_len(const char *s, size_t n, int kind)
{
    size_t i = 0;
    int chars = 0;
    while (i < n && chars <= HEADING_MAX_CHARS) {
        size_t at = i;
        int32_t cp = sc_utf8_next(s, n, &i);
        if (cp == 0x3002 /*。*/ || cp == 0xFF01 /*！*/ || cp == 0xFF1F /*？*/) return at;
        if (++chars == HEADING_MAX_CHARS && kind == SC_HEAD_ARTICLE) return i;
    }
    return chars <= HEADING_MAX_CHARS ? n : 0;
}

int sc_describe_outline(sc_doc *d, sc_err *err)
{
    for (size_t k = 0; k < d->n_outline; k++) free(d->outline[k].text);
    free(d->outline);
    d->outline = NULL;
    d->n_outline = 0;
    size_t cap = 0;
    int chapters = 0;
    const char *t = d->text;
    const char *nl = memchr(t, '\n', d->len);
    size_t pos = nl ? (size_t)(nl - t) + 1 : d->len;
    while (pos < d->len) {
        const char *e = memchr(t + pos, '\n', d->len - pos);
        size_t end = e ? (size_t)(e - t) : d->len;
        size_t a = pos;
        while (a < end && (t[a] == '#' || t[a] == ' ' || t[a] == '\t')) a++;
        if (a + 3 <= end && !memcmp(t + a, "\xe3\x80\x80", 3)) a += 3;   /* U+3000 */
        int kind = heading_kind(t + a, end - a);
        size_t hl = kind ? heading_len(t + a, end - a, kind) : 0;
        if (hl) {
            if (d->n_outline == cap) {
                cap = cap ? cap * 2 : 16;
                sc_heading *o = realloc(d->outline, cap * sizeof *o);
                if (!o) return sc_err_set(err, SC_ENOMEM, "out of memory");
                d->outline = o;
            }
            char *txt = sc_strndup(t + a, hl);
            if (!txt) return sc_err_set(err, SC_ENOMEM, "out of memory");
            d->outline[d->n_outline++] = (sc_heading){kind, kind, pos, txt};
            chapters |= kind == SC_HEAD_CHAPTER;
        }
        pos = end + 1;
    }
    for (size_t k = 0; k < d->n_outline; k++) {
        sc_heading *h = &d->outline[k];
        switch (h->kind) {
        case SC_HEAD_CHAPTER: h->level = 1; break;
        case SC_HEAD_ARTICLE: h->level = chapters ? 2 : 1; break;
        default: h->level = h->kind; break;     /* SC_HEAD_1..4 are levels 1..4 */
        }
    }
    return SC_OK;
}
