/* In-process reloads (engine spec §4.1, Appendix A.7): all-or-nothing,
 * generations, the reload event, and the missing-default-file rule
 * (moby resets the default to runc; rtengined keeps a --default-runtime
 * flag, the SHOULD of README "Beyond the reference"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/reload.h"
#include "engine/runtimes.h"
#include "engine/snapshot.h"
#include "fsutil.h"
#include "log.h"

static char tmpdir[64];

/* An engine as startup leaves it: config from flags + file, first snapshot. */
static void start(struct rt_engine *e, const char *file_text, bool explicit_file, const char *default_flag,
                  const char *add_runtime)
{
    memset(e, 0, sizeof *e);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rt-reload-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    e->opts.config_file = rt_path_join(tmpdir, "daemon.json");
    e->opts.config_file_set = explicit_file;
    e->opts.data_root = rt_path_join(tmpdir, "data");
    e->opts.exec_root = rt_path_join(tmpdir, "exec");
    e->opts.default_runtime = strdup(default_flag ? default_flag : "runc");
    e->opts.default_runtime_set = default_flag != NULL;
    e->opts.log_level = (char *)"error"; /* what reloads restore the level to */
    if (add_runtime) {
        e->opts.add_runtime = calloc(1, sizeof(char *));
        e->opts.add_runtime[0] = strdup(add_runtime);
        e->opts.n_add_runtime = 1;
    }
    snprintf(e->id, sizeof e->id, "engine-id");
    rt_mkdir_p(e->opts.data_root, 0700);
    rt_mkdir_p(e->opts.exec_root, 0700);
    char err[2048];
    if (file_text) assert_int_equal(rt_atomic_write(e->opts.config_file, file_text, strlen(file_text), 0644, err, sizeof err), 0);
    assert_int_equal(rt_runtimes_wipe_dir(e->opts.data_root, err, sizeof err), 0);
    struct rt_config cfg;
    bool flag_error;
    if (rt_config_startup(&e->opts, &cfg, &flag_error, err, sizeof err) < 0) fail_msg("startup: %s", err);
    struct rt_runtime_set *set = rt_runtimes_build(&cfg, e->opts.data_root, e->opts.exec_root, err, sizeof err);
    if (!set) fail_msg("build: %s", err);
    e->snaps = rt_snapstore_new();
    e->events = rt_events_new(16, 16);
    rt_snapshot_publish(e->snaps, &cfg, set);
    rt_config_free(&cfg);
}

static void stop(struct rt_engine *e)
{
    rt_snapstore_free(e->snaps);
    rt_events_free(e->events);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) print_error("cannot remove %s\n", tmpdir);
    for (size_t i = 0; i < e->opts.n_add_runtime; i++) free(e->opts.add_runtime[i]);
    free(e->opts.add_runtime);
    free(e->opts.config_file), free(e->opts.data_root), free(e->opts.exec_root), free(e->opts.default_runtime);
}

static void write_file(struct rt_engine *e, const char *text)
{
    char err[256];
    assert_int_equal(rt_atomic_write(e->opts.config_file, text, strlen(text), 0644, err, sizeof err), 0);
}

static const char *default_of(struct rt_engine *e, char *buf, size_t n, unsigned long *gen)
{
    struct rt_snapshot *s = rt_snapshot_get(e->snaps);
    snprintf(buf, n, "%s", s->set->default_name);
    if (gen) *gen = s->generation;
    rt_snapshot_put(s);
    return buf;
}

static void test_all_or_nothing(void **state)
{
    (void)state;
    struct rt_engine e;
    start(&e, "{\"default-runtime\":\"vm\",\"runtimes\":{\"vm\":{\"path\":\"/bin/true\"}}}", true, NULL, NULL);
    struct rt_event_sub *sub = rt_events_subscribe(e.events, -1, -1, NULL);
    char buf[64], err[2048];
    unsigned long g0, g1;
    default_of(&e, buf, sizeof buf, &g0);
    write_file(&e, "{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}");
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), -1);
    assert_string_equal(err, "specified default runtime 'vm' does not exist");
    assert_string_equal(default_of(&e, buf, sizeof buf, &g1), "vm");
    assert_true(g1 == g0); /* nothing published */
    struct rt_event *ev;
    assert_int_equal(rt_event_sub_next(sub, 0, &ev), 0); /* and no event */

    write_file(&e, "{\"runtimes\":{\"oci\":{\"path\":\"runc\"},\"vm\":{\"path\":\"/bin/false\"}}}");
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), 0);
    default_of(&e, buf, sizeof buf, &g1);
    assert_true(g1 == g0 + 1);
    assert_int_equal(rt_event_sub_next(sub, 1000, &ev), 1);
    assert_string_equal(ev->type, "daemon");
    assert_string_equal(ev->action, "reload");
    assert_string_equal(ev->actor_id, "engine-id");
    assert_string_equal(json_string_value(json_object_get(ev->attrs, "runtimes")), "oci:runc vm:/bin/false");
    assert_string_equal(json_string_value(json_object_get(ev->attrs, "default-runtime")), "vm");
    rt_event_unref(ev);
    rt_events_unsubscribe(sub);
    stop(&e);
}

