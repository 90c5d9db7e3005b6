/* `<runtime> --version`: run it and parse it as moby's parseRuntimeVersion
 * (engine spec §6.2, §8.1 TestParseRuntimeVersion). */
#ifndef RT_RTVERSION_H
#define RT_RTVERSION_H

#include <stddef.h>

#include "engine/snapshot.h"

/* Lines containing "version" give runtime (text before) and version (text
 * after the last "version"); a line starting "commit:" gives the commit.
 * -1 when neither version nor commit was found ("unknown output format"). */
int rt_parse_runtime_version(const char *out, struct rt_rtversion *v);

/* The default runtime's version for /info and /version, computed once per
 * snapshot (warnings logged as dockerd does when it cannot be determined). */
const struct rt_rtversion *rt_snapshot_runtime_version(struct rt_snapshot *s);

#endif
