/*
** clean.c — the cleaning pipeline: a raw document in, the clean text out.
**
** Contract (see clean.h and doc.h):
**   doc->text = title '\n' paragraphs joined by '\n', where the paragraphs
**   are the raw lines trimmed of surrounding whitespace (sc_clean_is_space,
**   the same set as Python's str.strip(): U+3000 included, U+200B not),
**   empty lines dropped, head and tail boilerplate removed, masks restored.
**   Whitespace inside a line is the author's and is kept.
**
** Steps, in order:
**   1. paywall (clean_paywall.c): drop what follows ##paidend##, remove the
**      ##paidbegin## marker and remember where it stood (the cut);
**   2. title: raw->title when the container states one (JSONL, docx), else
**      the first non-empty line that is not site chrome;
**   3. boilerplate (clean_boilerplate.c): only the head region (lines right
**      after the title, before the first body line) and the tail region
**      (lines after the last body line) are examined; a line there is
**      removed when it is chrome, promotion/contact, or learned recurring
**      boilerplate.  The body is never touched.  JSONL records (bulk imports
**      and migrations: a title and the body as published, like the corpora)
**      get only the learned lines removed, never the patterns, since their
**      last line may rightly be a URL or name a 客服;
**   4. masks (clean_mask.c) on the assembled text, title included;
**   5. free_len: where the cut lands in the clean text.  A cut at the start
**      of a paragraph keeps the '\n' before it in the free part; a cut at
**      the end of a paragraph does not.  With no marker the whole text is
**      free unless a default preview share below 100% is set, then that
**      share of the characters (rounded down, at a character boundary).
** Removed lines and the text after ##paidend## go to doc->removed; the
** source and date that removed chrome lines state go to doc->source/date.
*/
#include "clean.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

struct sc_cleaner {
    sc_boiler *boiler;
    sc_masks *masks;
    int preview;               /* percent of an unmarked document that is free */
};

int sc_cleaner_new(void *db, const char *mask_rules_path, sc_cleaner **out, sc_err *err)
{
    *out = NULL;
    sc_cleaner *c = calloc(1, sizeof *c);
    if (!c) return sc_err_set(err, SC_ENOMEM, "out of memory");
    c->preview = 100;
    int rc = sc_masks_new(mask_rules_path, &c->masks, err);
    if (!rc) rc = sc_boiler_new(db, &c->boiler, err);
    if (rc) { sc_cleaner_free(c); return rc; }
    *out = c;
    return SC_OK;
}

void sc_cleaner_free(sc_cleaner *c)
{
    if (!c) return;
    sc_masks_free(c->masks);
    sc_boiler_free(c->boiler);
    free(c);
}

void sc_cleaner_set_default_preview(sc_cleaner *c, int percent)
{
    c->preview = percent < 0 ? 0 : percent > 100 ? 100 : percent;
}

void sc_cleaner_observe(sc_cleaner *c, const sc_raw *raw)
{
    if (!raw || !raw->text) return;
    sc_buf body = SC_BUF_INIT;
    size_t cut;
    sc_paywall_split(raw->text, raw->len, &body, &cut, NULL);
    if (!body.oom) sc_boiler_observe(c->boiler, body.data, body.len);
    sc_buf_free(&body);
}

int sc_cleaner_save(sc_cleaner *c, sc_err *err)
{
    return sc_boiler_save(c->boiler, err);
}

/* ---- whitespace --------------------------------------------------------- */

bool sc_clean_is_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void sc_clean_trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b) {
        size_t j = *a;
        int32_t cp = sc_utf8_next(s, *b, &j);
        if (cp < 0 || !sc_clean_is_space((uint32_t)cp)) break;
        *a = j;
    }
    while (*b > *a) {
        size_t i = *b - 1;
        while (i > *a && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
        size_t j = i;
        int32_t cp = sc_utf8_next(s, *b, &j);
        if (cp < 0 || j != *b || !sc_clean_is_space((uint32_t)cp)) break;
        *b = i;
    }
}

/* ---- the pipeline ------------------------------------------------------- */

enum { L_KEEP, L_EMPTY, L_REMOVED, L_TITLE, L_SKIP };

