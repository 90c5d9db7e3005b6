#!/usr/bin/env bash
# rtengined startup: flags, directories, socket, pidfile, bad input.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"

base_flags() { # $1 = sandbox dir
  # An explicitly given --config-file must exist (dockerd: open ...: no such file).
  mkdir -p "$1" && { [ -e "$1/daemon.json" ] || echo '{}' >"$1/daemon.json"; }
  echo --data-root "$1/data" --exec-root "$1/exec" -H "unix://$1/s.sock" --pidfile "$1/pid" --config-file "$1/daemon.json"
}

# gated_runtime DIR BEFORE AFTER: DIR/daemon.json with one runtime "slow"
# whose `features` probe runs the shell line BEFORE, blocks until someone
# opens the FIFO DIR/gate, then runs AFTER (other commands exit 0).
gated_runtime() {
  mkdir -p "$1" && mkfifo "$1/gate"
  printf "%s\n" "#!/bin/sh" "[ \"\$1\" = features ] || exit 0" "$2" "read go <\"$1/gate\"" "$3" >"$1/slow-runc"
  chmod +x "$1/slow-runc"
  echo "{\"runtimes\":{\"slow\":{\"path\":\"$1/slow-runc\"}}}" >"$1/daemon.json"
}

test_expect 'unknown flag: one clear line, usage hint, exit 1' '
  set +e; "$RTENGINED" --no-such-flag >out 2>err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -q "unknown flag: --no-such-flag" err
  grep -q "rtengined --help" err
  [ ! -s out ]
'

test_expect 'unwritable data-root: failed to start daemon, exit 1' '
  echo x >file
  set +e; "$RTENGINED" $(base_flags "$PWD/u") --data-root "$PWD/file/data" >out 2>err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -q "^failed to start daemon: mkdir $PWD/file/data: not a directory$" err
  [ ! -e "$PWD/u/s.sock" ]
'

test_expect 'starts, serves /_ping, socket 0660, pidfile; SIGTERM cleans up' '
  mkdir -p a
  start_engine $(base_flags "$PWD/a")
  wait_socket "$PWD/a/s.sock" $ENGINE_PID
  [ "$(curl -s --unix-socket a/s.sock http://localhost/_ping)" = OK ]
  [ "$(stat -c %a a/s.sock)" = 660 ]
  [ "$(stat -c %a a/data)" = 710 ]
  [ "$(cat a/pid)" = "$ENGINE_PID" ]
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
  [ ! -e a/s.sock ] && [ ! -e a/pid ]
'

test_expect 'socket in use by a live engine: refused, live engine untouched' '
  mkdir -p b c
  start_engine $(base_flags "$PWD/b")
  first=$ENGINE_PID
  wait_socket "$PWD/b/s.sock" $first
  set +e
  "$RTENGINED" $(base_flags "$PWD/c") -H "unix://$PWD/b/s.sock" >out 2>err; rc=$?
  set -e
  [ $rc -eq 1 ]
  grep -q "^failed to start daemon: socket $PWD/b/s.sock is in use by a running engine$" err
  curl -sf --unix-socket b/s.sock http://localhost/_ping >/dev/null
  kill -TERM $first; wait $first
'

test_expect 'stale socket from a dead engine is reused' '
  mkdir -p d
  start_engine $(base_flags "$PWD/d")
  pid=$ENGINE_PID
  wait_socket "$PWD/d/s.sock" $pid
  kill -9 $pid; wait $pid || true
  [ -S d/s.sock ]            # left behind by the dead engine
  start_engine $(base_flags "$PWD/d")
  wait_socket "$PWD/d/s.sock" $ENGINE_PID
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'pidfile naming a live process: refused' '
  mkdir -p e
  sleep 60 & holder=$!
  echo $holder >e/pid
  set +e; "$RTENGINED" $(base_flags "$PWD/e") >out 2>err; rc=$?; set -e
  kill $holder
  [ $rc -eq 1 ]
  grep -q "pid file found" err
'

