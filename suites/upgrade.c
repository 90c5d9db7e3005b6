/* Upgrade from on-disk state written by dockerd 20.10.24 (engine spec §5.3,
 * §5.4, §5.5): the corpus in fixtures/upgrade/dockerd-20.10.24 is copied
 * under the sandbox data-root before the engine starts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/events_await.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "harness/reload_wait.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

#define SPEC "engine-runtime-behaviour.md "
#define WR_CONFIG "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n"

static const char *const with_oci[] = {"--add-runtime", "oci=runc", NULL};

static void start_on_corpus(const char *config, const char *const *args)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_ct_copy_corpus();
    rt_write_config(config);
    rt_engine_start_ok(args);
}

static const char *rt_in(json_t *v)
{
    return json_string_value(json_object_get(json_object_get(v, "HostConfig"), "Runtime"));
}

/* Set "Runtime" in the corpus copy's hostconfig.json of container NAME
 * (found through config.v2.json) before the engine starts. */
static char *corpus_id_of(const char *name)
{
    /* IDs are not in INDEX.tsv: scan the copied config files */
    char *dir = rt_path_join(rt_t.sb->data_root, "containers");
    FILE *ls = NULL;
    char cmd[4600];
    snprintf(cmd, sizeof cmd, "ls %s", dir);
    ls = popen(cmd, "r");
    char line[256], *found = NULL;
    while (ls && fgets(line, sizeof line, ls)) {
        line[strcspn(line, "\n")] = '\0';
        char cp[4800];
        snprintf(cp, sizeof cp, "%s/%s/config.v2.json", dir, line);
        json_t *d = rt_json_load_file(cp, 16 << 20, NULL, 0);
        if (d && !strcmp(rt_json_str(d, "Name", ""), name)) found = strdup(line);
        json_decref(d);
    }
    if (ls) pclose(ls);
    free(dir);
    if (!found) rt_env_error("corpus container %s not found", name);
    return found;
}

static void corpus_set_runtime(const char *name, const char *runtime)
{
    char *id = corpus_id_of(name);
    char p[4400];
    snprintf(p, sizeof p, "%s/containers/%s/hostconfig.json", rt_t.sb->data_root, id);
    json_t *hc = rt_json_load_file(p, 16 << 20, NULL, 0);
    if (!hc) rt_env_error("cannot read %s", p);
    json_object_set_new(hc, "Runtime", json_string(runtime));
    if (rt_json_save_file(p, hc, 0600) < 0) rt_env_error("cannot write %s", p);
    json_decref(hc);
    free(id);
}

/* §5.3: every corpus container is listed after restore; runtimes as
 * recorded (INDEX.tsv), no migration, the no-hostconfig one has no key. */
RT_TEST_FN(restore_lists_corpus)
{
    start_on_corpus(WR_CONFIG, with_oci);
    char p[4400];
    snprintf(p, sizeof p, "%s/INDEX.tsv", rt_ct_corpus_dir());
    char *index = rt_read_file(p, 1 << 20, NULL);
    ck_assert_msg(index != NULL, "cannot read %s", p);
    int n = 0, removed = 0;
    for (char *line = strtok(index, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128], state[128], runtime[128];
        if (sscanf(line, "%127[^\t]\t%127[^\t]\t%127[^\n]", name, state, runtime) != 3) continue;
        if (!strcmp(name, "/autoremove")) {
            /* dockerd (20.10 and 26.1.5, observed) removes a stopped
             * AutoRemove container while restoring; the spec says nothing
             * either way and it is not a runtime matter: gone or listed
             * with its runtime are both accepted. */
            char path[300];
            struct rt_http_resp r;
            snprintf(path, sizeof path, "/containers/%s/json", name + 1);
            rt_api("GET", path, NULL, &r);
            bool gone = r.status == 404;
            rt_http_resp_free(&r);
            if (gone) {
                removed++;
                continue;
            }
        }
        json_t *v = rt_ct_inspect(name + 1);
        ck_assert_str_eq(rt_json_str(v, "Name", ""), name);
        const char *got = rt_in(v);
        if (!strcmp(runtime, "(no key)"))
            ck_assert_msg(got == NULL, "%s: Runtime %s after restore, want no key", name, got);
        else
            ck_assert_msg(got && !strcmp(got, runtime), "%s: Runtime %s, want %s", name, got ? got : "(absent)", runtime);
        json_decref(v);
        n++;
    }
    free(index);
    ck_assert_int_eq(n + removed, 9);
    ck_assert_uint_eq(rt_ct_count_all(), (size_t)n);
}

