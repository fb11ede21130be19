/*
** clean_mask.c — restoring masked words (D written for 党).
**
** Material sites mask sensitive words with a Latin letter: every 党 becomes
** "D" (全面从严治D, D的二十大, 共产D人).  Restoring must not touch the real
** letter: 3D打印, DNA, D级, 维生素D, 世界杯D组 stay as written.
**
** One rule table decides.  The built-in rules are below (builtin_rules); a
** librarian can add rules in a text file (sc_cleaner_new's mask_rules_path)
** in the same format, one rule per line:
**
**     # a comment; blank lines are ignored
**     mask D 党          the letter D stands for the word 党
**     evidence D员       D in this context proves the document is masked
**     keep D级           D in this context is the real letter, never a mask
**
** A pattern holds the mask letter once (the first declared mask letter in it
** is the one the rule is about) and any text around it, matched literally.
**
** How a document is decided, per mask:
**   1. a candidate is the mask letter standing alone (no ASCII or full-width
**      letter or digit on either side; a run of up to three mask letters
**      counts as one) with a Han character on at least one side;
**   2. a document that already holds the word (党) is not masked: masking
**      replaces every occurrence, so its candidates are real letters;
**   3. a document is masked only if at least one candidate matches an
**      evidence rule (D员, D委, 共产D, 从严治D, D的二十 ...): news about the
**      世界杯D组 or 管道D线 has none, and stays untouched;
**   4. in a masked document every candidate is restored unless a keep rule
**      matches it (D级 stays D级 even in a masked document).
*/
#include "clean.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

enum { RULE_EVIDENCE = 1, RULE_KEEP = 2 };
#define MAX_MASKS 8

typedef struct mask_rule {
    int kind;
    int mask;            /* index into masks[] */
    char *pat;
    size_t len, at;      /* pattern bytes; offset of the mask letter in it */
} mask_rule;

struct sc_masks {
    struct { char letter; char word[16]; size_t word_len; } masks[MAX_MASKS];
    int n_masks;
    mask_rule *rules;
    size_t n_rules, cap_rules;
};

static const char *const builtin_rules[] = {
    "mask D 党",
    /* evidence: words that only exist with 党 in them */
    "evidence D员", "evidence D委", "evidence D组织", "evidence D建", "evidence D风",
    "evidence D史", "evidence D性", "evidence D章", "evidence D内", "evidence D校",
    "evidence D课", "evidence D费", "evidence D务", "evidence D政", "evidence D中央",
    "evidence D支部", "evidence D小组", "evidence D总支", "evidence D工委", "evidence D代会",
    "evidence D代表", "evidence D的领导", "evidence D的建设", "evidence D的十",
    "evidence D的二十", "evidence D的基本", "evidence D的事业", "evidence D的路线",
    "evidence D的方针", "evidence D的政策", "evidence D的纪律", "evidence D的全面领导",
    "evidence D和国家", "evidence D和人民", "evidence D和政府", "evidence D群",
    "evidence D纪", "evidence D规", "evidence D籍", "evidence D龄", "evidence D旗",
    "evidence D徽", "evidence D纲", "evidence D组书记", "evidence D组成员", "evidence D领导",
    "evidence D管", "evidence 共产D", "evidence 治D", "evidence 入D", "evidence 建D",
    "evidence 全D", "evidence 我D", "evidence 爱D", "evidence 国民D", "evidence 民主D",
    "evidence 执政D", "evidence 政D",
    /* keep: the real letter D beside Chinese (found in the corpora) */
    "keep D级", "keep D类", "keep D盘", "keep D字签证", "keep D线", "keep D星", "keep D卫星",
    "keep D型", "keep D座", "keep D轮", "keep D调", "keep D大调", "keep D小调", "keep D版",
    "keep D档", "keep D区", "keep D栋", "keep D口", "keep D端", "keep D股", "keep D键",
    "keep D厅", "keep D题", "keep D后缀", "keep D基因组", "keep D色", "keep 维生素D", "keep 号D", "keep 字母D", "keep 选D",
    "keep C、D", "keep C和D", "keep C或D", "keep 维D",
};

