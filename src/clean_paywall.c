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
** Markers match ASCII case-insensitively ("##PaidBegin##").  No marker
** survives: one formed by removing another is removed too.
*/
#include "clean.h"

#include <string.h>
#include <strings.h>

static const char BEGIN[] = "##paidbegin##";
static const char END[] = "##paidend##";
#define BEGIN_LEN (sizeof BEGIN - 1)
#define END_LEN (sizeof END - 1)

/* Offset of the first `m` in s[from..n), case-insensitively, or n. */
static size_t find_marker(const char *s, size_t n, size_t from, const char *m, size_t mlen)
{
    for (size_t i = from; i + mlen <= n; i++) {
        const char *h = memchr(s + i, '#', n - mlen + 1 - i);   /* most texts have none */
        if (!h) break;
        i = (size_t)(h - s);
        if (!strncasecmp(s + i, m, mlen)) return i;
    }
    return n;
}

/* Cuts out[e..) off at a ##paidend## at e, keeping what followed it (before
** whatever was cut off already) in after. */
static void cut_end(sc_buf *out, size_t e, sc_buf *after)
{
    if (after) {
        sc_buf tail = SC_BUF_INIT;
        sc_buf_add(&tail, out->data + e + END_LEN, out->len - e - END_LEN);
        sc_buf_add(&tail, after->data ? after->data : "", after->len);
        sc_buf_free(after);
        *after = tail;
    }
    out->len = e;
    out->data[e] = 0;
}

int sc_paywall_split(const char *text, size_t n, sc_buf *out, size_t *cut, sc_buf *after)
{
    *cut = SIZE_MAX;
    sc_buf_add(out, text, n);
    if (out->oom) return 0;
    /* Removing a marker can join its neighbours into a new one
    ** ("##paid##paidbegin##end##"), so after each removal the search resumes
    ** a marker's length before the removal point. */
    int found = 0;
    size_t from_end = 0, from_begin = 0;
    for (;;) {
        size_t e = find_marker(out->data, out->len, from_end, END, END_LEN);
        if (e < out->len) cut_end(out, e, after);
        size_t b = find_marker(out->data, out->len, from_begin, BEGIN, BEGIN_LEN);
        if (b == out->len) break;
        memmove(out->data + b, out->data + b + BEGIN_LEN, out->len - b - BEGIN_LEN + 1);
        out->len -= BEGIN_LEN;
        if (!found) { *cut = b; found = 1; }
        else if (b < *cut) *cut = b + BEGIN_LEN <= *cut ? *cut - BEGIN_LEN : b;
        from_begin = b >= BEGIN_LEN ? b - BEGIN_LEN : 0;
        from_end = b >= END_LEN ? b - END_LEN : 0;
    }
    return found;
}
