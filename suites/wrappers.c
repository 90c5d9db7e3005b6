/* Wrapper scripts of path + runtimeArgs runtimes (engine spec §3.1 v25/v26,
 * Appendix A.5), written from the spec: content-addressed names (checked
 * against the §3.1 vectors and predicted offline with lib/naming.h), exact
 * content and modes, never rewritten or deleted while the engine runs
 * (reloads are event-synchronised), wiped and regenerated at restart. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "naming.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

#define CFG_WR "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n"
#define WR_DEBUG "wr.0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0===="
#define WR_JSON "wr.69DK27MWYM7KJN0909XZ73-2NS06NZ-K-GB5W5HSM7Q00RQLL-N0===="
#define NEW_SUFFIX "F510VGLRGV-803KKVWXL2QNTPPY45NTKNW437-KNW60F865ZBW3J===="

static void start_with(const char *config)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config(config);
    rt_engine_start_ok(NULL);
}

static char *wdir(void) { return rt_path_join(rt_t.sb->data_root, "runtimes"); }

static char *wpath(const char *file)
{
    char *d = wdir(), *p = rt_path_join(d, file);
    free(d);
    return p;
}

/* {file name: content} of every entry of <data-root>/runtimes. */
static json_t *snapshot(void)
{
    char *d = wdir();
    DIR *dh = opendir(d);
    ck_assert_msg(dh != NULL, "%s does not exist", d);
    json_t *m = json_object();
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *p = rt_path_join(d, e->d_name);
        char *s = rt_read_file(p, 1 << 20, NULL);
        json_object_set_new(m, e->d_name, json_string(s ? s : "<unreadable>"));
        free(s), free(p);
    }
    closedir(dh);
    free(d);
    return m;
}

static char *names_of(json_t *snap)
{
    size_t cap = 64;
    const char *k;
    json_t *v;
    json_object_foreach(snap, k, v) cap += strlen(k) + 2;
    char *s = calloc(1, cap);
    json_object_foreach(snap, k, v) strcat(strcat(s, k), " ");
    return s;
}

/* moby's content (§3.1): no quoting, args joined by single spaces. */
static char *moby_content(const char *path, const char *const *args)
{
    size_t n = 32 + strlen(path);
    for (const char *const *a = args; *a; a++) n += strlen(*a) + 1;
    char *c = malloc(n);
    strcpy(c, "#!/bin/sh\n");
    strcat(c, path);
    for (const char *const *a = args; *a; a++) strcat(strcat(c, " "), *a);
    strcat(c, " $@\n");
    return c;
}

/* "<name>.<b32(sha256(content))>" computed offline. */
static char *predict(const char *name, const char *content)
{
    char suffix[RT_WRAPPER_SUFFIX_LEN + 1];
    ck_assert_int_eq(rt_wrapper_suffix(content, strlen(content), suffix), 0);
    char *f = malloc(strlen(name) + sizeof suffix + 2);
    sprintf(f, "%s.%s", name, suffix);
    return f;
}

/* FILE exists in the runtimes dir with exactly CONTENT, mode 0700. */
static void assert_wrapper(const char *file, const char *content)
{
    char *p = wpath(file);
    struct stat st;
    if (stat(p, &st) != 0) {
        json_t *s = snapshot();
        char *names = names_of(s);
        ck_abort_msg("wrapper %s missing; runtimes/ holds: %s", file, names);
    }
    ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", p);
    ck_assert_msg((st.st_mode & 07777) == 0700, "%s mode %o, want 0700", p, st.st_mode & 07777);
    char *got = rt_read_file(p, 1 << 20, NULL);
    ck_assert_msg(got && !strcmp(got, content), "%s content \"%s\", want \"%s\"", p, got ? got : "(unreadable)",
                  content);
    free(got), free(p);
}

