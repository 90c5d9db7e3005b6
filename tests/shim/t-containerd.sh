#!/usr/bin/env bash
# The fake shim under a REAL private containerd 1.6 (root only): ctr run with
# the runc-alias shim name and fakerunc as `runc`, exit codes, exec, kill,
# delete, /tasks/exit reaching containerd, and reconnect after a containerd
# restart through the bundle's `address` file (shim spec §2.7, §9).
. "$(dirname "$0")/../lib.sh"
[[ $(id -u) -eq 0 ]] || skip_all "needs root (a private containerd)"
command -v containerd >/dev/null && command -v ctr >/dev/null || skip_all "containerd/ctr not installed (scripts/deps.sh real)"
[[ -x "$LIBEXEC/containerd-shim-rtfake-v2" && -x "$LIBEXEC/fakerunc" ]] || skip_all "fake shim or fakerunc not built"
BUSYBOX=$(command -v busybox || true)
[[ -n "$BUSYBOX" ]] || skip_all "busybox not installed"

T=$TRASH
mkdir -p "$T/bin" "$T/rootfs/bin" "$T/root" "$T/state" "$T/opt"
ln -s "$LIBEXEC/fakerunc" "$T/bin/runc"
for n in containerd-shim-rtfake-v2 containerd-shim-runc-alias-v2 containerd-shim-rtkata-v2; do
  ln -s "$LIBEXEC/containerd-shim-rtfake-v2" "$T/bin/$n"
done
cp "$BUSYBOX" "$T/rootfs/bin/busybox"
ln -s busybox "$T/rootfs/bin/sh"
SOCK="$T/c.sock"
cat >"$T/config.toml" <<TOML
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"
TOML
export RTCONFORM_JOURNAL="$T/journal"
CTRD_PID=
start_containerd() {
  PATH="$T/bin:$PATH" containerd --config "$T/config.toml" >>"$T/containerd.log" 2>&1 &
  CTRD_PID=$!
  echo "$CTRD_PID" >"$T/ctrd.pid"   # test bodies run in subshells: share the pid
  _pids+=("$CTRD_PID")
  local i
  for ((i = 0; i < 1000 * RT_TIMEOUT_MULT; i++)); do
    ctr --address "$SOCK" version >/dev/null 2>&1 && return 0
    kill -0 "$CTRD_PID" 2>/dev/null || { tail -20 "$T/containerd.log"; return 1; }
    sleep 0.01
  done
  echo "containerd did not come up"; return 1
}
stop_containerd() {
  local p i
  p=$(cat "$T/ctrd.pid" 2>/dev/null) || return 0
  kill -TERM "$p" 2>/dev/null || return 0
  for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.01; done
  rm -f "$T/ctrd.pid"
}
# c ARGS: ctr against the private containerd; every call goes to a transcript
# (kept in $RT_SHIM_TRANSCRIPT_DIR when set, with the journal).
c() {
  local rc=0
  { echo "\$ ctr $*"; } >>"$T/transcript"
  ctr --address "$SOCK" "$@" > >(tee -a "$T/transcript") 2> >(tee -a "$T/transcript" >&2) || rc=$?
  echo "[exit $rc]" >>"$T/transcript"
  return $rc
}
RT=io.containerd.runc-alias.v2
# wait_status ID WANT: poll `ctr task ls` (5 s).
wait_status() {
  local i
  for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do
    [[ "$(c task ls | awk -v id="$1" '$1 == id {print $3}')" == "$2" ]] && return 0
    sleep 0.01
  done
  c task ls; return 1
}
cleanup_all() {
  local id
  for id in c1 c2 c3; do
    c task kill -s SIGKILL $id >/dev/null 2>&1; c task delete $id >/dev/null 2>&1; c container delete $id >/dev/null 2>&1
  done
  stop_containerd
  if [[ -n "${RT_SHIM_TRANSCRIPT_DIR:-}" ]]; then
    mkdir -p "$RT_SHIM_TRANSCRIPT_DIR" && cp "$T/transcript" "$T/journal" "$RT_SHIM_TRANSCRIPT_DIR/"
  fi
  cleanup
}
trap cleanup_all EXIT
start_containerd || { echo "Bail out! containerd failed to start"; exit 1; }
c events >"$T/events1" 2>&1 &
_pids+=($!)
EV1=$!

test_expect 'ctr run (runc-alias shim name, fakerunc): exit code 3 propagates' '
  set +e; c run --runtime $RT --rootfs "$T/rootfs" c1 /bin/sh -c "echo out-c1; exit 3" >run.out 2>&1; rc=$?; set -e
  cat run.out
  [[ $rc -eq 3 ]]
  grep -q out-c1 run.out
  c task delete c1 >/dev/null 2>&1 || true
  c container delete c1
'

test_expect 'TaskExit reached containerd (ctr events saw /tasks/exit for c1)' '
  for ((i = 0; i < 300 * RT_TIMEOUT_MULT; i++)); do grep -q "/tasks/exit.*c1" "$T/events1" && break; sleep 0.01; done
  cat "$T/events1" | grep c1
  grep -q "/tasks/create.*c1" "$T/events1"
  grep -q "/tasks/start.*c1" "$T/events1"
  grep -q "/tasks/exit.*c1" "$T/events1"
'

test_expect 'run -d, task exec, task ls RUNNING' '
  c run -d --runtime $RT --rootfs "$T/rootfs" c2 /bin/sh -c "sleep 1000"
  wait_status c2 RUNNING
  c task exec --exec-id e1 c2 /bin/true
  set +e; c task exec --exec-id e2 c2 /bin/sh -c "exit 4"; rc=$?; set -e
  [[ $rc -eq 4 ]]
  c task ls
'

test_expect 'containerd restart: task still RUNNING (reconnect via address), then kill/delete' '
  stop_containerd
  start_containerd
  wait_status c2 RUNNING
  c events >"$T/events2" 2>&1 &
  ev=$!; sleep 0.2
  c task kill -s SIGKILL c2
  wait_status c2 STOPPED
  c task delete c2
  c container delete c2
  for ((i = 0; i < 300 * RT_TIMEOUT_MULT; i++)); do grep -q "/tasks/exit.*c2" "$T/events2" && break; sleep 0.01; done
  kill $ev
  grep "c2" "$T/events2"
  grep -q "/tasks/exit.*c2" "$T/events2"
  ! c task ls | grep -q c2
'

test_expect 'journal: the shim saw start/Create/Connect/Start/State/.../Shutdown/delete for c2' '
  jq -s -r "[.[] | select(.component == \"shim\" and .id == \"c2\") | .method] | unique | join(\" \")" "$RTCONFORM_JOURNAL"
  for m in start Create Connect Start State Exec Wait Kill Delete Shutdown delete; do
    jq -s -e --arg m $m "any(.[]; .component == \"shim\" and .id == \"c2\" and .method == \$m)" "$RTCONFORM_JOURNAL" >/dev/null || { echo "missing $m"; exit 1; }
  done
  jq -s -e "any(.[]; .component == \"shim\" and .id == \"c2\" and .method == \"start\" and (.argv0 | endswith(\"containerd-shim-runc-alias-v2\")))" "$RTCONFORM_JOURNAL"
'
kill "$EV1" 2>/dev/null
test_done
