/* fakerunc failpoints: annotation io.rtconform.fakerunc.failpoint.<command>
 * on the bundle's config.json. Each invocation is a new process, so the
 * number of past evaluations per command is kept in the bundle (it lives
 * exactly as long as the container) under an flock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "failpoint.h"
#include "fakerunc.h"
#include "fsutil.h"
#include "jsonutil.h"

#define COUNTS_FILE ".fakerunc-failpoints.json"

/* Bump and return the number of earlier evaluations of CMD (0 the first time). */
static long bump_count(const char *bundle, const char *cmd)
{
    char *path = rt_path_join(bundle, COUNTS_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0) return 0; /* read-only bundle: every call is the first */
    flock(fd, LOCK_EX);
    char buf[8192];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    json_t *counts = n > 0 ? rt_json_parse(buf, (size_t)n, NULL, 0) : NULL;
    if (!json_is_object(counts)) {
        json_decref(counts);
        counts = json_object();
    }
    long before = (long)rt_json_int(counts, cmd, 0);
    json_object_set_new(counts, cmd, json_integer(before + 1));
    char *s = rt_json_dump(counts);
    json_decref(counts);
    if (s && ftruncate(fd, 0) == 0) {
        ssize_t w = pwrite(fd, s, strlen(s), 0);
        (void)w;
    }
    free(s);
    close(fd); /* drops the lock */
    return before;
}

int frc_failpoint(struct frc *c, const json_t *config, const char *bundle)
{
    struct rt_failpoint *fp;
    char err[512];
    if (rt_failpoint_from_annotations(config, RT_FAKERUNC_FAILPOINT_PREFIX, c->cmd, &fp, err, sizeof err) < 0)
        return frc_fail(c, "%s", err);
    if (!fp) return 0;
    rt_failpoint_advance(fp, bump_count(bundle, c->cmd));
    char msg[512];
    enum rt_fp_result r = rt_failpoint_eval(fp, msg, sizeof msg);
    rt_failpoint_free(fp);
    json_object_set_new(c->extra, "failpoint", json_string(r == RT_FP_PASS ? "pass" : msg));
    if (r == RT_FP_ERROR) return frc_fail(c, "%s", msg);
    if (r == RT_FP_PANIC) {
        c->panicked = 1; /* main: like a Go panic, stderr only, exit status 2 */
        return frc_fail(c, "panic: %s", msg);
    }
    return 0;
}
