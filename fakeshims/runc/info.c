/* features and --version: what a runc 1.1 reports, marked as fake. */
#include <stdio.h>
#include <stdlib.h>

#include "fakerunc.h"

#ifndef RT_VERSION
#define RT_VERSION "dev"
#endif

void frc_print_version(void)
{
    printf("runc version %s\ncommit: fakerunc-%s\nspec: %s\n", FAKERUNC_VERSION, RT_VERSION, FAKERUNC_SPEC);
}

static json_t *strs(const char *const *v)
{
    json_t *a = json_array();
    for (; *v; v++) json_array_append_new(a, json_string(*v));
    return a;
}

int frc_cmd_features(struct frc *c, int argc, char **argv)
{
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, NULL, &pos, &npos) < 0 || frc_need_args(c, npos, 0, 0) < 0) return -1;
    static const char *const hooks[] = {"prestart", "createRuntime", "createContainer", "startContainer",
                                        "poststart", "poststop", NULL};
    static const char *const mount_opts[] = {"acl", "async", "atime", "bind", "defaults", "dev", "diratime",
                                             "dirsync", "exec", "iversion", "lazytime", "loud", "mand",
                                             "noatime", "nodev", "nodiratime", "noexec", "nosuid", "private",
                                             "rbind", "relatime", "remount", "ro", "rprivate", "rshared",
                                             "rslave", "rw", "shared", "slave", "strictatime", "suid", "sync",
                                             NULL};
    static const char *const ns[] = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL};
    static const char *const caps[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
        "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE", NULL};
    json_t *f = json_pack(
        "{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:{s:b,s:b,s:b,s:b},s:{s:b},s:{s:b},s:{s:b}},s:{s:s,s:s,s:s}}",
        "ociVersionMin", "1.0.0", "ociVersionMax", FAKERUNC_SPEC, "hooks", strs(hooks), "mountOptions",
        strs(mount_opts), "linux", "namespaces", strs(ns), "capabilities", strs(caps), "cgroup", "v1", 1, "v2", 1,
        "systemd", 1, "systemdUser", 1, "seccomp", "enabled", 0, "apparmor", "enabled", 0, "selinux", "enabled", 0,
        "annotations", "org.opencontainers.runc.version", FAKERUNC_VERSION, "org.opencontainers.runc.commit",
        "fakerunc-" RT_VERSION, "org.opencontainers.runc.checkpoint.enabled", "false");
    char *s = json_dumps(f, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
    json_decref(f);
    return 0;
}
