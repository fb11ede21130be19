/* http_api.c — routing and the JSON API of `sucai serve`; see http_api.h
** and docs/api.md.
**
** The paywall is decided here once per request: the caller's effective
** tier (visitor, free, member, svip, admin) says whether the paid part may
** be read.  Below member, documents are read from the store with paid = 0,
** so that the paid text is never even in this process's hands for such a
** request; outline headings inside the paid part go out as {locked:true}
** without text.  No response echoes user input (queries, ids, names in
** errors), so no door reflects anything back. */
#include "http_api.h"

#include <jansson.h>
#include <malloc.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "export.h"
#include "http_parse.h"
#include "search.h"
#include "utf8.h"
#include "web_assets.h"

const char *const sc_route_names[SC_ROUTE_COUNT] = {
    "page", "asset", "healthz", "metrics", "search", "suggest", "doc", "download", "new",
    "facets", "login", "logout", "me", "register", "admin_ingest", "admin_users",
    "admin_docs", "other",
};

/* ---- responses ---------------------------------------------------------- */

static void json_reply(sc_response *resp, int status, json_t *o)
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
    json_reply(resp, status, o);
}

/* ---- the caller ------------------------------------------------------- */

typedef struct caller {
    sc_user user;        /* id 0 for a visitor */
    int tier;            /* effective tier */
    int via_cookie;      /* authenticated by the session cookie */
    char token[72];
    char csrf[65];
} caller;

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

static int is_json_type(const sc_request *req)
{
    const char *t = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type");
    return t && !strncasecmp(t, "application/json", 16);
}

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

static const char *arg(const sc_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A text argument: NULL when absent, "" and *bad when invalid. */
static const char *text_arg(const sc_request *req, const char *name, size_t max, int *bad)
{
    const char *v = arg(req, name);
    if (!v) return NULL;
    if (sc_http_check_text(v, strlen(v), max)) { *bad = 1; return ""; }
    return v;
}

static long long_arg(const sc_request *req, const char *name, long min, long max, long dflt, int *bad)
{
    const char *v = arg(req, name);
    if (!v || !*v) return dflt;
    long n;
    if (sc_http_parse_long(v, min, max, &n)) { *bad = 1; return dflt; }
    return n;
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *user_json(const sc_user *u, int64_t now)
{
    char exp[16] = "";
    if (u->expires) {
        time_t t = (time_t)u->expires - 1;   /* stored as the end of that day */
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(exp, sizeof exp, "%Y-%m-%d", &tm);
    }
    int eff = sc_user_effective_tier(u, now);
    return json_pack("{s:s,s:s,s:s,s:o,s:b,s:b}", "name", u->name, "tier", sc_tier_name(u->tier),
                     "effective_tier", sc_tier_name(eff), "expires", exp[0] ? json_string(exp) : json_null(),
                     "disabled", u->disabled, "can_read_paid", sc_tier_reads_paid(eff));
}

static void session_cookie(sc_app *app, sc_response *resp, const char *token, int max_age)
{
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "sucai_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
             token, max_age, app->cfg->secure_cookies ? "; Secure" : "");
}

/* ---- search, suggest, facets, new ----------------------------------------- */

/* After a commit: the suggest table anew.  The old table's memory goes back
** to the system, or each refresh would leave its size behind in the heap. */
static void refresh_titles(sc_app *app)
{
    sc_suggest_refresh(app->suggest, sc_library_store(app->lib), NULL);
    malloc_trim(0);
}

/* An answer from the cache, when it holds one for key at generation gen. */
static int cached_reply(sc_rcache *cache, int64_t gen, const sc_buf *key, sc_response *resp)
{
    char *body = NULL;
    size_t len = 0;
    if (!sc_rcache_get(cache, gen, key->data, key->len, &body, &len)) return 0;
    resp->status = 200;
    resp->content_type = "application/json; charset=utf-8";
    resp->allow_gzip = 1;
    sc_buf_reset(&resp->body);
    sc_buf_add(&resp->body, body, len);
    free(body);
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
    const char *q = text_arg(req, "q", 1000, &bad);
    const char *type = text_arg(req, "type", 64, &bad);
    const char *sort = text_arg(req, "sort", 16, &bad);
    long page = long_arg(req, "page", 1, 1000, 1, &bad);
    long per = long_arg(req, "per_page", 1, 50, 10, &bad);
    const char *year = text_arg(req, "year", 16, &bad);
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
            "id", str_or_null(h->id), "title", str_or_null(h->title), "type", str_or_null(h->type),
            "date", str_or_null(h->date), "year", h->year, "score", h->score,
            "snippet", str_or_null(h->snippet), "highlights", hl, "in_paid_part", h->in_paid_part));
    }
    json_t *out = json_pack("{s:I,s:f,s:i,s:i,s:b,s:o}", "total", (json_int_t)r->total,
                            "took_ms", r->took_ms, "page", (int)page, "per_page", (int)per,
                            "can_read_paid", o.can_read_paid, "hits", hits);
    sc_results_free(r);
    json_reply(resp, 200, out);
    if (gen >= 0) cache_reply(app->search_cache, gen, &key, resp);
    sc_buf_free(&key);
}

