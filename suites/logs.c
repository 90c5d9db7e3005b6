/* Container output through the shim's stdio (shim spec §4.1, §9.21;
 * engine spec §8.3 TestRunWithAlternativeContainerdShim): what a
 * pass-through shim's container prints comes back from GET /logs, stdout
 * and stderr apart (the multiplexed stream: 8-byte headers). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/events_await.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

/* Split a multiplexed body into the payloads of stream 1 and 2. */
static void demux(const struct rt_http_resp *r, char **out, char **err)
{
    size_t cap = r->len + 1, ol = 0, el = 0;
    *out = calloc(1, cap), *err = calloc(1, cap);
    const unsigned char *p = (const unsigned char *)r->body;
    size_t off = 0;
    while (off + 8 <= r->len) {
        uint32_t n = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 | (uint32_t)p[off + 6] << 8 | p[off + 7];
        ck_assert_msg(p[off] == 1 || p[off] == 2, "frame at %zu: stream byte %u", off, p[off]);
        ck_assert_msg(off + 8 + n <= r->len, "frame at %zu: %u bytes past the end", off, n);
        if (p[off] == 1) memcpy(*out + ol, p + off + 8, n), ol += n;
        else memcpy(*err + el, p + off + 8, n), el += n;
        off += 8 + n;
    }
    ck_assert_msg(off == r->len, "%zu trailing bytes after the last frame", r->len - off);
}

static void run_and_logs(const char *runtime, const char *script, int code, char **out, char **err)
{
    char *id = rt_lc_run(runtime, script);
    struct rt_http_resp r = {0};
    ck_assert_int_eq(rt_lc_wait(id), code);
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/logs?stdout=1&stderr=1", id);
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 200, "logs: HTTP %ld %s", r.status, r.body ? r.body : "");
    demux(&r, out, err);
    rt_http_resp_free(&r);
    free(id);
}

/* engine §8.3: `echo 'Hello, world!'` on a runtime whose shim is another
 * name for the runc shim; after the exit, logs are exactly that line. */
RT_TEST_FN(logs_alias_shim_hello)
{
    rt_lc_setup();
    char *out, *err;
    run_and_logs("io.containerd.runc-alias.v2", "echo 'Hello, world!'", 0, &out, &err);
    ck_assert_str_eq(out, "Hello, world!\n");
    ck_assert_str_eq(err, "");
    free(out), free(err);
}

/* engine §8.3, second half: the same with that runtime as the default. */
RT_TEST_FN(logs_alias_shim_default)
{
    rt_write_config("{\"default-runtime\":\"io.containerd.runc-alias.v2\"}\n");
    rt_lc_setup();
    char *out, *err;
    run_and_logs(NULL, "echo 'Hello, world!'", 0, &out, &err);
    ck_assert_str_eq(out, "Hello, world!\n");
    free(out), free(err);
}

/* shim §4.1: the task gets separate stdout and stderr; the logs keep the
 * streams apart (stream 1 and 2), and the exit code is unaffected. */
RT_TEST_FN(logs_streams_apart)
{
    rt_lc_setup();
    char *out, *err;
    run_and_logs("io.containerd.runc-alias.v2", "echo out1; echo err1 >&2; echo out2; exit 2", 2, &out, &err);
    ck_assert_str_eq(out, "out1\nout2\n");
    ck_assert_str_eq(err, "err1\n");
    free(out), free(err);
}

/* GET /logs?tail=N keeps the last N lines (of either stream);
 * timestamps=1 prefixes each line with RFC 3339, nine fraction digits,
 * "Z" and a space. */
RT_TEST_FN(logs_tail_timestamps)
{
    rt_lc_setup();
    char *id = rt_lc_run("io.containerd.runc-alias.v2", "echo l1; echo l2; echo l3");
    struct rt_http_resp r = {0};
    ck_assert_int_eq(rt_lc_wait(id), 0);
    char path[256], *out, *err;
    snprintf(path, sizeof path, "/containers/%s/logs?stdout=1&stderr=1&tail=2", id);
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 200, "logs: HTTP %ld", r.status);
    demux(&r, &out, &err);
    ck_assert_str_eq(out, "l2\nl3\n");
    free(out), free(err);
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/containers/%s/logs?stdout=1&timestamps=1&tail=1", id);
    rt_api("GET", path, NULL, &r);
    demux(&r, &out, &err);
    /* 2024-05-01T10:00:00.123456789Z l3 */
    ck_assert_msg(strlen(out) == 31 + 3 && out[4] == '-' && out[10] == 'T' && out[19] == '.' && out[29] == 'Z' &&
                      out[30] == ' ' && !strcmp(out + 31, "l3\n"),
                  "timestamped line: '%s'", out);
    free(out), free(err);
    rt_http_resp_free(&r);
    free(id);
}

