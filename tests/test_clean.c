/* test_clean.c — each cleaning rule on hand-written raw documents: the
** paywall (mid-sentence, at a paragraph start, at a paragraph end, no marker,
** no ##paidend##, default preview share), masks (a hand-made list of masked
** and real D's), footers learned across documents (in memory and persisted),
** contact and chrome patterns, whitespace, and corpus-like text that must
** pass unchanged.  Expected texts are written out by hand. */
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

#include "clean.h"
#include "utf8.h"

/* Cleans text (as a .txt file's raw) with cleaner c; returns the doc. */
static void clean_txt(sc_cleaner *c, const char *text, sc_doc *d)
{
    sc_raw r = {0};
    r.text = strdup(text);
    r.len = strlen(text);
    r.format = "txt";
    memset(d, 0, sizeof *d);
    sc_err e = {0};
    int rc = sc_clean(c, &r, d, &e);
    if (rc) fail_msg("sc_clean: %s", e.msg);
    sc_raw_free(&r);
}

static sc_cleaner *new_cleaner(void)
{
    sc_cleaner *c;
    sc_err e = {0};
    assert_int_equal(sc_cleaner_new(NULL, NULL, &c, &e), SC_OK);
    return c;
}

static void assert_free(const sc_doc *d, const char *free_part)
{
    assert_int_equal(d->free_len, strlen(free_part));
    assert_memory_equal(d->text, free_part, d->free_len);
}

/* ---- paywall ----------------------------------------------------------- */

