#!/usr/bin/env bash
# Shim and runtime faults (issue 12 item 5): each has a defined outcome and
# leaves no process or engine fd behind. A hung shim fails its start within
# the call time limit while the API keeps serving other containers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/shimlib.sh"
TMO=3000 # the engine's cap on shim calls here (RTENGINED_SHIM_TIMEOUT_MS)
export RTENGINED_SHIM_TIMEOUT_MS=$TMO
TMO=$((TMO * RTENGINED_TIMEOUT_MULT)) # the cap in effect: the engine scales it (lib.sh)

FP=io.containerd.runtime.v2.shim.failpoint.
GB=io.rtconform.fakeshim.garbage.
RFP=io.rtconform.fakerunc.failpoint.
ann() { echo "\"HostConfig\":{\"Annotations\":{\"$1\":\"$2\"}}"; }
msg() { api "http://x/containers/$1/json" | sed -n 's/.*"State":{.*"Error":"\([^"]*\)".*/\1/p'; }

# One engine for every case; a warm-up container first so that lazily
# opened fds are in the baseline.
sandbox f; engine_up; image
w=$(create warm "[\"/bin/true\"]")
[ "$(code POST /containers/$w/start)" = 204 ] || echo "warm-up start failed"
api -X POST "http://x/containers/$w/wait" >/dev/null
FD0=$(fd_count $ENGINE_PID)

# no_leaks MARKER: no shim of this sandbox and no process with MARKER, and
# the engine's fd count is back to the baseline (polled: connection
# threads close their fds after the shim has gone).
no_leaks() {
  leak_free() { [ -z "$(shim_pids)" ] && [ -z "$(procs_with "$1")" ] && [ "$(fd_count $ENGINE_PID)" -le "$FD0" ]; }
  within 10 leak_free "$1" && return 0
  echo "leaks: shims=[$(shim_pids)] procs=[$(procs_with "$1")] fds $(fd_count $ENGINE_PID) > $FD0"
  ls -l /proc/$ENGINE_PID/fd; return 1
}

# start_fails NAME CMD-MARKER ANNOTATION VALUE PATTERN: start answers 500,
# ExitCode 128, State.Error matches PATTERN, nothing leaks.
start_fails() {
  local id
  id=$(create "$1" "[\"/bin/sleep\",\"$2\"]" "$(ann "$3" "$4")")
  [ "$(code POST /containers/$id/start)" = 500 ]
  [ "$(state $id Running)" = false ]
  [ "$(state $id ExitCode)" = 128 ]
  msg $id | grep -q -- "$5" || { echo "State.Error: $(msg $id)"; return 1; }
  no_leaks "$2"
}

test_expect 'hung shim (Create hangs): start fails within the limit, the API serves others meanwhile' '
  id=$(create hung "[\"/bin/sleep\",\"32001\"]" "$(ann ${FP}Create "1*hang")")
  other=$(create other "[\"/bin/sleep\",\"32002\"]")
  t0=$(date +%s%N)
  code POST /containers/$id/start >hung.code &
  hung=$!
  # the engine is in Create once the shim has written its address
  within 10 test -e $D/exec/containerd/$id/address
  [ "$(curl -s --max-time "$(scaled 2)" --unix-socket $D/s.sock http://x/_ping)" = OK ]
  [ "$(code POST /containers/$other/start)" = 204 ]
  [ "$(code GET /containers/json)" = 200 ]
  kill -0 $hung                             # still waiting on its Create
  wait $hung
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$(cat hung.code)" = 500 ]
  [ $ms -lt $((TMO + 5000 * RT_TIMEOUT_MULT)) ] || { echo "took $ms ms"; false; }
  [ "$(state $id ExitCode)" = 128 ]
  msg $id | grep -q "failed to create task for container: failed to create shim task: Create: no reply from the shim within $TMO ms: context deadline exceeded"
  [ "$(state $other Running)" = true ]
  [ "$(code POST /containers/$other/stop?t=5)" = 204 ]
  no_leaks 3200[12]
'