/* The runtimes dir holds exactly the N given names. */
static void assert_exactly(const char *const *files, size_t n)
{
    json_t *s = snapshot();
    char *names = names_of(s);
    ck_assert_msg(json_object_size(s) == n, "runtimes/ holds %zu entries (%s), want %zu", json_object_size(s),
                  names, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(json_object_get(s, files[i]), "runtimes/ lacks %s (holds %s)", files[i], names);
    free(names);
    json_decref(s);
}

/* Every entry of BEFORE is still there with identical content. */
static void assert_kept(json_t *before)
{
    json_t *now = snapshot();
    const char *k;
    json_t *v;
    json_object_foreach(before, k, v) {
        json_t *w = json_object_get(now, k);
        ck_assert_msg(w, "wrapper %s was deleted while the engine ran", k);
        ck_assert_msg(json_equal(v, w), "wrapper %s was rewritten with different content", k);
    }
    json_decref(now);
}

/* A §3.1 vector: NAME/PATH/ARGS -> the literal FILE (also predicted). */
static void vector(const char *name, const char *path, const char *const *args, const char *file)
{
    json_t *rt = json_pack("{s:s,s:[]}", "path", path, "runtimeArgs");
    for (const char *const *a = args; *a; a++) json_array_append_new(json_object_get(rt, "runtimeArgs"), json_string(*a));
    json_t *cfg = json_pack("{s:{s:o}}", "runtimes", name, rt);
    char *text = json_dumps(cfg, JSON_COMPACT);
    json_decref(cfg);
    start_with(text);
    free(text);
    char *content = moby_content(path, args);
    char *pred = predict(name, content);
    ck_assert_msg(!strcmp(pred, file), "offline prediction %s differs from the spec vector %s", pred, file);
    assert_wrapper(file, content);
    assert_exactly(&file, 1);
    free(pred), free(content);
}

RT_TEST_FN(wrap_vector_debug)
{
    static const char *const a[] = {"--debug", NULL};
    vector("wr", "runc", a, WR_DEBUG);
}

RT_TEST_FN(wrap_vector_two_args)
{
    static const char *const a[] = {"--debug", "--log-format=json", NULL};
    vector("wr", "runc", a, WR_JSON);
}

RT_TEST_FN(wrap_vector_vm)
{
    static const char *const a[] = {"--debug", NULL};
    vector("vm", "/usr/local/bin/vm-manager", a, "vm.Q94-HZTW6M9L5RQ9LDG5RVJQBV-PN08LCMBMZ5XFLYQ2VNTB2D5J====");
}

RT_TEST_FN(wrap_vector_crun)
{
    static const char *const a[] = {"--systemd-cgroup", NULL};
    vector("cr", "crun", a, "cr.CK-V6NDWZ1N2L9QFXF7K8KF0V1D0SCY-3YGXRLX6P4K0-6WYCZG0====");
}

/* §3.1: the digest depends only on content: new and gone share a suffix. */
RT_TEST_FN(wrap_shared_suffix)
{
    start_with("{\"runtimes\":{\"new\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]},"
               "\"gone\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]}}}\n");
    static const char *const files[] = {("new." NEW_SUFFIX), ("gone." NEW_SUFFIX)};
    assert_wrapper(files[0], "#!/bin/sh\nrunc --log-format=text $@\n");
    assert_wrapper(files[1], "#!/bin/sh\nrunc --log-format=text $@\n");
    assert_exactly(files, 2);
}

/* §3.1: directory mode 0700; only path+args runtimes get wrappers. */
RT_TEST_FN(wrap_dir_mode_and_selection)
{
    start_with("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]},"
               "\"po\":{\"path\":\"runc\"},\"ea\":{\"path\":\"runc\",\"runtimeArgs\":[]},"
               "\"sh\":{\"runtimeType\":\"io.containerd.runc-alias.v2\"}}}\n");
    char *d = wdir();
    struct stat st;
    ck_assert_msg(stat(d, &st) == 0 && S_ISDIR(st.st_mode), "%s is not a directory", d);
    ck_assert_msg((st.st_mode & 07777) == 0700, "%s mode %o, want 0700", d, st.st_mode & 07777);
    free(d);
    static const char *const files[] = {WR_DEBUG};
    assert_exactly(files, 1);
}

/* §3.1: path-only runtimes and no runtimes at all: the directory exists
 * (recreated at startup) and is empty. */
RT_TEST_FN(wrap_none_without_args)
{
    start_with("{\"runtimes\":{\"po\":{\"path\":\"/usr/bin/runc\"}}}\n");
    assert_exactly(NULL, 0);
}

/* Run the wrapper FILE with ARGS: the first line of its output is WANT. */
static void assert_runs(const char *file, const char *args, const char *want)
{
    char *p = wpath(file), cmd[8192], out[256] = "";
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", p, args);
    FILE *f = popen(cmd, "r");
    if (!f) rt_env_error("popen failed");
    if (!fgets(out, sizeof out, f)) out[0] = '\0';
    pclose(f);
    ck_assert_str_eq(out, want);
    free(p);
}

/* §3.1: the wrapper passes its arguments after the configured ones: run it
 * with path /bin/echo and compare the output. */
RT_TEST_FN(wrap_executes)
{
    start_with("{\"runtimes\":{\"ec\":{\"path\":\"/bin/echo\",\"runtimeArgs\":[\"--debug\",\"-x\"]}}}\n");
    static const char *const a[] = {"--debug", "-x", NULL};
    char *content = moby_content("/bin/echo", a);
    char *file = predict("ec", content);
    assert_wrapper(file, content);
    assert_runs(file, "state ctr1", "--debug -x state ctr1\n");
    free(file), free(content);
}

/* Reload to NEXT; every wrapper seen before is kept identical; returns the
 * new snapshot. */
static json_t *reload_keeps(json_t *before, const char *next)
{
    json_decref(rt_reload_ok(next));
    assert_kept(before);
    json_decref(before);
    return snapshot();
}

/* §3.1: a reload changing the args adds the new wrapper, keeps the old. */
RT_TEST_FN(wrap_reload_change_args)
{
    start_with(CFG_WR);
    json_t *s = reload_keeps(snapshot(), "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\","
                                         "\"--log-format=json\"]}}}\n");
    static const char *const files[] = {WR_DEBUG, WR_JSON};
    assert_exactly(files, 2);
    assert_wrapper(WR_JSON, "#!/bin/sh\nrunc --debug --log-format=json $@\n");
    json_decref(s);
}

/* §3.1: a reload changing the path adds a wrapper named by the new content. */
RT_TEST_FN(wrap_reload_change_path)
{
    start_with(CFG_WR);
    json_t *s = reload_keeps(snapshot(), "{\"runtimes\":{\"wr\":{\"path\":\"/usr/sbin/runc\","
                                         "\"runtimeArgs\":[\"--debug\"]}}}\n");
    static const char *const a[] = {"--debug", NULL};
    char *content = moby_content("/usr/sbin/runc", a);
    char *file = predict("wr", content);
    assert_wrapper(file, content);
    const char *files[] = {WR_DEBUG, file};
    assert_exactly(files, 2);
    free(file), free(content);
    json_decref(s);
}

/* §3.1: dropping the args keeps the old wrapper and adds none. */
RT_TEST_FN(wrap_reload_drop_args)
{
    start_with(CFG_WR);
    json_decref(reload_keeps(snapshot(), "{\"runtimes\":{\"wr\":{\"path\":\"runc\"}}}\n"));
    static const char *const files[] = {WR_DEBUG};
    assert_exactly(files, 1);
}

/* §3.1: removing the runtime keeps its wrapper (scripts accumulate). */
RT_TEST_FN(wrap_reload_remove_runtime)
{
    start_with("{\"runtimes\":{\"new\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]},"
               "\"gone\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]}}}\n");
    json_t *s = reload_keeps(snapshot(), "{\"runtimes\":{\"new\":{\"path\":\"runc\",\"runtimeArgs\":"
                                         "[\"--log-format=text\"]}}}\n");
    s = reload_keeps(s, "{\"runtimes\":{}}\n");
    static const char *const files[] = {("new." NEW_SUFFIX), ("gone." NEW_SUFFIX)};
    assert_exactly(files, 2);
    json_decref(s);
}

/* §3.1: a reload changing nothing (and one without a runtimes key) leaves
 * the same files with the same content and no temporary files. */
RT_TEST_FN(wrap_reload_unchanged)
{
    start_with(CFG_WR);
    json_t *s = reload_keeps(snapshot(), CFG_WR);
    s = reload_keeps(s, "{\"debug\":false}\n");
    static const char *const files[] = {WR_DEBUG};
    assert_exactly(files, 1);
    json_decref(s);
}

/* §3.1 + A.2: a reload rejected by the reserved-name check (which runs
 * before any per-runtime step) writes no wrapper and changes nothing. */
RT_TEST_FN(wrap_reload_rejected)
{
    start_with(CFG_WR);
    char err[1024];
    int rc = rt_reload_wait("{\"runtimes\":{\"runc\":{\"path\":\"runc\"},\"x\":{\"path\":\"runc\","
                            "\"runtimeArgs\":[\"--debug\"]}}}\n", err, sizeof err, NULL);
    if (rc < 0) rt_env_error("reload: %s", err);
    ck_assert_msg(rc == 1, "reload redefining runc was accepted");
    ck_assert_msg(strstr(err, "runtime name 'runc' is reserved"), "reload error: %s", err);
    static const char *const files[] = {WR_DEBUG};
    assert_exactly(files, 1);
    assert_wrapper(WR_DEBUG, "#!/bin/sh\nrunc --debug $@\n");
}

/* A series of reloads: the set only grows; then a restart wipes the stale
 * wrappers and regenerates exactly the current ones (§3.1 cleanup). */
RT_TEST_FN(wrap_restart_regenerates)
{
    start_with(CFG_WR);
    json_t *s = reload_keeps(snapshot(), "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\","
                                         "\"--log-format=json\"]},\"new\":{\"path\":\"runc\",\"runtimeArgs\":"
                                         "[\"--log-format=text\"]}}}\n");
    s = reload_keeps(s, "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n");
    static const char *const grown[] = {WR_DEBUG, WR_JSON, ("new." NEW_SUFFIX)};
    assert_exactly(grown, 3);
    json_decref(s);
    rt_engine_stop();
    rt_engine_start_ok(NULL);
    static const char *const now[] = {WR_DEBUG};
    assert_exactly(now, 1);
    assert_wrapper(WR_DEBUG, "#!/bin/sh\nrunc --debug $@\n");
}

/* Put a file with CONTENT at <data-root>/REL (creating parents). */
static void plant(const char *rel, const char *content)
{
    char *p = rt_path_join(rt_t.sb->data_root, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    rt_mkdir_p(p, 0700);
    *slash = '/';
    if (rt_atomic_write(p, content, strlen(content), 0600, NULL, 0) < 0) rt_env_error("cannot write %s", p);
    free(p);
}

static int exists(const char *rel)
{
    char *p = rt_path_join(rt_t.sb->data_root, rel);
    struct stat st;
    int r = lstat(p, &st) == 0;
    free(p);
    return r;
}

/* §3.1 cleanup: stray files and directories in runtimes/ disappear at
 * startup; runtimes-old is not touched. */
RT_TEST_FN(wrap_restart_wipes_strays)
{
    start_with(CFG_WR);
    rt_engine_stop();
    plant("runtimes/stray", "x");
    plant("runtimes/sub/deep", "y");
    plant("runtimes/" WR_JSON, "#!/bin/sh\nstale $@\n");
    plant("runtimes-old/keepme", "legacy");
    rt_engine_start_ok(NULL);
    static const char *const now[] = {WR_DEBUG};
    assert_exactly(now, 1);
    ck_assert_msg(exists("runtimes-old/keepme"), "runtimes-old/keepme was removed at startup");
    char *p = rt_path_join(rt_t.sb->data_root, "runtimes-old/keepme");
    char *s = rt_read_file(p, 4096, NULL);
    ck_assert_msg(s && !strcmp(s, "legacy"), "runtimes-old/keepme changed");
    free(s), free(p);
}

/* §3.1: the wipe happens at startup even when no runtime has args. */
RT_TEST_FN(wrap_restart_wipes_all)
{
    start_with(CFG_WR);
    rt_engine_stop();
    rt_write_config("{}\n");
    rt_engine_start_ok(NULL);
    assert_exactly(NULL, 0);
}

/* §1.5 3d: a path+args runtime whose name contains '/' cannot have its
 * wrapper written: startup fails (moby: raw open error). */
RT_TEST_FN(wrap_slash_name_fails_startup)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n");
    int rc = rt_engine_start(NULL);
    ck_assert_msg(rc > 0, "engine started with an args runtime named my/custom.rt");
    char *log = rt_engine_log();
    ck_assert_msg(strstr(log, "failed to start daemon: "), "no startup error in log: %s", log);
    free(log);
    ck_assert_msg(!exists("runtimes/my"), "a sub-directory runtimes/my was created");
}

/* SHOULD (README "Differences from dockerd"): an argument the shell would
 * split is single-quoted, plain words stay byte-identical. */
RT_TEST_FN(wrap_quotes_spaces)
{
    start_with("{\"runtimes\":{\"wr2\":{\"path\":\"/usr/sbin/runc\",\"runtimeArgs\":[\"--root\",\"/tmp/x y\"]}}}\n");
    const char *content = "#!/bin/sh\n/usr/sbin/runc --root '/tmp/x y' $@\n";
    char *file = predict("wr2", content);
    assert_wrapper(file, content);
    const char *files[] = {file};
    assert_exactly(files, 1);
    free(file);
}

/* SHOULD: a wrapper name escaping the directory is refused at startup with
 * a clear message, and nothing is written outside runtimes/. */
RT_TEST_FN(wrap_dotdot_rejected)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config("{\"runtimes\":{\"../x\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n");
    int rc = rt_engine_start(NULL);
    ck_assert_msg(rc > 0, "engine started with an args runtime named ../x");
    char *log = rt_engine_log();
    ck_assert_msg(strstr(log, "runtime ../x: name cannot be used for a wrapper script"), "log: %s", log);
    free(log);
    DIR *d = opendir(rt_t.sb->data_root);
    struct dirent *e;
    while (d && (e = readdir(d)))
        ck_assert_msg(strncmp(e->d_name, "x.", 2), "%s written outside runtimes/", e->d_name);
    if (d) closedir(d);
}

