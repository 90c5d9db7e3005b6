#!/usr/bin/env python3
"""Write the seed corpora under fixtures/fuzz/<target>/ from the spec's cases.

Run from the top of the tree: fuzz/make-seeds.py. Seeds are committed; rerun
only to regenerate them (existing crash-*/regression files are kept).
Sources: fixtures/daemon-json/*.json and the daemon.json rows of
engine-runtime-behaviour.md §1.1/§4 (config), the failpoint examples of
shim-v2-protocol.md §8 (failpoint), fixtures/expect/*.json (expect), docker
CLI request shapes (http), ttrpc frames built per shim-v2-protocol.md §3
(ttrpc), small tars in the formats the import accepts (images)."""
import glob, gzip, io, os, struct, tarfile

ROOT = "fixtures/fuzz"

def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# ---- config ---------------------------------------------------------------
for p in sorted(glob.glob("fixtures/daemon-json/*.json")):
    put("config", "dj-" + os.path.basename(p), open(p, "rb").read())
spec_cases = [
    '{"runtimes":[]}', '{"runtimes":{"x":"runc"}}', '{"runtimes":{"x":{"path":5}}}',
    '{"runtimes":{"x":{"path":"runc","runtimeArgs":"--debug"}}}', '{"default-runtime":5}',
    '{"runtimes":{"io.containerd.runc.v2":{"path":"/bin/false"}}}',
    '{"runtimes":{"s":{"runtimeType":"/usr/bin/containerd-shim-runc-v2"}}}',
    '{"runtimes":{"x":{"runtimeType":"io.containerd.runc.v2","options":{"IoUid":"abc"}}}}',
    '{"runtimes":{"runc":{"path":"my-runc"}}}', '{"runtimes":{"empty":{}}}', '{"debug":false}',
    '{"default-runtime":"vm","runtimes":{"vm":{"path":"/usr/bin/vm-runc"}}}',
    '{"default-runtime":"io.containerd.runc-alias.v2"}', '{"default-runtime":"nope"}',
    '{"runtimes":{"ta":{"runtimeType":"io.containerd.runc.v2","runtimeArgs":["--a"]}}}',
    '{"runtimes":{"k":{"runtimeType":"io.containerd.kata.v2","options":{"ConfigPath":"/etc/k.toml"}}}}',
    '{"runtimes":{"r":{"runtimeType":"io.containerd.runc.v2","options":{"BinaryName":"/usr/bin/runc","Root":"/run/r","SystemdCgroup":true,"NoPivotRoot":true,"IoGid":5}}}}',
    '{"runtimes":{"q":{"path":"/usr/bin/runc","runtimeArgs":["--log-format=json","a b","$x\'"]}}}',
    '{"runtimes":{"../x":{"path":"runc","runtimeArgs":["-d"]}},"live-restore":true}',
    '{"runtimes":{"":{"path":"runc"}},"default-runtime":""}',
    'oci=/usr/bin/runc\n{"runtimes":{"oci2":{"path":"runc"}}}',
    '{"Runtimes":{"X":{"Path":"runc"}},"DEBUG":true,"unknown-key":1}',
    '{"runtimes":{"a":{"path":"runc"},"a":{"path":"crun"}}}',
    '{"runtimes":{"u":{"path":"r\\u00e9\\ud83d\\ude00"}}}',
]
for i, c in enumerate(spec_cases):
    put("config", "spec-%02d.json" % i, c)

# ---- failpoint ------------------------------------------------------------
for i, c in enumerate(["1*off->1*error(please retry)", "1*error(no hard feelings)", "1*error(please retry)",
                       "2*delay(10)->1*error(x)", "1*panic(boom)", "0*off", "3*off", "1*exit(3)", "1*hang",
                       "1*barrier(/tmp/fifo)", " 1*error(a b) -> 2*off ", "1000000000*off", "1*delay(3600000)",
                       "1*error()", "1*error(a->b)", "x*off", "1*", "1*delay(-1)"]):
    put("failpoint", "fp-%02d" % i, c)

# ---- expect ---------------------------------------------------------------
for p in sorted(glob.glob("fixtures/expect/*.json")):
    put("expect", os.path.basename(p), open(p, "rb").read())