/* §5.1/§5.3: restore re-saves hostconfig.json and drops an empty Runtime;
 * the no-hostconfig container has no key on disk either. */
RT_TEST_FN(restore_drops_empty_runtime_key)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_ct_copy_corpus();
    corpus_set_runtime("/default-created", "");
    rt_write_config(WR_CONFIG);
    rt_engine_start_ok(with_oci);
    static const char *const names[] = {"/default-created", "/no-hostconfig"};
    for (int i = 0; i < 2; i++) {
        char *id = corpus_id_of(names[i]);
        json_t *hc = rt_ct_hostconfig_on_disk(id);
        ck_assert_msg(hc != NULL, "%s: hostconfig.json missing", names[i]);
        ck_assert_msg(!json_object_get(hc, "Runtime"), "%s: Runtime key kept on disk", names[i]);
        json_decref(hc);
        json_t *v = rt_ct_inspect(id);
        ck_assert_msg(rt_in(v) == NULL, "%s: inspect shows Runtime %s", names[i], rt_in(v));
        json_decref(v);
        free(id);
    }
}

/* §5.5 (v26): restart-policy containers whose runtime is gone: log
 * "failed to start container" with the resolver error; exited, 128, Error. */
RT_TEST_FN(restore_removed_runtime_restart_policy)
{
    start_on_corpus(WR_CONFIG, NULL); /* no oci */
    static const char *const names[] = {"oci-always", "on-failure-3"};
    for (int i = 0; i < 2; i++) {
        json_t *v = rt_ct_inspect(names[i]);
        json_t *st = json_object_get(v, "State");
        ck_assert_str_eq(rt_json_str(st, "Status", ""), "exited");
        ck_assert_int_eq(rt_json_int(st, "ExitCode", 0), 128);
        ck_assert_str_eq(rt_json_str(st, "Error", ""), "unknown or invalid runtime name: oci");
        json_decref(v);
    }
    if (rt_t.run->target == RT_TARGET_EXTERNAL) return;
    char *log = rt_engine_log();
    ck_assert_msg(strstr(log, "failed to start container"), "engine log lacks \"failed to start container\"");
    ck_assert_msg(strstr(log, "unknown or invalid runtime name: oci"), "engine log lacks the resolver error");
    free(log);
}

/* §2.4 row 2, §5.5: API start after the runtime was removed: 400, and the
 * state recorded at restore stays as it was. */
RT_TEST_FN(restore_removed_runtime_api_start)
{
    start_on_corpus(WR_CONFIG, NULL);
    json_t *before = rt_ct_inspect("wrapper-args");
    json_decref(before);
    /* wr is configured; use the oci one (no longer configured) */
    before = rt_ct_inspect("oci-always");
    struct rt_http_resp r;
    rt_ct_start("oci-always", &r);
    rt_ct_assert_error(&r, 400, "unknown or invalid runtime name: oci");
    rt_http_resp_free(&r);
    json_t *after = rt_ct_inspect("oci-always");
    json_t *sb = json_object_get(before, "State"), *sa = json_object_get(after, "State");
    ck_assert_int_eq(rt_json_int(sa, "ExitCode", -1), rt_json_int(sb, "ExitCode", -2));
    ck_assert_str_eq(rt_json_str(sa, "Error", "a"), rt_json_str(sb, "Error", "b"));
    json_decref(before), json_decref(after);
}

/* §5.3: Runtime names are never migrated, legacy or unknown. */
RT_TEST_FN(restore_never_migrates_runtime)
{
    start_on_corpus("{}\n", NULL); /* neither oci nor wr configured */
    static const char *const cases[][2] = {{"/v1-linux", "io.containerd.runtime.v1.linux"},
                                           {"/wrapper-args", "wr"},
                                           {"/runc-v2-exited", "io.containerd.runc.v2"}};
    for (int i = 0; i < 3; i++) {
        char *id = corpus_id_of(cases[i][0]);
        json_t *hc = rt_ct_hostconfig_on_disk(id);
        ck_assert_str_eq(rt_json_str(hc, "Runtime", ""), cases[i][1]);
        json_decref(hc);
        free(id);
    }
    /* and the exit code of the exited one is kept */
    json_t *v = rt_ct_inspect("runc-v2-exited");
    ck_assert_int_eq(rt_json_int(json_object_get(v, "State"), "ExitCode", 0), 3);
    json_decref(v);
}

