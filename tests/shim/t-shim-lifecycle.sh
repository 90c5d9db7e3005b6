#!/usr/bin/env bash
# containerd-shim-rtfake-v2 driven as containerd drives it (shim spec §2, §4,
# §6, §8, §9): start -> Create/Connect/Start/State/Wait/Kill/Delete/Shutdown
# -> delete, with fakerunc as `runc`, events received on a fake
# TTRPC_ADDRESS server and the call journal checked.
. "$(dirname "$0")/../lib.sh"
SHIM="$LIBEXEC/containerd-shim-rtfake-v2"
CTL="$RT_BUILD/tests/shim/rtshimctl"
[[ -x "$SHIM" ]] || skip_all "fake shim not built ($SHIM)"
[[ -x "$CTL" ]] || skip_all "rtshimctl not built ($CTL)"
[[ -x "$LIBEXEC/fakerunc" ]] || skip_all "fakerunc not built ($LIBEXEC/fakerunc)"
command -v jq >/dev/null || skip_all "jq is not installed"

mkdir -p "$TRASH/bin" "$TRASH/s"
ln -s "$LIBEXEC/fakerunc" "$TRASH/bin/runc"
for n in containerd-shim-rtfake-v2 containerd-shim-runc-alias-v2 containerd-shim-rtkata-v2; do
  ln -s "$LIBEXEC/$n" "$TRASH/bin/$n"
done
export PATH="$TRASH/bin:$PATH" RTCONFORM_JOURNAL="$TRASH/journal" TTRPC_ADDRESS="$TRASH/ev.sock"
export RTFAKE_SOCKET_DIR="$TRASH/s"
GRPC="$TRASH/grpc.sock" NS=ns1 EVENTS="$TRASH/events"
"$CTL" events-server "$TTRPC_ADDRESS" "$EVENTS" &
_pids+=($!)
for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do [[ -S "$TTRPC_ADDRESS" ]] && break; sleep 0.01; done

# bundle ID 'sh command' [annotations json]: bundle dir named after the id.
bundle() {
  local ann='{}'
  [[ $# -ge 3 ]] && ann=$3
  mkdir -p "$TRASH/b/$1"
  jq -n --arg cmd "$2" --argjson ann "$ann" '{ociVersion: "1.0.2",
    process: {args: ["/bin/sh", "-c", $cmd], env: ["PATH=/usr/bin:/bin"], cwd: "/"},
    root: {path: "/"}, annotations: $ann}' >"$TRASH/b/$1/config.json"
}
# shim_start ID [shim name]: run `start` in the bundle; sets ADDR.
shim_start() {
  ADDR=$(cd "$TRASH/b/$1" && "${2:-containerd-shim-rtfake-v2}" -namespace $NS -address "$GRPC" \
    -publish-binary /bin/true -id "$1" start </dev/null)
}
call() { "$CTL" call "$ADDR" "$@"; }
create() { # ID [stdout uri]
  call Create "$(jq -nc --arg id "$1" --arg b "$TRASH/b/$1" --arg out "${2:-}" --arg root "$TRASH/runc" \
    '{id: $id, bundle: $b, stdout: $out, options: {type_url: "containerd.runc.v1.Options",
      value: {binary_name: "runc", root: $root}}}')"
}
# wait_events N [ID]: poll (5 s) until N events for ID arrived.
wait_events() {
  local i
  for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do
    [[ $(jq -s --arg id "${2:-}" '[.[] | select($id == "" or .event.decoded.container_id == $id)] | length' "$EVENTS" 2>/dev/null || echo 0) -ge $1 ]] && return 0
    sleep 0.01
  done
  echo "timeout waiting for $1 events"; cat "$EVENTS"; return 1
}
wait_gone() { local i; for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do [[ -e "$1" ]] || return 0; sleep 0.01; done; return 1; }
: >"$EVENTS"

