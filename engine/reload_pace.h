/* Pacing of SIGHUP reloads (issue 11): back-to-back reloads may use at most
 * a set share of one core, so a SIGHUP storm cannot take the CPU that
 * container starts need. Isolated reloads and short bursts are not held. */
#ifndef RT_RELOAD_PACE_H
#define RT_RELOAD_PACE_H

/* A token bucket of CPU time: filled at DUTY ns per ns of wall time, up to
 * BURST ns; each reload takes out the CPU time it used. */
struct rt_reload_pace {
    double duty;
    long long burst_ns, tokens_ns, last_ns;
};

void rt_reload_pace_init(struct rt_reload_pace *p, double duty, long long burst_ns, long long now_ns);

/* How long (ns) to hold the reload a SIGHUP at NOW_NS asks for; 0: at once. */
long long rt_reload_pace_delay(struct rt_reload_pace *p, long long now_ns);

/* A reload that ended at NOW_NS used CPU_NS of its thread's CPU time. */
void rt_reload_pace_charge(struct rt_reload_pace *p, long long cpu_ns, long long now_ns);

#endif