/* §5.4 (Fedora story): an empty Runtime is filled at start with the default
 * of that moment and persisted. */
RT_TEST_FN(empty_runtime_filled_at_start)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_ct_copy_corpus();
    corpus_set_runtime("/default-created", "");
    rt_write_config("{}\n");
    static const char *const args[] = {"--default-runtime=fedoci", "--add-runtime", "fedoci=runc", NULL};
    rt_engine_start_ok(args);
    struct rt_http_resp r;
    rt_ct_start("default-created", &r);
    rt_ct_skip_without_shims(&r);
    ck_assert_msg(r.status == 204 || r.status == 400 || r.status == 500, "start: %ld", r.status);
    rt_http_resp_free(&r);
    char *id = corpus_id_of("/default-created");
    json_t *hc = rt_ct_hostconfig_on_disk(id);
    ck_assert_str_eq(rt_json_str(hc, "Runtime", ""), "fedoci");
    json_decref(hc);
    free(id);
}

/* The fakerunc binary, to be named as a runtime path (SKIP without it). */
static char *fakerunc_path(void)
{
    rt_require(RT_CAP_FAKE_SHIMS);
    char *p = rt_path_join(rt_t.run->libexec, "fakerunc");
    if (access(p, X_OK) != 0) rt_skip("fakerunc is not built (%s)", p);
    return p;
}

/* A symlink <sandbox>/NAME -> fakerunc: a distinct runtime path per name,
 * so the journal's BinaryName tells which runtime a start used. */
static char *runtime_link(const char *name)
{
    char *target = fakerunc_path();
    char *link = rt_path_join(rt_t.sb->dir, name);
    if (symlink(target, link) < 0) rt_env_error("symlink %s", link);
    free(target);
    return link;
}

/* Stop predicate: every container named in the NULL-terminated list ARG
 * has had an event (the list's entries are cleared as they are seen). */
static int all_seen(json_t *ev, void *arg)
{
    const char **names = arg;
    const char *name = rt_event_attr(ev, "name");
    int left = 0;
    for (size_t i = 0; names[i]; i++) {
        if (*names[i] && !strcmp(names[i], name)) names[i] = "";
        left += *names[i] != '\0';
    }
    return !left;
}

/* BinaryName the shim received at the (last) start of container ID. */
static char *binary_name_of(const char *id)
{
    json_t *a = rt_lc_journal("shim", "start", id);
    ck_assert_msg(json_array_size(a) > 0, "no shim start in the journal for %s", id);
    char *b = strdup(rt_json_str(json_array_get(a, json_array_size(a) - 1), "binary_name", ""));
    json_decref(a);
    return b;
}

/* §5.4 end to end: an empty Runtime under --default-runtime=fedoci
 * --add-runtime fedoci=<fakerunc>: the start works through that runtime
 * (the shim gets BinaryName = the path), "fedoci" is written to disk and
 * is still there after an engine restart. */
RT_TEST_FN(fedora_story_end_to_end)
{
    rt_require(RT_CAP_OWN_DAEMON);
    char *bin = runtime_link("fedoci-runc");
    rt_ct_copy_corpus();
    corpus_set_runtime("/default-created", "");
    rt_write_config("{}\n");
    char arg[4200];
    snprintf(arg, sizeof arg, "fedoci=%s", bin);
    const char *const args[] = {"--default-runtime=fedoci", "--add-runtime", arg, NULL};
    rt_engine_start_ok(args);
    char *id = corpus_id_of("/default-created");
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), 0);
    char *bn = binary_name_of(id);
    ck_assert_str_eq(bn, bin);
    free(bn);
    json_t *hc = rt_ct_hostconfig_on_disk(id);
    ck_assert_str_eq(rt_json_str(hc, "Runtime", ""), "fedoci");
    json_decref(hc);
    rt_engine_stop();
    rt_engine_start_ok(args);
    json_t *v = rt_ct_inspect(id);
    ck_assert_str_eq(rt_in(v) ? rt_in(v) : "(none)", "fedoci");
    json_decref(v);
    free(id), free(bin);
}

/* §5.4, §9.3: restart-policy containers of the corpus come back running
 * after the upgrade, through the runtime they recorded (oci = a path). */
