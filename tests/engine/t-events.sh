#!/usr/bin/env bash
# GET /events: live stream of the reload event, bad parameters, and streams
# ending promptly when the engine stops.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"

flags() { # $1 = sandbox dir
  mkdir -p "$1" && { [ -e "$1/daemon.json" ] || echo '{}' >"$1/daemon.json"; }
  echo --data-root "$1/data" --exec-root "$1/exec" -H "unix://$1/s.sock" --pidfile "$1/pid" --config-file "$1/daemon.json"
}

# wait_grep PATTERN FILE: poll FILE (10 s deadline) until it contains PATTERN.
wait_grep() {
  local i
  for ((i = 0; i < 2000 * RT_TIMEOUT_MULT; i++)); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.005; done
  echo "timeout waiting for $1 in $2"; cat "$2"; return 1
}

test_expect 'a live stream delivers the daemon reload event' '
  start_engine $(flags "$PWD/a")
  wait_socket "$PWD/a/s.sock" $ENGINE_PID
  curl -sN --unix-socket a/s.sock "http://localhost/events?filters=%7B%22type%22%3A%5B%22daemon%22%5D%7D" >ev.txt &
  curl_pid=$!
  # the subscription is in place once the engine counts a listener
  for ((i = 0; i < 2000 * RT_TIMEOUT_MULT; i++)); do
    curl -s --unix-socket a/s.sock http://localhost/info | grep -q "\"NEventsListener\":1" && break; sleep 0.005
  done
  echo "{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}" >a/daemon.json
  kill -HUP $ENGINE_PID
  wait_grep "\"Action\":\"reload\"" ev.txt
  grep -q "\"runtimes\":\"oci:runc\"" ev.txt
  grep -q "\"scope\":\"local\"" ev.txt
  kill $curl_pid; kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'bad since and bad filters are 400' '
  start_engine $(flags "$PWD/b")
  wait_socket "$PWD/b/s.sock" $ENGINE_PID
  [ "$(curl -s -o /dev/null -w "%{http_code}" --unix-socket b/s.sock "http://localhost/events?since=yesterday")" = 400 ]
  [ "$(curl -s -o /dev/null -w "%{http_code}" --unix-socket b/s.sock "http://localhost/events?filters=notjson")" = 400 ]
  kill -TERM $ENGINE_PID; wait $ENGINE_PID
'

test_expect 'SIGTERM ends open streams and the engine exits promptly' '
  start_engine $(flags "$PWD/c")
  wait_socket "$PWD/c/s.sock" $ENGINE_PID
  curl -sN --unix-socket c/s.sock http://localhost/events >/dev/null &
  c1=$!
  curl -sN --unix-socket c/s.sock "http://localhost/events?since=0" >/dev/null &
  c2=$!
  for ((i = 0; i < 2000 * RT_TIMEOUT_MULT; i++)); do
    curl -s --unix-socket c/s.sock http://localhost/info | grep -q "\"NEventsListener\":2" && break; sleep 0.005
  done
  kill -TERM $ENGINE_PID
  # well under the harness timeouts: the streams must not hold the stop
  for ((i = 0; i < 400 * RT_TIMEOUT_MULT; i++)); do kill -0 $ENGINE_PID 2>/dev/null || break; sleep 0.005; done
  ! kill -0 $ENGINE_PID 2>/dev/null
  wait $c1 $c2 || true
'

test_done
