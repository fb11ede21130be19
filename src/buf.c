/* buf.c — see buf.h. */
#include "buf.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sc_buf_reserve(sc_buf *b, size_t extra)
{
    if (b->oom) return false;
    if (extra > SIZE_MAX / 2 - b->len) { b->oom = true; return false; }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) { b->oom = true; return false; }
    b->data = p;
    b->cap = cap;
    return true;
}

void sc_buf_add(sc_buf *b, const void *p, size_t n)
{
    if (!sc_buf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sc_buf_adds(sc_buf *b, const char *s) { sc_buf_add(b, s, strlen(s)); }

void sc_buf_addc(sc_buf *b, char c) { sc_buf_add(b, &c, 1); }

void sc_buf_addf(sc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sc_buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sc_buf_add_cp(sc_buf *b, uint32_t cp)
{
    char u[4];
    sc_buf_add(b, u, sc_utf8_put(u, cp));
}

void sc_buf_add_json_str(sc_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";     /* as jansson writes them */
    sc_buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        size_t run = i;            /* a run that needs no escape, copied at once */
        while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\') run++;
        if (run > i) { sc_buf_add(b, s + i, run - i); i = run - 1; continue; }
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': sc_buf_add(b, "\\\"", 2); break;
        case '\\': sc_buf_add(b, "\\\\", 2); break;
        case '\b': sc_buf_add(b, "\\b", 2); break;
        case '\f': sc_buf_add(b, "\\f", 2); break;
        case '\n': sc_buf_add(b, "\\n", 2); break;
        case '\r': sc_buf_add(b, "\\r", 2); break;
        case '\t': sc_buf_add(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sc_buf_add(b, e, 6);
            } else {
                sc_buf_addc(b, (char)c);
            }
        }
    }
    sc_buf_addc(b, '"');
}

char *sc_buf_detach(sc_buf *b)
{
    if (b->oom) { sc_buf_free(b); return NULL; }
    if (!b->data) sc_buf_reserve(b, 0);
    char *p = b->data;
    if (p) p[b->len] = 0;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void sc_buf_reset(sc_buf *b) { b->len = 0; if (b->data) b->data[0] = 0; }

void sc_buf_free(sc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
