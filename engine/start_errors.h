/* Start-error classification (engine spec §2.4, v25/v26 setExitCodeFromError):
 * what exit code a failed task creation records, which HTTP class the API
 * returns, and how the message is changed. The one place for this rule. */
#ifndef RT_START_ERRORS_H
#define RT_START_ERRORS_H

#include "engine/errdefs.h"

struct rt_start_error {
    int exit_code;             /* 126, 127 or 128 */
    enum rt_errclass cls;      /* RT_ERR_INVALID (400) or RT_ERR_SYSTEM (500) */
    char *msg;                 /* malloc'd; MSG with the table's suffix, if any */
};

/* Classify MSG (the gRPC status message). Substring tests are
 * case-insensitive and run in the table's order. 0, or -1 on ENOMEM. */
int rt_start_error_classify(const char *msg, struct rt_start_error *out);
void rt_start_error_free(struct rt_start_error *e);

#endif
