#include "engine/sysinfo.h"

#include "engine/events.h"
#include "engine/rtversion.h"
#include "engine/snapshot.h"

#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *go_arch(const char *machine)
{
    if (!strcmp(machine, "x86_64")) return "amd64";
    if (!strcmp(machine, "aarch64")) return "arm64";
    return machine;
}

json_t *rt_engine_version_json(struct rt_engine *engine)
{
    struct rt_snapshot *snap = engine->snaps ? rt_snapshot_get(engine->snaps) : NULL;
    struct utsname u;
    uname(&u);
    json_t *components = json_array();
    json_array_append_new(components,
        json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
                  "Name", "Engine", "Version", RT_VERSION, "Details",
                  "ApiVersion", RT_API_VERSION, "Arch", go_arch(u.machine), "Experimental", "false",
                  "GitCommit", "", "KernelVersion", u.release, "MinAPIVersion", RT_API_MIN_VERSION,
                  "Os", "linux"));
    /* §6.2: the runtime component is named after the default runtime and
     * only present when its version could be determined. */
    const struct rt_rtversion *v = snap ? rt_snapshot_runtime_version(snap) : NULL;
    if (v && v->ran)
        json_array_append_new(components,
            json_pack("{s:s, s:s, s:{s:s}}", "Name", snap->set->default_name, "Version", v->version,
                      "Details", "GitCommit", v->commit));
    rt_snapshot_put(snap);
    return json_pack("{s:{s:s}, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "Platform", "Name", "rtengined",
                     "Components", components,
                     "Version", RT_VERSION, "ApiVersion", RT_API_VERSION,
                     "MinAPIVersion", RT_API_MIN_VERSION, "GitCommit", "", "GoVersion", "",
                     "Os", "linux", "Arch", go_arch(u.machine), "KernelVersion", u.release,
                     "BuildTime", "");
}

json_t *rt_engine_info_json(struct rt_engine *engine, int api_minor)
{
    /* One snapshot for the whole response (§4.2). */
    struct rt_snapshot *snap = engine->snaps ? rt_snapshot_get(engine->snaps) : NULL;
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    sysinfo(&si);
    char now[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
    char systime[96];
    snprintf(systime, sizeof systime, "%s.%09ldZ", now, ts.tv_nsec);

    json_t *info = json_object();
    json_object_set_new(info, "ID", json_string(engine->id));
    json_object_set_new(info, "Containers", json_integer(0));
    json_object_set_new(info, "ContainersRunning", json_integer(0));
    json_object_set_new(info, "ContainersPaused", json_integer(0));
    json_object_set_new(info, "ContainersStopped", json_integer(0));
    json_object_set_new(info, "Images", json_integer(0));
    json_object_set_new(info, "Driver", json_string("vfs"));
    json_object_set_new(info, "DriverStatus", json_array());
    json_object_set_new(info, "Plugins", json_pack("{s:[], s:[], s:n, s:[]}", "Volume", "Network",
                                                   "Authorization", "Log"));
    json_object_set_new(info, "MemoryLimit", json_false());
    json_object_set_new(info, "SwapLimit", json_false());
    json_object_set_new(info, "CpuCfsPeriod", json_false());
    json_object_set_new(info, "CpuCfsQuota", json_false());
    json_object_set_new(info, "CPUShares", json_false());
    json_object_set_new(info, "CPUSet", json_false());
    json_object_set_new(info, "PidsLimit", json_false());
    json_object_set_new(info, "IPv4Forwarding", json_false());
    json_object_set_new(info, "BridgeNfIptables", json_false());
    json_object_set_new(info, "BridgeNfIp6tables", json_false());
    json_object_set_new(info, "Debug", json_boolean(snap ? rt_cfg_debug(&snap->cfg, engine->opts.debug) : engine->opts.debug));
    json_object_set_new(info, "NFd", json_integer(0));
    json_object_set_new(info, "OomKillDisable", json_false());
    json_object_set_new(info, "NGoroutines", json_integer(0));
    json_object_set_new(info, "SystemTime", json_string(systime));
    json_object_set_new(info, "LoggingDriver", json_string("json-file"));
    json_object_set_new(info, "CgroupDriver", json_string("none"));
    json_object_set_new(info, "CgroupVersion", json_string("2"));
    json_object_set_new(info, "NEventsListener",
                        json_integer(engine->events ? (json_int_t)rt_events_nsubscribers(engine->events) : 0));
    json_object_set_new(info, "KernelVersion", json_string(u.release));
    json_object_set_new(info, "OperatingSystem", json_string("rtengined"));
    json_object_set_new(info, "OSVersion", json_string(""));
    json_object_set_new(info, "OSType", json_string("linux"));
    json_object_set_new(info, "Architecture", json_string(u.machine));
    json_object_set_new(info, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
    json_object_set_new(info, "RegistryConfig", json_pack("{s:[], s:{}, s:[]}", "InsecureRegistryCIDRs",
                                                          "IndexConfigs", "Mirrors"));
    json_object_set_new(info, "NCPU", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(info, "MemTotal", json_integer((json_int_t)si.totalram * si.mem_unit));
    json_object_set_new(info, "GenericResources", json_null());
    json_object_set_new(info, "DockerRootDir", json_string(engine->opts.data_root));
    json_object_set_new(info, "HttpProxy", json_string(""));
    json_object_set_new(info, "HttpsProxy", json_string(""));
    json_object_set_new(info, "NoProxy", json_string(""));
    json_object_set_new(info, "Name", json_string(engine->hostname));
    json_object_set_new(info, "Labels", json_array());
    json_object_set_new(info, "ExperimentalBuild", json_false());
    json_object_set_new(info, "ServerVersion", json_string(RT_VERSION));
    json_object_set_new(info, "Runtimes", snap ? rt_runtimes_info_json(snap->set, api_minor >= 44) : json_object());
    json_object_set_new(info, "DefaultRuntime", json_string(snap ? snap->set->default_name : "runc"));
    json_object_set_new(info, "Swarm", json_pack("{s:s, s:s, s:s, s:s, s:b, s:n}", "NodeID", "",
                                                 "NodeAddr", "", "LocalNodeState", "inactive",
                                                 "Error", "", "ControlAvailable", 0, "RemoteManagers"));
    json_object_set_new(info, "LiveRestoreEnabled", json_boolean(snap ? rt_cfg_live_restore(&snap->cfg, engine->opts.live_restore)
                                                             : engine->opts.live_restore));
    json_object_set_new(info, "Isolation", json_string(""));
    json_object_set_new(info, "InitBinary", json_string(""));
    json_object_set_new(info, "ContainerdCommit", json_pack("{s:s, s:s}", "ID", "N/A", "Expected", "N/A"));
    /* §6.2: commit line of `<default BinaryName> --version`, cached per snapshot */
    const struct rt_rtversion *v = snap ? rt_snapshot_runtime_version(snap) : NULL;
    const char *commit = v && v->ran ? v->commit : "N/A";
    json_object_set_new(info, "RuncCommit", json_pack("{s:s, s:s}", "ID", commit, "Expected", commit));
    json_object_set_new(info, "InitCommit", json_pack("{s:s, s:s}", "ID", "N/A", "Expected", "N/A"));
    json_object_set_new(info, "SecurityOptions", json_array());
    json_object_set_new(info, "Warnings", json_null());
    rt_snapshot_put(snap);
    return info;
}