static void api_suggest(sc_app *app, const sc_request *req, sc_response *resp)
{
    int bad = 0;
    const char *q = text_arg(req, "q", 200, &bad);
    long limit = long_arg(req, "limit", 1, 20, 8, &bad);
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
    json_reply(resp, 200, json_pack("{s:o}", "suggestions", arr));
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
    json_reply(resp, 200, o);
}

/* Metadata of a document; below member (paid = 0) the title is the public
** one (sc_title_public): a paywall marker may sit inside the title line. */
static json_t *doc_meta(const sc_doc *d, int paid)
{
    char *pub = !paid && d->title ? sc_title_public(d->title, d->free_chars) : NULL;
    json_t *o = json_pack("{s:o,s:o,s:o,s:i,s:o,s:o,s:I,s:I}", "id", str_or_null(d->id),
                     "title", str_or_null(pub ? pub : paid ? d->title : NULL), "type", str_or_null(d->doc_type),
                     "year", d->year, "date", str_or_null(d->date), "issuer", str_or_null(d->issuer),
                     "chars", (json_int_t)d->chars, "free_chars", (json_int_t)d->free_chars);
    free(pub);
    return o;
}

typedef struct list_ctx { json_t *items; int paid; } list_ctx;

static int on_listed(void *vctx, const sc_doc *d, int64_t added_at)
{
    list_ctx *c = vctx;
    json_t *o = doc_meta(d, c->paid);
    json_object_set_new(o, "added_at", json_integer(added_at));
    json_array_append_new(c->items, o);
    return 0;
}

static void api_new(sc_app *app, const sc_request *req, const caller *caller, sc_response *resp)
{
    int bad = 0;
    long limit = long_arg(req, "limit", 1, 500, 50, &bad);
    long page = long_arg(req, "page", 1, 10000, 1, &bad);
    const char *since = arg(req, "since");
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
    json_reply(resp, 200, json_pack("{s:s,s:i,s:o}", "since", since_norm, "page", (int)page, "items", c.items));
}

/* ---- documents ------------------------------------------------------------ */

