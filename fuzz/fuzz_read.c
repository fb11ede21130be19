/*
** fuzz_read.c — libFuzzer target for the readers: the input is a file's
** bytes, read by sc_read_mem() with lowered limits (so that the fuzzer spends
** its time on parsing, not on allocating 64 MiB).  Every document a reader
** returns is checked against the sc_raw contract of doc.h (valid UTF-8, no
** CR, no NUL, len == strlen): a violation aborts, so the fuzzer reports it
** like a crash.  Build and run: scripts/fuzz.sh [SECONDS].
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read.h"
#include "read_priv.h"
#include "utf8.h"

static int check_raw(void *ctx, const sc_raw *raw, const sc_err *rec_err)
{
    (void)ctx;
    if (!raw) {
        if (!rec_err || !rec_err->msg[0]) abort();   /* a line error must say something */
        return SC_OK;
    }
    if (!raw->text || strlen(raw->text) != raw->len) abort();
    if (sc_utf8_check(raw->text, raw->len) != raw->len) abort();
    if (memchr(raw->text, '\r', raw->len)) abort();
    if (!raw->format || !raw->encoding) abort();
    if (raw->title && sc_utf8_check(raw->title, strlen(raw->title)) != strlen(raw->title)) abort();
    return SC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sc_read_limits lim;
    sc_read_limits_default(&lim);
    lim.max_file_bytes = 1 << 20;
    lim.max_text_bytes = 1 << 20;
    lim.max_entry_bytes = 4 << 20;
    lim.max_ratio = 100;
    lim.max_xml_depth = 64;
    lim.max_stream_bytes = 8 << 20;
    sc_err e = {0};
    /* content decides the format; the name only settles text vs JSONL */
    if (sc_read_mem("fuzz", data, size, &lim, check_raw, NULL, &e) != SC_OK && !e.msg[0]) abort();
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
    if (i < size && data[i] == '{') {
        /* the JSONL fast path must read every line as jansson does */
        const char *p = (const char *)data, *end = p + size;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (!sc_jsonl_selfcheck(p, k)) abort();
            p += k + 1;
        }
        sc_err_clear(&e);
        if (sc_read_mem("fuzz.jsonl", data, size, &lim, check_raw, NULL, &e) != SC_OK && !e.msg[0]) abort();
    }
    return 0;
}
