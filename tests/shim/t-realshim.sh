#!/usr/bin/env bash
# lib/ttrpc (through rtshimctl) drives the REAL containerd-shim-runc-v2 with
# the real runc (root only), the way containerd does (shim spec §9, "For
# (b)"): start, Create, Connect, Start, Wait, Delete, Shutdown, delete.
. "$(dirname "$0")/../lib.sh"
[[ $(id -u) -eq 0 ]] || skip_all "needs root (real runc)"
SHIMV2=$(command -v containerd-shim-runc-v2 || true)
[[ -n "$SHIMV2" ]] && command -v runc >/dev/null || skip_all "containerd-shim-runc-v2/runc not installed (scripts/deps.sh real)"
BUSYBOX=$(command -v busybox || true)
[[ -n "$BUSYBOX" ]] || skip_all "busybox not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
CTL="$RT_BUILD/tests/shim/rtshimctl"
[[ -x "$CTL" ]] || skip_all "rtshimctl not built"

T=$TRASH NS=rtconform ID=r1
B="$T/$NS/$ID"   # bundle named after the id: `delete` looks in Dir(cwd)/<id>
mkdir -p "$B/rootfs/bin" "$T/runc"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
ln -s busybox "$B/rootfs/bin/sh"
(cd "$B" && runc spec)
jq --arg r "$B/rootfs" '.process.terminal = false | .process.args = ["/bin/sh", "-c", "echo real-out; exit 7"] | .root.path = $r' \
  "$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"
mkfifo -m 0700 "$B/log"
exec 7<>"$B/log"          # kept open O_RDWR, drained, as containerd does
cat <&7 >"$T/shim.log" &
_pids+=($!)
export TTRPC_ADDRESS="$T/ev.sock"
"$CTL" events-server "$TTRPC_ADDRESS" "$T/events" &
_pids+=($!)
for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do [[ -S "$TTRPC_ADDRESS" ]] && break; sleep 0.01; done
OPTS=$(jq -nc --arg root "$T/runc" '{type_url: "containerd.runc.v1.Options", value: {binary_name: "runc", root: $root}}')
"$CTL" any containerd.runc.v1.Options "$(jq -c .value <<<"$OPTS")" >"$T/opts.bin"
GRPC="$T/rtconform-test.sock"   # unique -address seeds the socket hash
ADDR=
call() { "$CTL" call "$(cat "$B/address")" "$@"; }

test_expect 'start (real shim): prints unix:// address, exit 0' '
  ADDR=$(cd "$B" && "$SHIMV2" -namespace $NS -address "$GRPC" -publish-binary /bin/true -id $ID start <"$T/opts.bin")
  echo "$ADDR"
  [[ "$ADDR" =~ ^unix:///run/containerd/s/[0-9a-f]{64}$ ]]
  [[ "$(cat "$B/address")" == "$ADDR" ]]
'

test_expect 'Create/Connect/Start/Wait/State/Delete/Shutdown over lib/ttrpc' '
  mkfifo "$T/out.fifo"
  mkfifo "$T/err.fifo"   # the 1.6 runc shim needs both when one is given
  cat "$T/out.fifo" >"$T/r1.out" & catpid=$!   # reader ends first (spec §9)
  cat "$T/err.fifo" >"$T/r1.err" &
  call Create "$(jq -nc --arg b "$B" --arg out "$T/out.fifo" --arg err "$T/err.fifo" --argjson o "$OPTS" "{id: \"$ID\", bundle: \$b, stdout: \$out, stderr: \$err, options: \$o}")" | tee cr
  pid=$(jq .pid cr); [[ $pid -gt 1 ]]
  call Connect "{\"id\":\"$ID\"}" | jq -e ".task_pid == $pid"
  call Wait "{\"id\":\"$ID\"}" >wait.out & w=$!
  call Start "{\"id\":\"$ID\"}" | jq -e ".pid == $pid"
  wait $w; cat wait.out; jq -e ".exit_status == 7" wait.out
  call State "{\"id\":\"$ID\"}" | tee st | jq -e ".status == 3 and .exit_status == 7"
  call Delete "{\"id\":\"$ID\"}" | jq -e ".exit_status == 7"
  set +e; call Shutdown "{\"id\":\"$ID\"}"; rc=$?; set -e
  [[ $rc -eq 0 || $rc -eq 3 ]]   # EOF on Shutdown counts as success (spec §9.19)
  wait $catpid
  grep -qx real-out "$T/r1.out"
'

test_expect 'delete action: a DeleteResponse on stdout; events create/start/exit/delete arrived' '
  (cd "$B" && "$SHIMV2" -namespace $NS -address "$GRPC" -publish-binary /bin/true -id $ID -bundle "$B" delete >"$T/del.bin" 2>"$T/del.err") || { cat "$T/del.err"; exit 1; }
  "$CTL" decode-delete <"$T/del.bin" | jq -e ".exit_status == 137 and .exited_at.seconds > 0"
  for ((i = 0; i < 300 * RT_TIMEOUT_MULT; i++)); do [[ $(grep -c "" "$T/events") -ge 4 ]] && break; sleep 0.01; done
  jq -s -e "[.[].topic] == [\"/tasks/create\",\"/tasks/start\",\"/tasks/exit\",\"/tasks/delete\"]" "$T/events"
  jq -s -e ".[2].event.decoded | .id == \"$ID\" and .exit_status == 7" "$T/events"
  jq -s -e "all(.[]; .namespace == \"$NS\" and .md_namespace == \"$NS\")" "$T/events"
'
exec 7>&-
test_done
