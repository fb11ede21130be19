/*
** http_api_priv.h — what http_api.c, http_api_docs.c and http_api_accounts.c
** share; not part of the API (server.c sees only http_api.h).
**
** http_api.c identifies the caller once per request (its effective tier is
** the paywall's one decision), checks methods and CSRF, and routes; each
** sc_api_* handler below answers one route by filling resp (through
** sc_api_json_reply or sc_api_error) and never touches sockets.
*/
#ifndef SC_HTTP_API_PRIV_H
#define SC_HTTP_API_PRIV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "http_api.h"

/* Who is asking, as http_api.c found out from the Authorization header or
** the session cookie. */
typedef struct caller {
    sc_user user;        /* id 0 for a visitor */
    int tier;            /* effective tier */
    int via_cookie;      /* authenticated by the session cookie */
    char token[72];
    char csrf[65];
} caller;

/* ---- responses and helpers (http_api.c) ---------------------------------- */

/* Sets resp to status and the compact JSON of o; takes o's reference (NULL,
** from a failed json_pack, marks the body out of memory). */
void sc_api_json_reply(sc_response *resp, int status, json_t *o);

/* A new JSON string of s, or JSON null when s is NULL. */
json_t *sc_api_str_or_null(const char *s);

/* The query argument name as sent, or NULL; owned by the connection. */
const char *sc_api_arg(const sc_request *req, const char *name);

/* A text argument: NULL when absent, "" and *bad when invalid. */
const char *sc_api_text_arg(const sc_request *req, const char *name, size_t max, int *bad);

/* A whole number argument in [min, max]: dflt when absent or empty, dflt and
** *bad when invalid. */
long sc_api_long_arg(const sc_request *req, const char *name, long min, long max, long dflt, int *bad);

/* Sets the session cookie to token for max_age seconds ("" and 0 clear it). */
void sc_api_session_cookie(sc_app *app, sc_response *resp, const char *token, int max_age);

/* ---- documents (http_api_docs.c) ----------------------------------------- */

/* Metadata of a document as JSON (a new reference); below member (paid = 0)
** the title is the public one. */
json_t *sc_api_doc_meta(const sc_doc *d, int paid);

/* GET /api/docs/ID */
void sc_api_doc(sc_app *app, const caller *c, const char *id, sc_response *resp);
/* GET /api/docs/ID/download?format=txt|docx */
void sc_api_download(sc_app *app, const sc_request *req, const caller *c, const char *id,
                     sc_response *resp);
/* GET /api/download.zip?ids=a,b,c or ?q=QUERY[&limit=N], &format=docx|txt */
void sc_api_download_zip(sc_app *app, const sc_request *req, const caller *c, sc_response *resp);

/* ---- accounts and admin (http_api_accounts.c) ----------------------------- */

/* GET /api/me, and the answer to a login: csrf and token (NULL: left out)
** are the session's. */
void sc_api_reply_me(sc_app *app, const sc_request *req, const caller *c, sc_response *resp,
                     const char *csrf, const char *token);
/* POST /api/login */
void sc_api_login(sc_app *app, const sc_request *req, sc_response *resp);
/* POST /api/register */
void sc_api_register(sc_app *app, const sc_request *req, sc_response *resp);
/* GET /api/admin/users */
void sc_api_admin_users_get(sc_app *app, const sc_request *req, sc_response *resp);
/* POST /api/admin/users */
void sc_api_admin_users_post(sc_app *app, const sc_request *req, sc_response *resp);
/* DELETE /api/admin/docs/ID */
void sc_api_admin_delete(sc_app *app, const char *id, sc_response *resp);
/* POST /api/admin/ingest (multipart, its files in req->upload_dir) */
void sc_api_admin_ingest(sc_app *app, const sc_request *req, sc_response *resp);

#endif
