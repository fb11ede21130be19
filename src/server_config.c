/* server_config.c — the server's configuration: defaults, file, environment
** and flags all go through sc_server_config_set; see server.h. */
#include "server.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static const char *keys[] = {
    "listen", "threads", "allow_register", "quota_free", "quota_member", "quota_svip",
    "quota_admin", "secure_cookies", "max_upload_mb", "max_body_kb", "preview_percent",
    "connection_limit", "per_ip_limit", "timeout", "library_name", "cache_mb", NULL,
};

void sc_server_config_defaults(sc_server_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8080;
    c->quota[SC_TIER_VISITOR] = 0;
    c->quota[SC_TIER_FREE] = 0;
    c->quota[SC_TIER_MEMBER] = 20;
    c->quota[SC_TIER_SVIP] = -1;
    c->quota[SC_TIER_ADMIN] = -1;
    c->max_upload_mb = 512;
    c->max_body_kb = 64;
    c->preview_percent = 100;
    c->connection_limit = 4096;
    c->per_ip_limit = 0;
    c->timeout_s = 30;
    c->cache_mb = 64;
    snprintf(c->library_name, sizeof c->library_name, "素材库");
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on")) *out = 1;
    else if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off")) *out = 0;
    else return SC_EINVAL;
    return SC_OK;
}

/* A quota: a count, or "unlimited" / -1. */
static int parse_quota(const char *v, int *out)
{
    if (!strcmp(v, "-1") || !strcasecmp(v, "unlimited")) { *out = -1; return SC_OK; }
    long n;
    if (sc_http_parse_long(v, 0, 1000000, &n)) return SC_EINVAL;
    *out = (int)n;
    return SC_OK;
}

int sc_server_config_set(sc_server_config *c, const char *key, const char *v, sc_err *err)
{
    long n = 0;
    int rc = SC_OK;
    if (!strcmp(key, "listen")) rc = sc_http_parse_listen(v, c->host, sizeof c->host, &c->port);
    else if (!strcmp(key, "threads")) { rc = sc_http_parse_long(v, 0, 256, &n); c->threads = (int)n; }
    else if (!strcmp(key, "allow_register")) rc = parse_bool(v, &c->allow_register);
    else if (!strcmp(key, "secure_cookies")) rc = parse_bool(v, &c->secure_cookies);
    else if (!strcmp(key, "quota_free")) rc = parse_quota(v, &c->quota[SC_TIER_FREE]);
    else if (!strcmp(key, "quota_member")) rc = parse_quota(v, &c->quota[SC_TIER_MEMBER]);
    else if (!strcmp(key, "quota_svip")) rc = parse_quota(v, &c->quota[SC_TIER_SVIP]);
    else if (!strcmp(key, "quota_admin")) rc = parse_quota(v, &c->quota[SC_TIER_ADMIN]);
    else if (!strcmp(key, "max_upload_mb")) { rc = sc_http_parse_long(v, 1, 65536, &n); c->max_upload_mb = n; }
    else if (!strcmp(key, "max_body_kb")) { rc = sc_http_parse_long(v, 1, 65536, &n); c->max_body_kb = n; }
    else if (!strcmp(key, "preview_percent")) { rc = sc_http_parse_long(v, 0, 100, &n); c->preview_percent = (int)n; }
    else if (!strcmp(key, "connection_limit")) { rc = sc_http_parse_long(v, 1, 1000000, &n); c->connection_limit = (int)n; }
    else if (!strcmp(key, "per_ip_limit")) { rc = sc_http_parse_long(v, 0, 1000000, &n); c->per_ip_limit = (int)n; }
    else if (!strcmp(key, "timeout")) { rc = sc_http_parse_long(v, 1, 86400, &n); c->timeout_s = (int)n; }
    else if (!strcmp(key, "cache_mb")) { rc = sc_http_parse_long(v, 0, 65536, &n); c->cache_mb = n; }
    else if (!strcmp(key, "library_name")) {
        if (sc_http_check_text(v, strlen(v), sizeof c->library_name - 1)) rc = SC_EINVAL;
        else snprintf(c->library_name, sizeof c->library_name, "%s", v);
    } else return sc_err_set(err, SC_EINVAL, "unknown configuration key '%s'", key);
    if (rc) return sc_err_set(err, SC_EINVAL, "bad value '%s' for %s", v, key);
    return SC_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

int sc_server_config_file(sc_server_config *c, const char *path, sc_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return sc_err_set(err, SC_EIO, "%s: cannot open the config file", path);
    char line[1024];
    int lineno = 0, rc = SC_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) { rc = sc_err_set(err, SC_EINVAL, "expected key = value"); }
        else {
            *eq = 0;
            rc = sc_server_config_set(c, trim(s), trim(eq + 1), err);
        }
        if (rc) sc_err_prefix(err, "%s:%d", path, lineno);
    }
    fclose(f);
    return rc;
}

int sc_server_config_env(sc_server_config *c, sc_err *err)
{
    for (int i = 0; keys[i]; i++) {
        char name[64] = "SUCAI_";
        size_t o = 6;
        for (const char *k = keys[i]; *k && o + 1 < sizeof name; k++) name[o++] = (char)toupper((unsigned char)*k);
        name[o] = 0;
        const char *v = getenv(name);
        if (!v || !*v) continue;
        int rc = sc_server_config_set(c, keys[i], v, err);
        if (rc) { sc_err_prefix(err, "%s", name); return rc; }
    }
    return SC_OK;
}
