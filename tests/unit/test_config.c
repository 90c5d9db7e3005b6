/* daemon.json decoding, --add-runtime, merge/conflicts, reload application
 * (engine spec §1.1, §1.2, §4.1 step 5) and the fixtures/daemon-json cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/runtimes.h"
#include "fsutil.h"

static char err[4096];

static int decode(const char *text, struct rt_config *c)
{
    err[0] = '\0';
    return rt_config_decode(text, strlen(text), c, err, sizeof err);
}

static void expect_decode_error(const char *text, const char *msg)
{
    struct rt_config c;
    assert_int_equal(decode(text, &c), -1);
    assert_string_equal(err, msg);
    rt_config_free(&c);
}

/* §1.1 type-error table (v26 column) plus the analogous bool fields. */
static void test_type_errors(void **state)
{
    (void)state;
    expect_decode_error("{\"runtimes\":[]}",
        "json: cannot unmarshal array into Go struct field Config.runtimes of type map[string]system.Runtime");
    expect_decode_error("{\"runtimes\":{\"x\":\"runc\"}}",
        "json: cannot unmarshal string into Go struct field Config.runtimes of type system.Runtime");
    expect_decode_error("{\"runtimes\":{\"x\":{\"path\":5}}}",
        "json: cannot unmarshal number into Go struct field Runtime.runtimes.path of type string");
    expect_decode_error("{\"runtimes\":{\"x\":{\"path\":\"runc\",\"runtimeArgs\":\"--debug\"}}}",
        "json: cannot unmarshal string into Go struct field Runtime.runtimes.runtimeArgs of type []string");
    expect_decode_error("{\"default-runtime\":5}",
        "json: cannot unmarshal number into Go struct field Config.CommonConfig.default-runtime of type string");
    expect_decode_error("{\"debug\":\"yes\"}",
        "json: cannot unmarshal string into Go struct field Config.CommonConfig.debug of type bool");
    expect_decode_error("{\"live-restore\":[]}",
        "json: cannot unmarshal array into Go struct field Config.CommonConfig.live-restore of type bool");
    /* the first error in document order wins */
    expect_decode_error("{\"debug\":1,\"default-runtime\":2}",
        "json: cannot unmarshal number into Go struct field Config.CommonConfig.debug of type bool");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_decode_error("{\"runtimes\": x}", "invalid character 'x' looking for beginning of value");
    expect_decode_error("{\"runtimes\": {", "unexpected end of JSON input");
    expect_decode_error("{} x", "invalid character 'x' after top-level value");
    expect_decode_error("{\"a\" 1}", "invalid character '1' after object key");
    expect_decode_error("{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair");
    expect_decode_error("{,}", "invalid character ',' looking for beginning of object key string");
    expect_decode_error("{\"a\":[1 2]}", "invalid character '2' after array element");
    expect_decode_error("{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')");
    expect_decode_error("{\"a\":\"\x01\"}", "invalid character '\\x01' in string literal");
    expect_decode_error("{\"a\":\"\\q\"}", "invalid character 'q' in string escape code");
    expect_decode_error("{\"a\":-}", "invalid character '}' in numeric literal");
    expect_decode_error("{\"a\":01}", "invalid character '1' after object key:value pair");
    expect_decode_error("{\"a\":1.}", "invalid character '}' after decimal point in numeric literal");
    expect_decode_error("{'a':1}", "invalid character '\\'' looking for beginning of object key string");
    expect_decode_error("{\n", "unexpected end of JSON input");
    expect_decode_error("[]", "json: cannot unmarshal array into Go value of type map[string]interface {}");
    expect_decode_error("\"x\"", "json: cannot unmarshal string into Go value of type map[string]interface {}");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_decode_error("{\"zeta\":1,\"debug\":true,\"alpha\":{}}",
        "the following directives don't match any configuration option: alpha, zeta");
    /* top-level keys are exact; keys inside a runtime object are not checked */
    expect_decode_error("{\"Debug\":true}", "the following directives don't match any configuration option: Debug");
    struct rt_config c;
    assert_int_equal(decode("{\"runtimes\":{\"x\":{\"path\":\"p\",\"bogus\":1,\"status\":{}}}}", &c), 0);
    assert_int_equal(c.nruntimes, 1);
    assert_string_equal(c.runtimes[0].path, "p");
    rt_config_free(&c);
}

