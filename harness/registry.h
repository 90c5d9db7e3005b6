/* The registry of conformance tests: every test carries a stable requirement
 * ID, an RFC 2119 level, its profiles, the spec section it checks and the
 * capabilities it needs. Suites (suites/<area>.c) export one table each. */
#ifndef RT_REGISTRY_H
#define RT_REGISTRY_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

enum rt_level { RT_MUST, RT_SHOULD, RT_MAY };

enum rt_profile {
    RT_PROF_CORE = 1u << 0,
    RT_PROF_FULL = 1u << 1,
    RT_PROF_UPGRADE = 1u << 2,
    RT_PROF_STRESS = 1u << 3,
    RT_PROF_SELFTEST = 1u << 4, /* the harness's own self-test cases */
};
/* A core test runs in every ordinary profile. */
#define RT_CORE (RT_PROF_CORE | RT_PROF_FULL | RT_PROF_UPGRADE)
#define RT_FULL RT_PROF_FULL

/* Capabilities a test needs from the target/environment. */
enum rt_cap {
    RT_CAP_OWN_DAEMON = 1u << 0, /* the harness starts the engine itself (not `external`) */
    RT_CAP_ROOT = 1u << 1,
    RT_CAP_REAL_RUNC = 1u << 2,
    RT_CAP_DOCKER_CLI = 1u << 3,
    RT_CAP_FAKE_SHIMS = 1u << 4, /* fake shims on the engine's shim PATH */
};

struct rt_test {
    const char *id;          /* RT-<AREA>-NNN */
    enum rt_level level;
    unsigned profiles;       /* RT_PROF_* bits */
    const char *spec;        /* e.g. "engine-runtime-behaviour.md §6.1" */
    unsigned caps;           /* RT_CAP_* bits */
    const char *desc;        /* one line */
    const TTest *ttest;      /* from START_TEST */
    double timeout;          /* seconds before the multiplier; 0 = default */
};

/* A test body: RT_TEST_FN(name) { ... } (Check's START_TEST without the
 * unused pointer variable; no END_TEST needed). */
#define RT_TEST_FN(name)                                                        \
    static void name##_fn(int _i CK_ATTRIBUTE_UNUSED);                          \
    static const TTest name##_ttest = {#name, name##_fn, __FILE__, __LINE__};   \
    static void name##_fn(int _i CK_ATTRIBUTE_UNUSED)

/* One entry per test: RT_TEST(fn, id, level, profiles, spec, caps, desc). */
#define RT_TEST(fn, id_, level_, prof_, spec_, caps_, desc_) \
    { .id = (id_), .level = (level_), .profiles = (prof_), .spec = (spec_), \
      .caps = (caps_), .desc = (desc_), .ttest = &fn##_ttest }

/* Same, with a timeout in seconds (before --timeout-multiplier). */
#define RT_TEST_TIMEOUT(fn, id_, level_, prof_, spec_, caps_, desc_, secs_) \
    { .id = (id_), .level = (level_), .profiles = (prof_), .spec = (spec_), \
      .caps = (caps_), .desc = (desc_), .ttest = &fn##_ttest, .timeout = (secs_) }

struct rt_suite {
    const char *name;              /* area, e.g. "info" */
    const struct rt_test *tests;   /* terminated by an entry with id == NULL */
};

/* All suites, in run order. */
extern const struct rt_suite *const rt_suites[];

const char *rt_level_name(enum rt_level level);
/* "core", "full", ... -> bit; 0 if unknown. */
unsigned rt_profile_parse(const char *name);
/* "core,full" style list of a mask into BUF. */
const char *rt_profiles_str(unsigned mask, char *buf, size_t len);
const char *rt_caps_str(unsigned mask, char *buf, size_t len);

/* Look up a test by ID; NULL if none. */
const struct rt_test *rt_registry_find(const char *id);
/* The suite (area) a registered test belongs to; NULL if none. */
const struct rt_suite *rt_registry_suite_of(const struct rt_test *t);
size_t rt_registry_count(void);

#endif
