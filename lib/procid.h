/* A process identity that survives pid reuse: pid_max may be as low as
 * 32768, and a test run forks thousands of processes, so a recorded pid may
 * name an unrelated process by the time it is killed. */
#ifndef RT_PROCID_H
#define RT_PROCID_H

#include <sys/types.h>

/* Start time of PID in clock ticks since boot (/proc/PID/stat field 22);
 * 0 when the process does not exist or cannot be read. */
unsigned long long rt_proc_start_time(pid_t pid);

/* Send SIG to PID only if it is still the process that had START_TIME
 * (0: no recorded start time, signal unconditionally). 1 if sent, 0 if the
 * process is gone or is another one now. */
int rt_proc_kill_same(pid_t pid, unsigned long long start_time, int sig);

#endif
