/*
** cmd_search.c — `sucai search [--json] [--limit N] [--offset N]
**   [--sort relevance|date] [--as visitor|member] [--count] [--ids]
**   [--batch] QUERY...`
**
** Words after the options are joined by spaces into one query (so that
** `sucai search 证照分离 营商环境` is an AND).  The CLI is the library's
** operator, so --as defaults to member (snippets may come from the paid
** part); --as visitor shows what a visitor would see.  --batch reads one
** query a line from stdin and prints one JSON object a line (with "ids"
** when --ids is given; {"error": ...} for a query that does not parse).
** Exit: 0 ok, 2 usage or query error, 1 search failure.
*/
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../src/buf.h"
#include "../src/search.h"
#include "../src/utf8.h"

static const struct option search_opts[] = {
    {"json", no_argument, NULL, 'j'},
    {"library", required_argument, NULL, 'L'},
    {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, 'o'},
    {"sort", required_argument, NULL, 's'},
    {"as", required_argument, NULL, 'a'},
    {"count", no_argument, NULL, 'c'},
    {"ids", no_argument, NULL, 'i'},
    {"batch", no_argument, NULL, 'b'},
    {NULL, 0, NULL, 0},
};

static void usage(void)
{
    fprintf(stderr, "usage: sucai search [--json] [--limit N] [--offset N] [--sort relevance|date]\n"
                    "                    [--as visitor|member] [--count] [--ids] [--batch] QUERY...\n");
}

/* Prints the snippet with highlighted spans in 【】. */
static void print_marked(const sc_hit *h)
{
    const char *s = h->snippet ? h->snippet : "";
    size_t n = strlen(s), i = 0, cp = 0, k = 0;
    while (i < n) {
        while (k < h->n_highlights && h->highlights[k][0] + h->highlights[k][1] <= cp && h->highlights[k][1]) k++;
        if (k < h->n_highlights && h->highlights[k][0] == cp) fputs("【", stdout);
        size_t j = i;
        sc_utf8_next(s, n, &j);
        fwrite(s + i, 1, j - i, stdout);
        i = j;
        cp++;
        if (k < h->n_highlights && h->highlights[k][0] + h->highlights[k][1] == cp) { fputs("】", stdout); k++; }
    }
}

static int run_one(sc_library *lib, sc_search_opts *o, int json, int ids, int batch)
{
    sc_results *r = NULL;
    sc_err e = {0};
    int rc = sc_search(sc_library_index(lib), sc_library_store(lib), o, &r, &e);
    if (rc) {
        if (batch) {
            sc_buf b = SC_BUF_INIT;
            sc_buf_adds(&b, "{\"error\":");
            sc_buf_add_json_str(&b, e.msg, strlen(e.msg));
            sc_buf_addc(&b, '}');
            puts(b.data ? b.data : "{\"error\":\"out of memory\"}");
            sc_buf_free(&b);
        } else {
            cli_error("%s", e.msg);
        }
        return rc == SC_EQUERY ? 2 : 1;
    }
    if (json || batch) {
        char *s = sc_results_json(r, ids);
        if (s) puts(s);
        free(s);
    } else if (o->count_only && !ids) {
        printf("%llu\n", (unsigned long long)r->total);
    } else if (ids) {
        for (size_t i = 0; i < r->n_ids; i++) puts(r->ids[i]);
    } else {
        printf("%llu documents (%.2f ms)\n", (unsigned long long)r->total, r->took_ms);
        for (size_t i = 0; i < r->n_hits; i++) {
            const sc_hit *h = &r->hits[i];
            printf("\n%s  %s  (%.3f)\n  ", h->id, h->title ? h->title : "", h->score);
            print_marked(h);
            if (h->in_paid_part) fputs(h->snippet && *h->snippet ? "  [match in the members' part]" : "[match in the members' part]", stdout);
            putchar('\n');
        }
    }
    sc_results_free(r);
    return 0;
}

int cmd_search(int argc, char **argv)
{
    sc_search_opts o = {0};
    o.limit = 10;
    o.can_read_paid = 1;
    int json = 0, ids = 0, batch = 0, c;
    while ((c = getopt_long(argc, argv, "jn:o:s:a:cib", search_opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'L': g_cli.library = optarg; break;
        case 'n': o.limit = atol(optarg); break;
        case 'o': o.offset = atol(optarg); break;
        case 's':
            if (!strcmp(optarg, "relevance")) o.sort = SC_SORT_RELEVANCE;
            else if (!strcmp(optarg, "date")) o.sort = SC_SORT_DATE;
            else { usage(); return 2; }
            break;
        case 'a':
            if (!strcmp(optarg, "visitor")) o.can_read_paid = 0;
            else if (!strcmp(optarg, "member")) o.can_read_paid = 1;
            else { usage(); return 2; }
            break;
        case 'c': o.count_only = 1; break;
        case 'i': ids = 1; o.want_ids = 1; break;
        case 'b': batch = 1; break;
        default: usage(); return 2;
        }
    }
    if (!batch && optind >= argc) { usage(); return 2; }
    sc_buf q = SC_BUF_INIT;
    for (int i = optind; i < argc; i++) {
        if (i > optind) sc_buf_addc(&q, ' ');
        sc_buf_adds(&q, argv[i]);
    }
    if (q.oom) { cli_error("out of memory"); return 1; }
    sc_library *lib = cli_open(1);
    if (!lib) { sc_buf_free(&q); return 2; }
    int rc = 0;
    if (!batch) {
        o.query = q.data;
        rc = run_one(lib, &o, json, ids, 0);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) > 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            o.query = line;
            int r = run_one(lib, &o, json, ids, 1);
            if (r == 1) rc = 1;
            fflush(stdout);
        }
        free(line);
    }
    sc_buf_free(&q);
    sc_library_close(lib);
    return rc;
}
