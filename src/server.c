/* server.c — connections, bodies, uploads, gzip, access log, metrics and
** shutdown for `sucai serve`; see server.h.  Routes live in http_api.c.
**
** A request's life: the first call of the access handler (headers in) asks
** sc_api_precheck how to read the body, or answers at once; body chunks
** are gathered (JSON, capped) or streamed through libmicrohttpd's post
** processor into a private temp folder (uploads, capped in total); the
** last call hands the complete request to sc_api_handle and queues the
** answer; the completion callback logs it, counts it and cleans up. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "http_api.h"
#include "http_parse.h"
#include "utf8.h"

/* Status codes counted separately in /metrics; the rest go to "other". */
static const int counted_status[] = {200, 201, 204, 301, 304, 400, 401, 403, 404, 405,
                                     409, 413, 414, 415, 429, 431, 500, 501, 503};
#define N_STATUS (sizeof counted_status / sizeof counted_status[0] + 1)
static const double latency_le_ms[] = {1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 5000};
#define N_BUCKETS (sizeof latency_le_ms / sizeof latency_le_ms[0])

typedef struct server {
    sc_app app;
    atomic_long inflight;
    atomic_int workers;                    /* slow requests being answered off the pool */
    atomic_ulong requests[SC_ROUTE_COUNT][N_STATUS];
    atomic_ulong latency[N_BUCKETS + 1];   /* cumulative at render time */
    atomic_ullong latency_us_sum;
    atomic_ulong latency_count;
    int64_t started;
} server;

typedef struct conn_req {
    server *sv;
    sc_request req;
    int working;                 /* answered by a worker thread (suspended) */
    atomic_int work_done;
    sc_response work_resp;
    int body_kind;
    sc_buf body;
    int too_big, queued, upload_failed;
    uint64_t discarded;          /* body bytes thrown away after too_big */
    struct MHD_PostProcessor *pp;
    char upload_dir[512];
    int cur_fd;
    long n_files;
    uint64_t cur_bytes, upload_bytes;
    char cur_name[256];
    struct timespec t0;
    int status, route;
    size_t bytes;
} conn_req;

static int status_slot(int status)
{
    for (size_t i = 0; i + 1 < N_STATUS; i++)
        if (counted_status[i] == status) return (int)i;
    return (int)N_STATUS - 1;
}

/* ---- responses ------------------------------------------------------- */

/* gzip of the body into a new buffer; NULL when it does not pay. */
static char *gzip_body(const char *in, size_t n, size_t *out_n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 5, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&zs, n) + 32;
    char *out = malloc(cap);
    if (!out) { deflateEnd(&zs); return NULL; }
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = (unsigned char *)out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_n = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || *out_n >= n) { free(out); return NULL; }
    return out;
}

/* The response's body: its buffer (gzip'd when that pays and the client
** takes it), or a pipe a writer thread fills (the batch zip, sent chunked;
** libmicrohttpd closes the pipe when done).  *n is the body size, 0 for a
** pipe.  NULL when out of memory. */
static struct MHD_Response *make_body(struct MHD_Connection *c, sc_response *resp, size_t *n, int *gz)
{
    *gz = 0;
    if (resp->streaming) {
        *n = 0;
        struct MHD_Response *mr = MHD_create_response_from_pipe(resp->stream_fd);
        if (!mr) close(resp->stream_fd);
        return mr;
    }
    *n = resp->body.len;
    char *data = resp->body.oom ? NULL : sc_buf_detach(&resp->body);
    if (!data && !resp->body.oom) *n = 0;
    if (resp->body.oom || (!data && *n)) {
        free(data);
        sc_api_error(resp, 500, "internal", "out of memory");
        *n = resp->body.len;
        data = sc_buf_detach(&resp->body);
    }
    if (resp->allow_gzip && *n >= 1024 &&
        sc_http_accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding"))) {
        size_t zn;
        char *z = gzip_body(data, *n, &zn);
        if (z) { free(data); data = z; *n = zn; *gz = 1; }
    }
    struct MHD_Response *mr = MHD_create_response_from_buffer(*n, data ? data : (void *)"",
                                                              data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!mr) free(data);
    return mr;
}

