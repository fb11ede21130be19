/*
** normalize.c — the search normalisation of normalize.h.
**
** A table fold[cp] for cp < SC_NORM_TABLE (all of the BMP and planes 1-2,
** where every Han character OpenCC knows lives) holds the folded code
** point; above it only whitespace folding applies.  The traditional ->
** simplified column comes from OpenCC, converted at build time by
** normalize_gen.c (every Han code point once, on a line of its own, so that
** no phrase rule of t2s applies; a result that is not exactly one code
** point is ignored) into a table of pairs linked in here.
*/
#include "normalize.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "utf8.h"

#define SC_NORM_TABLE 0x30000u

static uint32_t *fold;              /* fold[cp], read-only after init */
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static int is_space(uint32_t cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\v' || cp == '\f') return 1;
    if (cp < 0x80) return 0;
    return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_ZS;
}

/* The t2s column, generated at build time from OpenCC (normalize_gen.c). */
extern const uint32_t sc_t2s_pairs[][2];
extern const size_t sc_t2s_count;

static void add_t2s(void)
{
    for (size_t i = 0; i < sc_t2s_count; i++) {
        uint32_t cp = sc_t2s_pairs[i][0];
        if (cp < SC_NORM_TABLE && fold[cp] == cp) fold[cp] = sc_t2s_pairs[i][1];
    }
}

static void build(void)
{
    uint32_t *t = malloc(SC_NORM_TABLE * sizeof *t);
    if (!t) abort();   /* 768 KB at startup; nothing sensible to do without it */
    for (uint32_t cp = 0; cp < SC_NORM_TABLE; cp++) {
        uint32_t v = cp;
        if (cp >= 0xD800 && cp <= 0xDFFF) { t[cp] = 0xFFFD; continue; }
        if (cp >= 0xFF01 && cp <= 0xFF5E) v = cp - 0xFEE0;
        if (is_space(v)) { t[cp] = ' '; continue; }
        utf8proc_int32_t lo = utf8proc_tolower((utf8proc_int32_t)v);
        if (lo > 0) v = (uint32_t)lo;
        t[cp] = v;
    }
    fold = t;
    add_t2s();
}

void sc_norm_init(void) { pthread_once(&fold_once, build); }

uint32_t sc_norm_char(uint32_t cp)
{
    sc_norm_init();
    if (cp < SC_NORM_TABLE) return fold[cp];
    return is_space(cp) ? ' ' : cp;
}

static int grow(sc_norm *o, size_t need, int want_off)
{
    if (need <= o->cap) return SC_OK;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < need) cap *= 2;
    uint32_t *c = realloc(o->cps, cap * sizeof *c);
    if (!c) return SC_ENOMEM;
    o->cps = c;
    if (want_off || o->off) {
        uint32_t *f = realloc(o->off, (cap + 1) * sizeof *f);
        if (!f) return SC_ENOMEM;
        o->off = f;
    }
    o->cap = cap;
    return SC_OK;
}

/* The code point at u[*i], U+FFFD for an invalid byte (sc_utf8_next, inline
** with the one- and three-byte forms of Chinese text first). */
static inline uint32_t next_cp(const unsigned char *u, size_t len, size_t *i)
{
    int32_t v = sc_utf8_next((const char *)u, len, i);
    return v < 0 ? 0xFFFD : (uint32_t)v;
}

/* The loop of sc_normalize_step; with_off is a constant at each call, so
** the loop without offsets carries no test for them. */
static inline size_t step(const char *s, size_t len, size_t *pos, uint32_t *prev, uint32_t *cps, uint32_t *off,
                          size_t max, int with_off)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = *pos, n = 0;
    uint32_t pv = *prev;
    while (i < len && n < max) {
        size_t at = i;
        uint32_t cp = next_cp(u, len, &i);
        uint32_t f = cp < SC_NORM_TABLE ? fold[cp] : (is_space(cp) ? ' ' : cp);
        if (f == ' ' && pv == ' ') continue;
        if (with_off) off[n] = (uint32_t)at;
        cps[n++] = f;
        pv = f;
    }
    *pos = i;
    *prev = pv;
    return n;
}

size_t sc_normalize_step(const char *s, size_t len, size_t *pos, uint32_t *prev, uint32_t *cps, uint32_t *off,
                         size_t max)
{
    sc_norm_init();
    return off ? step(s, len, pos, prev, cps, off, max, 1) : step(s, len, pos, prev, cps, NULL, max, 0);
}

