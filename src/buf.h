/*
** buf.h — a growable byte buffer, always NUL-terminated.
**
** The buffer owns its bytes.  sc_buf_detach() hands them to the caller (who
** frees them with free()) and leaves the buffer empty.  Appends that cannot
** allocate set b->oom and become no-ops, so a sequence of appends needs one
** check at the end: `if (b.oom) return SC_ENOMEM;`.
*/
#ifndef SC_BUF_H
#define SC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sc_buf {
    char *data;   /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    bool oom;
} sc_buf;

#define SC_BUF_INIT {0}

bool sc_buf_reserve(sc_buf *b, size_t extra);
void sc_buf_add(sc_buf *b, const void *p, size_t n);
void sc_buf_adds(sc_buf *b, const char *s);
void sc_buf_addc(sc_buf *b, char c);
void sc_buf_addf(sc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_buf_add_cp(sc_buf *b, uint32_t cp);       /* one code point as UTF-8 */
void sc_buf_add_json_str(sc_buf *b, const char *s, size_t n); /* quoted, escaped as jansson's compact dump escapes */
char *sc_buf_detach(sc_buf *b);                    /* caller frees; never NULL unless oom */
void sc_buf_reset(sc_buf *b);                      /* len = 0, keeps memory */
void sc_buf_free(sc_buf *b);

#endif
