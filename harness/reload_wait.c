#include "harness/reload_wait.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness/events_await.h"
#include "harness/observe.h"
#include "harness/testlib.h"

/* What dockerd logs (level=error) when a reload is rejected: errors of the
 * file or of flag conflicts bare, errors applying it with this prefix. */
#define RELOAD_ERR "Error reconfiguring the daemon: "
#define FILE_ERR "unable to configure the Docker daemon with file "
/* 20.10 (and 23/24) log validation failures of the reloaded file with this
 * prefix instead (engine spec §7, "reload error prefix"). */
#define VALIDATE_ERR "file configuration validation failed: "

struct waitstate {
    size_t log_from;       /* engine log offset before the signal */
    char *logerr;          /* reload error message from the log */
};

static size_t log_len(void)
{
    char *l = rt_engine_log();
    size_t n = strlen(l);
    free(l);
    return n;
}

/* The first reload error logged after FROM: logfmt msg="..." of a line
 * with RELOAD_ERR (text after it) or FILE_ERR (whole message), unescaped. */
static char *find_log_error(size_t from)
{
    char *l = rt_engine_log();
    char *res = NULL;
    if (strlen(l) > from) {
        char *p = strstr(l + from, RELOAD_ERR), *q = strstr(l + from, FILE_ERR);
        char *v = strstr(l + from, VALIDATE_ERR);
        if (v && (!q || v < q)) q = v;
        if (q && (!p || q < p)) p = q;
        else if (p) p += strlen(RELOAD_ERR);
        /* only a complete line: the engine may be writing it right now */
        if (p && !strchr(p, '\n')) p = NULL;
        if (p) {
            res = calloc(1, strlen(p) + 1);
            char *o = res;
            for (; *p && *p != '\n'; p++) {
                if (*p == '\\' && p[1]) {
                    p++;
                    *o++ = *p == 'n' ? '\n' : *p;
                    continue;
                }
                if (*p == '"') break;
                *o++ = *p;
            }
        }
    }
    free(l);
    return res;
}

/* An engine that exits instead of reloading (20.10 panics on a dangling
 * default, engine spec §7) is a rejected reload: say so, with its status. */
static void engine_died(struct waitstate *w)
{
    int status;
    if (rt_t.engine_pid <= 0 || waitpid(rt_t.engine_pid, &status, WNOHANG) != rt_t.engine_pid) return;
    rt_t.engine_pid = 0;
    if (asprintf(&w->logerr, "the engine exited during the reload (%s %d)",
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)) < 0)
        w->logerr = NULL;
}

/* While the stream is quiet: the failure shows only in the log or as an
 * exit (no event reports either). */
static int on_idle(void *userp)
{
    struct waitstate *w = userp;
    if (!w->logerr) w->logerr = find_log_error(w->log_from);
    if (!w->logerr) engine_died(w);
    return w->logerr != NULL;
}

int rt_reload_wait(const char *text, char *err, size_t errlen, json_t **event)
{
    if (event) *event = NULL;
    if (rt_t.engine_pid <= 0) {
        snprintf(err, errlen, "no engine running");
        return -1;
    }
    if (text) rt_write_config(text);
    struct rt_evmark mark = rt_events_mark();
    struct waitstate w = {.log_from = log_len()};
    if (kill(rt_t.engine_pid, SIGHUP) < 0) {
        snprintf(err, errlen, "kill SIGHUP: %m");
        return -1;
    }
    struct rt_events_req req = {.since = &mark,
                                .filters = "{\"type\":[\"daemon\"],\"event\":[\"reload\"]}",
                                .stop = rt_event_action_is,
                                .arg = "reload",
                                .idle = on_idle,
                                .idle_arg = &w,
                                .timeout_ms = 20000};
    char serr[512];
    json_t *seen = NULL;
    int rc = rt_events_run(&req, &seen, serr, sizeof serr);
    json_t *ev = rc == 0 ? json_incref(json_array_get(seen, json_array_size(seen) - 1)) : NULL;
    json_decref(seen);
    if (!w.logerr && !ev) w.logerr = find_log_error(w.log_from);
    if (!w.logerr && !ev) engine_died(&w);
    /* The engine closed the stream without an event: an engine crashing in
     * the reload drops its connections before it is reapable, so give its
     * exit (or its log line) a bounded moment to show. */
    if (!w.logerr && !ev && rc == -2 && rt_t.engine_pid > 0 &&
        rt_await_exit(rt_t.engine_pid, rt_scaled_ms(5000)) == 0) {
        w.logerr = find_log_error(w.log_from);
        if (!w.logerr) engine_died(&w);
    }
    int ret;
    if (ev) {
        ret = 0;
        if (event) *event = ev;
        else json_decref(ev);
        free(w.logerr);
    } else if (w.logerr) {
        ret = 1;
        snprintf(err, errlen, "%s", w.logerr);
        free(w.logerr);
    } else {
        ret = -1;
        snprintf(err, errlen, "no reload event and no reload error: %s", serr);
    }
    rt_observe("reload", "%s%s", ret == 0 ? "applied" : ret == 1 ? "rejected: " : "no answer", ret == 1 ? err : "");
    return ret;
}

json_t *rt_reload_ok(const char *text)
{
    char err[1024];
    json_t *ev = NULL;
    int rc = rt_reload_wait(text, err, sizeof err, &ev);
    if (rc == 1) ck_abort_msg("reload rejected: %s", err);
    if (rc < 0) rt_env_error("reload: %s", err);
    return ev;
}
