/* The race explorer's config model (suites/race_model.c): generated configs
 * are valid (engine spec §4.1: a dangling default is rejected, an omitted
 * default is sticky), a seed replays the same sequence, and the snapshot
 * matcher accepts exactly what one config gives (§1.4, §3.1, App. A.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "suites/race_common.h"
#include "suites/race_model.h"

#define SHIM_RUNC "/sb/bin/runc"
#define RTDIR "/sb/data/runtimes"

static void test_generated_configs_valid(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    struct rt_race_cfg *prev = rt_race_cfg_gen(&rng, NULL, 0, SHIM_RUNC);
    assert_true(prev->rt[0].present && prev->rt[1].present);
    int omitted = 0, absent = 0, path_only = 0;
    for (long g = 1; g < 2000; g++) {
        struct rt_race_cfg *c = rt_race_cfg_gen(&rng, prev, g, SHIM_RUNC);
        assert_true(rt_race_cfg_defines(c, c->def));
        json_t *j = json_loads(c->text, 0, NULL);
        assert_non_null(j);
        assert_true(json_is_object(json_object_get(j, "runtimes")));
        json_t *d = json_object_get(j, "default-runtime");
        if (c->def_in_file) {
            assert_string_equal(json_string_value(d), c->def);
        } else {
            assert_null(d);
            assert_string_equal(c->def, prev->def); /* sticky */
            omitted++;
        }
        for (int k = 0; k < RT_RACE_NRT; k++) {
            json_t *r = json_object_get(json_object_get(j, "runtimes"), rt_race_names[k]);
            assert_int_equal(r != NULL, c->rt[k].present);
            absent += !c->rt[k].present;
            path_only += c->rt[k].present && !c->rt[k].nargs;
            if (r && c->rt[k].nargs)
                assert_int_equal(json_array_size(json_object_get(r, "runtimeArgs")), c->rt[k].nargs);
        }
        json_decref(j);
        rt_race_cfg_free(prev);
        prev = c;
    }
    rt_race_cfg_free(prev);
    /* every kind of change is explored */
    assert_true(omitted > 100 && absent > 100 && path_only > 100);
}

static void test_seed_replays(void **state)
{
    (void)state;
    uint64_t a = 99, b = 99;
    struct rt_race_cfg *pa = NULL, *pb = NULL;
    for (long g = 0; g < 50; g++) {
        struct rt_race_cfg *ca = rt_race_cfg_gen(&a, pa, g, SHIM_RUNC);
        struct rt_race_cfg *cb = rt_race_cfg_gen(&b, pb, g, SHIM_RUNC);
        assert_string_equal(ca->text, cb->text);
        rt_race_cfg_free(pa), rt_race_cfg_free(pb);
        pa = ca, pb = cb;
    }
    rt_race_cfg_free(pa), rt_race_cfg_free(pb);
}

static void test_matcher(void **state)
{
    (void)state;
    struct rt_race_cfg c = {.gen = 1};
    c.rt[0] = (struct rt_race_rt){.present = true, .nargs = 2, .args = {"--rtrace-a1", "--rtrace-b0"}};
    c.rt[1] = (struct rt_race_rt){.present = true, .abs_path = true, .nargs = 0};
    const char *wr = "#!/bin/sh\nrunc --rtrace-a1 --rtrace-b0 $@\n";
    /* ra: its wrapper, with exactly its content and args */
    assert_true(rt_race_cfg_matches(&c, "ra", RTDIR "/ra.X====", "--rtrace-a1 --rtrace-b0", wr, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "ra", RTDIR "/ra.X====", "--rtrace-a1", wr, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "ra", RTDIR "/ra.X====", "--rtrace-a1 --rtrace-b0",
                                     "#!/bin/sh\nrunc --rtrace-a2 $@\n", RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "ra", RTDIR "/ra.X====", "--rtrace-a1 --rtrace-b0", NULL, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "ra", RTDIR "/rb.X====", "--rtrace-a1 --rtrace-b0", wr, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "ra", "/elsewhere/ra.X====", "--rtrace-a1 --rtrace-b0", wr, RTDIR, SHIM_RUNC));
    /* rb: path-only, BinaryName = the path, no args */
    assert_true(rt_race_cfg_matches(&c, "rb", SHIM_RUNC, "", NULL, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "rb", "runc", "", NULL, RTDIR, SHIM_RUNC));
    /* stock runc */
    assert_true(rt_race_cfg_matches(&c, "runc", "runc", "", NULL, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_matches(&c, "runc", "runc", "--rtrace-a1", NULL, RTDIR, SHIM_RUNC));
    /* an undefined runtime matches nothing */
    c.rt[1].present = false;
    assert_false(rt_race_cfg_matches(&c, "rb", SHIM_RUNC, "", NULL, RTDIR, SHIM_RUNC));
    assert_false(rt_race_cfg_defines(&c, "rb"));
    assert_true(rt_race_cfg_defines(&c, "runc"));
}

static void test_runc_args(void **state)
{
    (void)state;
    json_t *e = json_pack("{s:[s,s,s,s,s]}", "global_args", "--rtrace-a1", "--root", "/r", "--rtrace-b2", "--log-format");
    char *s = rt_race_runc_args(e);
    assert_string_equal(s, "--rtrace-a1 --rtrace-b2");
    free(s);
    json_decref(e);
    const char *args[] = {"--rtrace-a0"};
    char *c = rt_race_content("runc", args, 1);
    assert_string_equal(c, "#!/bin/sh\nrunc --rtrace-a0 $@\n");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_configs_valid),
        cmocka_unit_test(test_seed_replays),
        cmocka_unit_test(test_matcher),
        cmocka_unit_test(test_runc_args),
    };
    return cmocka_run_group_tests_name("race_model", tests, NULL, NULL);
}
