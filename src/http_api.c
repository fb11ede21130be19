/* http_api.c — routing and the JSON API of `sucai serve`; see http_api.h
** and docs/api.md.  This file holds the responses, who the caller is,
** the argument helpers, search, suggest, facets and new documents with
** their answer cache, and the router.  The document view and downloads
** live in http_api_docs.c, accounts and administration in
** http_api_accounts.c; what the three share is in http_api_priv.h.
**
** The paywall is decided here once per request: the caller's effective
** tier (visitor, free, member, svip, admin) says whether the paid part may
** be read.  Below member, documents are read from the store with paid = 0,
** so that the paid text is never even in this process's hands for such a
** request; outline headings inside the paid part go out as {locked:true}
** without text.  The handlers elsewhere (http_api_docs.c above all) act on
** the tier identify() finds here and never work it out again.  No response
** echoes user input (queries, ids, names in errors), so no door reflects
** anything back. */
#include "http_api_priv.h"

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_parse.h"
#include "search.h"
#include "web_assets.h"

const char *const sc_route_names[SC_ROUTE_COUNT] = {
    "page", "asset", "healthz", "metrics", "search", "suggest", "doc", "download", "new",
    "facets", "login", "logout", "me", "register", "admin_ingest", "admin_users",
    "admin_docs", "other",
};

/* ---- responses ---------------------------------------------------------- */

void sc_api_json_reply(sc_response *resp, int status, json_t *o)
{
    resp->status = status;
    resp->content_type = "application/json; charset=utf-8";
    resp->allow_gzip = 1;
    sc_buf_reset(&resp->body);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s) { sc_buf_adds(&resp->body, s); free(s); }
    else resp->body.oom = true;
    json_decref(o);
}

void sc_api_error(sc_response *resp, int status, const char *code, const char *message)
{
    json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
    sc_api_json_reply(resp, status, o);
}

/* ---- the caller (struct caller: http_api_priv.h) ------------------------ */

static void identify(sc_app *app, const sc_request *req, caller *c)
{
    memset(c, 0, sizeof *c);
    c->tier = SC_TIER_VISITOR;
    const char *authz = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Cookie");
    if (sc_http_bearer(authz, c->token, sizeof c->token) != SC_OK) {
        if (sc_http_cookie_get(cookie, "sucai_session", c->token, sizeof c->token) != SC_OK) return;
        c->via_cookie = 1;
    }
    if (sc_users_session(app->users, c->token, req->now, &c->user, c->csrf, NULL) != SC_OK) {
        memset(&c->user, 0, sizeof c->user);
        c->via_cookie = 0;
        c->token[0] = 0;
        return;
    }
    c->tier = sc_user_effective_tier(&c->user, req->now);
}

/* Cookie-authenticated writes must carry the session's CSRF token. */
static int csrf_ok(const sc_request *req, const caller *c)
{
    if (!c->via_cookie) return 1;
    const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!h || strlen(h) != 64 || strlen(c->csrf) != 64) return 0;
    return sodium_memcmp(h, c->csrf, 64) == 0;
}

static int is_write(const char *m) { return !strcmp(m, "POST") || !strcmp(m, "DELETE"); }
static int is_read(const char *m) { return !strcmp(m, "GET") || !strcmp(m, "HEAD"); }

