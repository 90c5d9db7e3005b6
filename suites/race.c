/* Reload vs container start (engine spec §4.2, §3.1, App. A.5), written
 * from the spec. Forced interleavings: the fake shim's barrier failpoint
 * holds a start inside the shim's Create (after the engine resolved the
 * runtime and handed over the wrapper path, before the runtime runs) while
 * a reload that changes or removes that runtime completes; released, the
 * container must run with exactly what it resolved, through the wrapper
 * that still exists unchanged. Random and soak modes: race_random.c.
 *
 * Level: MUST. Spec §3.1 records for v26 that wrappers are never modified or
 * deleted while the daemon runs (they accumulate; only startup wipes them),
 * and §4.2 that requests keep the snapshot they read. v26 does rename an
 * identical script over itself on every reload (new inode, same bytes), so
 * the checks compare content, never inodes. v20.10-v24 swapped the whole
 * directory on reload (§3.2) and fail here, as they should. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/race_common.h"
#include "suites/race_random.h"
#include "suites/suites.h"

#define RA_ONE "{\"runtimes\":{\"ra\":{\"path\":\"runc\",\"runtimeArgs\":[\"--rtrace-one\"]}}}\n"

struct bg_req {
    pthread_t th;
    const char *method, *body;
    char path[300];
    struct rt_http_resp r;
    int rc;
    volatile int done;
};

static void *bg_req_fn(void *arg)
{
    struct bg_req *b = arg;
    b->rc = rt_race_api(b->method, b->path, b->body, &b->r);
    __atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Send B's request from a thread; once the shim sits at the barrier FIFO
 * (in WHERE), reload to C2 and check the wrappers seen so far, then release
 * the shim and wait for the answer (in B->r). What went wrong is appended
 * to FAILS. */
static void blocked(struct bg_req *b, const char *fifo, const char *where, const char *c2, json_t *seen,
                    char *fails, size_t flen)
{
    if (pthread_create(&b->th, NULL, bg_req_fn, b) != 0) rt_env_error("pthread_create failed");
    int fd = rt_race_barrier_reached(fifo, &b->done);
    if (fd < 0) {
        pthread_join(b->th, NULL);
        if (b->done && b->rc == 0) {
            rt_ct_skip_without_shims(&b->r);
            ck_abort_msg("%s %s returned HTTP %ld %s before the shim reached the %s barrier", b->method, b->path,
                         b->r.status, rt_race_msg(&b->r), where);
        }
        rt_env_error("the shim never opened the barrier FIFO %s (%s %s: %s)", fifo, b->method, b->path,
                     b->done ? b->r.error : "pending");
    }
    /* The request is inside the shim now: the engine resolved what it uses. */
    char err[1024] = "";
    int rc = rt_reload_wait(c2, err, sizeof err, NULL);
    if (rc != 0)
        snprintf(fails + strlen(fails), flen - strlen(fails), "the reload %s while %s %s was blocked in the shim's %s: %s; ",
                 rc == 1 ? "was rejected" : "did not complete", b->method, b->path, where, err);
    char *m = rt_race_check_wrappers(seen);
    if (m) snprintf(fails + strlen(fails), flen - strlen(fails), "%s; ", m), free(m);
    rt_race_barrier_release(fd);
    pthread_join(b->th, NULL);
    if (b->rc < 0) rt_env_error("%s %s: %s", b->method, b->path, b->r.error);
}

/* Fail with FAILS (when non-empty) after a best-effort removal of ID (an
 * engine that lost the wrapper may not manage to stop it: the runner then
 * reports the leaked shim after this message). */
static void fail_now_if(const char *fails, const char *id)
{
    if (!*fails) return;
    char path[300];
    struct rt_http_resp r;
    snprintf(path, sizeof path, "/containers/%s?force=1", id);
    if (rt_race_api("DELETE", path, NULL, &r) == 0) rt_http_resp_free(&r);
    ck_abort_msg("%s", fails);
}

/* A container on RUNTIME whose shim METHOD blocks at a fresh barrier after
 * PRE (failpoint terms for the earlier calls, "" for none). */
static char *create_with_barrier(const char *runtime, const char *method, const char *pre, char **fifo)
{
    *fifo = rt_race_fifo("barrier.fifo");
    char fp[4200], key[128];
    snprintf(fp, sizeof fp, "%s1*barrier(%s)", pre, *fifo);
    snprintf(key, sizeof key, "io.containerd.runtime.v2.shim.failpoint.%s", method);
    json_t *ann = json_pack("{s:s}", key, fp);
    char *anntext = json_dumps(ann, JSON_COMPACT);
    json_decref(ann);
    char *id = rt_lc_create(runtime, "exec tail -f /dev/null", anntext);
    free(anntext);
    return id;
}