test_expect 'start prints only unix://<abs path>, writes address, returns at once' '
  bundle s1 "exit 0"
  out=$(cd "$TRASH/b/s1" && containerd-shim-rtfake-v2 -namespace $NS -address "$GRPC" -publish-binary /bin/true -id s1 start </dev/null 2>&1)
  [[ "$out" =~ ^unix:///.+$ ]]
  [[ "$(cat "$TRASH/b/s1/address")" == "$out" ]]
  path=${out#unix://}
  [[ -S "$path" && ${#path} -lt 108 ]]
  want=$(printf "%s" "$GRPC/$NS/s1" | sha256sum | cut -d" " -f1)
  [[ "$(basename "$path")" == "$want" ]]
  ADDR=$out; call Shutdown "{\"id\":\"s1\"}"
  wait_gone "$path"
'

test_expect 'lifecycle: Create/Connect/Start/State/Wait/Delete/Shutdown, exit 3, delete action' '
  bundle c1 "echo hello; read x </dev/null; exit 3"
  shim_start c1
  create c1 "file://$TRASH/c1.out" >r; pid=$(jq .pid r); [[ $pid -gt 1 ]]
  call Connect "{\"id\":\"c1\"}" | jq -e ".task_pid == $pid and .shim_pid > 1"
  call State "{\"id\":\"c1\"}" | jq -e ".status == 1 and .exited_at.seconds == -62135596800"
  call Wait "{\"id\":\"c1\"}" >wait.out & w=$!
  call Start "{\"id\":\"c1\"}" | jq -e ".pid == $pid"
  wait $w; jq -e ".exit_status == 3 and .exited_at.seconds > 0" wait.out
  call State "{\"id\":\"c1\"}" | jq -e ".status == 3 and .exit_status == 3 and .id == \"c1\""
  call Delete "{\"id\":\"c1\"}" | jq -e ".pid == $pid and .exit_status == 3"
  call Shutdown "{\"id\":\"c1\"}"
  wait_gone "${ADDR#unix://}"
  (cd "$TRASH/b/c1" && containerd-shim-rtfake-v2 -namespace $NS -address "$GRPC" -publish-binary /bin/true -id c1 -bundle "$TRASH/b/c1" delete >"$TRASH/del.bin" 2>"$TRASH/del.err")
  [[ ! -s "$TRASH/del.err" ]]
  "$CTL" decode-delete <"$TRASH/del.bin" | jq -e ".pid == $pid and .exit_status == 3"
  grep -qx hello "$TRASH/c1.out"
  jq -e ".binary_name == \"runc\"" "$TRASH/b/c1/options.json"
  [[ "$(cat "$TRASH/b/c1/runtime")" == runc ]]
  wait_events 4 c1
  jq -s -e "[.[] | select(.event.decoded.container_id == \"c1\") | .topic] == [\"/tasks/create\",\"/tasks/start\",\"/tasks/exit\",\"/tasks/delete\"]" "$EVENTS"
  jq -s -e "[.[] | select(.event.decoded.container_id == \"c1\")] | all(.namespace == \"$NS\" and .md_namespace == \"$NS\" and .timestamp.seconds > 0 and (.event.type_url | startswith(\"containerd.events.Task\")))" "$EVENTS"
  jq -s -e ".[] | select(.topic == \"/tasks/exit\" and .event.decoded.container_id == \"c1\") | .event.decoded | .id == \"c1\" and .exit_status == 3 and .pid == $pid" "$EVENTS"
'

test_expect 'journal: one line per action/method with the options seen; fakerunc argv' '
  J="$RTCONFORM_JOURNAL"
  jq -s -e "[.[] | select(.component == \"shim\" and .id == \"c1\") | .method] | (index(\"start\") < index(\"Create\")) and (index(\"Create\") < index(\"Start\")) and (index(\"Shutdown\") < index(\"delete\"))" "$J"
  jq -s -e ".[] | select(.component == \"shim\" and .method == \"Create\" and .id == \"c1\") | .binary_name == \"runc\" and .root == \"$TRASH/runc\" and .type_url == \"containerd.runc.v1.Options\" and .namespace == \"$NS\" and .result == \"ok\"" "$J"
  jq -s -e "[.[] | select(.component == \"runc\" and .id == \"c1\") | .argv[7:] | join(\" \")] | index(\"create --bundle $TRASH/b/c1 --pid-file $TRASH/b/c1/init.pid c1\") != null" "$J"
  jq -s -e "[.[] | select(.component == \"runc\" and .id == \"c1\") | .argv[1:7]] | all(. == [\"--root\",\"$TRASH/runc/$NS\",\"--log\",\"$TRASH/b/c1/log.json\",\"--log-format\",\"json\"])" "$J"
  jq -s -e "[.[] | select(.component == \"runc\" and .id == \"c1\") | .argv[7]] == [\"create\",\"start\",\"delete\",\"delete\"]" "$J"
'

test_expect 'Kill SIGKILL: Wait returns 137; exec: duplicate id is AlreadyExists; exec exit event' '
  bundle k1 "sleep 100"
  shim_start k1
  create k1 >/dev/null
  call Start "{\"id\":\"k1\"}" >/dev/null
  call Pids "{\"id\":\"k1\"}" | jq -e ".processes | length == 1"
  spec="{\"type_url\":\"types.containerd.io/opencontainers/runtime-spec/1/Process\",\"value\":{\"args\":[\"/bin/sh\",\"-c\",\"exit 5\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin:/usr/bin\"]}}"
  call Exec "{\"id\":\"k1\",\"exec_id\":\"e1\",\"spec\":$spec}"
  call Exec "{\"id\":\"k1\",\"exec_id\":\"e1\",\"spec\":$spec}" >dup || true
  grep -qx "error 6: id e1: already exists" dup
  call Wait "{\"id\":\"k1\",\"exec_id\":\"e1\"}" >ew & ew=$!
  call Start "{\"id\":\"k1\",\"exec_id\":\"e1\"}" | jq -e ".pid > 1"
  wait $ew; jq -e ".exit_status == 5" ew
  call State "{\"id\":\"k1\",\"exec_id\":\"e1\"}" | jq -e ".id == \"e1\" and .status == 3 and .exit_status == 5"
  call Delete "{\"id\":\"k1\",\"exec_id\":\"e1\"}" | jq -e ".exit_status == 5"
  call Wait "{\"id\":\"k1\"}" >kw & kw=$!
  call Kill "{\"id\":\"k1\",\"signal\":9}"
  wait $kw; jq -e ".exit_status == 137" kw
  call Kill "{\"id\":\"k1\",\"signal\":9}" >again || true
  grep -q "^error 5: process already finished" again
  call Delete "{\"id\":\"k1\"}" | jq -e ".exit_status == 137"
  call Shutdown "{\"id\":\"k1\"}"
  wait_events 7 k1
  jq -s -e "[.[] | select(.event.decoded.container_id == \"k1\") | .topic] == [\"/tasks/create\",\"/tasks/start\",\"/tasks/exec-added\",\"/tasks/exec-started\",\"/tasks/exit\",\"/tasks/exit\",\"/tasks/delete\"]" "$EVENTS"
  jq -s -e "[.[] | select(.event.decoded.container_id == \"k1\" and .topic == \"/tasks/exit\") | .event.decoded.id] == [\"e1\",\"k1\"]" "$EVENTS"
'

test_expect 'ttrpc errors: unknown service/method 12, Checkpoint 12, unknown id NotFound' '
  bundle u1 "sleep 100"
  shim_start u1
  "$CTL" raw "$ADDR" no.such.Service Foo >o || true; grep -qx "code 12: service no.such.Service" o
  "$CTL" raw "$ADDR" containerd.task.v2.Task Foo >o || true; grep -qx "code 12: method Foo" o
  call Checkpoint "{\"id\":\"u1\"}" >o || true; grep -qx "error 12: checkpoint is not supported by the fake shim" o
  call State "{\"id\":\"nope\"}" >o || true; grep -qx "error 5: container not created: not found" o
  call Connect "{\"id\":\"u1\"}" | jq -e ".task_pid == 0"
  call Shutdown "{\"id\":\"u1\"}"
  wait_gone "${ADDR#unix://}"
'

test_expect 'failpoints: Start 1*error, @start error, bad spec refused naming the annotation' '
  bundle f1 "sleep 100" "{\"io.containerd.runtime.v2.shim.failpoint.Start\":\"1*error(no hard feelings)\"}"
  shim_start f1
  create f1 >/dev/null
  call Start "{\"id\":\"f1\"}" >o || true; grep -qx "error 2: no hard feelings" o
  call Start "{\"id\":\"f1\"}" | jq -e ".pid > 1"
  call Kill "{\"id\":\"f1\",\"signal\":9}"
  call Wait "{\"id\":\"f1\"}" >/dev/null
  call Delete "{\"id\":\"f1\"}" >/dev/null; call Shutdown "{\"id\":\"f1\"}"
  bundle f2 "true" "{\"io.containerd.runtime.v2.shim.failpoint.@start\":\"1*error(boom)\"}"
  set +e; out=$(cd "$TRASH/b/f2" && containerd-shim-rtfake-v2 -namespace $NS -address "$GRPC" -id f2 start </dev/null 2>&1); rc=$?; set -e
  [[ $rc -eq 1 && "$out" == *boom* ]]
  bundle f3 "true" "{\"io.containerd.runtime.v2.shim.failpoint.Create\":\"x*error(boom)\"}"
  set +e; out=$(cd "$TRASH/b/f3" && containerd-shim-rtfake-v2 -namespace $NS -address "$GRPC" -id f3 start </dev/null 2>&1); rc=$?; set -e
  [[ $rc -eq 1 && "$out" == *io.containerd.runtime.v2.shim.failpoint.Create* ]]
  jq -s -e "[.[] | select(.method == \"Start\" and .id == \"f1\") | .result][0] == \"no hard feelings\"" "$RTCONFORM_JOURNAL"
'

test_expect 'runtime create failure: code 2 with the runtime error text' '
  bundle r1 "true"
  shim_start r1
  call Create "$(jq -nc --arg b "$TRASH/b/r1" "{id: \"r1\", bundle: \$b, options: {type_url: \"containerd.runc.v1.Options\", value: {binary_name: \"/bin/false\"}}}")" >o || true
  grep -q "^error 2: OCI runtime create failed: " o
  call Shutdown "{\"id\":\"r1\"}"
  wait_gone "${ADDR#unix://}"
'

test_expect 'personalities: runc-like rejects runtimeoptions at start; rtkata accepts and journals it' '
  bundle p1 "true"
  "$CTL" any runtimeoptions.v1.Options "{\"config_path\":\"/etc/kata.toml\"}" >"$TRASH/any.bin"
  set +e; out=$(cd "$TRASH/b/p1" && containerd-shim-runc-alias-v2 -namespace $NS -address "$GRPC" -id p1 start <"$TRASH/any.bin" 2>&1); rc=$?; set -e
  [[ $rc -eq 1 ]]
  [[ "$out" == "io.containerd.runc.v2: type with url runtimeoptions.v1.Options: not found" ]]
  ADDR=$(cd "$TRASH/b/p1" && containerd-shim-rtkata-v2 -namespace $NS -address "$GRPC" -id p1 start <"$TRASH/any.bin")
  jq -s -e ".[] | select(.method == \"start\" and .id == \"p1\" and .result == \"ok\") | .type_url == \"runtimeoptions.v1.Options\" and .config_path == \"/etc/kata.toml\" and (.argv0 | endswith(\"containerd-shim-rtkata-v2\"))" "$RTCONFORM_JOURNAL"
  call Create "$(jq -nc --arg b "$TRASH/b/p1" "{id: \"p1\", bundle: \$b, options: {type_url: \"containerd.runc.v1.Options\", value: {}}}")" >o || true
  grep -qx "error 5: type with url containerd.runc.v1.Options: not found" o
  call Shutdown "{\"id\":\"p1\"}"
'

test_expect 'events: redial TTRPC_ADDRESS after the events server restarts (spec §9.17)' '
  bundle v1 "sleep 100"
  shim_start v1
  create v1 >/dev/null
  wait_events 1 v1
  # The first server is a child of the script, not of this body: no `wait`
  # for it here. It unlinks its socket as it exits; a new server bound before
  # that would lose its socket to that unlink (and the shim every redial).
  kill ${_pids[0]}; wait_gone "$TTRPC_ADDRESS"
  "$CTL" events-server "$TTRPC_ADDRESS" "$TRASH/events2" & srv=$!
  for ((i = 0; i < 500 * RT_TIMEOUT_MULT; i++)); do [[ -S "$TTRPC_ADDRESS" ]] && break; sleep 0.01; done
  call Start "{\"id\":\"v1\"}" >/dev/null
  EVENTS="$TRASH/events2" wait_events 1 v1
  jq -e "select(.event.decoded.container_id == \"v1\") | .topic == \"/tasks/start\"" "$TRASH/events2"
  call Kill "{\"id\":\"v1\",\"signal\":9}"; call Wait "{\"id\":\"v1\"}" >/dev/null
  call Delete "{\"id\":\"v1\"}" >/dev/null; call Shutdown "{\"id\":\"v1\"}"
  kill $srv; wait $srv || true
'

test_expect 'nobody connects: the daemon exits on its own and removes its socket' '
  bundle i1 "true"
  ADDR=$(cd "$TRASH/b/i1" && RTFAKE_IDLE_EXIT_SECS=1 containerd-shim-rtfake-v2 -namespace $NS -address "$GRPC" -id i1 start </dev/null)
  [[ -S "${ADDR#unix://}" ]]
  for ((i = 0; i < 400 * RT_TIMEOUT_MULT; i++)); do [[ -e "${ADDR#unix://}" ]] || break; sleep 0.01; done
  [[ ! -e "${ADDR#unix://}" ]]
'

test_done
