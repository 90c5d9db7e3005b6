/* The shim calls of an exec (shim spec §4, §7 "ctr task exec"): Exec with
 * the OCI Process as JSON in an Any, then Start(exec_id); Delete(exec_id)
 * once it has exited. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/execs.h"
#include "engine/shims_int.h"
#include "engine/start_errors.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "proto/task.pb-c.h"
#include "ttrpc.h"

#define TASK_SVC "containerd.task.v2.Task"
#define PROCESS_TYPE "types.containerd.io/opencontainers/runtime-spec/1/Process"
#define CALL_MS ((int)rt_shim_timeout_ms(RT_SHIM_TMO_CALL))

struct xarg {
    const char *ctr, *exec_id;
    const json_t *proc;
    int *fds;
    uint32_t pid;
    struct rt_err *err;
};

static const char *suffix(int code)
{
    switch (code) {
    case RT_NOT_FOUND: return "not found";
    case RT_ALREADY_EXISTS: return "already exists";
    case RT_FAILED_PRECONDITION: return "failed precondition";
    case RT_DEADLINE_EXCEEDED: return "context deadline exceeded";
    case RT_UNIMPLEMENTED: return "not implemented";
    default: return "unknown";
    }
}

/* dockerd maps the runtime's message with the start-error table (the
 * not-found group is a 400, engine spec §9.3 "exec"). */
static int fail(struct rt_err *err, int code, const char *msg)
{
    char *full = NULL;
    if (asprintf(&full, "%s: %s", msg && *msg ? msg : "ttrpc: closed", suffix(code)) < 0) full = NULL;
    struct rt_start_error se = {0};
    if (full && rt_start_error_classify(full, &se) == 0) {
        rt_err_set(err, se.cls, "%s", se.msg ? se.msg : full);
        rt_start_error_free(&se);
    } else {
        rt_err_set(err, RT_ERR_SYSTEM, "%s", full ? full : "exec failed");
    }
    free(full);
    return -1;
}

static int fifo(const char *bundle, const char *exec_id, const char *which, char **path, int *fd)
{
    if (asprintf(path, "%s/%s-%s", bundle, exec_id, which) < 0) return -1;
    unlink(*path);
    if (mkfifo(*path, 0700) < 0) return -1;
    *fd = open(*path, O_RDWR | O_NONBLOCK | O_CLOEXEC); /* our own writer: no EOF until closed */
    return *fd < 0 ? -1 : 0;
}

/* The process: config.json's, with the exec's members on top. */
static char *process_json(const char *bundle, const json_t *over)
{
    char *cpath = rt_path_join(bundle, "config.json");
    json_t *spec = cpath ? rt_json_load_file(cpath, 4 << 20, NULL, 0) : NULL;
    free(cpath);
    json_t *p = json_deep_copy(json_object_get(spec, "process"));
    json_decref(spec);
    if (!json_is_object(p)) {
        json_decref(p);
        p = json_pack("{s:{s:i,s:i},s:[],s:s}", "user", "uid", 0, "gid", 0, "env", "cwd", "/");
    }
    json_object_set(p, "args", json_object_get(over, "args"));
    json_object_set(p, "terminal", json_object_get(over, "terminal"));
    json_t *env = json_object_get(p, "env");
    if (!json_is_array(env)) json_object_set_new(p, "env", env = json_array());
    json_array_extend(env, json_object_get(over, "env"));
    const char *cwd = json_string_value(json_object_get(over, "cwd"));
    if (cwd && *cwd) json_object_set_new(p, "cwd", json_string(cwd));
    json_t *user = json_object_get(over, "user");
    if (json_is_object(user)) json_object_set(p, "user", user);
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    return s;
}

