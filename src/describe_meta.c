/*
** describe_meta.c — what a document is: year, type, issuer, date; and
** sc_describe, which fills every field of describe.h in one call.
**
** year:    a 19xx/20xx year in the title ("2023年…", "（2018修正）"), else the
**          first "YYYY年M月" in the first 2000 bytes of the body, else the
**          first "YYYY年" there, else the year of doc->date.
** type:    the title keyword that ends last (after dropping 《…》 and trailing
**          brackets, so "…实施《…法》办法" is 法规 and "…的讲话》单行本出版"
**          is not a speech): 工作总结 讲话 工作报告 实施方案 方案 心得体会
**          通知 通报 意见 计划 法规 (条例 办法 规定 细则 规则 决定 决议
**          解释 章程 准则, or a title ending in 法); else the structure:
**          two or more 第X条 → 法规; a body opening "同志们"/"各位代表" →
**          讲话; a news lead (新华社, 本报讯, 消息：, 新闻联播, a body that
**          opens with the day "3月5日，") or a source
**          naming news → 新闻; else "unknown".
** issuer:  the organ before 关于 in the title (国务院关于…), else a region
**          at the start of the title (河南省…条例), else a central organ the
**          title names (a town 石门镇 counts at the title's start, after an
**          optional 在), else the first region stated in the first three body
**          paragraphs ("今年以来，阳泉市郊区以…" → 阳泉市郊区).  A region is
**          2-4 Han characters + 省/市/县/区/州/盟/旗 (or 自治区/州/县),
**          optionally followed by 1-4 characters + 市/区/县/镇/乡.
** date:    the first full date "YYYY年M月D日" in the first three body lines,
**          as YYYY-MM-DD, unless the doc already has one.
*/
#include "describe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* ---- small scanners --------------------------------------------------- */

static int digit(char c) { return c >= '0' && c <= '9'; }

/* The first i' >= i with an ASCII digit at s[i'], or n.  Eight bytes at a
** time: a year is looked for in the first 2000 bytes of every body, twice,
** and in Chinese text a digit is rare (3 % of a news import went to the
** byte-by-byte scan).  The test is exact per byte (Bit Twiddling Hacks'
** hasbetween: no carries across bytes). */
static size_t next_digit(const char *s, size_t n, size_t i)
{
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F * ones, high = 0x80 * ones;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t t = x & low7;                    /* '0' - 1 < byte < '9' + 1 */
        uint64_t hit = ((127 + 0x3A) * ones - t) & ~x & (t + (127 - 0x2F) * ones) & high;
        if (hit) return i + (size_t)__builtin_ctzll(hit) / 8;
    }
    while (i < n && !digit(s[i])) i++;
    return i;
}

static const char NIAN[] = "\xe5\xb9\xb4";   /* 年 */
static const char YUE[] = "\xe6\x9c\x88";    /* 月 */
static const char RI[] = "\xe6\x97\xa5";     /* 日 */