void sc_masks_free(sc_masks *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_rules; i++) free(m->rules[i].pat);
    free(m->rules);
    free(m);
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The index of the declared mask whose letter appears first in p, or -1. */
static int mask_in(const sc_masks *m, const char *p, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < m->n_masks; k++)
            if (p[i] == m->masks[k].letter) { *at = i; return k; }
    return -1;
}

int sc_masks_add_rule(sc_masks *m, const char *line, size_t n, sc_err *err)
{
    size_t i = 0;
    while (i < n && is_blank(line[i])) i++;
    while (n > i && is_blank(line[n - 1])) n--;
    if (i == n || line[i] == '#') return SC_OK;
    size_t kw = i;
    while (i < n && !is_blank(line[i])) i++;
    size_t kw_len = i - kw;
    while (i < n && is_blank(line[i])) i++;
    const char *arg = line + i;
    size_t arg_len = n - i;
    if (kw_len == 4 && !memcmp(line + kw, "mask", 4)) {
        /* mask LETTER WORD */
        if (arg_len < 3 || arg[0] < 'A' || arg[0] > 'Z' || !is_blank(arg[1]))
            return sc_err_set(err, SC_EINVAL, "mask rule needs an upper-case letter and a word: %.*s", (int)n, line);
        const char *w = arg + 1;
        size_t wl = arg_len - 1;
        while (wl && is_blank(*w)) { w++; wl--; }
        if (!wl || wl >= sizeof m->masks[0].word)
            return sc_err_set(err, SC_EINVAL, "mask rule word missing or too long: %.*s", (int)n, line);
        if (sc_utf8_check(w, wl) != wl)
            return sc_err_set(err, SC_EINVAL, "mask rule word is not UTF-8");
        int k;
        for (k = 0; k < m->n_masks && m->masks[k].letter != arg[0]; k++) {}
        if (k == m->n_masks) {
            if (m->n_masks == MAX_MASKS) return sc_err_set(err, SC_ELIMIT, "more than %d masks", MAX_MASKS);
            m->n_masks++;
        }
        m->masks[k].letter = arg[0];
        memcpy(m->masks[k].word, w, wl);
        m->masks[k].word[wl] = 0;
        m->masks[k].word_len = wl;
        return SC_OK;
    }
    int kind = kw_len == 8 && !memcmp(line + kw, "evidence", 8) ? RULE_EVIDENCE
             : kw_len == 4 && !memcmp(line + kw, "keep", 4) ? RULE_KEEP : 0;
    if (!kind) return sc_err_set(err, SC_EINVAL, "unknown mask rule (want mask, evidence or keep): %.*s", (int)n, line);
    if (sc_utf8_check(arg, arg_len) != arg_len)
        return sc_err_set(err, SC_EINVAL, "mask rule is not UTF-8");
    size_t at;
    int k = mask_in(m, arg, arg_len, &at);
    if (k < 0) return sc_err_set(err, SC_EINVAL, "mask rule names no declared mask letter: %.*s", (int)n, line);
    if (m->n_rules == m->cap_rules) {
        size_t cap = m->cap_rules ? m->cap_rules * 2 : 128;
        mask_rule *r = realloc(m->rules, cap * sizeof *r);
        if (!r) return sc_err_set(err, SC_ENOMEM, "out of memory");
        m->rules = r;
        m->cap_rules = cap;
    }
    char *pat = sc_strndup(arg, arg_len);
    if (!pat) return sc_err_set(err, SC_ENOMEM, "out of memory");
    m->rules[m->n_rules++] = (mask_rule){kind, k, pat, arg_len, at};
    return SC_OK;
}

/* Reads a librarian's rule file; errors name the file and line. */
static int load_file(sc_masks *m, const char *path, sc_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return sc_err_set(err, SC_EIO, "%s: cannot open mask rules", path);
    char line[1024];
    int rc = SC_OK;
    long no = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        no++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') n--;
        rc = sc_masks_add_rule(m, line, n, err);
        if (rc) sc_err_prefix(err, "%s:%ld", path, no);
    }
    fclose(f);
    return rc;
}