static void api_doc(sc_app *app, const caller *c, const char *id, sc_response *resp)
{
    int paid = sc_tier_reads_paid(c->tier);
    sc_doc d;
    memset(&d, 0, sizeof d);
    int rc = sc_store_get(sc_library_store(app->lib), id, paid, &d, NULL);
    if (rc == SC_ENOTFOUND) { sc_api_error(resp, 404, "not_found", "no such document"); return; }
    if (rc) { sc_api_error(resp, 500, "internal", "cannot read the document"); return; }
    /* belt and braces: below member only the free prefix ever goes out */
    size_t free_len = d.free_len <= d.len ? d.free_len : d.len;
    size_t show = paid ? d.len : free_len;
    json_t *o = doc_meta(&d, paid);
    json_t *outline = json_array();
    for (size_t i = 0; i < d.n_outline; i++) {
        const sc_heading *h = &d.outline[i];
        size_t hl = h->text ? strlen(h->text) : 0;
        if (!paid && h->offset + hl > free_len)
            json_array_append_new(outline, json_pack("{s:i,s:b}", "level", h->level, "locked", 1));
        else
            json_array_append_new(outline, json_pack("{s:i,s:s,s:I,s:b}", "level", h->level,
                                                     "text", h->text ? h->text : "",
                                                     "offset", (json_int_t)sc_utf8_count(d.text, h->offset < d.len ? h->offset : d.len),
                                                     "locked", 0));
    }
    json_object_set_new(o, "outline", outline);
    json_object_set_new(o, "text", json_stringn(d.text ? d.text : "", d.text ? show : 0));
    int locked = !paid && d.chars > d.free_chars;
    json_object_set_new(o, "locked", json_boolean(locked));
    json_object_set_new(o, "locked_chars", json_integer(locked ? (json_int_t)(d.chars - d.free_chars) : 0));
    json_object_set_new(o, "has_paywall", json_boolean(d.has_paywall));
    json_object_set_new(o, "source", str_or_null(d.source));
    sc_doc_free(&d);
    json_reply(resp, 200, o);
}

/* Content-Disposition with the export module's safe file name, RFC 5987
** encoded (filename*), and a plain ASCII fallback. */
static void disposition(sc_response *resp, const char *title, const char *ext)
{
    static const char hex[] = "0123456789ABCDEF";
    char *name = sc_export_filename(title, ext);
    sc_buf b = SC_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)(name ? name : "document"); *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_')
            sc_buf_addc(&b, (char)*p);
        else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sc_buf_add(&b, e, 3);
        }
    }
    int n = snprintf(resp->disposition, sizeof resp->disposition,
                     "attachment; filename=\"document.%s\"; filename*=UTF-8''%s", ext,
                     b.data && !b.oom ? b.data : "document");
    if (n < 0 || (size_t)n >= sizeof resp->disposition)
        snprintf(resp->disposition, sizeof resp->disposition, "attachment; filename=\"document.%s\"", ext);
    sc_buf_free(&b);
    free(name);
}

static void api_download(sc_app *app, const sc_request *req, const caller *c, const char *id,
                         sc_response *resp)
{
    const char *fmt = arg(req, "format");
    if (!fmt || !*fmt) fmt = "txt";
    if (strcmp(fmt, "txt") && strcmp(fmt, "docx")) {
        sc_api_error(resp, 400, "bad_request", "format must be txt or docx");
        return;
    }
    if (c->tier == SC_TIER_VISITOR) { sc_api_error(resp, 401, "login_required", "log in as a member to download"); return; }
    if (!sc_tier_reads_paid(c->tier)) { sc_api_error(resp, 403, "members_only", "downloads are for members"); return; }
    sc_doc d;
    memset(&d, 0, sizeof d);
    int rc = sc_store_get(sc_library_store(app->lib), id, 1, &d, NULL);
    if (rc == SC_ENOTFOUND) { sc_api_error(resp, 404, "not_found", "no such document"); return; }
    if (rc) { sc_api_error(resp, 500, "internal", "cannot read the document"); return; }
    /* export first, count after: a failed export costs no quota.  The
    ** caller's tier was checked above; may_read_paid tells export so. */
    sc_export_opts eo = {0};
    eo.may_read_paid = 1;
    sc_buf_reset(&resp->body);
    int docx = !strcmp(fmt, "docx");
    rc = docx ? sc_export_docx(&d, &eo, &resp->body, NULL) : sc_export_txt(&d, &eo, &resp->body, NULL);
    if (!rc) disposition(resp, d.title, fmt);
    sc_doc_free(&d);
    if (rc) { sc_api_error(resp, 500, "internal", "export failed"); resp->disposition[0] = 0; return; }
    int used = 0, limit = 0;
    rc = sc_users_count_download(app->users, &c->user, c->tier, id, req->now, &used, &limit, NULL);
    if (rc) {
        resp->disposition[0] = 0;
        if (rc == SC_ELIMIT) sc_api_error(resp, 429, "quota_exceeded", "today's download quota is used up");
        else sc_api_error(resp, 500, "internal", "cannot count the download");
        return;
    }
    resp->status = 200;
    resp->content_type = docx ? "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                              : "text/plain; charset=utf-8";
    resp->allow_gzip = !docx;   /* a docx is a zip already */
}