put("expect", "full.json", '''{"schema":1,"target":"dockerd-26","description":"d","entries":[
{"id":"RT-RELOAD-007","outcome":"fail","reason_class":"engine-bug","reason":"r","link":"l","expires":"2027-06-30"},
{"id":"RT-INFO-001","outcome":"skip","reason_class":"environment","reason":"r","link":"l","expires":"2025-02-28"},
{"id":"RT-X-002","outcome":"flaky","reason_class":"test-bug","reason":"r","link":"l","expires":"2024-02-29"}]}''')
put("expect", "bad-date.json", '{"schema":1,"target":"t","entries":[{"id":"A","outcome":"fail","reason_class":"engine-bug","reason":"r","link":"l","expires":"2025-13-01"}]}')

# ---- http -------------------------------------------------------------------
reqs = [
    "GET /_ping\n", "GET /version\n", "GET /info\n", "GET /containers/json?all=1\n",
    'GET /containers/json?all=1&filters=%7B%22status%22%3A%5B%22created%22%5D%7D\n',
    'POST /containers/create?name=web\n{"Image":"busybox:local","Cmd":["sleep","1"],"HostConfig":{"Runtime":"runc"}}',
    'POST /containers/create\n{"Image":"busybox:local","HostConfig":{"Runtime":"io.containerd.runc-alias.v2","RestartPolicy":{"Name":"always"}},"Labels":{"a":"b"}}',
    'POST /containers/create?name=..%2Fx\n{"Image":"busybox:local","Cmd":[]}',
    'POST /containers/create\n{"Image":"nope"}', "POST /containers/create\n{", "POST /containers/create\n[]",
    "GET /containers/seed/json\n", "POST /containers/seed/start\n", "POST /containers/seed/stop?t=1\n",
    "POST /containers/seed/kill?signal=SIGTERM\n", "POST /containers/seed/kill?signal=BOGUS\n",
    "POST /containers/seed/wait\n", "POST /containers/seed/wait?condition=bad\n",
    "POST /containers/seed/restart?t=0\n", "DELETE /containers/seed?force=1\n", "DELETE /containers/nope\n",
    "GET /images/json\n", "GET /images/busybox:local/json\n", "DELETE /images/busybox:local\n",
    "POST /images/create?fromSrc=-&repo=img&tag=t&message=m\n" + "\0" * 1024,
    "POST /images/create?fromImage=busybox\n", "GET /events?since=0&until=1\n",
    'GET /events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D&until=1\n', "PUT /containers/create\n",
    "GET /nope\n", "GET /containers/json/\n",
]
for i, r in enumerate(reqs):
    put("http", "req-%02d" % i, r)

# ---- ttrpc ------------------------------------------------------------------
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def fld(num, val):
    if isinstance(val, int):
        return varint(num << 3) + varint(val)
    if isinstance(val, str):
        val = val.encode()
    return varint(num << 3 | 2) + varint(len(val)) + val

def frame(sid, typ, data, flags=0):
    return struct.pack(">IIBB", len(data), sid, typ, flags) + data

def request(svc, meth, payload, md=()):
    r = fld(1, svc) + fld(2, meth) + fld(3, payload) + fld(4, 1000000000)
    for k, v in md:
        r += fld(5, fld(1, k) + fld(2, v))
    return r

runc_opts = fld(2, "/run/r") + fld(4, "/usr/bin/runc") + fld(5, 1) + fld(3, 1)
anyv = lambda url, v: fld(1, url) + fld(2, v)
create = (fld(1, "c1") + fld(2, "/run/bundle") + fld(8, "/dev/null") + fld(9, "/dev/null") +
          fld(10, anyv("containerd.runc.v1.Options", runc_opts)))
create_kata = fld(1, "c1") + fld(10, anyv("runtimeoptions.v1.Options", fld(1, "t") + fld(2, "/etc/k.toml")))
T = "containerd.task.v2.Task"
put("ttrpc", "shim-create", b"\0" + frame(1, 1, request(T, "Create", create, [("containerd-namespace", "moby")])))
put("ttrpc", "shim-create-kata", b"\0" + frame(1, 1, request(T, "Create", create_kata)))
put("ttrpc", "shim-seq", b"\0" + frame(1, 1, request(T, "Start", fld(1, "c1"))) +
    frame(3, 1, request(T, "Kill", fld(1, "c1") + fld(3, 15))) + frame(5, 1, request(T, "Wait", fld(1, "c1"))) +
    frame(5, 1, request(T, "Delete", fld(1, "c1"))) + frame(2, 1, request(T, "State", fld(1, "c1"))))
