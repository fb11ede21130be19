/*
** fuzz_clean.c — libFuzzer target for cleaning and describing: the input's
** first byte picks a mode (0 txt, 1 jsonl, 2 txt with a stated title that
** holds a line break, 3 txt with a 30% default preview), the rest is the raw
** text (inputs that break the sc_raw contract — invalid UTF-8, NUL — are
** skipped).  Each input is observed, then cleaned and described, and the
** result is checked against doc.h: valid UTF-8 text of len bytes, free_len at
** a character boundary within it, no paywall marker left, the title its
** first line, outline offsets at line starts.  A violation aborts.
** Build entry (fuzz/meson.build):
**   'fuzz_clean' : files('fuzz_clean.c') + core_sources + clean_sources + describe_sources,
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean.h"
#include "describe.h"
#include "utf8.h"

static sc_cleaner *cleaner;

static void check(const sc_doc *d)
{
    if (!d->text || !d->title || !d->removed || strlen(d->text) != d->len) abort();
    if (d->free_len > d->len || sc_utf8_check(d->text, d->len) != d->len) abort();
    if (sc_utf8_check(d->text, d->free_len) != d->free_len) abort();
    for (const char *p = d->text; (p = strchr(p, '#')); p++)
        if (!strncasecmp(p, "##paidbegin##", 13) || !strncasecmp(p, "##paidend##", 11)) abort();
    size_t tl = strlen(d->title);
    if (strncmp(d->text, d->title, tl) || d->text[tl] != '\n') abort();
    for (size_t i = 0; i < d->n_outline; i++) {
        size_t o = d->outline[i].offset;
        if (o == 0 || o >= d->len || d->text[o - 1] != '\n' || d->outline[i].level < 1) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cleaner) {
        sc_err e;
        if (sc_cleaner_new(NULL, NULL, &cleaner, &e)) abort();
    }
    if (size < 1) return 0;
    int mode = data[0] % 4;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    if (sc_utf8_check(s, n) != n || memchr(s, 0, n)) return 0;
    sc_raw r = {0};
    r.text = sc_strndup(s, n);
    if (!r.text) return 0;
    r.len = n;
    r.format = mode == 1 ? "jsonl" : "txt";
    if (mode == 2) r.title = strdup("标题\n第二行");
    sc_cleaner_set_default_preview(cleaner, mode == 3 ? 30 : 100);
    sc_cleaner_observe(cleaner, &r);
    sc_doc d = {0};
    sc_err e = {0};
    int rc = sc_clean(cleaner, &r, &d, &e);
    if (rc == SC_OK) {
        if (sc_describe(&d, &e)) abort();
        check(&d);
    } else if (!e.msg[0] || d.text) {
        abort();   /* an error says something and leaves the doc empty */
    }
    sc_doc_free(&d);
    sc_raw_free(&r);
    return 0;
}
