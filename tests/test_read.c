/* test_read.c — the readers: every text encoding, docx built here with
** libzip (paragraphs, tables, tabs, breaks), hostile docx (zip bomb, deep
** nesting, DOCTYPE, truncation), all samples (txt, docx, doc) against the
** MANIFEST, JSONL good and bad lines, gzip and zstd JSONL, and that every
** error names the file and the problem.
** Expected texts are written by hand; byte strings for GB18030 and UTF-16
** come from Python's codecs (python3 -c "print('清廉'.encode('gb18030'))"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "read.h"
#include "read_priv.h"

/* ---- collecting what a reader gives ----------------------------------- */

typedef struct got {
    int docs, errors;
    sc_raw raw[8];           /* first documents, deep copies */
    char errmsg[8][512];     /* first line errors */
} got;

static int collect(void *ctx, const sc_raw *r, const sc_err *e)
{
    got *g = ctx;
    if (!r) {
        if (g->errors < 8) snprintf(g->errmsg[g->errors], 512, "%s", e->msg);
        g->errors++;
        return SC_OK;
    }
    if (g->docs < 8) {
        sc_raw *c = &g->raw[g->docs];
        *c = *r;
        c->text = sc_strndup(r->text, r->len);
        c->title = sc_strdup(r->title);
        c->id = sc_strdup(r->id);
        c->date = sc_strdup(r->date);
        c->source = sc_strdup(r->source);
        c->url = sc_strdup(r->url);
    }
    g->docs++;
    return SC_OK;
}

static void got_free(got *g)
{
    for (int i = 0; i < g->docs && i < 8; i++) sc_raw_free(&g->raw[i]);
    memset(g, 0, sizeof *g);
}

/* Reads bytes as file `name`; returns the code, fills g and e. */
static int rd(const char *name, const void *p, size_t n, const sc_read_limits *lim, got *g, sc_err *e)
{
    memset(g, 0, sizeof *g);
    memset(e, 0, sizeof *e);
    return sc_read_mem(name, p, n, lim, collect, g, e);
}

/* One document expected: its text must equal want. */
static void expect_text(const char *name, const void *p, size_t n, const char *want, const char *enc)
{
    got g;
    sc_err e;
    int rc = rd(name, p, n, NULL, &g, &e);
    if (rc) fail_msg("%s: %s", name, e.msg);
    assert_int_equal(g.docs, 1);
    assert_string_equal(g.raw[0].text, want);
    assert_int_equal(g.raw[0].len, strlen(want));
    if (enc) assert_string_equal(g.raw[0].encoding, enc);
    got_free(&g);
}

/* An error expected: code, and a message holding the name and `word`. */
static void expect_error(const char *name, const void *p, size_t n, const sc_read_limits *lim, int code,
                         const char *word)
{
    got g;
    sc_err e;
    int rc = rd(name, p, n, lim, &g, &e);
    if (rc != code) fail_msg("%s: expected code %d, got %d (%s)", name, code, rc, e.msg);
    assert_int_equal(g.docs, 0);
    if (!strstr(e.msg, name)) fail_msg("message does not name the file: %s", e.msg);
    if (!strstr(e.msg, word)) fail_msg("message lacks '%s': %s", word, e.msg);
    got_free(&g);
}

/* ---- text encodings --------------------------------------------------- */