/* The one wrapper file of runtime NAME in SNAP. */
static const char *wrapper_of(json_t *snap, const char *name)
{
    const char *k, *hit = NULL;
    json_t *v;
    size_t n = strlen(name), count = 0;
    json_object_foreach(snap, k, v) if (!strncmp(k, name, n) && k[n] == '.') hit = k, count++;
    ck_assert_msg(count == 1, "%zu wrappers of %s in runtimes/, want 1", count, name);
    return hit;
}

/* "runc METHOD for ID ran with [..], want [ARGS]; " into BUF when any call
 * of it did not run with exactly ARGS (or there was none). */
static void runc_args_differ(const char *id, const char *method, const char *args, char *buf, size_t len)
{
    json_t *a = rt_lc_journal("runc", method, id);
    if (!json_array_size(a)) snprintf(buf, len, "no runc %s call for %s in the journal; ", method, id);
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        char *got = rt_race_runc_args(e);
        if (strcmp(got, args))
            snprintf(buf, len, "runc %s ran with args [%s], want [%s] (the config the start resolved); ", method,
                     got, args);
        free(got);
    }
    json_decref(a);
}

/* Every fakerunc call METHOD for ID ran with exactly ARGS. */
static void assert_runc_args(const char *id, const char *method, const char *args)
{
    char buf[1024] = "";
    runc_args_differ(id, method, args, buf, sizeof buf);
    ck_assert_msg(!*buf, "%s", buf);
}

/* Config C1 live; a container on RUNTIME (NULL: the default) whose start
 * blocks in the shim's Create; reload to C2 meanwhile; release. The start
 * must succeed with the wrapper of runtime RESOLVED under C1 and run with
 * ARGS; exec and stop keep using it. */
static void forced(const char *c1, const char *runtime, const char *resolved, const char *c2, const char *args)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config(c1);
    rt_lc_setup();
    json_t *seen = rt_race_wrappers();
    ck_assert_msg(seen != NULL, "no runtimes/ after startup");
    char *want_bin = rt_path_join(rt_t.sb->data_root, "runtimes");
    char *w1 = rt_path_join(want_bin, wrapper_of(seen, resolved));
    free(want_bin);

    char *fifo, fails[4096] = "", path[300];
    struct rt_http_resp r;
    char *id = create_with_barrier(runtime, "Create", "", &fifo);
    struct bg_req b = {.method = "POST"};
    snprintf(b.path, sizeof b.path, "/containers/%s/start", id);
    blocked(&b, fifo, "Create", c2, seen, fails, sizeof fails);
    if (b.r.status != 204)
        snprintf(fails + strlen(fails), sizeof fails - strlen(fails), "start after the reload: HTTP %ld %s; ",
                 b.r.status, rt_race_msg(&b.r));
    else
        runc_args_differ(id, "create", args, fails + strlen(fails), sizeof fails - strlen(fails));
    rt_http_resp_free(&b.r);
    fail_now_if(fails, id);

    /* Exactly the snapshot it resolved: C1's wrapper and args. */
    json_t *e = rt_lc_journal("shim", "Create", id);
    ck_assert_msg(json_array_size(e) == 1, "%zu shim Create entries for %s", json_array_size(e), id);
    ck_assert_str_eq(rt_json_str(json_array_get(e, 0), "binary_name", ""), w1);
    json_decref(e);
    assert_runc_args(id, "create", args);
    json_t *v = rt_ct_inspect(id);
    ck_assert_msg(rt_json_bool(json_object_get(v, "State"), "Running", 0), "container not running after start");
    json_decref(v);

    char msg[512];
    int ex = rt_race_exec(id, msg, sizeof msg);
    ck_assert_msg(ex >= 0, "exec after the reload: %s", msg);
    if (ex == 1) assert_runc_args(id, "exec", args);
    else printf("race: exec step skipped: the engine has no exec route (404 page not found)\n");
    snprintf(path, sizeof path, "/containers/%s/stop?t=5", id);
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "stop after the reload: HTTP %ld %s", r.status, rt_race_msg(&r));
    rt_http_resp_free(&r);
    assert_runc_args(id, "kill", args);
    char *m = rt_race_check_wrappers(seen);
    ck_assert_msg(!m, "%s", m);
    ck_assert_msg(rt_race_engine_alive(msg, sizeof msg), "%s", msg);
    json_decref(seen);
    free(w1), free(fifo), free(id);
}

