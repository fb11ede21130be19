/* store_read.c — the store's reads (store.h): documents by id or number,
** the hits of a search in one read transaction, lists and statistics.
** Every read borrows a pooled reader connection (store_priv.h), so that
** reads run beside the writer and beside each other. */
#include <jansson.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_priv.h"
#include "store_texts.h"

/* ---- reads ----------------------------------------------------------- */

#define META_COLS "num, id, title, doc_type, year, issuer, date, source, url, file, chars," \
                  " free_chars, has_paywall, masks, hash, simhash, outline, removed"

static void outline_parse(sc_doc *d, const char *json)
{
    json_t *a = json ? json_loads(json, 0, NULL) : NULL;
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    d->outline = n ? calloc(n, sizeof *d->outline) : NULL;
    for (size_t i = 0; d->outline && i < n; i++) {
        json_t *o = json_array_get(a, i);
        d->outline[i].level = (int)json_integer_value(json_object_get(o, "level"));
        d->outline[i].kind = (int)json_integer_value(json_object_get(o, "kind"));
        d->outline[i].offset = (size_t)json_integer_value(json_object_get(o, "offset"));
        d->outline[i].text = sc_strdup(json_string_value(json_object_get(o, "text")));
        d->n_outline++;
    }
    json_decref(a);
}

static void read_meta(sqlite3_stmt *st, sc_doc *d)
{
    d->id = sc_st_col_str(st, 1);
    d->title = sc_st_col_str(st, 2);
    d->doc_type = sc_st_col_str(st, 3);
    d->year = sqlite3_column_int(st, 4);
    d->issuer = sc_st_col_str(st, 5);
    d->date = sc_st_col_str(st, 6);
    d->source = sc_st_col_str(st, 7);
    d->url = sc_st_col_str(st, 8);
    d->file = sc_st_col_str(st, 9);
    d->chars = (size_t)sqlite3_column_int64(st, 10);
    d->free_chars = (size_t)sqlite3_column_int64(st, 11);
    d->has_paywall = sqlite3_column_int(st, 12);
    d->masks_restored = sqlite3_column_int(st, 13);
    const unsigned char *h = sqlite3_column_text(st, 14);
    snprintf(d->hash, sizeof d->hash, "%s", h ? (const char *)h : "");
    d->simhash = (uint64_t)sqlite3_column_int64(st, 15);
    outline_parse(d, (const char *)sqlite3_column_text(st, 16));
    d->removed = sc_st_col_str(st, 17);
}

/* The reads: by number or id, free part only or whole.  Static texts, so
** that each is prepared once per connection.  LITE_COLS leave the outline
** and the removed lines out, for listings (parsing the outline JSON was a
** fifth of a search's time when hits were read so). */
#define LITE_COLS "num, id, title, doc_type, year, issuer, date, source, url, file, chars," \
                  " free_chars, has_paywall, masks, hash, simhash, '[]', ''"
static const char *const GET_SQL[2][2] = {
    {"SELECT " META_COLS ", text_at, free_text FROM docs WHERE num = ?1",
     "SELECT " META_COLS ", text_at, free_text, paid_text FROM docs WHERE num = ?1"},
    {"SELECT " META_COLS ", text_at, free_text FROM docs WHERE id = ?1",
     "SELECT " META_COLS ", text_at, free_text, paid_text FROM docs WHERE id = ?1"},
};

int sc_st_row_text(sc_store *s, sqlite3_stmt *st, int col, int64_t num, int paid, sc_buf *rec, sc_buf *text,
                   sc_doc *d, sc_err *err)
{
    if (sqlite3_column_type(st, col) != SQLITE_NULL) {
        sc_doc r;
        d->text_at = (uint64_t)sqlite3_column_int64(st, col);
        int rc = sc_texts_read(s->texts, d->text_at, num, paid, rec, &r, err);
        if (rc) return rc;
        d->text = r.text;
        d->len = r.len;
        d->free_len = r.free_len;
        return SC_OK;
    }
    const char *f = (const char *)sqlite3_column_text(st, col + 1);
    size_t fl = (size_t)sqlite3_column_bytes(st, col + 1);
    const char *p = paid ? (const char *)sqlite3_column_text(st, col + 2) : NULL;
    size_t pl = p ? (size_t)sqlite3_column_bytes(st, col + 2) : 0;
    d->free_len = fl;
    d->len = fl + pl;
    if (!pl) {
        d->text = (char *)(f ? f : "");       /* most texts have no paid part: no copy */
        return SC_OK;
    }
    text->len = 0;
    sc_buf_add(text, f, fl);
    sc_buf_add(text, p, pl);
    sc_buf_adds(text, "");
    d->text = text->data;
    return text->oom ? sc_err_set(err, SC_ENOMEM, "out of memory") : SC_OK;
}