/* Journal entry METHOD of COMPONENT for ID (exactly one). */
static json_t *one_entry(const char *component, const char *method, const char *id)
{
    json_t *a = rt_lc_journal(component, method, id);
    ck_assert_msg(json_array_size(a) == 1, "%zu %s %s entries for %s, want 1", json_array_size(a), component,
                  method, id);
    json_t *e = json_incref(json_array_get(a, 0));
    json_decref(a);
    return e;
}

static int has_arg(json_t *arr, const char *want)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (!strcmp(json_string_value(v), want)) return 1;
    return 0;
}

/* Start ID and wait for its exit CODE: the one shim start got the wrapper
 * FILE as BinaryName. That journal entry (caller json_decref()s). */
static json_t *run_on_wrapper(const char *id, int code, const char *file)
{
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), code);
    json_t *e = one_entry("shim", "start", id);
    char *want = wpath(file);
    ck_assert_str_eq(rt_json_str(e, "binary_name", ""), want);
    free(want);
    return e;
}

/* §3.1 containerd record: the runc shim gets BinaryName = the absolute
 * wrapper path, and the runtime is called with the configured args. */
RT_TEST_FN(wrap_container_uses_wrapper)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config(CFG_WR);
    rt_lc_setup();
    char *id = rt_lc_create("wr", "exit 0", NULL);
    json_t *e = run_on_wrapper(id, 0, WR_DEBUG);
    ck_assert_str_eq(rt_json_str(e, "type_url", ""), "containerd.runc.v1.Options");
    json_decref(e);
    e = one_entry("runc", "create", id);
    ck_assert_msg(has_arg(json_object_get(e, "global_args"), "--debug"), "runc create without --debug");
    json_decref(e);
    free(id);
}

