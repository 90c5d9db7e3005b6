/* Task bundle: config.json from the container documents, FIFOs, cleanup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/bundle.h"
#include "fsutil.h"
#include "jsonutil.h"

static void test_spec(void **st)
{
    (void)st;
    json_t *doc = json_pack("{s:{s:[s],s:[s,s],s:[s],s:s}}", "Config", "Entrypoint", "/bin/sh", "Cmd", "-c",
                            "exit 3", "Env", "A=1", "WorkingDir", "");
    json_t *hc = json_pack("{s:{s:s},s:b}", "Annotations", "io.containerd.runtime.v2.shim.failpoint.Start",
                           "1*error(boom)", "ReadonlyRootfs", 1);
    json_t *spec = rt_bundle_spec(doc, hc, "0123456789abcdef", "/data/images/x/rootfs");
    json_t *proc = json_object_get(spec, "process");
    json_t *args = json_object_get(proc, "args");
    assert_int_equal(json_array_size(args), 3);
    assert_string_equal(json_string_value(json_array_get(args, 0)), "/bin/sh");
    assert_string_equal(json_string_value(json_array_get(args, 2)), "exit 3");
    assert_string_equal(rt_json_str(proc, "cwd", ""), "/");
    assert_string_equal(json_string_value(json_array_get(json_object_get(proc, "env"), 0)), "A=1");
    json_t *root = json_object_get(spec, "root");
    assert_string_equal(rt_json_str(root, "path", ""), "/data/images/x/rootfs");
    assert_true(json_is_true(json_object_get(root, "readonly")));
    assert_string_equal(rt_json_str(json_object_get(spec, "annotations"),
                                    "io.containerd.runtime.v2.shim.failpoint.Start", ""),
                        "1*error(boom)");
    assert_string_equal(rt_json_str(spec, "hostname", ""), "0123456789ab");
    json_decref(spec);

    /* WorkingDir kept; no HostConfig at all. */
    json_object_set_new(json_object_get(doc, "Config"), "WorkingDir", json_string("/w"));
    spec = rt_bundle_spec(doc, NULL, "id", "/r");
    assert_string_equal(rt_json_str(json_object_get(spec, "process"), "cwd", ""), "/w");
    assert_int_equal(json_object_size(json_object_get(spec, "annotations")), 0);
    json_decref(spec);
    json_decref(doc);
    json_decref(hc);
}

static void test_create_destroy(void **st)
{
    (void)st;
    char dir[] = "/tmp/test_bundle.XXXXXX";
    assert_non_null(mkdtemp(dir));
    json_t *spec = json_pack("{s:s}", "ociVersion", "1.0.2");
    struct rt_bundle b;
    char *err = NULL;
    assert_int_equal(rt_bundle_create(&b, dir, "abc", spec, &err), 0);
    char *want = NULL;
    assert_true(asprintf(&want, "%s/containerd/abc", dir) > 0);
    assert_string_equal(b.dir, want);
    struct stat sb;
    assert_int_equal(stat(b.dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    char *p = rt_path_join(b.dir, "log");
    assert_int_equal(stat(p, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    free(p);
    assert_true(b.log_fd >= 0 && b.out_fd >= 0 && b.err_fd >= 0);
    p = rt_path_join(b.dir, "config.json");
    json_t *back = rt_json_load_file(p, 1 << 20, NULL, 0);
    assert_non_null(back);
    assert_string_equal(rt_json_str(back, "ociVersion", ""), "1.0.2");
    json_decref(back);
    free(p);
    /* A FIFO opened O_RDWR by us: a writer never blocks, reads are ours. */
    int w = open(b.stdout_path, O_WRONLY | O_NONBLOCK);
    assert_true(w >= 0);
    assert_int_equal(write(w, "x", 1), 1);
    close(w);
    char c;
    assert_int_equal(read(b.out_fd, &c, 1), 1);
    rt_bundle_destroy(&b);
    assert_int_equal(access(want, F_OK), -1);
    free(want);
    json_decref(spec);
    rt_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_create_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
