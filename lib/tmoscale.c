#include "tmoscale.h"

#include <limits.h>
#include <stdlib.h>

#define MULT_MAX 1000 /* keeps base * mult far from overflow */

long rt_timeout_scaled_ms(long base_ms)
{
    /* Read each time: cheap next to any wait it scales, and no state to
     * share between threads. */
    const char *e = getenv(RT_TIMEOUT_MULT_ENV);
    char *end = NULL;
    long m = e && *e ? strtol(e, &end, 10) : 1;
    if (!end || *end || m < 1 || m > MULT_MAX) m = 1;
    if (base_ms <= 0) return base_ms;
    return base_ms > INT_MAX / m ? INT_MAX : base_ms * m;
}
