#!/usr/bin/env bash
# fakerunc driven directly, as the shim drives it: lifecycle, exec, kill,
# errors in runc's --log format, journal lines, wrappers, failpoints.
# The script re-runs itself under a child subreaper (as the shim is), which
# reaps container processes and logs "<pid> <status>" to $SUBREAPER_LOG.
. "$(dirname "$0")/../lib.sh"
FAKERUNC="$LIBEXEC/fakerunc"
SUBREAPER="$RT_BUILD/tests/fakerunc-subreaper"
[[ -x "$FAKERUNC" ]] || skip_all "fakerunc not built ($FAKERUNC)"
[[ -x "$SUBREAPER" ]] || skip_all "subreaper helper not built (make check-fakerunc builds it)"
command -v jq >/dev/null || skip_all "jq is not installed (scripts/deps.sh installs it)"
if [[ -z "${FAKERUNC_UNDER_SUBREAPER:-}" ]]; then
  rm -rf "$TRASH"
  # The subreaper reads SUBREAPER_LOG from its own environment: set it now.
  SUBREAPER_LOG=$(mktemp "${TMPDIR:-/tmp}/rt-fakerunc-reaped.XXXXXX")
  FAKERUNC_UNDER_SUBREAPER=1 SUBREAPER_LOG=$SUBREAPER_LOG exec "$SUBREAPER" bash "$0" "$@"
