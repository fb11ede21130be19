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
** by one byte). Rejects overlongs, surrogates and values above U+10FFFF.
** Inline: every stage that reads text calls it once a character. */
static inline int32_t sc_utf8_next(const char *str, size_t n, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t k = *i;
    unsigned c = s[k];
    if (c < 0x80) { *i = k + 1; return (int32_t)c; }
    if (c >= 0xE0 && c <= 0xEF && k + 3 <= n) {   /* the CJK case first */
        unsigned d = s[k + 1], e = s[k + 2];
        uint32_t cp = (c & 0x0F) << 12 | (d & 0x3F) << 6 | (e & 0x3F);
        if ((d & 0xC0) == 0x80 && (e & 0xC0) == 0x80 && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
            *i = k + 3;
            return (int32_t)cp;
        }
        *i = k + 1;
        return -1;
    }
    int len;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else { *i = k + 1; return -1; }
    if (k + (size_t)len > n) { *i = k + 1; return -1; }
    for (int j = 1; j < len; j++) {
        unsigned d = s[k + (size_t)j];
        if ((d & 0xC0) != 0x80) { *i = k + 1; return -1; }
        cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF) { *i = k + 1; return -1; }
    *i = k + (size_t)len;
    return (int32_t)cp;
}

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
