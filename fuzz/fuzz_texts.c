/* fuzz_texts.c — libFuzzer target for the texts file reader
** (store_texts.c): any bytes as the file, read at offsets and for numbers
** taken from the input, must give SC_OK or SC_EDB with a message (never
** a crash or a read outside what was read), and a record read must be
** sound: its fields NUL-terminated, its text of the length it says, the
** free part within it.  A record the writer appended reads back as written
** whatever bytes came before it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_texts.h"

static char dir[64];

static void remove_dir(void)
{
    char path[96];
    snprintf(path, sizeof path, "%s/texts", dir);
    unlink(path);
    rmdir(dir);
}

static void check_read(sc_texts *t, uint64_t at, int64_t num, int paid, sc_buf *b)
{
    sc_doc d = {0};
    sc_err e = {0};
    int rc = sc_texts_read(t, at, num, paid, b, &d, &e);
    if (rc != SC_OK && rc != SC_EDB && rc != SC_ENOMEM) abort();
    if (rc != SC_OK) { if (!e.msg[0]) abort(); return; }
    if (strlen(d.title) > b->len || d.free_len > d.len || d.text[d.len] != 0) abort();
    if (d.text < b->data || d.text + d.len > b->data + b->len) abort();
    int crc = sc_texts_check(t, at, num, &e);
    if (crc != SC_OK && crc != SC_EDB) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_texts-XXXXXX");
        if (!mkdtemp(dir)) abort();
        atexit(remove_dir);
    }
    char path[96];
    snprintf(path, sizeof path, "%s/texts", dir);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    size_t skip = size < 12 ? size : 12;      /* 12 bytes steer, the rest is the file */
    if (size > skip && fwrite(data + skip, 1, size - skip, f) != size - skip) abort();
    fclose(f);
    uint64_t at = 0, n = 0;
    for (size_t i = 0; i < skip; i++) {
        if (i < 4) at = at << 8 | data[i];
        else n = n << 8 | data[i];
    }
    int64_t num = (int64_t)n;
    sc_texts *t;
    sc_err e = {0};
    if (sc_texts_open(dir, &t, &e)) abort();
    sc_buf b = SC_BUF_INIT;
    for (uint64_t a = 0; a < 64 && a < size; a += 7) check_read(t, a, num, (int)(a & 1), &b);
    check_read(t, at, num, 1, &b);
    /* a batch on top of whatever is there: begin accepts or refuses the
       file; once accepted, what is appended reads back */
    if (sc_texts_begin(t, (uint64_t)(size > skip ? size - skip : 0), &e) == SC_OK) {
        sc_doc d = {0};
        d.title = "标题";
        d.text = "标题\n正文";
        d.len = strlen(d.text);
        d.free_len = 7;
        d.free_chars = 3;
        uint64_t where, end;
        if (sc_texts_append(t, num, &d, &where, &e) || sc_texts_sync(t, &end, &e)) abort();
        sc_doc r = {0};
        if (sc_texts_read(t, where, num, 1, &b, &r, &e) || r.len != d.len || memcmp(r.text, d.text, d.len) ||
            r.free_len != 7 || strcmp(r.title, "标题"))
            abort();
    }
    sc_buf_free(&b);
    sc_texts_close(t);
    return 0;
}
