/* http_api_docs.c — the document routes of `sucai serve`; see docs/api.md.
**   GET /api/docs/ID              the document view (metadata, outline, text)
**   GET /api/docs/ID/download     one document as txt or docx (members)
**   GET /api/download.zip         several documents in one zip (SVIP, admins)
** The router in http_api.c calls these with the caller it identified
** (http_api_priv.h); they fill the response and never touch sockets.
**
** The paywall, where it matters most.  The caller's effective tier is
** decided once per request in http_api.c.  Below member, documents are read
** from the store with paid = 0, so that the paid text is never even in this
** process's hands for such a request; the title is the public one
** (sc_title_public) and outline headings inside the paid part go out as
** {locked:true} without text.  Downloads read the whole document (paid = 1)
** only after the tier check (member and up; batches SVIP and admin), and
** count against the daily quota only once the export has succeeded.  No
** response echoes user input. */
#include "http_api_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "search.h"
#include "utf8.h"

/* ---- documents ------------------------------------------------------------ */

/* Metadata of a document; below member (paid = 0) the title is the public
** one (sc_title_public): a paywall marker may sit inside the title line. */
json_t *sc_api_doc_meta(const sc_doc *d, int paid)
{
    char *pub = !paid && d->title ? sc_title_public(d->title, d->free_chars) : NULL;
    json_t *o = json_pack("{s:o,s:o,s:o,s:i,s:o,s:o,s:I,s:I}", "id", sc_api_str_or_null(d->id),
                     "title", sc_api_str_or_null(pub ? pub : paid ? d->title : NULL), "type", sc_api_str_or_null(d->doc_type),
                     "year", d->year, "date", sc_api_str_or_null(d->date), "issuer", sc_api_str_or_null(d->issuer),
                     "chars", (json_int_t)d->chars, "free_chars", (json_int_t)d->free_chars);
    free(pub);
    return o;
}

void sc_api_doc(sc_app *app, const caller *c, const char *id, sc_response *resp)
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
    json_t *o = sc_api_doc_meta(&d, paid);
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
    json_object_set_new(o, "source", sc_api_str_or_null(d.source));
    sc_doc_free(&d);
    sc_api_json_reply(resp, 200, o);
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

void sc_api_download(sc_app *app, const sc_request *req, const caller *c, const char *id,
                     sc_response *resp)
{
    const char *fmt = sc_api_arg(req, "format");
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

/* A batch being written: the writer thread's own copies of what it needs. */
typedef struct zip_job {
    sc_app *app;
    int fd;                       /* the pipe's write end */
    char fmt[8];
    sc_user user;
    int tier;
    int64_t now;
    int n;
    char *ids[ZIP_MAX_DOCS];
} zip_job;

/* Writes all of data to the pipe; -1 when the reader is gone. */
static int zip_to_pipe(void *ctx, const void *data, size_t n)
{
    const zip_job *j = ctx;
    const char *p = data;
    while (n) {
        ssize_t w = write(j->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void zip_job_free(zip_job *j)
{
    for (int i = 0; i < j->n; i++) free(j->ids[i]);
    free(j);
}

/* The writer thread: one document at a time into the pipe, so a batch of
** 100 Word files never sits in memory whole.  Once the answer's headers are
** out, a failure can only cut the zip short; the client sees a broken zip. */
static void *zip_writer(void *arg)
{
    zip_job *j = arg;
    sc_export_zip *z = NULL;
    sc_export_opts eo = {0};
    eo.may_read_paid = 1;
    int rc = sc_export_zip_new(zip_to_pipe, j, &z, NULL);
    for (int i = 0; !rc && i < j->n; i++) {
        sc_doc d;
        memset(&d, 0, sizeof d);
        if (sc_store_get(sc_library_store(j->app->lib), j->ids[i], 1, &d, NULL)) continue;  /* deleted meanwhile */
        rc = sc_export_zip_add_doc(z, &d, &eo, j->fmt, NULL);
        sc_doc_free(&d);
        if (!rc) {
            int used = 0, limit = 0;
            sc_users_count_download(j->app->users, &j->user, j->tier, j->ids[i], j->now, &used, &limit, NULL);
        }
    }
    if (!rc) rc = sc_export_zip_finish(z, NULL);
    sc_export_zip_free(z);
    if (rc) fprintf(stderr, "sucai: a batch download was cut short (the client left, or an export failed)\n");
    close(j->fd);
    atomic_fetch_sub(&j->app->streams, 1);
    zip_job_free(j);
    return NULL;
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
void sc_api_download_zip(sc_app *app, const sc_request *req, const caller *c, sc_response *resp)
{
    const char *fmt = sc_api_arg(req, "format");
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
    const char *list = sc_api_arg(req, "ids"), *q = sc_api_arg(req, "q");
    if (list && *list) {
        n = split_ids(list, idbuf, sizeof idbuf, ids, ZIP_MAX_DOCS);
        if (n < 0) { sc_api_error(resp, 400, "bad_request", "ids: at most 100 ids, comma-separated"); return; }
    } else if (q && *q) {
        int bad = 0;
        long limit = sc_api_long_arg(req, "limit", 1, ZIP_MAX_DOCS, 20, &bad);
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
    /* only documents that exist go in: the answer names how many */
    zip_job *j = calloc(1, sizeof *j);
    if (!j) { sc_results_free(res); sc_api_error(resp, 500, "internal", "out of memory"); return; }
    for (int i = 0; i < n; i++) {
        if (sc_store_num_of(sc_library_store(app->lib), ids[i]) < 0) continue;
        if (!(j->ids[j->n] = strdup(ids[i]))) { zip_job_free(j); sc_results_free(res); sc_api_error(resp, 500, "internal", "out of memory"); return; }
        j->n++;
    }
    sc_results_free(res);
    if (!j->n) { zip_job_free(j); sc_api_error(resp, 404, "not_found", "none of the documents exists"); return; }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) { zip_job_free(j); sc_api_error(resp, 503, "busy", "cannot start the download now"); return; }
    j->app = app;
    j->fd = fds[1];
    snprintf(j->fmt, sizeof j->fmt, "%s", fmt);
    j->user = c->user;
    j->tier = c->tier;
    j->now = req->now;
    int added = j->n;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    atomic_fetch_add(&app->streams, 1);
    if (pthread_create(&t, &at, zip_writer, j)) {
        atomic_fetch_sub(&app->streams, 1);
        pthread_attr_destroy(&at);
        close(fds[0]);
        close(fds[1]);
        zip_job_free(j);
        sc_api_error(resp, 503, "busy", "cannot start the download now");
        return;
    }
    pthread_attr_destroy(&at);
    resp->status = 200;
    resp->content_type = "application/zip";
    snprintf(resp->disposition, sizeof resp->disposition, "attachment; filename=\"sucai-%d.zip\"", added);
    resp->allow_gzip = 0;
    resp->streaming = 1;
    resp->stream_fd = fds[0];
}