/* A 4-digit year 1900-2099 at s[i] not inside a longer number, or 0. */
static int year_at(const char *s, size_t n, size_t i)
{
    if (i + 4 > n || (i > 0 && digit(s[i - 1]))) return 0;
    for (int k = 0; k < 4; k++) if (!digit(s[i + k])) return 0;
    if (i + 4 < n && digit(s[i + 4])) return 0;
    int y = (s[i] - '0') * 1000 + (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
    return y >= 1900 && y <= 2099 ? y : 0;
}

/* 1-2 digits at s[*i] followed by `unit`; advances past the unit. */
static int number_unit(const char *s, size_t n, size_t *i, const char *unit)
{
    size_t j = *i;
    int v = 0, k = 0;
    while (j < n && digit(s[j]) && k < 2) { v = v * 10 + (s[j++] - '0'); k++; }
    if (!k || j + 3 > n || memcmp(s + j, unit, 3)) return 0;
    *i = j + 3;
    return v;
}

/* Mode 0: any standalone year; 1: "YYYY年"; 2: "YYYY年M月"; 3: full date
** (fills *mo, *da).  Returns the first year found, or 0. */
static int find_year(const char *s, size_t n, int mode, int *mo, int *da)
{
    for (size_t i = next_digit(s, n, 0); i + 4 <= n; i = next_digit(s, n, i + 1)) {
        int y = year_at(s, n, i);
        if (!y) continue;
        if (mode == 0) return y;
        if (i + 7 > n || memcmp(s + i + 4, NIAN, 3)) continue;
        if (mode == 1) return y;
        size_t j = i + 7;
        int m = number_unit(s, n, &j, YUE);
        if (m < 1 || m > 12) continue;
        if (mode == 2) return y;
        int d = number_unit(s, n, &j, RI);
        if (d < 1 || d > 31) continue;
        *mo = m;
        *da = d;
        return y;
    }
    return 0;
}

/* Start and end of the body (after the title line). */
static void body_of(const sc_doc *d, size_t *a, size_t *b)
{
    const char *nl = memchr(d->text, '\n', d->len);
    *a = nl ? (size_t)(nl - d->text) + 1 : d->len;
    *b = d->len;
}

/* End of the first `k` lines of the body starting at a. */
static size_t lines_end(const sc_doc *d, size_t a, int k)
{
    size_t p = a;
    while (k-- > 0 && p < d->len) {
        const char *nl = memchr(d->text + p, '\n', d->len - p);
        p = nl ? (size_t)(nl - d->text) + 1 : d->len;
    }
    return p;
}

/* ---- year --------------------------------------------------------------- */

int sc_describe_year(const sc_doc *d)
{
    int mo, da;
    const char *t = d->title ? d->title : "";
    size_t tn = strlen(t);
    int y = find_year(t, tn, 1, &mo, &da);
    if (!y) y = find_year(t, tn, 0, &mo, &da);
    if (y) return y;
    size_t a, b;
    body_of(d, &a, &b);
    size_t lim = b - a > 2000 ? 2000 : b - a;
    if ((y = find_year(d->text + a, lim, 2, &mo, &da))) return y;
    if ((y = find_year(d->text + a, lim, 1, &mo, &da))) return y;
    if (d->date) return find_year(d->date, strlen(d->date), 0, &mo, &da);
    return 0;
}

/* ---- type --------------------------------------------------------------- */

typedef struct kw { const char *word; const char *type; } kw;

static const kw type_words[] = {
    {"工作总结", "工作总结"}, {"总结", "工作总结"}, {"述职报告", "工作总结"},
    {"讲话", "讲话"}, {"讲话稿", "讲话"}, {"致辞", "讲话"}, {"发言", "讲话"}, {"演讲", "讲话"},
    {"工作报告", "工作报告"}, {"报告", "工作报告"},
    {"实施方案", "实施方案"}, {"方案", "方案"},
    {"心得体会", "心得体会"}, {"心得", "心得体会"}, {"体会", "心得体会"}, {"感悟", "心得体会"},
    {"读后感", "心得体会"}, {"观后感", "心得体会"},
    {"通知", "通知"}, {"公告", "通知"}, {"通告", "通知"}, {"通报", "通报"},
    {"意见", "意见"}, {"计划", "计划"}, {"规划", "计划"}, {"工作要点", "计划"},
    {"条例", "法规"}, {"办法", "法规"}, {"规定", "法规"}, {"细则", "法规"}, {"规则", "法规"},
    {"决定", "法规"}, {"决议", "法规"}, {"解释", "法规"}, {"章程", "法规"}, {"准则", "法规"},
    {"新闻", "新闻"},
};

/* The title without 《…》 and without trailing （…）/(…); malloc'd. */
static char *bare_title(const char *t)
{
    size_t n = strlen(t);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0;
    int depth = 0;
    for (size_t i = 0; i < n;) {
        if (i + 3 <= n && !memcmp(t + i, "\xe3\x80\x8a", 3)) { depth++; i += 3; continue; }   /* 《 */
        if (i + 3 <= n && !memcmp(t + i, "\xe3\x80\x8b", 3)) { if (depth) depth--; i += 3; continue; } /* 》 */
        if (!depth) out[o++] = t[i];
        i++;
    }
    out[o] = 0;
    for (;;) {   /* drop trailing bracket groups and spaces */
        while (o && out[o - 1] == ' ') out[--o] = 0;
        char *open = NULL;
        if (o >= 3 && !memcmp(out + o - 3, "\xef\xbc\x89", 3))    /* （…） */
            for (char *p = out; (p = strstr(p, "\xef\xbc\x88")); p++) open = p;
        else if (o && out[o - 1] == ')') open = strrchr(out, '(');
        if (!open || open == out) break;
        o = (size_t)(open - out);
        out[o] = 0;
    }
    return out;
}

static int starts_with(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && !memcmp(s, p, k);
}

const char *sc_describe_type(const sc_doc *d)
{
    char *t = bare_title(d->title ? d->title : "");
    const char *best = NULL;
    size_t best_end = 0, best_len = 0;
    if (t) {
        size_t n = strlen(t);
        /* every word at every place, in one pass over the title (a strstr
        ** per word was 2.5 % of an import of short poems); the one that
        ** ends last wins, the longer at the same end */
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < sizeof type_words / sizeof *type_words; k++) {
                const char *w = type_words[k].word;
                if (t[i] != w[0]) continue;
                size_t wl = strlen(w), end = i + wl;
                if (end <= n && !memcmp(t + i, w, wl) &&
                    (end > best_end || (end == best_end && wl > best_len))) {
                    best = type_words[k].type;
                    best_end = end;
                    best_len = wl;
                }
            }
        if (n >= 3 && !memcmp(t + n - 3, "\xe6\xb3\x95", 3) && best_end < n) best = "法规";   /* …法 */
        free(t);
    }
    if (best) return best;
    int articles = 0;
    for (size_t i = 0; i < d->n_outline; i++) articles += d->outline[i].kind == SC_HEAD_ARTICLE;
    if (articles >= 2) return "法规";
    size_t a, b;
    body_of(d, &a, &b);
    const char *s = d->text + a;
    size_t first = lines_end(d, a, 1) - a;
    if (starts_with(s, first, "同志们") || starts_with(s, first, "各位代表") ||
        starts_with(s, first, "各位领导") || starts_with(s, first, "尊敬的"))
        return "讲话";
    size_t lead = first > 120 ? 120 : first;
    if (memmem(s, lead, "新华社", 9) || memmem(s, lead, "本报讯", 9) || memmem(s, lead, "新闻联播", 12) ||
        memmem(s, lead, "消息：", 9) || memmem(s, lead, "消息(", 7) || memmem(s, lead, "记者", 6))
        return "新闻";
    /* a news lead opens with the day: "3月5日，…" or "5月1日电" */
    size_t j = 0;
    int mo = 0, da = 0;
    while (j < first && digit(s[j]) && j < 2) mo = mo * 10 + (s[j++] - '0');
    if (mo >= 1 && mo <= 12 && j + 3 <= first && !memcmp(s + j, YUE, 3)) {
        j += 3;
        size_t k = j;
        while (k < first && digit(s[k]) && k - j < 2) da = da * 10 + (s[k++] - '0');
        if (da >= 1 && da <= 31 && k + 3 <= first && !memcmp(s + k, RI, 3) &&
            (starts_with(s + k + 3, first - k - 3, "，") || starts_with(s + k + 3, first - k - 3, "电")))
            return "新闻";
    }
    if (d->source && (strstr(d->source, "news") || strstr(d->source, "新闻"))) return "新闻";
    return "unknown";
}

