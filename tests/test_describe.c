/* test_describe.c — the description of a clean document: outline levels and
** offsets, year, type, issuer, sizes, sha256 and simhash near-duplicates.
** Expected values are written by hand from the texts below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "describe.h"
#include "utf8.h"

/* A described doc from clean text (title '\n' body); free_len = all. */
static void make(sc_doc *d, const char *text)
{
    memset(d, 0, sizeof *d);
    d->text = strdup(text);
    d->len = strlen(text);
    d->free_len = d->len;
    const char *nl = strchr(text, '\n');
    d->title = nl ? strndup(text, (size_t)(nl - text)) : strdup(text);
    d->removed = strdup("");
    sc_err e = {0};
    int rc = sc_describe(d, &e);
    if (rc) fail_msg("sc_describe: %s", e.msg);
}

static void test_outline_levels(void **state)
{
    (void)state;
    sc_doc d;
    const char *text =
        "一、总体要求\n"                                    /* 1 */
        "坚持稳中求进。\n"
        "（一）指导思想\n"                                  /* 2 */
        "1.加强组织领导\n"                                  /* 3 */
        "（1）明确责任分工\n"                                /* 4 */
        "2、落实工作责任。各部门要按照分工抓好落实，确保各项任务按期完成，取得实效。\n" /* 3, cut at 。 */
        "3.各地要结合实际，认真研究制定具体的实施办法和配套措施，切实把各项要求落到实处，并及时报送进展情况\n" /* long: no */
        "1.5亿元用于基础设施建设。\n"                         /* a number, not a heading */
        "二、主要任务\n";                                   /* 1 */
    char *full = malloc(strlen(text) + 32);
    if (!full) abort();
    snprintf(full, strlen(text) + 32, "某县实施方案\n%s", text);
    make(&d, full);
    static const int levels[] = {1, 2, 3, 4, 3, 1};
    static const char *const texts[] = {"一、总体要求", "（一）指导思想", "1.加强组织领导", "（1）明确责任分工",
                                        "2、落实工作责任", "二、主要任务"};
    assert_int_equal(d.n_outline, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(d.outline[i].level, levels[i]);
        assert_string_equal(d.outline[i].text, texts[i]);
        /* the offset is the start of the heading's line in the text */
        assert_true(d.outline[i].offset > 0 && d.text[d.outline[i].offset - 1] == '\n');
        assert_memory_equal(d.text + d.outline[i].offset, texts[i], strlen(texts[i]));
    }
    assert_int_equal(d.outline[0].offset, strlen("某县实施方案\n"));
    sc_doc_free(&d);
    free(full);
}

static void test_outline_law(void **state)
{
    (void)state;
    sc_doc d;
    make(&d, "青川市河湖保护条例\n# 青川市河湖保护条例\n## 第一章  总则\n第一条 为了保护河湖，制定本条例。\n"
             "第二条 本条例适用于本市行政区域内的河湖。\n## 第二章 规划\n第三条 规划应当科学。\n");
    assert_int_equal(d.n_outline, 5);
    assert_int_equal(d.outline[0].kind, SC_HEAD_CHAPTER);
    assert_int_equal(d.outline[0].level, 1);
    assert_string_equal(d.outline[0].text, "第一章  总则");
    assert_int_equal(d.outline[1].kind, SC_HEAD_ARTICLE);
    assert_int_equal(d.outline[1].level, 2);
    assert_string_equal(d.outline[1].text, "第一条 为了保护河湖，制定本条例");
    assert_int_equal(d.outline[3].level, 1);
    assert_string_equal(d.doc_type, "法规");
    assert_string_equal(d.issuer, "青川市");
    sc_doc_free(&d);
    /* without chapters an article is level 1 */
    make(&d, "某规定\n第一条 总则内容。\n第二条 附则内容。\n");
    assert_int_equal(d.n_outline, 2);
    assert_int_equal(d.outline[0].level, 1);
    sc_doc_free(&d);
}

