/* File-system helpers: the one atomic-write routine, mkdir -p, rm -rf. */
#ifndef RT_FSUTIL_H
#define RT_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Write DATA to PATH atomically: a temp file ".tmp-<base><random>" in the same
 * directory, fsync, chmod MODE, rename over PATH, fsync the directory.
 * Returns 0, or -1 with errno set; on failure PATH is untouched and the temp
 * file removed. If ERRBUF is given it receives "open <tmp path>: <strerror>"
 * style text in Go's wording (the operation that failed, as dockerd reports it). */
int rt_atomic_write(const char *path, const void *data, size_t len, mode_t mode,
                    char *errbuf, size_t errlen);

/* The same write with less durability (the durability policy is in
 * docs/durability.md). FLAGS:
 *   RT_AW_NO_DIRSYNC  fsync the data but not the directory: after a power
 *                     loss PATH holds the old or the new content, never a torn
 *                     file, but the rename may be lost. For overwrites whose
 *                     loss is harmless, or when the caller fsyncs the
 *                     directory once for a batch (rt_fsync_dir).
 *   RT_AW_NO_SYNC     no fsync at all (rename atomicity only: a kill -9 never
 *                     tears it, a power loss may leave it empty). For files
 *                     rebuilt at every start or meaningless after a reboot. */
#define RT_AW_NO_DIRSYNC 1u
#define RT_AW_NO_SYNC 2u
int rt_atomic_write_flags(const char *path, const void *data, size_t len, mode_t mode, unsigned flags,
                          char *errbuf, size_t errlen);

/* fsync the directory DIR (makes renames/creations in it durable). 0 or -1/errno. */
int rt_fsync_dir(const char *dir);

/* strerror() as Go prints it ("no such file or directory"): dockerd's
 * messages embed Go's text, and the engine reproduces them. Thread-safe. */
const char *rt_strerror(int errnum);

/* mkdir -p with MODE for every created component. 0 or -1/errno. */
int rt_mkdir_p(const char *path, mode_t mode);

/* rm -rf PATH (no symlink following). 0 when gone, -1/errno otherwise. */
int rt_rm_rf(const char *path);

/* Read a whole file (at most MAX bytes, else EFBIG) into a NUL-terminated
 * malloc'd buffer. LEN may be NULL. NULL/errno on failure. */
char *rt_read_file(const char *path, size_t max, size_t *len);

/* Join DIR and NAME into a malloc'd path. */
char *rt_path_join(const char *dir, const char *name);

#endif