static enum MHD_Result send_response(server *sv, conn_req *r, sc_response *resp)
{
    (void)sv;
    struct MHD_Connection *c = r->req.conn;
    size_t n;
    int gz;
    struct MHD_Response *mr = make_body(c, resp, &n, &gz);
    if (!mr) return MHD_NO;
    MHD_add_response_header(mr, "Content-Type", resp->content_type ? resp->content_type : "application/json; charset=utf-8");
    MHD_add_response_header(mr, "Cache-Control", resp->cacheable ? "public, max-age=300" : "no-store");
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(mr, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                            "base-uri 'none'; form-action 'self'");
    if (resp->allow_gzip) MHD_add_response_header(mr, "Vary", "Accept-Encoding");
    if (gz) MHD_add_response_header(mr, "Content-Encoding", "gzip");
    if (resp->set_cookie[0]) MHD_add_response_header(mr, "Set-Cookie", resp->set_cookie);
    if (resp->disposition[0]) MHD_add_response_header(mr, "Content-Disposition", resp->disposition);
    if (resp->retry_after[0]) MHD_add_response_header(mr, "Retry-After", resp->retry_after);
    if (resp->status == 405) MHD_add_response_header(mr, "Allow", "GET, HEAD, POST, DELETE");
    r->status = resp->status;
    r->route = resp->route;
    r->bytes = n;
    r->queued = 1;
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return ok;
}

static enum MHD_Result send_error(server *sv, conn_req *r, int status, const char *code,
                                  const char *msg, int route)
{
    sc_response resp;
    memset(&resp, 0, sizeof resp);
    resp.route = route;
    sc_api_error(&resp, status, code, msg);
    return send_response(sv, r, &resp);
}

/* ---- /metrics --------------------------------------------------------- */

