#include "engine/start_errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOUNT_HINT ": Are you trying to mount a directory onto a file (or vice-versa)? " \
                   "Check if the specified host path exists and is the expected type"

/* The §2.4 table, first match wins. */
static const struct {
    const char *needle;
    int exit_code;
    enum rt_errclass cls;
    const char *suffix;
} rules[] = {
    {"permission denied", 126, RT_ERR_INVALID, ""},
    {"is a directory", 126, RT_ERR_INVALID, ": permission denied"},
    {"not a directory", 127, RT_ERR_INVALID, MOUNT_HINT},
    {"executable file not found", 127, RT_ERR_INVALID, ""},
    {"no such file or directory", 127, RT_ERR_INVALID, ""},
    {"system cannot find the file specified", 127, RT_ERR_INVALID, ""},
    {"failed to run runc create/exec call", 127, RT_ERR_INVALID, ""},
};

int rt_start_error_classify(const char *msg, struct rt_start_error *out)
{
    if (!msg) msg = "";
    out->exit_code = 128;
    out->cls = RT_ERR_SYSTEM;
    const char *suffix = "";
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcasestr(msg, rules[i].needle)) {
            out->exit_code = rules[i].exit_code;
            out->cls = rules[i].cls;
            suffix = rules[i].suffix;
            break;
        }
    if (asprintf(&out->msg, "%s%s", msg, suffix) < 0) {
        out->msg = NULL;
        return -1;
    }
    return 0;
}

void rt_start_error_free(struct rt_start_error *e)
{
    free(e->msg);
    e->msg = NULL;
}
