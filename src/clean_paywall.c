/*
** clean_paywall.c — the paywall markers of a common CMS.
**
** Contract (see sc_paywall_split in clean.h):
**   "##paidbegin##" splits a document into the free preview and the paid
**   part, wherever it stands, mid-sentence included.  The first one is the
**   cut; any further ones are dropped as noise.
**   "##paidend##" ends the paid part: what follows it is not the document
**   (sites put their footers and ads there); it is handed back in `after`
**   so that the librarian can see what was dropped.  A ##paidend## without
**   a ##paidbegin## still ends the document.
** Markers match ASCII case-insensitively ("##PaidBegin##").
*/
#include "clean.h"

#include <strings.h>

static const char BEGIN[] = "##paidbegin##";
static const char END[] = "##paidend##";
#define BEGIN_LEN (sizeof BEGIN - 1)
#define END_LEN (sizeof END - 1)

/* Offset of the first `m` in s[from..n), case-insensitively, or n. */
static size_t find_marker(const char *s, size_t n, size_t from, const char *m, size_t mlen)
{
    for (size_t i = from; i + mlen <= n; i++) {
        if (s[i] != '#') continue;
        if (!strncasecmp(s + i, m, mlen)) return i;
    }
    return n;
}

int sc_paywall_split(const char *text, size_t n, sc_buf *out, size_t *cut, sc_buf *after)
{
    *cut = SIZE_MAX;
    size_t end = find_marker(text, n, 0, END, END_LEN);
    if (end < n && after) sc_buf_add(after, text + end + END_LEN, n - end - END_LEN);
    int found = 0;
    size_t i = 0;
    while (i < end) {
        size_t b = find_marker(text, end, i, BEGIN, BEGIN_LEN);
        sc_buf_add(out, text + i, b - i);
        if (b == end) break;
        if (!found) { *cut = out->len; found = 1; }
        i = b + BEGIN_LEN;
    }
    if (!out->data) sc_buf_add(out, "", 0);   /* always NUL-terminated */
    return found;
}
