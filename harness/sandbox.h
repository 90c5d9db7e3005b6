/* A per-test sandbox: its own data-root, exec-root, socket, config file,
 * shim PATH directory, journal and logs, all under one directory. */
#ifndef RT_SANDBOX_H
#define RT_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

struct rt_sandbox {
    char *dir;          /* <root>/<test id> */
    char *data_root;    /* dir/data */
    char *exec_root;    /* dir/exec */
    char *socket;       /* dir/engine.sock */
    char *pidfile;      /* dir/engine.pid */
    char *config;       /* dir/daemon.json */
    char *shim_dir;     /* dir/bin: fake shims under all names, fakerunc as runc */
    char *journal;      /* dir/journal.jsonl (RTCONFORM_JOURNAL) */
    char *engine_log;   /* dir/engine.log */
    char *test_log;     /* dir/test.log: the test's own stdout/stderr */
    char *outcome;      /* dir/outcome: SKIP/ERROR side channel from the test */
    char *pids;         /* dir/pids: every process the test started */
};

/* Create under ROOT for test ID; LIBEXEC holds the fake shims (may be NULL
 * or lack them: the shim dir is then empty). NULL + message on failure. */
struct rt_sandbox *rt_sandbox_create(const char *root, const char *id, const char *libexec,
                                     char *err, size_t errlen);
/* Kill every process recorded in pids (SIGKILL) and reap what we can.
 * Returns the number still alive before the kill (a leak if > 0). */
int rt_sandbox_kill_recorded(const struct rt_sandbox *sb);
/* Processes anywhere on the host whose environment names this sandbox
 * (they inherited RTCONFORM_JOURNAL): leaked shims and children. Kills
 * them; returns how many there were and lists their pids/cmds into DESC. */
int rt_sandbox_reap_leaks(const struct rt_sandbox *sb, char *desc, size_t len);
/* Mounts at or under the sandbox (from /proc/self/mountinfo): leaked by
 * the test. Lazily unmounts them; returns how many, listed into DESC. */
int rt_sandbox_reap_mounts(const struct rt_sandbox *sb, char *desc, size_t len);
void rt_sandbox_destroy(struct rt_sandbox *sb, bool remove_files);

#endif