/* §5.1 + §3.1: definitions are looked up at every start: after a reload
 * changing the args, the same container starts on the new wrapper. */
RT_TEST_FN(wrap_container_follows_reload)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config(CFG_WR);
    rt_lc_setup();
    char *id = rt_lc_create("wr", "exit 0", NULL);
    json_decref(rt_reload_ok("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\","
                             "\"--log-format=json\"]}}}\n"));
    json_t *e = run_on_wrapper(id, 0, WR_JSON);
    json_decref(e);
    e = one_entry("runc", "create", id);
    ck_assert_msg(has_arg(json_object_get(e, "global_args"), "--log-format=json"),
                  "runc create without --log-format=json");
    json_decref(e);
    free(id);
}

/* §9.3 (v26): a running container whose args runtime is removed by reload
 * keeps its wrapper; stop still works (204). */
RT_TEST_FN(wrap_running_container_survives_removal)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config("{\"runtimes\":{\"gone\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]}}}\n");
    rt_lc_setup();
    char *id = rt_lc_create("gone", "exec tail -f /dev/null", NULL);
    rt_ct_start_ok(id);
    json_decref(rt_reload_ok("{\"runtimes\":{}}\n"));
    assert_wrapper("gone." NEW_SUFFIX, "#!/bin/sh\nrunc --log-format=text $@\n");
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/stop?t=5", id);
    struct rt_http_resp r;
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "stop: %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    json_t *v = rt_ct_inspect(id);
    ck_assert_str_eq(rt_json_str(json_object_get(v, "State"), "Status", ""), "exited");
    json_decref(v);
    free(id);
}