/* ---- issuer ------------------------------------------------------------- */

/* Characters that cannot be part of a place name (function words, generic
** words that precede a suffix in ordinary prose), and those that after a
** suffix make an ordinary word (市场, 区域, 市民 ...).  Looked up for every
** character a region is tried at, so kept as bitmaps over U+4E00..U+9FFF,
** where all of them lie. */
static const char STOPS[] = "的和在了是为对与及等全各本我该其这那每以于从向把被将让由并或而且也都就还要会能可不没有个之城省市县区州旗盟镇乡该此";
static const char COMPOUND[] = "域场民值长级属情块间别分位里面政容价井";
#define HAN_LO 0x4E00
#define HAN_HI 0xA000
static uint8_t stop_bits[(HAN_HI - HAN_LO) / 8], compound_bits[(HAN_HI - HAN_LO) / 8];
static pthread_once_t bits_once = PTHREAD_ONCE_INIT;

static void set_bits(uint8_t *bits, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int32_t cp = sc_utf8_next(s, n, &i);
        if (cp >= HAN_LO && cp < HAN_HI) bits[(cp - HAN_LO) >> 3] |= (uint8_t)(1u << ((cp - HAN_LO) & 7));
    }
}

static void make_bits(void)
{
    set_bits(stop_bits, STOPS);
    set_bits(compound_bits, COMPOUND);
}

