/*
** cmd_index.c — `sucai index rebuild` (the index again from the store),
** `sucai index optimize` (all segments merged into one, as after a bulk
** import: the fewest dictionary lookups a query) and `sucai index check`
** (every segment's checksums and ordering, and that the index holds as many
** documents as the store; exit 1 on damage).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_index(int argc, char **argv)
{
    int a = 1;
    if (a < argc && !strcmp(argv[a], "--library") && a + 2 < argc) { g_cli.library = argv[a + 1]; a += 2; }
    if (a >= argc || (strcmp(argv[a], "rebuild") && strcmp(argv[a], "optimize") && strcmp(argv[a], "check"))) {
        fprintf(stderr, "usage: sucai index rebuild|optimize|check\n");
        return 2;
    }
    int rebuild = !strcmp(argv[a], "rebuild"), optimize = !strcmp(argv[a], "optimize");
    sc_library *lib = cli_open(rebuild ? CLI_REBUILD_INDEX : optimize ? 0 : CLI_READ_ONLY);
    if (!lib) return 2;
    sc_err e = {0};
    int rc;
    if (rebuild || optimize) {
        rc = rebuild ? sc_library_reindex(lib, &e) : SC_OK;
        if (!rc) {
            sc_index *ix = sc_library_index(lib);
            sc_index_optimize(ix);
            rc = sc_index_commit(ix, sc_index_seq(ix), &e);
        }
        if (!rc) printf("index %s: %lld documents, %lld bytes\n", rebuild ? "rebuilt" : "optimized",
                        (long long)sc_index_doc_count(sc_library_index(lib)),
                        (long long)sc_index_disk_bytes(sc_library_index(lib)));
    } else {
        rc = sc_library_check(lib, &e);
        if (!rc) {
            sc_store_stats st;
            long long in_index = sc_index_doc_count(sc_library_index(lib));
            if (sc_store_stats_get(sc_library_store(lib), &st, &e) == SC_OK && st.docs != in_index) {
                /* a read-only open does not replay: the next writer will */
                printf("note: the store holds %ld documents, the index %lld (a writer will catch up on open)\n", st.docs, in_index);
            }
            printf("index ok: %lld documents, %lld bytes\n", in_index, (long long)sc_index_disk_bytes(sc_library_index(lib)));
        }
    }
    if (rc) cli_error("%s", e.msg);
    sc_library_close(lib);
    return rc ? 1 : 0;
}
