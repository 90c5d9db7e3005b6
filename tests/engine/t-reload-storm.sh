#!/usr/bin/env bash
# A SIGHUP storm (issue 11): the engine paces back-to-back reloads
# (engine/reload_pace.c), yet every SIGHUP sent after the previous reload's
# event still gets its own reload and `daemon reload` event, and SIGTERM is
# answered while a reload is held.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"

N=${RT_STORM_RELOADS:-800} # well past the 50 ms CPU burst with 10 args runtimes

test_expect "$N back-to-back SIGHUPs: $N reloads and $N events, then a prompt SIGTERM" '
  mkdir -p s
  rts=""
  for i in 0 1 2 3 4 5 6 7 8 9; do rts="$rts${rts:+,}\"r$i\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"--root=/x/$i\"]}"; done
  echo "{\"runtimes\":{$rts}}" >s/daemon.json
  start_engine --data-root "$PWD/s/data" --exec-root "$PWD/s/exec" -H "unix://$PWD/s/s.sock" \
    --pidfile "$PWD/s/pid" --config-file "$PWD/s/daemon.json"
  wait_socket "$PWD/s/s.sock" $ENGINE_PID
  mkfifo ev
  curl -sN --unix-socket s/s.sock "http://localhost/events?filters=%7B%22event%22%3A%5B%22reload%22%5D%7D" >ev &
  curl_pid=$!
  exec 3<ev
  for ((i = 0; i < 2000 * RT_TIMEOUT_MULT; i++)); do
    curl -s --unix-socket s/s.sock http://localhost/info | grep -q "\"NEventsListener\":1" && break; sleep 0.005
  done
  t=$((30 * RT_TIMEOUT_MULT))
  for ((i = 1; i <= N; i++)); do
    kill -HUP $ENGINE_PID
    read -r -t $t line <&3 || { echo "no event for SIGHUP $i"; exit 1; }
    [[ $line == *"\"Action\":\"reload\""* ]] || { echo "SIGHUP $i: $line"; exit 1; }
  done
  [ "$(grep -c "Reloaded configuration" engine.log)" -eq $N ]
  curl -sf --unix-socket s/s.sock http://localhost/_ping >/dev/null
  kill -HUP $ENGINE_PID; kill -TERM $ENGINE_PID
  for ((i = 0; i < 400 * RT_TIMEOUT_MULT; i++)); do kill -0 $ENGINE_PID 2>/dev/null || break; sleep 0.005; done
  ! kill -0 $ENGINE_PID 2>/dev/null
  wait $ENGINE_PID
  grep -q "Processing signal .terminated." engine.log
  exec 3<&-
  wait $curl_pid || true
'

test_done
