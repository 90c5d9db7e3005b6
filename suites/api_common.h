/* A lower-level request for the api suite: any bytes as body, any
 * Content-Type, the path sent as is (no dot-segment squashing), and the
 * response headers kept. */
#ifndef RT_SUITES_API_COMMON_H
#define RT_SUITES_API_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/client.h"

struct rt_raw_req {
    const char *method;
    const char *path;        /* sent byte for byte (CURLOPT_PATH_AS_IS) */
    const char *ctype;       /* Content-Type; NULL = none */
    const void *body;        /* NULL = no body */
    size_t len;
    long declared_len;       /* > 0: declare this Content-Length with Expect: 100-continue;
                              * LEN bytes follow only after a 100 Continue */
};

struct rt_raw_resp {
    struct rt_http_resp r;   /* status, body, json */
    char *headers;           /* raw header block of the final response */
    long long ms;            /* time to the response */
};

/* Perform REQ against the engine under test; ERROR outcome when no
 * response arrives within the scaled 30 s. */
void rt_raw(const struct rt_raw_req *req, struct rt_raw_resp *out);
void rt_raw_free(struct rt_raw_resp *r);
/* Value of header NAME (case-insensitive) into BUF; false if absent. */
bool rt_raw_header(const struct rt_raw_resp *r, const char *name, char *buf, size_t len);

/* The error contract: STATUS, Content-Type application/json and a body
 * that is exactly {"message": <non-empty string>}. Returns the message. */
const char *rt_api_assert_error(const struct rt_raw_resp *r, long status);
/* The engine still answers GET /_ping with 200 OK. */
void rt_api_assert_alive(void);

#endif
