/* test_export.c — the .docx (unzipped in memory, its XML checked for the
** GB/T 9704 layout values written down by hand from the standard), the
** .txt, the paywall refusal, safe file names and the batch zip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "export.h"

/* ---- helpers ---------------------------------------------------------- */

/* A doc built by hand: text as given, outline from (level, line number)
** pairs ending with level 0.  chars stays 0: "full" for sc_export_check. */
static void make_doc(sc_doc *d, const char *title, const char *text, const int *outline)
{
    memset(d, 0, sizeof *d);
    d->title = strdup(title);
    d->text = strdup(text);
    d->len = strlen(text);
    d->free_len = d->len;
    size_t n = 0;
    while (outline && outline[2 * n]) n++;
    if (n) d->outline = calloc(n, sizeof *d->outline);
    for (size_t i = 0; i < n; i++) {
        /* offset of line number outline[2i+1] (0 = the title) */
        const char *p = d->text;
        for (int l = 0; l < outline[2 * i + 1] && p; l++) {
            p = strchr(p, '\n');
            if (p) p++;
        }
        assert_non_null(p);
        d->outline[i].level = outline[2 * i];
        d->outline[i].offset = (size_t)(p - d->text);
        const char *nl = strchr(p, '\n');
        d->outline[i].text = sc_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
    }
    d->n_outline = n;
}

static const sc_export_opts member = {.may_read_paid = 1};