static int do_start(struct rt_ttrpc_client *cl, const char *bundle, void *arg)
{
    struct xarg *x = arg;
    char *outp = NULL, *errp = NULL, *msg = NULL;
    int rc = -1;
    if (fifo(bundle, x->exec_id, "stdout", &outp, &x->fds[0]) < 0 ||
        fifo(bundle, x->exec_id, "stderr", &errp, &x->fds[1]) < 0) {
        rt_err_set(x->err, RT_ERR_SYSTEM, "exec fifos in %s: %s", bundle, rt_strerror(errno));
        goto out;
    }
    char *pj = process_json(bundle, x->proc);
    Google__Protobuf__Any spec = GOOGLE__PROTOBUF__ANY__INIT;
    spec.type_url = PROCESS_TYPE;
    spec.value.data = (uint8_t *)pj;
    spec.value.len = pj ? strlen(pj) : 0;
    Containerd__Task__V2__ExecProcessRequest er = CONTAINERD__TASK__V2__EXEC_PROCESS_REQUEST__INIT;
    er.id = (char *)x->ctr;
    er.exec_id = (char *)x->exec_id;
    er.terminal = json_is_true(json_object_get(x->proc, "terminal"));
    er.stdout = outp;
    er.stderr = errp;
    er.spec = &spec;
    int code = rt_ttrpc_call_msg(cl, TASK_SVC, "Exec", &er.base, NULL, NULL, NULL, 0, CALL_MS, &msg);
    free(pj);
    if (code != 0) {
        fail(x->err, code, msg);
        goto out;
    }
    Containerd__Task__V2__StartRequest sq = CONTAINERD__TASK__V2__START_REQUEST__INIT;
    sq.id = (char *)x->ctr;
    sq.exec_id = (char *)x->exec_id;
    ProtobufCMessage *resp = NULL;
    free(msg), msg = NULL;
    code = rt_ttrpc_call_msg(cl, TASK_SVC, "Start", &sq.base, &containerd__task__v2__start_response__descriptor, &resp,
                             NULL, 0, CALL_MS, &msg);
    if (code != 0) {
        fail(x->err, code, msg);
        goto out;
    }
    x->pid = ((Containerd__Task__V2__StartResponse *)resp)->pid;
    protobuf_c_message_free_unpacked(resp, NULL);
    rc = 0;
out:
    free(outp), free(errp), free(msg);
    return rc;
}

int rt_shim_exec_start(const char *ctr_id, const char *exec_id, const json_t *proc, int fds[2], uint32_t *pid,
                       struct rt_err *err)
{
    fds[0] = fds[1] = -1;
    struct xarg x = {.ctr = ctr_id, .exec_id = exec_id, .proc = proc, .fds = fds, .err = err};
    int rc = rt_shims_with_task(ctr_id, do_start, &x);
    if (rc == 1) rc = rt_err_set(err, RT_ERR_CONFLICT, "container %s is not running", ctr_id);
    if (rc < 0) {
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0) close(fds[i]), fds[i] = -1;
        return -1;
    }
    *pid = x.pid;
    return 0;
}

static int do_delete(struct rt_ttrpc_client *cl, const char *bundle, void *arg)
{
    struct xarg *x = arg;
    Containerd__Task__V2__DeleteRequest dr = CONTAINERD__TASK__V2__DELETE_REQUEST__INIT;
    dr.id = (char *)x->ctr;
    dr.exec_id = (char *)x->exec_id;
    rt_ttrpc_call_msg(cl, TASK_SVC, "Delete", &dr.base, NULL, NULL, NULL, 0, CALL_MS, NULL);
    const char *which[] = {"stdout", "stderr"};
    for (int i = 0; i < 2; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s-%s", bundle, x->exec_id, which[i]) >= 0) unlink(p);
        free(p);
    }
    return 0;
}

void rt_shim_exec_delete(const char *ctr_id, const char *exec_id)
{
    struct xarg x = {.ctr = ctr_id, .exec_id = exec_id};
    rt_shims_with_task(ctr_id, do_delete, &x);
}