put("ttrpc", "shim-unknown", b"\0" + frame(1, 1, request("x.Y", "Z", b"")) + frame(3, 1, request(T, "Nope", b"")))
put("ttrpc", "shim-big", b"\0" + struct.pack(">IIBB", 5000000, 1, 1, 0))
exit_ev = fld(1, "c1") + fld(2, "c1") + fld(3, 42) + fld(4, 137)
env = fld(2, "moby") + fld(3, "/tasks/exit") + fld(4, anyv("containerd.events.TaskExit", exit_ev))
EV = "containerd.services.events.ttrpc.v1.Events"
put("ttrpc", "engine-forward", b"\1" + frame(1, 1, request(EV, "Forward", fld(1, env))))
put("ttrpc", "engine-forward-badtopic", b"\1" + frame(1, 1, request(EV, "Forward", fld(1, fld(3, "x") + fld(4, anyv("a", b""))))))
ok = lambda payload: frame(1, 2, fld(2, payload))
put("ttrpc", "client-state", b"\2\0" + ok(fld(1, "c1") + fld(3, 1234) + fld(4, 2) + fld(7, 0)))
put("ttrpc", "client-create", b"\2\1" + ok(fld(1, 1234)))
put("ttrpc", "client-error", b"\2\5" + frame(1, 2, fld(1, fld(1, 5) + fld(2, "not found"))))
put("ttrpc", "client-wrongsid", b"\2\7" + frame(3, 2, b"") + frame(1, 3, b"x") + ok(fld(1, 0)))
put("ttrpc", "decode-create", b"\3\x17" + create)
put("ttrpc", "decode-runc", b"\3\x13" + runc_opts)
put("ttrpc", "decode-forward", b"\3\x0e" + fld(1, env))

# ---- images -----------------------------------------------------------------
def tarball(entries, fmt=tarfile.PAX_FORMAT, comp=None):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=fmt) as t:
        for name, kind, data in entries:
            ti = tarfile.TarInfo(name)
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.LNKTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o755
                t.addfile(ti, io.BytesIO(data))
    raw = bio.getvalue()
    return gzip.compress(raw, mtime=0) if comp == "gz" else raw

base = [("bin", "dir", None), ("bin/sh", "file", b"#!/bin/sh\n"), ("etc/passwd", "file", b"root:x:0:0::/:/bin/sh\n")]
put("images", "rootfs.tar", tarball(base))
put("images", "rootfs-gnu.tar", tarball(base + [("bin/ls", "sym", "sh")], tarfile.GNU_FORMAT))
put("images", "rootfs-ustar.tar.gz", tarball(base + [("bin/true", "link", "bin/sh")], tarfile.USTAR_FORMAT, "gz"))
put("images", "dotdot.tar", tarball([("../escape", "file", b"x")]))
put("images", "abs.tar", tarball([("/etc/x", "file", b"x")]))
put("images", "hardlink-out.tar", tarball([("a", "link", "../../etc/passwd")]))
put("images", "symlink-out.tar", tarball([("l", "sym", "/etc"), ("l/x", "file", b"x")]))
put("images", "empty.tar", b"\0" * 1024)

# ---- jsoncanon ------------------------------------------------------------
# rt_json_is_dump(): documents in rtengined's own compact form (the "yes"
# side the target checks) and dockerd 20.10's state files (the "no" side).
canon = [
    '{}', '[]', '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
    '{"Path":"/bin/sh","Args":["-c","echo \\"x\\"\\\\"],"Env":["A=\\b\\f\\n\\r\\t\\u0001"]}',
    '{"Name":"/n\u00e9","ExitCode":-1,"Pid":0,"Running":false}',
]
for i, doc in enumerate(canon):
    put("jsoncanon", "canon-%d.json" % i, doc)
put("jsoncanon", "real.json", '{"a":1.5}')
put("jsoncanon", "spaced.json", '{"a": 1}')
for p in sorted(glob.glob("../shared/fixtures/upgrade/dockerd-20.10.24/containers/*/*.json"))[:2]:
    put("jsoncanon", "dockerd-20.10-" + os.path.basename(p), open(p, "rb").read())
