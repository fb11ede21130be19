/*
** http_parse.h — the parts of an HTTP request that sucai parses itself,
** as small pure functions (no I/O, no globals) so that they can be unit
** tested and fuzzed (fuzz/fuzz_http.c).  libmicrohttpd parses the request
** line, headers and percent-encoding; these functions judge and pick apart
** what it hands over.
**
** All functions accept any bytes (including invalid UTF-8 and NULs within n)
** and never read past what they are given.  Output buffers are always
** NUL-terminated when outsz > 0.
*/
#ifndef SC_HTTP_PARSE_H
#define SC_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A query or form parameter is acceptable text: valid UTF-8, at most max
** bytes, no control characters except none at all.  Returns SC_OK, or
** SC_EENCODING / SC_ELIMIT. */
int sc_http_check_text(const char *s, size_t n, size_t max);

/* Decodes application/x-www-form-urlencoded bytes (%XX and '+') into out.
** Rejects bad escapes, NUL and invalid UTF-8 (SC_EINVAL / SC_EENCODING),
** output longer than outsz - 1 (SC_ELIMIT). */
int sc_http_url_decode(const char *in, size_t n, char *out, size_t outsz);

/* A decimal integer in [min, max], the whole string, no sign games.
** SC_EINVAL otherwise (empty, junk, overflow, out of range). */
int sc_http_parse_long(const char *s, long min, long max, long *out);

/* "YYYY-MM-DD" (a real calendar date, years 1900..9999) into unix seconds
** at 00:00 UTC. SC_EINVAL otherwise. */
int sc_http_parse_date(const char *s, int64_t *out);

/* Value of cookie `name` in a Cookie header ("a=1; b=2").  SC_ENOTFOUND when
** absent, SC_ELIMIT when the value does not fit out. */
int sc_http_cookie_get(const char *header, const char *name, char *out, size_t outsz);

/* The token of "Authorization: Bearer TOKEN" (scheme case-insensitive).
** SC_ENOTFOUND for another scheme or no token; SC_ELIMIT when too long. */
int sc_http_bearer(const char *header, char *out, size_t outsz);

/* A session token as we issue them: exactly 64 lowercase hex digits. */
int sc_http_token_ok(const char *tok);

/* Reduces an uploaded file name to a safe single name component: the part
** after the last '/' or '\\', characters other than letters, digits, CJK,
** '.', '-', '_' (and invalid UTF-8) become '_', no leading dot, at most
** outsz - 1 bytes cut at a character boundary with the extension kept when
** it is short.  Never empty ("file").  Always succeeds when outsz >= 16. */
int sc_http_sanitize_filename(const char *name, size_t n, char *out, size_t outsz);

/* A document id from a URL path segment: 1..128 bytes of valid UTF-8 with
** no '/', '\\', control characters, and not "." or "..". */
int sc_http_id_ok(const char *s, size_t n);

/* An account name: 1..64 bytes of valid UTF-8, letters, digits, CJK,
** '.', '-', '_', '@'. */
int sc_http_name_ok(const char *s);

/* Parses a JSON object body {"name": "...", "password": "..."} (n <= 64 KiB)
** into malloc'd strings the caller frees.  Both must be strings; name must
** pass sc_http_name_ok, password 1..1024 bytes of valid UTF-8.
** SC_EINVAL with a message that never repeats the password. */
int sc_http_parse_login(const char *body, size_t n, char **name, char **password, sc_err *err);

/* "HOST:PORT" or "[V6]:PORT" or ":PORT" / "PORT".  host gets "" for any. */
int sc_http_parse_listen(const char *s, char *host, size_t hostsz, int *port);

/* Whether an Accept-Encoding header allows gzip (and not with q=0). */
int sc_http_accepts_gzip(const char *header);

/* Splits "/api/docs/ID" or "/api/docs/ID/ACTION" into id and action
** (action "" when absent).  SC_EINVAL for anything else or a bad id. */
int sc_http_split_doc_path(const char *path, const char *prefix, char *id, size_t idsz,
                           char *action, size_t actionsz);

#endif