RT_TEST_FN(restart_policy_comes_back)
{
    rt_require(RT_CAP_OWN_DAEMON);
    char *oci = runtime_link("oci-runc");
    rt_ct_copy_corpus();
    rt_write_config(WR_CONFIG);
    char arg[4200];
    snprintf(arg, sizeof arg, "oci=%s", oci);
    const char *const args[] = {"--add-runtime", arg, NULL};
    struct rt_evmark mark = rt_events_mark();
    rt_engine_start_ok(args);
    static const char *const names[] = {"oci-always", "on-failure-3", "unless-stopped"};
    /* each is running once its start event is out (restored before the
     * API answers or just after: the stream replays since the mark) */
    const char *left[] = {names[0], names[1], names[2], NULL};
    json_decref(rt_events_await(&mark, "{\"container\":[\"oci-always\",\"on-failure-3\",\"unless-stopped\"],"
                                       "\"event\":[\"start\"]}",
                                all_seen, left, 15000, "the start events of the restart-policy containers"));
    for (int i = 0; i < 3; i++) {
        json_t *v = rt_ct_inspect(names[i]);
        ck_assert_str_eq(rt_json_str(json_object_get(v, "State"), "Status", ""), "running");
        json_decref(v);
    }
    for (int i = 0; i < 2; i++) {
        char *id = corpus_id_of(i ? "/on-failure-3" : "/oci-always");
        char *bn = binary_name_of(id);
        ck_assert_msg(!strcmp(bn, oci), "%s started with BinaryName %s, want %s", names[i], bn, oci);
        free(bn), free(id);
    }
    /* containers without a restart policy are not started */
    static const char *const idle[] = {"default-created", "runc-v2-exited"};
    for (int i = 0; i < 2; i++) {
        json_t *v = rt_ct_inspect(idle[i]);
        ck_assert_msg(!json_is_true(json_object_get(json_object_get(v, "State"), "Running")), "%s was started", idle[i]);
        json_t *a = rt_lc_journal("shim", "start", rt_json_str(v, "Id", ""));
        ck_assert_msg(json_array_size(a) == 0, "%s: a shim was started for it", idle[i]);
        json_decref(a);
        json_decref(v);
    }
    free(oci);
}

/* §5.5: the args runtime wr was removed: API start is 400 with the
 * resolver's text and the recorded state does not change. */
RT_TEST_FN(removed_args_runtime_start)
{
    start_on_corpus("{}\n", with_oci);
    json_t *before = rt_ct_inspect("wrapper-args");
    struct rt_http_resp r;
    rt_ct_start("wrapper-args", &r);
    rt_ct_assert_error(&r, 400, "unknown or invalid runtime name: wr");
    rt_http_resp_free(&r);
    json_t *after = rt_ct_inspect("wrapper-args");
    json_t *sb = json_object_get(before, "State"), *sa = json_object_get(after, "State");
    ck_assert_int_eq(rt_json_int(sa, "ExitCode", -1), rt_json_int(sb, "ExitCode", -2));
    ck_assert_str_eq(rt_json_str(sa, "Error", "a"), rt_json_str(sb, "Error", "b"));
    ck_assert_str_eq(rt_json_str(sa, "Status", "a"), rt_json_str(sb, "Status", "b"));
    json_decref(before), json_decref(after);
}

/* §5.3, §2.2: a container recorded with io.containerd.runtime.v1.linux
 * is passed through as a shim name: the start is not refused by the
 * resolver (whatever containerd then says), the name is kept. */
RT_TEST_FN(legacy_v1_passthrough)
{
    start_on_corpus("{}\n", NULL);
    rt_require(RT_CAP_FAKE_SHIMS);
    char *id = corpus_id_of("/v1-linux");
    struct rt_http_resp r;
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    const char *m = rt_ct_msg(&r);
    ck_assert_msg(r.status == 204 || (r.status >= 400 && !strstr(m, "unknown or invalid runtime name")),
                  "start of the v1-linux container: HTTP %ld %s", r.status, m);
    ck_assert_msg(r.status != 400 || strstr(m, "failed to create task for container: "),
                  "400 without a containerd start error: %s", m);
    rt_http_resp_free(&r);
    json_t *hc = rt_ct_hostconfig_on_disk(id);
    ck_assert_str_eq(rt_json_str(hc, "Runtime", ""), "io.containerd.runtime.v1.linux");
    json_decref(hc);
    free(id);
}

