#!/usr/bin/env bash
# rtengined configuration at startup: daemon.json / flag errors, the §1.5
# runtime rules, the runtimes dir wipe, --validate (engine spec §1, §3.1, §9.1).
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"

# sandbox DIR: flags for an engine confined to DIR (daemon.json at DIR/daemon.json)
sandbox() {
  mkdir -p "$1"
  echo --data-root "$1/data" --exec-root "$1/exec" -H "unix://$1/s.sock" --pidfile "$1/pid" --config-file "$1/daemon.json"
}

# expect_fail DIR JSON EXPECTED-STDERR [FLAGS...]: exit 1, exact stderr, nothing created
expect_fail() {
  local dir=$1 json=$2 want=$3; shift 3
  mkdir -p "$dir"
  printf '%s' "$json" >"$dir/daemon.json"
  set +e; "$RTENGINED" $(sandbox "$PWD/$dir") "$@" >"$dir/out" 2>"$dir/err"; rc=$?; set -e
  printf '%s\n' "$want" >"$dir/want"
  [ $rc -eq 1 ] || { echo "exit status $rc"; cat "$dir/err"; return 1; }
  diff -u "$dir/want" "$dir/err"
  [ ! -s "$dir/out" ]
  [ ! -e "$dir/s.sock" ]
}

test_expect '--add-runtime without =: flag error block, exit 1' '
  expect_fail a "{}" "Status: invalid argument \"foo\" for \"--add-runtime\" flag: invalid runtime argument: foo
See '"'"'rtengined --help'"'"'., Code: 125" --add-runtime foo
  [ ! -e a/data ]
'

test_expect '--add-runtime RUNC=x is reserved; duplicate names are refused' '
  expect_fail b "{}" "Status: invalid argument \"RUNC=my-runc\" for \"--add-runtime\" flag: runtime name '"'"'runc'"'"' is reserved
See '"'"'rtengined --help'"'"'., Code: 125" --add-runtime RUNC=my-runc
  expect_fail c "{}" "Status: invalid argument \"foo=b\" for \"--add-runtime\" flag: runtime '"'"'foo'"'"' was already defined
See '"'"'rtengined --help'"'"'., Code: 125" --add-runtime foo=a --add-runtime foo=b
'

test_expect 'daemon.json type errors: Go decoder text, nothing created' '
  expect_fail d "{\"runtimes\":{\"x\":{\"path\":5}}}" "unable to configure the Docker daemon with file $PWD/d/daemon.json: json: cannot unmarshal number into Go struct field Runtime.runtimes.path of type string"
  [ ! -e d/data ]
  expect_fail e "{\"runtimes\":[]}" "unable to configure the Docker daemon with file $PWD/e/daemon.json: json: cannot unmarshal array into Go struct field Config.runtimes of type map[string]system.Runtime"
  expect_fail f "{\"default-runtime\":5}" "unable to configure the Docker daemon with file $PWD/f/daemon.json: json: cannot unmarshal number into Go struct field Config.CommonConfig.default-runtime of type string"
'

test_expect 'malformed JSON, unknown keys, conflicts, missing explicit file' '
  expect_fail g "{\"runtimes\": x}" "unable to configure the Docker daemon with file $PWD/g/daemon.json: invalid character '"'"'x'"'"' looking for beginning of value"
  expect_fail h "{\"bogus\":1}" "unable to configure the Docker daemon with file $PWD/h/daemon.json: the following directives don'"'"'t match any configuration option: bogus"
  expect_fail i "{\"default-runtime\":\"vm\",\"runtimes\":{\"vm\":{\"path\":\"runc\"}}}" "unable to configure the Docker daemon with file $PWD/i/daemon.json: the following directives are specified both as a flag and in the configuration file: default-runtime: (from flag: oci, from file: vm)" --default-runtime oci
  mkdir -p j
  set +e; "$RTENGINED" $(sandbox "$PWD/j") --config-file "$PWD/j/none.json" 2>j/err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -qxF "unable to configure the Docker daemon with file $PWD/j/none.json: open $PWD/j/none.json: no such file or directory" j/err
'

test_expect 'runtime rules at startup: failed to start daemon, exit 1' '
  expect_fail k "{\"runtimes\":{\"runc\":{\"path\":\"my-runc\"}}}" "failed to start daemon: runtime name '"'"'runc'"'"' is reserved"
  expect_fail l "{\"runtimes\":{\"empty\":{}}}" "failed to start daemon: runtime empty: either a runtimeType or a path must be configured"
  expect_fail m "{\"default-runtime\":\"nope\"}" "failed to start daemon: specified default runtime '"'"'nope'"'"' does not exist"
  expect_fail n "{\"runtimes\":{\"tob\":{\"runtimeType\":\"io.containerd.runc.v2\",\"options\":{\"IoUid\":\"abc\"}}}}" "failed to start daemon: runtime tob: (0, 0): Can'"'"'t convert abc(string) to uint32"
  expect_fail o "{\"runtimes\":{\"my/custom.rt\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}" "failed to start daemon: runtime my/custom.rt: name cannot be used for a wrapper script"
