#!/usr/bin/env bash
# Running tasks across an engine restart (issue 6 item 5, issue 12 item 4):
# with --live-restore the engine leaves shims running at shutdown and
# reconnects through the bundle's address file at startup (the container
# stays running, stop and exits work afterwards, its wrapper is kept);
# without it, and for tasks that died meanwhile, the exit is recorded.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/shimlib.sh"
# Bound every shim call so a regression fails fast instead of hanging.
export RTENGINED_SHIM_TIMEOUT_MS=5000

# run_sleeper TAG [EXTRA]: create c1 running `sleep TAG` (EXTRA: more create
# JSON members), start it and wait until it runs; sets id.
run_sleeper() {
  id=$(create c1 "[\"/bin/sleep\",\"$1\"]" ${2:+"$2"})
  [ "$(code POST /containers/$id/start)" = 204 ]
  wait_state $id Running true
}

# ended CODE TAG: container $id is stopped with exit CODE, and neither a shim
# nor its `sleep TAG` is left.
ended() {
  [ "$(state $id Running)" = false ]
  [ "$(state $id ExitCode)" = $1 ]
  [ -z "$(shim_pids)" ]
  [ -z "$(procs_with $2)" ]
}

test_expect 'live-restore: a running container survives a restart and stop works afterwards' '
  sandbox a; engine_up --live-restore; image
  run_sleeper 31001
  pid=$(state $id Pid)
  engine_down
  [ -n "$(shim_pids)" ]                      # left running
  kill -0 $pid                               # and so is the container
  engine_up --live-restore
  [ "$(state $id Running)" = true ]
  [ "$(state $id Pid)" = "$pid" ]
  grep -q "reconnected to the shim of $id" $TRASH/engine.log
  [ "$(code POST /containers/$id/stop?t=5)" = 204 ]
  ended 143 31001                            # SIGTERM reached it over the restored connection
  ! kill -0 $pid 2>/dev/null
  engine_down
'

test_expect 'live-restore: an exit after the restart is observed (TaskExit)' '
  sandbox b; engine_up --live-restore; image
  run_sleeper 31002
  pid=$(state $id Pid)
  engine_down
  engine_up --live-restore
  [ "$(state $id Running)" = true ]
  kill -9 $pid
  wait_state $id Running false
  [ "$(state $id ExitCode)" = 137 ]
  # no event reports a shim process gone: poll it with a deadline
  for ((i = 0; i < 2000 * RT_TIMEOUT_MULT; i++)); do [ -z "$(shim_pids)" ] && break; sleep 0.005; done
  [ -z "$(shim_pids)" ]
  engine_down
'

test_expect 'live-restore: a task that exited while the engine was down is recorded at startup' '
  sandbox c; engine_up --live-restore; image
  run_sleeper 31003
  pid=$(state $id Pid)
  fin0=$(state $id FinishedAt)
  engine_down
  kill -9 $pid
  engine_up --live-restore
  [ "$(state $id Running)" = false ]
  [ "$(state $id ExitCode)" = 137 ]
  [ "$(state $id FinishedAt)" != "$fin0" ]
  [ -z "$(shim_pids)" ]
  [ ! -e exec/containerd/$id ] && [ ! -e $D/exec/containerd/$id ]
  engine_down
'

test_expect 'live-restore: a shim killed while the engine was down is cleaned up, exit recorded' '
  sandbox d; engine_up --live-restore; image
  run_sleeper 31004
  engine_down
  for p in $(shim_pids); do kill -9 $p; done
  engine_up --live-restore
  [ "$(state $id Running)" = false ]
  [ "$(state $id ExitCode)" = 137 ]          # the delete action killed the orphaned task
  [ -z "$(procs_with 31004)" ]
  [ ! -e $D/exec/containerd/$id ]
  engine_down
'

test_expect 'live-restore: the wrapper of a live container survives a restart with changed args' '
  sandbox e
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}" >$D/daemon.json
  engine_up --live-restore; image
  run_sleeper 31005 "\"HostConfig\":{\"Runtime\":\"wr\"}"
  old=$(ls $D/data/runtimes/)
  [ -n "$old" ]
  engine_down
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug=true\"]}}}" >$D/daemon.json
  engine_up --live-restore
  [ -x "$D/data/runtimes/$old" ]             # kept for the live task
  [ "$(ls $D/data/runtimes/ | wc -l)" = 2 ]  # beside the new one
  [ "$(code POST /containers/$id/stop?t=5)" = 204 ]
  [ "$(state $id ExitCode)" = 143 ]
  engine_down
'

test_expect 'no live-restore: SIGTERM stops running containers, exit recorded' '
  sandbox f; engine_up; image
  run_sleeper 31006
  engine_down
  [ -z "$(shim_pids)" ]
  [ -z "$(procs_with 31006)" ]
  engine_up
  [ "$(state $id Running)" = false ]
  [ "$(state $id ExitCode)" = 143 ]
  engine_down
'

test_expect 'no live-restore: after kill -9 of the engine, startup kills and cleans up the task' '
  sandbox g; engine_up; image
  run_sleeper 31007
  kill -9 $ENGINE_PID; wait $ENGINE_PID || true
  [ -n "$(shim_pids)" ]
  engine_up
  ended 137 31007
  [ "$(state $id FinishedAt)" != "\"0001-01-01T00:00:00Z\"" ]
  [ ! -e $D/exec/containerd/$id ]
  engine_down
'

test_expect 'live-restore turned off across a restart: the task is killed and cleaned up' '
  sandbox h; engine_up --live-restore; image
  run_sleeper 31008
  engine_down
  engine_up
  ended 137 31008
  engine_down
'

test_expect 'live-restore turned off with an args runtime: the old wrapper still kills the task' '
  sandbox i
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--gen-1\"]}}}" >$D/daemon.json
  engine_up --live-restore; image
  run_sleeper 31009 "\"HostConfig\":{\"Runtime\":\"wr\"}"
  engine_down
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--gen-2\"]}}}" >$D/daemon.json
  engine_up
  ended 137 31009
  engine_down
'

test_done