/* ---- batch download (SVIP) ------------------------------------------------ */

#define ZIP_MAX_DOCS 100

static int zip_to_body(void *ctx, const void *data, size_t n)
{
    sc_buf *b = ctx;
    sc_buf_add(b, data, n);
    return b->oom ? -1 : 0;
}

/* The ids named by ?ids=a,b,c (at most max); returns how many, or -1 when
** the list is malformed.  ids[i] point into buf. */
static int split_ids(const char *list, char *buf, size_t cap, const char **ids, int max)
{
    size_t n = strlen(list);
    if (n >= cap) return -1;
    memcpy(buf, list, n + 1);
    int k = 0;
    for (char *p = buf, *tok; (tok = strsep(&p, ",")) != NULL;) {
        if (!*tok) continue;
        if (k == max) return -1;
        ids[k++] = tok;
    }
    return k;
}

/* GET /api/download.zip?ids=a,b,c or ?q=QUERY[&limit=N], &format=docx|txt:
** several documents in one zip, for SVIP and admins (the tiers without a
** daily quota).  The export module writes the archive sequentially, one
** document in memory at a time, into the response body. */
static void api_download_zip(sc_app *app, const sc_request *req, const caller *c, sc_response *resp)
{
    const char *fmt = arg(req, "format");
    if (!fmt || !*fmt) fmt = "docx";
    if (strcmp(fmt, "txt") && strcmp(fmt, "docx")) { sc_api_error(resp, 400, "bad_request", "format must be txt or docx"); return; }
    if (c->tier == SC_TIER_VISITOR) { sc_api_error(resp, 401, "login_required", "log in as an SVIP member to download several documents"); return; }
    if (c->tier != SC_TIER_SVIP && c->tier != SC_TIER_ADMIN) {
        sc_api_error(resp, 403, "svip_only", "batch downloads are for SVIP members");
        return;
    }
    const char *ids[ZIP_MAX_DOCS];
    int n = 0;
    char idbuf[8192];
    sc_results *res = NULL;
    const char *list = arg(req, "ids"), *q = arg(req, "q");
    if (list && *list) {
        n = split_ids(list, idbuf, sizeof idbuf, ids, ZIP_MAX_DOCS);
        if (n < 0) { sc_api_error(resp, 400, "bad_request", "ids: at most 100 ids, comma-separated"); return; }
    } else if (q && *q) {
        int bad = 0;
        long limit = long_arg(req, "limit", 1, ZIP_MAX_DOCS, 20, &bad);
        if (bad) { sc_api_error(resp, 400, "bad_request", "limit must be 1 to 100"); return; }
        sc_search_opts so = {0};
        so.query = q;
        so.limit = limit;
        so.can_read_paid = 1;
        sc_err e = {0};
        if (sc_search(sc_library_index(app->lib), sc_library_store(app->lib), &so, &res, &e)) {
            sc_api_error(resp, 400, "bad_query", e.code == SC_EQUERY ? e.msg : "the search failed");
            return;
        }
        for (size_t i = 0; i < res->n_hits && n < ZIP_MAX_DOCS; i++) ids[n++] = res->hits[i].id;
    }
    if (n == 0) { sc_api_error(resp, 400, "bad_request", "name documents with ids= or a search with q="); sc_results_free(res); return; }
    sc_buf_reset(&resp->body);
    sc_export_zip *z = NULL;
    sc_export_opts eo = {0};
    eo.may_read_paid = 1;
    int added = 0, rc = sc_export_zip_new(zip_to_body, &resp->body, &z, NULL);
    for (int i = 0; !rc && i < n; i++) {
        sc_doc d;
        memset(&d, 0, sizeof d);
        if (sc_store_get(sc_library_store(app->lib), ids[i], 1, &d, NULL)) continue;   /* unknown id: skipped */
        rc = sc_export_zip_add_doc(z, &d, &eo, fmt, NULL);
        sc_doc_free(&d);
        if (!rc) {
            added++;
            int used = 0, limit = 0;
            sc_users_count_download(app->users, &c->user, c->tier, ids[i], req->now, &used, &limit, NULL);
        }
    }
    if (!rc) rc = sc_export_zip_finish(z, NULL);
    sc_export_zip_free(z);
    sc_results_free(res);
    if (rc) { sc_api_error(resp, 500, "internal", "export failed"); return; }
    if (!added) { sc_api_error(resp, 404, "not_found", "none of the documents exists"); return; }
    resp->status = 200;
    resp->content_type = "application/zip";
    snprintf(resp->disposition, sizeof resp->disposition, "attachment; filename=\"sucai-%d.zip\"", added);
    resp->allow_gzip = 0;
}

