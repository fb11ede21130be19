/* http_api_accounts.c — the account and administration routes of `sucai
** serve`; see docs/api.md.
**   GET /api/me, POST /api/login, POST /api/register   (logout: the router)
**   GET|POST /api/admin/users, DELETE /api/admin/docs/ID, POST /api/admin/ingest
** The router in http_api.c has already checked the method, the CSRF token of
** cookie-authenticated writes and, under /api/admin/, that the caller is an
** administrator.  Passwords are wiped from memory once used; a new session
** token goes out in the HttpOnly cookie, and in the body only when an API
** client asks with {"token": true}.  Writes to the library (ingest, delete)
** take app->write_lock, one at a time, then refresh the suggest titles and
** drop the cached statistics. */
#include "http_api_priv.h"

#include <jansson.h>
#include <malloc.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_parse.h"

/* ---- accounts ------------------------------------------------------------- */

static int is_json_type(const sc_request *req)
{
    const char *t = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type");
    return t && !strncasecmp(t, "application/json", 16);
}

static json_t *user_json(const sc_user *u, int64_t now)
{
    char exp[16];
    sc_user_expiry_date(u, exp);
    int eff = sc_user_effective_tier(u, now);
    return json_pack("{s:s,s:s,s:s,s:o,s:b,s:b}", "name", u->name, "tier", sc_tier_name(u->tier),
                     "effective_tier", sc_tier_name(eff), "expires", exp[0] ? json_string(exp) : json_null(),
                     "disabled", u->disabled, "can_read_paid", sc_tier_reads_paid(eff));
}

void sc_api_reply_me(sc_app *app, const sc_request *req, const caller *c, sc_response *resp,
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
    sc_api_json_reply(resp, 200, o);
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
    sc_api_session_cookie(app, resp, token, app->users ? sc_users_get_policy(app->users)->session_days * 86400 : 0);
    sc_api_reply_me(app, req, &c, resp, csrf, want ? token : NULL);
    sodium_memzero(token, sizeof token);
}

void sc_api_login(sc_app *app, const sc_request *req, sc_response *resp)
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

void sc_api_register(sc_app *app, const sc_request *req, sc_response *resp)
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

/* After a commit: the suggest table anew.  The old table's memory goes back
** to the system, or each refresh would leave its size behind in the heap. */
static void refresh_titles(sc_app *app)
{
    sc_suggest_refresh(app->suggest, sc_library_store(app->lib), NULL);
    malloc_trim(0);
}

/* After a batch: only added documents go into the title table as a delta
** (milliseconds); replacements change titles in place, so they reload all. */
static void titles_after_ingest(sc_app *app, const sc_ingest_counts *counts)
{
    if (counts->updated) refresh_titles(app);
    else if (counts->added) sc_suggest_add_newest(app->suggest, sc_library_store(app->lib), (size_t)counts->added, NULL);
}

static int on_user_listed(void *ctx, const sc_user *u)
{
    json_t **pair = ctx;
    json_array_append_new(pair[0], user_json(u, json_integer_value(pair[1])));
    return 0;
}

void sc_api_admin_users_get(sc_app *app, const sc_request *req, sc_response *resp)
{
    json_t *pair[2] = {json_array(), json_integer(req->now)};
    int rc = sc_users_list(app->users, on_user_listed, pair, NULL);
    json_decref(pair[1]);
    if (rc) { json_decref(pair[0]); sc_api_error(resp, 500, "internal", "cannot list accounts"); return; }
    sc_api_json_reply(resp, 200, json_pack("{s:o}", "users", pair[0]));
}

/* POST /api/admin/users {name, password?, tier?, expires?, disabled?}:
** creates the account when it is new (password required), else changes it. */
void sc_api_admin_users_post(sc_app *app, const sc_request *req, sc_response *resp)
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
    sc_api_json_reply(resp, status, json_pack("{s:o}", "user", user_json(&u, req->now)));
}

void sc_api_admin_delete(sc_app *app, const char *id, sc_response *resp)
{
    pthread_mutex_lock(&app->write_lock);
    sc_err e = {0};
    int rc = sc_library_delete(app->lib, id, &e);
    if (!rc) refresh_titles(app);
    if (!rc) sc_api_stats_invalidate(app);
    pthread_mutex_unlock(&app->write_lock);
    if (rc == SC_ENOTFOUND) sc_api_error(resp, 404, "not_found", "no such document");
    else if (rc) sc_api_error(resp, 500, "internal", "cannot delete the document");
    else sc_api_json_reply(resp, 200, json_pack("{s:b}", "deleted", 1));
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
    json_object_set_new(o, "id", sc_api_str_or_null(r->id));
    if (r->dup_of) json_object_set_new(o, "duplicate_of", json_string(r->dup_of));
    if (r->title) json_object_set_new(o, "title", json_string(r->title));
    json_object_set_new(o, "error", r->error ? strip_dir(r->error, c->dir) : json_null());
    json_array_append_new(c->results, o);
}

void sc_api_admin_ingest(sc_app *app, const sc_request *req, sc_response *resp)
{
    ingest_ctx c = {json_array(), req->upload_dir};
    const char *paths[1] = {req->upload_dir};
    sc_ingest_counts counts = {0};
    sc_err e = {0};
    pthread_mutex_lock(&app->write_lock);
    int rc = sc_library_ingest(app->lib, paths, 1, on_ingested, &c, &counts, &e);
    if (!rc) titles_after_ingest(app, &counts);
    sc_api_stats_invalidate(app);
    pthread_mutex_unlock(&app->write_lock);
    if (rc) {
        json_decref(c.results);
        sc_api_error(resp, 500, "ingest_failed", "the batch could not be committed; nothing was added");
        return;
    }
    sc_api_json_reply(resp, 200, json_pack("{s:o,s:{s:I,s:I,s:I,s:I}}", "results", c.results, "counts",
                                     "added", (json_int_t)counts.added, "duplicate", (json_int_t)counts.duplicate,
                                     "updated", (json_int_t)counts.updated, "failed", (json_int_t)counts.failed));
}
