/* The reload race (engine spec §4.2, moby TestRuntimeWrapping at scale):
 * reader threads resolve args runtimes on the snapshot they dereferenced
 * while another thread reloads thousands of times with changing args and
 * paths. Every wrapper path any reader was handed must still exist at the
 * end with the content it had when the reader first saw it. Uses the real
 * reload (config file, rt_engine_reload), runtime set build and resolver.
 * RT_RACE_RELOADS overrides the number of reloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/reload.h"
#include "engine/runtimes.h"
#include "engine/snapshot.h"
#include "fsutil.h"
#include "log.h"

enum { NREADERS = 4, MAXSEEN = 4096 };

struct seen {
    char *path, *content;
};

struct reader {
    struct rt_engine *e;
    volatile int *stop;
    struct seen seen[MAXSEEN];
    size_t nseen;
    unsigned long resolves, unknown;
    int errors;
    char first_error[512];
};

static const char *const names[] = {"change-args", "dupe", "change-path", "drop-args", "goes-away"};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    unsigned i = 0;
    while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
        struct rt_snapshot *s = rt_snapshot_get(r->e->snaps);
        const char *name = names[i++ % 5];
        struct rt_resolved res;
        struct rt_err err = {0};
        memset(&res, 0, sizeof res);
        if (rt_runtimes_resolve(s->set, name, &res, &err) < 0) {
            /* only goes-away / drop-args may be missing from a generation */
            if (strcmp(name, "goes-away") && strcmp(name, "drop-args")) {
                if (!r->errors++) snprintf(r->first_error, sizeof r->first_error, "%s: %s", name, err.msg);
            }
            r->unknown++;
            rt_err_clear(&err);
        } else {
            r->resolves++;
            const char *bin = res.runc.binary_name;
            if (bin && bin[0] == '/' && strstr(bin, "/runtimes/")) {
                size_t k;
                for (k = 0; k < r->nseen && strcmp(r->seen[k].path, bin); k++) {}
                if (k == r->nseen && r->nseen < MAXSEEN) {
                    /* content at first sight, while the snapshot is still held */
                    char *c = rt_read_file(bin, 1 << 16, NULL);
                    if (!c) {
                        if (!r->errors++) snprintf(r->first_error, sizeof r->first_error, "%s vanished", bin);
                    } else {
                        r->seen[r->nseen].path = strdup(bin);
                        r->seen[r->nseen++].content = c;
                    }
                }
            }
            rt_resolved_free(&res);
        }
        rt_snapshot_put(s);
    }
    return NULL;
}

static void write_config(const char *path, unsigned gen)
{
    char buf[1024];
    /* args change every generation (a bounded set of values so wrappers are
     * reused too); the path flips; one runtime loses its args; one goes away */
    int n = snprintf(buf, sizeof buf,
                     "{\"runtimes\":{"
                     "\"change-args\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"--a%u\"]},"
                     "\"dupe\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"--a%u\"]},"
                     "\"change-path\":{\"path\":\"%s\",\"runtimeArgs\":[\"--x\"]},"
                     "\"drop-args\":{\"path\":\"/bin/true\"%s}%s}}",
                     gen % 37, gen % 37, gen % 2 ? "/bin/true" : "/bin/false",
                     gen % 3 ? ",\"runtimeArgs\":[\"--y\"]" : "",
                     gen % 5 ? ",\"goes-away\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"--z\"]}" : "");
    char err[256];
    assert_int_equal(rt_atomic_write(path, buf, (size_t)n, 0644, err, sizeof err), 0);
}

static void test_reload_race(void **state)
{
    (void)state;
    rt_log_set_level(RT_LOG_ERROR); /* thousands of reload lines otherwise */
    char tmpl[] = "/tmp/rt-race-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    static struct rt_engine e;
    memset(&e, 0, sizeof e);
    e.opts.config_file = rt_path_join(tmpl, "daemon.json");
    e.opts.config_file_set = true;
    e.opts.data_root = rt_path_join(tmpl, "data");
    e.opts.exec_root = rt_path_join(tmpl, "exec");
    e.opts.log_level = (char *)"error";
    assert_int_equal(rt_mkdir_p(e.opts.data_root, 0700), 0);
    assert_int_equal(rt_mkdir_p(e.opts.exec_root, 0700), 0);
    char err[2048];
    assert_int_equal(rt_runtimes_wipe_dir(e.opts.data_root, err, sizeof err), 0);

    /* the first snapshot, as startup makes it */
    write_config(e.opts.config_file, 0);
    struct rt_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(rt_config_load_file(e.opts.config_file, true, &cfg, err, sizeof err), 0);
    struct rt_runtime_set *set = rt_runtimes_build(&cfg, e.opts.data_root, e.opts.exec_root, err, sizeof err);
    if (!set) fail_msg("build: %s", err);
    e.snaps = rt_snapstore_new();
    rt_snapshot_publish(e.snaps, &cfg, set);
    rt_config_free(&cfg);

    const char *env = getenv("RT_RACE_RELOADS");
    unsigned nreloads = env ? (unsigned)atoi(env) : 1000;
    volatile int stop = 0;
    static struct reader r[NREADERS];
    pthread_t th[NREADERS];
    for (int i = 0; i < NREADERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].e = &e;
        r[i].stop = &stop;
        pthread_create(&th[i], NULL, reader_main, &r[i]);
    }
    unsigned failed = 0;
    for (unsigned g = 1; g <= nreloads; g++) {
        write_config(e.opts.config_file, g);
        if (rt_engine_reload(&e, err, sizeof err) < 0 && !failed++) print_error("reload %u: %s\n", g, err);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    assert_int_equal(failed, 0);

    size_t checked = 0;
    unsigned long resolves = 0;
    for (int i = 0; i < NREADERS; i++) {
        pthread_join(th[i], NULL);
        if (r[i].errors) fail_msg("reader %d: %d errors, first: %s", i, r[i].errors, r[i].first_error);
        resolves += r[i].resolves;
        for (size_t k = 0; k < r[i].nseen; k++) {
            char *now = rt_read_file(r[i].seen[k].path, 1 << 16, NULL);
            if (!now) fail_msg("wrapper %s handed out to a reader no longer exists", r[i].seen[k].path);
            if (strcmp(now, r[i].seen[k].content))
                fail_msg("wrapper %s changed: was \"%s\", now \"%s\"", r[i].seen[k].path, r[i].seen[k].content, now);
            free(now);
            free(r[i].seen[k].path);
            free(r[i].seen[k].content);
            checked++;
        }
    }
    print_message("%u reloads, %lu resolves, %zu wrapper sightings re-checked\n", nreloads, resolves, checked);
    assert_true(checked > 0);
    assert_int_equal(rt_snapshot_live_count(), 1);
    rt_snapstore_free(e.snaps);
    assert_int_equal(rt_snapshot_live_count(), 0);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0) print_error("could not remove %s\n", tmpl);
    free(e.opts.config_file);
    free(e.opts.data_root);
    free(e.opts.exec_root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reload_race),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
