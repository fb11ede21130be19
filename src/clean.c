/* clean.c — STUB: title = first non-empty line. Replaced by the cleaning work. */
#include "clean.h"

#include <stdlib.h>
#include <string.h>

struct sc_cleaner { int preview; };

int sc_cleaner_new(void *db, const char *rules, sc_cleaner **out, sc_err *err)
{
    (void)db; (void)rules;
    *out = calloc(1, sizeof **out);
    return *out ? SC_OK : sc_err_set(err, SC_ENOMEM, "out of memory");
}
void sc_cleaner_free(sc_cleaner *c) { free(c); }
void sc_cleaner_set_default_preview(sc_cleaner *c, int p) { c->preview = p; }
void sc_cleaner_observe(sc_cleaner *c, const sc_raw *raw) { (void)c; (void)raw; }
int sc_cleaner_save(sc_cleaner *c, sc_err *err) { (void)c; (void)err; return SC_OK; }

int sc_clean(sc_cleaner *c, const sc_raw *raw, sc_doc *doc, sc_err *err)
{
    (void)c;
    const char *s = raw->text;
    while (*s == '\n') s++;
    if (!*s) return sc_err_set(err, SC_EEMPTY, "no text");
    const char *nl = strchr(s, '\n');
    doc->title = raw->title ? strdup(raw->title) : sc_strndup(s, nl ? (size_t)(nl - s) : strlen(s));
    doc->text = strdup(s);
    doc->len = strlen(s);
    doc->free_len = doc->len;
    doc->removed = strdup("");
    return SC_OK;
}
