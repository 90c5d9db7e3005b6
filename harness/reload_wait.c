#include "harness/reload_wait.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

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
    char *buf;             /* unparsed stream bytes */
    size_t len;
    json_t *event;         /* the reload event, once seen */
    size_t log_from;       /* engine log offset before the signal */
    char *logerr;          /* reload error message from the log */
    long long deadline;
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

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    struct waitstate *w = userp;
    size_t n = size * nmemb;
    char *nb = realloc(w->buf, w->len + n + 1);
    if (!nb) return 0;
    memcpy(nb + w->len, data, n);
    w->buf = nb;
    w->len += n;
    w->buf[w->len] = '\0';
    char *nl;
    while (!w->event && (nl = strchr(w->buf, '\n'))) {
        json_error_t je;
        json_t *j = json_loadb(w->buf, (size_t)(nl - w->buf), 0, &je);
        const char *type = json_string_value(json_object_get(j, "Type"));
        const char *act = json_string_value(json_object_get(j, "Action"));
        if (type && act && !strcmp(type, "daemon") && !strcmp(act, "reload"))
            w->event = j;
        else
            json_decref(j);
        size_t rest = w->len - (size_t)(nl + 1 - w->buf);
        memmove(w->buf, nl + 1, rest + 1);
        w->len = rest;
    }
    return w->event ? 0 : n; /* 0 ends the transfer: we have what we came for */
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

/* Called by curl while the stream idles: watch the log for the failure. */
static int on_progress(void *userp, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    struct waitstate *w = userp;
    if (!w->logerr) w->logerr = find_log_error(w->log_from);
    if (!w->logerr) engine_died(w);
    return w->logerr || rt_now_ms() > w->deadline;
}

int rt_reload_wait(const char *text, char *err, size_t errlen, json_t **event)
{
    if (event) *event = NULL;
    if (rt_t.engine_pid <= 0) {
        snprintf(err, errlen, "no engine running");
        return -1;
    }
    if (text) rt_write_config(text);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct waitstate w = {.log_from = log_len(), .deadline = rt_now_ms() + rt_scaled_ms(20000)};
    if (kill(rt_t.engine_pid, SIGHUP) < 0) {
        snprintf(err, errlen, "kill SIGHUP: %m");
        return -1;
    }

    char path[512];
    /* filters={"type":["daemon"],"event":["reload"]} url-encoded */
    snprintf(path, sizeof path,
             "http://localhost/events?since=%lld.%09ld&filters=%%7B%%22type%%22%%3A%%5B%%22daemon%%22%%5D%%2C"
             "%%22event%%22%%3A%%5B%%22reload%%22%%5D%%7D",
             (long long)now.tv_sec, now.tv_nsec);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, rt_t.socket);
    curl_easy_setopt(c, CURLOPT_URL, path);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &w);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &w);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    free(w.buf);
    if (!w.logerr && !w.event) w.logerr = find_log_error(w.log_from);
    if (!w.logerr && !w.event) engine_died(&w);
    /* The engine closed the stream without an event: an engine crashing in
     * the reload drops its connections before it is reapable, so give its
     * exit (or its log line) a bounded moment to show. */
    for (long long until = rt_now_ms() + rt_scaled_ms(5000);
         !w.logerr && !w.event && rc != CURLE_OK && rc != CURLE_ABORTED_BY_CALLBACK && rt_now_ms() < until;) {
        struct timespec poll = {0, 10 * 1000 * 1000}; /* no event exists for "process gone": poll */
        nanosleep(&poll, NULL);
        w.logerr = find_log_error(w.log_from);
        if (!w.logerr) engine_died(&w);
    }
    int ret;
    if (w.event) {
        ret = 0;
        if (event) *event = w.event;
        else json_decref(w.event);
        free(w.logerr);
    } else if (w.logerr) {
        ret = 1;
        snprintf(err, errlen, "%s", w.logerr);
        free(w.logerr);
    } else {
        ret = -1;
        snprintf(err, errlen, "no reload event and no reload error within the deadline (%s)",
                 curl_easy_strerror(rc));
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
