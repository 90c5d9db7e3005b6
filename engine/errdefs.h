/* Typed error classes and their one mapping to HTTP status (moby errdefs). */
#ifndef RT_ERRDEFS_H
#define RT_ERRDEFS_H

enum rt_errclass {
    RT_ERR_NONE = 0,
    RT_ERR_INVALID,       /* invalid parameter      -> 400 */
    RT_ERR_NOT_FOUND,     /* not found              -> 404 */
    RT_ERR_CONFLICT,      /* conflict               -> 409 */
    RT_ERR_NOT_MODIFIED,  /* not modified           -> 304 */
    RT_ERR_UNAVAILABLE,   /* unavailable            -> 503 */
    RT_ERR_FORBIDDEN,     /* forbidden              -> 403 */
    RT_ERR_NOT_IMPL,      /* not implemented        -> 501 */
    RT_ERR_TOO_LARGE,     /* request too large      -> 413 */
    RT_ERR_METHOD,        /* method not allowed     -> 405 */
    RT_ERR_SYSTEM,        /* system / unknown       -> 500 */
};

/* An error value: a class and a message (owned). */
struct rt_err {
    enum rt_errclass cls;
    char *msg;
};

int rt_errclass_http_status(enum rt_errclass cls);
const char *rt_errclass_name(enum rt_errclass cls);

/* Set *ERR (freeing a previous message) and return -1, for `return rt_err_set(...)`. */
int rt_err_set(struct rt_err *err, enum rt_errclass cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rt_err_clear(struct rt_err *err);

#endif
