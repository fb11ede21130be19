/*
** cli.h — the `sucai` command line: a thin front end that translates
** arguments into library calls and results into text or JSON.
**
** Each subcommand is `int cmd_NAME(int argc, char **argv)` with argv[0] the
** subcommand name; it returns the process exit code (0 ok, 1 some input
** failed, 2 usage error or the library could not be used).
*/
#ifndef SC_CLI_H
#define SC_CLI_H

#include "../src/library.h"

/* Global options parsed before the subcommand. */
typedef struct cli_globals {
    const char *library;   /* --library DIR, or NULL */
} cli_globals;

extern cli_globals g_cli;

/* Opens the library named by the globals; prints the error and returns NULL
** on failure.  flags: CLI_READ_ONLY, CLI_REBUILD_INDEX (sc_library_opts). */
#define CLI_READ_ONLY 1
#define CLI_REBUILD_INDEX 2
sc_library *cli_open(int flags);

/* Prints "sucai: MESSAGE" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_ingest(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);

#endif
