/* test_users.c — accounts: argon2id hashes, sessions stored hashed, CSRF
** tokens, membership expiry, tiers, daily download quotas, login throttling
** per account and per address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "users.h"
#include "test_tmpdir.h"

static char dir[512];
static sc_users *U;
static const int64_t NOW = 1800000000;   /* 2027-01-15 */

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir, sizeof dir, "users");
    sc_err e = {0};
    assert_int_equal(sc_users_open(dir, &U, &e), SC_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sc_users_close(U);
    return test_tmpdir_remove(dir);
}

/* One column of one row, straight from the database file. */
static void db_text(const char *sql, char *out, size_t n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/library.db", dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    out[0] = 0;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_add_and_hash(void **state)
{
    (void)state;
    sc_err e = {0};
    assert_int_equal(sc_users_add(U, "alice", "s3cret-pw", SC_TIER_MEMBER, 0, &e), SC_OK);
    assert_int_equal(sc_users_add(U, "alice", "other", SC_TIER_FREE, 0, &e), SC_EEXISTS);
    assert_int_equal(sc_users_add(U, "bad name", "pw", SC_TIER_FREE, 0, &e), SC_EINVAL);
    assert_int_equal(sc_users_add(U, "../x", "pw", SC_TIER_FREE, 0, &e), SC_EINVAL);
    assert_int_equal(sc_users_add(U, "bob", "", SC_TIER_FREE, 0, &e), SC_EINVAL);
    assert_int_equal(sc_users_add(U, "bob", "pw", SC_TIER_VISITOR, 0, &e), SC_EINVAL);
    assert_int_equal(sc_users_add(U, "张三", "密码口令", SC_TIER_FREE, 0, &e), SC_OK);
    char pw[256];
    db_text("SELECT pw FROM users WHERE name='alice'", pw, sizeof pw);
    assert_true(strncmp(pw, "$argon2id$", 10) == 0);
    assert_null(strstr(pw, "s3cret-pw"));
    sc_user u;
    assert_int_equal(sc_users_get(U, "alice", &u, &e), SC_OK);
    assert_string_equal(u.name, "alice");
    assert_int_equal(u.tier, SC_TIER_MEMBER);
    assert_int_equal(sc_users_get(U, "nobody", &u, &e), SC_ENOTFOUND);
    assert_int_equal(sc_users_count(U), 2);
}

static void test_sessions(void **state)
{
    (void)state;
    sc_err e = {0};
    char tok[65], csrf[65], csrf2[65];
    int64_t retry;
    assert_int_equal(sc_users_add(U, "carol", "right-pw", SC_TIER_SVIP, 0, &e), SC_OK);
    assert_int_equal(sc_users_login(U, "carol", "wrong-pw", "10.0.0.1", NOW, tok, csrf, &retry, &e), SC_EPERM);
    assert_int_equal(sc_users_login(U, "nobody", "x", "10.0.0.1", NOW, tok, csrf, &retry, &e), SC_EPERM);
    assert_int_equal(sc_users_login(U, "carol", "right-pw", "10.0.0.1", NOW, tok, csrf, &retry, &e), SC_OK);
    assert_int_equal(strlen(tok), 64);
    assert_int_equal(strlen(csrf), 64);
    assert_string_not_equal(tok, csrf);
    /* only the hash of the token is stored */
    char stored[128], want[65];
    db_text("SELECT hash FROM sessions", stored, sizeof stored);
    sc_users_token_hash(tok, want);
    assert_string_equal(stored, want);
    assert_string_not_equal(stored, tok);
    sc_user u;
    assert_int_equal(sc_users_session(U, tok, NOW + 60, &u, csrf2, &e), SC_OK);
    assert_string_equal(u.name, "carol");
    assert_string_equal(csrf, csrf2);
    /* a token that differs in one digit is unknown; junk is rejected */
    char other[65];
    memcpy(other, tok, 65);
    other[10] = other[10] == 'a' ? 'b' : 'a';
    assert_int_equal(sc_users_session(U, other, NOW, &u, NULL, &e), SC_ENOTFOUND);
    assert_int_equal(sc_users_session(U, "' OR 1=1 --", NOW, &u, NULL, &e), SC_ENOTFOUND);
    /* sessions expire */
    assert_int_equal(sc_users_session(U, tok, NOW + 31 * 86400, &u, NULL, &e), SC_ENOTFOUND);
    /* disabling ends sessions; logging out too */
    sc_user_change ch = SC_USER_CHANGE_KEEP;
    ch.disabled = 1;
    assert_int_equal(sc_users_set(U, "carol", &ch, &e), SC_OK);
    assert_int_equal(sc_users_session(U, tok, NOW, &u, NULL, &e), SC_ENOTFOUND);
    assert_int_equal(sc_users_login(U, "carol", "right-pw", "10.0.0.2", NOW, tok, csrf, &retry, &e), SC_EPERM);
    ch.disabled = 0;
    assert_int_equal(sc_users_set(U, "carol", &ch, &e), SC_OK);
    assert_int_equal(sc_users_login(U, "carol", "right-pw", "10.0.0.2", NOW, tok, csrf, &retry, &e), SC_OK);
    sc_users_logout(U, tok);
    assert_int_equal(sc_users_session(U, tok, NOW, &u, NULL, &e), SC_ENOTFOUND);
    /* a new password: the old one stops working */
    ch = (sc_user_change)SC_USER_CHANGE_KEEP;
    ch.password = "new-pw";
    assert_int_equal(sc_users_set(U, "carol", &ch, &e), SC_OK);
    assert_int_equal(sc_users_login(U, "carol", "right-pw", "10.0.0.3", NOW, tok, csrf, &retry, &e), SC_EPERM);
    assert_int_equal(sc_users_login(U, "carol", "new-pw", "10.0.0.3", NOW, tok, csrf, &retry, &e), SC_OK);
}

static void test_tiers_and_expiry(void **state)
{
    (void)state;
    sc_user u = {0};
    assert_int_equal(sc_user_effective_tier(&u, NOW), SC_TIER_VISITOR);
    u.id = 1;
    u.tier = SC_TIER_MEMBER;
    u.expires = NOW + 10;
    assert_int_equal(sc_user_effective_tier(&u, NOW), SC_TIER_MEMBER);
    assert_int_equal(sc_user_effective_tier(&u, NOW + 10), SC_TIER_FREE);
    u.tier = SC_TIER_SVIP;
    assert_int_equal(sc_user_effective_tier(&u, NOW + 11), SC_TIER_FREE);
    u.tier = SC_TIER_ADMIN;
    assert_int_equal(sc_user_effective_tier(&u, NOW + 11), SC_TIER_ADMIN);
    u.disabled = 1;
    assert_int_equal(sc_user_effective_tier(&u, NOW), SC_TIER_VISITOR);
    assert_false(sc_tier_reads_paid(SC_TIER_VISITOR));
    assert_false(sc_tier_reads_paid(SC_TIER_FREE));
    assert_true(sc_tier_reads_paid(SC_TIER_MEMBER));
    assert_true(sc_tier_reads_paid(SC_TIER_SVIP));
    assert_true(sc_tier_reads_paid(SC_TIER_ADMIN));
    assert_int_equal(sc_tier_parse("svip"), SC_TIER_SVIP);
    assert_int_equal(sc_tier_parse("root"), -1);
    assert_string_equal(sc_tier_name(SC_TIER_FREE), "free");
}

static void test_quotas(void **state)
{
    (void)state;
    sc_err e = {0};
    sc_users_policy p;
    sc_users_policy_defaults(&p);
    p.quota[SC_TIER_MEMBER] = 3;
    sc_users_set_policy(U, &p);
    assert_int_equal(sc_users_add(U, "dave", "pw", SC_TIER_MEMBER, 0, &e), SC_OK);
    assert_int_equal(sc_users_add(U, "erin", "pw", SC_TIER_SVIP, 0, &e), SC_OK);
    sc_user d, s;
    sc_users_get(U, "dave", &d, &e);
    sc_users_get(U, "erin", &s, &e);
    int used, limit;
    for (int i = 0; i < 3; i++)
        assert_int_equal(sc_users_count_download(U, &d, SC_TIER_MEMBER, "doc1", NOW, &used, &limit, &e), SC_OK);
    assert_int_equal(used, 3);
    assert_int_equal(limit, 3);
    assert_int_equal(sc_users_count_download(U, &d, SC_TIER_MEMBER, "doc1", NOW, &used, &limit, &e), SC_ELIMIT);
    assert_int_equal(sc_users_downloads_today(U, d.id, NOW), 3);
    /* the next UTC day starts afresh */
    assert_int_equal(sc_users_count_download(U, &d, SC_TIER_MEMBER, "doc1", NOW + 86400, &used, &limit, &e), SC_OK);
    assert_int_equal(used, 1);
    /* SVIP: unlimited */
    for (int i = 0; i < 50; i++)
        assert_int_equal(sc_users_count_download(U, &s, SC_TIER_SVIP, "d", NOW, &used, &limit, &e), SC_OK);
    assert_int_equal(limit, -1);
    /* a free account has no quota at all */
    assert_int_equal(sc_users_count_download(U, &d, SC_TIER_FREE, "d", NOW + 5 * 86400, &used, &limit, &e), SC_ELIMIT);
}

static void test_throttling(void **state)
{
    (void)state;
    sc_err e = {0};
    sc_users_policy p;
    sc_users_policy_defaults(&p);
    sc_users_set_policy(U, &p);
    assert_int_equal(sc_users_add(U, "frank", "good-pw", SC_TIER_FREE, 0, &e), SC_OK);
    char tok[65], csrf[65];
    int64_t retry;
    /* five failures on one account (from different addresses) lock it */
    for (int i = 0; i < 5; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "192.0.2.%d", i);
        assert_int_equal(sc_users_login(U, "frank", "bad", addr, NOW + i, tok, csrf, &retry, &e), SC_EPERM);
    }
    assert_int_equal(sc_users_login(U, "frank", "good-pw", "198.51.100.1", NOW + 10, tok, csrf, &retry, &e), SC_ELIMIT);
    assert_true(retry > 800 && retry <= 900);
    /* after the lock, the right password works and clears the count */
    assert_int_equal(sc_users_login(U, "frank", "good-pw", "198.51.100.1", NOW + 1000, tok, csrf, &retry, &e), SC_OK);
    /* the next lock after relapse doubles */
    for (int i = 0; i < 5; i++)
        sc_users_login(U, "frank", "bad", "198.51.100.9", NOW + 2000 + i, tok, csrf, &retry, &e);
    sc_users_login(U, "frank", "bad", "198.51.100.9", NOW + 2000 + 905, tok, csrf, &retry, &e);
    assert_int_equal(sc_users_login(U, "frank", "good-pw", "198.51.100.2", NOW + 2000 + 906, tok, csrf, &retry, &e), SC_ELIMIT);
    assert_true(retry > 1700 && retry <= 1800);
    /* an address that fails on many names is locked for every name */
    assert_int_equal(sc_users_add(U, "gina", "gina-pw", SC_TIER_FREE, 0, &e), SC_OK);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "ghost%d", i);
        sc_users_login(U, name, "x", "203.0.113.7", NOW + i, tok, csrf, &retry, &e);
    }
    assert_int_equal(sc_users_login(U, "gina", "gina-pw", "203.0.113.7", NOW + 30, tok, csrf, &retry, &e), SC_ELIMIT);
    assert_int_equal(sc_users_login(U, "gina", "gina-pw", "203.0.113.8", NOW + 30, tok, csrf, &retry, &e), SC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_and_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test(test_tiers_and_expiry),
        cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttling, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