static void test_decode_values(void **state)
{
    (void)state;
    struct rt_config c;
    const char *js = "\xef\xbb\xbf {\"runtimes\":{\"\":{\"path\":\"a\"},\"my/custom.rt\":{\"PATH\":\"b\","
                     "\"runtimeargs\":[\"--x\",null]},\"UPPER\":null,\"s\":{\"runtimeType\":\"io.x.v1\","
                     "\"options\":{\"k\":1}}},\"default-runtime\":\"\",\"debug\":true,\"live-restore\":null}\n";
    assert_int_equal(decode(js, &c), 0);
    assert_true(c.has_runtimes_key);
    assert_true(c.has_default_runtime_key);
    assert_string_equal(c.default_runtime, "");
    assert_true(c.has_debug && c.debug);
    assert_true(c.has_live_restore && !c.live_restore);
    assert_int_equal(c.nruntimes, 4);
    assert_non_null(rt_config_find(&c, ""));
    const struct rt_runtime_def *d = rt_config_find(&c, "my/custom.rt");
    assert_non_null(d);
    assert_string_equal(d->path, "b"); /* Go matches struct fields case-insensitively */
    assert_int_equal(d->nargs, 2);
    assert_string_equal(d->args[0], "--x");
    assert_string_equal(d->args[1], "");
    d = rt_config_find(&c, "UPPER");
    assert_non_null(d);
    assert_string_equal(d->path, "");
    d = rt_config_find(&c, "s");
    assert_string_equal(d->type, "io.x.v1");
    assert_non_null(d->options);
    assert_null(rt_config_find(&c, "upper"));
    rt_config_free(&c);

    /* empty and whitespace-only files, and null, are an empty config */
    assert_int_equal(decode("", &c), 0);
    assert_int_equal(c.nruntimes, 0);
    assert_false(c.has_runtimes_key);
    rt_config_free(&c);
    assert_int_equal(decode(" \n\t", &c), 0);
    rt_config_free(&c);
    assert_int_equal(decode("null", &c), 0);
    rt_config_free(&c);
    assert_int_equal(decode("{\"runtimes\":null}", &c), 0);
    assert_true(c.has_runtimes_key);
    assert_int_equal(c.nruntimes, 0);
    rt_config_free(&c);
}

/* §1.2: the five --add-runtime rules. */
static void test_add_runtime_rules(void **state)
{
    (void)state;
    struct rt_config none = {0};
    struct rt_runtime_def d;
    assert_int_equal(rt_config_parse_add_runtime("foo", &none, &d, err, sizeof err), -1);
    assert_string_equal(err, "invalid runtime argument: foo");
    assert_int_equal(rt_config_parse_add_runtime("foo=", &none, &d, err, sizeof err), -1);
    assert_string_equal(err, "invalid runtime argument: foo=");
    assert_int_equal(rt_config_parse_add_runtime(" =/bin/x", &none, &d, err, sizeof err), -1);
    assert_string_equal(err, "invalid runtime argument:  =/bin/x");
    assert_int_equal(rt_config_parse_add_runtime("runc=my-runc", &none, &d, err, sizeof err), -1);
    assert_string_equal(err, "runtime name 'runc' is reserved");
    assert_int_equal(rt_config_parse_add_runtime("RUNC=my-runc", &none, &d, err, sizeof err), -1);
    assert_string_equal(err, "runtime name 'runc' is reserved");

    assert_int_equal(rt_config_parse_add_runtime(" Foo = /bin/x ", &none, &d, err, sizeof err), 0);
    assert_string_equal(d.name, "foo");
    assert_string_equal(d.path, "/bin/x");
    assert_true(d.from_flag);
    struct rt_config one = {.runtimes = &d, .nruntimes = 1};
    struct rt_runtime_def d2;
    assert_int_equal(rt_config_parse_add_runtime("FOO=/bin/y", &one, &d2, err, sizeof err), -1);
    assert_string_equal(err, "runtime 'foo' was already defined");
    assert_int_equal(rt_config_parse_add_runtime("a=b=c", &one, &d2, err, sizeof err), 0);
    assert_string_equal(d2.name, "a");
    assert_string_equal(d2.path, "b=c"); /* split at the first '=' */
    free(d.name), free(d.path), free(d.type);
    free(d2.name), free(d2.path), free(d2.type);
}

