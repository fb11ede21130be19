/* cmd_docs.c — `sucai ingest | show | list | stats | delete`. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../src/buf.h"
#include "../src/utf8.h"

static const struct option doc_opts[] = {
    {"json", no_argument, NULL, 'j'},
    {"library", required_argument, NULL, 'L'},
    {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, 'o'},
    {"free", no_argument, NULL, 'f'},
    {NULL, 0, NULL, 0},
};

typedef struct doc_args { int json, free_only; long limit, offset; } doc_args;

/* Parses the options shared by these commands; returns the index of the
** first operand or -1 on a usage error. */
static int parse(int argc, char **argv, doc_args *a)
{
    memset(a, 0, sizeof *a);
    a->limit = 50;
    int c;
    while ((c = getopt_long(argc, argv, "jn:o:f", doc_opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'L': g_cli.library = optarg; break;
        case 'n': a->limit = atol(optarg); break;
        case 'o': a->offset = atol(optarg); break;
        case 'f': a->free_only = 1; break;
        default: return -1;
        }
    }
    return optind;
}

static void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) { puts(s); free(s); }
    json_decref(o);
}

/* ---- ingest ---------------------------------------------------------- */

/* Progress shows as it happens, but a flush per document (474,000 write
** calls for the whole corpus) was a tenth of a bulk import: stdout goes out
** at most every 100 ms (stdio flushes a terminal at every line anyway). */
static void flush_now_and_then(void)
{
    static struct timespec last;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - last.tv_sec) * 1000000000L + (now.tv_nsec - last.tv_nsec) < 100000000L) return;
    fflush(stdout);
    last = now;
}

static int valid(const char *s) { return !s || sc_utf8_check(s, strlen(s)) == strlen(s); }

/* s as a JSON string, escaped as jansson's compact dump does it
** (sc_buf_add_json_str). */
static void json_str(sc_buf *b, const char *s) { sc_buf_add_json_str(b, s, strlen(s)); }

/* The result as one JSON line, written by hand: building and dumping a
** jansson object was 7 % of an import of short poems.  Byte for byte what
** the jansson path below writes; a string that is not valid UTF-8 (which
** jansson leaves out) goes that way.  Returns 0 when it did not print. */
static int print_result_fast(const sc_ingest_result *r)
{
    if (!r->file || !r->status || !valid(r->file) || !valid(r->status) || !valid(r->id) || !valid(r->dup_of) ||
        !valid(r->title) || !valid(r->error))
        return 0;
    sc_buf b = SC_BUF_INIT;
    sc_buf_add(&b, "{\"file\":", 8);
    json_str(&b, r->file);
    sc_buf_add(&b, ",\"status\":", 10);
    json_str(&b, r->status);
    sc_buf_add(&b, ",\"id\":", 6);
    if (r->id) json_str(&b, r->id); else sc_buf_add(&b, "null", 4);
    if (r->dup_of) { sc_buf_add(&b, ",\"duplicate_of\":", 16); json_str(&b, r->dup_of); }
    if (r->title) { sc_buf_add(&b, ",\"title\":", 9); json_str(&b, r->title); }
    sc_buf_add(&b, ",\"error\":", 9);
    if (r->error) json_str(&b, r->error); else sc_buf_add(&b, "null", 4);
    sc_buf_add(&b, "}\n", 2);
    int ok = !b.oom;
    if (ok) fwrite(b.data, 1, b.len, stdout);
    sc_buf_free(&b);
    return ok;
}

static void on_result(void *ctx, const sc_ingest_result *r)
{
    int json = *(int *)ctx;
    if (json && print_result_fast(r)) {
        /* printed */
    } else if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(r->file));
        json_object_set_new(o, "status", json_string(r->status));
        json_object_set_new(o, "id", r->id ? json_string(r->id) : json_null());
        if (r->dup_of) json_object_set_new(o, "duplicate_of", json_string(r->dup_of));
        if (r->title) json_object_set_new(o, "title", json_string(r->title));
        json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
        print_json(o);
    } else if (r->error) {
        printf("error      %s\n", r->error);   /* the message names the file */
    } else {
        printf("%-10s %-14s %s  %s\n", r->status, r->id ? r->id : "-", r->file, r->title ? r->title : "");
    }
    flush_now_and_then();
}