/* Reads one entry of the zip in b; caller frees.  Fails the test if absent. */
static char *zip_entry(const sc_buf *b, const char *name, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(b->data, b->len, 0, &ze);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(za);
    zip_stat_t st;
    if (zip_stat(za, name, 0, &st) < 0) fail_msg("no %s in the zip", name);
    char *data = malloc(st.size + 1);
    zip_file_t *f = zip_fopen(za, name, 0);
    assert_non_null(f);
    assert_int_equal(zip_fread(f, data, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_close(za);
    zip_error_fini(&ze);
    data[st.size] = 0;
    if (len) *len = st.size;
    return data;
}

/* The XML must be well-formed (libxml2 is a strict XML 1.0 parser). */
static void assert_well_formed(const char *xml, const char *what)
{
    xmlDocPtr x = xmlReadMemory(xml, (int)strlen(xml), what, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                   XML_PARSE_NOWARNING);
    if (!x) fail_msg("%s is not well-formed XML", what);
    xmlFreeDoc(x);
}

/* The <w:style> element with the given styleId; caller frees. */
static char *style_of(const char *styles, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "w:styleId=\"%s\"", id);
    const char *p = strstr(styles, key);
    if (!p) fail_msg("no style %s", id);
    const char *q = strstr(p, "</w:style>");
    assert_non_null(q);
    return sc_strndup(p, (size_t)(q - p));
}

#define assert_contains(hay, needle)                                                   \
    do {                                                                               \
        if (!strstr((hay), (needle))) fail_msg("missing: %s", (needle));              \
    } while (0)

/* The texts of the Title paragraph's runs, joined with '|' between lines. */
static char *title_lines(const char *docxml)
{
    const char *p = strstr(docxml, "<w:pStyle w:val=\"Title\"/>");
    assert_non_null(p);
    const char *end = strstr(p, "</w:p>");
    sc_buf b = SC_BUF_INIT;
    sc_buf_adds(&b, "");
    while ((p = strstr(p, "<w:")) && p < end) {
        if (!strncmp(p, "<w:br/>", 7)) sc_buf_addc(&b, '|');
        if (!strncmp(p, "<w:t xml:space=\"preserve\">", 26)) {
            const char *s = p + 26, *e = strstr(s, "</w:t>");
            sc_buf_add(&b, s, (size_t)(e - s));
        }
        p += 3;
    }
    return sc_buf_detach(&b);
}

static const char *const parts[] = {
    "[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
    "word/styles.xml", "word/settings.xml", "word/fontTable.xml", "word/footer1.xml",
    "word/footer2.xml", "docProps/core.xml", "docProps/app.xml",
};

/* ---- docx layout ------------------------------------------------------ */

static void test_docx_layout(void **state)
{
    (void)state;
    sc_doc d;
    static const int outline[] = {1, 2, 2, 3, 3, 4, 4, 5, 0};
    make_doc(&d, "关于做好2024年工作的通知",
             "关于做好2024年工作的通知\n"
             "\u3000\u3000为做好今年工作，现通知如下。\n"       /* line 1: body, indent chars dropped */
             "一、总体要求\n"                                    /* 2 */
             "（一）指导思想\n"                                  /* 3 */
             "1.坚持问题导向\n"                                  /* 4 */
             "（1）明确责任\n"                                   /* 5 */
             "\n"
             "最后一段。",
             outline);
    sc_buf b = SC_BUF_INIT;
    sc_err e = {0};
    assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_OK);
    assert_true(b.len > 4 && !memcmp(b.data, "PK\3\4", 4));
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *x = zip_entry(&b, parts[i], NULL);
        assert_well_formed(x, parts[i]);
        free(x);
    }

    char *doc = zip_entry(&b, "word/document.xml", NULL);
    /* A4 in twips, margins 37/35/28/26 mm (1 mm = 1440/25.4 twips) */
    assert_contains(doc, "<w:pgSz w:w=\"11906\" w:h=\"16838\"/>");
    assert_contains(doc, "w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1587\"");
    /* 22 lines in 225 mm = 12756 twips: floor(12756 / 22) = 579 */
    assert_contains(doc, "<w:docGrid w:type=\"lines\" w:linePitch=\"579\"/>");
    assert_contains(doc, "<w:footerReference w:type=\"default\" r:id=\"rId5\"/>");
    assert_contains(doc, "<w:footerReference w:type=\"even\" r:id=\"rId6\"/>");
    /* headings by outline level; body without a style (Normal) and trimmed */
    assert_contains(doc, "<w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t xml:space=\"preserve\">一、总体要求<");
    assert_contains(doc, "<w:pStyle w:val=\"Heading2\"/></w:pPr><w:r><w:t xml:space=\"preserve\">（一）指导思想<");
    assert_contains(doc, "<w:pStyle w:val=\"Heading3\"/></w:pPr><w:r><w:t xml:space=\"preserve\">1.坚持问题导向<");
    assert_contains(doc, "<w:pStyle w:val=\"Heading4\"/></w:pPr><w:r><w:t xml:space=\"preserve\">（1）明确责任<");
    assert_contains(doc, "<w:p><w:r><w:t xml:space=\"preserve\">为做好今年工作，现通知如下。</w:t></w:r></w:p>");
    assert_contains(doc, "<w:p><w:r><w:t xml:space=\"preserve\">最后一段。</w:t></w:r></w:p>");
    /* title paragraph then exactly one blank paragraph */
    assert_contains(doc, "关于做好2024年工作的通知</w:t></w:r></w:p><w:p/><w:p><w:r>");
    /* the empty line made no paragraph */
    assert_null(strstr(doc, "<w:p/><w:p/>"));
    free(doc);

    char *styles = zip_entry(&b, "word/styles.xml", NULL);
    char *s = style_of(styles, "Normal");       /* body: 3号 仿宋_GB2312, indent 2 chars, justified */
    assert_contains(s, "w:eastAsia=\"仿宋_GB2312\"");
    assert_contains(s, "<w:sz w:val=\"32\"/>");
    assert_contains(s, "w:firstLineChars=\"200\"");
    assert_contains(s, "<w:jc w:val=\"both\"/>");
    assert_contains(s, "<w:spacing w:val=\"-5\"/>");   /* 16 − 0.25 pt: 28 chars in 156 mm */
    free(s);
    s = style_of(styles, "Title");               /* 2号 方正小标宋简体, centred */
    assert_contains(s, "w:eastAsia=\"方正小标宋简体\"");
    assert_contains(s, "<w:sz w:val=\"44\"/>");
    assert_contains(s, "<w:jc w:val=\"center\"/>");
    assert_contains(s, "w:firstLineChars=\"0\"");
    free(s);
    static const char *const heading_font[] = {"黑体", "楷体_GB2312", "仿宋_GB2312", "仿宋_GB2312"};
    for (int i = 0; i < 4; i++) {
        char id[16], font[64], lvl[32];
        snprintf(id, sizeof id, "Heading%d", i + 1);
        snprintf(font, sizeof font, "w:eastAsia=\"%s\"", heading_font[i]);
        snprintf(lvl, sizeof lvl, "<w:outlineLvl w:val=\"%d\"/>", i);
        s = style_of(styles, id);
        assert_contains(s, font);
        assert_contains(s, "<w:sz w:val=\"32\"/>");
        assert_contains(s, "<w:b w:val=\"0\"/>");
        assert_contains(s, lvl);
        free(s);
    }
    s = style_of(styles, "Footer");              /* 4号 宋体 */
    assert_contains(s, "w:ascii=\"宋体\"");
    assert_contains(s, "w:eastAsia=\"宋体\"");
    assert_contains(s, "<w:sz w:val=\"28\"/>");
    free(s);
    free(styles);

    char *fonts = zip_entry(&b, "word/fontTable.xml", NULL);
    assert_contains(fonts, "<w:font w:name=\"方正小标宋简体\"><w:altName w:val=\"宋体\"/>");
    assert_contains(fonts, "<w:font w:name=\"仿宋_GB2312\"><w:altName w:val=\"仿宋\"/>");
    assert_contains(fonts, "<w:font w:name=\"楷体_GB2312\"><w:altName w:val=\"楷体\"/>");
    free(fonts);

    char *settings = zip_entry(&b, "word/settings.xml", NULL);
    assert_contains(settings, "<w:evenAndOddHeaders/>");
    free(settings);

    static const char *const foot[2][2] = {{"word/footer1.xml", "<w:jc w:val=\"right\"/>"},
                                           {"word/footer2.xml", "<w:jc w:val=\"left\"/>"}};
    for (int i = 0; i < 2; i++) {
        char *f = zip_entry(&b, foot[i][0], NULL);
        assert_contains(f, foot[i][1]);
        assert_contains(f, "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>");
        assert_contains(f, "<w:fldChar w:fldCharType=\"begin\"/>");
        assert_contains(f, "<w:t xml:space=\"preserve\">— </w:t>");   /* U+2014 em dash */
        assert_contains(f, "<w:t xml:space=\"preserve\"> —</w:t>");
        assert_contains(f, "<w:pStyle w:val=\"Footer\"/>");
        free(f);
    }

    char *core = zip_entry(&b, "docProps/core.xml", NULL);
    assert_contains(core, "<dc:title>关于做好2024年工作的通知</dc:title>");
    assert_contains(core, "<dc:creator>" SC_EXPORT_DEFAULT_CREATOR "</dc:creator>");
    free(core);
    char *types = zip_entry(&b, "[Content_Types].xml", NULL);
    assert_contains(types, "PartName=\"/word/footer2.xml\"");
    free(types);

    /* a configured creator, escaped */
    sc_buf b2 = SC_BUF_INIT;
    sc_export_opts o = {.may_read_paid = 1, .creator = "某市<办公室>&资料"};
    assert_int_equal(sc_export_docx(&d, &o, &b2, &e), SC_OK);
    core = zip_entry(&b2, "docProps/core.xml", NULL);
    assert_contains(core, "<dc:creator>某市&lt;办公室&gt;&amp;资料</dc:creator>");
    free(core);
    sc_buf_free(&b2);
    sc_buf_free(&b);
    sc_doc_free(&d);
}