static void test_paywall_mid_sentence(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_doc d;
    clean_txt(c, "\n学习心得\n第一段讲学习，分别开##paidbegin##展专题培训。\n第二段。\n\n\n##paidend##\n", &d);
    assert_string_equal(d.title, "学习心得");
    assert_string_equal(d.text, "学习心得\n第一段讲学习，分别开展专题培训。\n第二段。");
    assert_free(&d, "学习心得\n第一段讲学习，分别开");
    assert_true(d.has_paywall);
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

static void test_paywall_paragraph_boundaries(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_doc d;
    /* at the start of a paragraph: the free part keeps the line break */
    clean_txt(c, "标题\n第一段。\n##paidbegin##第二段。\n", &d);
    assert_string_equal(d.text, "标题\n第一段。\n第二段。");
    assert_free(&d, "标题\n第一段。\n");
    sc_doc_free(&d);
    /* at the end of a paragraph: it does not */
    clean_txt(c, "标题\n第一段。##paidbegin##\n第二段。\n", &d);
    assert_free(&d, "标题\n第一段。");
    sc_doc_free(&d);
    /* on a line of its own, after indentation: start of the next paragraph */
    clean_txt(c, "标题\n　　第一段。\n\n##paidbegin##\n　　第二段。\n", &d);
    assert_string_equal(d.text, "标题\n第一段。\n第二段。");
    assert_free(&d, "标题\n第一段。\n");
    sc_doc_free(&d);
    /* in the indentation of a paragraph */
    clean_txt(c, "标题\n第一段。\n　　##paidbegin##　第二段。\n", &d);
    assert_free(&d, "标题\n第一段。\n");
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

static void test_paywall_none_and_open_ended(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_doc d;
    clean_txt(c, "标题\n全文免费。\n", &d);
    assert_false(d.has_paywall);
    assert_int_equal(d.free_len, d.len);
    sc_doc_free(&d);
    /* no ##paidend##: the paid part runs to the end */
    clean_txt(c, "标题\n免费##paidbegin##付费一。\n付费二。", &d);
    assert_string_equal(d.text, "标题\n免费付费一。\n付费二。");
    assert_free(&d, "标题\n免费");
    sc_doc_free(&d);
    /* after ##paidend## is not the document, but the librarian sees it */
    clean_txt(c, "标题\n免费##paidbegin##付费。\n##paidend##\n广告文字一则\n", &d);
    assert_string_equal(d.text, "标题\n免费付费。");
    assert_non_null(strstr(d.removed, "广告文字一则"));
    sc_doc_free(&d);
    /* markers in any case; a second ##paidbegin## is dropped */
    clean_txt(c, "标题\n甲##PaidBegin##乙##paidbegin##丙", &d);
    assert_string_equal(d.text, "标题\n甲乙丙");
    assert_free(&d, "标题\n甲");
    sc_doc_free(&d);
    /* no marker survives, not even one that removing another one forms */
    clean_txt(c, "标题\n甲##paid##paidbegin##begin##乙##paid##paidbegin##end##丙", &d);
    assert_string_equal(d.text, "标题\n甲乙");
    assert_free(&d, "标题\n甲");
    assert_non_null(strstr(d.removed, "丙"));
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

static void test_default_preview(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_cleaner_set_default_preview(c, 30);
    sc_doc d;
    clean_txt(c, "标题\n一二三四五六七", &d);    /* 10 characters: 3 free */
    assert_free(&d, "标题\n");
    sc_doc_free(&d);
    clean_txt(c, "标题\n一二三四五六七八九十一二三四五六七", &d);   /* 20: 6 free */
    assert_free(&d, "标题\n一二三");
    sc_doc_free(&d);
    /* a marker wins over the share */
    clean_txt(c, "标题\n一二三四五六七八##paidbegin##九", &d);
    assert_free(&d, "标题\n一二三四五六七八");
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

/* ---- masks ------------------------------------------------------------- */

typedef struct pair { const char *raw, *clean; } pair;

static void test_masks(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    /* each line is checked inside a masked document (the first paragraph
    ** carries evidence), so the real D's below must survive the restoring */
    static const pair cases[] = {
        {"全面从严治D", "全面从严治党"},
        {"学习D的二十大精神", "学习党的二十大精神"},
        {"争做合格共产D人", "争做合格共产党人"},
        {"加强D风廉政建设", "加强党风廉政建设"},
        {"我们不是该DD员", "我们不是该党党员"},
        {"D史学习教育。", "党史学习教育。"},
        {"引进3D打印设备", "引进3D打印设备"},
        {"开展DNA检测", "开展DNA检测"},
        {"评为D级危房", "评为D级危房"},
        {"选项ABCD均可", "选项ABCD均可"},
        {"保存到D盘", "保存到D盘"},
        {"属于“D类”项目", "属于“D类”项目"},
        {"补充维生素D，", "补充维生素D，"},
        {"使用Docker部署", "使用Docker部署"},
        {"风云三号D星发射", "风云三号D星发射"},
        {"第2D组", "第2D组"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char raw[512], want[512];
        snprintf(raw, sizeof raw, "标题\n坚持D的全面领导。\n%s", cases[i].raw);
        snprintf(want, sizeof want, "标题\n坚持党的全面领导。\n%s", cases[i].clean);
        sc_doc d;
        clean_txt(c, raw, &d);
        if (strcmp(d.text, want)) fail_msg("mask case %zu: got %s, want %s", i, d.text, want);
        sc_doc_free(&d);
    }
    sc_doc d;
    /* no evidence: news about a football group and a pipeline stay */
    clean_txt(c, "世界杯D组赛况\n在D组第二轮比赛中，管道D线建设顺利。", &d);
    assert_string_equal(d.text, "世界杯D组赛况\n在D组第二轮比赛中，管道D线建设顺利。");
    assert_int_equal(d.masks_restored, 0);
    sc_doc_free(&d);
    /* a document that already holds 党 is not masked */
    clean_txt(c, "党建工作要点\n加强党的建设，D的字样保留。", &d);
    assert_string_equal(d.text, "党建工作要点\n加强党的建设，D的字样保留。");
    sc_doc_free(&d);
    /* the title is restored too; the paywall cut moves with the longer text */
    clean_txt(c, "全面从严治D工作总结\n加强D员教育##paidbegin##管理。", &d);
    assert_string_equal(d.title, "全面从严治党工作总结");
    assert_string_equal(d.text, "全面从严治党工作总结\n加强党员教育管理。");
    assert_free(&d, "全面从严治党工作总结\n加强党员教育");
    assert_int_equal(d.masks_restored, 2);
    sc_doc_free(&d);
    /* a footer that names 党 does not stop the body from being restored */
    clean_txt(c, "标题\n共产D员要带头。\n\n更多范文请关注公众号：共产党员之家\n", &d);
    assert_string_equal(d.text, "标题\n共产党员要带头。");
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

static void test_mask_rule_file(void **state)
{
    (void)state;
    char path[512];
    const char *base = getenv("SUCAI_TEST_TMP");
    snprintf(path, sizeof path, "%s/mask-rules-%d.txt", base ? base : "/tmp", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# our own rules\n\nkeep D单元\n", f);
    fclose(f);
    sc_cleaner *c;
    sc_err e = {0};
    assert_int_equal(sc_cleaner_new(NULL, path, &c, &e), SC_OK);
    sc_doc d;
    clean_txt(c, "标题\nD员住在D单元。", &d);
    assert_string_equal(d.text, "标题\n党员住在D单元。");
    sc_doc_free(&d);
    sc_cleaner_free(c);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("keep D单元\nrestore X\n", f);
    fclose(f);
    assert_int_not_equal(sc_cleaner_new(NULL, path, &c, &e), SC_OK);
    assert_non_null(strstr(e.msg, ":2"));     /* names the file and line */
    unlink(path);
    /* a rule naming no mask letter is refused */
    sc_masks *m;
    assert_int_equal(sc_masks_new(NULL, &m, &e), SC_OK);
    assert_int_equal(sc_masks_add_rule(m, "keep 级别", strlen("keep 级别"), &e), SC_EINVAL);
    sc_masks_free(m);
}

/* ---- boilerplate -------------------------------------------------------- */

/* A footer with no contact or promotion sign: only learning can find it. */
#define SITE_FOOTER "——青柳文库精选，好文章值得反复读，明天见——"

static void doc_with_footer(char *out, size_t n, int k)
{
    snprintf(out, n, "\n第%d篇工作总结\n今年以来，我们围绕中心工作扎实推进第%d项任务。\n全年完成目标。\n\n" SITE_FOOTER "\n", k, k);
}

static void test_footer_learned(void **state)
{
    (void)state;
    assert_false(sc_boiler_is_promo(SITE_FOOTER, strlen(SITE_FOOTER)));
    sc_cleaner *c = new_cleaner();
    char text[512];
    sc_raw r = {0};
    r.format = "txt";
    /* two documents are not enough; the same document twice counts once */
    for (int k = 1; k <= 2; k++) {
        doc_with_footer(text, sizeof text, k);
        r.text = text; r.len = strlen(text);
        sc_cleaner_observe(c, &r);
        sc_cleaner_observe(c, &r);
    }
    sc_doc d;
    clean_txt(c, text, &d);
    assert_non_null(strstr(d.text, "青柳文库"));
    sc_doc_free(&d);
    doc_with_footer(text, sizeof text, 3);
    r.text = text; r.len = strlen(text);
    sc_cleaner_observe(c, &r);
    clean_txt(c, text, &d);
    assert_string_equal(d.text, "第3篇工作总结\n今年以来，我们围绕中心工作扎实推进第3项任务。\n全年完成目标。");
    assert_string_equal(d.removed, SITE_FOOTER);
    sc_doc_free(&d);
    /* learned, it is removed from a document of another batch too, but only
    ** in the head and tail: the same words inside the body stay */
    clean_txt(c, "标题\n正文一段。\n" SITE_FOOTER "\n正文二段。\n" SITE_FOOTER, &d);
    assert_string_equal(d.text, "标题\n正文一段。\n" SITE_FOOTER "\n正文二段。");
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

static void test_footer_persisted(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    sc_cleaner *c;
    sc_err e = {0};
    assert_int_equal(sc_cleaner_new(db, NULL, &c, &e), SC_OK);
    char text[512];
    sc_raw r = {0};
    r.format = "txt";
    for (int k = 1; k <= 3; k++) {
        doc_with_footer(text, sizeof text, k);
        r.text = text; r.len = strlen(text);
        sc_cleaner_observe(c, &r);
    }
    assert_int_equal(sc_cleaner_save(c, &e), SC_OK);
    /* more lines than the cache keeps: saving clears it, and the learned
       footer is still known after that */
    static char many[2048];
    for (int k = 0; k < 26000; k++) {
        int o = snprintf(many, sizeof many, "标题%d\n正文第一段。\n正文第二段。\n\n", k);
        for (int j = 0; j < 8; j++)
            o += snprintf(many + o, sizeof many - (size_t)o, "第%d篇文章的第%d行尾注，仅此一处。\n", k, j);
        r.text = many; r.len = strlen(many);
        sc_cleaner_observe(c, &r);
    }
    assert_int_equal(sc_cleaner_save(c, &e), SC_OK);
    sc_doc d0;
    clean_txt(c, "另一篇\n正文。\n\n" SITE_FOOTER, &d0);
    assert_string_equal(d0.text, "另一篇\n正文。");
    sc_doc_free(&d0);
    sc_cleaner_free(c);
    /* a new cleaner on the same library knows the footer */
    assert_int_equal(sc_cleaner_new(db, NULL, &c, &e), SC_OK);
    sc_doc d;
    clean_txt(c, "新文章\n正文。\n\n" SITE_FOOTER, &d);
    assert_string_equal(d.text, "新文章\n正文。");
    sc_doc_free(&d);
    sc_cleaner_free(c);
    sqlite3_close(db);
}

static void test_contact_patterns(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_doc d;
    clean_txt(c, "述职报告\n本人认真履职。\n\n"
                 "更多范文请关注公众号“墨香文汇”\n"
                 "会员专享：全站材料免费下载，开通请加QQ：12345678\n"
                 "投稿邮箱 moxiang@example.com\n"
                 "【文汇】精选材料，版权归原作者所有，如有侵权请联系删除。\n"
                 "欢迎加入“墨香文汇年度会员”，海量材料随心用！\n"
                 "访问 www.moxiang.example 获取更多\n", &d);
    assert_string_equal(d.text, "述职报告\n本人认真履职。");
    assert_non_null(strstr(d.removed, "公众号"));
    assert_non_null(strstr(d.removed, "moxiang@example.com"));
    sc_doc_free(&d);
    /* a single weak sign in the body's last paragraph is the author's */
    clean_txt(c, "条例\n第九条 有关组织和人员可以申请加入。", &d);
    assert_string_equal(d.text, "条例\n第九条 有关组织和人员可以申请加入。");
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

static void test_chrome(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_doc d;
    clean_txt(c, "当前位置：首页 > 材料 > 讲话稿\n在全区工作会议上的讲话\n"
                 "来源：区委办公室　　发布时间：2023-05-01　　【字号：大 中 小】\n"
                 "2023-05-01　来源：综合整理　[复制链接]　[打印本页]\n"
                 "同志们：\n今天召开会议。\n", &d);
    assert_string_equal(d.title, "在全区工作会议上的讲话");
    assert_string_equal(d.text, "在全区工作会议上的讲话\n同志们：\n今天召开会议。");
    assert_string_equal(d.source, "区委办公室");
    assert_string_equal(d.date, "2023-05-01");
    assert_non_null(strstr(d.removed, "当前位置"));
    assert_non_null(strstr(d.removed, "[复制链接]"));
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

/* ---- text shape ---------------------------------------------------------- */

static void test_whitespace_and_title(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    sc_doc d;
    /* trimmed lines, U+3000 around, kept inside; U+200B is not whitespace */
    clean_txt(c, "\n\n  标题 \n\n　　第一段　内容。　\n \t \n\xe2\x80\x8b\n第二段。\xc2\xa0\n", &d);
    assert_string_equal(d.text, "标题\n第一段　内容。\n\xe2\x80\x8b\n第二段。");
    sc_doc_free(&d);
    /* a container's title is not repeated when the text starts with it */
    sc_raw r = {0};
    r.text = strdup("会议纪要\n正文。");
    r.len = strlen(r.text);
    r.title = strdup("会议纪要");
    r.format = "docx";
    sc_err e = {0};
    memset(&d, 0, sizeof d);
    assert_int_equal(sc_clean(c, &r, &d, &e), SC_OK);
    assert_string_equal(d.text, "会议纪要\n正文。");
    sc_doc_free(&d);
    /* ... but a JSONL body is taken as published */
    r.format = "jsonl";
    memset(&d, 0, sizeof d);
    assert_int_equal(sc_clean(c, &r, &d, &e), SC_OK);
    assert_string_equal(d.text, "会议纪要\n会议纪要\n正文。");
    sc_doc_free(&d);
    sc_raw_free(&r);
    /* only a title: the text is the title and a line break */
    clean_txt(c, "只有标题\n", &d);
    assert_string_equal(d.text, "只有标题\n");
    sc_doc_free(&d);
    /* nothing at all */
    r.text = strdup(" \n\n\t");
    r.len = strlen(r.text);
    r.format = "txt";
    memset(&d, 0, sizeof d);
    assert_int_equal(sc_clean(c, &r, &d, &e), SC_EEMPTY);
    assert_null(d.text);
    sc_raw_free(&r);
    sc_cleaner_free(c);
}

static void test_corpus_text_unchanged(void **state)
{
    (void)state;
    sc_cleaner *c = new_cleaner();
    /* a law and a manual page as JSONL records: a last line with a URL or
    ** 客服, D beside Chinese without masking evidence; nothing may change */
    static const char *const bodies[] = {
        "# 某市网络交易管理条例\n\n第一条 为了规范网络交易，制定本条例。\n\n第二条 店铺客服的行为由店铺负责。\n\n本条例自公布之日起施行。",
        "手册\n\n使用 ^D 结束输入，D盘保存。\n\n中文手册页计划：https://example.org/manpages-zh",
        "风云三号D星\n\n风云三号D星发射成功，世界杯D组赛程公布。",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        sc_raw r = {0};
        r.text = strdup(bodies[i]);
        r.len = strlen(r.text);
        r.title = strdup("记录标题");
        r.format = "jsonl";
        sc_doc d = {0};
        sc_err e = {0};
        assert_int_equal(sc_clean(c, &r, &d, &e), SC_OK);
        /* expected: title + paragraphs, blank lines dropped */
        char want[1024];
        size_t w = (size_t)snprintf(want, sizeof want, "记录标题");
        for (const char *p = bodies[i]; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n) w += (size_t)snprintf(want + w, sizeof want - w, "\n%.*s", (int)n, p);
            p += n + (nl != NULL);
        }
        assert_string_equal(d.text, want);
        assert_string_equal(d.removed, "");
        assert_int_equal(d.masks_restored, 0);
        sc_doc_free(&d);
        sc_raw_free(&r);
    }
    /* a regulation file's last article is not a footer, nor are its chapters */
    sc_doc d;
    clean_txt(c, "某县河道管理办法\n第一章 总则\n第一条 为加强河道管理，制定本办法。\n第二条 本办法自发布之日起施行。\n", &d);
    assert_string_equal(d.text, "某县河道管理办法\n第一章 总则\n第一条 为加强河道管理，制定本办法。\n第二条 本办法自发布之日起施行。");
    sc_doc_free(&d);
    sc_cleaner_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paywall_mid_sentence),
        cmocka_unit_test(test_paywall_paragraph_boundaries),
        cmocka_unit_test(test_paywall_none_and_open_ended),
        cmocka_unit_test(test_default_preview),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_mask_rule_file),
        cmocka_unit_test(test_footer_learned),
        cmocka_unit_test(test_footer_persisted),
        cmocka_unit_test(test_contact_patterns),
        cmocka_unit_test(test_chrome),
        cmocka_unit_test(test_whitespace_and_title),
        cmocka_unit_test(test_corpus_text_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
