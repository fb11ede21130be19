/* cmd_serve.c — `sucai serve [--listen ADDR:PORT] [--threads N] [--config FILE]`:
** configuration from defaults, file, environment and flags (later wins),
** then the server on the library opened for writing (it ingests). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../src/server.h"

static const sc_server_config *g_cfg;

static void on_ready(int port)
{
    const char *h = g_cfg->host[0] ? g_cfg->host : "0.0.0.0";
    int v6 = strchr(h, ':') != NULL;
    printf("sucai: serving %s on http://%s%s%s:%d/\n", g_cfg->library_name, v6 ? "[" : "", h,
           v6 ? "]" : "", port);
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: sucai serve [--listen ADDR:PORT] [--threads N] [--config FILE]\n"
                    "                   [--set KEY=VALUE]...   (see docs/config.md)\n");
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"library", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *listen = NULL, *threads = NULL, *config = getenv("SUCAI_CONFIG");
    const char *sets[64];
    int n_sets = 0, c;
    while ((c = getopt_long(argc, argv, "l:t:c:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen = optarg; break;
        case 't': threads = optarg; break;
        case 'c': config = optarg; break;
        case 's': if (n_sets < 64) sets[n_sets++] = optarg; break;
        case 'L': g_cli.library = optarg; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (optind < argc) { usage(); return 2; }
    static sc_server_config cfg;
    sc_server_config_defaults(&cfg);
    sc_err e = {0};
    if ((config && *config && sc_server_config_file(&cfg, config, &e)) || sc_server_config_env(&cfg, &e) ||
        (listen && sc_server_config_set(&cfg, "listen", listen, &e)) ||
        (threads && sc_server_config_set(&cfg, "threads", threads, &e))) {
        cli_error("%s", e.msg);
        return 2;
    }
    for (int i = 0; i < n_sets; i++) {
        char key[64];
        const char *eq = strchr(sets[i], '=');
        if (!eq || (size_t)(eq - sets[i]) >= sizeof key) { cli_error("--set wants KEY=VALUE"); return 2; }
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = 0;
        if (sc_server_config_set(&cfg, key, eq + 1, &e)) { cli_error("%s", e.msg); return 2; }
    }
    g_cfg = &cfg;
    /* the server's preview share wins over the CLI's environment default */
    char pp[16];
    snprintf(pp, sizeof pp, "%d", cfg.preview_percent);
    if (!getenv("SUCAI_PREVIEW_PERCENT")) setenv("SUCAI_PREVIEW_PERCENT", pp, 1);
    sc_library *lib = cli_open(0);
    if (!lib) return 2;
    int rc = sc_server_run(lib, &cfg, on_ready, &e);
    sc_library_close(lib);
    if (rc) { cli_error("%s", e.msg); return 2; }
    return 0;
}
