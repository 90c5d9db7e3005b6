/* engine/ctr_index: random puts, gets and deletes agree with a plain array
 * model, across growth and wrap-around (backward-shift deletion). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "engine/ctr_index.h"

#define KEYS 300

static void test_model(void **state)
{
    (void)state;
    static char keys[KEYS][16];
    long model[KEYS]; /* -1: absent */
    for (int i = 0; i < KEYS; i++) {
        snprintf(keys[i], sizeof keys[i], "/k%d", i);
        model[i] = -1;
    }
    struct rt_ctr_index m = {0};
    unsigned seed = 7;
    for (int step = 0; step < 200000; step++) {
        int k = rand_r(&seed) % KEYS, op = rand_r(&seed) % 3;
        if (op == 0) {
            assert_int_equal(rt_ctr_index_put(&m, keys[k], (size_t)step), 0);
            model[k] = step;
        } else if (op == 1) {
            rt_ctr_index_del(&m, keys[k]);
            model[k] = -1;
        }
        size_t v = 0;
        bool got = rt_ctr_index_get(&m, keys[k], &v);
        assert_int_equal(got, model[k] >= 0);
        if (got) assert_int_equal(v, (size_t)model[k]);
        if (step % 1000 == 0) {
            size_t n = 0;
            for (int i = 0; i < KEYS; i++) {
                got = rt_ctr_index_get(&m, keys[i], &v);
                assert_int_equal(got, model[i] >= 0);
                if (got) assert_int_equal(v, (size_t)model[i]), n++;
            }
            assert_int_equal(n, m.n);
        }
    }
    size_t v;
    assert_false(rt_ctr_index_get(&m, "/absent", &v));
    rt_ctr_index_free(&m);
    assert_false(rt_ctr_index_get(&m, keys[0], &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_model)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