static void test_year(void **state)
{
    (void)state;
    sc_doc d;
    make(&d, "2023年清廉机关建设工作总结\n2022年我们做了很多工作。");
    assert_int_equal(d.year, 2023);
    sc_doc_free(&d);
    make(&d, "某市道路管理条例（2018修正）\n正文。");
    assert_int_equal(d.year, 2018);
    sc_doc_free(&d);
    make(&d, "关于加强管理的通知\n各单位：经研究，2019年3月起施行新办法，编号12345。");
    assert_int_equal(d.year, 2019);
    sc_doc_free(&d);
    make(&d, "会议纪要\n1994年7月22日 某市人大常委会通过\n正文。");
    assert_int_equal(d.year, 1994);
    assert_string_equal(d.date, "1994-07-22");
    sc_doc_free(&d);
    memset(&d, 0, sizeof d);
    d.text = strdup("会议纪要\n没有日期。");
    d.len = strlen(d.text);
    d.title = strdup("会议纪要");
    d.date = strdup("2001-05-01");
    sc_err e = {0};
    assert_int_equal(sc_describe(&d, &e), SC_OK);
    assert_int_equal(d.year, 2001);
    sc_doc_free(&d);
    make(&d, "会议纪要\n没有日期，只有编号123456和20231。");
    assert_int_equal(d.year, 0);
    sc_doc_free(&d);
}

static void test_type(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"2023年清廉机关建设工作总结", "工作总结"},
        {"在全县经济工作会议上的讲话", "讲话"},
        {"2024年政府工作报告", "工作报告"},
        {"关于开展安全生产大检查的实施方案", "实施方案"},
        {"学习二十大精神心得体会", "心得体会"},
        {"关于做好春节期间值班工作的通知", "通知"},
        {"某省河道管理条例", "法规"},
        {"中华人民共和国护照法", "法规"},
        {"某市实施《中华人民共和国消费者权益保护法》办法", "法规"},
        {"关于加快发展的意见", "意见"},
        {"2024年培训工作计划", "计划"},
        {"胡某《在大会上的讲话》单行本出版", "unknown"},
        {"春望", "unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s\n正文。", cases[i][0]);
        sc_doc d;
        make(&d, text);
        if (strcmp(d.doc_type, cases[i][1])) fail_msg("%s: type %s, want %s", cases[i][0], d.doc_type, cases[i][1]);
        sc_doc_free(&d);
    }
    sc_doc d;
    make(&d, "无题\n第一条 内容。\n第二条 内容。");
    assert_string_equal(d.doc_type, "法规");
    sc_doc_free(&d);
    make(&d, "全面开创新局面\n同志们：\n现在我代表委员会作报告。");
    assert_string_equal(d.doc_type, "讲话");
    sc_doc_free(&d);
    make(&d, "某地举行活动\n新华社北京5月1日电 某地今天举行活动。");
    assert_string_equal(d.doc_type, "新闻");
    sc_doc_free(&d);
}

static void test_issuer(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"2023年清廉机关建设工作总结\n今年以来，阳泉市郊区以政治建设为统领，推进工作。", "阳泉市郊区"},
        {"国务院关于加强食品安全监督管理的特别规定\n第一条 内容。", "国务院"},
        {"河南省商品交易市场监督管理条例\n第一条 内容。", "河南省"},
        {"上海市城市道路管理条例\n第一条 内容。", "上海市"},
        {"工作总结\n一年来，青石县以项目建设为抓手，加快市场建设。", "青石县"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sc_doc d;
        make(&d, cases[i][0]);
        if (!d.issuer || strcmp(d.issuer, cases[i][1]))
            fail_msg("case %zu: issuer %s, want %s", i, d.issuer ? d.issuer : "(none)", cases[i][1]);
        sc_doc_free(&d);
    }
    sc_doc d;
    make(&d, "学习心得\n通过学习，我们进一步加强了市场意识和区域协调。");
    assert_null(d.issuer);
    sc_doc_free(&d);
}

