/*
** http_api.h — between server.c (connections, bodies, bytes on the wire)
** and the API (what each route means): http_api.c routes, the document
** routes are in http_api_docs.c, the account and admin routes in
** http_api_accounts.c (http_api_priv.h between them).  The API handlers
** see a request whose body is complete (or whose upload sits in a private
** temp folder) and fill a response; they never touch sockets.
*/
#ifndef SC_HTTP_API_H
#define SC_HTTP_API_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "library.h"
#include "result_cache.h"
#include "server.h"
#include "suggest.h"
#include "users.h"

struct MHD_Connection;

/* Routes, for metrics. */
enum {
    SC_ROUTE_PAGE = 0, SC_ROUTE_ASSET, SC_ROUTE_HEALTHZ, SC_ROUTE_METRICS, SC_ROUTE_SEARCH,
    SC_ROUTE_SUGGEST, SC_ROUTE_DOC, SC_ROUTE_DOWNLOAD, SC_ROUTE_NEW, SC_ROUTE_FACETS,
    SC_ROUTE_LOGIN, SC_ROUTE_LOGOUT, SC_ROUTE_ME, SC_ROUTE_REGISTER, SC_ROUTE_ADMIN_INGEST,
    SC_ROUTE_ADMIN_USERS, SC_ROUTE_ADMIN_DOCS, SC_ROUTE_OTHER, SC_ROUTE_COUNT
};
extern const char *const sc_route_names[SC_ROUTE_COUNT];

/* What every request shares. */
typedef struct sc_app {
    sc_library *lib;
    sc_users *users;
    sc_suggest *suggest;
    sc_rcache *search_cache;      /* answers per index commit (result_cache.h) */
    sc_rcache *suggest_cache;     /* answers per title table refresh */
    const sc_server_config *cfg;
    pthread_mutex_t write_lock;   /* one ingest or delete at a time */
    atomic_int streams;           /* zip writers still running (shutdown waits) */
    pthread_mutex_t stats_lock;   /* guards the two below */
    sc_store_stats *stats;        /* cached library statistics, NULL = stale */
} sc_app;

/* The library's statistics (documents, by type and year), from a cache
** that ingests and deletes through the API invalidate (the server is the
** library's only writer).  Thread-safe. */
int sc_api_stats(sc_app *app, sc_store_stats *out);
void sc_api_stats_invalidate(sc_app *app);

/* How the body of a request is to be read. */
enum { SC_BODY_NONE = 0, SC_BODY_JSON, SC_BODY_UPLOAD };

typedef struct sc_request {
    struct MHD_Connection *conn;  /* for headers and query arguments */
    const char *method, *path;
    const char *body;             /* SC_BODY_JSON: the bytes, NUL-terminated */
    size_t body_len;
    const char *upload_dir;       /* SC_BODY_UPLOAD: the folder holding the files */
    char addr[64];                /* client address */
    int64_t now;
} sc_request;

typedef struct sc_response {
    int status;
    sc_buf body;
    const char *content_type;     /* static string */
    char set_cookie[256];
    char disposition[512];        /* Content-Disposition, or "" */
    char retry_after[16];
    int route;                    /* SC_ROUTE_* */
    int cacheable;                /* static asset: may be cached */
    int allow_gzip;               /* body may be compressed */
    int stream_fd;                /* with streaming: the body is what this pipe
                                     yields (chunked); server.c owns it after */
    int streaming;
} sc_response;

/* Called when the headers are in, before any body: decides how to read the
** body, or rejects the request at once (auth for uploads, sizes, methods).
** Returns 1 when resp is filled and the request is answered now. */
int sc_api_precheck(sc_app *app, const sc_request *req, long long content_length,
                    int *body_kind, sc_response *resp);

/* Whether answering takes long (password hashing, ingest, deletes): such
** requests are answered on a worker thread so that the connection's
** server thread keeps serving its other connections. */
int sc_api_is_slow(const sc_request *req);

/* Answers a request whose body is complete.  Thread-safe. */
void sc_api_handle(sc_app *app, const sc_request *req, sc_response *resp);

/* Sets resp to the JSON error {"error":{"code","message"}}; message is
** ours, never user data or paid text. */
void sc_api_error(sc_response *resp, int status, const char *code, const char *message);

#endif