test_expect 'socket path that is a symlink: refused' '
  mkdir -p f
  ln -s /tmp/elsewhere.sock f/s.sock
  set +e; "$RTENGINED" $(base_flags "$PWD/f") >out 2>err; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -q "is a symlink" err
'

test_expect 'API version prefix: /v1.45 ok, too old and too new are 400; wrong method 404 as dockerd 26' '
  mkdir -p g
  start_engine $(base_flags "$PWD/g")
  wait_socket "$PWD/g/s.sock" $ENGINE_PID
  [ "$(curl -s -o /dev/null -w %{http_code} --unix-socket g/s.sock http://localhost/v1.45/info)" = 200 ]
  curl -s --unix-socket g/s.sock http://localhost/v1.12/info >old
  grep -q "client version 1.12 is too old. Minimum supported API version is 1.24" old
  [ "$(curl -s -o /dev/null -w %{http_code} --unix-socket g/s.sock http://localhost/v1.99/info)" = 400 ]
  [ "$(curl -s -o /dev/null -w %{http_code} --unix-socket g/s.sock http://localhost/nope)" = 404 ]
  [ "$(curl -s -o /dev/null -w %{http_code} -X DELETE --unix-socket g/s.sock http://localhost/info)" = 404 ]
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'the features probe does not hold up readiness; /info waits for its answer' '
  # issue 11: startup probes in the background. The probe of "slow" blocks
  # on a FIFO until the test opens it, so /_ping must answer first.
  gated_runtime "$PWD/h" : "echo {\\\"ociVersionMin\\\":\\\"9.9.9-gate\\\"}"
  start_engine $(base_flags "$PWD/h")
  wait_socket "$PWD/h/s.sock" $ENGINE_PID
  curl -s --unix-socket h/s.sock http://localhost/v1.45/info >h/info & info=$!
  # the probe must still be waiting (an engine that probed before serving
  # has killed it at its time limit by now: nobody opens the FIFO)
  timeout 10 sh -c "echo go >h/gate"
  wait $info
  grep -q "9.9.9-gate" h/info
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'SIGTERM during a startup features probe: the engine exits and ends the probe' '
  # A probe blocked on a FIFO nobody opens: shutdown must kill it, not wait
  # out its time limit, and leave no `features` child behind. The probe
  # reports its pid through another FIFO (an event, not a poll).
  gated_runtime "$PWD/k" "echo \$\$ >\"$PWD/k/started\"" : && mkfifo k/started
  start_engine $(base_flags "$PWD/k")
  probe=$(timeout $(scaled 10) cat k/started) || true
  [ -n "$probe" ] || { echo "the features probe did not start"; exit 1; }
  kill -TERM $ENGINE_PID
  timeout $(scaled 5) tail --pid=$ENGINE_PID -s 0.05 -f /dev/null ||
    { echo "engine still running $(scaled 5) s after SIGTERM"; exit 1; }
  wait $ENGINE_PID
  if kill -0 "$probe" 2>/dev/null; then
    echo "probe $probe still there: $(cat /proc/$probe/status 2>/dev/null | grep -E "^(State|PPid)" | tr "\n" " ")"
    exit 1
  fi
'

test_expect 'a startup error after the probes began (unknown --group): no probe outlives the engine' '
  # The failure comes after the first snapshot, whose features probes run in
  # the background; the engine must end them before it exits. A probe that
  # began writes its pid to a file, then blocks on a FIFO nobody opens.
  gated_runtime "$PWD/g" "echo \$\$ >>\"$PWD/g/probes\"" :
  set +e; "$RTENGINED" $(base_flags "$PWD/g") --group no-such-group-rt >g/out 2>g/err; rc=$?; set -e
  [ $rc -eq 1 ] && grep -q "group no-such-group-rt not found" g/err
  # (no probe at all is right too: one cancelled before it began)
  for p in $(cat g/probes 2>/dev/null); do
    if kill -0 "$p" 2>/dev/null; then echo "probe $p outlived the engine"; kill -9 "$p"; exit 1; fi
  done
  echo "probes begun: $(wc -l <g/probes 2>/dev/null || echo 0)"
'

test_done