/* Logs errors: no stream chosen 400, unknown container 404 (exact). */
RT_TEST_FN(logs_errors)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0", NULL);
    char path[256];
    struct rt_http_resp r = {0};
    snprintf(path, sizeof path, "/containers/%s/logs", id);
    rt_api("GET", path, NULL, &r);
    rt_ct_assert_error(&r, 400, "Bad parameters: you must choose at least one stream");
    rt_http_resp_free(&r);
    rt_api("GET", "/containers/rt-no-such-ctr/logs?stdout=1", NULL, &r);
    rt_ct_assert_error(&r, 404, "No such container: rt-no-such-ctr");
    rt_http_resp_free(&r);
    /* a container that never ran has empty logs */
    snprintf(path, sizeof path, "/containers/%s/logs?stdout=1&stderr=1", id);
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 200 && r.len == 0, "logs of a created container: HTTP %ld, %zu bytes", r.status, r.len);
    rt_http_resp_free(&r);
    free(id);
}

/* The `docker run` flow without -d: attach (before start) streams the
 * run's output, multiplexed, and the stream ends when the process exits
 * (shim §9.21: stdio closed at exit). */
RT_TEST_FN(attach_run_flow)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "echo att-out; echo att-err >&2; exit 3", NULL);
    struct rt_evmark mark = rt_events_mark();
    char out_path[4200];
    snprintf(out_path, sizeof out_path, "%s/attach.out", rt_t.sb->dir);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork");
    if (pid == 0) { /* the attach client: body to a file, then exit */
        char path[256];
        snprintf(path, sizeof path, "/containers/%s/attach?stream=1&stdout=1&stderr=1", id);
        struct rt_http_resp r = {0};
        int rc = rt_http_request(rt_t.socket, "POST", path, NULL, rt_scaled_ms(30000), &r);
        FILE *f = fopen(out_path, "wb");
        if (f && r.body) fwrite(r.body, 1, r.len, f);
        if (f) fclose(f);
        _exit(rc == 0 && r.status == 200 ? 0 : 1);
    }
    rt_record_pid(pid);
    /* attached once the engine logged `attach` for it */
    json_decref(rt_events_await_ctr(&mark, id, "attach"));
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), 3);
    int st = 0;
    ck_assert_msg(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "attach request failed (status %d)", st);
    size_t len = 0;
    char *body = rt_read_file(out_path, 1 << 20, &len);
    struct rt_http_resp fake = {.status = 200, .body = body, .len = body ? len : 0};
    char *out, *err;
    demux(&fake, &out, &err);
    ck_assert_str_eq(out, "att-out\n");
    ck_assert_str_eq(err, "att-err\n");
    free(out), free(err), free(body), free(id);
}

#define T(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
static const struct rt_test tests[] = {
    T(logs_alias_shim_hello, "RT-LOGS-001", "engine-runtime-behaviour.md §8.3",
      "alias shim container: logs equal its output 'Hello, world!'"),
    T(logs_alias_shim_default, "RT-LOGS-002", "engine-runtime-behaviour.md §8.3",
      "same with the alias runtime as default-runtime"),
    T(logs_streams_apart, "RT-LOGS-003", "shim-v2-protocol.md §4.1",
      "stdout and stderr come back as streams 1 and 2 of the multiplexed logs"),
    T(logs_tail_timestamps, "RT-LOGS-004", "moby 26.1.5 Engine API (observed): logs tail, timestamps",
      "logs tail=N keeps the last N lines; timestamps=1 prefixes RFC 3339 with 9 fraction digits"),
    T(logs_errors, "RT-LOGS-005", "moby 26.1.5 Engine API (observed): logs errors",
      "logs: no stream 400, unknown container 404 (exact texts); never-started container: empty 200"),
    T(attach_run_flow, "RT-LOGS-006", "shim-v2-protocol.md §9.21",
      "attach before start streams the run's stdout/stderr multiplexed and ends at exit"),
    {0},
};

const struct rt_suite rt_suite_logs = {"logs", tests};