static void render_metrics(server *sv, sc_response *resp)
{
    sc_buf *b = &resp->body;
    sc_buf_adds(b, "# HELP sucai_requests_total HTTP requests by route and status.\n"
                   "# TYPE sucai_requests_total counter\n");
    for (int rt = 0; rt < SC_ROUTE_COUNT; rt++)
        for (size_t s = 0; s < N_STATUS; s++) {
            unsigned long v = atomic_load(&sv->requests[rt][s]);
            if (!v) continue;
            if (s + 1 < N_STATUS)
                sc_buf_addf(b, "sucai_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
                            sc_route_names[rt], counted_status[s], v);
            else
                sc_buf_addf(b, "sucai_requests_total{route=\"%s\",status=\"other\"} %lu\n",
                            sc_route_names[rt], v);
        }
    sc_buf_adds(b, "# HELP sucai_request_duration_seconds Time to answer a request.\n"
                   "# TYPE sucai_request_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += atomic_load(&sv->latency[i]);
        sc_buf_addf(b, "sucai_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                    latency_le_ms[i] / 1000.0, cum);
    }
    cum += atomic_load(&sv->latency[N_BUCKETS]);
    sc_buf_addf(b, "sucai_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    sc_buf_addf(b, "sucai_request_duration_seconds_sum %.6f\n",
                (double)atomic_load(&sv->latency_us_sum) / 1e6);
    sc_buf_addf(b, "sucai_request_duration_seconds_count %lu\n", atomic_load(&sv->latency_count));
    sc_store_stats *st = malloc(sizeof *st);   /* 20 KB: not on a pool thread's stack */
    if (st && sc_api_stats(&sv->app, st) == SC_OK) {
        sc_buf_addf(b, "# HELP sucai_documents Documents in the library.\n# TYPE sucai_documents gauge\n"
                       "sucai_documents %ld\n", st->docs);
        sc_buf_addf(b, "# HELP sucai_characters Characters in the library.\n# TYPE sucai_characters gauge\n"
                       "sucai_characters %lld\n", st->chars);
    }
    free(st);
    sc_index *ix = sc_library_index(sv->app.lib);
    if (ix) {
        sc_buf_addf(b, "# HELP sucai_index_bytes Bytes of the index on disk.\n# TYPE sucai_index_bytes gauge\n"
                       "sucai_index_bytes %lld\n", (long long)sc_index_disk_bytes(ix));
        sc_buf_addf(b, "# HELP sucai_index_documents Documents in the index.\n# TYPE sucai_index_documents gauge\n"
                       "sucai_index_documents %lld\n", (long long)sc_index_doc_count(ix));
    }
    static const char *const cache_names[2] = {"search", "suggest"};
    sc_rcache *caches[2] = {sv->app.search_cache, sv->app.suggest_cache};
    sc_buf_adds(b, "# HELP sucai_cache_hits_total Answers served from the answer cache.\n# TYPE sucai_cache_hits_total counter\n");
    for (int i = 0; i < 2; i++) {
        sc_rcache_stats cs;
        sc_rcache_get_stats(caches[i], &cs);
        sc_buf_addf(b, "sucai_cache_hits_total{cache=\"%s\"} %llu\n", cache_names[i], (unsigned long long)cs.hits);
    }
    sc_buf_adds(b, "# HELP sucai_cache_misses_total Answers computed (not in the answer cache).\n# TYPE sucai_cache_misses_total counter\n");
    for (int i = 0; i < 2; i++) {
        sc_rcache_stats cs;
        sc_rcache_get_stats(caches[i], &cs);
        sc_buf_addf(b, "sucai_cache_misses_total{cache=\"%s\"} %llu\n", cache_names[i], (unsigned long long)cs.misses);
    }
    sc_buf_adds(b, "# HELP sucai_cache_bytes Memory held by the answer cache.\n# TYPE sucai_cache_bytes gauge\n");
    for (int i = 0; i < 2; i++) {
        sc_rcache_stats cs;
        sc_rcache_get_stats(caches[i], &cs);
        sc_buf_addf(b, "sucai_cache_bytes{cache=\"%s\"} %zu\n", cache_names[i], cs.bytes);
    }
    sc_buf_addf(b, "# HELP sucai_requests_in_flight Requests being answered.\n# TYPE sucai_requests_in_flight gauge\n"
                   "sucai_requests_in_flight %ld\n", atomic_load(&sv->inflight));
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->route = SC_ROUTE_METRICS;
}

/* ---- uploads ------------------------------------------------------------ */

static void close_current(conn_req *r)
{
    if (r->cur_fd >= 0) {
        if (close(r->cur_fd)) r->upload_failed = 1;
        r->cur_fd = -1;
    }
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *ctype, const char *enc,
                               const char *data, uint64_t off, size_t size)
{
    (void)kind; (void)key; (void)ctype; (void)enc;
    conn_req *r = cls;
    if (!filename) return MHD_YES;   /* plain form fields carry nothing we need */
    int new_file = off == 0 && (r->cur_fd < 0 || r->cur_bytes > 0 ||
                                strncmp(filename, r->cur_name, sizeof r->cur_name - 1) != 0);
    if (new_file) {
        close_current(r);
        if (++r->n_files > 20000) { r->too_big = 1; return MHD_NO; }
        char safe[160], sub[600], path[800];
        sc_http_sanitize_filename(filename, strlen(filename), safe, sizeof safe);
        snprintf(r->cur_name, sizeof r->cur_name, "%s", filename);
        r->cur_bytes = 0;
        if (snprintf(sub, sizeof sub, "%s/%05ld", r->upload_dir, r->n_files) >= (int)sizeof sub ||
            mkdir(sub, 0700) ||
            snprintf(path, sizeof path, "%s/%s", sub, safe) >= (int)sizeof path ||
            (r->cur_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
            r->upload_failed = 1;
            return MHD_NO;
        }
    }
    if (r->cur_fd < 0) return MHD_YES;
    r->cur_bytes += size;
    while (size) {
        ssize_t w = write(r->cur_fd, data, size);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { r->upload_failed = 1; return MHD_NO; }
        data += w;
        size -= (size_t)w;
    }
    return MHD_YES;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    if (dir[0]) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the access handler ------------------------------------------------ */

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
    snprintf(out, n, "-");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result first_call(server *sv, struct MHD_Connection *c, const char *url,
                                  const char *method, void **con_cls)
{
    conn_req *r = calloc(1, sizeof *r);
    if (!r) return MHD_NO;
    *con_cls = r;
    atomic_fetch_add(&sv->inflight, 1);
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->sv = sv;
    r->cur_fd = -1;
    r->route = SC_ROUTE_OTHER;
    r->req.conn = c;
    r->req.method = method;
    r->req.path = url;
    r->req.now = (int64_t)time(NULL);
    client_addr(c, r->req.addr, sizeof r->req.addr);

    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    long long content_length = -1;
    if (cl) {
        long v;
        content_length = sc_http_parse_long(cl, 0, 1L << 62, &v) ? -2 : v;
    }
    sc_response resp;
    memset(&resp, 0, sizeof resp);
    if (sc_api_precheck(&sv->app, &r->req, content_length, &r->body_kind, &resp))
        return send_response(sv, r, &resp);
    sc_buf_free(&resp.body);
    if (r->body_kind == SC_BODY_UPLOAD) {
        const char *tmp = getenv("TMPDIR");
        snprintf(r->upload_dir, sizeof r->upload_dir, "%s/sucai-upload-XXXXXX", tmp && *tmp && strlen(tmp) < 400 ? tmp : "/tmp");
        if (!mkdtemp(r->upload_dir)) {
            r->upload_dir[0] = 0;
            return send_error(sv, r, 500, "internal", "cannot store the upload", SC_ROUTE_ADMIN_INGEST);
        }
        r->pp = MHD_create_post_processor(c, 64 * 1024, on_part, r);
        if (!r->pp)
            return send_error(sv, r, 415, "unsupported_media_type",
                              "upload files as multipart/form-data", SC_ROUTE_ADMIN_INGEST);
    }
    return MHD_YES;
}

/* Answers a slow request off the pool; the connection is suspended
** meanwhile and resumed when the answer is ready, which calls the access
** handler again to queue it. */
static void *worker(void *arg)
{
    conn_req *r = arg;
    server *sv = r->sv;
    sc_api_handle(&sv->app, &r->req, &r->work_resp);
    atomic_store(&r->work_done, 1);
    MHD_resume_connection(r->req.conn);
    atomic_fetch_sub(&sv->workers, 1);
    return NULL;
}

#define MAX_WORKERS 32

/* Starts the worker for r; 0 when it could not (then answer inline). */
static int start_worker(server *sv, conn_req *r)
{
    if (atomic_fetch_add(&sv->workers, 1) >= MAX_WORKERS) { atomic_fetch_sub(&sv->workers, 1); return 0; }
    pthread_attr_t at;
    pthread_t th;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    r->working = 1;
    MHD_suspend_connection(r->req.conn);
    if (pthread_create(&th, &at, worker, r)) {
        pthread_attr_destroy(&at);
        r->working = 0;
        MHD_resume_connection(r->req.conn);
        atomic_fetch_sub(&sv->workers, 1);
        return 0;
    }
    pthread_attr_destroy(&at);
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    server *sv = cls;
    conn_req *r = *con_cls;
    if (!r) return first_call(sv, c, url, method, con_cls);

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->queued) return MHD_YES;
        if (r->too_big || r->upload_failed) {
            /* libmicrohttpd lets us answer only once the body is in: throw
            ** it away, up to a point, then drop the connection */
            r->discarded += n;
            return r->discarded > ((uint64_t)64 << 20) ? MHD_NO : MHD_YES;
        }
        if (r->body_kind == SC_BODY_UPLOAD) {
            uint64_t cap = (uint64_t)sv->app.cfg->max_upload_mb << 20;
            r->upload_bytes += n;   /* raw bytes, multipart framing included */
            if (r->upload_bytes > cap) r->too_big = 1;
            else if (MHD_post_process(r->pp, upload_data, n) != MHD_YES && !r->too_big)
                r->upload_failed = 1;
        } else {
            size_t cap = (size_t)sv->app.cfg->max_body_kb << 10;
            if (r->body_kind == SC_BODY_NONE) cap = 0;
            if (r->body.len + n > cap) r->too_big = 1;
            else sc_buf_add(&r->body, upload_data, n);
        }
        return MHD_YES;
    }
    if (r->working) {
        if (!atomic_load(&r->work_done)) return MHD_YES;
        r->working = 0;
        return send_response(sv, r, &r->work_resp);
    }
    if (r->queued) return MHD_YES;
    if (r->too_big) return send_error(sv, r, 413, "too_large", "request body too large", SC_ROUTE_OTHER);

    sc_response resp;
    memset(&resp, 0, sizeof resp);
    if (r->body_kind == SC_BODY_UPLOAD) {
        if (r->pp) { MHD_destroy_post_processor(r->pp); r->pp = NULL; }
        close_current(r);
        if (r->upload_failed)
            return send_error(sv, r, 400, "bad_upload", "the upload could not be read or stored",
                              SC_ROUTE_ADMIN_INGEST);
        r->req.upload_dir = r->upload_dir;
    }
    if (r->body.oom) return send_error(sv, r, 500, "internal", "out of memory", SC_ROUTE_OTHER);
    r->req.body = r->body.data ? r->body.data : "";
    r->req.body_len = r->body.len;
    if (!strcmp(url, "/metrics") && (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
        render_metrics(sv, &resp);
    else if (sc_api_is_slow(&r->req) && start_worker(sv, r))
        return MHD_YES;
    else
        sc_api_handle(&sv->app, &r->req, &resp);
    return send_response(sv, r, &resp);
}

/* Log text: printable ASCII and valid UTF-8 pass, other bytes become \xNN,
** so that a request cannot forge log lines or break a log reader. */
static void log_clean(const char *s, char *out, size_t n)
{
    size_t o = 0, i = 0, len = strlen(s);
    while (i < len && o + 8 < n) {
        size_t at = i;
        int32_t cp = sc_utf8_next(s, len, &i);
        if (cp < 0x20 || cp == 0x7f || cp == '"' || cp == '\\') {
            for (size_t k = at; k < i && o + 5 < n; k++)
                o += (size_t)snprintf(out + o, n - o, "\\x%02x", (unsigned char)s[k]);
        } else {
            memcpy(out + o, s + at, i - at);
            o += i - at;
        }
    }
    out[o] = 0;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    server *sv = cls;
    conn_req *r = *con_cls;
    if (!r) return;
    *con_cls = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
    int status = r->queued ? r->status : 0;
    if (r->queued) {
        atomic_fetch_add(&sv->requests[r->route][status_slot(status)], 1);
        size_t b = 0;
        while (b < N_BUCKETS && ms > latency_le_ms[b]) b++;
        atomic_fetch_add(&sv->latency[b], 1);
        atomic_fetch_add(&sv->latency_us_sum, (unsigned long long)(ms * 1000));
        atomic_fetch_add(&sv->latency_count, 1);
    }
    char path[600], ts[32];
    log_clean(r->req.path ? r->req.path : "-", path, sizeof path);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s %s \"%s\" %d %zuB %.1fms%s\n", ts, r->req.addr,
            r->req.method ? r->req.method : "-", path, status, r->bytes, ms,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    if (r->pp) MHD_destroy_post_processor(r->pp);
    close_current(r);
    remove_tree(r->upload_dir);
    sc_buf_free(&r->body);
    sc_buf_free(&r->work_resp.body);
    free(r);
    atomic_fetch_sub(&sv->inflight, 1);
}

/* ---- running ------------------------------------------------------------ */

static int resolve(const sc_server_config *cfg, struct sockaddr_storage *ss, int *v6, sc_err *err)
{
    memset(ss, 0, sizeof *ss);
    *v6 = 0;
    if (!cfg->host[0]) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)cfg->port);
        in->sin_addr.s_addr = htonl(INADDR_ANY);
        return SC_OK;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(cfg->host, NULL, &hints, &ai) || !ai)
        return sc_err_set(err, SC_EINVAL, "cannot resolve listen address '%s'", cfg->host);
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    if (ai->ai_family == AF_INET6) {
        *v6 = 1;
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)cfg->port);
    } else {
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)cfg->port);
    }
    freeaddrinfo(ai);
    return SC_OK;
}

