/* Reload pacing (engine/reload_pace.h): isolated reloads and bursts run at
 * once; a storm is held to the duty share of one core. Simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "engine/reload_pace.h"

#define MS 1000000LL

static void test_isolated_reloads_never_held(void **state)
{
    (void)state;
    struct rt_reload_pace p;
    rt_reload_pace_init(&p, 0.1, 50 * MS, 0);
    long long t = 0;
    for (int i = 0; i < 1000; i++) {
        t += 20 * MS; /* a 1 ms reload every 20 ms: 5% of a core */
        assert_int_equal(rt_reload_pace_delay(&p, t), 0);
        t += MS;
        rt_reload_pace_charge(&p, MS, t);
    }
}

static void test_burst_then_duty(void **state)
{
    (void)state;
    struct rt_reload_pace p;
    rt_reload_pace_init(&p, 0.1, 50 * MS, 0);
    long long t = 0, cpu = 0, cost = MS / 5; /* 200 us reloads, back to back */
    int at_once = 0;
    for (int i = 0; i < 200; i++) { /* 40 ms of CPU: within the burst */
        if (rt_reload_pace_delay(&p, t) == 0) at_once++;
        t += cost;
        rt_reload_pace_charge(&p, cost, t);
    }
    assert_int_equal(at_once, 200);
    t = cpu = 0;
    rt_reload_pace_init(&p, 0.1, 50 * MS, 0);
    while (t < 10000 * MS) {
        t += rt_reload_pace_delay(&p, t);
        t += cost;
        cpu += cost;
        rt_reload_pace_charge(&p, cost, t);
    }
    /* 10 s of storm: 10% of a core plus the 50 ms burst, give or take */
    double share = (double)cpu / (double)t;
    assert_true(share > 0.095 && share < 0.11);
}

static void test_zero_duty_disables(void **state)
{
    (void)state;
    struct rt_reload_pace p;
    rt_reload_pace_init(&p, 0, 0, 0);
    rt_reload_pace_charge(&p, 1000 * MS, 1);
    assert_int_equal(rt_reload_pace_delay(&p, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isolated_reloads_never_held),
        cmocka_unit_test(test_burst_then_duty),
        cmocka_unit_test(test_zero_duty_disables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
