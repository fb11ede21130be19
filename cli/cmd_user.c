/* cmd_user.c — `sucai user add|set|list`: accounts on the command line
** (how the first admin comes to be).  Works while a server runs: accounts
** live in their own tables with their own connection (users.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "../src/http_parse.h"
#include "../src/users.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: sucai user add NAME --tier free|member|svip|admin [--password P] [--expires YYYY-MM-DD]\n"
            "       sucai user set NAME [--tier T] [--expires YYYY-MM-DD|never] [--password [P]]\n"
            "                           [--disable | --enable]\n"
            "       sucai user list [--json]\n"
            "Without --password P the password is read from standard input (one line).\n");
}

/* Reads one line from stdin without echo when it is a terminal. Caller frees. */
static char *read_password(void)
{
    struct termios old, quiet;
    int tty = isatty(0) && !tcgetattr(0, &old);
    if (tty) {
        fprintf(stderr, "password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSANOW, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (tty) { tcsetattr(0, TCSANOW, &old); fputc('\n', stderr); }
    if (n <= 0) { free(line); return NULL; }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    return line;
}

static int on_user(void *ctx, const sc_user *u)
{
    int json = *(int *)ctx;
    char exp[16];
    if (!sc_user_expiry_date(u, exp)[0]) snprintf(exp, sizeof exp, "never");
    if (json) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b}", "name", u->name, "tier", sc_tier_name(u->tier),
                              "effective_tier", sc_tier_name(sc_user_effective_tier(u, time(NULL))),
                              "expires", exp, "disabled", u->disabled);
        char *s = json_dumps(o, JSON_COMPACT);
        if (s) puts(s);
        free(s);
        json_decref(o);
    } else {
        printf("%-24s %-8s %-10s %s\n", u->name, sc_tier_name(u->tier), exp, u->disabled ? "disabled" : "");
    }
    return 0;
}

int cmd_user(int argc, char **argv)
{
    if (argc < 2) { usage(); return 2; }
    const char *sub = argv[1];
    int listing = !strcmp(sub, "list");
    if (!listing && (strcmp(sub, "add") && strcmp(sub, "set"))) { usage(); return 2; }
    if (!listing && (argc < 3 || argv[2][0] == '-')) { usage(); return 2; }
    const char *name = listing ? NULL : argv[2];
    sc_user_change ch = SC_USER_CHANGE_KEEP;
    int json = 0, want_pw = 0;
    const char *pw = NULL;
    /* by hand rather than getopt: --password takes a value only when one
    ** follows it, and NAME always comes first */
    for (int i = listing ? 2 : 3; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--tier") && next) {
            ch.tier = sc_tier_parse(next);
            if (ch.tier <= 0) { cli_error("unknown tier '%s' (free, member, svip, admin)", next); return 2; }
            i++;
        } else if (!strcmp(a, "--password")) {
            want_pw = 1;
            if (next && next[0] != '-') { pw = next; i++; }
        } else if (!strcmp(a, "--expires") && next) {
            int64_t t;
            if (!strcmp(next, "never")) ch.expires = 0;
            else if (sc_http_parse_date(next, &t)) { cli_error("--expires wants YYYY-MM-DD or never"); return 2; }
            else ch.expires = t + 86400;   /* a member until the end of that day (UTC) */
            i++;
        } else if (!strcmp(a, "--disable")) ch.disabled = 1;
        else if (!strcmp(a, "--enable")) ch.disabled = 0;
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--library") && next) { g_cli.library = next; i++; }
        else { usage(); return 2; }
    }
    const char *dir = sc_library_default_dir(g_cli.library);
    sc_users *u;
    sc_err e = {0};
    if (!strcmp(sub, "list")) {
        if (sc_users_open(dir, &u, &e)) { cli_error("%s", e.msg); return 2; }
        int rc = sc_users_list(u, on_user, &json, &e);
        sc_users_close(u);
        if (rc) { cli_error("%s", e.msg); return 2; }
        return 0;
    }
    int adding = !strcmp(sub, "add");
    if (adding && ch.tier <= 0) { cli_error("user add needs --tier"); return 2; }
    char *owned = NULL;
    if ((adding && !pw) || (want_pw && !pw)) {
        owned = read_password();
        if (!owned || !*owned) { free(owned); cli_error("no password given"); return 2; }
        pw = owned;
    }
    int rc = sc_users_open(dir, &u, &e);
    if (!rc) {
        if (adding) {
            rc = sc_users_add(u, name, pw, ch.tier, ch.expires > 0 ? ch.expires : 0, &e);
            if (!rc && ch.disabled == 1) {
                sc_user_change d = SC_USER_CHANGE_KEEP;
                d.disabled = 1;
                rc = sc_users_set(u, name, &d, &e);
            }
        } else {
            ch.password = pw;
            rc = sc_users_set(u, name, &ch, &e);
        }
        sc_users_close(u);
    }
    free(owned);
    if (rc) { cli_error("%s", e.msg); return rc == SC_EINVAL || rc == SC_EEXISTS || rc == SC_ENOTFOUND ? 1 : 2; }
    printf("%s %s\n", adding ? "added" : "changed", name);
    return 0;
}
