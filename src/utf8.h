/*
** utf8.h — UTF-8 decoding and checking.
**
** All text inside sucai is UTF-8.  Readers convert what arrives (GB18030,
** UTF-16, ...) at the door and reject what is not valid; past the readers
** every string may be assumed valid, NUL-free UTF-8.
*/
#ifndef SC_UTF8_H
#define SC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[*i] (n bytes available) and advances *i.
** Returns the code point, or -1 for an invalid sequence (then *i advances
** by one byte). Rejects overlongs, surrogates and values above U+10FFFF. */
int32_t sc_utf8_next(const char *s, size_t n, size_t *i);

/* Offset of the first invalid byte, or n when s[0..n) is valid UTF-8. */
size_t sc_utf8_check(const char *s, size_t n);

/* Number of code points in valid UTF-8 s[0..n). */
size_t sc_utf8_count(const char *s, size_t n);

/* Byte offset of code point number `chars` in valid UTF-8 s[0..n), or n. */
size_t sc_utf8_offset(const char *s, size_t n, size_t chars);

/* Encodes cp into out (at least 4 bytes); returns the number of bytes. */
size_t sc_utf8_put(char *out, uint32_t cp);

/* True for the CJK ideograph blocks (Unified, Ext A-F, Compatibility). */
bool sc_is_han(uint32_t cp);

#endif