static int parse_opts(struct rt_engine_opts *o, const char *cfgfile, const char *a1, const char *a2,
                      const char *a3, const char *a4)
{
    char *argv[12];
    int n = 0;
    argv[n++] = (char *)"rtengined";
    if (cfgfile) argv[n++] = (char *)"--config-file", argv[n++] = (char *)cfgfile;
    const char *extra[] = {a1, a2, a3, a4};
    for (int i = 0; i < 4; i++)
        if (extra[i]) argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    return rt_engine_opts_parse(o, n, argv);
}

static char tmpdir[256];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    return rt_rm_rf(tmpdir);
}

static char *write_cfg(const char *name, const char *text)
{
    char *p = rt_path_join(tmpdir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_flag_error_text(void **state)
{
    (void)state;
    struct rt_engine_opts o;
    assert_int_equal(parse_opts(&o, NULL, "--add-runtime", "foo=a", "--add-runtime", "foo=b"), 0);
    struct rt_config c;
    bool flag_error = false;
    assert_int_equal(rt_config_startup(&o, &c, &flag_error, err, sizeof err), -1);
    assert_true(flag_error);
    assert_string_equal(err, "Status: invalid argument \"foo=b\" for \"--add-runtime\" flag: runtime 'foo' was "
                             "already defined\nSee 'rtengined --help'., Code: 125");
    rt_config_free(&c);
    rt_engine_opts_free(&o);
}

/* §1.2 merge: union, file wins; default-runtime conflict; missing files. */
static void test_merge_and_conflicts(void **state)
{
    (void)state;
    char *cfg = write_cfg("m.json", "{\"runtimes\":{\"oci\":{\"path\":\"from-file\"},\"vm\":{\"path\":\"v\"}}}");
    struct rt_engine_opts o;
    assert_int_equal(parse_opts(&o, cfg, "--add-runtime", "oci=from-flag", "--add-runtime", "extra=e"), 0);
    struct rt_config c;
    bool fe;
    assert_int_equal(rt_config_startup(&o, &c, &fe, err, sizeof err), 0);
    assert_int_equal(c.nruntimes, 3);
    assert_string_equal(rt_config_find(&c, "oci")->path, "from-file");
    assert_false(rt_config_find(&c, "oci")->from_flag);
    assert_string_equal(rt_config_find(&c, "extra")->path, "e");
    assert_string_equal(c.default_runtime, "runc");
    rt_config_free(&c);
    rt_engine_opts_free(&o);
    free(cfg);

    cfg = write_cfg("d.json", "{\"default-runtime\":\"vm\",\"runtimes\":{\"vm\":{\"path\":\"v\"}}}");
    assert_int_equal(parse_opts(&o, cfg, "--default-runtime", "oci", NULL, NULL), 0);
    assert_int_equal(rt_config_startup(&o, &c, &fe, err, sizeof err), -1);
    assert_false(fe);
    char want[1024];
    snprintf(want, sizeof want, "unable to configure the Docker daemon with file %s: the following directives are "
             "specified both as a flag and in the configuration file: default-runtime: (from flag: oci, from file: vm)", cfg);
    assert_string_equal(err, want);
    rt_config_free(&c);
    rt_engine_opts_free(&o);
    /* without the flag the file's default is used */
    assert_int_equal(parse_opts(&o, cfg, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(rt_config_startup(&o, &c, &fe, err, sizeof err), 0);
    assert_string_equal(c.default_runtime, "vm");
    rt_config_free(&c);
    rt_engine_opts_free(&o);
    free(cfg);

    /* --debug and "debug" in the file conflict too (any flag set both ways) */
    cfg = write_cfg("g.json", "{\"debug\":false}");
    assert_int_equal(parse_opts(&o, cfg, "--debug", NULL, NULL, NULL), 0);
    assert_int_equal(rt_config_startup(&o, &c, &fe, err, sizeof err), -1);
    assert_non_null(strstr(err, "debug: (from flag: true, from file: false)"));
    rt_config_free(&c);
    rt_engine_opts_free(&o);
    free(cfg);

    /* missing explicit file: error; missing default file: no file */
    cfg = rt_path_join(tmpdir, "missing.json");
    assert_int_equal(parse_opts(&o, cfg, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(rt_config_startup(&o, &c, &fe, err, sizeof err), -1);
    snprintf(want, sizeof want, "unable to configure the Docker daemon with file %s: open %s: no such file or directory",
             cfg, cfg);
    assert_string_equal(err, want);
    rt_config_free(&c);
    rt_engine_opts_free(&o);
    assert_int_equal(rt_config_load_file(cfg, false, &c, err, sizeof err), 1);
    rt_config_free(&c);
    assert_int_equal(rt_config_load_file(tmpdir, true, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "read %s: is a directory", tmpdir);
    assert_string_equal(err, want);
    rt_config_free(&c);
    free(cfg);
}

/* §4.1 step 5. */
static void test_apply_reload(void **state)
{
    (void)state;
    struct rt_engine_opts o;
    assert_int_equal(parse_opts(&o, NULL, "--add-runtime", "oci=runc", "--default-runtime", "oci"), 0);
    struct rt_config live, file, out;
    assert_int_equal(rt_config_from_flags(&o, &live, err, sizeof err), 0);

    /* no runtimes key, no default: both kept */
    assert_int_equal(decode("{\"debug\":true}", &file), 0);
    assert_int_equal(rt_config_apply_reload(&live, &file, &out, err, sizeof err), 0);
    assert_string_equal(out.default_runtime, "oci");
    assert_non_null(rt_config_find(&out, "oci"));
    assert_true(out.debug);
    rt_config_free(&file);
    rt_config_free(&out);

    /* runtimes {} replaces everything incl. flag runtimes; "" default is sticky */
    assert_int_equal(decode("{\"runtimes\":{},\"default-runtime\":\"\"}", &file), 0);
    assert_int_equal(rt_config_apply_reload(&live, &file, &out, err, sizeof err), 0);
    assert_int_equal(out.nruntimes, 0);
    assert_string_equal(out.default_runtime, "oci");
    rt_config_free(&file);
    rt_config_free(&out);

    assert_int_equal(decode("{\"runtimes\":{\"vm\":{\"path\":\"v\"}},\"default-runtime\":\"vm\"}", &file), 0);
    assert_int_equal(rt_config_apply_reload(&live, &file, &out, err, sizeof err), 0);
    assert_int_equal(out.nruntimes, 1);
    assert_string_equal(out.default_runtime, "vm");
    json_t *j = rt_config_to_json(&out);
    assert_string_equal(json_string_value(json_object_get(j, "default-runtime")), "vm");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "runtimes"), "vm"),
                                                          "path")), "v");
    json_decref(j);
    rt_config_free(&file);
    rt_config_free(&out);
    rt_config_free(&live);
    rt_engine_opts_free(&o);
}

/* fixtures/daemon-json: decode + build, expected outcome per case. */
static void test_fixture_cases(void **state)
{
    (void)state;
    const char *src = getenv("RT_SRCDIR");
    char dirpath[1024];
    snprintf(dirpath, sizeof dirpath, "%s/fixtures/daemon-json", src ? src : ".");
    DIR *dir = opendir(dirpath);
    if (!dir) skip();
    char *data = rt_path_join(tmpdir, "data");
    struct dirent *de;
    int ncases = 0;
    while ((de = readdir(dir))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0) continue;
        char p[2048], got[4096];
        snprintf(p, sizeof p, "%s/%s", dirpath, de->d_name);
        char *text = rt_read_file(p, 1 << 20, NULL);
        snprintf(p + strlen(p) - 5, 8, ".expect");
        char *want = rt_read_file(p, 1 << 20, NULL);
        assert_non_null(text);
        assert_non_null(want);
        want[strcspn(want, "\n")] = '\0';
        struct rt_config c;
        if (decode(text, &c) < 0) {
            snprintf(got, sizeof got, "decode: %s", err);
        } else {
            assert_int_equal(rt_runtimes_wipe_dir(data, err, sizeof err), 0);
            struct rt_runtime_set *set = rt_runtimes_build(&c, data, "/run/x", err, sizeof err);
            if (set) snprintf(got, sizeof got, "ok");
            else snprintf(got, sizeof got, "build: %s", err);
            rt_runtimes_free(set);
        }
        if (strcmp(got, want) != 0) print_error("case %s\n", de->d_name);
        assert_string_equal(got, want);
        rt_config_free(&c);
        free(text), free(want);
        ncases++;
    }
    closedir(dir);
    free(data);
    assert_true(ncases >= 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_decode_values),
        cmocka_unit_test(test_add_runtime_rules),
        cmocka_unit_test(test_flag_error_text),
        cmocka_unit_test(test_merge_and_conflicts),
        cmocka_unit_test(test_apply_reload),
        cmocka_unit_test(test_fixture_cases),
    };
    return cmocka_run_group_tests_name("config", tests, setup_tmp, teardown_tmp);
}
