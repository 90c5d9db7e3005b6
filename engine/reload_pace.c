/* Reload pacing; see reload_pace.h.
 *
 * Why (issue 11, measured with perf sched on the 2-core machine): a storm
 * driver that sends the next SIGHUP as soon as it sees the previous
 * `daemon reload` event keeps one core busy however cheap a reload is,
 * since one side of that ping-pong is always running. A shim thread that
 * woke on that core then waited 100-500 ms runnable: the shim runs in a
 * session (autogroup) of its own, its group's weight on that core was
 * small while the group's load sat on the other one, and the engine's
 * group had the full weight. Those waits were the multi-second create+start
 * outliers; no lock or grace period was involved. Every SIGHUP still gets
 * its own reload and event, later when the bucket is empty. */
#include "engine/reload_pace.h"

static void refill(struct rt_reload_pace *p, long long now_ns)
{
    if (now_ns > p->last_ns) {
        p->tokens_ns += (long long)((double)(now_ns - p->last_ns) * p->duty);
        if (p->tokens_ns > p->burst_ns) p->tokens_ns = p->burst_ns;
    }
    p->last_ns = now_ns;
}

void rt_reload_pace_init(struct rt_reload_pace *p, double duty, long long burst_ns, long long now_ns)
{
    p->duty = duty;
    p->burst_ns = p->tokens_ns = burst_ns;
    p->last_ns = now_ns;
}

long long rt_reload_pace_delay(struct rt_reload_pace *p, long long now_ns)
{
    if (p->duty <= 0) return 0;
    refill(p, now_ns);
    if (p->tokens_ns >= 0) return 0;
    return (long long)((double)-p->tokens_ns / p->duty) + 1;
}

void rt_reload_pace_charge(struct rt_reload_pace *p, long long cpu_ns, long long now_ns)
{
    refill(p, now_ns);
    if (cpu_ns > 0) p->tokens_ns -= cpu_ns;
}
