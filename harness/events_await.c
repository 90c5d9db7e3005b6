#include "harness/events_await.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/testlib.h"
#include "jsonutil.h"

struct rt_evmark rt_events_mark(void)
{
    struct rt_evmark m;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(m.since, sizeof m.since, "%lld.%09ld", (long long)now.tv_sec, now.tv_nsec);
    return m;
}

struct stream {
    const struct rt_events_req *req;
    CURL *c;
    char *buf;     /* bytes not yet split into lines (or a non-200 body) */
    size_t len;
    json_t *seen;
    int done;      /* stop accepted an event */
    char bad[256]; /* a line that is not JSON */
};

/* Hand every complete line to the predicate; 0 ends the transfer. */
static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    struct stream *s = userp;
    size_t n = size * nmemb;
    if (rt_buf_append(&s->buf, &s->len, data, n)) return 0;
    long status = 0;
    curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) return n; /* an error body: kept whole for the message */
    char *nl;
    while (!s->done && !*s->bad && (nl = memchr(s->buf, '\n', s->len))) {
        size_t linelen = (size_t)(nl - s->buf);
        if (linelen) {
            json_t *ev = json_loadb(s->buf, linelen, 0, NULL);
            if (!ev) {
                snprintf(s->bad, sizeof s->bad, "not JSON: %.*s", (int)(linelen > 200 ? 200 : linelen), s->buf);
            } else {
                json_array_append_new(s->seen, ev);
                s->done = s->req->stop ? s->req->stop(ev, s->req->arg) : 1;
            }
        }
        s->len -= linelen + 1;
        memmove(s->buf, nl + 1, s->len + 1);
    }
    return s->done || *s->bad ? 0 : n;
}

int rt_events_run(const struct rt_events_req *req, json_t **seen, char *err, size_t errlen)
{
    if (seen) *seen = NULL;
    long timeout = rt_scaled_ms(req->timeout_ms);
    long long deadline = rt_now_ms() + timeout;
    char url[2048];
    int n = snprintf(url, sizeof url, "http://localhost/events?since=%s", req->since->since);
    if (req->filters) {
        char *enc = curl_easy_escape(NULL, req->filters, 0);
        n += snprintf(url + n, sizeof url - (size_t)n, "&filters=%s", enc ? enc : "");
        curl_free(enc);
    }
    struct stream s = {.req = req, .seen = json_array()};
    s.c = curl_easy_init();
    CURLM *m = curl_multi_init();
    if (!s.c || !m || (size_t)n >= sizeof url) {
        snprintf(err, errlen, "events: cannot set up the request");
        curl_easy_cleanup(s.c), curl_multi_cleanup(m);
        if (seen) *seen = s.seen;
        else json_decref(s.seen);
        return -2;
    }
    curl_easy_setopt(s.c, CURLOPT_UNIX_SOCKET_PATH, rt_t.socket);
    curl_easy_setopt(s.c, CURLOPT_URL, url);
    curl_easy_setopt(s.c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s.c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(s.c, CURLOPT_WRITEDATA, &s);
    curl_multi_add_handle(m, s.c);
    int ret = -2, running = 1;
    CURLcode rc = CURLE_OK;
    *err = '\0';
    for (;;) {
        curl_multi_perform(m, &running);
        if (s.done) {
            ret = 0;
            break;
        }
        if (!running || *s.bad) break;
        if (req->idle && req->idle(req->idle_arg)) {
            ret = 1;
            break;
        }
        long long left = deadline - rt_now_ms();
        if (left <= 0) {
            snprintf(err, errlen, "no such event within %ld ms", timeout);
            ret = -1;
            break;
        }
        /* wakes on stream data; the idle hook is a poll (no event for it) */
        int wait = (int)(left < 1000 ? left : 1000);
        if (req->idle && wait > 20) wait = 20;
        curl_multi_poll(m, NULL, 0, wait, NULL);
    }
    if (ret == -2) {
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q)))
            if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
        long status = 0;
        curl_easy_getinfo(s.c, CURLINFO_RESPONSE_CODE, &status);
        if (*s.bad) snprintf(err, errlen, "events stream: %s", s.bad);
        else if (status && status != 200)
            snprintf(err, errlen, "events: HTTP %ld %.*s", status, (int)(s.len > 300 ? 300 : s.len), s.buf ? s.buf : "");
        else
            snprintf(err, errlen, "the events stream ended without the event (%s)", curl_easy_strerror(rc));
    }
    curl_multi_remove_handle(m, s.c);
    curl_easy_cleanup(s.c);
    curl_multi_cleanup(m);
    free(s.buf);
    if (seen) *seen = s.seen;
    else json_decref(s.seen);
    return ret;
}

char *rt_events_actions(json_t *evs)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) {
        const char *sig = rt_event_attr(ev, "signal");
        fprintf(f, "%s%s%s%s", i ? " " : "", rt_json_str(ev, "Action", "?"), *sig ? ":" : "", sig);
    }
    fclose(f);
    return out;
}

json_t *rt_events_await(const struct rt_evmark *mark, const char *filters, rt_event_pred stop, void *arg,
                        long timeout_ms, const char *what)
{
    struct rt_events_req req = {.since = mark, .filters = filters, .stop = stop, .arg = arg, .timeout_ms = timeout_ms};
    char err[512];
    json_t *seen = NULL;
    if (rt_events_run(&req, &seen, err, sizeof err) != 0) {
        char *acts = rt_events_actions(seen);
        ck_abort_msg("awaiting %s (events since %s, filters %s): %s; events seen: [%s]", what, mark->since,
                     filters ? filters : "none", err, acts);
    }
    return seen;
}

int rt_event_action_is(json_t *ev, void *action)
{
    const char *a = rt_json_str(ev, "Action", ""), *want = action;
    size_t n = strlen(want);
    /* "exec_start: sh -c ..." is an exec_start, as dockerd's filter has it */
    return !strncmp(a, want, n) && (a[n] == '\0' || a[n] == ':');
}

const char *rt_event_attr(json_t *ev, const char *key)
{
    return rt_json_str(json_object_get(json_object_get(ev, "Actor"), "Attributes"), key, "");
}

const char *rt_events_ctr_filters(char *buf, size_t len, const char *id, const char *action)
{
    if (action) snprintf(buf, len, "{\"container\":[\"%s\"],\"event\":[\"%s\"]}", id, action);
    else snprintf(buf, len, "{\"container\":[\"%s\"]}", id);
    return buf;
}

json_t *rt_events_await_ctr(const struct rt_evmark *mark, const char *id, const char *action)
{
    char filt[512], what[512];
    snprintf(what, sizeof what, "the %s event of container %s", action, id);
    json_t *seen = rt_events_await(mark, rt_events_ctr_filters(filt, sizeof filt, id, action), rt_event_action_is,
                                   (void *)action, 10000, what);
    json_t *ev = json_incref(json_array_get(seen, json_array_size(seen) - 1));
    json_decref(seen);
    return ev;
}
