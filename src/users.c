/* users.c — accounts, tiers, sessions, throttling, quotas; see users.h. */
#include "users.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "http_parse.h"

struct sc_users {
    sqlite3 *db;
    pthread_mutex_t lock;
    sc_users_policy policy;
    char dummy_hash[crypto_pwhash_STRBYTES];  /* verified against for unknown names */
};

static const char *schema =
    "CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " pw TEXT NOT NULL, tier INTEGER NOT NULL, expires INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions(hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL,"
    " csrf TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS downloads(user_id INTEGER NOT NULL, day TEXT NOT NULL,"
    " doc_id TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS downloads_by_day ON downloads(user_id, day);"
    "CREATE TABLE IF NOT EXISTS login_failures(key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
    " locked_until INTEGER NOT NULL, last INTEGER NOT NULL);";

static const char *tier_names[SC_TIER_COUNT] = {"visitor", "free", "member", "svip", "admin"};

const char *sc_tier_name(int t) { return t >= 0 && t < SC_TIER_COUNT ? tier_names[t] : "visitor"; }

int sc_tier_parse(const char *s)
{
    for (int i = 0; s && i < SC_TIER_COUNT; i++)
        if (!strcmp(s, tier_names[i])) return i;
    return -1;
}

int sc_user_effective_tier(const sc_user *u, int64_t now)
{
    if (!u || u->id == 0 || u->disabled) return SC_TIER_VISITOR;
    if ((u->tier == SC_TIER_MEMBER || u->tier == SC_TIER_SVIP) && u->expires && u->expires <= now)
        return SC_TIER_FREE;
    return u->tier;
}

char *sc_user_expiry_date(const sc_user *u, char out[16])
{
    out[0] = 0;
    if (!u->expires) return out;
    time_t t = (time_t)u->expires - 1;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
    return out;
}

int sc_tier_reads_paid(int t) { return t >= SC_TIER_MEMBER; }

void sc_users_policy_defaults(sc_users_policy *p)
{
    p->quota[SC_TIER_VISITOR] = 0;
    p->quota[SC_TIER_FREE] = 0;
    p->quota[SC_TIER_MEMBER] = 20;
    p->quota[SC_TIER_SVIP] = -1;
    p->quota[SC_TIER_ADMIN] = -1;
    p->lock_after = 5;
    p->lock_after_addr = 20;
    p->lock_seconds = 900;
    p->session_days = 30;
}

void sc_users_set_policy(sc_users *u, const sc_users_policy *p) { u->policy = *p; }
const sc_users_policy *sc_users_get_policy(sc_users *u) { return &u->policy; }

void sc_users_token_hash(const char *token, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int db_fail(sc_users *u, sc_err *err, const char *what)
{
    /* the SQLite message goes to the log-free error; callers never show SQL */
    (void)u;
    return sc_err_set(err, SC_EDB, "accounts: %s failed", what);
}

int sc_users_open(const char *dir, sc_users **out, sc_err *err)
{
    *out = NULL;
    if (sodium_init() < 0) return sc_err_set(err, SC_EINTERNAL, "libsodium failed to start");
    mkdir(dir, 0755);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/library.db", dir) >= (int)sizeof path)
        return sc_err_set(err, SC_EINVAL, "library path too long");
    sc_users *u = calloc(1, sizeof *u);
    if (!u) return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (sqlite3_open_v2(path, &u->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sqlite3_close(u->db);
        free(u);
        return sc_err_set(err, SC_EDB, "%s: cannot open the library database", dir);
    }
    sqlite3_busy_timeout(u->db, 15000);
    char *msg = NULL;
    if (sqlite3_exec(u->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(u->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        sqlite3_close(u->db);
        free(u);
        return sc_err_set(err, SC_EDB, "%s: cannot create the account tables", dir);
    }
    pthread_mutex_init(&u->lock, NULL);
    sc_users_policy_defaults(&u->policy);
    /* a hash of a random password with the same cost, for unknown names */
    unsigned char rnd[16];
    char pw[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
    if (crypto_pwhash_str(u->dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
        sc_users_close(u);
        return sc_err_set(err, SC_ENOMEM, "out of memory hashing a password");
    }
    *out = u;
    return SC_OK;
}

void sc_users_close(sc_users *u)
{
    if (!u) return;
    sqlite3_close(u->db);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES], sc_err *err)
{
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE))
        return sc_err_set(err, SC_ENOMEM, "out of memory hashing a password");
    return SC_OK;
}

int sc_users_add(sc_users *u, const char *name, const char *password, int tier,
                 int64_t expires, sc_err *err)
{
    if (!sc_http_name_ok(name))
        return sc_err_set(err, SC_EINVAL, "invalid account name (letters, digits, . - _ @; up to 64 bytes)");
    if (tier <= SC_TIER_VISITOR || tier >= SC_TIER_COUNT)
        return sc_err_set(err, SC_EINVAL, "invalid tier (free, member, svip, admin)");
    if (!password || !*password || strlen(password) > 1024)
        return sc_err_set(err, SC_EINVAL, "password must be 1 to 1024 bytes");
    char hash[crypto_pwhash_STRBYTES];
    int rc = hash_password(password, hash, err);
    if (rc) return rc;
    pthread_mutex_lock(&u->lock);
    sqlite3_stmt *st = NULL;
    rc = SC_OK;
    if (sqlite3_prepare_v2(u->db, "INSERT INTO users(name,pw,tier,expires,disabled,created)"
                           " VALUES(?,?,?,?,0,?)", -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(u, err, "adding an account");
    } else {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, tier);
        sqlite3_bind_int64(st, 4, expires > 0 ? expires : 0);
        sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
        int s = sqlite3_step(st);
        if (s == SQLITE_CONSTRAINT) rc = sc_err_set(err, SC_EEXISTS, "account '%s' already exists", name);
        else if (s != SQLITE_DONE) rc = db_fail(u, err, "adding an account");
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&u->lock);
    return rc;
}

static void row_user(sqlite3_stmt *st, sc_user *out)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    const char *n = (const char *)sqlite3_column_text(st, 1);
    snprintf(out->name, sizeof out->name, "%s", n ? n : "");
    out->tier = sqlite3_column_int(st, 2);
    out->expires = sqlite3_column_int64(st, 3);
    out->disabled = sqlite3_column_int(st, 4);
    out->created = sqlite3_column_int64(st, 5);
}

#define USER_COLS "id,name,tier,expires,disabled,created"

/* Looks a user up by name; with pw, also copies the stored hash. Locked. */
static int get_locked(sc_users *u, const char *name, sc_user *out, char *pw, sc_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(u->db, "SELECT " USER_COLS ",pw FROM users WHERE name=?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(u, err, "reading an account");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st), rc = SC_OK;
    if (s == SQLITE_ROW) {
        row_user(st, out);
        if (pw) {
            const char *h = (const char *)sqlite3_column_text(st, 6);
            snprintf(pw, crypto_pwhash_STRBYTES, "%s", h ? h : "");
        }
    } else if (s == SQLITE_DONE) {
        rc = sc_err_set(err, SC_ENOTFOUND, "no account named '%s'", name);
    } else {
        rc = db_fail(u, err, "reading an account");
    }
    sqlite3_finalize(st);
    return rc;
}

int sc_users_get(sc_users *u, const char *name, sc_user *out, sc_err *err)
{
    if (!sc_http_name_ok(name)) return sc_err_set(err, SC_ENOTFOUND, "no such account");
    pthread_mutex_lock(&u->lock);
    int rc = get_locked(u, name, out, NULL, err);
    pthread_mutex_unlock(&u->lock);
    return rc;
}

int sc_users_set(sc_users *u, const char *name, const sc_user_change *ch, sc_err *err)
{
    if (ch->tier != -1 && (ch->tier <= SC_TIER_VISITOR || ch->tier >= SC_TIER_COUNT))
        return sc_err_set(err, SC_EINVAL, "invalid tier (free, member, svip, admin)");
    char hash[crypto_pwhash_STRBYTES] = "";
    if (ch->password) {
        if (!*ch->password || strlen(ch->password) > 1024)
            return sc_err_set(err, SC_EINVAL, "password must be 1 to 1024 bytes");
        int rc = hash_password(ch->password, hash, err);
        if (rc) return rc;
    }
    sc_user cur;
    pthread_mutex_lock(&u->lock);
    int rc = sc_http_name_ok(name) ? get_locked(u, name, &cur, NULL, err)
                                   : sc_err_set(err, SC_ENOTFOUND, "no such account");
    if (rc) goto out;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(u->db, "UPDATE users SET tier=?, expires=?, disabled=?,"
                           " pw=coalesce(?, pw) WHERE id=?", -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(u, err, "changing an account");
        goto out;
    }
    sqlite3_bind_int(st, 1, ch->tier != -1 ? ch->tier : cur.tier);
    sqlite3_bind_int64(st, 2, ch->expires != -1 ? ch->expires : cur.expires);
    sqlite3_bind_int(st, 3, ch->disabled != -1 ? !!ch->disabled : cur.disabled);
    if (ch->password) sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, cur.id);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(u, err, "changing an account");
    sqlite3_finalize(st);
    /* a new password or a disabled account ends every open session */
    if (!rc && (ch->password || ch->disabled == 1)) {
        if (sqlite3_prepare_v2(u->db, "DELETE FROM sessions WHERE user_id=?", -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, cur.id);
            sqlite3_step(st);
        }
        sqlite3_finalize(st);
    }
out:
    pthread_mutex_unlock(&u->lock);
    return rc;
}

int sc_users_list(sc_users *u, sc_users_cb cb, void *ctx, sc_err *err)
{
    pthread_mutex_lock(&u->lock);
    sqlite3_stmt *st = NULL;
    int rc = SC_OK;
    if (sqlite3_prepare_v2(u->db, "SELECT " USER_COLS " FROM users ORDER BY name", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = db_fail(u, err, "listing accounts");
    } else {
        int s;
        while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
            sc_user usr;
            row_user(st, &usr);
            rc = cb(ctx, &usr);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&u->lock);
    return rc;
}

long sc_users_count(sc_users *u)
{
    pthread_mutex_lock(&u->lock);
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(u->db, "SELECT count(*) FROM users", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&u->lock);
    return n;
}

/* ---- throttling ------------------------------------------------------- */

/* Seconds until key is unlocked (0 when it is not locked). Locked. */
static int64_t locked_for(sc_users *u, const char *key, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int64_t left = 0;
    if (sqlite3_prepare_v2(u->db, "SELECT locked_until FROM login_failures WHERE key=?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            int64_t until = sqlite3_column_int64(st, 0);
            if (until > now) left = until - now;
        }
    }
    sqlite3_finalize(st);
    return left;
}

/* Records a failure: after threshold failures each further one locks the
** key for lock_seconds * 2^(failures - lock_after), at most a day.  Counts
** older than a day start again.  threshold: lock_after or lock_after_addr.
** Locked. */
static void record_failure(sc_users *u, const char *key, int threshold, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int64_t count = 0, last = 0;
    if (sqlite3_prepare_v2(u->db, "SELECT count,last FROM login_failures WHERE key=?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            count = sqlite3_column_int64(st, 0);
            last = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_finalize(st);
    if (now - last > 86400) count = 0;
    count++;
    int64_t until = 0;
    if (count >= threshold) {
        int64_t shift = count - threshold;
        int64_t secs = u->policy.lock_seconds;
        while (shift-- > 0 && secs < 86400) secs *= 2;
        if (secs > 86400) secs = 86400;
        until = now + secs;
    }
    if (sqlite3_prepare_v2(u->db, "INSERT OR REPLACE INTO login_failures(key,count,locked_until,last)"
                           " VALUES(?,?,?,?)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, count);
        sqlite3_bind_int64(st, 3, until);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

static void clear_failures(sc_users *u, const char *key)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(u->db, "DELETE FROM login_failures WHERE key=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

static void random_hex(char out[65])
{
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(out, 65, r, sizeof r);
    sodium_memzero(r, sizeof r);
}

int sc_users_login(sc_users *u, const char *name, const char *password, const char *addr,
                   int64_t now, char token[65], char csrf[65], int64_t *retry_after,
                   sc_err *err)
{
    token[0] = csrf[0] = 0;
    *retry_after = 0;
    char ukey[96], akey[96];
    snprintf(ukey, sizeof ukey, "u:%.72s", name ? name : "");
    snprintf(akey, sizeof akey, "a:%.64s", addr ? addr : "");
    int valid_name = name && sc_http_name_ok(name);
    sc_user usr = {0};
    char hash[crypto_pwhash_STRBYTES];
    int found = 0;

    pthread_mutex_lock(&u->lock);
    int64_t wait_u = valid_name ? locked_for(u, ukey, now) : 0, wait_a = locked_for(u, akey, now);
    if (wait_u || wait_a) {
        pthread_mutex_unlock(&u->lock);
        *retry_after = wait_u > wait_a ? wait_u : wait_a;
        return sc_err_set(err, SC_ELIMIT, "too many failed logins; try again later");
    }
    if (valid_name) found = get_locked(u, name, &usr, hash, NULL) == SC_OK;
    pthread_mutex_unlock(&u->lock);

    /* verify against a dummy hash when the name is unknown, so that time
    ** does not tell which names exist */
    const char *h = found ? hash : u->dummy_hash;
    const char *pw = password ? password : "";
    int ok = crypto_pwhash_str_verify(h, pw, strlen(pw)) == 0 && found && !usr.disabled;
    sodium_memzero(hash, sizeof hash);

    pthread_mutex_lock(&u->lock);
    int rc = SC_OK;
    if (!ok) {
        if (valid_name) record_failure(u, ukey, u->policy.lock_after, now);
        record_failure(u, akey, u->policy.lock_after_addr, now);
        rc = sc_err_set(err, SC_EPERM, "wrong name or password");
        goto out;
    }
    clear_failures(u, ukey);
    char th[65];
    random_hex(token);
    random_hex(csrf);
    sc_users_token_hash(token, th);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(u->db, "INSERT INTO sessions(hash,user_id,csrf,created,expires)"
                           " VALUES(?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(u, err, "opening a session");
    } else {
        sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, usr.id);
        sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_int64(st, 5, now + (int64_t)u->policy.session_days * 86400);
        if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(u, err, "opening a session");
    }
    sqlite3_finalize(st);
    /* expired sessions go now and then, here being as good a time as any */
    if (sqlite3_prepare_v2(u->db, "DELETE FROM sessions WHERE expires<?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc) token[0] = csrf[0] = 0;
out:
    pthread_mutex_unlock(&u->lock);
    return rc;
}

int sc_users_session(sc_users *u, const char *token, int64_t now, sc_user *out,
                     char csrf[65], sc_err *err)
{
    memset(out, 0, sizeof *out);
    if (csrf) csrf[0] = 0;
    if (!sc_http_token_ok(token)) return sc_err_set(err, SC_ENOTFOUND, "no such session");
    char th[65];
    sc_users_token_hash(token, th);
    pthread_mutex_lock(&u->lock);
    sqlite3_stmt *st = NULL;
    int rc = SC_ENOTFOUND;
    if (sqlite3_prepare_v2(u->db, "SELECT u.id,u.name,u.tier,u.expires,u.disabled,u.created,s.csrf"
                           " FROM sessions s JOIN users u ON u.id=s.user_id"
                           " WHERE s.hash=? AND s.expires>?", -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(u, err, "reading a session");
    } else {
        sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        if (sqlite3_step(st) == SQLITE_ROW) {
            row_user(st, out);
            const char *c = (const char *)sqlite3_column_text(st, 6);
            if (csrf) snprintf(csrf, 65, "%s", c ? c : "");
            rc = out->disabled ? SC_ENOTFOUND : SC_OK;
        }
        if (rc == SC_ENOTFOUND) sc_err_set(err, SC_ENOTFOUND, "no such session");
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&u->lock);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

void sc_users_logout(sc_users *u, const char *token)
{
    if (!sc_http_token_ok(token)) return;
    char th[65];
    sc_users_token_hash(token, th);
    pthread_mutex_lock(&u->lock);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(u->db, "DELETE FROM sessions WHERE hash=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&u->lock);
}

static void day_of(int64_t now, char day[16])
{
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, 16, "%Y-%m-%d", &tm);
}

static int count_today_locked(sc_users *u, int64_t user_id, const char *day)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(u->db, "SELECT count(*) FROM downloads WHERE user_id=? AND day=?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, user_id);
        sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

int sc_users_downloads_today(sc_users *u, int64_t user_id, int64_t now)
{
    char day[16];
    day_of(now, day);
    pthread_mutex_lock(&u->lock);
    int n = count_today_locked(u, user_id, day);
    pthread_mutex_unlock(&u->lock);
    return n;
}

int sc_users_count_download(sc_users *u, const sc_user *user, int tier, const char *doc_id,
                            int64_t now, int *used, int *limit, sc_err *err)
{
    char day[16];
    day_of(now, day);
    int q = tier >= 0 && tier < SC_TIER_COUNT ? u->policy.quota[tier] : 0;
    *limit = q;
    pthread_mutex_lock(&u->lock);
    int n = count_today_locked(u, user->id, day), rc = SC_OK;
    *used = n;
    if (q >= 0 && n >= q) {
        rc = sc_err_set(err, SC_ELIMIT, "daily download quota (%d) used up", q);
        goto out;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(u->db, "INSERT INTO downloads(user_id,day,doc_id,at) VALUES(?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(u, err, "counting a download");
    } else {
        sqlite3_bind_int64(st, 1, user->id);
        sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, doc_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(u, err, "counting a download");
        else *used = n + 1;
    }
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&u->lock);
    return rc;
}