fi
export RTCONFORM_JOURNAL="$TRASH/journal"
# A failed test must not leave sleeping containers: the subreaper waits for them.
kill_containers() {
  local d
  for d in "$TRASH"/state/*/; do [[ -d "$d" ]] && frc delete --force "$(basename "$d")" 2>/dev/null; done
  return 0
}
trap 'kill_containers; rm -f "$SUBREAPER_LOG"; cleanup' EXIT

# frc ARGS...: fakerunc with the shim's global flags (spec §5.3).
frc() { "$FAKERUNC" --root "$TRASH/state" --log "$TRASH/log.json" --log-format json "$@"; }
# bundle DIR 'shell command' [extra annotations json]: a config.json running sh -c CMD.
bundle() {
  local ann='{}'
  [[ $# -ge 3 ]] && ann=$3
  mkdir -p "$1"
  jq -n --arg cmd "$2" --arg cwd "$TRASH/$1" --argjson ann "$ann" '{
    ociVersion: "1.0.2",
    process: {args: ["/bin/sh", "-c", $cmd], env: ["PATH=/usr/bin:/bin", "GREETING=hi"], cwd: $cwd},
    root: {path: "rootfs"}, annotations: $ann}' >"$1/config.json"
}
status() { frc state "$1" | jq -r .status; }
# wait_status ID WANT: poll state (exit is only visible in /proc; 5 s deadline).
wait_status() {
  local i s
  for ((i = 0; i < 1000 * RT_TIMEOUT_MULT; i++)); do
    s=$(status "$1") && [[ "$s" == "$2" ]] && return 0
    sleep 0.005
  done
  echo "state of $1 is '$s', want '$2'"; return 1
}
# wait_reaped PID: the subreaper logged PID's exit; prints its status.
wait_reaped() {
  local i
  for ((i = 0; i < 1000 * RT_TIMEOUT_MULT; i++)); do
    awk -v p="$1" '$1 == p { print $2; f = 1 } END { exit !f }' "$SUBREAPER_LOG" && return 0
    sleep 0.005
  done
  echo "pid $1 never reaped"; return 1
}
wait_file() { local i; for ((i = 0; i < 1000 * RT_TIMEOUT_MULT; i++)); do [[ -s "$1" ]] && return 0; sleep 0.005; done; echo "no $1"; return 1; }

test_expect '--version: three runc-like lines with a commit line' '
  "$FAKERUNC" --version >v
  [ "$(wc -l <v)" -eq 3 ]
  grep -qx "runc version 1.1.5+fake" v
  grep -q "^commit: fakerunc-" v
  grep -qx "spec: 1.0.2-dev" v
'

test_expect 'features: runc-like JSON' '
  "$FAKERUNC" features >f
  jq -e ".ociVersionMin == \"1.0.0\" and (.hooks | index(\"prestart\")) and (.linux.namespaces | index(\"pid\"))
         and (.mountOptions | length > 10) and (.annotations[\"org.opencontainers.runc.version\"] == \"1.1.5+fake\")" f
'

test_expect 'create -> created; start runs it on the host; exit seen as stopped; delete' '
  bundle b1 "echo \$GREETING > out; exit 3"
  frc create --bundle b1 --pid-file b1/init.pid c1 </dev/null >/dev/null
  pid=$(cat b1/init.pid)
  [ "$(status c1)" = created ]
  frc state c1 >st
  jq -e ".ociVersion == \"1.0.2-dev\" and .id == \"c1\" and .pid == $pid and .bundle == \"$PWD/b1\"
         and .rootfs == \"$PWD/b1/rootfs\" and (.created | test(\"^[0-9-]+T[0-9:.]+Z$\")) and .owner == \"\"" st
  [ ! -e b1/out ]                       # not before start
  [ -p state/c1/exec.fifo ]
  frc start c1
  [ ! -e state/c1/exec.fifo ]
  [ "$(wait_reaped $pid)" = 3 ]         # re-parented to us, exit code 3
  [ "$(cat b1/out)" = hi ]              # cwd and env from config.json
  wait_status c1 stopped
  [ "$(frc state c1 | jq .pid)" = 0 ]
  frc delete c1
  [ ! -e state/c1 ]
'

test_expect 'cwd that does not exist on the host: the bundle dir is used' '
  bundle b2 "pwd > out"
  jq ".process.cwd = \"/no/such/dir\"" b2/config.json >t && mv t b2/config.json
  frc create --bundle b2 --pid-file b2/init.pid c2 </dev/null >/dev/null
  frc start c2
  wait_reaped $(cat b2/init.pid) >/dev/null
  [ "$(cat b2/out)" = "$PWD/b2" ]
  frc delete c2
'

test_expect 'kill: default TERM, names and numbers; kill of a stopped container fails like runc' '
  bundle b3 "exec sleep 100"
  frc create --bundle b3 --pid-file b3/init.pid c3 </dev/null >/dev/null
  frc start c3
  wait_status c3 running
  frc kill c3
  [ "$(wait_reaped $(cat b3/init.pid))" = 143 ]
  wait_status c3 stopped
  : >log.json
  set +e; frc kill c3 KILL 2>err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -qx "container not running" err
  jq -e "select(.level == \"error\" and .msg == \"container not running\" and (.time | length > 0))" log.json
  frc delete c3
  bundle b4 "exec sleep 100"
  frc create --bundle b4 --pid-file b4/init.pid c4 </dev/null >/dev/null
  frc start c4
  frc kill c4 9
  [ "$(wait_reaped $(cat b4/init.pid))" = 137 ]
  frc delete c4
  set +e; frc kill nope SIGBOGUS 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "does not exist" err
'

test_expect 'delete: refused while running, --force kills; --force on a missing container is fine' '
  bundle b5 "exec sleep 100"
  frc create --bundle b5 --pid-file b5/init.pid c5 </dev/null >/dev/null
  frc start c5
  set +e; frc delete c5 2>err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -qx "cannot delete container c5 that is not stopped: running" err
  frc delete --force c5
  [ "$(wait_reaped $(cat b5/init.pid))" = 137 ]
  [ ! -e state/c5 ]
  frc delete --force c5
  set +e; frc delete c5 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qx "container \"c5\" does not exist" err
'

test_expect 'delete of a created (never started) container kills the waiting process' '
  bundle b6 "echo ran > out"
  frc create --bundle b6 --pid-file b6/init.pid c6 </dev/null >/dev/null
  frc delete c6
  [ "$(wait_reaped $(cat b6/init.pid))" = 137 ]
  [ ! -e b6/out ]
'

test_expect 'exec --process --detach --pid-file; ps --format json; kill --all' '
  bundle b7 "exec sleep 100"
  frc create --bundle b7 --pid-file b7/init.pid c7 </dev/null >/dev/null
  frc start c7
  jq -n --arg cwd "$PWD/b7" "{args: [\"/bin/sh\", \"-c\", \"echo exec-\$X > exec.out; exec sleep 100\"],
        env: [\"X=yes\"], cwd: \$cwd}" >proc.json
  frc exec --process proc.json --detach --pid-file b7/e1.pid c7 </dev/null >/dev/null
  epid=$(cat b7/e1.pid)
  wait_file b7/exec.out
  [ "$(cat b7/exec.out)" = exec-yes ]
  frc ps --format json c7 >ps
  jq -e "index($(cat b7/init.pid)) != null and index($epid) != null" ps
  frc kill --all c7 KILL
  [ "$(wait_reaped $epid)" = 137 ]
  [ "$(wait_reaped $(cat b7/init.pid))" = 137 ]
  wait_status c7 stopped
  set +e; frc exec --process proc.json --detach c7 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qx "cannot exec in a stopped container" err
  frc delete c7
'

test_expect 'exec in the foreground returns the process exit status' '
  bundle b8 "exec sleep 100"
  frc create --bundle b8 --pid-file b8/init.pid c8 </dev/null >/dev/null
  frc start c8
  echo "{\"args\": [\"/bin/sh\", \"-c\", \"exit 7\"], \"cwd\": \"/\"}" >p8.json
  set +e; frc exec --process p8.json c8 </dev/null; rc=$?; set -e
  [ $rc -eq 7 ]
  frc delete --force c8
'

test_expect 'pause and resume' '
  bundle b9 "exec sleep 100"
  frc create --bundle b9 --pid-file b9/init.pid c9 </dev/null >/dev/null
  frc start c9
  frc pause c9
  [ "$(status c9)" = paused ]
  for i in $(seq $(scaled 1000)); do [ "$(awk "{print \$3}" /proc/$(cat b9/init.pid)/stat)" = T ] && break; sleep 0.005; done
  [ "$(awk "{print \$3}" /proc/$(cat b9/init.pid)/stat)" = T ]
  set +e; frc pause c9 2>err; rc=$?; set -e
  [ $rc -eq 1 ]
  frc resume c9
  [ "$(status c9)" = running ]
  set +e; frc resume c9 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qx "container not paused" err
  frc delete --force c9
'

test_expect 'errors: runc JSON lines in --log, text on stderr, exit 1' '
  bundle b10 "true"
  frc create --bundle b10 --pid-file b10/init.pid c10 </dev/null >/dev/null
  : >log.json
  set +e; frc create --bundle b10 c10 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qx "container with id exists: c10" err
  set +e; frc state nope 2>err >out; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qx "container \"nope\" does not exist" err && [ ! -s out ]
  [ "$(wc -l <log.json)" -eq 2 ]
  jq -se ".[0].msg == \"container with id exists: c10\" and .[1].msg == \"container \\\"nope\\\" does not exist\"
          and all(.[]; .level == \"error\" and (.time | test(\"^[0-9-]+T[0-9:]+Z$\")) and (keys == [\"level\", \"msg\", \"time\"]))" log.json
  mkdir -p b11
  set +e; frc create --bundle b11 c11 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "config.json" err
  bundle b12 "true"
  jq ".process.args = [\"no-such-binary\"]" b12/config.json >t && mv t b12/config.json
  set +e; frc create --bundle b12 c12 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "exec: \"no-such-binary\": executable file not found in \$PATH" err
  [ ! -e state/c12 ]
  set +e; frc create --bundle b12 "bad/id" 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "invalid id format" err
  set +e; frc start 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "requires exactly 1 argument" err
  set +e; "$FAKERUNC" --root state --log-format text --log text.log state nope 2>/dev/null; set -e
  grep -q "^time=\".*\" level=error msg=\"container \\\\\"nope\\\\\" does not exist\"$" text.log
  frc delete --force c10
'

test_expect 'journal: one parseable line per invocation with argv, root, global args and result' '
  : >"$RTCONFORM_JOURNAL"
  bundle b13 "true"
  frc create --bundle b13 --pid-file b13/init.pid c13 </dev/null >/dev/null
  frc start c13
  set +e; frc start c13 2>/dev/null; set -e
  frc delete --force c13
  [ "$(wc -l <"$RTCONFORM_JOURNAL")" -eq 4 ]
  jq -se "map(.method) == [\"create\", \"start\", \"start\", \"delete\"]
          and all(.[]; .component == \"runc\" and .id == \"c13\" and .root == \"$PWD/state\"
                       and .global_args == [\"--root\", \"$PWD/state\", \"--log\", \"$PWD/log.json\", \"--log-format\", \"json\"]
                       and (.t_mono_ns > 0) and (.pid > 0) and (.argv | length > 4))
          and .[0].bundle == \"$PWD/b13\" and .[0].container_pid == $(cat b13/init.pid)
          and .[0].result == \"ok\" and (.[2].result | test(\"cannot start\")) and .[3].result == \"ok\"" "$RTCONFORM_JOURNAL"
'

test_expect 'wrapper script as the runtime: its --debug and --flag=value show up as global args' '
  printf "#!/bin/sh\nexec %s --debug --log-format=json \"\$@\"\n" "$FAKERUNC" >wrapper
  chmod +x wrapper
  : >"$RTCONFORM_JOURNAL"
  ./wrapper --root "$PWD/state" --custom-flag state nope 2>/dev/null || true
  jq -se "length == 1 and .[0].global_args == [\"--debug\", \"--log-format=json\", \"--root\", \"$PWD/state\", \"--custom-flag\"]
          and .[0].method == \"state\" and .[0].id == \"nope\"" "$RTCONFORM_JOURNAL"
'

test_expect 'failpoints from the bundle annotation, counts kept across invocations' '
  bundle b14 "exec sleep 100" "{\"io.rtconform.fakerunc.failpoint.create\": \"1*error(boom)\",
                                \"io.rtconform.fakerunc.failpoint.kill\": \"1*off->1*error(kill refused)\"}"
  : >log.json
  set +e; frc create --bundle b14 --pid-file b14/init.pid c14 </dev/null 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qx boom err && [ ! -e state/c14 ]
  jq -e "select(.msg == \"boom\")" log.json
  frc create --bundle b14 --pid-file b14/init.pid c14 </dev/null >/dev/null   # count spent
  frc start c14
  frc kill c14 CONT                                                          # 1*off
  set +e; frc kill c14 CONT 2>err; rc=$?; set -e                              # 1*error
  [ $rc -eq 1 ] && grep -qx "kill refused" err
  frc kill c14 CONT                                                          # spent: passes
  tail -1 "$RTCONFORM_JOURNAL" | jq -e ".failpoint == \"pass\""
  frc delete --force c14
  bundle b15 "true" "{\"io.rtconform.fakerunc.failpoint.create\": \"1*panic(oh no)\"}"
  set +e; frc create --bundle b15 c15 2>err; rc=$?; set -e
  [ $rc -eq 2 ] && grep -qx "panic: oh no" err
  bundle b16 "true" "{\"io.rtconform.fakerunc.failpoint.create\": \"1*bogus\"}"
  set +e; frc create --bundle b16 c16 2>err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "unknown type \"bogus\"" err
'

test_expect 'terminal: --console-socket gets the pty master, the process has a tty' '
  "$RT_BUILD/tests/fakerunc-console" "$PWD/console.sock" "$PWD/tty.out"
  bundle b17 "tty; echo tty-ok"
  jq ".process.terminal = true" b17/config.json >t && mv t b17/config.json
  frc create --bundle b17 --pid-file b17/init.pid --console-socket "$PWD/console.sock" c17 </dev/null >/dev/null
  frc start c17
  wait_reaped $(cat b17/init.pid) >/dev/null
  for i in $(seq $(scaled 1000)); do grep -q tty-ok tty.out 2>/dev/null && break; sleep 0.005; done
  grep -q "^/dev/pts/" tty.out && grep -q tty-ok tty.out
  frc delete c17
'

test_expect 'update --resources -: accepted and journaled' '
  bundle b18 "exec sleep 100"
  frc create --bundle b18 --pid-file b18/init.pid c18 </dev/null >/dev/null
  frc start c18
  echo "{\"pids\": {\"limit\": 10}}" | frc update --resources - c18
  tail -1 "$RTCONFORM_JOURNAL" | jq -e ".method == \"update\" and .resources.pids.limit == 10"
  frc delete --force c18
'

test_expect 'concurrent detached execs are all recorded (state lock)' '
  bundle b19 "exec sleep 100"
  frc create --bundle b19 --pid-file b19/init.pid c19 </dev/null >/dev/null
  frc start c19
  echo "{\"args\": [\"/bin/sleep\", \"100\"], \"cwd\": \"/\"}" >p19.json
  for i in 1 2 3 4 5 6; do frc exec --process p19.json --detach --pid-file b19/e$i.pid c19 </dev/null >/dev/null & done
  wait
  jq -e ".execs | length == 6" state/c19/state.json
  frc kill --all c19 KILL
  for i in 1 2 3 4 5 6; do [ "$(wait_reaped $(cat b19/e$i.pid))" = 137 ]; done
  frc delete --force c19
'

test_expect 'no container process is left behind' '
  [ -z "$(ls state 2>/dev/null)" ]
'

test_done
