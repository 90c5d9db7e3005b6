/* fakerunc entry: global flags, command dispatch, runc-style error output,
 * and one journal line per invocation. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakerunc.h"
#include "journal.h"

int frc_fail(struct frc *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return -1;
}

static const struct {
    const char *name;
    int (*fn)(struct frc *, int, char **);
} commands[] = {
    {"create", frc_cmd_create}, {"start", frc_cmd_start},   {"state", frc_cmd_state},
    {"kill", frc_cmd_kill},     {"delete", frc_cmd_delete}, {"exec", frc_cmd_exec},
    {"ps", frc_cmd_ps},         {"pause", frc_cmd_pause},   {"resume", frc_cmd_resume},
    {"update", frc_cmd_update},   {"features", frc_cmd_features},
};

/* Append one line to --log in logrus's json or text format, as runc does. */
static void log_error(const struct frc *c, const char *msg)
{
    if (!c->log) return;
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *line = NULL;
    if (!strcmp(c->log_format, "json")) {
        json_t *o = json_pack("{s:s,s:s,s:s}", "level", "error", "msg", msg, "time", ts);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (s && asprintf(&line, "%s\n", s) < 0) line = NULL;
        free(s);
    } else {
        json_t *q = json_string(msg); /* quoting as logrus does, close enough: JSON string escapes */
        char *s = q ? json_dumps(q, JSON_ENCODE_ANY) : NULL;
        json_decref(q);
        if (asprintf(&line, "time=\"%s\" level=error msg=%s\n", ts, s ? s : "\"\"") < 0) line = NULL;
        free(s);
    }
    int fd = open(c->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0 && line) {
        ssize_t n = write(fd, line, strlen(line));
        (void)n;
    }
    if (fd >= 0) close(fd);
    free(line);
}

/* "--flag=value" or "--flag value"; single dash accepted as Go's flag package does. */
static int global_flag(struct frc *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *name = a + (a[1] == '-' ? 2 : 1);
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    static const char *const valued[] = {"root", "log", "log-format", "criu", "rootless"};
    int takes = 0;
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        if (strlen(valued[k]) == nlen && !strncmp(valued[k], name, nlen)) takes = 1;
    const char *val = eq ? eq + 1 : NULL;
    json_array_append_new(c->global_args, json_string(a));
    if (takes && !val) {
        if (*i + 1 >= argc) return frc_fail(c, "flag needs an argument: -%.*s", (int)nlen, name);
        val = argv[++*i];
        json_array_append_new(c->global_args, json_string(val));
    }
#define IS(n) (nlen == strlen(n) && !strncmp(name, n, nlen))
    if (IS("root")) c->root = val;
    else if (IS("log")) c->log = val;
    else if (IS("log-format")) {
        if (strcmp(val, "json") && strcmp(val, "text")) return frc_fail(c, "invalid log-format: %s", val);
        c->log_format = val;
    } else if (IS("debug")) c->debug = !val || strcmp(val, "false");
    else if (IS("systemd-cgroup")) c->systemd_cgroup = !val || strcmp(val, "false");
    /* anything else (wrapper scripts' runtimeArgs): accepted and recorded */
#undef IS
    return 0;
}

static json_t *argv_json(int argc, char **argv)
{
    json_t *a = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(a, json_string(argv[i]));
    return a;
}

int main(int argc, char **argv)
{
    struct frc c = {.root = FAKERUNC_DEFAULT_ROOT, .log_format = "text", .global_args = json_array(),
                    .argv = argv_json(argc, argv), .extra = json_object(), .lock_fd = -1};
    int i = 1, rc = -1;
    char *abs_root = NULL;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
            frc_print_version();
            rc = 0;
            c.cmd = "--version";
            goto out;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: fakerunc [global flags] create|start|state|kill|delete|exec|ps|pause|resume|features ...\n");
            rc = 0;
            c.cmd = "--help";
            goto out;
        }
        if (global_flag(&c, argc, argv, &i) < 0) goto out;
    }
    /* runc makes --root absolute: the container process chdirs before using it */
    if (c.root[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd && asprintf(&abs_root, "%s/%s", cwd, c.root) > 0) c.root = abs_root;
        free(cwd);
    }
    if (i >= argc) {
        frc_fail(&c, "no command given (want create, start, state, kill, delete, exec, ps, pause, resume or features)");
        goto out;
    }
    c.cmd = argv[i];
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (!strcmp(commands[k].name, c.cmd)) {
            rc = commands[k].fn(&c, argc - i, argv + i);
            goto out;
        }
    frc_fail(&c, "No help topic for '%s'", c.cmd);
out:
    if (rc < 0) {
        if (!c.panicked) log_error(&c, c.err);
        fprintf(stderr, "%s\n", c.err);
    }
    json_object_set_new(c.extra, "argv", c.argv);
    json_object_set_new(c.extra, "root", json_string(c.root));
    json_object_set_new(c.extra, "global_args", c.global_args);
    rt_journal_write("runc", c.cmd ? c.cmd : "", c.id, c.extra, rc < 0 ? c.err : NULL);
    fflush(stdout);
    frc_state_unlock(&c);
    free(abs_root);
    return rc < 0 ? (c.panicked ? 2 : 1) : c.exit_code;
}
