/*
** users.h — accounts, membership tiers, sessions, login throttling and
** download quotas, in the library's SQLite database (DIR/library.db).
**
** users.c opens its own connection to library.db (WAL), so that account
** writes never mix with an ingest transaction on the store's writer, and
** `sucai user ...` works while a server runs.  One mutex serialises use of
** that connection; password hashing runs outside it.  Tables it owns:
**   users(id INTEGER PRIMARY KEY, name TEXT UNIQUE, pw TEXT  -- argon2id str,
**         tier INTEGER, expires INTEGER -- unix seconds, 0 = never,
**         disabled INTEGER, created INTEGER)
**   sessions(hash TEXT PRIMARY KEY  -- hex SHA-256 of the token,
**            user_id, csrf TEXT, created, expires)
**   downloads(user_id, day TEXT  -- YYYY-MM-DD UTC, doc_id, at)
**   login_failures(key TEXT PRIMARY KEY  -- "u:NAME" or "a:ADDRESS",
**                  count, locked_until, last)
** The session token itself (64 hex digits from 32 random bytes) is only
** ever held by the client.
*/
#ifndef SC_USERS_H
#define SC_USERS_H

#include <stdint.h>

#include "error.h"

enum { SC_TIER_VISITOR = 0, SC_TIER_FREE, SC_TIER_MEMBER, SC_TIER_SVIP, SC_TIER_ADMIN,
       SC_TIER_COUNT };

typedef struct sc_user {
    int64_t id;          /* 0 for a visitor */
    char name[72];
    int tier;            /* as stored */
    int64_t expires;     /* membership end, unix seconds; 0 = never */
    int disabled;
    int64_t created;
} sc_user;

typedef struct sc_users_policy {
    int quota[SC_TIER_COUNT];  /* downloads per UTC day; -1 = unlimited */
    int lock_after;            /* failures of one account before a lock (5) */
    int lock_after_addr;       /* failures from one address before a lock (20: offices share one) */
    int lock_seconds;          /* first lock (900), doubling after, max 1 day */
    int session_days;          /* session lifetime (30) */
} sc_users_policy;

typedef struct sc_users sc_users;

/* Opens DIR/library.db (creating the folder and tables if needed). */
int sc_users_open(const char *dir, sc_users **out, sc_err *err);
void sc_users_close(sc_users *u);
void sc_users_set_policy(sc_users *u, const sc_users_policy *p);
void sc_users_policy_defaults(sc_users_policy *p);
const sc_users_policy *sc_users_get_policy(sc_users *u);

/* "visitor", "free", "member", "svip", "admin"; parse returns -1 if unknown. */
const char *sc_tier_name(int tier);
int sc_tier_parse(const char *s);

/* The tier that applies now: a disabled account is a visitor, an expired
** member or SVIP is free (admins do not expire). */
int sc_user_effective_tier(const sc_user *u, int64_t now);

/* The last day of the membership as YYYY-MM-DD in out, or "" when it never
** ends (expires is stored as the end of that day).  Returns out. */
char *sc_user_expiry_date(const sc_user *u, char out[16]);
/* Whether a tier may read paid parts and download. */
int sc_tier_reads_paid(int tier);

/* Creates an account.  SC_EEXISTS if the name is taken, SC_EINVAL for a bad
** name, tier or empty password. */
int sc_users_add(sc_users *u, const char *name, const char *password, int tier,
                 int64_t expires, sc_err *err);

/* Changes an account; fields left at their "keep" value stay as they are. */
typedef struct sc_user_change {
    int tier;              /* -1 keep */
    int64_t expires;       /* -1 keep, 0 never */
    const char *password;  /* NULL keep */
    int disabled;          /* -1 keep */
} sc_user_change;
#define SC_USER_CHANGE_KEEP {-1, -1, NULL, -1}
int sc_users_set(sc_users *u, const char *name, const sc_user_change *ch, sc_err *err);

int sc_users_get(sc_users *u, const char *name, sc_user *out, sc_err *err);

typedef int (*sc_users_cb)(void *ctx, const sc_user *user);
int sc_users_list(sc_users *u, sc_users_cb cb, void *ctx, sc_err *err);
long sc_users_count(sc_users *u);

/* Checks the password and opens a session.  token and csrf get 64 hex
** digits + NUL.  Failures: SC_EPERM (wrong name or password, or disabled:
** one message for all), SC_ELIMIT (locked out; *retry_after seconds).
** addr is the client address, for per-address throttling. */
int sc_users_login(sc_users *u, const char *name, const char *password, const char *addr,
                   int64_t now, char token[65], char csrf[65], int64_t *retry_after,
                   sc_err *err);

/* Resolves a session token.  SC_ENOTFOUND for an unknown or expired token
** or a disabled account.  csrf (may be NULL) gets the session's CSRF token. */
int sc_users_session(sc_users *u, const char *token, int64_t now, sc_user *out,
                     char csrf[65], sc_err *err);

/* Ends a session (no error if unknown). */
void sc_users_logout(sc_users *u, const char *token);

/* Counts a download against the user's quota for the UTC day of now.
** SC_ELIMIT when the day's quota is used up (nothing counted).  *used gets
** the day's count including this one, *limit the quota (-1 unlimited). */
int sc_users_count_download(sc_users *u, const sc_user *user, int tier, const char *doc_id,
                            int64_t now, int *used, int *limit, sc_err *err);
/* Downloads today so far. */
int sc_users_downloads_today(sc_users *u, int64_t user_id, int64_t now);

/* SHA-256 of a token, hex (for tests and the store). */
void sc_users_token_hash(const char *token, char out[65]);

#endif