static int get_where(sc_store *s, const char *id, int64_t num, int paid, sc_doc *d, sc_err *err)
{
    conn *c = sc_st_borrow(s);
    if (!c) return sc_err_set(err, SC_EDB, "store: cannot open a reader");
    sqlite3_stmt *st = sc_st_prep(c, GET_SQL[id != NULL][paid != 0]);
    int rc = SC_OK;
    if (!st) {
        rc = sc_st_db_err(err, c->db, "get");
        goto out;
    }
    if (id) sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, 1, num);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = id ? sc_err_set(err, SC_ENOTFOUND, "no document with id %s", id)
                : sc_err_set(err, SC_ENOTFOUND, "no document number %lld", (long long)num);
        goto out;
    }
    memset(d, 0, sizeof *d);
    read_meta(st, d);
    sc_buf text = SC_BUF_INIT, rec = SC_BUF_INIT;
    rc = sc_st_row_text(s, st, 18, sqlite3_column_int64(st, 0), paid, &rec, &text, d, err);
    d->text = rc ? NULL : sc_strndup(d->text, d->len);     /* the doc owns its text */
    sc_buf_free(&rec);
    sc_buf_free(&text);
    if (!rc && (!d->text || !d->id)) rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    if (rc) sc_doc_free(d);
out:
    sc_st_done(st);
    sc_st_give_back(s, c);
    return rc;
}

int sc_store_get(sc_store *s, const char *id, int paid, sc_doc *d, sc_err *err)
{
    return get_where(s, id, 0, paid, d, err);
}

int sc_store_get_num(sc_store *s, int64_t num, int paid, sc_doc *d, sc_err *err)
{
    return get_where(s, NULL, num, paid, d, err);
}

/* What a hit shows, and no more: five short columns and the text (from
** the texts file when text_at is set). */
static const char *const HIT_SQL[2] = {
    "SELECT title, doc_type, year, date, free_chars, text_at, free_text FROM docs WHERE num = ?1",
    "SELECT title, doc_type, year, date, free_chars, text_at, free_text, paid_text FROM docs WHERE num = ?1"};

/* One row of HIT_SQL into d, borrowing the row's strings and its text
** (sc_st_row_text).  SC_ENOMEM or the texts file's error. */
static int read_hit(sc_store *s, sqlite3_stmt *st, int64_t num, int paid, sc_buf *rec, sc_buf *text, sc_doc *d,
                    sc_err *err)
{
    memset(d, 0, sizeof *d);
    int rc = sc_st_row_text(s, st, 5, num, paid, rec, text, d, err);
    if (rc) return rc;
    d->title = (char *)sqlite3_column_text(st, 0);
    d->doc_type = (char *)sqlite3_column_text(st, 1);
    d->year = sqlite3_column_int(st, 2);
    d->date = (char *)sqlite3_column_text(st, 3);
    d->free_chars = (size_t)sqlite3_column_int64(st, 4);
    return d->title ? SC_OK : sc_err_set(err, SC_ENOMEM, "out of memory");
}

/* order[0..n) = 0..n-1 sorted by key (n is a page of hits: insertion). */
static void sort_by(const int64_t *key, size_t n, size_t *order)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j && key[order[j - 1]] > key[i]; j--) order[j] = order[j - 1];
        order[j] = i;
    }
}

/* The hits whose texts_file offset is known: one pread each, no SQLite. */
static int hits_from_texts(sc_store *s, const int64_t *nums, const uint64_t *ats, const size_t *ord, size_t n,
                           int paid, sc_buf *rec, sc_store_hit_cb cb, void *ctx, sc_err *err)
{
    int rc = SC_OK;
    for (size_t k = 0; k < n && !rc; k++) {
        size_t i = ord[k];
        if (!ats[i]) continue;
        sc_doc d = {0};
        rc = sc_texts_read(s->texts, ats[i], nums[i], paid, rec, &d, err);
        if (!rc) rc = cb(ctx, i, &d);
    }
    return rc;
}

/* The other hits, from their rows, in one read transaction: one round of
** file locks instead of one per document. */
static int hits_from_rows(sc_store *s, const int64_t *nums, const uint64_t *ats, const size_t *ord, size_t n,
                          int paid, sc_buf *rec, sc_store_hit_cb cb, void *ctx, sc_err *err)
{
    conn *c = sc_st_borrow(s);
    if (!c) return sc_err_set(err, SC_EDB, "store: cannot open a reader");
    sqlite3_stmt *begin = sc_st_prep(c, "BEGIN"), *st = sc_st_prep(c, HIT_SQL[paid != 0]);
    int rc = SC_OK, in_tx = begin && sqlite3_step(begin) == SQLITE_DONE;
    sc_st_done(begin);
    if (!st) rc = sc_st_db_err(err, c->db, "get");
    sc_buf text = SC_BUF_INIT;
    for (size_t k = 0; k < n && !rc; k++) {
        size_t i = ord[k];
        if (ats && ats[i]) continue;
        sqlite3_bind_int64(st, 1, nums[i]);
        sc_doc d;
        int got = sqlite3_step(st) == SQLITE_ROW;
        if (got) rc = read_hit(s, st, nums[i], paid, rec, &text, &d, err);
        if (!rc) rc = cb(ctx, i, got ? &d : NULL);       /* while the row is there */
        sc_st_done(st);
    }
    sc_buf_free(&text);
    if (in_tx) {
        sqlite3_stmt *end = sc_st_prep(c, "COMMIT");
        if (!end || sqlite3_step(end) != SQLITE_DONE) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        sc_st_done(end);
    }
    sc_st_give_back(s, c);
    return rc;
}

