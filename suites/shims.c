/* The engine as a shim client (shim spec §2.2, §2.5, §6, §7): namespace
 * and id on `start`, the call sequence, `delete` after every task, the
 * bundle removed afterwards. Uses the fake shims' journal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

static void run_to_exit(const char *id, int code)
{
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), code);
}

static size_t count(const char *component, const char *method, const char *id)
{
    json_t *a = rt_lc_journal(component, method, id);
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

/* §7: Create, Connect, Start each once for a run; a non-empty namespace. */
RT_TEST_FN(shim_call_sequence)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0", NULL);
    run_to_exit(id, 0);
    static const char *const once[] = {"start", "Create", "Connect", "Start"};
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(count("shim", once[i], id) == 1, "shim %s seen %zu times", once[i], count("shim", once[i], id));
    json_t *a = rt_lc_journal("shim", "start", id);
    ck_assert_msg(*rt_json_str(json_array_get(a, 0), "namespace", ""), "shim started without -namespace");
    json_decref(a);
    free(id);
}

/* §2.5/§2.7: after the task exits the engine runs `delete` (the binary
 * action) and removes the bundle <exec-root>/containerd/<id>. */
RT_TEST_FN(shim_delete_after_exit)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 4", NULL);
    run_to_exit(id, 4);
    /* wait returns once the container is stopped; the delete action and
     * bundle removal happen before that in the exit path. */
    ck_assert_msg(count("shim", "delete", id) >= 1, "no shim delete action after the exit");
    ck_assert_msg(count("shim", "Shutdown", id) >= 1, "no Shutdown after the exit");
    char path[4096];
    snprintf(path, sizeof path, "%s/containerd/%s", rt_t.sb->exec_root, id);
    ck_assert_msg(access(path, F_OK) != 0, "bundle %s still present", path);
    free(id);
}

#define T(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, "shim-v2-protocol.md " spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
static const struct rt_test tests[] = {
    T(shim_call_sequence, "RT-SHIM-001", "§7", "start, Create, Connect, Start once each; namespace set"),
    T(shim_delete_after_exit, "RT-SHIM-002", "§2.5", "delete action and Shutdown after exit; bundle removed"),
    {0},
};

const struct rt_suite rt_suite_shims = {"shims", tests};
