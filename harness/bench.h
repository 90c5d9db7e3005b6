/* `rtconform bench`: side-by-side benchmarks of rtengined and dockerd 26
 * (+ its containerd) with the same fake shims (issue 11). */
#ifndef RT_BENCH_H
#define RT_BENCH_H

/* ARGV[0] is "bench". Exit 0 when every scenario was measured, 1 when one
 * failed to run (or, with --strict, missed its target), 99 on bad usage. */
int rt_bench_main(int argc, char **argv);
extern const char rt_bench_usage[];

#endif