static void test_missing_default_file_resets_default(void **state)
{
    (void)state;
    struct rt_engine e;
    /* not explicit: the file is at the default path */
    start(&e, "{\"default-runtime\":\"vm\",\"runtimes\":{\"vm\":{\"path\":\"/bin/true\"}}}", false, NULL, NULL);
    char buf[64], err[2048];
    assert_string_equal(default_of(&e, buf, sizeof buf, NULL), "vm");
    unlink(e.opts.config_file);
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), 0);
    assert_string_equal(default_of(&e, buf, sizeof buf, NULL), "runc");
    stop(&e);
}

static void test_missing_default_file_keeps_flag_default(void **state)
{
    (void)state;
    struct rt_engine e;
    start(&e, NULL, false, "oci", "oci=runc");
    char buf[64], err[2048];
    assert_string_equal(default_of(&e, buf, sizeof buf, NULL), "oci");
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), 0);
    assert_string_equal(default_of(&e, buf, sizeof buf, NULL), "oci");
    stop(&e);
}

static void test_missing_explicit_file_is_an_error(void **state)
{
    (void)state;
    struct rt_engine e;
    start(&e, "{}", true, NULL, NULL);
    unlink(e.opts.config_file);
    char err[2048];
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), -1);
    assert_non_null(strstr(err, "unable to configure the Docker daemon with file "));
    assert_non_null(strstr(err, "no such file or directory"));
    stop(&e);
}

/* A reload of unchanged bytes reuses the last reload's result (reload.c's
 * memo); any byte changed, even at the same length, is read anew. */
static void test_unchanged_file_and_same_length_change(void **state)
{
    (void)state;
    struct rt_engine e;
    const char *a = "{\"default-runtime\":\"aa\",\"runtimes\":{\"aa\":{\"path\":\"/bin/true\"},\"bb\":{\"path\":\"/bin/true\"}}}";
    const char *b = "{\"default-runtime\":\"bb\",\"runtimes\":{\"aa\":{\"path\":\"/bin/true\"},\"bb\":{\"path\":\"/bin/true\"}}}";
    start(&e, a, true, NULL, NULL);
    struct rt_event_sub *sub = rt_events_subscribe(e.events, -1, -1, NULL);
    char buf[64], err[2048];
    unsigned long g0, g1;
    default_of(&e, buf, sizeof buf, &g0);
    for (int i = 1; i <= 3; i++) { /* each reload publishes and emits its event */
        assert_int_equal(rt_engine_reload(&e, err, sizeof err), 0);
        assert_string_equal(default_of(&e, buf, sizeof buf, &g1), "aa");
        assert_true(g1 == g0 + (unsigned long)i);
        struct rt_event *ev;
        assert_int_equal(rt_event_sub_next(sub, 1000, &ev), 1);
        assert_string_equal(json_string_value(json_object_get(ev->attrs, "runtimes")), "aa:/bin/true bb:/bin/true");
        rt_event_unref(ev);
    }
    write_file(&e, b); /* same length, one byte differs */
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), 0);
    assert_string_equal(default_of(&e, buf, sizeof buf, NULL), "bb");
    write_file(&e, a);
    assert_int_equal(rt_engine_reload(&e, err, sizeof err), 0);
    assert_string_equal(default_of(&e, buf, sizeof buf, NULL), "aa");
    rt_events_unsubscribe(sub);
    rt_reload_forget();
    stop(&e);
}

static int quiet(void **state)
{
    (void)state;
    rt_log_set_level(RT_LOG_ERROR);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_unchanged_file_and_same_length_change),
        cmocka_unit_test(test_missing_default_file_resets_default),
        cmocka_unit_test(test_missing_default_file_keeps_flag_default),
        cmocka_unit_test(test_missing_explicit_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, quiet, NULL);
}