int sc_store_each_hit(sc_store *s, const int64_t *nums, const uint64_t *ats, size_t n, int paid,
                      sc_store_hit_cb cb, void *ctx, sc_err *err)
{
    if (!n) return SC_OK;
    /* in ascending numbers: one hit's way down the B-tree warms the pages
       the next one passes, and records are in the file in number order */
    size_t *ord = malloc(n * sizeof *ord);
    if (!ord) return sc_err_set(err, SC_ENOMEM, "out of memory");
    sort_by(nums, n, ord);
    size_t from_rows = 0;
    for (size_t i = 0; i < n; i++) from_rows += !ats || !ats[i];
    sc_buf rec = SC_BUF_INIT;
    int rc = ats ? hits_from_texts(s, nums, ats, ord, n, paid, &rec, cb, ctx, err) : SC_OK;
    if (!rc && from_rows) rc = hits_from_rows(s, nums, ats, ord, n, paid, &rec, cb, ctx, err);
    sc_buf_free(&rec);
    free(ord);
    return rc;
}

int sc_store_check_text(sc_store *s, int64_t num, uint64_t text_at, sc_err *err)
{
    return sc_texts_check(s->texts, text_at, num, err);
}

char *sc_store_id_of(sc_store *s, int64_t num)
{
    conn *c = sc_st_borrow(s);
    char *id = c ? sc_st_lookup_str(c, "SELECT id FROM docs WHERE num = ?1", NULL, num) : NULL;
    sc_st_give_back(s, c);
    return id;
}

int64_t sc_store_num_of(sc_store *s, const char *id)
{
    conn *c = sc_st_borrow(s);
    int64_t n = c ? sc_st_lookup_num(c, "SELECT num FROM docs WHERE id = ?1", id) : -1;
    sc_st_give_back(s, c);
    return n;
}

int sc_store_list(sc_store *s, int64_t since, long limit, long offset,
                  sc_store_list_cb cb, void *ctx, sc_err *err)
{
    conn *c = sc_st_borrow(s);
    if (!c) return sc_err_set(err, SC_EDB, "store: cannot open a reader");
    sqlite3_stmt *st;
    int rc = SC_OK;
    /* newest first, until the first one added before since: added_at
    ** never decreases with num (sc_store_begin) */
    if (sqlite3_prepare_v2(c->db, "SELECT " LITE_COLS ", added_at FROM docs ORDER BY num DESC", -1, &st, NULL)
        != SQLITE_OK) {
        rc = sc_st_db_err(err, c->db, "list");
        sc_st_give_back(s, c);
        return rc;
    }
    long seen = 0;
    while (rc == SC_OK && (limit < 0 || seen < offset + limit) && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 18) < since) break;
        if (seen++ < offset) continue;
        sc_doc d = {0};
        read_meta(st, &d);
        rc = cb(ctx, &d, sqlite3_column_int64(st, 18));
        sc_doc_free(&d);
    }
    sqlite3_finalize(st);
    sc_st_give_back(s, c);
    return rc;
}

int sc_store_stats_get(sc_store *s, sc_store_stats *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    conn *c = sc_st_borrow(s);
    if (!c) return sc_err_set(err, SC_EDB, "store: cannot open a reader");
    sqlite3_stmt *st;
    int rc = SC_OK;
    if (sqlite3_prepare_v2(c->db, "SELECT count(*), coalesce(sum(chars),0) FROM docs", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            out->docs = (long)sqlite3_column_int64(st, 0);
            out->chars = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    } else rc = sc_st_db_err(err, c->db, "stats");
    if (!rc && sqlite3_prepare_v2(c->db, "SELECT doc_type, count(*), sum(chars) FROM docs GROUP BY doc_type"
                                  " ORDER BY count(*) DESC", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && out->n_types < 64) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            snprintf(out->by_type[out->n_types].name, sizeof out->by_type[0].name, "%s", t ? (const char *)t : "unknown");
            out->by_type[out->n_types].docs = (long)sqlite3_column_int64(st, 1);
            out->by_type[out->n_types].chars = sqlite3_column_int64(st, 2);
            out->n_types++;
        }
        sqlite3_finalize(st);
    }
    if (!rc && sqlite3_prepare_v2(c->db, "SELECT coalesce(year,0), count(*) FROM docs GROUP BY 1 ORDER BY 1 DESC",
                                  -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && out->n_years < 256) {
            out->by_year[out->n_years].year = sqlite3_column_int(st, 0);
            out->by_year[out->n_years].docs = (long)sqlite3_column_int64(st, 1);
            out->n_years++;
        }
        sqlite3_finalize(st);
    }
    sc_st_give_back(s, c);
    return rc;
}