/* §3.1 "when written": every reload rebuilds the set and writes the
 * scripts even when nothing changed, so a deleted wrapper comes back. */
RT_TEST_FN(wrap_reload_rewrites_deleted)
{
    start_with(CFG_WR);
    char *p = wpath(WR_DEBUG);
    ck_assert_int_eq(unlink(p), 0);
    free(p);
    json_decref(rt_reload_ok(CFG_WR));
    assert_wrapper(WR_DEBUG, "#!/bin/sh\nrunc --debug $@\n");
}

/* §1.5: the path's existence is not validated; a non-default args runtime
 * with a missing binary still gets its wrapper and startup succeeds. */
RT_TEST_FN(wrap_missing_binary_still_written)
{
    start_with("{\"runtimes\":{\"gone\":{\"path\":\"/nonexistent/rt\",\"runtimeArgs\":[\"--debug\"]}}}\n");
    static const char *const a[] = {"--debug", NULL};
    char *content = moby_content("/nonexistent/rt", a);
    char *file = predict("gone", content);
    assert_wrapper(file, content);
    free(file), free(content);
}

/* A.5 + §5.2: an args runtime as the default: its wrapper exists, an empty
 * Runtime is stored as its name and the container starts on the wrapper. */
RT_TEST_FN(wrap_default_args_runtime)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config("{\"default-runtime\":\"wr\",\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":"
                    "[\"--debug\"]}}}\n");
    rt_lc_setup();
    assert_wrapper(WR_DEBUG, "#!/bin/sh\nrunc --debug $@\n");
    char *id = rt_lc_create(NULL, "exit 0", NULL);
    json_t *v = rt_ct_inspect(id);
    ck_assert_str_eq(rt_json_str(json_object_get(v, "HostConfig"), "Runtime", ""), "wr");
    json_decref(v);
    json_t *e = run_on_wrapper(id, 0, WR_DEBUG);
    json_decref(e);
    free(id);
}