/* ---- hostile text ----------------------------------------------------- */

static void test_docx_escaping(void **state)
{
    (void)state;
    sc_doc d;
    make_doc(&d, "A<B & \"C\" 'D'\x01/../x",
             "A<B & \"C\" 'D'\x01/../x\n"
             "正文]]><!-- &amp; \x02\x1f\x7f 尾\tTAB\n"
             "bad\xff\xfeutf8\xef\xbf\xbe!",
             NULL);
    sc_buf b = SC_BUF_INIT;
    sc_err e = {0};
    assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_OK);
    char *doc = zip_entry(&b, "word/document.xml", NULL);
    assert_well_formed(doc, "document.xml");
    assert_contains(doc, ">A&lt;B &amp; &quot;C&quot; &apos;D&apos;/../x<");
    assert_contains(doc, "正文]]&gt;&lt;!-- &amp;amp; \x7f 尾</w:t><w:tab/><w:t xml:space=\"preserve\">TAB<");
    assert_contains(doc, ">badutf8!<");               /* invalid bytes and U+FFFE dropped */
    assert_null(strchr(doc, '\x01'));
    assert_null(strchr(doc, '\x02'));
    assert_null(strchr(doc, '\x1f'));
    free(doc);
    char *core = zip_entry(&b, "docProps/core.xml", NULL);
    assert_well_formed(core, "core.xml");
    assert_contains(core, "<dc:title>A&lt;B &amp; &quot;C&quot; &apos;D&apos;/../x</dc:title>");
    free(core);
    sc_buf_free(&b);
    sc_doc_free(&d);
}

