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

#endif
