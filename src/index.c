/* index.c — STUB: an index that holds nothing. Replaced by the search engine work. */
#include "index.h"

#include <stdlib.h>

struct sc_index { int64_t seq; };

int sc_index_open(const char *dir, sc_index **out, sc_err *err)
{
    (void)dir;
    *out = calloc(1, sizeof **out);
    return *out ? SC_OK : sc_err_set(err, SC_ENOMEM, "out of memory");
}
void sc_index_close(sc_index *ix) { free(ix); }
int64_t sc_index_seq(sc_index *ix) { return ix->seq; }
int sc_index_add(sc_index *ix, int64_t num, const sc_doc *doc, sc_err *err) { (void)ix; (void)num; (void)doc; (void)err; return SC_OK; }
int sc_index_delete(sc_index *ix, int64_t num, sc_err *err) { (void)ix; (void)num; (void)err; return SC_OK; }
int sc_index_commit(sc_index *ix, int64_t seq, sc_err *err) { (void)err; ix->seq = seq; return SC_OK; }
int sc_index_clear(sc_index *ix, sc_err *err) { (void)ix; (void)err; return SC_OK; }
int sc_index_check(sc_index *ix, sc_err *err) { (void)ix; (void)err; return SC_OK; }
int64_t sc_index_disk_bytes(sc_index *ix) { (void)ix; return 0; }
int64_t sc_index_doc_count(sc_index *ix) { (void)ix; return 0; }
