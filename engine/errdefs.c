#include "engine/errdefs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int rt_errclass_http_status(enum rt_errclass cls)
{
    switch (cls) {
    case RT_ERR_NONE: return 200;
    case RT_ERR_INVALID: return 400;
    case RT_ERR_NOT_FOUND: return 404;
    case RT_ERR_CONFLICT: return 409;
    case RT_ERR_NOT_MODIFIED: return 304;
    case RT_ERR_UNAVAILABLE: return 503;
    case RT_ERR_FORBIDDEN: return 403;
    case RT_ERR_NOT_IMPL: return 501;
    case RT_ERR_TOO_LARGE: return 413;
    case RT_ERR_METHOD: return 405;
    case RT_ERR_SYSTEM: return 500;
    }
    return 500;
}

const char *rt_errclass_name(enum rt_errclass cls)
{
    static const char *const names[] = {
        "ok", "invalid parameter", "not found", "conflict", "not modified", "unavailable",
        "forbidden", "not implemented", "request too large", "method not allowed", "system",
    };
    return (unsigned)cls < sizeof names / sizeof names[0] ? names[cls] : "system";
}

int rt_err_set(struct rt_err *err, enum rt_errclass cls, const char *fmt, ...)
{
    if (!err) return -1;
    free(err->msg);
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&err->msg, fmt, ap) < 0) err->msg = NULL;
    va_end(ap);
    err->cls = cls;
    return -1;
}

void rt_err_clear(struct rt_err *err)
{
    free(err->msg);
    err->msg = NULL;
    err->cls = RT_ERR_NONE;
}
