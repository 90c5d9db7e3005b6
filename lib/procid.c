/* Process identity by (pid, start time); see procid.h. */
#include "procid.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

unsigned long long rt_proc_start_time(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *stat = rt_read_file(path, 4096, NULL);
    if (!stat) return 0;
    /* comm (field 2) may hold spaces and ')': fields resume after the last ')'. */
    char *p = strrchr(stat, ')');
    unsigned long long start = 0;
    if (p) {
        p++;
        for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
        if (p) start = strtoull(p + 1, NULL, 10);
    }
    free(stat);
    return start;
}

int rt_proc_kill_same(pid_t pid, unsigned long long start_time, int sig)
{
    if (pid <= 1) return 0;
    if (start_time && rt_proc_start_time(pid) != start_time) return 0;
    return kill(pid, sig) == 0;
}