/* §4.2: args changed while the start is in Create. */
RT_TEST_FN(race_forced_change_args)
{
    forced(RA_ONE, "ra", "ra", "{\"runtimes\":{\"ra\":{\"path\":\"runc\",\"runtimeArgs\":[\"--rtrace-two\"]}}}\n",
           "--rtrace-one");
}

/* §4.2 + §9.3: the runtime removed while the start is in Create. */
RT_TEST_FN(race_forced_remove)
{
    forced(RA_ONE, "ra", "ra", "{\"runtimes\":{}}\n", "--rtrace-one");
}

/* §4.2: the args dropped (no wrapper needed any more). */
RT_TEST_FN(race_forced_drop_args)
{
    forced(RA_ONE, "ra", "ra", "{\"runtimes\":{\"ra\":{\"path\":\"runc\"}}}\n", "--rtrace-one");
}

/* §4.2: the path changed, same args (a new content, a new wrapper). */
RT_TEST_FN(race_forced_change_path)
{
    char *runc = rt_path_join(rt_t.sb->shim_dir, "runc");
    json_t *c2 = json_pack("{s:{s:{s:s,s:[s]}}}", "runtimes", "ra", "path", runc, "runtimeArgs", "--rtrace-one");
    char *text = json_dumps(c2, JSON_COMPACT);
    json_decref(c2);
    forced(RA_ONE, "ra", "ra", text, "--rtrace-one");
    free(text), free(runc);
}

/* §4.2 + §5.2: created on the default ra (stored at create); the reload
 * removes ra and makes rb the default while the start is in Create. */
RT_TEST_FN(race_forced_default)
{
    forced("{\"default-runtime\":\"ra\",\"runtimes\":{\"ra\":{\"path\":\"runc\",\"runtimeArgs\":[\"--rtrace-one\"]}}}\n",
           NULL, "ra",
           "{\"default-runtime\":\"rb\",\"runtimes\":{\"rb\":{\"path\":\"runc\",\"runtimeArgs\":[\"--rtrace-two\"]}}}\n",
           "--rtrace-one");
}

/* A running container on ra (RA_ONE) whose shim METHOD (after PRE) blocks
 * during an exec start (EXEC) or a stop while a reload to C2 completes;
 * released, the call must succeed through the wrapper it started with:
 * every runc RUNC_METHOD ran with --rtrace-one (§4.2: locked in at start). */
static void forced_live(const char *method, const char *pre, bool exec, const char *c2, const char *runc_method)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config(RA_ONE);
    rt_lc_setup();
    json_t *seen = rt_race_wrappers();
    ck_assert_msg(seen != NULL, "no runtimes/ after startup");
    char *fifo, fails[4096] = "", msg[512];
    char *id = create_with_barrier("ra", method, pre, &fifo);
    struct rt_http_resp r;
    rt_ct_start_ok(id);
    struct bg_req b = {.method = "POST"};
    if (exec) {
        snprintf(b.path, sizeof b.path, "/containers/%s/exec", id);
        rt_api("POST", b.path, "{\"Cmd\":[\"/bin/true\"]}", &r);
        if (r.status == 404 && !strcmp(rt_race_msg(&r), "page not found")) {
            rt_http_resp_free(&r);
            rt_skip("the engine has no exec route (POST /containers/{id}/exec: 404 page not found)");
        }
        const char *eid = json_string_value(json_object_get(r.json, "Id"));
        ck_assert_msg(r.status == 201 && eid, "exec create: HTTP %ld %s", r.status, rt_race_msg(&r));
        snprintf(b.path, sizeof b.path, "/exec/%s/start", eid);
        b.body = "{\"Detach\":true,\"Tty\":false}";
        rt_http_resp_free(&r);
    } else {
        /* a long grace period: the stop must not escalate to SIGKILL while held */
        snprintf(b.path, sizeof b.path, "/containers/%s/stop?t=60", id);
    }
    blocked(&b, fifo, method, c2, seen, fails, sizeof fails);
    if (b.r.status < 200 || b.r.status > 299)
        snprintf(fails + strlen(fails), sizeof fails - strlen(fails), "%s %s after the reload: HTTP %ld %s; ",
                 b.method, b.path, b.r.status, rt_race_msg(&b.r));
    else
        runc_args_differ(id, runc_method, "--rtrace-one", fails + strlen(fails), sizeof fails - strlen(fails));
    rt_http_resp_free(&b.r);
    fail_now_if(fails, id);
    char *m = rt_race_check_wrappers(seen);
    ck_assert_msg(!m, "%s", m);
    ck_assert_msg(rt_race_engine_alive(msg, sizeof msg), "%s", msg);
    if (exec) { /* leave nothing running */
        snprintf(msg, sizeof msg, "/containers/%s/stop?t=5", id);
        rt_api("POST", msg, NULL, &r);
        ck_assert_msg(r.status == 204, "stop: HTTP %ld %s", r.status, rt_race_msg(&r));
        rt_http_resp_free(&r);
    }
    json_decref(seen);
    free(fifo), free(id);
}

