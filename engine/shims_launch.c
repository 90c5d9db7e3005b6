/* The shim binary's `start` and `delete` actions (shim spec §2.2, §2.5). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/shims.h"
#include "engine/shims_int.h"
#include "fsutil.h"
#include "procrun.h"
#include "proto/task.pb-c.h"

extern char **environ;

/* environ + TTRPC_ADDRESS + GOMAXPROCS=2 (replacing inherited ones). */
static char **child_env(const char *ttrpc)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TTRPC_ADDRESS=", 14) && strncmp(environ[i], "GOMAXPROCS=", 11)) env[j++] = environ[i];
    char *t = NULL;
    if (asprintf(&t, "TTRPC_ADDRESS=%s", ttrpc ? ttrpc : "") < 0) t = NULL;
    if (t) env[j++] = t;
    env[j++] = "GOMAXPROCS=2";
    return env;
}

static void free_env(char **env)
{
    if (!env) return;
    for (size_t i = 0; env[i]; i++)
        if (!strncmp(env[i], "TTRPC_ADDRESS=", 14)) free(env[i]);
    free(env);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    size_t k = strspn(s, " \t\r\n");
    memmove(s, s + k, n - k + 1);
}

/* One run of an action of L's shim with ARGV, in the bundle, with the
 * engine's environment plus TTRPC_ADDRESS. */
static int run_action(const struct rt_shim_launch *l, char *const *argv, bool merge_stderr, long timeout_ms,
                      char **out, size_t *out_len, char **err, int *status)
{
    char **env = child_env(l->ttrpc_address);
    if (!env) {
        errno = ENOMEM;
        return RT_PROCRUN_SPAWN_FAILED;
    }
    struct rt_procrun r = {.path = l->shim, .argv = argv, .envp = env, .dir = l->bundle, .in = l->opts,
                           .in_len = l->opts_len, .merge_stderr = merge_stderr, .keep_stderr = err != NULL,
                           .timeout_ms = timeout_ms};
    int rc = rt_procrun(&r, out, out_len, err, NULL, status);
    free_env(env);
    return rc;
}

int rt_shim_action_start(const struct rt_shim_launch *l, char **addr, char **errmsg)
{
    *addr = *errmsg = NULL;
    char *argv[] = {(char *)l->shim, "-namespace", RT_SHIM_NAMESPACE, "-address", (char *)l->address,
                    "-publish-binary", (char *)l->publish, "-id", (char *)l->id, "start", NULL};
    long tmo = rt_shim_timeout_ms(RT_SHIM_TMO_START);
    char *output = NULL;
    int status = 0;
    int rc = run_action(l, argv, true, tmo, &output, NULL, NULL, &status);
    if (rc == RT_PROCRUN_SPAWN_FAILED) {
        if (asprintf(errmsg, "fork/exec %s: %s", l->shim, rt_strerror(errno)) < 0) *errmsg = NULL;
        return -1;
    }
    if (!output) return -1;
    trim(output);
    if (rc == RT_PROCRUN_TIMED_OUT) {
        if (asprintf(errmsg, "start failed: %s: no reply from the shim's start action within %ld ms: "
                     "context deadline exceeded", output, tmo) < 0) *errmsg = NULL;
        free(output);
        return -1;
    }
    if (status != 0) {
        if (asprintf(errmsg, "start failed: %s: exit status %d", output, status) < 0) *errmsg = NULL;
        free(output);
        return -1;
    }
    const char *p = !strncmp(output, "unix://", 7) ? output + 7 : output;
    *addr = strdup(p);
    free(output);
    return *addr ? 0 : -1;
}

int rt_shim_action_delete(const struct rt_shim_launch *l, uint32_t *exit_status)
{
    char *argv[] = {(char *)l->shim, "-namespace", RT_SHIM_NAMESPACE, "-address", (char *)l->address,
                    "-publish-binary", (char *)l->publish, "-id", (char *)l->id, "-bundle", (char *)l->bundle,
                    "delete", NULL};
    /* containerd's cleanup limit; stdout and stderr read together. No
     * stdin: the options go to `start` only. */
    struct rt_shim_launch nl = *l;
    nl.opts = NULL, nl.opts_len = 0;
    long tmo = rt_shim_timeout_ms(RT_SHIM_TMO_CLEANUP);
    char *data = NULL, *warn = NULL;
    size_t n = 0;
    int status = 0;
    int ran = run_action(&nl, argv, false, tmo, &data, &n, &warn, &status);
    if (ran == RT_PROCRUN_SPAWN_FAILED) return -1;
    int late = ran == RT_PROCRUN_TIMED_OUT ? -1 : 0;
    if (late < 0) fprintf(stderr, "shim delete %s: no reply within %ld ms: killed\n", l->id, tmo);
    if (warn && *warn) fprintf(stderr, "shim delete %s: cleanup warnings %s\n", l->id, warn);
    free(warn);
    int rc = -1;
    if (late == 0 && status == 0 && data) {
        Containerd__Task__V2__DeleteResponse *r =
            containerd__task__v2__delete_response__unpack(NULL, n, (const uint8_t *)data);
        if (r) {
            if (exit_status) *exit_status = r->exit_status;
            containerd__task__v2__delete_response__free_unpacked(r, NULL);
            rc = 0;
        }
    }
    free(data);
    return rc;
}
