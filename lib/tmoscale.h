/* One knob for every internal time limit of the engine, the fake shims and
 * fakerunc: under slow instrumentation (valgrind memcheck is 20-50x slower)
 * the limits that are correct at full speed fire on healthy processes. */
#ifndef RT_TMOSCALE_H
#define RT_TMOSCALE_H

/* The environment variable: an integer >= 1 (default 1; anything else is
 * ignored). A test knob only: the harness passes its --timeout-multiplier. */
#define RT_TIMEOUT_MULT_ENV "RTENGINED_TIMEOUT_MULT"

/* BASE_MS times the multiplier, capped at INT_MAX (poll() takes an int). */
long rt_timeout_scaled_ms(long base_ms);

#endif