static void test_txt_encodings(void **state)
{
    (void)state;
    const char *want = "工作总结\n全面从严治D\n";
    expect_text("a.txt", "工作总结\n全面从严治D\n", strlen(want), want, "utf-8");

    char bom[64];
    int k = snprintf(bom, sizeof bom, "\xEF\xBB\xBF%s", want);
    expect_text("b.txt", bom, (size_t)k, want, "utf-8-bom");

    const char crlf[] = "工作总结\r\n全面从严治D\r\n";
    expect_text("c.txt", crlf, sizeof crlf - 1, want, NULL);
    const char cr[] = "工作总结\r全面从严治D\r";
    expect_text("d.txt", cr, sizeof cr - 1, want, NULL);
    const char mixed[] = "a\r\rb\r\n\nc";
    expect_text("e.txt", mixed, sizeof mixed - 1, "a\n\nb\n\nc", NULL);

    /* 总结 in UTF-16: LE 3B 60 D3 7E, BE 60 3B 7E D3; U+20000 as a surrogate pair */
    const unsigned char le[] = {0xFF, 0xFE, 0x3B, 0x60, 0xD3, 0x7E, 0x0D, 0x00, 0x0A, 0x00, 0x40, 0xD8, 0x00, 0xDC};
    expect_text("f.txt", le, sizeof le, "总结\n\xF0\xA0\x80\x80", "utf-16le");
    const unsigned char be[] = {0xFE, 0xFF, 0x60, 0x3B, 0x7E, 0xD3, 0x00, 0x0A, 0x00, 'x'};
    expect_text("g.txt", be, sizeof be, "总结\nx", "utf-16be");

    /* GB18030: 工作总结 CRLF 全面从严治党, then 清廉 and 4-byte ß */
    const unsigned char gb[] = {0xB9, 0xA4, 0xD7, 0xF7, 0xD7, 0xDC, 0xBD, 0xE1, 0x0D, 0x0A,
                                0xC8, 0xAB, 0xC3, 0xE6, 0xB4, 0xD3, 0xD1, 0xCF, 0xD6, 0xCE, 0xB5, 0xB3,
                                0x0A, 0xC7, 0xE5, 0xC1, 0xAE, 0x81, 0x30, 0x89, 0x38};
    expect_text("h.txt", gb, sizeof gb, "工作总结\n全面从严治党\n清廉ß", "gb18030");
}

