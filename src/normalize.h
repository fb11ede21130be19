/*
** normalize.h — the search normalisation, one code point in, at most one
** code point out, so that every normalised position maps back to a byte
** offset of the display text (for snippets and highlights).
**
** The rule (README "How search matches"), applied to titles, texts and
** queries alike:
**   - full-width forms U+FF01..U+FF5E become ASCII, U+3000 a space;
**   - letters are lower-cased (ASCII, and utf8proc's simple lower-case
**     mapping where it is one code point);
**   - traditional Han characters become simplified, character by
**     character, from OpenCC's t2s data (TSCharacters; first candidate);
**   - every run of whitespace (space, tab, U+00A0, U+3000, other Zs) is one
**     space; '\n' is kept as a barrier: no phrase matches across it.
** The tables are built once per process (pthread_once), about 30 ms.
*/
#ifndef SC_NORMALIZE_H
#define SC_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Builds the tables now (else the first call does).  Thread-safe. */
void sc_norm_init(void);

/* One code point (whitespace folding aside): fold(cp). */
uint32_t sc_norm_char(uint32_t cp);

/* A normalised text: cps[0..n) code points; off[i] is the byte offset in
** the source of the character that produced cps[i], off[n] == source
** length.  Both arrays are owned by the struct (sc_norm_free). */
typedef struct sc_norm {
    uint32_t *cps;
    uint32_t *off;
    size_t n, cap;
} sc_norm;

/* Normalises s[0..len) (valid UTF-8; invalid bytes become U+FFFD).  Reuses
** the arrays of *out.  want_off = 0 skips the offset map. */
int sc_normalize(const char *s, size_t len, int want_off, sc_norm *out);

/* The same, a piece at a time, for texts too long to hold normalised at
** once: normalises s[*pos..len) until max code points came out (or the
** end), writing cps[k] and, unless off is NULL, off[k] (byte offset in s).
** *pos and *prev (the whitespace state: 0 at a start) are carried from one
** call to the next, so that the pieces join into exactly what
** sc_normalize gives for s[start..len).  Start anywhere a code point was
** emitted, with *prev = 0.  Returns how many code points came out; fewer
** than max only at the end of s. */
size_t sc_normalize_step(const char *s, size_t len, size_t *pos, uint32_t *prev, uint32_t *cps, uint32_t *off,
                         size_t max);

/* Passes over n normalised code points of valid UTF-8 s from *pos (carrying
** *prev as sc_normalize_step does), and over the whitespace that the next
** one would fold away, without producing them: *pos is then the byte offset
** of the code point sc_normalize_step would emit next (len when the text
** ends first).  Returns how many were passed (fewer than n only at the
** end).  Only whitespace is looked up, eight bytes at a time where there
** is none, so that a snippet reaches its window several times faster than
** by normalising the text before it.  (On invalid UTF-8 the count may
** differ from sc_normalize_step's; no byte outside s is read.) */
size_t sc_normalize_skip(const char *s, size_t len, size_t *pos, uint32_t *prev, size_t n);

/* The sequence search sees for a document is its title line, '\n', then
** its body.  sc_doc.text normally starts with the title line (doc.h); when
** it does not (a source that keeps the title apart), the index puts the
** title in front.  Returns 1 when text already starts with the title line
** (or there is no title), else 0. */
int sc_text_has_title(const char *text, size_t len, const char *title);
void sc_norm_free(sc_norm *n);

#endif
