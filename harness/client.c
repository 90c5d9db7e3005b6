#include "harness/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_NOTHING); }

int rt_buf_append(char **buf, size_t *len, const char *data, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);
    if (!nb) return -1;
    memcpy(nb + *len, data, n);
    *buf = nb;
    *len += n;
    nb[*len] = '\0';
    return 0;
}

static size_t collect(char *data, size_t size, size_t nmemb, void *userp)
{
    struct rt_http_resp *r = userp;
    size_t n = size * nmemb;
    return rt_buf_append(&r->body, &r->len, data, n) ? 0 : n;
}

int rt_http_request(const char *socket_path, const char *method, const char *path,
                    const char *body, long timeout_ms, struct rt_http_resp *out)
{
    pthread_once(&curl_once, curl_init);
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(out->error, sizeof out->error, "curl_easy_init failed");
        return -1;
    }
    char url[4096];
    snprintf(url, sizeof url, "http://localhost%s", path);
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 30000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        if (out->body) {
            json_error_t je;
            out->json = json_loadb(out->body, out->len, JSON_DECODE_ANY, &je);
        }
    } else {
        snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

void rt_http_resp_free(struct rt_http_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

int rt_http_ping(const char *socket_path, long timeout_ms)
{
    struct rt_http_resp r;
    int ok = rt_http_request(socket_path, "GET", "/_ping", NULL, timeout_ms, &r) == 0 &&
             r.status == 200 && r.body && !strcmp(r.body, "OK");
    rt_http_resp_free(&r);
    return ok;
}
