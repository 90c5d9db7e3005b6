/* HTTP client for the Engine API over a unix socket (libcurl). */
#ifndef RT_CLIENT_H
#define RT_CLIENT_H

#include <jansson.h>
#include <stddef.h>

struct rt_http_resp {
    long status;        /* HTTP status, 0 if the request never completed */
    char *body;         /* NUL-terminated */
    size_t len;
    json_t *json;       /* parsed body when it is JSON, else NULL */
    char error[256];    /* transport error text when status == 0 */
};

/* One request: METHOD PATH (may include a query) with an optional JSON BODY
 * (NULL = none). TIMEOUT_MS 0 = 30 s. Returns 0 when a response arrived. */
int rt_http_request(const char *socket_path, const char *method, const char *path,
                    const char *body, long timeout_ms, struct rt_http_resp *out);
void rt_http_resp_free(struct rt_http_resp *r);

/* Append N bytes of DATA to the NUL-terminated buffer *BUF of *LEN bytes
 * (curl write callbacks); -1 when out of memory. */
int rt_buf_append(char **buf, size_t *len, const char *data, size_t n);

/* GET /_ping once; true on 200 "OK". */
int rt_http_ping(const char *socket_path, long timeout_ms);

#endif
