/* The random / soak mode of the race explorer: N worker threads
 * create+start+exec+stop+remove containers on the model's runtimes while
 * the test's main thread reloads generated configs as fast as the engine
 * acknowledges them (the `daemon reload` event), checking the invariants
 * continuously. Every choice comes from the run seed (printed), so
 * `--seed N` replays the same configs and worker choices; the OS still
 * picks the interleaving, which is why the invariants hold for any. */
#ifndef RT_SUITES_RACE_RANDOM_H
#define RT_SUITES_RACE_RANDOM_H

struct rt_race_params {
    int workers;
    int iterations;      /* container cycles per worker; 0: until DURATION_S */
    double duration_s;
    int jitter_ms;       /* a random pause of 0..jitter before each step */
    int min_reloads;     /* reload at least this often, even if workers are done */
};

/* Override P from RTCONFORM_RACE_{WORKERS,ITERATIONS,DURATION,JITTER_MS}
 * (set by `rtconform race`). */
void rt_race_params_env(struct rt_race_params *p);

/* Run the explorer in the current test (engine started here); fails the
 * test with the violations, the seed and the replay command. */
void rt_race_random(const struct rt_race_params *p);

#endif