/* ---- accounts ------------------------------------------------------------- */

static void reply_me(sc_app *app, const sc_request *req, const caller *c, sc_response *resp,
                     const char *csrf, const char *token)
{
    json_t *o = json_object();
    json_object_set_new(o, "user", c->user.id ? user_json(&c->user, req->now) : json_null());
    json_object_set_new(o, "tier", json_string(sc_tier_name(c->tier)));
    json_object_set_new(o, "can_read_paid", json_boolean(sc_tier_reads_paid(c->tier)));
    json_object_set_new(o, "csrf", csrf && *csrf ? json_string(csrf) : json_null());
    int q = app->cfg->quota[c->tier];
    json_object_set_new(o, "download_quota", q < 0 ? json_null() : json_integer(q));
    json_object_set_new(o, "downloads_today",
                        json_integer(c->user.id ? sc_users_downloads_today(app->users, c->user.id, req->now) : 0));
    json_object_set_new(o, "allow_register", json_boolean(app->cfg->allow_register));
    json_object_set_new(o, "library_name", json_string(app->cfg->library_name));
    if (token) json_object_set_new(o, "token", json_string(token));
    json_reply(resp, 200, o);
}

static void do_login(sc_app *app, const sc_request *req, const char *name, const char *pw,
                     sc_response *resp)
{
    char token[65], csrf[65];
    int64_t retry = 0;
    int rc = sc_users_login(app->users, name, pw, req->addr, req->now, token, csrf, &retry, NULL);
    if (rc == SC_ELIMIT) {
        snprintf(resp->retry_after, sizeof resp->retry_after, "%lld", (long long)retry);
        sc_api_error(resp, 429, "too_many_attempts", "too many failed logins; try again later");
        return;
    }
    if (rc == SC_EPERM) { sc_api_error(resp, 401, "bad_credentials", "wrong name or password"); return; }
    if (rc) { sc_api_error(resp, 500, "internal", "cannot log in"); return; }
    caller c;
    memset(&c, 0, sizeof c);
    sc_users_session(app->users, token, req->now, &c.user, NULL, NULL);
    c.tier = sc_user_effective_tier(&c.user, req->now);
    /* API clients ask for the token in the body with {"token": true} */
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    int want = json_is_true(json_object_get(body, "token"));
    json_decref(body);
    session_cookie(app, resp, token, app->users ? sc_users_get_policy(app->users)->session_days * 86400 : 0);
    reply_me(app, req, &c, resp, csrf, want ? token : NULL);
    sodium_memzero(token, sizeof token);
}

