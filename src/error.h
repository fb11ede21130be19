/*
** error.h — the one way errors flow through sucai.
**
** Every fallible library function returns an int: SC_OK (0) on success or one
** of the SC_E* codes below.  When it fails it also fills the caller's sc_err
** (if the caller passed one) with a message meant for a human: it names what
** was wrong and where ("m00017.docx: word/document.xml: nesting deeper than
** 256 levels").  Messages never contain paid text, SQL or stack details.
*/
#ifndef SC_ERROR_H
#define SC_ERROR_H

#include <stdarg.h>

enum {
    SC_OK = 0,
    SC_EIO,        /* the file system said no */
    SC_ENOMEM,     /* out of memory */
    SC_EFORMAT,    /* input is not what it claims to be (corrupt, truncated) */
    SC_EENCODING,  /* text in no encoding we can read */
    SC_ELIMIT,     /* input exceeds a safety limit (size, ratio, depth) */
    SC_EEMPTY,     /* input holds no text */
    SC_EUNSUPPORTED, /* a format we do not read */
    SC_ENOTFOUND,  /* no such document, user, ... */
    SC_EEXISTS,    /* already there */
    SC_EQUERY,     /* a search query we cannot parse */
    SC_EDB,        /* the store failed */
    SC_EINDEX,     /* the index failed or is damaged */
    SC_EPERM,      /* the caller may not do this */
    SC_EINVAL,     /* a bad argument */
    SC_EINTERNAL   /* a bug */
};

typedef struct sc_err {
    int code;
    char msg[512];
} sc_err;

/* Sets err (if not NULL) and returns code, so that callers can write
** `return sc_err_set(err, SC_EFORMAT, "%s: truncated", name);` */
int sc_err_set(sc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in err with "prefix: " (e.g. a file name). */
void sc_err_prefix(sc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void sc_err_clear(sc_err *err);

/* A short English name for a code ("format", "encoding", ...). Static. */
const char *sc_err_name(int code);

#endif
