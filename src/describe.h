/*
** describe.h — what a clean document is: year, type, issuer, outline, size,
** content hash and simhash (for near-duplicates).
**
**   describe_meta.c     year, document type, issuer/region, date
**   describe_outline.c  heading levels: 一、 （一） 1. （1） 第X章 第X条
**   describe_hash.c     sha256 of the text, 64-bit simhash of the body
*/
#ifndef SC_DESCRIBE_H
#define SC_DESCRIBE_H

#include "doc.h"
#include "error.h"

/* Fills year, doc_type, issuer, date (if not already set), chars,
** free_chars, hash, simhash and the outline of a cleaned doc. */
int sc_describe(sc_doc *doc, sc_err *err);

/* The parts of sc_describe, for tests: each reads doc->text/title. */
int sc_describe_outline(sc_doc *doc, sc_err *err);
int sc_describe_year(const sc_doc *doc);            /* 0 = unknown */
const char *sc_describe_type(const sc_doc *doc);    /* static string */
char *sc_describe_issuer(const sc_doc *doc);        /* malloc'd, or NULL */
void sc_describe_hash(sc_doc *doc);

/* 64-bit simhash of s[0..n) (see describe_hash.c). */
uint64_t sc_simhash(const char *s, size_t n);

/* Number of differing bits between two simhashes. */
int sc_simhash_distance(uint64_t a, uint64_t b);

/* Two simhashes at or below this distance are the same material. */
#define SC_NEAR_DUP_BITS 3

#endif