static void api_login(sc_app *app, const sc_request *req, sc_response *resp)
{
    if (!is_json_type(req)) { sc_api_error(resp, 415, "unsupported_media_type", "send application/json"); return; }
    char *name, *pw;
    if (sc_http_parse_login(req->body, req->body_len, &name, &pw, NULL)) {
        sc_api_error(resp, 400, "bad_request", "expected {\"name\": ..., \"password\": ...}");
        return;
    }
    do_login(app, req, name, pw, resp);
    sodium_memzero(pw, strlen(pw));
    free(name);
    free(pw);
}

static void api_register(sc_app *app, const sc_request *req, sc_response *resp)
{
    if (!app->cfg->allow_register) { sc_api_error(resp, 403, "registration_closed", "this library does not allow registration"); return; }
    if (!is_json_type(req)) { sc_api_error(resp, 415, "unsupported_media_type", "send application/json"); return; }
    char *name, *pw;
    if (sc_http_parse_login(req->body, req->body_len, &name, &pw, NULL)) {
        sc_api_error(resp, 400, "bad_request", "expected {\"name\": ..., \"password\": ...} with a valid name");
        return;
    }
    if (strlen(pw) < 8) {
        sc_api_error(resp, 400, "weak_password", "the password needs at least 8 characters");
    } else {
        int rc = sc_users_add(app->users, name, pw, SC_TIER_FREE, 0, NULL);
        if (rc == SC_EEXISTS) sc_api_error(resp, 409, "exists", "that name is taken");
        else if (rc) sc_api_error(resp, 400, "bad_request", "cannot create the account");
        else do_login(app, req, name, pw, resp);
    }
    sodium_memzero(pw, strlen(pw));
    free(name);
    free(pw);
}

/* ---- admin ------------------------------------------------------------------ */

static int on_user_listed(void *ctx, const sc_user *u)
{
    json_t **pair = ctx;
    json_array_append_new(pair[0], user_json(u, json_integer_value(pair[1])));
    return 0;
}

static void api_admin_users_get(sc_app *app, const sc_request *req, sc_response *resp)
{
    json_t *pair[2] = {json_array(), json_integer(req->now)};
    int rc = sc_users_list(app->users, on_user_listed, pair, NULL);
    json_decref(pair[1]);
    if (rc) { json_decref(pair[0]); sc_api_error(resp, 500, "internal", "cannot list accounts"); return; }
    json_reply(resp, 200, json_pack("{s:o}", "users", pair[0]));
}

