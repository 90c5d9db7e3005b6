/* Streaming attach output to API clients (attach, exec start): over a
 * hijacked (upgraded) socket, or as a plain streamed body. */
#ifndef RT_API_HIJACK_H
#define RT_API_HIJACK_H

#include "engine/api/http.h"
#include "engine/attach.h"

/* Make RESP stream SUB (taken over): 101 + hijack when the client asked
 * for an upgrade, else 200 with a streamed body. CTYPE is dockerd's
 * media type. */
void rt_resp_attach_stream(struct rt_req *req, struct rt_resp *resp, struct rt_attach_sub *sub,
                           const char *ctype);
/* dockerd's media type: multiplexed for non-TTY from API 1.42, else raw. */
const char *rt_attach_media_type(const struct rt_req *req, bool tty);
/* Parse a docker CLI timestamp ("<sec>[.<frac>]", the since/until of
 * /events and /logs) to unix ns; -1 if bad. */
int rt_parse_unix_ts(const char *s, long long *ns);

#endif