/* Long titles: lines of at most 20 Chinese characters (40 half-width
** units), breaks after 的 / 关于 / punctuation preferred.  Expected splits worked out by hand from the rule
** in export_docx.c (balanced length, ±6, best break score). */
static void test_docx_title_split(void **state)
{
    (void)state;
    static const struct { const char *title, *lines; } cases[] = {
        {"2023年清廉机关建设工作总结", "2023年清廉机关建设工作总结"},
        /* 26 chars: balanced 13, the 的 at 17 wins over 和 at 7 */
        {"关于进一步加强和改进新时代机关党的建设工作的实施意见",
         "关于进一步加强和改进新时代机关党的|建设工作的实施意见"},
        /* 45 chars, no good break anywhere: three lines of 15 */
        {"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五",
         "一二三四五六七八九十一二三四五|六七八九十一二三四五六七八九十|一二三四五六七八九十一二三四五"},
        /* 24 chars, balanced 12: after the closing quote (14) beats after
        ** the comma (7), both score 3, by being nearer the balance */
        {"坚持稳中求进，推动“十四五”规划目标任务落地见效", "坚持稳中求进，推动“十四五”|规划目标任务落地见效"},
        /* 5 + 10 chars around 26 Latin letters (28 units wide): balanced
        ** width 28 units falls inside the word, which is never cut */
        {"一二三四五ABCDEFGHIJKLMNOPQRSTUVWXYZ一二三四五六七八九十",
         "一二三四五ABCDEFGHIJKLMNOPQRSTUVWXYZ|一二三四五六七八九十"},
        /* Latin letters count half: 10 Chinese + 16 Latin fit one line */
        {"一二三四五六七八九十ABCDEFGHIJKLMNOP", "一二三四五六七八九十ABCDEFGHIJKLMNOP"},
        /* 41 units: the 的 at 31 wins over the Latin/Chinese seam at 11 */
        {"关于ISO9001质量管理体系认证工作的实施方案", "关于ISO9001质量管理体系认证工作的|实施方案"},
        /* hostile characters, 69 units: the rest (21 chars after "/../")
        ** would not fit on line 2, so line 1 is 29..40 units wide, where
        ** every break scores 0: the one nearest the balanced 35 wins */
        {"关于<测试>&“特殊字符”/../在标题中正确显示与安全导出的有关问题的通知",
         "关于&lt;测试&gt;&amp;“特殊字符”/../在标题中|正确显示与安全导出的有关问题的通知"},
        /* 49 units, balanced 25: after the closing quote (23, score 3) */
        {"关于<测试>&“特殊字符”/../在标题中安全导出的通知",
         "关于&lt;测试&gt;&amp;“特殊字符”|/../在标题中安全导出的通知"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_doc d;
        char text[512];
        snprintf(text, sizeof text, "%s\n正文。", cases[i].title);
        make_doc(&d, cases[i].title, text, NULL);
        sc_buf b = SC_BUF_INIT;
        sc_err e = {0};
        assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_OK);
        char *doc = zip_entry(&b, "word/document.xml", NULL);
        char *got = title_lines(doc);
        if (strcmp(got, cases[i].lines)) fail_msg("title %zu: got %s want %s", i, got, cases[i].lines);
        free(got);
        free(doc);
        sc_buf_free(&b);
        sc_doc_free(&d);
    }

    /* a very long title (600 characters): every line at most 20 characters */
    sc_buf t = SC_BUF_INIT;
    for (int i = 0; i < 100; i++) sc_buf_adds(&t, "关于加强的工作");   /* 7 chars */
    sc_buf text = SC_BUF_INIT;
    sc_buf_adds(&text, t.data);
    sc_buf_adds(&text, "\n正文");
    sc_doc d;
    make_doc(&d, t.data, text.data, NULL);
    sc_buf b = SC_BUF_INIT;
    sc_err e = {0};
    assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_OK);
    char *doc = zip_entry(&b, "word/document.xml", NULL);
    assert_well_formed(doc, "document.xml");
    char *got = title_lines(doc);
    size_t chars = 0, line = 0;
    for (const char *p = got; *p; p++) {
        if (*p == '|') { assert_true(line <= 20); assert_true(line > 0); line = 0; continue; }
        if (((unsigned char)*p & 0xC0) != 0x80) { line++; chars++; }
    }
    assert_true(line <= 20 && line > 0);
    assert_int_equal(chars, 700);             /* nothing lost */
    free(got);
    free(doc);
    sc_buf_free(&b);
    sc_buf_free(&t);
    sc_buf_free(&text);
    sc_doc_free(&d);
}

