/* Every suite of the harness, one per area. Add a line here and a
 * suites/<area>.c that defines `const struct rt_suite rt_suite_<area>`. */
#ifndef RT_SUITES_H
#define RT_SUITES_H

#include "harness/registry.h"

#define RT_SUITE_LIST \
    RT_SUITE(info) \
    RT_SUITE(api) \
    RT_SUITE(selftest) \
    RT_SUITE(reload) \
    RT_SUITE(containers) \
    RT_SUITE(upgrade) \
    RT_SUITE(start) \
    RT_SUITE(shims) \
    RT_SUITE(validation) \
    RT_SUITE(resolution) \
    RT_SUITE(wrappers) \
    RT_SUITE(race) \
    RT_SUITE(exec) \
    RT_SUITE(logs) \
    RT_SUITE(ctrevents) \
    RT_SUITE(imgload) \
    RT_SUITE(liverestore)

#define RT_SUITE(name) extern const struct rt_suite rt_suite_##name;
RT_SUITE_LIST
#undef RT_SUITE

#endif
