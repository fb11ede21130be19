/*
** server.h — `sucai serve`: the HTTP server (libmicrohttpd, thread pool on
** epoll) over one library opened for writing.  server.c owns the
** connection life cycle (limits, bodies, uploads, gzip, access log,
** /metrics, shutdown); http_api.c owns routing and the JSON API (with
** http_api_docs.c and http_api_accounts.c); the page comes from
** web_assets (generated at build time from web/).
**
** Configuration (docs/config.md) comes, later winning, from defaults, the
** config file (`key = value` lines, '#' comments), the environment
** (SUCAI_<KEY> upper-cased, e.g. SUCAI_LISTEN) and flags.
*/
#ifndef SC_SERVER_H
#define SC_SERVER_H

#include "error.h"
#include "library.h"
#include "users.h"

typedef struct sc_server_config {
    char host[256];          /* listen address ("" = all) */
    int port;                /* 8080 */
    int threads;             /* thread pool size; 0 = 4 per core */
    int allow_register;      /* self-registration of free accounts */
    int quota[SC_TIER_COUNT];/* daily downloads per tier, -1 = unlimited */
    int secure_cookies;      /* add Secure to cookies (behind https) */
    long max_upload_mb;      /* total of one admin upload (512) */
    long max_body_kb;        /* JSON bodies (64) */
    int preview_percent;     /* free share of documents without a marker (100) */
    int connection_limit;    /* open connections (4096) */
    int per_ip_limit;        /* connections per address, 0 = no limit */
    int timeout_s;           /* idle connection timeout (30) */
    long cache_mb;           /* answers kept per index commit (64), 0 = none */
    char library_name[128];  /* shown on the page */
} sc_server_config;

void sc_server_config_defaults(sc_server_config *c);

/* Sets one key ("listen", "threads", "allow_register", "quota_free",
** "quota_member", "quota_svip", "quota_admin", "secure_cookies",
** "max_upload_mb", "max_body_kb", "preview_percent", "connection_limit",
** "per_ip_limit", "timeout", "library_name", "cache_mb").  SC_EINVAL for an unknown key
** or a bad value, with a message naming both. */
int sc_server_config_set(sc_server_config *c, const char *key, const char *value, sc_err *err);

/* Reads a config file of `key = value` lines. */
int sc_server_config_file(sc_server_config *c, const char *path, sc_err *err);

/* Applies SUCAI_<KEY> environment variables for every key. */
int sc_server_config_env(sc_server_config *c, sc_err *err);

/* Runs the server until SIGTERM or SIGINT, then stops accepting, lets
** requests in flight finish (up to 10 s) and returns.  The caller opened
** lib for writing and closes it afterwards.  ready (may be NULL) is called
** once the socket listens, with the bound port. */
int sc_server_run(sc_library *lib, const sc_server_config *cfg,
                  void (*ready)(int port), sc_err *err);

#endif