typedef struct line {
    size_t off, len;    /* the raw line in body */
    size_t a, b;        /* its trimmed extent, absolute offsets in body */
    int state;
} line;

typedef struct lines { line *v; size_t n; } lines;

static int split_lines(const char *s, size_t n, lines *out)
{
    size_t count = 1;
    for (size_t i = 0; i < n; i++) count += s[i] == '\n';
    out->v = calloc(count, sizeof *out->v);
    if (!out->v) return SC_ENOMEM;
    out->n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\n') continue;
        line *l = &out->v[out->n++];
        l->off = start;
        l->len = i - start;
        l->a = start;
        l->b = i;
        sc_clean_trim(s, &l->a, &l->b);
        l->state = l->a == l->b ? L_EMPTY : L_KEEP;
        start = i + 1;
    }
    return SC_OK;
}

/* patterns: whether chrome and promotion patterns apply (not to JSONL). */
static int is_boiler(sc_cleaner *c, const char *s, size_t n, int patterns)
{
    if (patterns && (sc_boiler_is_chrome(s, n) || sc_boiler_is_promo(s, n))) return 1;
    return sc_boiler_learned(c->boiler, s, n);
}

/* What the removed chrome lines state about the document. */
typedef struct chrome_info { char *source, *date; } chrome_info;

static void note_chrome(chrome_info *ci, const char *s, size_t n)
{
    if (!sc_boiler_is_chrome(s, n)) return;
    if (!ci->source) ci->source = sc_boiler_chrome_source(s, n);
    if (!ci->date) ci->date = sc_boiler_chrome_date(s, n);
}

/* Marks head and tail boilerplate, noting what chrome lines state. */
static void mark_boilerplate(sc_cleaner *c, const char *s, lines *L, size_t first, int patterns, chrome_info *ci)
{
    size_t i;
    for (i = first; i < L->n; i++) {
        line *l = &L->v[i];
        if (l->state == L_EMPTY || l->state == L_SKIP) continue;
        if (l->state != L_KEEP || !is_boiler(c, s + l->a, l->b - l->a, patterns)) break;
        l->state = L_REMOVED;
        if (patterns) note_chrome(ci, s + l->a, l->b - l->a);
    }
    for (size_t j = L->n; j > i; j--) {
        line *l = &L->v[j - 1];
        if (l->state == L_EMPTY || l->state == L_SKIP) continue;
        if (l->state != L_KEEP || !is_boiler(c, s + l->a, l->b - l->a, patterns)) break;
        l->state = L_REMOVED;
    }
}

/* Appends the lines of s (trimmed, non-blank) to removed. */
static void add_removed_text(sc_buf *removed, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\n') continue;
        size_t a = start, b = i;
        sc_clean_trim(s, &a, &b);
        if (b > a) {
            if (removed->len) sc_buf_addc(removed, '\n');
            sc_buf_add(removed, s + a, b - a);
        }
        start = i + 1;
    }
}

