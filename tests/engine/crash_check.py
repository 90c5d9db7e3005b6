#!/usr/bin/env python3
"""Invariants after an rtengined restart that followed a kill -9 (t-crash.sh).

usage: crash_check.py SANDBOX LIVE(0|1) WRAPPER_ARG [SHIM_PID...]

SANDBOX holds data/, exec/, s.sock and the workload's records: committed
(ids whose create answered 201), deleted (ids whose DELETE answered 204),
deleting (ids a DELETE was sent for). Prints one line per violation and
exits 1 if there was any.
"""
import http.client
import json
import os
import socket
import stat
import sys


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)


def get(sock, url):
    c = UnixHTTP(sock)
    c.request("GET", url)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, (json.loads(body) if body else None)


def ids(path):
    try:
        with open(path) as f:
            return {l.strip() for l in f if l.strip()}
    except FileNotFoundError:
        return set()


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    sb, live, warg = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
    shims = [int(p) for p in sys.argv[4:]]
    data, sock = os.path.join(sb, "data"), os.path.join(sb, "s.sock")
    errs = []

    # 1. no torn file: every JSON document under data-root parses
    for root, _, files in os.walk(data):
        for n in files:
            if n.startswith(".tmp-"):
                continue  # an atomic write cut short: never read as state
            if n.endswith(".json") and not n.endswith("-json.log"):
                p = os.path.join(root, n)
                try:
                    with open(p) as f:
                        json.load(f)
                except Exception as e:  # noqa: BLE001 - any failure is the finding
                    errs.append(f"torn file {p}: {e}")

    # 2. no committed container lost, no deleted one back
    st, lst = get(sock, "/containers/json?all=1")
    if st != 200:
        errs.append(f"GET /containers/json: {st}")
        lst = []
    listed = {c["Id"] for c in lst}
    committed, deleted, deleting = ids(sb + "/committed"), ids(sb + "/deleted"), ids(sb + "/deleting")
    for i in sorted(committed - deleting):
        if i not in listed:
            errs.append(f"committed container {i} lost")
    for i in sorted(deleted & listed):
        errs.append(f"container {i} removed (204) but back after restart")

    # 3. every container directory with its state file is loaded, and is
    #    whole: removal renames the directory to a tombstone first, so a kill
    #    during rm never leaves config.v2.json without hostconfig.json (that
    #    container would come back with an empty HostConfig); restore deletes
    #    the tombstones of removals cut short
    cdir = os.path.join(data, "containers")
    for n in os.listdir(cdir) if os.path.isdir(cdir) else []:
        if n.startswith(".removing-"):
            errs.append(f"tombstone {n} left after restore")
            continue
        has_cfg = os.path.exists(os.path.join(cdir, n, "config.v2.json"))
        if has_cfg and not os.path.exists(os.path.join(cdir, n, "hostconfig.json")):
            errs.append(f"container dir {n} has config.v2.json but no hostconfig.json (torn removal)")
        if has_cfg and n not in listed:
            errs.append(f"container dir {n} on disk but not loaded")
        elif not os.path.exists(os.path.join(cdir, n, "config.v2.json")) and n not in deleting:
            errs.append(f"container dir {n} without config.v2.json (not being removed)")

    # 4. running tasks: reconnected with live-restore, else none survive;
    #    a stopped container that was started has its exit recorded
    running = 0
    for i in sorted(listed):
        st, c = get(sock, f"/containers/{i}/json")
        if st != 200:
            errs.append(f"inspect {i}: {st}")
            continue
        hc = c.get("HostConfig") or {}
        if not hc.get("RestartPolicy") or not hc.get("LogConfig"):
            # create always stores these: an empty HostConfig is a container
            # whose removal was cut short after hostconfig.json went
            errs.append(f"{i} came back without its HostConfig (half-removed): {json.dumps(hc)[:200]}")
        s = c["State"]
        if s.get("Running"):
            running += 1
            if not live:
                errs.append(f"{i} running after a restart without live-restore")
            elif not s.get("Pid") or not alive(s["Pid"]):
                errs.append(f"{i} running with a dead pid {s.get('Pid')}")
        elif not s["StartedAt"].startswith("0001-") and s["FinishedAt"] < s["StartedAt"]:
            errs.append(f"{i} stopped but no exit recorded (StartedAt {s['StartedAt']} FinishedAt {s['FinishedAt']})")
    if len(shims) != running:
        errs.append(f"{len(shims)} shim processes for {running} running containers: {shims}")

    # 5. the runtimes dir was rebuilt for the current config
    rdir = os.path.join(data, "runtimes")
    if not os.path.isdir(rdir) or stat.S_IMODE(os.stat(rdir).st_mode) != 0o700:
        errs.append(f"{rdir} missing or not 0700")
    else:
        found = False
        for n in os.listdir(rdir):
            with open(os.path.join(rdir, n)) as f:
                found |= n.startswith("wr.") and warg in f.read()
        if not found:
            errs.append(f"no wrapper for the current args {warg} in {rdir}: {os.listdir(rdir)}")

    # 6. the engine id survives (written without fsync, validated on read)
    try:
        with open(os.path.join(data, "engine-id")) as f:
            eid = f.read().strip()
        if not eid:
            errs.append("engine-id is empty")
    except FileNotFoundError:
        errs.append("engine-id missing")

    for e in errs:
        print(e)
    print(f"checked: {len(listed)} containers, {running} running, {len(shims)} shims")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
