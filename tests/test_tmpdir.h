/* test_tmpdir.h — a private folder per unit test: made under
** $SUCAI_TEST_TMP (the build folder, set by meson) or /tmp, removed with
** everything in it.  Include after cmocka.h. */
#ifndef SC_TEST_TMPDIR_H
#define SC_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

/* dir (at least 512 bytes) gets a new folder named NAME-XXXXXX. */
static inline void test_tmpdir_make(char *dir, size_t n, const char *name)
{
    const char *base = getenv("SUCAI_TEST_TMP");
    snprintf(dir, n, "%s/%s-XXXXXX", base ? base : "/tmp", name);
    assert_non_null(mkdtemp(dir));
}

static inline int test_tmpdir_remove(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

#endif