static void test_txt_refused(void **state)
{
    (void)state;
    expect_error("x.txt", "", 0, NULL, SC_EEMPTY, "empty");
    expect_error("ws.txt", " \r\n\t\xE3\x80\x80\n", 8, NULL, SC_EEMPTY, "empty");
    const unsigned char bin[] = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', 0, 1, 2, 3};
    expect_error("b.bin", bin, sizeof bin, NULL, SC_EFORMAT, "NUL bytes at offset 12");
    const unsigned char ctl[] = {'a', 1, 2, 3, 4, 5, 6, 'b', 0x10, 0x11, 0x12, 0x13};
    expect_error("c.txt", ctl, sizeof ctl, NULL, SC_EFORMAT, "binary");
    /* 0x80 is neither UTF-8 nor GB18030, nor is a lone 0xFF */
    const unsigned char inv[] = {'o', 'k', 0x80, 0x80, 0x80, 0xFF, 0x80, 0x80, 0x80, 0xFF};
    expect_error("inv.txt", inv, sizeof inv, NULL, SC_EENCODING, "not in UTF-8, UTF-16 or GB18030");
    const unsigned char badbom[] = {0xEF, 0xBB, 0xBF, 'a', 0xC3};
    expect_error("bb.txt", badbom, sizeof badbom, NULL, SC_EENCODING, "UTF-8");
    const unsigned char odd16[] = {0xFF, 0xFE, 'a', 0, 'b'};
    expect_error("o.txt", odd16, sizeof odd16, NULL, SC_EENCODING, "UTF-16");
    const unsigned char lone[] = {0xFF, 0xFE, 0x00, 0xDC, 'a', 0};
    expect_error("l.txt", lone, sizeof lone, NULL, SC_EENCODING, "surrogate");
    expect_error("u32.txt", "\xFF\xFE\0\0a\0\0\0", 8, NULL, SC_EENCODING, "UTF-32");
    expect_error("p.png", "\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16, NULL, SC_EUNSUPPORTED, "PNG");

    sc_read_limits lim;
    sc_read_limits_default(&lim);
    lim.max_file_bytes = 10;
    expect_error("big.txt", "0123456789ab", 12, &lim, SC_ELIMIT, "too large");
    sc_read_limits_default(&lim);
    lim.max_text_bytes = 10;
    expect_error("big2.txt", "0123456789ab", 12, &lim, SC_ELIMIT, "too large");
}

/* ---- docx built in memory ------------------------------------------- */

typedef struct part { const char *name; const void *data; size_t len; int level; } part;

/* Builds a zip of the parts (deflated at `level`); caller frees *out. */
static size_t make_zip(const part *parts, int n, unsigned char **out)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    zip_source_keep(src);
    for (int i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, parts[i].data, parts[i].len, 0);
        zip_int64_t idx = zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, (zip_uint32_t)parts[i].level);
    }
    assert_int_equal(zip_close(za), 0);
    assert_int_equal(zip_source_open(src), 0);
    zip_source_seek(src, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    *out = malloc((size_t)size);
    assert_int_equal(zip_source_read(src, *out, (zip_uint64_t)size), size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    return (size_t)size;
}

#define W "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""

static size_t make_docx(const char *body_xml, unsigned char **out)
{
    sc_buf x = SC_BUF_INIT;
    sc_buf_addf(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                    "<w:document " W "><w:body>%s</w:body></w:document>", body_xml);
    const char *ct = "<?xml version=\"1.0\"?><Types/>";
    part p[] = {{"[Content_Types].xml", ct, strlen(ct), 6}, {"word/document.xml", x.data, x.len, 6}};
    size_t n = make_zip(p, 2, out);
    sc_buf_free(&x);
    return n;
}

static void test_docx_text(void **state)
{
    (void)state;
    const char *body =
        "<w:p><w:pPr><w:pStyle w:val=\"Title\"/><w:jc w:val=\"center\"/><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
        "<w:r><w:rPr><w:b/></w:rPr><w:t>2023年清廉机关</w:t></w:r><w:r><w:t>建设工作总结</w:t></w:r></w:p>"
        "<w:p><w:r><w:t xml:space=\"preserve\">一、聚焦 </w:t></w:r><w:r><w:tab/><w:t>政治&amp;建设</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
        "<w:p/>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>姓名</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>职务</w:t></w:r></w:p></w:tc></w:tr>"
        "<w:tr><w:tc><w:p><w:r><w:t>张三</w:t></w:r></w:p><w:p><w:r><w:t>李四</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><w:delText>删除的</w:delText><w:instrText>PAGE</w:instrText><w:t>结尾</w:t></w:r></w:p>";
    unsigned char *z;
    size_t n = make_docx(body, &z);
    expect_text("m1.docx", z, n,
                "2023年清廉机关建设工作总结\n一、聚焦 \t政治&建设\n第二行\n\n姓名\t职务\n张三 李四\t\n结尾\n", "utf-8");
    got g;
    sc_err e;
    assert_int_equal(rd("m1.docx", z, n, NULL, &g, &e), SC_OK);
    assert_string_equal(g.raw[0].format, "docx");
    got_free(&g);

    /* truncated: the central directory is gone */
    expect_error("half.docx", z, n / 2, NULL, SC_EFORMAT, "not a valid zip archive");
    /* corrupt: damage the deflated data of the entry but keep the directory */
    unsigned char *c = malloc(n);
    memcpy(c, z, n);
    for (size_t i = 120; i < n / 2; i++) c[i] ^= 0x5A;
    got g2;
    sc_err e2;
    int rc = rd("corrupt.docx", c, n, NULL, &g2, &e2);
    assert_int_not_equal(rc, SC_OK);
    assert_non_null(strstr(e2.msg, "corrupt.docx"));
    free(c);
    free(z);
}

static void test_docx_refused(void **state)
{
    (void)state;
    unsigned char *z;
    const char *x = "<a/>";
    part p[] = {{"word/other.xml", x, 4, 6}};
    size_t n = make_zip(p, 1, &z);
    expect_error("nodoc.docx", z, n, NULL, SC_EFORMAT, "without word/document.xml");
    free(z);

    /* nested 10000 deep */
    sc_buf b = SC_BUF_INIT;
    sc_buf_adds(&b, "<w:p><w:r><w:t>");
    for (int i = 0; i < 10000; i++) sc_buf_adds(&b, "<w:x>");
    for (int i = 0; i < 10000; i++) sc_buf_adds(&b, "</w:x>");
    sc_buf_adds(&b, "</w:t></w:r></w:p>");
    n = make_docx(b.data, &z);
    sc_buf_free(&b);
    expect_error("deep.docx", z, n, NULL, SC_ELIMIT, "deeper");
    free(z);

    /* billion laughs needs a DOCTYPE: refused before parsing */
    const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY a \"aaaaaaaaaa\">"
                         "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><w:document " W "><w:body><w:p><w:r>"
                         "<w:t>&b;&b;&b;</w:t></w:r></w:p></w:body></w:document>";
    part q[] = {{"word/document.xml", laughs, strlen(laughs), 6}};
    n = make_zip(q, 1, &z);
    expect_error("laughs.docx", z, n, NULL, SC_EFORMAT, "DOCTYPE");
    free(z);

    /* invalid UTF-8 inside the XML text */
    n = make_docx("<w:p><w:r><w:t>ok\xC3\x28</w:t></w:r></w:p>", &z);
    expect_error("badutf.docx", z, n, NULL, SC_EENCODING, "UTF-8");
    free(z);

    /* not well-formed */
    n = make_docx("<w:p><w:r><w:t>open</w:r></w:p>", &z);
    expect_error("broken.docx", z, n, NULL, SC_EFORMAT, "invalid XML");
    free(z);
}

static void test_docx_zip_bomb(void **state)
{
    (void)state;
    size_t big = (size_t)200 << 20;
    char *zeros = calloc(1, big);
    assert_non_null(zeros);
    part p[] = {{"word/document.xml", zeros, big, 1}};
    unsigned char *z;
    size_t n = make_zip(p, 1, &z);
    free(zeros);
    assert_true(n < ((size_t)2 << 20));         /* it really is a bomb: 200 MB in < 2 MB */
    expect_error("bomb.docx", z, n, NULL, SC_ELIMIT, "zip bomb");
    free(z);

    /* under the size limit but over the ratio limit: 4 MB of markup */
    sc_buf b = SC_BUF_INIT;
    sc_buf_adds(&b, "<?xml version=\"1.0\"?><w:document " W "><w:body>");
    while (b.len < ((size_t)4 << 20)) sc_buf_adds(&b, "<w:p/>");
    sc_buf_adds(&b, "</w:body></w:document>");
    part q[] = {{"word/document.xml", b.data, b.len, 9}};
    n = make_zip(q, 1, &z);
    sc_buf_free(&b);
    expect_error("ratio.docx", z, n, NULL, SC_ELIMIT, "ratio");
    free(z);
}

/* ---- the samples against the MANIFEST ---------------------------------- */

static char *shared_dir(void)
{
    /* tests run from the build dir; the repo root is found via this file's path */
    static char dir[1024];
    const char *src = __FILE__;               /* .../tests/test_read.c or ../tests/test_read.c */
    char root[900];
    snprintf(root, sizeof root, "%s", src);
    char *t = strstr(root, "tests/test_read.c");
    if (!t) return NULL;
    *t = 0;
    snprintf(dir, sizeof dir, "%s../shared/samples/raw", root[0] ? root : "./");
    struct stat st;
    return stat(dir, &st) == 0 ? dir : NULL;
}

/* Collapses white space away, for loose comparisons. */
static char *squeeze(const char *s)
{
    sc_buf b = SC_BUF_INIT;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') sc_buf_addc(&b, *s);
    return sc_buf_detach(&b);
}

static char *replace_all(const char *s, const char *from, const char *to)
{
    sc_buf b = SC_BUF_INIT;
    size_t k = strlen(from);
    while (*s) {
        if (!strncmp(s, from, k)) { sc_buf_adds(&b, to); s += k; }
        else sc_buf_addc(&b, *s++);
    }
    return sc_buf_detach(&b);
}

/* The encoding name we should report for a MANIFEST "encoding" value. */
static const char *want_encoding(const char *format, const char *enc)
{
    if (!strcmp(format, "doc")) return "word97";
    if (!strcmp(format, "docx")) return "utf-8";
    if (!strcmp(enc, "utf-8-crlf")) return "utf-8";
    return enc;
}

static void test_samples(void **state)
{
    (void)state;
    char *dir = shared_dir();
    if (!dir) { printf("NOTICE: ../shared/samples/raw not found, .doc samples skipped\n"); return; }
    char path[1200];
    snprintf(path, sizeof path, "%s/MANIFEST.jsonl", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int docs = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *m = json_loads(line, 0, NULL);
        assert_non_null(m);
        const char *file = json_string_value(json_object_get(m, "file"));
        const char *format = json_string_value(json_object_get(m, "format"));
        snprintf(path, sizeof path, "%s/%s", dir, file);
        got g;
        memset(&g, 0, sizeof g);
        sc_err e = {0};
        int rc = sc_read_path(path, NULL, collect, &g, &e);
        if (rc) fail_msg("%s: %s", file, e.msg);
        assert_int_equal(g.docs, 1);
        assert_string_equal(g.raw[0].format, format);
        assert_string_equal(g.raw[0].encoding, want_encoding(format, json_string_value(json_object_get(m, "encoding"))));
        /* the raw text still has markers, masks and footers: compare loosely */
        const char *clean = json_string_value(json_object_get(m, "clean"));
        char *want = json_is_true(json_object_get(m, "masked")) ? replace_all(clean, "党", "D") : strdup(clean);
        char *text = replace_all(g.raw[0].text, "##paidbegin##", "");
        /* the title is the first non-empty line */
        const char *t = text;
        while (*t == '\n' || *t == ' ') t++;
        const char *title = json_string_value(json_object_get(m, "title"));
        char *wt = json_is_true(json_object_get(m, "masked")) ? replace_all(title, "党", "D") : strdup(title);
        if (strncmp(t, wt, strlen(wt))) fail_msg("%s: title differs", file);
        /* every paragraph of clean appears, in order */
        char *st = squeeze(text);
        const char *at = st;
        char *para = want;
        for (char *nl; para && *para; para = nl ? nl + 1 : NULL) {
            nl = strchr(para, '\n');
            if (nl) *nl = 0;
            char *sp = squeeze(para);
            const char *hit = strstr(at, sp);
            if (!hit) fail_msg("%s: paragraph missing or out of order: %.60s", file, para);
            at = hit + strlen(sp);
            free(sp);
        }
        free(st); free(wt); free(text); free(want);
        got_free(&g);
        json_decref(m);
        docs++;
    }
    free(line);
    fclose(f);
    assert_true(docs > 0);
    printf("%d samples (txt, docx, doc) matched their MANIFEST text and encoding\n", docs);
}

static void test_doc_refused(void **state)
{
    (void)state;
    unsigned char ole[600];
    memset(ole, 0, sizeof ole);
    memcpy(ole, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    expect_error("fake.doc", ole, sizeof ole, NULL, SC_EFORMAT, "OLE2");

    char *dir = shared_dir();
    if (!dir) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/m00030.doc", dir);
    FILE *f = fopen(path, "rb");
    if (!f) return;
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* truncated to half: the container or a stream is cut */
    got g;
    sc_err e;
    assert_int_not_equal(rd("half.doc", buf, n / 2, NULL, &g, &e), SC_OK);
    assert_non_null(strstr(e.msg, "half.doc"));
    /* set fEncrypted in the FIB: find the WordDocument stream's FIB by its signature */
    for (size_t i = 512; i + 12 < n; i += 512) {
        if (buf[i] == 0xEC && buf[i + 1] == 0xA5) {
            buf[i + 0x0B] |= 0x01;
            expect_error("enc.doc", buf, n, NULL, SC_EUNSUPPORTED, "encrypted");
            return;
        }
    }
    fail_msg("no FIB found in the sample");
}

/* ---- JSONL ---------------------------------------------------------- */

static const char jsonl[] =
    "{\"title\":\"甲\",\"text\":\"第一段\\r\\n第二段\",\"id\":17,\"date\":\"2023-01-02\",\"source\":\"s\",\"url\":\"u\"}\n"
    "\n"
    "{\"title\":\"乙\",\"text\":\"正文\",\"id\":\"x-1\"}\r\n"
    "{\"title\":\"丙\"}\n"
    "not json\n"
    "{\"title\":\"丁\",\"text\":\"t\",\"id\":1.5}\n"
    "[1,2]\n"
    "{\"title\":\"戊\",\"text\":\"   \"}\n"
    "{\"title\":\"己\",\"text\":\"末行\",\"date\":null}";

static void check_jsonl(got *g)
{
    assert_int_equal(g->docs, 3);
    assert_int_equal(g->errors, 5);
    assert_string_equal(g->raw[0].title, "甲");
    assert_string_equal(g->raw[0].text, "第一段\n第二段");
    assert_string_equal(g->raw[0].id, "17");
    assert_string_equal(g->raw[0].date, "2023-01-02");
    assert_string_equal(g->raw[0].source, "s");
    assert_string_equal(g->raw[0].url, "u");
    assert_int_equal(g->raw[0].line, 1);
    assert_string_equal(g->raw[1].id, "x-1");
    assert_int_equal(g->raw[1].line, 3);
    assert_null(g->raw[1].date);
    assert_string_equal(g->raw[2].text, "末行");
    assert_int_equal(g->raw[2].line, 9);
    assert_null(g->raw[2].id);
    assert_non_null(strstr(g->errmsg[0], "line 4: missing \"text\""));
    assert_non_null(strstr(g->errmsg[1], "line 5: invalid JSON"));
    assert_non_null(strstr(g->errmsg[2], "line 6: \"id\""));
    assert_non_null(strstr(g->errmsg[3], "line 7: not a JSON object"));
    assert_non_null(strstr(g->errmsg[4], "line 8: "));
    assert_non_null(strstr(g->errmsg[4], "empty"));
    for (int i = 0; i < 5; i++) assert_non_null(strstr(g->errmsg[i], "c.jsonl"));
}

static void test_jsonl(void **state)
{
    (void)state;
    got g;
    sc_err e;
    assert_int_equal(rd("c.jsonl", jsonl, sizeof jsonl - 1, NULL, &g, &e), SC_OK);
    check_jsonl(&g);
    assert_string_equal(g.raw[0].format, "jsonl");
    got_free(&g);
    /* detected by content even without the name, when every line is an object */
    const char good[] = "{\"title\":\"a\",\"text\":\"b\"}\n\n{\"title\":\"c\",\"text\":\"d\"}\n";
    assert_int_equal(rd("c.bak", good, sizeof good - 1, NULL, &g, &e), SC_OK);
    assert_int_equal(g.docs, 2);
    assert_string_equal(g.raw[1].format, "jsonl");
    got_free(&g);
    /* with one bad line and no .jsonl name it is not trusted to be JSONL */
    assert_int_equal(rd("c.bak", jsonl, sizeof jsonl - 1, NULL, &g, &e), SC_OK);
    assert_int_equal(g.docs, 1);
    assert_string_equal(g.raw[0].format, "txt");
    got_free(&g);
    /* but a .txt of JSON stays text */
    assert_int_equal(rd("c.txt", jsonl, sizeof jsonl - 1, NULL, &g, &e), SC_OK);
    assert_int_equal(g.docs, 1);
    assert_string_equal(g.raw[0].format, "txt");
    got_free(&g);
    expect_error("d.jsonl", "plain words\n", 12, NULL, SC_EFORMAT, "not JSON Lines");

    /* a line over the text limit is one line error, the next line still reads */
    sc_read_limits lim;
    sc_read_limits_default(&lim);
    lim.max_text_bytes = 60;
    const char two[] = "{\"title\":\"a\",\"text\":\"0123456789012345678901234567890123456789012345678901234567890\"}\n"
                       "{\"title\":\"b\",\"text\":\"ok\"}\n";
    assert_int_equal(rd("l.jsonl", two, sizeof two - 1, &lim, &g, &e), SC_OK);
    assert_int_equal(g.docs, 1);
    assert_int_equal(g.errors, 1);
    assert_non_null(strstr(g.errmsg[0], "line 1: line too long"));
    assert_string_equal(g.raw[0].title, "b");
    got_free(&g);
}

static void test_jsonl_compressed(void **state)
{
    (void)state;
    /* gzip (windowBits 31 = gzip wrapper), written in two members */
    unsigned char gz[4096];
    size_t gzn = 0;
    size_t half = (sizeof jsonl - 1) / 2;
    for (int m = 0; m < 2; m++) {
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = (unsigned char *)jsonl + (m ? half : 0);
        z.avail_in = (uInt)(m ? sizeof jsonl - 1 - half : half);
        z.next_out = gz + gzn;
        z.avail_out = (uInt)(sizeof gz - gzn);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        gzn = sizeof gz - z.avail_out;
        deflateEnd(&z);
    }
    got g;
    sc_err e;
    assert_int_equal(rd("c.jsonl.gz", gz, gzn, NULL, &g, &e), SC_OK);
    check_jsonl(&g);
    got_free(&g);
    expect_error("t.jsonl.gz", gz, 30, NULL, SC_EFORMAT, "truncated gzip");

    unsigned char zs[4096];
    size_t zsn = ZSTD_compress(zs, sizeof zs, jsonl, sizeof jsonl - 1, 3);
    assert_false(ZSTD_isError(zsn));
    assert_int_equal(rd("c.jsonl.zst", zs, zsn, NULL, &g, &e), SC_OK);
    check_jsonl(&g);
    got_free(&g);
    expect_error("t.jsonl.zst", zs, zsn - 5, NULL, SC_EFORMAT, "truncated zstd");

    /* compressed, but not JSONL */
    const char *plain = "hello\nworld\n";
    zsn = ZSTD_compress(zs, sizeof zs, plain, strlen(plain), 3);
    expect_error("p.zst", zs, zsn, NULL, SC_EUNSUPPORTED, "not JSON Lines");

    /* the decompressed total is bounded */
    sc_read_limits lim;
    sc_read_limits_default(&lim);
    lim.max_stream_bytes = 100;
    zsn = ZSTD_compress(zs, sizeof zs, jsonl, sizeof jsonl - 1, 3);
    expect_error("s.jsonl.zst", zs, zsn, &lim, SC_ELIMIT, "decompresses to more than");
}

/* Lines that exercise the fast JSON path and its hand-over to jansson; the
** expected values are JSON's meaning, worked out by hand. */
static void test_jsonl_edge_cases(void **state)
{
    (void)state;
    const char *lines[] = {
        "{\"title\":\"a\\u4e2d\",\"text\":\"x\\ty\\\\n\\\"q\\\"\\/\",\"id\":-0}",
        "{ \"title\" : \"t\" , \"text\" : \"\\ud83d\\ude00 \xF0\x9F\x98\x80\" , \"id\" : \"7\" , \"n\" : true }",
        "{\"title\":\"t\",\"text\":\"x\",\"meta\":{\"a\":[1,2]},\"id\":5}",
        "{\"title\":\"t\",\"text\":\"a\",\"text\":\"b\",\"url\":null}",
        "{\"title\":\"t\",\"text\":\"x\",\"id\":123456789012345678901}",
        "{\"title\":\"t\",\"text\":\"x\",\"id\":1e3}",
        "{\"title\":\"t\",\"text\":\"x\\u0000\"}",
        "{\"title\":\"t\",\"text\":\"x\",\"date\":5}",
        "{\"title\":\"t\",\"text\":\"x\"} trailing",
        "{\"title\":\"t\",\"text\":\"x\",\"other\":\"bad \\q escape\"}",
        "{\"title\":\"t\",\"text\":\"lone \\udc00\"}",
        "{\"title\":\"t\",\"text\":\"x\",\"id\":007}",
    };
    size_t nl = sizeof lines / sizeof *lines;
    sc_buf b = SC_BUF_INIT;
    for (size_t i = 0; i < nl; i++) {
        assert_true(sc_jsonl_selfcheck(lines[i], strlen(lines[i])));
        sc_buf_adds(&b, lines[i]);
        sc_buf_addc(&b, '\n');
    }
    got g;
    sc_err e;
    assert_int_equal(rd("e.jsonl", b.data, b.len, NULL, &g, &e), SC_OK);
    sc_buf_free(&b);
    assert_int_equal(g.docs, 4);
    assert_int_equal(g.errors, 8);
    assert_string_equal(g.raw[0].title, "a中");
    assert_string_equal(g.raw[0].text, "x\ty\\n\"q\"/");
    assert_string_equal(g.raw[0].id, "0");
    assert_string_equal(g.raw[1].text, "\xF0\x9F\x98\x80 \xF0\x9F\x98\x80");
    assert_string_equal(g.raw[1].id, "7");
    assert_string_equal(g.raw[2].id, "5");
    assert_string_equal(g.raw[3].text, "b");
    assert_null(g.raw[3].url);
    const char *want[] = {"line 5: invalid JSON", "line 6: \"id\" must be", "line 7: invalid JSON",
                          "line 8: \"date\" must be a string", "line 9: invalid JSON", "line 10: invalid JSON",
                          "line 11: invalid JSON", "line 12: invalid JSON"};
    for (int i = 0; i < 8; i++)
        if (!strstr(g.errmsg[i], want[i])) fail_msg("error %d: want '%s', got '%s'", i, want[i], g.errmsg[i]);
    got_free(&g);
}

/* ---- a large .jsonl file, read a chunk at a time ---------------------- */

/* Everything a reader gives, folded into one number, and counted. */
typedef struct digest { uint64_t h; long docs, errors; } digest;

static void mix_in(digest *d, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) d->h = (d->h ^ c[i]) * 1099511628211ull;
    d->h = (d->h ^ 0xFF) * 1099511628211ull;
}

static int digest_cb(void *ctx, const sc_raw *r, const sc_err *e)
{
    digest *d = ctx;
    if (!r) { d->errors++; mix_in(d, e->msg, strlen(e->msg)); return SC_OK; }
    d->docs++;
    mix_in(d, &r->line, sizeof r->line);
    mix_in(d, r->text, r->len);
    if (r->title) mix_in(d, r->title, strlen(r->title));
    if (r->id) mix_in(d, r->id, strlen(r->id));
    mix_in(d, r->format, strlen(r->format));
    return SC_OK;
}

typedef struct cutter { digest d; const char *path; } cutter;

static int cut_at_first(void *ctx, const sc_raw *r, const sc_err *e)
{
    cutter *c = ctx;
    if (r && !c->d.docs) assert_int_equal(truncate(c->path, 6u << 20), 0);
    return digest_cb(&c->d, r, e);
}

/* A file of 13 MB (streamed, in chunks of 4 MB) gives exactly what the
** same bytes read whole give: documents, line numbers, bad lines' errors
** naming the file, a 5 MB line across chunk boundaries, CRLF ends. */
static void test_jsonl_streamed_file(void **state)
{
    (void)state;
    sc_buf b = SC_BUF_INIT;
    for (int i = 0; i < 16001; i++) {        /* the last line a document */
        if (i % 1000 == 999) { sc_buf_adds(&b, "not json\n"); continue; }
        sc_buf_addf(&b, "{\"title\":\"第%d篇\",\"id\":\"k%d\",\"text\":\"", i, i);
        size_t reps = i == 7000 ? 160000 : 20;
        for (size_t k = 0; k < reps; k++) sc_buf_adds(&b, "正文内容，第二段。\\n");
        sc_buf_adds(&b, i % 3 ? "\"}\n" : "\"}\r\n");
    }
    assert_false(b.oom);
    assert_true(b.len > 12u << 20);
    char dir[] = "/tmp/sucai-read-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/big.jsonl", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    digest whole = {1469598103934665603ull, 0, 0}, streamed = whole;
    sc_err e = {0};
    assert_int_equal(sc_read_mem(path, (const unsigned char *)b.data, b.len, NULL, digest_cb, &whole, &e), SC_OK);
    assert_int_equal(sc_read_path(path, NULL, digest_cb, &streamed, &e), SC_OK);
    assert_int_equal(whole.docs, 16001 - 16);
    assert_int_equal(whole.errors, 16);
    assert_int_equal(streamed.docs, whole.docs);
    assert_int_equal(streamed.errors, whole.errors);
    assert_true(streamed.h == whole.h);
    /* read a chunk at a time: a file cut while it is read (here by the
       first document's callback) is an error naming it, not a short read */
    cutter c = {{1469598103934665603ull, 0, 0}, path};
    assert_int_equal(sc_read_path(path, NULL, cut_at_first, &c, &e), SC_EIO);
    assert_non_null(strstr(e.msg, "changed while reading"));
    assert_non_null(strstr(e.msg, path));
    assert_true(c.d.docs > 0 && c.d.docs < whole.docs);
    f = fopen(path, "wb");                 /* whole again */
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    /* a file that is cut short mid-line reads as far as it goes, the last
       line an error */
    assert_int_equal(truncate(path, (off_t)(b.len - 5)), 0);
    digest cut = {1469598103934665603ull, 0, 0};
    assert_int_equal(sc_read_path(path, NULL, digest_cb, &cut, &e), SC_OK);
    assert_int_equal(cut.docs, whole.docs - 1);
    assert_int_equal(cut.errors, whole.errors + 1);
    unlink(path);
    rmdir(dir);
    sc_buf_free(&b);
}

static void test_known_names(void **state)
{
    (void)state;
    assert_true(sc_read_known_name("a/b.TXT"));
    assert_true(sc_read_known_name("x.docx"));
    assert_true(sc_read_known_name("x.doc"));
    assert_true(sc_read_known_name("x.jsonl.zst"));
    assert_true(sc_read_known_name("x.jsonl.gz"));
    assert_false(sc_read_known_name("x.png"));
    assert_false(sc_read_known_name("x.gz"));
    assert_false(sc_read_known_name("txt"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txt_encodings),
        cmocka_unit_test(test_txt_refused),
        cmocka_unit_test(test_docx_text),
        cmocka_unit_test(test_docx_refused),
        cmocka_unit_test(test_docx_zip_bomb),
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_doc_refused),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_compressed),
        cmocka_unit_test(test_jsonl_edge_cases),
        cmocka_unit_test(test_jsonl_streamed_file),
        cmocka_unit_test(test_known_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