'

test_expect 'default path+args runtime with a missing binary: plugin manager error' '
  mkdir -p p
  echo "{\"runtimes\":{\"vm\":{\"path\":\"/usr/local/bin/vm-manager\",\"runtimeArgs\":[\"--debug\"]}},\"default-runtime\":\"vm\"}" >p/daemon.json
  set +e; "$RTENGINED" $(sandbox "$PWD/p") >p/out 2>p/err; rc=$?; set -e
  [ $rc -eq 1 ] && [ ! -e p/s.sock ]
  # the failed features probe logs a warning first; the fatal line is last
  tail -1 p/err | grep -qxF "failed to start daemon: couldn'"'"'t create plugin manager: error while looking up the specified runtime path: exec: \"/usr/local/bin/vm-manager\": stat /usr/local/bin/vm-manager: no such file or directory"
'

test_expect 'startup wipes runtimes/, keeps runtimes-old, writes wrappers 0700; /info lists them' '
  mkdir -p q/data/runtimes/sub q/data/runtimes-old
  echo stray >q/data/runtimes/stray
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]},\"kata\":{\"runtimeType\":\"io.containerd.kata.v2\"},\"p\":{\"path\":\"/bin/true\"}},\"default-runtime\":\"p\"}" >q/daemon.json
  start_engine $(sandbox "$PWD/q")
  wait_socket "$PWD/q/s.sock" $ENGINE_PID
  [ "$(ls -A q/data/runtimes)" = "wr.0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0====" ]
  [ "$(stat -c %a q/data/runtimes)" = 700 ]
  [ "$(stat -c %a q/data/runtimes/wr.*)" = 700 ]
  [ "$(cat q/data/runtimes/wr.*)" = "#!/bin/sh
runc --debug \$@" ]
  [ -d q/data/runtimes-old ]
  curl -s --unix-socket q/s.sock http://localhost/v1.43/info >info.json
  python3 -c "
import json,sys
i=json.load(open(\"info.json\"))
r=i[\"Runtimes\"]
assert r[\"wr\"]==({\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}), r
assert r[\"kata\"]=={}, r
assert r[\"runc\"]=={\"path\":\"runc\"}, r
assert i.get(\"DefaultRuntime\",\"p\")==\"p\", i.get(\"DefaultRuntime\")
"
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'default = shim name or path-only runtime with a missing binary: starts' '
  echo "{\"runtimes\":{\"gone\":{\"path\":\"/nonexistent/runtime\"}},\"default-runtime\":\"gone\"}" >daemon-r.json
  mkdir -p r && cp daemon-r.json r/daemon.json
  start_engine $(sandbox "$PWD/r")
  wait_socket "$PWD/r/s.sock" $ENGINE_PID
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
  mkdir -p s && echo "{}" >s/daemon.json
  start_engine $(sandbox "$PWD/s") --default-runtime io.containerd.runc-alias.v2
  wait_socket "$PWD/s/s.sock" $ENGINE_PID
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect '--validate: configuration OK; runtime errors reported (beyond the reference); data-root untouched' '
  mkdir -p t
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}},\"default-runtime\":\"wr\"}" >t/daemon.json
  "$RTENGINED" $(sandbox "$PWD/t") --validate >t/out 2>t/err
  [ "$(cat t/out)" = "configuration OK" ]
  [ ! -e t/data ]
  echo "{\"runtimes\":{\"runc\":{\"path\":\"x\"}}}" >t/daemon.json
  set +e; "$RTENGINED" $(sandbox "$PWD/t") --validate >t/out 2>t/err; rc=$?; set -e
  [ $rc -eq 1 ] && [ ! -s t/out ]
  grep -qxF "failed to start daemon: runtime name '"'"'runc'"'"' is reserved" t/err
  echo "{\"runtimes\":{\"e\":{}}}" >t/daemon.json
  set +e; "$RTENGINED" $(sandbox "$PWD/t") --validate >t/out 2>t/err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -qF "runtime e: either a runtimeType or a path must be configured" t/err
  echo "{\"debug\":\"x\"}" >t/daemon.json
  set +e; "$RTENGINED" $(sandbox "$PWD/t") --validate >t/out 2>t/err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -qF "Config.CommonConfig.debug of type bool" t/err
  [ ! -e t/data ]
'

test_done
