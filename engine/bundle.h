/* The task bundle <exec-root>/containerd/<id>/ handed to the shim (shim
 * spec §2.1, §9 "For (b)"): config.json, the `log` FIFO (opened by us
 * before the shim starts), and the init-stdout/init-stderr FIFOs. */
#ifndef RT_BUNDLE_H
#define RT_BUNDLE_H

#include <jansson.h>

struct rt_bundle {
    char *dir;
    char *stdout_path, *stderr_path;
    int log_fd, out_fd, err_fd;  /* read ends, O_RDWR|O_NONBLOCK; -1 if closed */
};

/* The OCI runtime spec of a container: DOC is config.v2.json, HC
 * hostconfig.json (may be NULL), ROOTFS the root.path. New reference. */
json_t *rt_bundle_spec(const json_t *doc, const json_t *hc, const char *id, const char *rootfs);

/* Create <exec_root>/containerd/<id> (0700; a stale one is removed first),
 * write SPEC as config.json, make and open the FIFOs. 0, or -1 with *ERRMSG
 * (malloc'd) and nothing left behind. */
int rt_bundle_create(struct rt_bundle *b, const char *exec_root, const char *id, const json_t *spec,
                     char **errmsg);
/* Close the FIFO read ends (idempotent). */
void rt_bundle_close(struct rt_bundle *b);
/* Close, rm -rf the directory, free the strings. */
void rt_bundle_destroy(struct rt_bundle *b);

#endif