/* POST /api/admin/users {name, password?, tier?, expires?, disabled?}:
** creates the account when it is new (password required), else changes it. */
static void api_admin_users_post(sc_app *app, const sc_request *req, sc_response *resp)
{
    if (!is_json_type(req)) { sc_api_error(resp, 415, "unsupported_media_type", "send application/json"); return; }
    json_t *o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
    const char *name = json_string_value(json_object_get(o, "name"));
    json_t *jpw = json_object_get(o, "password"), *jtier = json_object_get(o, "tier");
    json_t *jexp = json_object_get(o, "expires"), *jdis = json_object_get(o, "disabled");
    sc_user_change ch = SC_USER_CHANGE_KEEP;
    int bad = !json_is_object(o) || !name || !sc_http_name_ok(name);
    if (jpw && !json_is_null(jpw)) {
        if (!json_is_string(jpw) || json_string_length(jpw) != strlen(json_string_value(jpw))) bad = 1;
        else ch.password = json_string_value(jpw);
    }
    if (jtier && !json_is_null(jtier)) {
        ch.tier = json_is_string(jtier) ? sc_tier_parse(json_string_value(jtier)) : -1;
        if (ch.tier <= SC_TIER_VISITOR) bad = 1;
    }
    if (jexp) {
        int64_t t;
        if (json_is_null(jexp) || (json_is_string(jexp) && !*json_string_value(jexp))) ch.expires = 0;
        else if (json_is_string(jexp) && !sc_http_parse_date(json_string_value(jexp), &t)) ch.expires = t + 86400;
        else bad = 1;
    }
    if (jdis) {
        if (!json_is_boolean(jdis)) bad = 1;
        else ch.disabled = json_is_true(jdis);
    }
    if (bad) {
        json_decref(o);
        sc_api_error(resp, 400, "bad_request",
                     "expected {name, password?, tier: free|member|svip|admin, expires: YYYY-MM-DD|null, disabled: bool}");
        return;
    }
    sc_user u;
    sc_err e = {0};
    int rc;
    int status = 200;
    if (sc_users_get(app->users, name, &u, NULL) == SC_ENOTFOUND) {
        if (!ch.password || !*ch.password) {
            json_decref(o);
            sc_api_error(resp, 400, "bad_request", "a new account needs a password");
            return;
        }
        rc = sc_users_add(app->users, name, ch.password, ch.tier > 0 ? ch.tier : SC_TIER_FREE,
                          ch.expires > 0 ? ch.expires : 0, &e);
        if (!rc && ch.disabled == 1) {
            sc_user_change d = SC_USER_CHANGE_KEEP;
            d.disabled = 1;
            rc = sc_users_set(app->users, name, &d, &e);
        }
        status = 201;
    } else {
        rc = sc_users_set(app->users, name, &ch, &e);
    }
    if (!rc) rc = sc_users_get(app->users, name, &u, &e);
    json_decref(o);   /* name and password pointed into it */
    if (rc == SC_EINVAL) { sc_api_error(resp, 400, "bad_request", e.msg); return; }
    if (rc == SC_EEXISTS) { sc_api_error(resp, 409, "exists", "that name is taken"); return; }
    if (rc) { sc_api_error(resp, 500, "internal", "cannot save the account"); return; }
    json_reply(resp, status, json_pack("{s:o}", "user", user_json(&u, req->now)));
}

static void api_admin_delete(sc_app *app, const char *id, sc_response *resp)
{
    pthread_mutex_lock(&app->write_lock);
    sc_err e = {0};
    int rc = sc_library_delete(app->lib, id, &e);
    if (!rc) refresh_titles(app);
    if (!rc) sc_api_stats_invalidate(app);
    pthread_mutex_unlock(&app->write_lock);
    if (rc == SC_ENOTFOUND) sc_api_error(resp, 404, "not_found", "no such document");
    else if (rc) sc_api_error(resp, 500, "internal", "cannot delete the document");
    else json_reply(resp, 200, json_pack("{s:b}", "deleted", 1));
}

typedef struct ingest_ctx { json_t *results; const char *dir; } ingest_ctx;

/* The name the librarian uploaded: the temp folder and its numbered
** sub-folder ("DIR/00001/") are taken out of every string we report. */
static json_t *strip_dir(const char *s, const char *dir)
{
    if (!s) return json_null();
    sc_buf b = SC_BUF_INIT;
    size_t dl = strlen(dir);
    while (*s) {
        const char *hit = strstr(s, dir);
        if (!hit) { sc_buf_adds(&b, s); break; }
        sc_buf_add(&b, s, (size_t)(hit - s));
        const char *p = hit + dl;
        if (*p == '/') {
            p++;
            while (*p >= '0' && *p <= '9') p++;
            if (*p == '/') p++;
        }
        s = p;
    }
    json_t *j = json_string(b.data ? b.data : "");
    sc_buf_free(&b);
    return j;
}

static void on_ingested(void *vctx, const sc_ingest_result *r)
{
    ingest_ctx *c = vctx;
    json_t *o = json_object();
    json_object_set_new(o, "file", strip_dir(r->file, c->dir));
    json_object_set_new(o, "status", json_string(r->status ? r->status : "error"));
    json_object_set_new(o, "id", str_or_null(r->id));
    if (r->dup_of) json_object_set_new(o, "duplicate_of", json_string(r->dup_of));
    if (r->title) json_object_set_new(o, "title", json_string(r->title));
    json_object_set_new(o, "error", r->error ? strip_dir(r->error, c->dir) : json_null());
    json_array_append_new(c->results, o);
}