static int in_bits(const uint8_t *bits, int32_t cp)
{
    pthread_once(&bits_once, make_bits);
    return cp >= HAN_LO && cp < HAN_HI && (bits[(cp - HAN_LO) >> 3] >> ((cp - HAN_LO) & 7) & 1);
}

static int stop_char(int32_t cp)
{
    if (cp < 0x80 || !sc_is_han((uint32_t)cp)) return 1;
    return in_bits(stop_bits, cp);
}

static int compound_after(int32_t cp) { return cp >= 0x80 && in_bits(compound_bits, cp); }

static const char *const first_suffix[] = {"自治区", "自治州", "自治县", "省", "市", "县", "区", "州", "盟", "旗", NULL};
static const char *const next_suffix[] = {"市", "区", "县", "镇", "乡", "街道", NULL};
/* at the start of a title a town is an issuer too (石门镇人民政府…) */
static const char *const title_suffix[] = {"自治区", "自治州", "自治县", "省", "市", "县", "区", "州", "盟", "旗",
                                           "镇", "乡", "街道", NULL};

/* Matches name{min..max} + one of suffixes at s[i]; returns the end or 0. */
static size_t match_part(const char *s, size_t n, size_t i, int min, int max, const char *const *suffixes)
{
    size_t p = i;
    for (int k = 1; k <= max && p < n; k++) {
        size_t q = p;
        int32_t cp = sc_utf8_next(s, n, &q);
        if (stop_char(cp)) {
            /* the name ends here: does a suffix follow? */
            if (k - 1 < min) return 0;
            break;
        }
        p = q;
        if (k < min) continue;
        if (p + 3 > n) continue;       /* every suffix is at least one Han character */
        for (const char *const *sf = suffixes; *sf; sf++) {
            if (memcmp(s + p, *sf, 3)) continue;        /* first character first: cheap */
            size_t sl = strlen(*sf);
            if (p + sl <= n && !memcmp(s + p, *sf, sl)) {
                size_t e = p + sl, t = e;
                int32_t after = t < n ? sc_utf8_next(s, n, &t) : -1;
                if (!compound_after(after)) return e;
            }
        }
    }
    return 0;
}

/* A region at s[i] (see the header); returns its end or 0. */
static size_t region_at(const char *s, size_t n, size_t i, int in_title)
{
    size_t e = match_part(s, n, i, 2, 4, in_title ? title_suffix : first_suffix);
    if (!e) return 0;
    size_t e2 = match_part(s, n, e, 1, 4, next_suffix);
    return e2 ? e2 : e;
}

/* The first byte at or after from where a first_suffix can begin (自 of
** 自治区/州/县, or 省 市 县 区 州 盟 旗), or n. */
static size_t suffix_from(const char *s, size_t n, size_t from)
{
    static const char starts[][3] = {"\xE8\x87\xAA", "\xE7\x9C\x81", "\xE5\xB8\x82", "\xE5\x8E\xBF",
                                     "\xE5\x8C\xBA", "\xE5\xB7\x9E", "\xE7\x9B\x9F", "\xE6\x97\x97"};
    for (size_t p = from; p + 3 <= n; p++) {
        unsigned char c = (unsigned char)s[p];
        if (c < 0xE5 || c > 0xE8) continue;
        for (size_t k = 0; k < sizeof starts / sizeof *starts; k++)
            if (!memcmp(s + p, starts[k], 3)) return p;
    }
    return n;
}

