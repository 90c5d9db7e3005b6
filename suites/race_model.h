/* The race explorer's model of the engine configuration: a seeded
 * generator of valid daemon.json generations for the args runtimes "ra"
 * and "rb" (args, path, presence and the default change), and what a
 * container start on a runtime name must have used under one generation
 * (engine spec §1.4, §2.1, §3.1, §4.1). */
#ifndef RT_SUITES_RACE_MODEL_H
#define RT_SUITES_RACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_RACE_NRT 2

struct rt_race_rt {
    bool present;
    bool abs_path;        /* path = <shim dir>/runc instead of "runc" */
    size_t nargs;         /* 0: a path-only runtime, no wrapper */
    char args[2][32];     /* RT_RACE_ARG_PREFIX words */
};

struct rt_race_cfg {
    long gen;                     /* 0 = the startup config */
    struct rt_race_rt rt[RT_RACE_NRT];
    char def[8];                  /* effective default-runtime */
    bool def_in_file;             /* false: omitted, sticky (§4.1 step 5) */
    char *text;                   /* daemon.json */
};

/* Runtime names of the model ("ra", "rb"); -1 for others. */
extern const char *const rt_race_names[RT_RACE_NRT];
int rt_race_name_index(const char *name);

/* splitmix64 / xorshift-style generator: every choice comes from it, so a
 * seed replays the same configs and the same worker choices. */
uint64_t rt_race_rand(uint64_t *state);

/* Generation GEN after PREV (NULL: the startup config). SHIM_RUNC is the
 * absolute runc path alternative. Caller frees with rt_race_cfg_free. */
struct rt_race_cfg *rt_race_cfg_gen(uint64_t *rng, const struct rt_race_cfg *prev, long gen,
                                    const char *shim_runc);
void rt_race_cfg_free(struct rt_race_cfg *c);
/* Is NAME defined under C (stock runc always is)? */
bool rt_race_cfg_defines(const struct rt_race_cfg *c, const char *name);
/* "gen 3: ra=runc[--rtrace-a1] rb=- default=ra" for messages. */
void rt_race_cfg_describe(const struct rt_race_cfg *c, char *buf, size_t len);

/* Did a start of NAME under C hand the shim BINARY and make the runtime run
 * with ARGS (the RT_RACE_ARG_PREFIX words, space-joined)? For an args
 * runtime BINARY must be a file <data-root>/runtimes/<name>.* whose content
 * (WRAPPER_CONTENT, NULL when unreadable) is the §3.1 script of C's path
 * and args. */
bool rt_race_cfg_matches(const struct rt_race_cfg *c, const char *name, const char *binary, const char *args,
                         const char *wrapper_content, const char *runtimes_dir, const char *shim_runc);

#endif
