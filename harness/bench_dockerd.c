/* The dockerd side of the benchmarks: a private containerd + dockerd pair
 * (harness/dockerd_pair) with the sandbox's fake shims first on PATH and
 * the sandbox journal in the environment, as rtengined gets them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "harness/bench_int.h"

int bd_init(struct bench_engine *e, char *err, size_t errlen);
int bd_start(struct bench_engine *e, double *ready_ms, char *err, size_t errlen);
void bd_stop(struct bench_engine *e);
void bd_destroy(struct bench_engine *e);

int bd_init(struct bench_engine *e, char *err, size_t errlen)
{
    size_t n = strlen(e->sb->journal) + 32;
    e->env_journal = malloc(n);
    if (!e->env_journal) abort();
    snprintf(e->env_journal, n, "RTCONFORM_JOURNAL=%s", e->sb->journal);
    e->envv[0] = e->env_journal; /* lives as long as E, whether or not init copies it */
    e->envv[1] = NULL;
    char *dir = rt_path_join(e->sb->dir, "pair");
    struct rt_dockerd_opts o = {.dir = dir, .dockerd = bench_o->dockerd, .containerd = bench_o->containerd,
                                .shim_dir = e->sb->shim_dir, .env = e->envv, .own_process_group = true,
                                .ready_timeout_ms = 600000};
    int rc = rt_dockerd_pair_init(&e->pair, &o, err, errlen);
    free(dir);
    if (rc < 0) return -1;
    e->pair_init = true;
    e->socket = e->pair.api_socket;
    e->config = e->pair.config_file;
    e->data_root = e->pair.data_root;
    e->exec_root = e->pair.exec_root;
    return 0;
}

int bd_start(struct bench_engine *e, double *ready_ms, char *err, size_t errlen)
{
    if (!e->pair.containerd_pid && rt_containerd_start(&e->pair, err, errlen) < 0) return -1;
    double t0 = bench_now_ms();
    int rc = rt_dockerd_start(&e->pair, NULL, err, errlen);
    *ready_ms = bench_now_ms() - t0;
    if (rc > 0) snprintf(err, errlen, "dockerd exited with status %d before it was ready; see %s", rc,
                         e->pair.dockerd_log);
    if (rc != 0) return -1;
    e->pid = e->pair.dockerd_pid;
    be_select(e);
    return 0;
}

void bd_stop(struct bench_engine *e)
{
    if (e->pair.dockerd_pid) rt_dockerd_stop(&e->pair, 20000);
    e->pid = 0;
}

void bd_destroy(struct bench_engine *e)
{
    if (!e->pair_init) return;
    rt_dockerd_pair_stop(&e->pair);
    rt_dockerd_pair_free(&e->pair);
    e->pair_init = false;
    e->pid = 0;
}