int sc_api_precheck(sc_app *app, const sc_request *req, long long content_length,
                    int *body_kind, sc_response *resp)
{
    *body_kind = SC_BODY_NONE;
    const char *m = req->method;
    if (!is_read(m) && !is_write(m)) {
        resp->route = SC_ROUTE_OTHER;
        sc_api_error(resp, 405, "method_not_allowed", "method not allowed");
        return 1;
    }
    if (content_length == -2) {
        sc_api_error(resp, 400, "bad_request", "bad Content-Length");
        return 1;
    }
    if (!strcmp(req->path, "/api/admin/ingest") && !strcmp(m, "POST")) {
        resp->route = SC_ROUTE_ADMIN_INGEST;
        caller c;
        identify(app, req, &c);
        if (c.tier == SC_TIER_VISITOR) { sc_api_error(resp, 401, "login_required", "log in first"); return 1; }
        if (c.tier != SC_TIER_ADMIN) { sc_api_error(resp, 403, "forbidden", "administrators only"); return 1; }
        if (!csrf_ok(req, &c)) { sc_api_error(resp, 403, "csrf", "missing or wrong X-CSRF-Token header"); return 1; }
        if (content_length > (long long)app->cfg->max_upload_mb << 20) {
            sc_api_error(resp, 413, "too_large", "upload larger than the configured maximum");
            return 1;
        }
        *body_kind = SC_BODY_UPLOAD;
        return 0;
    }
    if (!strcmp(m, "POST")) {
        if (content_length > (long long)app->cfg->max_body_kb << 10) {
            sc_api_error(resp, 413, "too_large", "request body too large");
            return 1;
        }
        *body_kind = SC_BODY_JSON;
    } else if (content_length > 0) {
        sc_api_error(resp, 413, "too_large", "this request takes no body");
        return 1;
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

const char *sc_api_arg(const sc_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A text argument: NULL when absent, "" and *bad when invalid. */
const char *sc_api_text_arg(const sc_request *req, const char *name, size_t max, int *bad)
{
    const char *v = sc_api_arg(req, name);
    if (!v) return NULL;
    if (sc_http_check_text(v, strlen(v), max)) { *bad = 1; return ""; }
    return v;
}

long sc_api_long_arg(const sc_request *req, const char *name, long min, long max, long dflt, int *bad)
{
    const char *v = sc_api_arg(req, name);
    if (!v || !*v) return dflt;
    long n;
    if (sc_http_parse_long(v, min, max, &n)) { *bad = 1; return dflt; }
    return n;
}

json_t *sc_api_str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

void sc_api_session_cookie(sc_app *app, sc_response *resp, const char *token, int max_age)
{
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "sucai_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
             token, max_age, app->cfg->secure_cookies ? "; Secure" : "");
}

/* ---- search, suggest, facets, new ----------------------------------------- */

/* An answer from the cache, when it holds one for key at generation gen. */
static int cached_reply(sc_rcache *cache, int64_t gen, const sc_buf *key, sc_response *resp)
{
    sc_buf_reset(&resp->body);
    if (!sc_rcache_get(cache, gen, key->data, key->len, &resp->body)) return 0;
    resp->status = 200;
    resp->content_type = "application/json; charset=utf-8";
    resp->allow_gzip = 1;
    return 1;
}

static void cache_reply(sc_rcache *cache, int64_t gen, const sc_buf *key, const sc_response *resp)
{
    if (resp->status == 200 && !resp->body.oom && !key->oom)
        sc_rcache_put(cache, gen, key->data, key->len, resp->body.data, resp->body.len);
}

/* The commit searches run on now.  Read before searching: an answer kept
** under it may be newer than it, never older. */
static int64_t index_generation(sc_app *app)
{
    sc_snapshot *snap = sc_index_snapshot(sc_library_index(app->lib));
    int64_t gen = snap ? sc_snapshot_seq(snap) : -1;
    sc_snapshot_release(snap);
    return gen;
}

static void api_search(sc_app *app, const sc_request *req, const caller *c, sc_response *resp)
{
    int bad = 0;
    const char *q = sc_api_text_arg(req, "q", 1000, &bad);
    const char *type = sc_api_text_arg(req, "type", 64, &bad);
    const char *sort = sc_api_text_arg(req, "sort", 16, &bad);
    long page = sc_api_long_arg(req, "page", 1, 1000, 1, &bad);
    long per = sc_api_long_arg(req, "per_page", 1, 50, 10, &bad);
    const char *year = sc_api_text_arg(req, "year", 16, &bad);
    int y0 = 0, y1 = 0;
    if (year && *year) {
        long a = 0, b = 0;
        char tmp[17];
        snprintf(tmp, sizeof tmp, "%s", year);
        char *dash = strchr(tmp, '-');
        if (dash) *dash = 0;
        if (sc_http_parse_long(tmp, 1000, 9999, &a) ||
            (dash && sc_http_parse_long(dash + 1, 1000, 9999, &b))) bad = 1;
        y0 = (int)a;
        y1 = dash ? (int)b : (int)a;
    }
    if (sort && *sort && strcmp(sort, "relevance") && strcmp(sort, "date")) bad = 1;
    if (bad) { sc_api_error(resp, 400, "bad_request", "invalid search parameters"); return; }
    if (!q || !*q) { sc_api_error(resp, 400, "bad_request", "the query q is empty"); return; }
    sc_search_opts o = {0};
    o.query = q;
    o.limit = per;
    o.offset = (page - 1) * per;
    o.sort = sort && !strcmp(sort, "date") ? SC_SORT_DATE : SC_SORT_RELEVANCE;
    o.can_read_paid = sc_tier_reads_paid(c->tier);
    o.type = type && *type ? type : NULL;
    o.year_from = y0;
    o.year_to = y1;
    /* the canonical request: what the caller may read, then every parameter */
    sc_buf key = SC_BUF_INIT;
    sc_buf_addf(&key, "%d\x1f%s\x1f%d\x1f%ld\x1f%ld\x1f%d\x1f%d\x1f", o.can_read_paid,
                o.type ? o.type : "", o.sort, o.offset, o.limit, y0, y1);
    sc_buf_adds(&key, q);
    int64_t gen = index_generation(app);
    if (gen >= 0 && cached_reply(app->search_cache, gen, &key, resp)) { sc_buf_free(&key); return; }
    sc_results *r = NULL;
    sc_err e = {0};
    int rc = sc_search(sc_library_index(app->lib), sc_library_store(app->lib), &o, &r, &e);
    if (rc) sc_buf_free(&key);
    if (rc == SC_EQUERY) { sc_api_error(resp, 400, "bad_query", "the query cannot be parsed"); return; }
    if (rc) { sc_api_error(resp, 500, "internal", "search failed"); return; }
    json_t *hits = json_array();
    for (size_t i = 0; i < r->n_hits; i++) {
        const sc_hit *h = &r->hits[i];
        json_t *hl = json_array();
        for (size_t k = 0; k < h->n_highlights; k++)
            json_array_append_new(hl, json_pack("[I,I]", (json_int_t)h->highlights[k][0],
                                                (json_int_t)h->highlights[k][1]));
        json_array_append_new(hits, json_pack("{s:o,s:o,s:o,s:o,s:i,s:f,s:o,s:o,s:b}",
            "id", sc_api_str_or_null(h->id), "title", sc_api_str_or_null(h->title), "type", sc_api_str_or_null(h->type),
            "date", sc_api_str_or_null(h->date), "year", h->year, "score", h->score,
            "snippet", sc_api_str_or_null(h->snippet), "highlights", hl, "in_paid_part", h->in_paid_part));
    }
    json_t *out = json_pack("{s:I,s:f,s:i,s:i,s:b,s:o}", "total", (json_int_t)r->total,
                            "took_ms", r->took_ms, "page", (int)page, "per_page", (int)per,
                            "can_read_paid", o.can_read_paid, "hits", hits);
    sc_results_free(r);
    sc_api_json_reply(resp, 200, out);
    if (gen >= 0) cache_reply(app->search_cache, gen, &key, resp);
    sc_buf_free(&key);
}

static void api_suggest(sc_app *app, const sc_request *req, sc_response *resp)
{
    int bad = 0;
    const char *q = sc_api_text_arg(req, "q", 200, &bad);
    long limit = sc_api_long_arg(req, "limit", 1, 20, 8, &bad);
    if (bad) { sc_api_error(resp, 400, "bad_request", "invalid suggest parameters"); return; }
    sc_buf key = SC_BUF_INIT;
    sc_buf_addf(&key, "%ld\x1f", limit);
    if (q) sc_buf_adds(&key, q);
    int64_t gen = (int64_t)sc_suggest_generation(app->suggest);
    if (cached_reply(app->suggest_cache, gen, &key, resp)) { sc_buf_free(&key); return; }
    sc_suggestion *v = NULL;
    size_t n = 0;
    if (q && *q && sc_suggest_query(app->suggest, q, (size_t)limit, &v, &n, NULL)) {
        sc_api_error(resp, 500, "internal", "suggest failed");
        sc_buf_free(&key);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s}", "id", v[i].id, "title", v[i].title));
    sc_suggestions_free(v, n);
    sc_api_json_reply(resp, 200, json_pack("{s:o}", "suggestions", arr));
    cache_reply(app->suggest_cache, gen, &key, resp);
    sc_buf_free(&key);
}

int sc_api_stats(sc_app *app, sc_store_stats *out)
{
    pthread_mutex_lock(&app->stats_lock);
    int rc = SC_OK;
    if (!app->stats) {
        /* computed under the lock: one scan however many ask at once */
        sc_store_stats *st = malloc(sizeof *st);
        rc = st ? sc_store_stats_get(sc_library_store(app->lib), st, NULL) : SC_ENOMEM;
        if (rc) free(st);
        else app->stats = st;
    }
    if (!rc) *out = *app->stats;
    pthread_mutex_unlock(&app->stats_lock);
    return rc;
}

void sc_api_stats_invalidate(sc_app *app)
{
    pthread_mutex_lock(&app->stats_lock);
    free(app->stats);
    app->stats = NULL;
    pthread_mutex_unlock(&app->stats_lock);
}

static void api_facets(sc_app *app, sc_response *resp)
{
    sc_store_stats *st = calloc(1, sizeof *st);
    if (!st || sc_api_stats(app, st)) {
        free(st);
        sc_api_error(resp, 500, "internal", "cannot read the library's statistics");
        return;
    }
    json_t *types = json_array(), *years = json_array();
    for (int i = 0; i < st->n_types; i++)
        json_array_append_new(types, json_pack("{s:s,s:I,s:I}", "name", st->by_type[i].name,
                                               "docs", (json_int_t)st->by_type[i].docs,
                                               "chars", (json_int_t)st->by_type[i].chars));
    for (int i = 0; i < st->n_years; i++)
        json_array_append_new(years, json_pack("{s:i,s:I}", "year", st->by_year[i].year,
                                               "docs", (json_int_t)st->by_year[i].docs));
    json_t *o = json_pack("{s:I,s:I,s:o,s:o}", "docs", (json_int_t)st->docs, "chars",
                          (json_int_t)st->chars, "types", types, "years", years);
    free(st);
    sc_api_json_reply(resp, 200, o);
}

typedef struct list_ctx { json_t *items; int paid; } list_ctx;

static int on_listed(void *vctx, const sc_doc *d, int64_t added_at)
{
    list_ctx *c = vctx;
    json_t *o = sc_api_doc_meta(d, c->paid);
    json_object_set_new(o, "added_at", json_integer(added_at));
    json_array_append_new(c->items, o);
    return 0;
}

static void api_new(sc_app *app, const sc_request *req, const caller *caller, sc_response *resp)
{
    int bad = 0;
    long limit = sc_api_long_arg(req, "limit", 1, 500, 50, &bad);
    long page = sc_api_long_arg(req, "page", 1, 10000, 1, &bad);
    const char *since = sc_api_arg(req, "since");
    int64_t t;
    char today[16];
    time_t now = (time_t)req->now;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    if (!since || !*since) since = today;
    if (sc_http_parse_date(since, &t)) bad = 1;
    if (bad) { sc_api_error(resp, 400, "bad_request", "since must be YYYY-MM-DD; limit 1..500"); return; }
    list_ctx c = {json_array(), sc_tier_reads_paid(caller->tier)};
    if (sc_store_list(sc_library_store(app->lib), t, limit, (page - 1) * limit, on_listed, &c, NULL)) {
        json_decref(c.items);
        sc_api_error(resp, 500, "internal", "cannot list documents");
        return;
    }
    char since_norm[16];
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(since_norm, sizeof since_norm, "%Y-%m-%d", &tm);
    sc_api_json_reply(resp, 200, json_pack("{s:s,s:i,s:o}", "since", since_norm, "page", (int)page, "items", c.items));
}

int sc_api_is_slow(const sc_request *req)
{
    if (strcmp(req->method, "POST") && strcmp(req->method, "DELETE")) return 0;
    return !strcmp(req->path, "/api/login") || !strcmp(req->path, "/api/register") ||
           !strncmp(req->path, "/api/admin/", 11);
}

/* ---- routing ----------------------------------------------------------------- */

static void serve_asset(const sc_asset *a, sc_response *resp, int route)
{
    resp->status = 200;
    resp->content_type = a->content_type;
    resp->route = route;
    resp->allow_gzip = 1;
    resp->cacheable = route == SC_ROUTE_ASSET;
    sc_buf_add(&resp->body, a->data, a->len);
}

void sc_api_handle(sc_app *app, const sc_request *req, sc_response *resp)
{
    const char *p = req->path, *m = req->method;
    int rd = is_read(m);
    resp->route = SC_ROUTE_OTHER;
    if (strncmp(p, "/api/", 5)) {
        const sc_asset *a = sc_web_asset(p);
        if (!strcmp(p, "/healthz")) {
            resp->route = SC_ROUTE_HEALTHZ;
            if (!rd) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
            sc_api_json_reply(resp, 200, json_pack("{s:s}", "status", "ok"));
        } else if (a && rd) {
            serve_asset(a, resp, strcmp(p, "/") ? SC_ROUTE_ASSET : SC_ROUTE_PAGE);
        } else if (a) {
            sc_api_error(resp, 405, "method_not_allowed", "method not allowed");
        } else {
            sc_api_error(resp, 404, "not_found", "no such page");
        }
        return;
    }
    caller c;
    identify(app, req, &c);
    if (is_write(m) && !csrf_ok(req, &c)) {
        sc_api_error(resp, 403, "csrf", "missing or wrong X-CSRF-Token header");
        return;
    }
    char id[160], action[32];
#define ROUTE(r, want_read) do { resp->route = (r); \
        if ((want_read) != rd) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; } } while (0)
    if (!strcmp(p, "/api/search")) { ROUTE(SC_ROUTE_SEARCH, 1); api_search(app, req, &c, resp); }
    else if (!strcmp(p, "/api/suggest")) { ROUTE(SC_ROUTE_SUGGEST, 1); api_suggest(app, req, resp); }
    else if (!strcmp(p, "/api/facets")) { ROUTE(SC_ROUTE_FACETS, 1); api_facets(app, resp); }
    else if (!strcmp(p, "/api/new")) { ROUTE(SC_ROUTE_NEW, 1); api_new(app, req, &c, resp); }
    else if (!strcmp(p, "/api/me")) { ROUTE(SC_ROUTE_ME, 1); sc_api_reply_me(app, req, &c, resp, c.csrf, NULL); }
    else if (!strcmp(p, "/api/login")) {
        ROUTE(SC_ROUTE_LOGIN, 0);
        if (strcmp(m, "POST")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
        sc_api_login(app, req, resp);
    } else if (!strcmp(p, "/api/logout")) {
        ROUTE(SC_ROUTE_LOGOUT, 0);
        if (c.token[0]) sc_users_logout(app->users, c.token);
        sc_api_session_cookie(app, resp, "", 0);
        sc_api_json_reply(resp, 200, json_pack("{s:b}", "ok", 1));
    } else if (!strcmp(p, "/api/register")) {
        ROUTE(SC_ROUTE_REGISTER, 0);
        sc_api_register(app, req, resp);
    } else if (!strcmp(p, "/api/download.zip")) {
        ROUTE(SC_ROUTE_DOWNLOAD, 1);
        if (strcmp(m, "GET")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
        sc_api_download_zip(app, req, &c, resp);
    } else if (!strncmp(p, "/api/docs/", 10)) {
        resp->route = SC_ROUTE_DOC;
        if (sc_http_split_doc_path(p, "/api/docs/", id, sizeof id, action, sizeof action)) {
            sc_api_error(resp, 404, "not_found", "no such document");
            return;
        }
        if (!action[0]) { ROUTE(SC_ROUTE_DOC, 1); sc_api_doc(app, &c, id, resp); }
        else if (!strcmp(action, "download")) {
            ROUTE(SC_ROUTE_DOWNLOAD, 1);
            /* a HEAD would count against the quota for nothing */
            if (strcmp(m, "GET")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
            sc_api_download(app, req, &c, id, resp);
        }
        else sc_api_error(resp, 404, "not_found", "no such page");
    } else if (!strncmp(p, "/api/admin/", 11)) {
        int route = !strcmp(p, "/api/admin/ingest") ? SC_ROUTE_ADMIN_INGEST
                  : !strcmp(p, "/api/admin/users") ? SC_ROUTE_ADMIN_USERS : SC_ROUTE_ADMIN_DOCS;
        resp->route = route;
        if (c.tier == SC_TIER_VISITOR) { sc_api_error(resp, 401, "login_required", "log in first"); return; }
        if (c.tier != SC_TIER_ADMIN) { sc_api_error(resp, 403, "forbidden", "administrators only"); return; }
        if (route == SC_ROUTE_ADMIN_INGEST) {
            if (strcmp(m, "POST") || !req->upload_dir) { sc_api_error(resp, 405, "method_not_allowed", "POST multipart/form-data"); return; }
            sc_api_admin_ingest(app, req, resp);
        } else if (route == SC_ROUTE_ADMIN_USERS) {
            if (rd) sc_api_admin_users_get(app, req, resp);
            else if (!strcmp(m, "POST")) sc_api_admin_users_post(app, req, resp);
            else sc_api_error(resp, 405, "method_not_allowed", "method not allowed");
        } else if (!sc_http_split_doc_path(p, "/api/admin/docs/", id, sizeof id, action, sizeof action) && !action[0]) {
            if (strcmp(m, "DELETE")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
            sc_api_admin_delete(app, id, resp);
        } else {
            sc_api_error(resp, 404, "not_found", "no such page");
        }
    } else {
        sc_api_error(resp, 404, "not_found", "no such API endpoint");
    }
#undef ROUTE
}