int cmd_ingest(int argc, char **argv)
{
    doc_args a;
    int first = parse(argc, argv, &a);
    if (first < 0 || first >= argc) {
        fprintf(stderr, "usage: sucai ingest [--json] PATH...\n");
        return 2;
    }
    sc_library *lib = cli_open(0);
    if (!lib) return 2;
    sc_ingest_counts n = {0};
    sc_err e = {0};
    int rc = sc_library_ingest(lib, (const char *const *)argv + first, (size_t)(argc - first),
                               on_result, &a.json, &n, &e);
    fflush(stdout);   /* every result before the summary on stderr */
    sc_library_close(lib);
    if (rc) {
        cli_error("ingest failed, nothing committed: %s", e.msg);
        return 2;
    }
    fprintf(stderr, "%ld added, %ld duplicate, %ld updated, %ld failed\n",
            n.added, n.duplicate, n.updated, n.failed);
    return n.failed ? 1 : 0;
}

/* ---- show ------------------------------------------------------------ */

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *doc_meta_json(const sc_doc *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(d->id));
    json_object_set_new(o, "title", str_or_null(d->title));
    json_object_set_new(o, "type", str_or_null(d->doc_type));
    json_object_set_new(o, "year", d->year ? json_integer(d->year) : json_null());
    json_object_set_new(o, "issuer", str_or_null(d->issuer));
    json_object_set_new(o, "date", str_or_null(d->date));
    json_object_set_new(o, "source", str_or_null(d->source));
    json_object_set_new(o, "url", str_or_null(d->url));
    json_object_set_new(o, "file", str_or_null(d->file));
    json_object_set_new(o, "chars", json_integer((json_int_t)d->chars));
    json_object_set_new(o, "free_chars", json_integer((json_int_t)d->free_chars));
    json_object_set_new(o, "has_paywall", json_boolean(d->has_paywall));
    json_object_set_new(o, "hash", json_string(d->hash));
    return o;
}

int cmd_show(int argc, char **argv)
{
    doc_args a;
    int first = parse(argc, argv, &a);
    if (first < 0 || first != argc - 1) {
        fprintf(stderr, "usage: sucai show [--json] [--free] ID\n");
        return 2;
    }
    sc_library *lib = cli_open(1);
    if (!lib) return 2;
    sc_doc d;
    sc_err e = {0};
    int rc = sc_store_get(sc_library_store(lib), argv[first], !a.free_only, &d, &e);
    sc_library_close(lib);
    if (rc) { cli_error("%s", e.msg); return rc == SC_ENOTFOUND ? 1 : 2; }
    if (a.json) {
        json_t *o = doc_meta_json(&d);
        json_t *ol = json_array();
        for (size_t i = 0; i < d.n_outline; i++)
            json_array_append_new(ol, json_pack("{s:i, s:s, s:b}", "level", d.outline[i].level,
                                                "text", d.outline[i].text,
                                                "locked", d.outline[i].offset >= d.free_len));
        json_object_set_new(o, "outline", ol);
        json_object_set_new(o, "free_text", json_stringn(d.text, d.free_len));
        json_object_set_new(o, "paid_text", a.free_only ? json_null()
                                                        : json_stringn(d.text + d.free_len, d.len - d.free_len));
        json_object_set_new(o, "removed", json_string(d.removed ? d.removed : ""));
        print_json(o);
    } else {
        printf("%s\n\nid:       %s\ntype:     %s\nyear:     %d\nissuer:   %s\ndate:     %s\n"
               "source:   %s\nfile:     %s\nchars:    %zu (free %zu)\nhash:     %s\n",
               d.title, d.id, d.doc_type ? d.doc_type : "unknown", d.year,
               d.issuer ? d.issuer : "-", d.date ? d.date : "-", d.source ? d.source : "-",
               d.file ? d.file : "-", d.chars, d.free_chars, d.hash);
        printf("\n== outline ==\n");
        for (size_t i = 0; i < d.n_outline; i++)
            printf("%*s%s\n", 2 * (d.outline[i].level - 1), "", d.outline[i].text);
        printf("\n== free part ==\n%.*s\n", (int)d.free_len, d.text);
        if (!a.free_only) printf("\n== paid part ==\n%.*s\n", (int)(d.len - d.free_len), d.text + d.free_len);
        printf("\n== removed lines ==\n%s\n", d.removed ? d.removed : "");
    }
    sc_doc_free(&d);
    return 0;
}