int sc_masks_new(const char *extra_path, sc_masks **out, sc_err *err)
{
    *out = NULL;
    sc_masks *m = calloc(1, sizeof *m);
    if (!m) return sc_err_set(err, SC_ENOMEM, "out of memory");
    int rc = SC_OK;
    for (size_t i = 0; !rc && i < sizeof builtin_rules / sizeof *builtin_rules; i++)
        rc = sc_masks_add_rule(m, builtin_rules[i], strlen(builtin_rules[i]), err);
    if (!rc && extra_path && *extra_path) rc = load_file(m, extra_path, err);
    if (rc) { sc_masks_free(m); return rc; }
    *out = m;
    return SC_OK;
}

/* ---- deciding ---------------------------------------------------------- */

static int is_alnum_cp(int32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
           (cp >= 0xFF41 && cp <= 0xFF5A);
}

/* The code point ending just before s[p], or -1 at the start. */
static int32_t prev_cp(const char *s, size_t p)
{
    if (p == 0) return -1;
    size_t i = p - 1;
    while (i > 0 && p - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    size_t j = i;
    return sc_utf8_next(s, p, &j);
}

static int32_t next_cp(const char *s, size_t n, size_t p)
{
    if (p >= n) return -1;
    size_t j = p;
    return sc_utf8_next(s, n, &j);
}

/* A lone mask letter at s[p] with a Han neighbour.  A run of up to three
** mask letters counts as one unit ("该DD员" is 该党党员), so the neighbours
** checked are those of the run. */
static int is_candidate(const char *s, size_t n, size_t p)
{
    size_t a = p, b = p + 1;
    while (a > 0 && s[a - 1] == s[p] && p - a < 2) a--;
    while (b < n && s[b] == s[p] && b - a < 3) b++;
    int32_t before = prev_cp(s, a), after = next_cp(s, n, b);
    if (is_alnum_cp(before) || is_alnum_cp(after)) return 0;
    return (before > 0 && sc_is_han((uint32_t)before)) || (after > 0 && sc_is_han((uint32_t)after));
}

static int rule_matches(const mask_rule *r, const char *s, size_t n, size_t p)
{
    if (p < r->at || p - r->at + r->len > n) return 0;
    return !memcmp(s + p - r->at, r->pat, r->len);
}

static int any_rule(const sc_masks *m, int mask, int kind, const char *s, size_t n, size_t p)
{
    for (size_t i = 0; i < m->n_rules; i++)
        if (m->rules[i].kind == kind && m->rules[i].mask == mask && rule_matches(&m->rules[i], s, n, p))
            return 1;
    return 0;
}

/* Whether mask k is in force in s (steps 2 and 3 of the header). */
static int is_masked(const sc_masks *m, int k, const char *s, size_t n)
{
    if (memmem(s, n, m->masks[k].word, m->masks[k].word_len)) return 0;
    for (const char *p = memchr(s, m->masks[k].letter, n); p; p = memchr(p + 1, m->masks[k].letter, n - (size_t)(p - s) - 1)) {
        size_t i = (size_t)(p - s);
        if (is_candidate(s, n, i) && any_rule(m, k, RULE_EVIDENCE, s, n, i)) return 1;
        if (i + 1 >= n) break;
    }
    return 0;
}

int sc_masks_restore(const sc_masks *m, const char *s, size_t n, sc_buf *out, size_t *pos)
{
    int active[MAX_MASKS] = {0}, any = 0;
    for (int k = 0; k < m->n_masks; k++) any |= active[k] = is_masked(m, k, s, n);
    size_t base = out->len;
    size_t in_pos = pos ? *pos : SIZE_MAX;
    if (!any) {
        sc_buf_add(out, s, n);
        if (pos && in_pos <= n) *pos = base + in_pos;
        return 0;
    }
    int restored = 0;
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == in_pos) *pos = out->len + (i - from);
        int k;
        for (k = 0; k < m->n_masks && !(active[k] && s[i] == m->masks[k].letter); k++) {}
        if (k == m->n_masks) continue;
        if (!is_candidate(s, n, i) || any_rule(m, k, RULE_KEEP, s, n, i)) continue;
        sc_buf_add(out, s + from, i - from);
        sc_buf_add(out, m->masks[k].word, m->masks[k].word_len);
        from = i + 1;
        restored++;
    }
    if (in_pos == n) *pos = out->len + (n - from);
    sc_buf_add(out, s + from, n - from);
    return restored;
}
