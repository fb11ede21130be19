/*
** doc.h — the two shapes a document takes on its way into the library.
**
**   file --read--> sc_raw --clean--> sc_doc --describe--> sc_doc --store/index
**
** sc_raw is what a reader recovered from one file (or one JSONL line): valid
** UTF-8 lines separated by '\n', no CR, no NUL, markers and masks still in.
** sc_doc is the clean, described document.  Its text is the clean text: the
** title, '\n', then the paragraphs joined by '\n'; the first free_len bytes
** are the free preview, the rest is the paid part.  Both structs own every
** pointer they hold; free them with sc_raw_free() / sc_doc_free().
*/
#ifndef SC_DOC_H
#define SC_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sc_raw {
    char *text;            /* UTF-8 lines, '\n'-separated, NUL-terminated */
    size_t len;            /* bytes in text */
    const char *format;    /* static: "txt", "docx", "doc", "jsonl" */
    const char *encoding;  /* static: "utf-8", "utf-8-bom", "utf-16le", "gb18030", ... */
    char *title;           /* a title the container states (JSONL, docx), or NULL */
    char *id, *date, *source, *url; /* JSONL fields, or NULL */
    long line;             /* JSONL line number, else 0 */
} sc_raw;

void sc_raw_free(sc_raw *r);   /* frees members, not r itself */

enum { SC_HEAD_NONE = 0, SC_HEAD_1, SC_HEAD_2, SC_HEAD_3, SC_HEAD_4,
       SC_HEAD_CHAPTER, SC_HEAD_ARTICLE };

typedef struct sc_heading {
    int level;            /* 1 一、 2 （一） 3 1. 4 （1）; 第X章 = 1, 第X条 = 2 when both */
    int kind;             /* SC_HEAD_* : which pattern matched */
    size_t offset;        /* byte offset of the heading line in sc_doc.text */
    char *text;           /* the heading line */
} sc_heading;

typedef struct sc_doc {
    char *id;             /* external id; NULL until the store assigns one */
    char *title;
    char *text;           /* clean text: title '\n' body */
    size_t len;           /* bytes in text */
    size_t free_len;      /* bytes of text a visitor may read (<= len, at a char boundary) */
    bool has_paywall;     /* the raw text carried ##paidbegin## */
    char *removed;        /* lines cleaning removed, '\n'-separated ("" if none) */
    int masks_restored;   /* how many masked words were restored */

    /* describe.c fills these */
    int year;             /* 0 = unknown */
    char *doc_type;       /* "工作总结", ..., "unknown" */
    char *issuer;         /* NULL if not stated */
    char *date;           /* "YYYY-MM-DD" or "YYYY" or NULL */
    char *source, *url;   /* from JSONL, or the chrome line, or NULL */
    char *file;           /* the file name it came from */
    size_t chars;         /* code points in text */
    size_t free_chars;    /* code points in text[0..free_len) */
    char hash[65];        /* sha256 of text, hex */
    uint64_t simhash;     /* 64-bit simhash of the body, for near-duplicates */
    sc_heading *outline;
    size_t n_outline;

    uint64_t text_at;     /* where the store's texts file holds the text (store_texts.h), 0 = not there */
} sc_doc;

void sc_doc_free(sc_doc *d);   /* frees members, not d itself */

/* strdup that survives NULL. Returns a malloc'd copy or NULL. */
char *sc_strdup(const char *s);
char *sc_strndup(const char *s, size_t n);

/* The title a reader below member may see, given the stored title and the
** document's free share (its text starts with the title line, and a
** paywall marker may sit inside it): the first free_chars code points when
** the title runs into the paid part, else the title itself.  Caller frees;
** NULL when out of memory. */
char *sc_title_public(const char *title, size_t free_chars);

#endif
