#!/usr/bin/env bash
# Container output while the engine is down (issue 11 item 3): the fake
# shim keeps a read end of the container's stdout/stderr FIFOs, as the runc
# shim keeps its FIFOs open, so a container writing while nobody reads is
# not killed by SIGPIPE (it was: exit 141) and what it wrote reaches the
# json log once a live-restored engine reads the FIFOs again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/shimlib.sh"
export RTENGINED_SHIM_TIMEOUT_MS=5000

# poll_file PATH: no event tells us the container wrote; poll with a deadline.
poll_file() {
  local i
  for ((i = 0; i < 1000 * RT_TIMEOUT_MULT; i++)); do [ -e "$1" ] && return 0; sleep 0.01; done
  return 1
}

test_expect 'live-restore: a container writing while the engine is down lives on; its output is kept' '
  sandbox a; engine_up --live-restore; image
  go=$TRASH/go wrote=$TRASH/wrote
  id=$(create c1 "[\"/bin/sh\",\"-c\",\"echo before; while [ ! -e $go ]; do sleep 0.01; done; echo during; echo during-err >&2; touch $wrote; exec sleep 31011\"]")
  [ "$(code POST /containers/$id/start)" = 204 ]
  wait_state $id Running true
  engine_down
  touch $go
  poll_file $wrote
  [ -n "$(procs_with 31011)" ]               # alive after writing to FIFOs nobody reads
  engine_up --live-restore
  [ "$(state $id Running)" = true ]
  [ "$(code POST /containers/$id/stop?t=5)" = 204 ]
  [ "$(state $id ExitCode)" = 143 ]          # SIGTERM, not 141 (SIGPIPE)
  logs=$(api "http://x/containers/$id/logs?stdout=1&stderr=1" | tr -c "[:print:]\n" .)
  grep -q before <<<"$logs"
  grep -q during <<<"$logs"
  grep -q during-err <<<"$logs"
  [ -z "$(shim_pids)" ]
  engine_down
'

test_done
