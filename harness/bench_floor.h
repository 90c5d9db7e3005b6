/* The lifecycle's shim floor: the same fake shim and fakerunc driven with
 * no engine at all (shim `start`, ttrpc Create/Connect/Start/Wait, then
 * Delete/Shutdown and the `delete` action, as both engines do), so the
 * bench can tell an engine's own share of a run from what the shim costs. */
#ifndef RT_BENCH_FLOOR_H
#define RT_BENCH_FLOOR_H

#include <stddef.h>

struct bench_floor;

enum { BF_START, BF_WAIT, BF_TEARDOWN, BF_TOTAL, BF_N };
extern const char *const bench_floor_steps[BF_N];

/* A private sandbox under WORKDIR with the fake shims of LIBEXEC and an
 * events server for the shim's Forward calls. NULL + ERR. */
struct bench_floor *bench_floor_new(const char *workdir, const char *libexec, char *err, size_t errlen);
/* One run of a `true` task; MS[BF_*] = step latencies. 0 or -1 + ERR (a
 * shim left behind by a failed run is killed). */
int bench_floor_cycle(struct bench_floor *f, double ms[BF_N], char *err, size_t errlen);
void bench_floor_free(struct bench_floor *f);

#endif