/* ---- list ------------------------------------------------------------ */

static int list_one(void *ctx, const sc_doc *d, int64_t added_at)
{
    int json = *(int *)ctx;
    if (json) {
        json_t *o = doc_meta_json(d);
        json_object_set_new(o, "added_at", json_integer(added_at));
        print_json(o);
    } else {
        printf("%-14s %-8s %4d %8zu  %s\n", d->id, d->doc_type ? d->doc_type : "unknown", d->year, d->chars, d->title);
    }
    return SC_OK;
}

int cmd_list(int argc, char **argv)
{
    doc_args a;
    int first = parse(argc, argv, &a);
    if (first < 0 || first != argc) { fprintf(stderr, "usage: sucai list [--json] [--limit N] [--offset N]\n"); return 2; }
    sc_library *lib = cli_open(1);
    if (!lib) return 2;
    sc_err e = {0};
    int rc = sc_store_list(sc_library_store(lib), 0, a.limit, a.offset, list_one, &a.json, &e);
    sc_library_close(lib);
    if (rc) { cli_error("%s", e.msg); return 2; }
    return 0;
}

/* ---- stats ----------------------------------------------------------- */

int cmd_stats(int argc, char **argv)
{
    doc_args a;
    int first = parse(argc, argv, &a);
    if (first < 0 || first != argc) { fprintf(stderr, "usage: sucai stats [--json]\n"); return 2; }
    sc_library *lib = cli_open(1);
    if (!lib) return 2;
    sc_store_stats *st = calloc(1, sizeof *st);
    sc_err e = {0};
    int rc = st ? sc_store_stats_get(sc_library_store(lib), st, &e) : SC_ENOMEM;
    int64_t index_bytes = sc_index_disk_bytes(sc_library_index(lib));
    sc_library_close(lib);
    if (rc) { cli_error("%s", e.msg); free(st); return 2; }
    if (a.json) {
        json_t *o = json_object(), *types = json_object(), *years = json_object();
        json_object_set_new(o, "documents", json_integer(st->docs));
        json_object_set_new(o, "characters", json_integer(st->chars));
        json_object_set_new(o, "index_bytes", json_integer(index_bytes));
        for (int i = 0; i < st->n_types; i++)
            json_object_set_new(types, st->by_type[i].name, json_integer(st->by_type[i].docs));
        for (int i = 0; i < st->n_years; i++) {
            char y[16];
            snprintf(y, sizeof y, "%d", st->by_year[i].year);
            json_object_set_new(years, st->by_year[i].year ? y : "unknown", json_integer(st->by_year[i].docs));
        }
        json_object_set_new(o, "by_type", types);
        json_object_set_new(o, "by_year", years);
        print_json(o);
    } else {
        printf("documents:  %ld\ncharacters: %lld\nindex:      %lld bytes\n\nby type:\n",
               st->docs, st->chars, (long long)index_bytes);
        for (int i = 0; i < st->n_types; i++)
            printf("  %-12s %8ld docs %12lld chars\n", st->by_type[i].name, st->by_type[i].docs, st->by_type[i].chars);
        printf("\nby year:\n");
        for (int i = 0; i < st->n_years; i++) {
            if (st->by_year[i].year) printf("  %-12d %8ld docs\n", st->by_year[i].year, st->by_year[i].docs);
            else printf("  %-12s %8ld docs\n", "unknown", st->by_year[i].docs);
        }
    }
    free(st);
    return 0;
}

/* ---- delete ---------------------------------------------------------- */

int cmd_delete(int argc, char **argv)
{
    doc_args a;
    int first = parse(argc, argv, &a);
    if (first < 0 || first != argc - 1) { fprintf(stderr, "usage: sucai delete ID\n"); return 2; }
    sc_library *lib = cli_open(0);
    if (!lib) return 2;
    sc_err e = {0};
    int rc = sc_library_delete(lib, argv[first], &e);
    sc_library_close(lib);
    if (rc) { cli_error("%s", e.msg); return rc == SC_ENOTFOUND ? 1 : 2; }
    printf("deleted %s\n", argv[first]);
    return 0;
}
