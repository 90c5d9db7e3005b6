/* What a test leaves behind, gathered from its sandbox for the reports:
 * log tails, journal lines, every daemon.json generation, the runtimes
 * directories with a sha256 per file; and a full copy on failure. */
#ifndef RT_ARTIFACTS_H
#define RT_ARTIFACTS_H

#include <jansson.h>

#include "harness/sandbox.h"

/* Details object for results.json (bounded sizes: tails, not whole logs). */
json_t *rt_artifacts_details(const struct rt_sandbox *sb);
/* Copy logs, journal, config generations and a runtimes listing into DEST
 * (created). 0, or -1 with a message. */
int rt_artifacts_copy(const struct rt_sandbox *sb, const char *dest, char *err, size_t len);
/* Hex sha256 of a file into OUT[65]; -1 if unreadable. */
int rt_sha256_file(const char *path, char out[65]);

#endif