static void test_sizes_and_hash(void **state)
{
    (void)state;
    sc_doc d;
    memset(&d, 0, sizeof d);
    d.text = strdup("abc");
    d.len = 3;
    sc_describe_hash(&d);
    assert_string_equal(d.hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sc_doc_free(&d);
    memset(&d, 0, sizeof d);
    d.text = strdup("标题\n免费付费");
    d.len = strlen(d.text);
    d.free_len = strlen("标题\n免费");
    d.title = strdup("标题");
    sc_err e = {0};
    assert_int_equal(sc_describe(&d, &e), SC_OK);
    assert_int_equal(d.chars, 7);
    assert_int_equal(d.free_chars, 5);
    sc_doc_free(&d);
}

/* About 1500 characters of fictional material from one of two vocabularies
** (two different documents), varied by seed. */
static char *body(int vocab, int seed)
{
    static const char *const a[2][8] = {
        {"坚持", "深化", "推进", "加强", "完善", "落实", "强化", "健全"},
        {"围绕", "聚焦", "统筹", "优化", "拓展", "夯实", "提升", "规范"}};
    static const char *const b[2][10] = {
        {"基层治理", "营商环境", "乡村振兴", "生态保护", "安全生产", "民生保障", "科技创新", "文化建设",
         "队伍建设", "作风建设"},
        {"河湖水系", "农田水利", "校舍改造", "医疗服务", "养老托育", "道路交通", "旅游线路", "物流通道",
         "数字平台", "人才引进"}};
    static const char *const c[2][6] = {
        {"取得明显成效", "迈出坚实步伐", "形成长效机制", "群众满意度不断提升", "各项指标稳中有进", "打下良好基础"},
        {"工程如期完工", "投资完成过半", "覆盖全部村组", "运行平稳有序", "服务对象增加", "资金足额到位"}};
    size_t cap = 16384, n = 0;
    char *s = malloc(cap);
    if (!s) abort();
    unsigned x = (unsigned)seed * 2654435761u + 12345u;
    for (int p = 0; p < 12; p++) {
        for (int k = 0; k < 6; k++) {
            x = x * 1103515245u + 12345u;
            unsigned r = x >> 8;
            n += (size_t)snprintf(s + n, cap - n, "%s%s，%s%s，%s。", a[vocab][r % 8], b[vocab][(r >> 3) % 10],
                                  a[vocab][(r >> 7) % 8], b[vocab][(r >> 10) % 10], c[vocab][(r >> 14) % 6]);
        }
        n += (size_t)snprintf(s + n, cap - n, "\n");
    }
    return s;
}

/* a + b + c, malloc'd. */
static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (!s) abort();
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

static void test_simhash_near_duplicates(void **state)
{
    (void)state;
    sc_cleaner *c;
    sc_err e = {0};
    assert_int_equal(sc_cleaner_new(NULL, NULL, &c, &e), SC_OK);
    char *b1 = body(0, 1), *b2 = body(1, 2);
    /* the same material under another title, with another site's footer */
    char *raw1 = cat3("2023年某局工作总结\n", b1, "\n更多范文请关注公众号“甲文库”\n");
    char *raw2 = cat3("某局2023年度工作情况汇报\n来源：综合整理　[复制链接]\n", b1,
                      "\n会员专享：全站下载，请加客服 yi2024\n");
    char *raw3 = cat3("2023年某局工作总结\n", b2, "\n更多范文请关注公众号“甲文库”\n");
    sc_doc d[3];
    char *raws[3] = {raw1, raw2, raw3};
    for (int i = 0; i < 3; i++) {
        sc_raw r = {0};
        r.text = raws[i];
        r.len = strlen(raws[i]);
        r.format = "txt";
        memset(&d[i], 0, sizeof d[i]);
        assert_int_equal(sc_clean(c, &r, &d[i], &e), SC_OK);
        assert_int_equal(sc_describe(&d[i], &e), SC_OK);
    }
    assert_string_not_equal(d[0].hash, d[1].hash);
    assert_true(sc_simhash_distance(d[0].simhash, d[1].simhash) <= SC_NEAR_DUP_BITS);
    assert_true(sc_simhash_distance(d[0].simhash, d[2].simhash) > 2 * SC_NEAR_DUP_BITS);
    /* a leftover line of a footer no rule knows moves it only a little */
    size_t n = strlen(b1);
    char *b1x = cat3(b1, "本文由某网站整理\n", "");
    uint64_t h1 = sc_simhash(b1, n), h1x = sc_simhash(b1x, strlen(b1x));
    assert_true(sc_simhash_distance(h1, h1x) <= SC_NEAR_DUP_BITS);
    assert_true(sc_simhash_distance(h1, sc_simhash(b2, strlen(b2))) > 2 * SC_NEAR_DUP_BITS);
    /* whitespace and punctuation do not matter */
    assert_int_equal(sc_simhash("甲乙丙丁戊己", strlen("甲乙丙丁戊己")), sc_simhash("甲乙，丙 丁。戊己", strlen("甲乙，丙 丁。戊己")));
    for (int i = 0; i < 3; i++) sc_doc_free(&d[i]);
    free(b1); free(b2); free(b1x); free(raw1); free(raw2); free(raw3);
    sc_cleaner_free(c);
}

/* The simhash as its definition states it (describe_hash.c's header):
** 3-shingles of the folded Han characters, letters and digits, each mixed
** to 64 bits, a bit set where more than half the shingles have it; the
** library's counting (bytes of words, flushed every 255) must give the
** same on texts of 0 to 3,000 characters. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint64_t simhash_reference(const char *s, size_t n)
{
    long v[64] = {0}, total = 0;
    uint32_t w[3] = {0, 0, 0};
    int have = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp = sc_utf8_next(s, n, &i);
        if (cp >= 0xFF10 && cp <= 0xFF5A) cp -= 0xFEE0;
        if (cp >= 'A' && cp <= 'Z') cp += 32;
        if (!((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || (cp >= 0 && sc_is_han((uint32_t)cp)))) continue;
        w[0] = w[1]; w[1] = w[2]; w[2] = (uint32_t)cp;
        if (++have < 3) continue;
        uint64_t h = mix64(((uint64_t)w[0] << 42) ^ ((uint64_t)w[1] << 21) ^ w[2]);
        for (int b = 0; b < 64; b++) v[b] += (long)(h >> b & 1);
        total++;
    }
    if (have > 0 && have < 3) {
        uint64_t h = mix64(((uint64_t)w[0] << 42) ^ ((uint64_t)w[1] << 21) ^ w[2]);
        for (int b = 0; b < 64; b++) v[b] += (long)(h >> b & 1);
        total++;
    }
    uint64_t out = 0;
    for (int b = 0; b < 64; b++) if (2 * v[b] > total) out |= 1ull << b;
    return out;
}

static void test_simhash_matches_its_definition(void **state)
{
    (void)state;
    static const char *const pieces[] = {"甲", "乙", "丙", "丁", "工作", "，", "A", "b", "７", "Ｑ", " ", "\n", "。", "𠀀"};
    uint64_t r = 0x243F6A8885A308D3ull;
    char buf[16384];
    for (int t = 0; t < 300; t++) {
        size_t n = 0, chars = (size_t)(t * 10);
        for (size_t k = 0; k < chars && n + 8 < sizeof buf; k++) {
            r ^= r << 13; r ^= r >> 7; r ^= r << 17;
            const char *p = pieces[r % (sizeof pieces / sizeof *pieces)];
            memcpy(buf + n, p, strlen(p));
            n += strlen(p);
        }
        assert_true(sc_simhash(buf, n) == simhash_reference(buf, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outline_levels),
        cmocka_unit_test(test_outline_law),
        cmocka_unit_test(test_year),
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_issuer),
        cmocka_unit_test(test_sizes_and_hash),
        cmocka_unit_test(test_simhash_near_duplicates),
        cmocka_unit_test(test_simhash_matches_its_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