/* ---- the paywall ------------------------------------------------------ */

static void test_paywall(void **state)
{
    (void)state;
    sc_doc d;
    make_doc(&d, "标题", "标题\n免费部分", NULL);
    sc_buf b = SC_BUF_INIT;
    sc_err e = {0};
    sc_export_opts visitor = {0};
    assert_int_equal(sc_export_docx(&d, NULL, &b, &e), SC_EPERM);
    assert_int_equal(sc_export_docx(&d, &visitor, &b, &e), SC_EPERM);
    assert_int_equal(sc_export_txt(&d, &visitor, &b, &e), SC_EPERM);
    assert_int_equal(b.len, 0);
    /* what sc_store_get(paid = 0) returns: the free text, chars of the whole */
    d.chars = 40;
    assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_EPERM);
    assert_int_equal(sc_export_txt(&d, &member, &b, &e), SC_EPERM);
    assert_int_equal(b.len, 0);
    assert_non_null(strstr(e.msg, "free part"));
    assert_null(strstr(e.msg, "免费"));     /* messages never quote text */
    d.chars = 7;                            /* the real length: full */
    assert_int_equal(sc_export_txt(&d, &member, &b, &e), SC_OK);
    sc_buf_free(&b);
    sc_doc_free(&d);
}

/* A document that is only a title, and one with no text at all. */
static void test_title_only(void **state)
{
    (void)state;
    sc_doc d;
    make_doc(&d, "只有标题", "只有标题", NULL);
    sc_buf b = SC_BUF_INIT;
    sc_err e = {0};
    assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_OK);
    char *doc = zip_entry(&b, "word/document.xml", NULL);
    assert_well_formed(doc, "document.xml");
    assert_contains(doc, ">只有标题</w:t></w:r></w:p><w:p/><w:sectPr>");
    free(doc);
    sc_buf_reset(&b);
    sc_export_opts lf = {.may_read_paid = 1, .txt_lf = 1};
    assert_int_equal(sc_export_txt(&d, &lf, &b, &e), SC_OK);
    assert_string_equal(b.data, "只有标题\n\n");
    sc_buf_free(&b);
    sc_doc_free(&d);
    make_doc(&d, "", "", NULL);
    assert_int_equal(sc_export_docx(&d, &member, &b, &e), SC_OK);
    doc = zip_entry(&b, "word/document.xml", NULL);
    assert_well_formed(doc, "document.xml");
    free(doc);
    sc_buf_free(&b);
    sc_doc_free(&d);
    assert_int_equal(sc_export_docx(NULL, &member, &b, &e), SC_EINVAL);
}

/* ---- txt -------------------------------------------------------------- */