test_expect 'shim crashes mid-Create (panic): 500 "ttrpc: closed", ExitCode 128, nothing leaks' '
  start_fails crash1 32011 ${FP}Create "1*panic(boom)" "failed to create shim task: ttrpc: closed"
'

test_expect 'shim exits mid-Create (exit 3): same outcome' '
  start_fails crash2 32012 ${FP}Create "1*exit(3)" "failed to create shim task: ttrpc: closed"
'

test_expect 'shim crashes in Start: 500, the created task is cleaned up' '
  start_fails crash3 32013 ${FP}Start "1*panic(boom)" "ttrpc: closed"
'

test_expect 'garbage frame (not protobuf) for Create: 500 naming the decode failure' '
  start_fails gb1 32021 ${GB}Create frame "failed to create shim task: ttrpc: cannot decode response"
'

test_expect 'garbage frame of an unknown type for Create: 500' '
  start_fails gb2 32022 ${GB}Create type "failed to create shim task: ttrpc: unexpected frame type 7"
'

test_expect 'garbage header announcing 4 GiB: the call times out, the shim is killed' '
  start_fails gb3 32023 ${GB}Create hugelen "Create: no reply from the shim within $TMO ms: context deadline exceeded"
'

test_expect 'garbage answer to Start: 500, cleaned up' '
  start_fails gb4 32024 ${GB}Start frame "ttrpc: cannot decode"
'

test_expect 'shim `start` action hangs: start fails within the limit' '
  start_fails st1 32031 ${FP}@start "1*hang" "no reply from the shim.s start action within $TMO ms"
'

test_expect 'shim `start` action fails: its output and exit status are reported' '
  start_fails st2 32032 ${FP}@start "1*error(no-start)" "failed to start shim: start failed: .*no-start.*: exit status 1"
'

test_expect 'shim dies without TaskExit: the exit is recorded from the delete action (137)' '
  id=$(create noexit "[\"/bin/sleep\",\"32041\"]")
  [ "$(code POST /containers/$id/start)" = 204 ]
  wait_state $id Running true
  for p in $(shim_pids); do kill -9 $p; done
  wait_state $id Running false
  [ "$(state $id ExitCode)" = 137 ]
  no_leaks 32041
'

test_expect 'fakerunc create fails: 500 with the runtime error, ExitCode 128' '
  start_fails rc1 32051 ${RFP}create "1*error(rc-create-broke)" "OCI runtime create failed.*rc-create-broke"
'

test_expect 'fakerunc start fails: 500, the created process is gone' '
  start_fails rc2 32052 ${RFP}start "1*error(rc-start-broke)" "rc-start-broke"
'

test_expect 'fakerunc kill fails once: stop answers 500 and the container runs on; the next stop works' '
  id=$(create rc3 "[\"/bin/sleep\",\"32053\"]" "$(ann ${RFP}kill "1*error(rc-kill-broke)")")
  [ "$(code POST /containers/$id/start)" = 204 ]
  api -X POST "http://x/containers/$id/stop?t=1" >out
  grep -q "rc-kill-broke" out
  [ "$(state $id Running)" = true ]
  [ "$(code POST /containers/$id/stop?t=1)" = 204 ]
  [ "$(state $id Running)" = false ]
  no_leaks 32053
'

test_expect 'fakerunc delete fails once: the exit is still recorded and the shim goes' '
  id=$(create rc4 "[\"/bin/sleep\",\"32054\"]" "$(ann ${RFP}delete "1*error(rc-delete-broke)")")
  [ "$(code POST /containers/$id/start)" = 204 ]
  [ "$(code POST /containers/$id/stop?t=5)" = 204 ]
  [ "$(state $id ExitCode)" = 143 ]
  no_leaks 32054
'

test_expect 'the engine shuts down cleanly after all that' '
  kill -TERM $ENGINE_PID   # not our child here: poll for its exit
  gone() { ! kill -0 $ENGINE_PID 2>/dev/null; }
  within 20 gone
  [ -z "$(shim_pids)" ]
'
wait $ENGINE_PID 2>/dev/null

test_done
