/*
** describe_hash.c — the content hash and the near-duplicate fingerprint.
**
** hash:    SHA-256 of the whole clean text, lower-case hex.  Equal hashes
**          are the same document.  libcrypto's, which uses the CPU's SHA
**          instructions: 3x faster than libsodium's portable code, and
**          hashing was 6% of an ingest.
** simhash: 64-bit simhash of the body (the text after the title line) over
**          character 3-gram shingles of the normalised body: only Han
**          characters, letters and digits count (ASCII and full-width letters
**          folded to lower-case ASCII), so that whitespace, punctuation and
**          the title do not matter.  The same material re-posted under
**          another title or with a leftover footer differs in a few bits
**          (<= SC_NEAR_DUP_BITS); unrelated texts differ in about 32.
*/
#include "describe.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

int sc_simhash_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

/* The code point folded for shingling, or -1 when it does not count. */
static int32_t fold(int32_t cp)
{
    if (cp < 0) return -1;
    if (cp >= 0xFF10 && cp <= 0xFF5A) cp -= 0xFEE0;        /* full-width ASCII */
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) return cp;
    return sc_is_han((uint32_t)cp) ? cp : -1;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Bit b of every shingle hash is counted in v[b].  For speed the counts are
** gathered in the bytes of acc[]: byte j of acc[g] counts bit 8j + g, so
** that a hash adds (h >> g) & 0x01..01 to acc[g], eight additions and no
** table (a table of the bytes' bits took 8 loads, 2 % of an import); they
** are flushed into v[] before a byte can overflow. */
typedef struct counter { int32_t v[64]; uint64_t acc[8]; int pending; int32_t total; } counter;

static void flush(counter *c)
{
    for (int g = 0; g < 8; g++) {
        for (int j = 0; j < 8; j++) c->v[8 * j + g] += (int32_t)(c->acc[g] >> (8 * j) & 0xFF);
        c->acc[g] = 0;
    }
    c->pending = 0;
}

static void count(counter *c, uint64_t h)
{
    const uint64_t ones = 0x0101010101010101ull;
    for (int g = 0; g < 8; g++) c->acc[g] += (h >> g) & ones;
    c->total++;
    if (++c->pending == 255) flush(c);
}

uint64_t sc_simhash(const char *s, size_t n)
{
    counter c = {{0}, {0}, 0, 0};
    uint32_t w[3] = {0, 0, 0};
    int have = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp = fold(sc_utf8_next(s, n, &i));
        if (cp < 0) continue;
        w[0] = w[1]; w[1] = w[2]; w[2] = (uint32_t)cp;
        if (++have < 3) continue;
        count(&c, mix(((uint64_t)w[0] << 42) ^ ((uint64_t)w[1] << 21) ^ w[2]));
    }
    if (have > 0 && have < 3)   /* too short for a shingle: hash what there is */
        count(&c, mix(((uint64_t)w[0] << 42) ^ ((uint64_t)w[1] << 21) ^ w[2]));
    flush(&c);
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (2 * c.v[b] > c.total) out |= 1ull << b;
    return out;
}

/* SHA-256 fetched from OpenSSL's provider once: EVP_sha256() makes every
** digest fetch it again, a lock and a lookup that cost a short poem more
** than hashing it. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void fetch_sha256(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

void sc_describe_hash(sc_doc *d)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hn = 0;
    pthread_once(&sha256_once, fetch_sha256);
    if (!sha256_md || !EVP_Digest(d->text, d->len, h, &hn, sha256_md, NULL) || hn != 32)
        crypto_hash_sha256(h, (const unsigned char *)d->text, d->len);   /* same digest */
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        d->hash[2 * i] = hex[h[i] >> 4];
        d->hash[2 * i + 1] = hex[h[i] & 15];
    }
    d->hash[64] = 0;
    const char *nl = memchr(d->text, '\n', d->len);
    size_t off = nl ? (size_t)(nl - d->text) + 1 : d->len;
    d->simhash = sc_simhash(d->text + off, d->len - off);
}