/* §5.2, A.6: the default changes between create and start (reload).
 * A container created under default a stored "a" and starts on a; a
 * pre-existing container without Runtime takes the default of its start
 * moment (b) and keeps it on disk. */
RT_TEST_FN(default_changed_before_start)
{
    rt_require(RT_CAP_OWN_DAEMON);
    char *pa = runtime_link("a-runc"), *pb = runtime_link("b-runc");
    rt_ct_copy_corpus();
    char cfg[9000];
    snprintf(cfg, sizeof cfg, "{\"runtimes\":{\"a\":{\"path\":\"%s\"},\"b\":{\"path\":\"%s\"}},\"default-runtime\":\"a\"}\n",
             pa, pb);
    rt_write_config(cfg);
    rt_engine_start_ok(NULL);
    rt_ct_import_ok();
    char *made = rt_lc_create(NULL, "exit 0", NULL);
    json_t *hc = rt_ct_hostconfig_on_disk(made);
    ck_assert_str_eq(rt_json_str(hc, "Runtime", ""), "a");
    json_decref(hc);
    snprintf(cfg, sizeof cfg, "{\"runtimes\":{\"a\":{\"path\":\"%s\"},\"b\":{\"path\":\"%s\"}},\"default-runtime\":\"b\"}\n",
             pa, pb);
    json_decref(rt_reload_ok(cfg));
    struct rt_http_resp r;
    rt_ct_start_ok(made);
    ck_assert_int_eq(rt_lc_wait(made), 0);
    char *bn = binary_name_of(made);
    ck_assert_msg(!strcmp(bn, pa), "container created under default a started with %s, want %s", bn, pa);
    free(bn);
    char *old = corpus_id_of("/no-hostconfig");
    rt_ct_start(old, &r);
    ck_assert_msg(r.status == 204, "start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_int_eq(rt_lc_wait(old), 0);
    bn = binary_name_of(old);
    ck_assert_msg(!strcmp(bn, pb), "pre-existing container started with %s, want the current default's %s", bn, pb);
    free(bn);
    hc = rt_ct_hostconfig_on_disk(old);
    ck_assert_str_eq(rt_json_str(hc, "Runtime", ""), "b");
    json_decref(hc);
    free(old), free(made), free(pa), free(pb);
}

#define T(fn, id, lvl, spec, desc) RT_TEST(fn, id, lvl, RT_CORE, SPEC spec, RT_CAP_OWN_DAEMON, desc)
static const struct rt_test tests[] = {
    T(restore_lists_corpus, "RT-UPG-001", RT_MUST, "§5.3", "dockerd 20.10.24 corpus restored: every container, runtimes as recorded"),
    T(restore_drops_empty_runtime_key, "RT-UPG-002", RT_MUST, "§5.3", "restore re-save drops an empty Runtime key"),
    T(restore_removed_runtime_restart_policy, "RT-UPG-003", RT_MUST, "§5.5", "restart policy with removed runtime: logged, exit 128, Error set"),
    T(restore_removed_runtime_api_start, "RT-UPG-004", RT_MUST, "§5.5", "API start with removed runtime after restore: 400, state untouched"),
    T(restore_never_migrates_runtime, "RT-UPG-005", RT_MUST, "§5.3", "restore never migrates Runtime names"),
    T(empty_runtime_filled_at_start, "RT-UPG-006", RT_MUST, "§5.4", "empty Runtime filled with the current default at start, persisted"),
    T(fedora_story_end_to_end, "RT-UPG-007", RT_MUST, "§5.4",
      "--default-runtime=fedoci=<fakerunc>: empty Runtime starts through it, persisted across a restart"),
    T(restart_policy_comes_back, "RT-UPG-008", RT_MUST, "§5.4 §9.3", "restart-policy corpus containers come back running via their runtime"),
    T(removed_args_runtime_start, "RT-UPG-009", RT_MUST, "§5.5", "args runtime wr removed: start 400 exact, state untouched"),
    T(legacy_v1_passthrough, "RT-UPG-010", RT_MUST, "§5.3 §2.2", "io.containerd.runtime.v1.linux passed through (not refused), name kept"),
    T(default_changed_before_start, "RT-UPG-011", RT_MUST, "§5.2", "default changed by reload between create and start: stored name wins; empty takes the new default"),
    {0},
};

const struct rt_suite rt_suite_upgrade = {"upgrade", tests};
