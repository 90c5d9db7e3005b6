/* Raw requests for the api suite (api_common.h). */
#include "suites/api_common.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/testlib.h"
#include "jsonutil.h"

static size_t grow(char **buf, size_t *len, const char *data, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);
    if (!nb) return 0;
    memcpy(nb + *len, data, n);
    *buf = nb;
    *len += n;
    nb[*len] = '\0';
    return n;
}

static size_t on_body(char *d, size_t sz, size_t nm, void *ud)
{
    struct rt_http_resp *r = ud;
    return grow(&r->body, &r->len, d, sz * nm);
}

static size_t on_header(char *d, size_t sz, size_t nm, void *ud)
{
    struct rt_raw_resp *r = ud;
    size_t n = sz * nm;
    /* keep only the last response's block (a 100 Continue comes first) */
    if (n >= 5 && !strncmp(d, "HTTP/", 5)) {
        free(r->headers);
        r->headers = NULL;
    }
    size_t len = r->headers ? strlen(r->headers) : 0;
    return grow(&r->headers, &len, d, n);
}

static const char *sock(void)
{
    const char *s = rt_t.socket ? rt_t.socket : rt_t.run->external_socket;
    if (!s) rt_env_error("no engine socket: start the engine first");
    return s;
}

/* A body that is declared longer than what is sent: libcurl cannot do
 * that, so write the request on a plain socket and read the answer. */
static void raw_socket(const struct rt_raw_req *q, struct rt_raw_resp *out)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock());
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) rt_env_error("connect %s failed", sa.sun_path);
    struct timeval tv = {.tv_sec = rt_scaled_ms(10000) / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char head[4096];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %ld\r\n"
                     "Expect: 100-continue\r\n\r\n",
                     q->method, q->path, q->ctype ? q->ctype : "application/json", q->declared_len);
    long long t0 = rt_now_ms();
    if (write(fd, head, (size_t)n) != n) rt_env_error("write failed");
    /* Expect: 100-continue: the body goes only after a "100 Continue" */
    char first[64] = "";
    ssize_t got = recv(fd, first, sizeof first - 1, MSG_PEEK);
    bool go = got > 0 && strstr(first, " 100 ");
    if (go) recv(fd, first, (size_t)(strstr(first, "\r\n\r\n") ? strstr(first, "\r\n\r\n") - first + 4 : got), 0);
    for (size_t off = 0; go && off < q->len;) {
        ssize_t w = send(fd, (const char *)q->body + off, q->len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    char *all = NULL;
    size_t len = 0;
    char buf[8192];
    for (ssize_t r; (r = read(fd, buf, sizeof buf)) > 0;) {
        grow(&all, &len, buf, (size_t)r);
        char *end = all ? strstr(all, "\r\n\r\n") : NULL;
        if (!end) continue;
        /* stop once the declared body of the answer is complete */
        const char *cl = strcasestr(all, "\r\nContent-Length:");
        if (cl && cl < end && len >= (size_t)(end + 4 - all) + strtoul(cl + 17, NULL, 10)) break;
    }
    out->ms = rt_now_ms() - t0;
    close(fd);
    if (!all) return; /* status 0: no answer within the deadline (the row fails) */
    char *end = strstr(all, "\r\n\r\n");
    sscanf(all, "HTTP/1.%*d %ld", &out->r.status);
    if (end) {
        out->headers = strndup(all, (size_t)(end - all) + 2);
        size_t blen = len - (size_t)(end + 4 - all);
        grow(&out->r.body, &out->r.len, end + 4, blen);
        if (out->r.body) out->r.json = json_loadb(out->r.body, out->r.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    }
    free(all);
}

void rt_raw(const struct rt_raw_req *q, struct rt_raw_resp *out)
{
    memset(out, 0, sizeof *out);
    if (q->declared_len > 0) {
        raw_socket(q, out);
        return;
    }
    CURL *c = curl_easy_init();
    if (!c) rt_env_error("curl_easy_init failed");
    char url[16384];
    snprintf(url, sizeof url, "http://localhost%s", q->path);
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char ct[512];
    if (q->ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", q->ctype);
        h = curl_slist_append(h, ct);
    } else {
        h = curl_slist_append(h, "Content-Type:");
    }
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock());
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rt_scaled_ms(30000));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (!strcmp(q->method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (q->body || !strcmp(q->method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body ? q->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(q->body ? q->len : 0));
    }
    long long t0 = rt_now_ms();
    CURLcode rc = curl_easy_perform(c);
    out->ms = rt_now_ms() - t0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->r.status);
        if (out->r.body) out->r.json = json_loadb(out->r.body, out->r.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) rt_env_error("%s %.200s: %s", q->method, q->path, curl_easy_strerror(rc));
}

void rt_raw_free(struct rt_raw_resp *r)
{
    rt_http_resp_free(&r->r);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

bool rt_raw_header(const struct rt_raw_resp *r, const char *name, char *buf, size_t len)
{
    size_t nl = strlen(name);
    for (const char *l = r->headers; l && *l;) {
        const char *eol = strstr(l, "\r\n");
        size_t ll = eol ? (size_t)(eol - l) : strlen(l);
        if (ll > nl && l[nl] == ':' && !strncasecmp(l, name, nl)) {
            const char *v = l + nl + 1;
            while (*v == ' ') v++;
            snprintf(buf, len, "%.*s", (int)(ll - (size_t)(v - l)), v);
            return true;
        }
        l = eol ? eol + 2 : l + ll;
    }
    return false;
}

const char *rt_api_assert_error(const struct rt_raw_resp *r, long status)
{
    ck_assert_msg(r->r.status == status, "HTTP %ld, want %ld; body %.300s", r->r.status, status,
                  r->r.body ? r->r.body : "");
    char ct[256] = "";
    rt_raw_header(r, "Content-Type", ct, sizeof ct);
    ck_assert_msg(!strncmp(ct, "application/json", 16), "error Content-Type \"%s\", want application/json", ct);
    ck_assert_msg(json_is_object(r->r.json) && json_object_size(r->r.json) == 1,
                  "error body is not {\"message\": ...}: %.300s", r->r.body ? r->r.body : "");
    const char *m = json_string_value(json_object_get(r->r.json, "message"));
    ck_assert_msg(m && *m, "error body has no message string: %.300s", r->r.body);
    return m;
}

void rt_api_assert_alive(void)
{
    ck_assert_msg(rt_http_ping(sock(), rt_scaled_ms(5000)), "engine no longer answers GET /_ping");
    if (rt_t.engine_pid) {
        ck_assert_msg(kill(rt_t.engine_pid, 0) == 0, "engine process %d is gone", (int)rt_t.engine_pid);
    }
}
