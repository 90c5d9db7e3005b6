/* Fuzz target: the failpoint grammar (lib/failpoint.c). Parses the input;
 * specs without blocking or exiting actions are also evaluated until they
 * pass, so the count bookkeeping runs too. */
#include <stdint.h>

#include "failpoint.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_strndup(data, size);
    struct rt_failpoint *fp = NULL;
    char err[256];
    if (rt_failpoint_parse(spec, &fp, err, sizeof err) == 0) {
        (void)rt_failpoint_nterms(fp);
        long left = rt_failpoint_remaining(fp);
        /* delay/barrier/exit/hang really sleep, block or exit: only count. */
        if (!strstr(spec, "delay") && !strstr(spec, "barrier") && !strstr(spec, "exit") &&
            !strstr(spec, "hang")) {
            char msg[128];
            for (long i = 0; i <= left && i < 64; i++) rt_failpoint_eval(fp, msg, sizeof msg);
        } else {
            rt_failpoint_advance(fp, left > 64 ? 64 : left);
        }
        rt_failpoint_free(fp);
    } else if (fp) {
        __builtin_trap(); /* a failed parse must not hand out an object */
    }
    free(spec);
    return 0;
}