static void test_txt(void **state)
{
    (void)state;
    sc_doc d;
    make_doc(&d, "标题", "标题\n第一段\x01。\n\n第二段\t末", NULL);
    sc_buf b = SC_BUF_INIT;
    sc_err e = {0};
    assert_int_equal(sc_export_txt(&d, &member, &b, &e), SC_OK);
    static const char crlf[] = "\xEF\xBB\xBF标题\r\n\r\n第一段。\r\n第二段\t末\r\n";
    assert_int_equal(b.len, sizeof crlf - 1);
    assert_memory_equal(b.data, crlf, sizeof crlf - 1);
    sc_buf_reset(&b);
    sc_export_opts lf = {.may_read_paid = 1, .txt_lf = 1};
    assert_int_equal(sc_export_txt(&d, &lf, &b, &e), SC_OK);
    assert_string_equal(b.data, "标题\n\n第一段。\n第二段\t末\n");
    sc_buf_free(&b);
    sc_doc_free(&d);
}

/* ---- file names ------------------------------------------------------- */

static void test_filenames(void **state)
{
    (void)state;
    static const struct { const char *title, *ext; const char *want; } cases[] = {
        {"2023年工作总结", "docx", "2023年工作总结.docx"},
        {"a/b\\c:d*e?f\"g<h>i|j", "txt", "a_b_c_d_e_f_g_h_i_j.txt"},
        {"../../etc/passwd", "docx", "_._etc_passwd.docx"},
        {"..", "docx", "未命名.docx"},
        {"   ", "txt", "未命名.txt"},
        {"", "docx", "未命名.docx"},
        {NULL, "docx", "未命名.docx"},
        {".hidden", "docx", "hidden.docx"},
        {"title.  ", "docx", "title.docx"},
        {"a...b", "txt", "a.b.txt"},
        {"CON", "docx", "_CON.docx"},
        {"nul.txt", "docx", "_nul.txt.docx"},
        {"com1", "txt", "_com1.txt"},
        {"Lpt9 .x", "txt", "_Lpt9 .x.txt"},
        {"COM10", "docx", "COM10.docx"},
        {"CONSOLE", "docx", "CONSOLE.docx"},
        {"a\x01" "b\tc\nd\x7f", "docx", "ab c d.docx"},
        {"标题\u3000\u3000副标题", "docx", "标题 副标题.docx"},
        {"x\u202Egpj.exe", "docx", "xgpj.exe.docx"},
        {"ab\xff\xfe" "cd", "docx", "abcd.docx"},
        {"标题", NULL, "标题"},
        {"标题", "../x", "标题.x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = sc_export_filename(cases[i].title, cases[i].ext);
        assert_non_null(got);
        if (strcmp(got, cases[i].want))
            fail_msg("case %zu: got '%s' want '%s'", i, got, cases[i].want);
        free(got);
    }
    char *n2 = sc_export_filename_n("标题", 2, "docx");
    assert_string_equal(n2, "标题 (2).docx");
    free(n2);

    /* 100 × 中 = 300 bytes: cut to whole characters within 180 bytes */
    sc_buf t = SC_BUF_INIT;
    for (int i = 0; i < 100; i++) sc_buf_adds(&t, "中");
    char *got = sc_export_filename(t.data, "docx");
    assert_int_equal(strlen(got), 58 * 3 + 5);           /* 175 bytes for the stem → 58 chars */
    assert_memory_equal(got + 58 * 3, ".docx", 6);
    free(got);
    got = sc_export_filename_n(t.data, 2, "docx");        /* " (2).docx": 171 → 57 chars */
    assert_int_equal(strlen(got), 57 * 3 + 9);
    assert_string_equal(got + 57 * 3, " (2).docx");
    free(got);
    sc_buf_free(&t);
    /* a cut that lands after a dot does not leave a trailing dot */
    char longdot[400];
    memset(longdot, 'a', sizeof longdot);
    longdot[174] = '.';
    longdot[399] = 0;
    got = sc_export_filename(longdot, "docx");
    assert_true(strlen(got) <= SC_EXPORT_NAME_MAX);
    assert_null(strstr(got, "..docx"));
    assert_int_equal(strlen(got), 174 + 5);
    free(got);
}

/* ---- batch zip -------------------------------------------------------- */

static int sink_buf(void *ctx, const void *data, size_t n)
{
    sc_buf *b = ctx;
    sc_buf_add(b, data, n);
    return b->oom ? -1 : 0;
}

static int sink_fail(void *ctx, const void *data, size_t n)
{
    (void)ctx; (void)data; (void)n;
    return -1;
}

static void test_zip(void **state)
{
    (void)state;
    sc_buf out = SC_BUF_INIT;
    sc_export_zip *z;
    sc_err e = {0};
    assert_int_equal(sc_export_zip_new(sink_buf, &out, &z, &e), SC_OK);
    sc_doc d;
    make_doc(&d, "标题", "标题\n正文正文正文正文正文正文正文正文正文正文正文正文正文正文正文正文正文正文正文", NULL);
    assert_int_equal(sc_export_zip_add_doc(z, &d, &member, "docx", &e), SC_OK);
    assert_int_equal(sc_export_zip_add_doc(z, &d, &member, "docx", &e), SC_OK);
    assert_int_equal(sc_export_zip_add_doc(z, &d, &member, "docx", &e), SC_OK);
    assert_int_equal(sc_export_zip_add_doc(z, &d, &member, "txt", &e), SC_OK);
    sc_export_opts visitor = {0};
    assert_int_equal(sc_export_zip_add_doc(z, &d, &visitor, "txt", &e), SC_EPERM);
    char *name;
    assert_int_equal(sc_export_zip_add(z, "Report", "txt", "x", 1, &name, &e), SC_OK);
    assert_string_equal(name, "Report.txt");
    free(name);
    assert_int_equal(sc_export_zip_add(z, "report", "txt", "yy", 2, &name, &e), SC_OK);
    assert_string_equal(name, "report (2).txt");   /* unique ignoring case */
    free(name);
    assert_int_equal(sc_export_zip_add(z, "../../evil", "txt", "", 0, &name, &e), SC_OK);
    assert_string_equal(name, "_._evil.txt");
    free(name);
    assert_int_equal(sc_export_zip_finish(z, &e), SC_OK);
    assert_int_equal(sc_export_zip_add(z, "late", "txt", "", 0, NULL, &e), SC_EINVAL);
    sc_export_zip_free(z);

    static const char *const want[] = {"标题.docx", "标题 (2).docx", "标题 (3).docx", "标题.txt",
                                       "Report.txt", "report (2).txt", "_._evil.txt"};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(out.data, out.len, 0, &ze);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(za);
    assert_int_equal(zip_get_num_entries(za, 0), 7);
    for (zip_uint64_t i = 0; i < 7; i++) assert_string_equal(zip_get_name(za, i, 0), want[i]);
    zip_close(za);
    zip_error_fini(&ze);

    /* the entries read back intact (libzip checks each CRC at the end) */
    char *txt = zip_entry(&out, "标题.txt", NULL);
    assert_non_null(strstr(txt, "标题\r\n\r\n正文"));
    free(txt);
    size_t n;
    char *inner = zip_entry(&out, "标题 (2).docx", &n);
    sc_buf ib = {.data = inner, .len = n};
    char *core = zip_entry(&ib, "docProps/core.xml", NULL);
    assert_non_null(strstr(core, "<dc:title>标题</dc:title>"));
    free(core);
    free(inner);
    char *yy = zip_entry(&out, "report (2).txt", NULL);
    assert_string_equal(yy, "yy");
    free(yy);
    sc_buf_free(&out);

    /* a sink that fails: SC_EIO, and the writer refuses further use */
    assert_int_equal(sc_export_zip_new(sink_fail, NULL, &z, &e), SC_OK);
    assert_int_equal(sc_export_zip_add(z, "a", "txt", "abc", 3, NULL, &e), SC_EIO);
    assert_int_equal(sc_export_zip_finish(z, &e), SC_EINVAL);
    sc_export_zip_free(z);
    sc_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docx_layout),
        cmocka_unit_test(test_docx_escaping),
        cmocka_unit_test(test_docx_title_split),
        cmocka_unit_test(test_paywall),
        cmocka_unit_test(test_title_only),
        cmocka_unit_test(test_txt),
        cmocka_unit_test(test_filenames),
        cmocka_unit_test(test_zip),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