int sc_clean(sc_cleaner *c, const sc_raw *raw, sc_doc *doc, sc_err *err)
{
    if (!raw || !raw->text) return sc_err_set(err, SC_EEMPTY, "no text");
    sc_buf body = SC_BUF_INIT, after = SC_BUF_INIT, text = SC_BUF_INIT, out = SC_BUF_INIT,
           removed = SC_BUF_INIT;
    lines L = {0};
    chrome_info ci = {0};
    int rc = SC_OK;
    size_t cut;
    int has_paywall = sc_paywall_split(raw->text, raw->len, &body, &cut, &after);
    if (body.oom || after.oom || split_lines(body.data, body.len, &L)) { rc = SC_ENOMEM; goto done; }
    const char *s = body.data;

    /* 2. the title */
    size_t first = 0;
    const char *title = NULL;
    size_t ta = 0, tb = 0;
    if (raw->title) {
        ta = 0;
        tb = strlen(raw->title);
        sc_clean_trim(raw->title, &ta, &tb);
    }
    int jsonl = raw->format && !strcmp(raw->format, "jsonl");
    if (tb > ta) {
        title = raw->title;
        /* a container's title often repeats as the first line (not in JSONL,
        ** whose text is the body as published) */
        for (size_t i = 0; !jsonl && i < L.n; i++) {
            line *l = &L.v[i];
            if (l->state == L_EMPTY) continue;
            if (l->b - l->a == tb - ta && !memcmp(s + l->a, title + ta, tb - ta)) l->state = L_SKIP;
            break;
        }
    } else {
        size_t i;
        for (i = 0; i < L.n; i++) {
            line *l = &L.v[i];
            if (l->state == L_EMPTY) continue;
            if (!sc_boiler_is_chrome(s + l->a, l->b - l->a) && !sc_boiler_is_promo(s + l->a, l->b - l->a)) break;
            l->state = L_REMOVED;
            note_chrome(&ci, s + l->a, l->b - l->a);
        }
        if (i == L.n) { rc = sc_err_set(err, SC_EEMPTY, "no text"); goto done; }
        L.v[i].state = L_TITLE;
        first = i + 1;
    }

    /* 3. head and tail boilerplate */
    mark_boilerplate(c, s, &L, first, !jsonl, &ci);

    /* assemble title '\n' paragraphs, carrying the cut along */
    size_t cut_out = SIZE_MAX;
    int cut_pending = 0;
    if (title)   /* one line: a stated title never breaks the text's shape */
        for (size_t i = ta; i < tb; i++) sc_buf_addc(&text, title[i] == '\n' ? ' ' : title[i]);
    int first_line = !title;
    for (size_t i = 0; i < L.n; i++) {
        line *l = &L.v[i];
        int here = cut != SIZE_MAX && cut_out == SIZE_MAX && !cut_pending && cut <= l->off + l->len;
        if (l->state == L_KEEP || l->state == L_TITLE) {
            if (!first_line) sc_buf_addc(&text, '\n');
            first_line = 0;
            if (cut_pending) { cut_out = text.len; cut_pending = 0; }
            if (here) cut_out = text.len + (cut <= l->a ? 0 : cut >= l->b ? l->b - l->a : cut - l->a);
            sc_buf_add(&text, s + l->a, l->b - l->a);
        } else {
            if (here) cut_pending = 1;
            if (l->state == L_REMOVED) {
                if (removed.len) sc_buf_addc(&removed, '\n');
                sc_buf_add(&removed, s + l->a, l->b - l->a);
            }
        }
    }
    if (!memchr(text.data ? text.data : "", '\n', text.len)) sc_buf_addc(&text, '\n');
    if (cut != SIZE_MAX && cut_out == SIZE_MAX) cut_out = text.len;
    add_removed_text(&removed, after.data ? after.data : "", after.len);
    if (text.oom || removed.oom) { rc = SC_ENOMEM; goto done; }

    /* 4. masks */
    size_t pos = cut_out;
    int restored = sc_masks_restore(c->masks, text.data, text.len, &out, cut_out != SIZE_MAX ? &pos : NULL);
    if (out.oom) { rc = SC_ENOMEM; goto done; }

    /* 5. the free part */
    doc->len = out.len;
    if (cut_out != SIZE_MAX) doc->free_len = pos;
    else if (c->preview < 100) {
        size_t chars = sc_utf8_count(out.data, out.len);
        doc->free_len = sc_utf8_offset(out.data, out.len, chars * (size_t)c->preview / 100);
    } else doc->free_len = out.len;
    doc->has_paywall = has_paywall;
    doc->masks_restored = restored;
    const char *nl = memchr(out.data, '\n', out.len);
    doc->title = sc_strndup(out.data, nl ? (size_t)(nl - out.data) : out.len);
    doc->removed = sc_buf_detach(&removed);
    if (!doc->removed) doc->removed = strdup("");
    doc->text = sc_buf_detach(&out);
    if (!doc->title || !doc->removed || !doc->text) { rc = SC_ENOMEM; goto done; }
    doc->source = ci.source;
    doc->date = ci.date;
    ci.source = ci.date = NULL;

done:
    if (rc == SC_ENOMEM) sc_err_set(err, rc, "out of memory while cleaning");
    if (rc) {
        sc_doc_free(doc);
    }
    free(ci.source);
    free(ci.date);
    free(L.v);
    sc_buf_free(&body);
    sc_buf_free(&after);
    sc_buf_free(&text);
    sc_buf_free(&out);
    sc_buf_free(&removed);
    return rc;
}
