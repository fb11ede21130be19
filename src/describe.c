/* describe.c — STUB. Replaced by the describing work. */
#include "describe.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

void sc_describe_hash(sc_doc *d)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)d->text, d->len);
    for (int i = 0; i < 32; i++) snprintf(d->hash + 2 * i, 3, "%02x", h[i]);
    d->simhash = 0;
}

int sc_simhash_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

int sc_describe_outline(sc_doc *d, sc_err *err) { (void)d; (void)err; return SC_OK; }

int sc_describe(sc_doc *d, sc_err *err)
{
    d->chars = sc_utf8_count(d->text, d->len);
    d->free_chars = sc_utf8_count(d->text, d->free_len);
    if (!d->doc_type) d->doc_type = strdup("unknown");
    sc_describe_hash(d);
    return sc_describe_outline(d, err);
}
