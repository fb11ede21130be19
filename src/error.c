/* error.c — see error.h. */
#include "error.h"

#include <stdio.h>
#include <string.h>

int sc_err_set(sc_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void sc_err_prefix(sc_err *err, const char *fmt, ...)
{
    if (!err) return;
    char head[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    size_t h = strlen(head), m = strlen(err->msg), cap = sizeof err->msg - 1;
    if (h + 2 > cap) h = cap - 2;
    if (h + 2 + m > cap) m = cap - h - 2;
    memmove(err->msg + h + 2, err->msg, m);
    memcpy(err->msg, head, h);
    err->msg[h] = ':';
    err->msg[h + 1] = ' ';
    err->msg[h + 2 + m] = 0;
}

void sc_err_clear(sc_err *err)
{
    if (err) { err->code = SC_OK; err->msg[0] = 0; }
}

const char *sc_err_name(int code)
{
    static const char *names[] = {
        "ok", "io", "nomem", "format", "encoding", "limit", "empty",
        "unsupported", "notfound", "exists", "query", "db", "index",
        "perm", "invalid", "internal"
    };
    if (code < 0 || code > SC_EINTERNAL) return "unknown";
    return names[code];
}
