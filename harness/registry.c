#include "harness/registry.h"

#include <stdio.h>
#include <string.h>

#include "suites/suites.h"

const struct rt_suite *const rt_suites[] = {
#define RT_SUITE(name) &rt_suite_##name,
    RT_SUITE_LIST
#undef RT_SUITE
    NULL,
};

const char *rt_level_name(enum rt_level level)
{
    switch (level) {
    case RT_MUST: return "MUST";
    case RT_SHOULD: return "SHOULD";
    case RT_MAY: return "MAY";
    }
    return "?";
}

static const struct { const char *name; unsigned bit; } profile_names[] = {
    {"core", RT_PROF_CORE}, {"full", RT_PROF_FULL}, {"upgrade", RT_PROF_UPGRADE},
    {"stress", RT_PROF_STRESS}, {"selftest", RT_PROF_SELFTEST},
};

static const struct { const char *name; unsigned bit; } cap_names[] = {
    {"own-daemon", RT_CAP_OWN_DAEMON}, {"root", RT_CAP_ROOT}, {"real-runc", RT_CAP_REAL_RUNC},
    {"docker-cli", RT_CAP_DOCKER_CLI}, {"fake-shims", RT_CAP_FAKE_SHIMS},
};

unsigned rt_profile_parse(const char *name)
{
    for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++)
        if (!strcmp(name, profile_names[i].name)) return profile_names[i].bit;
    return 0;
}

#define JOIN_NAMES(table, mask, buf, len)                                       \
    do {                                                                        \
        size_t at = 0;                                                          \
        buf[0] = '\0';                                                          \
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)             \
            if ((mask) & table[i].bit)                                          \
                at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s", \
                                       at ? "," : "", table[i].name);           \
    } while (0)

const char *rt_profiles_str(unsigned mask, char *buf, size_t len)
{
    JOIN_NAMES(profile_names, mask, buf, len);
    return buf;
}

const char *rt_caps_str(unsigned mask, char *buf, size_t len)
{
    JOIN_NAMES(cap_names, mask, buf, len);
    return buf;
}

const struct rt_test *rt_registry_find(const char *id)
{
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++)
            if (!strcmp(t->id, id)) return t;
    return NULL;
}

size_t rt_registry_count(void)
{
    size_t n = 0;
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++) n++;
    return n;
}

const struct rt_suite *rt_registry_suite_of(const struct rt_test *test)
{
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++)
            if (t == test) return rt_suites[s];
    return NULL;
}
