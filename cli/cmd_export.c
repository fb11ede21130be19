/*
** cmd_export.c — `sucai export`: documents as .docx / .txt files.
**
**   sucai export ID [--format docx|txt] [--lf] [-o FILE]
**       one document.  Without -o the file is named after the title
**       (sc_export_filename) in the current directory, " (2)" etc. added
**       when that name exists; its path is printed.  -o - writes to stdout.
**   sucai export --zip OUT.zip [--format docx|txt] [--lf] ID...
**       several documents as one zip (names unique within it); OUT.zip may
**       be - for stdout.  Ids that are not found are reported and skipped
**       (exit 1).
** The CLI is the librarian's tool: it reads the full text (paid = 1).
*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/export.h"
#include "cli.h"

static const struct option export_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"zip", required_argument, NULL, 'z'},
    {"lf", no_argument, NULL, 'l'},
    {"creator", required_argument, NULL, 'c'},
    {"library", required_argument, NULL, 'L'},
    {NULL, 0, NULL, 0},
};

static void usage(void)
{
    fprintf(stderr, "usage: sucai export ID [--format docx|txt] [--lf] [-o FILE|-]\n"
                    "       sucai export --zip OUT.zip|- [--format docx|txt] [--lf] ID...\n");
}

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int sink_file(void *ctx, const void *data, size_t n)
{
    return write_all(ctx, data, n);
}

/* Opens a new file named after title in the cwd, never overwriting one:
** "T.docx", "T (2).docx", ...  Returns the FILE and sets *path (caller frees). */
static FILE *open_new(const char *title, const char *ext, char **path)
{
    for (unsigned n = 1; n < 1000; n++) {
        char *name = sc_export_filename_n(title, n, ext);
        if (!name) return NULL;
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "wb");
            if (!f) { close(fd); unlink(name); free(name); return NULL; }
            *path = name;
            return f;
        }
        int e = errno;
        free(name);
        if (e != EEXIST) return NULL;
    }
    return NULL;
}

static int export_one(sc_library *lib, const char *id, const char *format, const char *output,
                      const sc_export_opts *o)
{
    sc_doc d;
    sc_err e = {0};
    int rc = sc_store_get(sc_library_store(lib), id, 1, &d, &e);
    if (rc) { cli_error("%s", e.msg); return rc == SC_ENOTFOUND ? 1 : 2; }
    sc_buf b = SC_BUF_INIT;
    rc = !strcmp(format, "txt") ? sc_export_txt(&d, o, &b, &e) : sc_export_docx(&d, o, &b, &e);
    if (rc) {
        cli_error("%s: %s", id, e.msg);
        sc_doc_free(&d);
        sc_buf_free(&b);
        return 2;
    }
    int status = 0;
    if (output && !strcmp(output, "-")) {
        if (write_all(stdout, b.data, b.len) || fflush(stdout)) {
            cli_error("cannot write to stdout: %s", strerror(errno));
            status = 2;
        }
    } else {
        char *path = NULL;
        FILE *f = output ? fopen(output, "wb") : open_new(d.title, format, &path);
        const char *shown = output ? output : path;
        if (!f) {
            cli_error("cannot create %s: %s", output ? output : "the output file", strerror(errno));
            status = 2;
        } else {
            int bad = write_all(f, b.data, b.len);
            if (fclose(f) || bad) {
                cli_error("cannot write %s: %s", shown, strerror(errno));
                status = 2;
            } else {
                printf("%s\n", shown);
            }
        }
        free(path);
    }
    sc_doc_free(&d);
    sc_buf_free(&b);
    return status;
}

static int export_zip(sc_library *lib, char **ids, int n, const char *format, const char *output,
                      const sc_export_opts *o)
{
    int to_stdout = !strcmp(output, "-");
    FILE *f = to_stdout ? stdout : fopen(output, "wb");
    if (!f) { cli_error("cannot create %s: %s", output, strerror(errno)); return 2; }
    sc_export_zip *z = NULL;
    sc_err e = {0};
    int status = 0;
    if (sc_export_zip_new(sink_file, f, &z, &e)) { cli_error("%s", e.msg); status = 2; }
    for (int i = 0; i < n && status < 2; i++) {
        sc_doc d;
        int rc = sc_store_get(sc_library_store(lib), ids[i], 1, &d, &e);
        if (rc) {
            cli_error("%s", e.msg);
            status = rc == SC_ENOTFOUND ? 1 : 2;
            continue;
        }
        if (sc_export_zip_add_doc(z, &d, o, format, &e)) {
            cli_error("%s: %s", ids[i], e.msg);
            status = 2;
        }
        sc_doc_free(&d);
    }
    if (status < 2 && sc_export_zip_finish(z, &e)) { cli_error("%s", e.msg); status = 2; }
    sc_export_zip_free(z);
    int bad = to_stdout ? fflush(stdout) : fclose(f);
    if (bad) { cli_error("cannot write %s: %s", output, strerror(errno)); status = 2; }
    if (status == 2 && !to_stdout) unlink(output);      /* no half archive left behind */
    if (status < 2 && !to_stdout) printf("%s\n", output);
    return status;
}

int cmd_export(int argc, char **argv)
{
    const char *format = "docx", *output = NULL, *zip = NULL;
    sc_export_opts o = {.may_read_paid = 1};
    int c;
    while ((c = getopt_long(argc, argv, "f:o:z:", export_opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'z': zip = optarg; break;
        case 'l': o.txt_lf = 1; break;
        case 'c': o.creator = optarg; break;
        case 'L': g_cli.library = optarg; break;
        default: usage(); return 2;
        }
    }
    if (strcmp(format, "docx") && strcmp(format, "txt")) {
        cli_error("unknown format '%s' (docx, txt)", format);
        return 2;
    }
    int n = argc - optind;
    if (zip ? (n < 1 || output) : n != 1) { usage(); return 2; }
    sc_library *lib = cli_open(1);
    if (!lib) return 2;
    int rc = zip ? export_zip(lib, argv + optind, n, format, zip, &o)
                 : export_one(lib, argv[optind], format, output, &o);
    sc_library_close(lib);
    return rc;
}
