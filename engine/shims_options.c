/* Runtime options as the google.protobuf.Any sent on `start`'s stdin and in
 * CreateTaskRequest.options (shim spec §5.2). Type URLs are bare names. */
#include <stdlib.h>
#include <string.h>

#include "engine/shims.h"
#include "proto/google_protobuf.pb-c.h"
#include "proto/runc_options.pb-c.h"
#include "proto/runtimeoptions.pb-c.h"

/* protobuf-c wants char *; proto3 omits empty strings on the wire. */
static char *s(char *v) { return v ? v : (char *)""; }

static int pack_any(const char *type_url, const ProtobufCMessage *inner, uint8_t **buf, size_t *len)
{
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = (char *)type_url;
    size_t n = protobuf_c_message_get_packed_size(inner);
    uint8_t *v = malloc(n ? n : 1);
    if (!v) return -1;
    protobuf_c_message_pack(inner, v);
    any.value.data = v;
    any.value.len = n;
    *len = protobuf_c_message_get_packed_size(&any.base);
    *buf = malloc(*len ? *len : 1);
    if (!*buf) {
        free(v);
        return -1;
    }
    protobuf_c_message_pack(&any.base, *buf);
    free(v);
    return 0;
}

int rt_shim_options_any(const struct rt_resolved *r, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (r->opts_type == RT_OPTS_RUNC) {
        Containerd__Runc__V1__Options o = CONTAINERD__RUNC__V1__OPTIONS__INIT;
        const struct rt_runc_options *ro = &r->runc;
        o.no_pivot_root = ro->no_pivot_root;
        o.no_new_keyring = ro->no_new_keyring;
        o.systemd_cgroup = ro->systemd_cgroup;
        o.io_uid = ro->io_uid;
        o.io_gid = ro->io_gid;
        o.shim_cgroup = s(ro->shim_cgroup);
        o.binary_name = s(ro->binary_name);
        o.root = s(ro->root);
        o.criu_path = s(ro->criu_path);
        o.criu_image_path = s(ro->criu_image_path);
        o.criu_work_path = s(ro->criu_work_path);
        return pack_any("containerd.runc.v1.Options", &o.base, buf, len);
    }
    if (r->opts_type == RT_OPTS_GENERIC) {
        Runtimeoptions__V1__Options o = RUNTIMEOPTIONS__V1__OPTIONS__INIT;
        o.type_url = s(r->generic.type_url);
        o.config_path = s(r->generic.config_path);
        o.config_body = s(r->generic.config_body);
        return pack_any("runtimeoptions.v1.Options", &o.base, buf, len);
    }
    return 0;
}