/* §4.2 + §9.3: an exec held in the shim's Start while its runtime is removed. */
RT_TEST_FN(race_forced_exec_remove)
{
    forced_live("Start", "1*off->", true, "{\"runtimes\":{}}\n", "exec");
}

/* §4.2 + §9.3: a stop held in the shim's Kill while the args change. */
RT_TEST_FN(race_forced_stop_change_args)
{
    forced_live("Kill", "", false,
                "{\"runtimes\":{\"ra\":{\"path\":\"runc\",\"runtimeArgs\":[\"--rtrace-two\"]}}}\n", "kill");
}

/* The short random run of `make check`: bounded by iterations, never by
 * time, so a slow machine only makes it longer. */
RT_TEST_FN(race_random_short)
{
    static const struct rt_race_params p = {.workers = 2, .iterations = 2, .jitter_ms = 3, .min_reloads = 5};
    rt_race_random(&p);
}

RT_TEST_FN(race_random_long)
{
    struct rt_race_params p = {.workers = 4, .iterations = 25, .jitter_ms = 5, .min_reloads = 20};
    rt_race_params_env(&p);
    p.duration_s = 0;
    if (!p.iterations) p.iterations = 25;
    rt_race_random(&p);
}

RT_TEST_FN(race_soak)
{
    struct rt_race_params p = {.workers = 4, .duration_s = 60, .jitter_ms = 10, .min_reloads = 1};
    rt_race_params_env(&p);
    p.iterations = 0;
    rt_race_random(&p);
}

#define SPEC "engine-runtime-behaviour.md "
#define CAPS (RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS)
#define F(fn, id, spec, desc) RT_TEST(fn, id, RT_MUST, RT_CORE | RT_PROF_STRESS, SPEC spec, CAPS, desc)
/* the same, outside the quick core run (each costs an engine start) */
#define FF(fn, id, spec, desc) RT_TEST(fn, id, RT_MUST, RT_FULL | RT_PROF_STRESS, SPEC spec, CAPS, desc)
static const struct rt_test tests[] = {
    F(race_forced_change_args, "RT-RACE-001", "§4.2", "start blocked in shim Create while a reload changes the args: runs with the resolved wrapper"),
    F(race_forced_remove, "RT-RACE-002", "§4.2", "start blocked in shim Create while a reload removes the runtime: runs, exec/stop work"),
    FF(race_forced_drop_args, "RT-RACE-003", "§4.2", "start blocked in shim Create while a reload drops the args: old wrapper kept and used"),
    FF(race_forced_change_path, "RT-RACE-004", "§4.2", "start blocked in shim Create while a reload changes the path: resolved wrapper used"),
    FF(race_forced_default, "RT-RACE-005", "§4.2", "default-runtime start blocked in Create while a reload removes it and changes the default"),
    FF(race_forced_exec_remove, "RT-RACE-006", "§4.2", "exec held in the shim's Start while a reload removes its runtime: runs via the old wrapper"),
    FF(race_forced_stop_change_args, "RT-RACE-007", "§4.2", "stop held in the shim's Kill while a reload changes the args: kill via the old wrapper"),
    F(race_random_short, "RT-RACE-010", "§4.2", "random reload/start race, 2 workers x 2 containers: one snapshot per start, wrappers immutable"),
    RT_TEST_TIMEOUT(race_random_long, "RT-RACE-011", RT_MUST, RT_PROF_STRESS, SPEC "§4.2", CAPS,
                    "random reload/start race, 4 workers x 25 containers (RTCONFORM_RACE_*)", 600),
    RT_TEST_TIMEOUT(race_soak, "RT-RACE-020", RT_MUST, RT_PROF_STRESS, SPEC "§4.2", CAPS,
                    "soak: the random race for --duration (default 60 s)", 600),
    {0},
};

const struct rt_suite rt_suite_race = {"race", tests};
