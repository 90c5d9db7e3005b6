/* RTENGINED_TIMEOUT_MULT: an integer >= 1 scales, anything else is 1. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tmoscale.h"

static void test_unset_is_one(void **state)
{
    (void)state;
    unsetenv(RT_TIMEOUT_MULT_ENV);
    assert_int_equal(rt_timeout_scaled_ms(5000), 5000);
}

static void test_integer_scales(void **state)
{
    (void)state;
    setenv(RT_TIMEOUT_MULT_ENV, "12", 1);
    assert_int_equal(rt_timeout_scaled_ms(5000), 60000);
    assert_int_equal(rt_timeout_scaled_ms(0), 0);
    assert_int_equal(rt_timeout_scaled_ms(-1), -1); /* "no limit" stays so */
}

static void test_bad_values_are_one(void **state)
{
    (void)state;
    const char *bad[] = {"", "0", "-3", "2.5", "x", "12abc", "100000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv(RT_TIMEOUT_MULT_ENV, bad[i], 1);
        assert_int_equal(rt_timeout_scaled_ms(700), 700);
    }
}

static void test_capped_at_int_max(void **state)
{
    (void)state;
    setenv(RT_TIMEOUT_MULT_ENV, "1000", 1);
    assert_int_equal(rt_timeout_scaled_ms(INT_MAX / 2), INT_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unset_is_one),
        cmocka_unit_test(test_integer_scales),
        cmocka_unit_test(test_bad_values_are_one),
        cmocka_unit_test(test_capped_at_int_max),
    };
    return cmocka_run_group_tests_name("tmoscale", tests, NULL, NULL);
}
