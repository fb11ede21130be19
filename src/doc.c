/* doc.c — see doc.h. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void sc_raw_free(sc_raw *r)
{
    if (!r) return;
    free(r->text); free(r->title); free(r->id);
    free(r->date); free(r->source); free(r->url);
    memset(r, 0, sizeof *r);
}

void sc_doc_free(sc_doc *d)
{
    if (!d) return;
    free(d->id); free(d->title); free(d->text); free(d->removed);
    free(d->doc_type); free(d->issuer); free(d->date); free(d->source);
    free(d->url); free(d->file);
    for (size_t i = 0; i < d->n_outline; i++) free(d->outline[i].text);
    free(d->outline);
    memset(d, 0, sizeof *d);
}

char *sc_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *sc_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *sc_title_public(const char *title, size_t free_chars)
{
    size_t n = strlen(title);
    if (sc_utf8_count(title, n) <= free_chars) return sc_strdup(title);
    size_t cut = sc_utf8_offset(title, n, free_chars);
    while (cut > 0 && (title[cut - 1] == ' ' || title[cut - 1] == '\t')) cut--;
    if (cut == 0) return sc_strdup("（标题为会员内容）");
    return sc_strndup(title, cut);
}
