/* rtengined: the reference engine. Startup order: flags, logging, signals
 * blocked (handled by sigwait in the main thread), state dirs, API. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine/daemon.h"
#include "engine/engine.h"
#include "engine/runtimes_startup.h"
#include "log.h"

int main(int argc, char **argv)
{
    static struct rt_engine engine;
    int rc = rt_engine_opts_parse(&engine.opts, argc, argv);
    if (rc != 0) return rc < 0 ? 1 : 0;

    int level = rt_log_level_parse(engine.opts.log_level);
    if (level < 0) {
        fprintf(stderr, "Unable to parse logging level: %s\n", engine.opts.log_level);
        return 1;
    }
    rt_log_init("rtengined", engine.opts.debug ? RT_LOG_DEBUG : (enum rt_log_level)level);

    /* Every thread inherits this mask; only sigwait() sees these signals. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (engine.opts.validate) {
        rc = rt_startup_validate(&engine.opts) < 0 ? 1 : 0;
        rt_engine_opts_free(&engine.opts);
        return rc;
    }
    if (rt_daemon_init(&engine) < 0) return 1;
    rt_info("Daemon has completed initialization");
    rt_daemon_run(&engine);
    rt_daemon_shutdown(&engine);
    rt_engine_opts_free(&engine.opts);
    return 0;
}
