/* `--version` output parsing: moby's TestParseRuntimeVersion cases (engine
 * spec §8.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/rtversion.h"

struct vcase {
    const char *out;
    int rc;
    const char *runtime, *version, *commit;
};

static const struct vcase cases[] = {
    {"runc version 1.0.0-rc5+dev\ncommit: 69663f0bd4b60df09991c08812a60108003fa340\nspec: 1.0.0\n", 0,
     "runc", "1.0.0-rc5+dev", "69663f0bd4b60df09991c08812a60108003fa340"},
    {"runc version 1.0.0-rc5+dev\nspec: 1.0.0\n", 0, "runc", "1.0.0-rc5+dev", ""},
    {"commit: 69663f0bd4b60df09991c08812a60108003fa340\nspec: 1.0.0\n", 0, "", "",
     "69663f0bd4b60df09991c08812a60108003fa340"},
    {"crun version 0.7\nspec: 1.0.0\n+SYSTEMD +SELINUX +CAP +SECCOMP -EBPF +YAJL\n", 0, "crun", "0.7", ""},
    {"", -1, "", "", ""},
    {"hello world", -1, "", "", ""},
    /* real runc 1.1 output, surrounding whitespace trimmed */
    {"  runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n\n", 0,
     "runc", "1.1.5+ds1", "1.1.5+ds1-1"},
};

static void test_parse_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rt_rtversion v;
        assert_int_equal(rt_parse_runtime_version(cases[i].out, &v), cases[i].rc);
        assert_string_equal(v.runtime, cases[i].runtime);
        assert_string_equal(v.version, cases[i].version);
        assert_string_equal(v.commit, cases[i].commit);
        assert_int_equal(v.ran, cases[i].rc == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
