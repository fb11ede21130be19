/*
** clean.h — cleaning: a raw document in, the clean text out.
**
** Stages, each in its own file:
**   clean_paywall.c      ##paidbegin## / ##paidend## -> free_len, drop the tail
**   clean_mask.c         restore masked words (D -> 党) from one rule table
**   clean_boilerplate.c  promotional footers and site chrome: learned from the
**                        library (lines recurring across documents) plus
**                        patterns of contact details; removed lines are kept
**                        in sc_doc.removed for the librarian
**   clean.c              the pipeline: lines, title, paragraphs
** What a member reads keeps the author's characters: cleaning removes and
** restores, it does not normalise (search normalisation is normalize.c).
*/
#ifndef SC_CLEAN_H
#define SC_CLEAN_H

#include "doc.h"
#include "error.h"

/* What cleaning knows beyond one document: the boilerplate learned so far
** and the mask rules.  Owned by the library; one per writer. */
typedef struct sc_cleaner sc_cleaner;

/* Creates a cleaner.  db is the library's sqlite3 handle (may be NULL for a
** cleaner that learns only in memory, as tests and fuzzers use); the cleaner
** creates and owns its own tables in it.  mask_rules_path names an optional
** librarian's extra rule file (may be NULL). */
int sc_cleaner_new(void *db, const char *mask_rules_path, sc_cleaner **out, sc_err *err);
void sc_cleaner_free(sc_cleaner *c);

/* Default share of a document without paywall marker that stays free,
** in percent (100 = all free, the default). */
void sc_cleaner_set_default_preview(sc_cleaner *c, int percent);

/* Learning pass: shows the cleaner the raw documents of a batch before any is
** cleaned, so that a footer seen in many files of one batch is recognised in
** all of them.  Optional; call for each raw before sc_clean. */
void sc_cleaner_observe(sc_cleaner *c, const sc_raw *raw);

/* Persists what was observed (inside the caller's transaction). */
int sc_cleaner_save(sc_cleaner *c, sc_err *err);

/* Cleans raw into doc: fills title, text, len, free_len, has_paywall,
** removed, masks_restored.  doc must be zeroed; on error it is left empty. */
int sc_clean(sc_cleaner *c, const sc_raw *raw, sc_doc *doc, sc_err *err);

/* ---- the stages, for the pipeline and for tests ------------------------ */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* True for the characters Python's str.strip() removes (ASCII whitespace,
** U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028/9, U+202F, U+205F, U+3000);
** U+200B and U+FEFF are not whitespace. */
bool sc_clean_is_space(uint32_t cp);

/* Narrows s[*a..*b) to drop surrounding whitespace (sc_clean_is_space). */
void sc_clean_trim(const char *s, size_t *a, size_t *b);

/* clean_paywall.c: copies text[0..n) into out without the ##paidbegin##
** markers and without everything from the first ##paidend## on (appended to
** after, when after is not NULL).  *cut is the byte offset in out where the
** first ##paidbegin## stood, or SIZE_MAX.  Returns 1 when a ##paidbegin##
** was found, else 0.  Markers match ASCII case-insensitively. */
int sc_paywall_split(const char *text, size_t n, sc_buf *out, size_t *cut, sc_buf *after);

/* clean_mask.c: the mask rule table.  Built-in rules plus, optionally, a
** librarian's file in the same format (see clean_mask.c). */
typedef struct sc_masks sc_masks;
int sc_masks_new(const char *extra_path, sc_masks **out, sc_err *err);
void sc_masks_free(sc_masks *m);
/* Adds one rule line ("keep D级"); SC_EINVAL with a message if malformed. */
int sc_masks_add_rule(sc_masks *m, const char *line, size_t n, sc_err *err);
/* Restores the masks of s[0..n) into out (appended).  Decides per document
** whether s is masked at all (see clean_mask.c).  If pos is not NULL, *pos
** is a byte offset into s on entry and the matching offset in the appended
** text on return.  Returns the number of masked words restored. */
int sc_masks_restore(const sc_masks *m, const char *s, size_t n, sc_buf *out, size_t *pos);

/* clean_boilerplate.c: promotional footers and site chrome. */
typedef struct sc_boiler sc_boiler;
int sc_boiler_new(void *db, sc_boiler **out, sc_err *err);
void sc_boiler_free(sc_boiler *b);
/* Counts the lines of the detached tail block of text (see the file). */
void sc_boiler_observe(sc_boiler *b, const char *text, size_t n);
int sc_boiler_save(sc_boiler *b, sc_err *err);
/* 1 when the line was seen in the tail of >= 3 distinct documents. */
int sc_boiler_learned(sc_boiler *b, const char *line, size_t n);
/* 1 for promotional / contact lines, 1 for site chrome lines. */
int sc_boiler_is_promo(const char *line, size_t n);
int sc_boiler_is_chrome(const char *line, size_t n);
/* The source a chrome line names ("来源：区委办公室　..."), malloc'd, or NULL. */
char *sc_boiler_chrome_source(const char *line, size_t n);
/* The first date YYYY-MM-DD a chrome line states, malloc'd, or NULL. */
char *sc_boiler_chrome_date(const char *line, size_t n);

#endif
