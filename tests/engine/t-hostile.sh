#!/usr/bin/env bash
# rtengined against hostile daemon.json contents (issue 12 item 6): huge
# runtime sets, huge args, absurd nesting, binary garbage, over-long names,
# NUL and invalid UTF-8. Each must end in a clear error (exit 1, one line
# naming the file) or a working engine; never a crash or a hang.
# rtengined-specific (dockerd's answers to these are not specified), so a
# shell test rather than a conformance test.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"

flags() { # $1 = sandbox dir, $2 = daemon.json
  echo --data-root "$1/data" --exec-root "$1/exec" -H "unix://$1/s.sock" --pidfile "$1/pid" --config-file "$2"
}

# wait_ready SOCK PID SECONDS: poll /_ping (big configs take a while;
# SECONDS is scaled).
wait_ready() {
  local i
  for ((i = 0; i < $3 * 20 * RT_TIMEOUT_MULT; i++)); do
    curl -sf --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "engine exited"; return 1; }
    sleep 0.05 # poll interval
  done
  echo "not ready within $3 s"; return 1
}

# startup_fails DIR FILE PATTERN: exit status 1 (not a signal), the
# message names the file and matches PATTERN, no socket left behind.
startup_fails() {
  set +e; timeout "$(scaled 120)" "$RTENGINED" $(flags "$PWD/$1" "$PWD/$2") >"$1.out" 2>"$1.err"; rc=$?; set -e
  echo "status $rc"; tail -c 400 "$1.err"
  [ $rc -eq 1 ]
  grep -q "$3" "$1.err"
  [ ! -e "$PWD/$1/s.sock" ]
}

test_expect '100000 runtimes: starts, /info lists them, SIGHUP reload survives' '
  python3 -c "import json; print(json.dumps({\"runtimes\": {\"rt%d\" % i: {\"path\": \"/nonexistent/rt\"} for i in range(100000)}}))" >big.json
  mkdir -p a
  t0=$(date +%s%N)
  start_engine $(flags "$PWD/a" "$PWD/big.json")
  wait_ready a/s.sock $ENGINE_PID 120
  echo "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  t1=$(date +%s%N)
  curl -sf --max-time "$(scaled 120)" --unix-socket a/s.sock http://localhost/info >info.json
  echo "/info in $(( ($(date +%s%N) - t1) / 1000000 )) ms, $(wc -c <info.json) bytes"
  grep -q "\"rt99999\":{\"path\":\"/nonexistent/rt\"" info.json
  since=$(date +%s)
  kill -HUP $ENGINE_PID
  for i in $(seq $(scaled 2400)); do
    curl -sf --unix-socket a/s.sock "http://localhost/events?since=$since&until=$(($(date +%s) + 1))&filters=%7B%22type%22%3A%5B%22daemon%22%5D%7D" | grep -q "\"reload\"" && break
    kill -0 $ENGINE_PID
    sleep 0.05 # poll interval: no event stream without an end time
  done
  curl -sf --unix-socket a/s.sock "http://localhost/events?since=$since&until=$(($(date +%s) + 1))" | grep -q "\"reload\""
  curl -sf --unix-socket a/s.sock http://localhost/_ping >/dev/null
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect '10000 args of 100 bytes: one 1 MB wrapper, engine serves' '
  python3 -c "import json; print(json.dumps({\"runtimes\": {\"big\": {\"path\": \"/bin/true\", \"runtimeArgs\": [\"--x\" + \"a\" * 100] * 10000}}}))" >args.json
  mkdir -p b
  start_engine $(flags "$PWD/b" "$PWD/args.json")
  wait_ready b/s.sock $ENGINE_PID 60
  n=$(ls b/data/runtimes | grep -c "^big\.")
  [ "$n" -eq 1 ]
  [ $(stat -c %s b/data/runtimes/big.*) -gt 1000000 ]
  curl -sf --unix-socket b/s.sock http://localhost/info | grep -q "\"big\":{\"path\":\"/bin/true\""
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'one 1 MiB argument: wrapper written, engine serves' '
  python3 -c "import json; print(json.dumps({\"runtimes\": {\"big\": {\"path\": \"/bin/true\", \"runtimeArgs\": [\"a\" * (1 << 20)]}}}))" >arg1m.json
  mkdir -p c
  start_engine $(flags "$PWD/c" "$PWD/arg1m.json")
  wait_ready c/s.sock $ENGINE_PID 60
  [ $(stat -c %s c/data/runtimes/big.*) -gt 1048576 ]
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect '100000-deep nesting: exit 1, clear error' '
  python3 -c "print(\"{\\\"runtimes\\\":\" + \"[\" * 100000 + \"]\" * 100000 + \"}\")" >deep.json
  startup_fails d deep.json "^unable to configure the Docker daemon with file $PWD/deep.json: "
'

test_expect '20 MB of binary garbage: exit 1, clear error' '
  head -c 20000000 /dev/urandom >garbage.json
  startup_fails e garbage.json "^unable to configure the Docker daemon with file $PWD/garbage.json: "
'

test_expect 'invalid UTF-8 in a runtime name: exit 1, clear error' '
  printf "{\"runtimes\":{\"a\\377\":{\"path\":\"/bin/true\"}}}" >utf.json
  startup_fails f utf.json "^unable to configure the Docker daemon with file $PWD/utf.json: "
'

test_expect 'NUL in a runtime name: exit 1, clear error' '
  printf "{\"runtimes\":{\"a\\\\u0000b\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"x\"]}}}" >nul.json
  startup_fails g nul.json "^unable to configure the Docker daemon with file $PWD/nul.json: "
'

test_expect 'args runtime names of 300 and 10000 characters: wrapper cannot be named, exit 1' '
  python3 -c "import json; print(json.dumps({\"runtimes\": {\"n\" * 300: {\"path\": \"/bin/true\", \"runtimeArgs\": [\"--x\"]}}}))" >long.json
  startup_fails h long.json "^failed to start daemon: open $PWD/h/data/runtimes/.tmp-n*.*: file name too long$"
  python3 -c "import json; print(json.dumps({\"runtimes\": {\"n\" * 10000: {\"path\": \"/bin/true\", \"runtimeArgs\": [\"--x\"]}}}))" >longer.json
  startup_fails i longer.json "^failed to start daemon: open $PWD/i/data/runtimes/.tmp-nnn"
'

test_done