/* libmicrohttpd aborts on a broken internal invariant; say where first, so
** that the log holds more than a bare SIGABRT. */
static void on_mhd_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    (void)cls;
    fprintf(stderr, "sucai: libmicrohttpd panic at %s:%u: %s\n", file ? file : "?", line, reason ? reason : "?");
    abort();
}

int sc_server_run(sc_library *lib, const sc_server_config *cfg, void (*ready)(int port), sc_err *err)
{
    server *sv = calloc(1, sizeof *sv);
    if (!sv) return sc_err_set(err, SC_ENOMEM, "out of memory");
    sv->app.lib = lib;
    sv->app.cfg = cfg;
    sv->started = (int64_t)time(NULL);
    pthread_mutex_init(&sv->app.write_lock, NULL);
    pthread_mutex_init(&sv->app.stats_lock, NULL);
    int rc = sc_users_open(sc_library_dir(lib), &sv->app.users, err);
    if (!rc) {
        sc_users_policy pol;
        sc_users_policy_defaults(&pol);
        memcpy(pol.quota, cfg->quota, sizeof pol.quota);
        sc_users_set_policy(sv->app.users, &pol);
        rc = sc_suggest_new(&sv->app.suggest, err);
    }
    /* searches get three quarters of the cache, suggestions the rest */
    size_t cache = (size_t)cfg->cache_mb << 20;
    if (!rc) rc = sc_rcache_new(cache / 4 * 3, &sv->app.search_cache, err);
    if (!rc) rc = sc_rcache_new(cache / 4, &sv->app.suggest_cache, err);
    if (!rc) rc = sc_suggest_refresh(sv->app.suggest, sc_library_store(lib), err);
    struct sockaddr_storage ss;
    int v6 = 0;
    if (!rc) rc = resolve(cfg, &ss, &v6, err);
    if (rc) goto done;

    /* room for thousands of idle connections */
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* signals: block them in every thread, then wait for them here */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);

    json_object_seed(0);   /* jansson's hash seed, once, before any thread builds JSON */
    MHD_set_panic_func(on_mhd_panic, NULL);
    /* glibc gives each thread its own arena and keeps what it frees there:
       with a pool of many threads the heap would grow to many times what is
       in use; two arenas a core are enough for malloc not to be a lock */
    mallopt(M_ARENA_MAX, 2 * (int)(sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 2));
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* four threads a core: libmicrohttpd ties each connection to one pool
       thread, so a slow search (a cache miss on a common character) would
       hold up every connection behind it on that thread */
    unsigned threads = (unsigned)(cfg->threads > 0 ? cfg->threads : cores > 0 ? 4 * cores : 8);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | (v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, sv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
        MHD_OPTION_END);
    if (!d) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        rc = sc_err_set(err, SC_EIO, "cannot listen on %s:%d (in use, or not allowed)",
                        cfg->host[0] ? cfg->host : "*", cfg->port);
        goto done;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (ready) ready(di ? di->port : cfg->port);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "sucai: %s received, finishing requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* no new connections; the old listen socket stays open until the
       daemon is stopped: the pool threads may still be taking it out of
       their epoll sets, and an fd closed under them makes libmicrohttpd
       abort (its documented contract for MHD_quiesce_daemon) */
    MHD_socket ls = MHD_quiesce_daemon(d);
    /* an ingest in a worker finishes (commits or rolls back) whatever it takes */
    if (atomic_load(&sv->workers) > 0) fprintf(stderr, "sucai: waiting for an ingest or account change to finish\n");
    while (atomic_load(&sv->workers) > 0) usleep(10000);
    for (int i = 0; i < 1000 && atomic_load(&sv->inflight) > 0; i++) usleep(10000);
    MHD_stop_daemon(d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    /* a zip writer whose reader is gone fails its next write and ends */
    while (atomic_load(&sv->app.streams) > 0) usleep(10000);
    /* SIGINT and SIGTERM stay blocked: a second one (a supervisor repeating
    ** itself) must not kill the process before the caller closes the library */
    fprintf(stderr, "sucai: stopped\n");
done:
    sc_suggest_free(sv->app.suggest);
    sc_rcache_free(sv->app.search_cache);
    sc_rcache_free(sv->app.suggest_cache);
    sc_users_close(sv->app.users);
    pthread_mutex_destroy(&sv->app.write_lock);
    pthread_mutex_destroy(&sv->app.stats_lock);
    free(sv->app.stats);
    free(sv);
    return rc;
}
