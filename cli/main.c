/* main.c — `sucai`: global options and the subcommand table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

cli_globals g_cli;

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"ingest", cmd_ingest, "ingest [--json] PATH...       add files and folders to the library"},
    {"show", cmd_show, "show [--json] [--free] ID      print a document"},
    {"list", cmd_list, "list [--json] [--limit N]      list documents, newest first"},
    {"stats", cmd_stats, "stats [--json]                 documents and characters by type and year"},
    {"delete", cmd_delete, "delete ID                      remove a document"},
    {"search", cmd_search, "search [options] QUERY         search the library (see README)"},
    {"index", cmd_index, "index rebuild|optimize|check   rebuild, merge into one segment, or verify"},
    {"export", cmd_export, "export ID [--format docx|txt] [-o FILE|-]  |  export --zip OUT.zip ID..."},
    {"serve", cmd_serve, "serve [--listen ADDR:PORT]     run the HTTP server"},
    {"user", cmd_user, "user add|set|list ...          manage accounts"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: sucai [--library DIR] COMMAND [ARGS]\n\n"
               "The library folder is --library DIR, else $SUCAI_LIBRARY, else ./library.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].help);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sucai: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

sc_library *cli_open(int flags)
{
    sc_library_opts o = {0};
    o.read_only = (flags & CLI_READ_ONLY) != 0;
    o.rebuild_index = (flags & CLI_REBUILD_INDEX) != 0;
    o.preview_percent = 100;
    const char *p = getenv("SUCAI_PREVIEW_PERCENT");
    if (p && atoi(p) > 0 && atoi(p) <= 100) o.preview_percent = atoi(p);
    o.mask_rules = getenv("SUCAI_MASK_RULES");
    sc_library *lib = NULL;
    sc_err e = {0};
    if (sc_library_open(g_cli.library, &o, &lib, &e)) {
        cli_error("%s", e.msg);
        return NULL;
    }
    return lib;
}

int main(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--library") && i + 1 < argc) { g_cli.library = argv[i + 1]; i += 2; }
        else if (!strncmp(argv[i], "--library=", 10)) { g_cli.library = argv[i] + 10; i++; }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { usage(stdout); return 0; }
        else { cli_error("unknown option %s", argv[i]); usage(stderr); return 2; }
    }
    if (i >= argc) { usage(stderr); return 2; }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (!strcmp(argv[i], commands[k].name)) {
            /* subcommands may also take --library after their name */
            int sub_argc = argc - i;
            char **sub = argv + i;
            optind = 1;
            return commands[k].fn(sub_argc, sub);
        }
    }
    cli_error("unknown command '%s'", argv[i]);
    usage(stderr);
    return 2;
}