/* fold(cp) == ' ': below 0x80 as the table says; above, only U+00A0,
** U+1680, U+2000-U+205F and U+3000 can (normalize.h; full-width forms fold
** to ASCII other than the space) */
static inline int folds_to_space(uint32_t cp)
{
    if (cp < 0x80) return fold[cp] == ' ';
    return (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x205F) || cp == 0x3000) && fold[cp] == ' ';
}

/* maybe_space reads byte j of a loaded word at bits 8j..8j+7 */
#define LITTLE_ENDIAN_WORDS (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* High bit of each byte of x that equals v (exact per byte). */
static inline uint64_t bytes_eq(uint64_t x, unsigned v)
{
    uint64_t t = x ^ (ONES * v);
    return ~(((t & ~HIGH) + ~HIGH) | t) & HIGH;
}

/* Does the word hold a byte that may start whitespace: ASCII up to the
** space, or the leads of the others (0xC2, 0xE1, 0xE2, 0xE3)?  0xE3 also
** leads most CJK punctuation, so it counts only before 0x80 0x80 (U+3000)
** or where its followers lie past the word. */
static inline int maybe_space(uint64_t x)
{
    uint64_t low = ((x & ~HIGH) + ONES * (0x80 - 0x21)) | x;   /* high bit clear: byte < 0x21 */
    if (~low & HIGH) return 1;
    if (bytes_eq(x, 0xC2) | bytes_eq(x, 0xE1) | bytes_eq(x, 0xE2)) return 1;
    uint64_t e3 = bytes_eq(x, 0xE3);
    if (!e3) return 0;
    uint64_t b80 = bytes_eq(x, 0x80);
    /* an E3 in the last two bytes, or one followed by 80 80 */
    return (e3 >> 48) != 0 || (e3 & (b80 >> 8) & (b80 >> 16)) != 0;
}

size_t sc_normalize_skip(const char *s, size_t len, size_t *pos, uint32_t *prev, size_t n)
{
    sc_norm_init();
    const unsigned char *u = (const unsigned char *)s;
    size_t i = *pos, k = 0;
    uint32_t pv = *prev;
    while (i < len) {
        /* a word that starts a code point, holds no whitespace, and whose
           starts all fall before the n-th: count them; a start's character
           is not a space, so the state becomes "not after a space" */
        if (LITTLE_ENDIAN_WORDS && i + 8 <= len && k + 8 <= n) {
            uint64_t x;
            memcpy(&x, u + i, 8);
            if ((u[i] & 0xC0) != 0x80 && !maybe_space(x)) {
                uint64_t cont = x & ~(x << 1) & HIGH;          /* 10xxxxxx */
                k += 8 - (size_t)__builtin_popcountll(cont);
                pv = 1;
                i += 8;
                while (i < len && (u[i] & 0xC0) == 0x80) i++;  /* finish the last character */
                continue;
            }
        }
        size_t j = i;
        uint32_t cp = next_cp(u, len, &j);
        int ws = folds_to_space(cp);
        if (ws && pv == ' ') { i = j; continue; }   /* folded away */
        if (k == n) break;
        k++;
        pv = ws ? ' ' : 1;                             /* only ' ' is ever compared */
        i = j;
    }
    *pos = i;
    *prev = pv;
    return k;
}

int sc_normalize(const char *s, size_t len, int want_off, sc_norm *o)
{
    sc_norm_init();
    o->n = 0;
    /* a text of len bytes has at most len code points */
    if (grow(o, len + 1, want_off)) return SC_ENOMEM;
    if (want_off && !o->off) {
        o->off = malloc((o->cap + 1) * sizeof *o->off);
        if (!o->off) return SC_ENOMEM;
    }
    size_t pos = 0;
    uint32_t prev = 0;
    o->n = sc_normalize_step(s, len, &pos, &prev, o->cps, want_off ? o->off : NULL, len + 1);
    if (want_off) o->off[o->n] = (uint32_t)len;
    return SC_OK;
}

void sc_norm_free(sc_norm *n)
{
    free(n->cps);
    free(n->off);
    memset(n, 0, sizeof *n);
}

int sc_text_has_title(const char *text, size_t len, const char *title)
{
    if (!title || !*title) return 1;
    size_t tl = strlen(title);
    if (!text || len < tl || memcmp(text, title, tl)) return 0;
    return len == tl || text[tl] == '\n';
}