/* §3.1 cleanup + §5.1: after a restart the regenerated wrapper (same
 * content, same name) serves containers created before the restart. */
RT_TEST_FN(wrap_container_after_restart)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config(CFG_WR);
    rt_lc_setup();
    char *id = rt_lc_create("wr", "exit 4", NULL);
    rt_engine_stop();
    rt_engine_start_ok(NULL);
    json_t *e = run_on_wrapper(id, 4, WR_DEBUG);
    json_decref(e);
    free(id);
}

/* SHOULD: quoted arguments reach the runtime intact: printf sees "%s|" and
 * "x y" as two arguments, then the wrapper's own. */
RT_TEST_FN(wrap_quoted_args_intact)
{
    start_with("{\"runtimes\":{\"pf\":{\"path\":\"/usr/bin/printf\",\"runtimeArgs\":[\"%s|\",\"x y\",\"it's\"]}}}\n");
    const char *content = "#!/bin/sh\n/usr/bin/printf '%s|' 'x y' 'it'\\''s' $@\n";
    char *file = predict("pf", content);
    assert_wrapper(file, content);
    assert_runs(file, "state", "x y|it's|state|");
    free(file);
}

#define SPEC "engine-runtime-behaviour.md "
#define M(fn, id, spec, desc) RT_TEST(fn, id, RT_MUST, RT_CORE, SPEC spec, RT_CAP_OWN_DAEMON, desc)
#define MS(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, SPEC spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
#define SH(fn, id, spec, desc) RT_TEST(fn, id, RT_SHOULD, RT_FULL, SPEC spec, RT_CAP_OWN_DAEMON, desc)
static const struct rt_test tests[] = {
    M(wrap_vector_debug, "RT-WRAP-001", "§3.1", "vector wr/runc/--debug: exact file name, content, mode 0700"),
    M(wrap_vector_two_args, "RT-WRAP-002", "§3.1", "vector wr/runc/--debug --log-format=json: exact file name"),
    M(wrap_vector_vm, "RT-WRAP-003", "§3.1", "vector vm//usr/local/bin/vm-manager/--debug: exact file name"),
    M(wrap_vector_crun, "RT-WRAP-004", "§3.1", "computed vector crun --systemd-cgroup: exact file name"),
    M(wrap_shared_suffix, "RT-WRAP-005", "§3.1", "new and gone with the same content share the suffix"),
    M(wrap_dir_mode_and_selection, "RT-WRAP-006", "§3.1", "runtimes/ is 0700; only path+args runtimes get wrappers"),
    M(wrap_none_without_args, "RT-WRAP-007", "§3.1", "path-only runtimes: runtimes/ exists and is empty"),
    M(wrap_executes, "RT-WRAP-008", "§3.1", "the wrapper runs <path> <args> followed by its own arguments"),
    M(wrap_reload_change_args, "RT-WRAP-009", "§3.1", "reload changing args: new wrapper added, old kept identical"),
    M(wrap_reload_change_path, "RT-WRAP-010", "§3.1", "reload changing path: new wrapper added, old kept identical"),
    M(wrap_reload_drop_args, "RT-WRAP-011", "§3.1", "reload dropping args: old wrapper kept, none added"),
    M(wrap_reload_remove_runtime, "RT-WRAP-012", "§3.1", "reloads removing runtimes keep their wrappers"),
    M(wrap_reload_unchanged, "RT-WRAP-013", "§3.1", "unchanged reloads keep the same files and content, no temp files"),
    M(wrap_reload_rejected, "RT-WRAP-014", "App. A.2", "reload rejected by the reserved-name check writes no wrapper"),
    M(wrap_restart_regenerates, "RT-WRAP-015", "§3.1", "restart wipes stale wrappers, regenerates the current ones"),
    M(wrap_restart_wipes_strays, "RT-WRAP-016", "§3.1", "stray files/dirs in runtimes/ vanish at startup; runtimes-old untouched"),
    M(wrap_restart_wipes_all, "RT-WRAP-017", "§3.1", "restart without args runtimes leaves runtimes/ empty"),
    M(wrap_slash_name_fails_startup, "RT-WRAP-018", "§1.5", "args runtime named my/custom.rt: startup fails"),
    MS(wrap_container_uses_wrapper, "RT-WRAP-019", "§3.1", "start: runc shim BinaryName = absolute wrapper path; args applied"),
    MS(wrap_container_follows_reload, "RT-WRAP-020", "§5.1", "created container starts on the wrapper of the reloaded args"),
    MS(wrap_running_container_survives_removal, "RT-WRAP-021", "§9.3", "running container of a removed args runtime: wrapper kept, stop 204"),
    SH(wrap_quotes_spaces, "RT-WRAP-022", "§3.1", "an argument with a space is single-quoted (rtengined improvement)"),
    SH(wrap_dotdot_rejected, "RT-WRAP-023", "§3.1", "args runtime ../x rejected at startup, nothing written outside"),
    M(wrap_reload_rewrites_deleted, "RT-WRAP-024", "§3.1", "every reload writes the scripts: a deleted wrapper comes back"),
    M(wrap_missing_binary_still_written, "RT-WRAP-025", "§1.5", "args runtime with a missing binary: startup ok, wrapper written"),
    MS(wrap_default_args_runtime, "RT-WRAP-026", "§5.2", "args runtime as default: wrapper, stored name, start on the wrapper"),
    MS(wrap_container_after_restart, "RT-WRAP-027", "§3.1", "after a restart the regenerated wrapper serves older containers"),
    SH(wrap_quoted_args_intact, "RT-WRAP-028", "§3.1", "quoted arguments (space, quote, %) reach the runtime intact"),
    {0},
};

const struct rt_suite rt_suite_wrappers = {"wrappers", tests};
