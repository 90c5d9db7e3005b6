/* Atomic write, mkdir -p, rm -rf, bounded reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

static int setup_dir(void **state)
{
    char tmpl[] = "/tmp/rt-fsutil-XXXXXX";
    char *d = mkdtemp(tmpl);
    if (!d) return -1;
    *state = strdup(d);
    return 0;
}

static int teardown_dir(void **state)
{
    rt_rm_rf(*state);
    free(*state);
    return 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_atomic_write_creates_with_mode(void **state)
{
    char *p = rt_path_join(*state, "f");
    mode_t old = umask(077);
    assert_int_equal(rt_atomic_write(p, "hello", 5, 0755, NULL, 0), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755); /* umask does not win */
    size_t len;
    char *got = rt_read_file(p, 100, &len);
    assert_non_null(got);
    assert_int_equal(len, 5);
    assert_string_equal(got, "hello");
    free(got);
    /* No temp file left behind. */
    assert_int_equal(count_entries(*state), 1);
    free(p);
}

static void test_atomic_write_replaces_inode(void **state)
{
    char *p = rt_path_join(*state, "f");
    assert_int_equal(rt_atomic_write(p, "a", 1, 0600, NULL, 0), 0);
    struct stat a, b;
    stat(p, &a);
    assert_int_equal(rt_atomic_write(p, "bb", 2, 0600, NULL, 0), 0);
    stat(p, &b);
    assert_int_not_equal(a.st_ino, b.st_ino);
    assert_int_equal(b.st_size, 2);
    free(p);
}

static void test_atomic_write_missing_dir_reports_open(void **state)
{
    char *p = rt_path_join(*state, "my/custom.rt.X");
    char err[512];
    assert_int_equal(rt_atomic_write(p, "x", 1, 0700, err, sizeof err), -1);
    assert_int_equal(errno, ENOENT);
    /* dockerd's shape: open <dir>/my/.tmp-custom.rt.X<digits>: no such file or directory */
    assert_non_null(strstr(err, "/my/.tmp-custom.rt.X"));
    assert_non_null(strstr(err, ": no such file or directory"));
    assert_memory_equal(err, "open ", 5);
    free(p);
}

static void test_mkdir_p_and_rm_rf(void **state)
{
    char *p = rt_path_join(*state, "a/b/c");
    assert_int_equal(rt_mkdir_p(p, 0700), 0);
    assert_int_equal(rt_mkdir_p(p, 0700), 0); /* idempotent */
    char *f = rt_path_join(p, "file");
    assert_int_equal(rt_atomic_write(f, "x", 1, 0600, NULL, 0), 0);
    char *top = rt_path_join(*state, "a");
    /* a symlink inside must be removed, not followed */
    char *link = rt_path_join(p, "link");
    assert_int_equal(symlink(*state, link), 0);
    assert_int_equal(rt_rm_rf(top), 0);
    struct stat st;
    assert_int_equal(stat(top, &st), -1);
    assert_int_equal(stat(*state, &st), 0);
    assert_int_equal(rt_rm_rf(top), 0); /* already gone is fine */
    free(p), free(f), free(top), free(link);
}

static void test_mkdir_p_over_file_fails(void **state)
{
    char *f = rt_path_join(*state, "file");
    rt_atomic_write(f, "x", 1, 0600, NULL, 0);
    char *sub = rt_path_join(f, "sub");
    assert_int_equal(rt_mkdir_p(sub, 0700), -1);
    assert_int_equal(errno, ENOTDIR);
    free(f), free(sub);
}

static void test_read_file_bounded(void **state)
{
    char *p = rt_path_join(*state, "big");
    char buf[10000];
    memset(buf, 'x', sizeof buf);
    rt_atomic_write(p, buf, sizeof buf, 0600, NULL, 0);
    assert_null(rt_read_file(p, 5000, NULL));
    assert_int_equal(errno, EFBIG);
    size_t len;
    char *all = rt_read_file(p, 10000, &len);
    assert_non_null(all);
    assert_int_equal(len, 10000);
    free(all);
    free(p);
}

static void test_path_join(void **state)
{
    (void)state;
    char *a = rt_path_join("/x", "y"), *b = rt_path_join("/x/", "y");
    assert_string_equal(a, "/x/y");
    assert_string_equal(b, "/x/y");
    free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_atomic_write_creates_with_mode, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_atomic_write_replaces_inode, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_atomic_write_missing_dir_reports_open, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_mkdir_p_and_rm_rf, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_mkdir_p_over_file_fails, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_read_file_bounded, setup_dir, teardown_dir),
        cmocka_unit_test(test_path_join),
    };
    return cmocka_run_group_tests_name("fsutil", tests, NULL, NULL);
}
