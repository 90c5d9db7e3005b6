/* Fault injection beyond the failpoint grammar: a shim that answers a
 * method with bytes that are not a valid reply. Chosen per container by the
 * annotation io.rtconform.fakeshim.garbage.<Method> on the bundle's
 * config.json (the daemon's cwd), value:
 *   frame    a Response frame for the call's stream whose body is not protobuf
 *   type     a frame of an unknown type (7) for the call's stream
 *   hugelen  a header announcing 4 GiB - 16 bytes and then nothing
 * The garbage goes straight onto the caller's connection (found by its local
 * address = our socket), the method is not run, and the connection is left
 * open: what the client makes of it is the test. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "jsonutil.h"
#include "shim.h"

#define GARBAGE_PREFIX "io.rtconform.fakeshim.garbage."

const char *garbage_mode(const char *method)
{
    static json_t *ann; /* loaded once: the bundle does not change */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (!ann) {
        json_t *cfg = rt_json_load_file("config.json", 16 << 20, NULL, 0);
        json_t *a = cfg ? json_object_get(cfg, "annotations") : NULL;
        ann = a ? json_incref(a) : json_object();
        json_decref(cfg);
    }
    pthread_mutex_unlock(&mu);
    char key[256];
    snprintf(key, sizeof key, "%s%s", GARBAGE_PREFIX, method);
    return rt_json_str(ann, key, NULL);
}

/* Accepted connections on our socket (not the listener, not the events
 * client): write BUF to each. */
static void write_conns(const void *buf, size_t len)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (fd <= 2 || fd == dirfd(d)) continue;
        struct sockaddr_un sa;
        socklen_t sl = sizeof sa;
        int listening = 0;
        socklen_t ll = sizeof listening;
        if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0 || sa.sun_family != AF_UNIX) continue;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) < 0 || listening) continue;
        if (sl <= sizeof sa.sun_family || strcmp(sa.sun_path, g.socket_path ? g.socket_path : "")) continue;
        if (send(fd, buf, len, MSG_NOSIGNAL) < 0) continue;
    }
    closedir(d);
}

int garbage_send(const char *mode, uint32_t sid)
{
    uint8_t out[RT_TTRPC_HDR_LEN + 16];
    struct rt_ttrpc_hdr h = {16, sid, RT_TTRPC_RESPONSE, 0};
    size_t len = sizeof out;
    memset(out, 0xff, sizeof out);
    if (!strcmp(mode, "type")) h.type = 7, h.length = 0, len = RT_TTRPC_HDR_LEN;
    else if (!strcmp(mode, "hugelen")) h.length = 0xfffffff0u, len = RT_TTRPC_HDR_LEN;
    else if (strcmp(mode, "frame")) return -1;
    rt_ttrpc_hdr_encode(&h, out);
    write_conns(out, len);
    return 0;
}