static void api_admin_ingest(sc_app *app, const sc_request *req, sc_response *resp)
{
    ingest_ctx c = {json_array(), req->upload_dir};
    const char *paths[1] = {req->upload_dir};
    sc_ingest_counts counts = {0};
    sc_err e = {0};
    pthread_mutex_lock(&app->write_lock);
    int rc = sc_library_ingest(app->lib, paths, 1, on_ingested, &c, &counts, &e);
    if (!rc) refresh_titles(app);
    sc_api_stats_invalidate(app);
    pthread_mutex_unlock(&app->write_lock);
    if (rc) {
        json_decref(c.results);
        sc_api_error(resp, 500, "ingest_failed", "the batch could not be committed; nothing was added");
        return;
    }
    json_reply(resp, 200, json_pack("{s:o,s:{s:I,s:I,s:I,s:I}}", "results", c.results, "counts",
                                     "added", (json_int_t)counts.added, "duplicate", (json_int_t)counts.duplicate,
                                     "updated", (json_int_t)counts.updated, "failed", (json_int_t)counts.failed));
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
            json_reply(resp, 200, json_pack("{s:s}", "status", "ok"));
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
    else if (!strcmp(p, "/api/me")) { ROUTE(SC_ROUTE_ME, 1); reply_me(app, req, &c, resp, c.csrf, NULL); }
    else if (!strcmp(p, "/api/login")) {
        ROUTE(SC_ROUTE_LOGIN, 0);
        if (strcmp(m, "POST")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
        api_login(app, req, resp);
    } else if (!strcmp(p, "/api/logout")) {
        ROUTE(SC_ROUTE_LOGOUT, 0);
        if (c.token[0]) sc_users_logout(app->users, c.token);
        session_cookie(app, resp, "", 0);
        json_reply(resp, 200, json_pack("{s:b}", "ok", 1));
    } else if (!strcmp(p, "/api/register")) {
        ROUTE(SC_ROUTE_REGISTER, 0);
        api_register(app, req, resp);
    } else if (!strcmp(p, "/api/download.zip")) {
        ROUTE(SC_ROUTE_DOWNLOAD, 1);
        if (strcmp(m, "GET")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
        api_download_zip(app, req, &c, resp);
    } else if (!strncmp(p, "/api/docs/", 10)) {
        resp->route = SC_ROUTE_DOC;
        if (sc_http_split_doc_path(p, "/api/docs/", id, sizeof id, action, sizeof action)) {
            sc_api_error(resp, 404, "not_found", "no such document");
            return;
        }
        if (!action[0]) { ROUTE(SC_ROUTE_DOC, 1); api_doc(app, &c, id, resp); }
        else if (!strcmp(action, "download")) {
            ROUTE(SC_ROUTE_DOWNLOAD, 1);
            /* a HEAD would count against the quota for nothing */
            if (strcmp(m, "GET")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
            api_download(app, req, &c, id, resp);
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
            api_admin_ingest(app, req, resp);
        } else if (route == SC_ROUTE_ADMIN_USERS) {
            if (rd) api_admin_users_get(app, req, resp);
            else if (!strcmp(m, "POST")) api_admin_users_post(app, req, resp);
            else sc_api_error(resp, 405, "method_not_allowed", "method not allowed");
        } else if (!sc_http_split_doc_path(p, "/api/admin/docs/", id, sizeof id, action, sizeof action) && !action[0]) {
            if (strcmp(m, "DELETE")) { sc_api_error(resp, 405, "method_not_allowed", "method not allowed"); return; }
            api_admin_delete(app, id, resp);
        } else {
            sc_api_error(resp, 404, "not_found", "no such page");
        }
    } else {
        sc_api_error(resp, 404, "not_found", "no such API endpoint");
    }
#undef ROUTE
}