/* The first region in s[0..n) that starts at a boundary; malloc'd or NULL.
** In the body a start is tried only when a suffix begins 2 to 4 Han
** characters (6 to 16 bytes) after it, as every region's does: trying
** every boundary was 2 % of an import. */
static char *find_region(const char *s, size_t n, int only_at_start)
{
    int32_t prev = -1;
    size_t q = only_at_start ? 0 : suffix_from(s, n, 0);
    for (size_t i = 0; i < n;) {
        int boundary = prev < 0 || !sc_is_han((uint32_t)prev) ||
                       (i >= 6 && !memcmp(s + i - 6, "中共", 6));
        if (!only_at_start) {
            if (q == n) return NULL;
            while (q < i + 6 && q < n) q = suffix_from(s, n, q + 1);
            if (q > i + 16) boundary = 0;
        }
        if (boundary) {
            size_t e = region_at(s, n, i, only_at_start);
            if (e) return sc_strndup(s + i, e - i);
        }
        if (only_at_start) return NULL;
        prev = sc_utf8_next(s, n, &i);
    }
    return NULL;
}

static int organ_char(const char *p)
{
    static const char *const ends[] = {"院", "部", "委", "局", "厅", "会", "办", "府", "室", "署", "处",
                                       "央", "组", "团", "社", "议", NULL};
    for (const char *const *e = ends; *e; e++) if (!memcmp(p, *e, 3)) return 1;
    return 0;
}

char *sc_describe_issuer(const sc_doc *d)
{
    const char *t = d->title ? d->title : "";
    size_t tn = strlen(t);
    /* strip a leading year: "2023年…" */
    if (tn >= 7 && year_at(t, tn, 0) && !memcmp(t + 4, NIAN, 3)) { t += 7; tn -= 7; }
    const char *guan = memmem(t, tn, "关于", 6);
    if (guan && guan > t) {
        size_t pl = (size_t)(guan - t);
        if (pl >= 6 && sc_utf8_count(t, pl) <= 30 && organ_char(guan - 3)) return sc_strndup(t, pl);
    }
    if (tn > 3 && !memcmp(t, "在", 3)) { t += 3; tn -= 3; }   /* 在…会议上的讲话 */
    char *r = find_region(t, tn, 1);
    if (r) return r;
    static const char *const organs[] = {"全国人民代表大会常务委员会", "全国人民代表大会", "国务院",
                                         "最高人民法院", "最高人民检察院", "中共中央", "中央军委", NULL};
    for (const char *const *o = organs; *o; o++)
        if (memmem(t, tn, *o, strlen(*o))) return strdup(*o);
    size_t a, b;
    body_of(d, &a, &b);
    size_t e = lines_end(d, a, 3);
    return find_region(d->text + a, e - a, 0);
}

/* ---- all of it ---------------------------------------------------------- */

static int set_str(char **dst, const char *src, sc_err *err)
{
    free(*dst);
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? sc_err_set(err, SC_ENOMEM, "out of memory") : SC_OK;
}

int sc_describe(sc_doc *d, sc_err *err)
{
    if (!d->text) return sc_err_set(err, SC_EINVAL, "describe: document has no text");
    d->chars = sc_utf8_count(d->text, d->len);
    d->free_chars = sc_utf8_count(d->text, d->free_len);
    sc_describe_hash(d);
    int rc = sc_describe_outline(d, err);
    if (rc) return rc;
    if (!d->date) {
        size_t a, b;
        body_of(d, &a, &b);
        int mo = 0, da = 0;
        int y = find_year(d->text + a, lines_end(d, a, 3) - a, 3, &mo, &da);
        if (y) {
            char buf[16];
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, da);
            if ((rc = set_str(&d->date, buf, err))) return rc;
        }
    }
    d->year = sc_describe_year(d);
    if ((rc = set_str(&d->doc_type, sc_describe_type(d), err))) return rc;
    if (!d->issuer) d->issuer = sc_describe_issuer(d);
    return SC_OK;
}
