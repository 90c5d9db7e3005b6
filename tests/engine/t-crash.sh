#!/usr/bin/env bash
# Crash consistency (issue 12 item 4): kill -9 rtengined at a random moment
# while a random workload creates, starts, stops, kills and removes
# containers and reloads the runtimes; restart it (live-restore on or off at
# random) and check crash_check.py's invariants: no committed container
# lost, no deleted one back, no torn JSON under data-root, no half-removed
# container or removal tombstone left (docs/durability.md), the runtimes dir
# rebuilt, running tasks reconnected (live-restore) or cleaned up with their
# exit recorded, one shim per running container. After the last round a
# clean shutdown leaves no shim and no container process.
#   RT_CRASH_ITERS  rounds (default 20; `make check-crash` runs 200)
#   RT_CRASH_SEED   seed (default: random; printed for replay)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/shimlib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed (crash_check.py)"
CHECK="$(cd "$(dirname "$0")" && pwd)/crash_check.py"
ITERS=${RT_CRASH_ITERS:-20}
SEED=${RT_CRASH_SEED:-$(( $(date +%s%N) % 1000000 ))}
echo "# seed=$SEED iterations=$ITERS (replay: RT_CRASH_SEED=$SEED RT_CRASH_ITERS=$ITERS)"
RANDOM=$SEED
export RTENGINED_SHIM_TIMEOUT_MS=3000
MARK=3490 # container commands: sleep 3490NNN

sandbox c; image_done=0
# daemon.json written atomically: the workload is killed at random moments
config() {
  echo "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--crash-gen-$1\"]}}}" >"$D/daemon.json.tmp"
  mv "$D/daemon.json.tmp" "$D/daemon.json"
}
# the args generation daemon.json holds now
gen() { sed -n 's/.*"--crash-gen-\([AB]\)".*/\1/p' "$D/daemon.json"; }
config A

# The workload: random operations until killed. Records what the engine
# acknowledged (committed / deleted) and what it was asked (deleting).
workload() {
  RANDOM=$1
  local op id ids=() rt out
  # the live ids, once per round (kept in memory after that)
  [ -e "$D/committed" ] && mapfile -t ids < <(sort -u "$D/committed" | grep -vxF -f <(cat "$D/deleting" 2>/dev/null; echo x))
  while :; do
    id=${ids[$((RANDOM % (${#ids[@]} + 1)))]:-}
    op=$((RANDOM % 10))
    [ ${#ids[@]} -gt 12 ] && [ $op -lt 3 ] && op=8 # keep the set small: remove
    case $op in
      0 | 1 | 2)
        rt=""; [ $((RANDOM % 2)) = 0 ] && rt=",\"HostConfig\":{\"Runtime\":\"wr\"}"
        out=$(api -X POST -H 'Content-Type: application/json' \
          -d "{\"Image\":\"img:1\",\"Cmd\":[\"/bin/sleep\",\"$MARK$((RANDOM % 1000))\"],\"Env\":[\"$(sandbox_env)\"]$rt}" "http://x/containers/create")
        id=$(echo "$out" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
        [ -n "$id" ] && echo "$id" >>"$D/committed" && ids+=("$id") ;;
      3 | 4 | 5) [ -n "$id" ] && code POST "/containers/$id/start" >/dev/null ;;
      6) [ -n "$id" ] && code POST "/containers/$id/stop?t=1" >/dev/null ;;
      7) [ -n "$id" ] && code POST "/containers/$id/kill" >/dev/null ;;
      8)
        if [ -n "$id" ]; then
          echo "$id" >>"$D/deleting"
          ids=("${ids[@]/$id/}")
          [ "$(code DELETE "/containers/$id?force=1")" = 204 ] && echo "$id" >>"$D/deleted"
        fi ;;
      9) # reload with the other args generation
        if [ "$(gen)" = A ]; then config B; else config A; fi
        kill -HUP "$2" ;;
    esac
  done
}

live_flag() { [ "$1" = 1 ] && echo --live-restore; }
LIVE=$((RANDOM % 2))
engine_up $(live_flag $LIVE)
image || echo "# image import failed"
t_start=$SECONDS
for ((it = 1; it <= ITERS; it++)); do
  wseed=$RANDOM
  # In a process group of its own, so that the whole workload, a curl it
  # has just forked included, goes before the engine comes back: a request
  # sent after the restart would be a new operation (a start on the new
  # engine then looks like a container left running).
  set -m
  workload $wseed $ENGINE_PID >/dev/null 2>&1 &
  WL=$!
  set +m
  # a random moment 0.2-2 s into the workload (the point is the timing)
  ms=$((200 + RANDOM % 1800))
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  kill -9 $ENGINE_PID; wait $ENGINE_PID 2>/dev/null
  kill -KILL -- -$WL; wait $WL 2>/dev/null
  LIVE=$((RANDOM % 2))
  engine_up $(live_flag $LIVE) || { echo "# engine did not come back"; tail -20 "$TRASH/engine.log"; }
  test_expect "round $it (live-restore=$LIVE, workload seed $wseed): invariants hold" '
    rc=0
    python3 "$CHECK" "$D" $LIVE "--crash-gen-$(gen)" $(shim_pids) >"$D/check.out" || rc=$?
    cp "$D/check.out" "$D/check.out.$it"
    cat "$D/check.out"; exit $rc
  '
  echo "# $(tail -1 "$D/check.out")"
done
echo "# $ITERS rounds in $((SECONDS - t_start)) s"
# The final shutdown must stop everything: without live-restore (a
# live-restore shutdown leaves running tasks by design).
engine_down
engine_up

test_expect 'clean shutdown after the last round: no shim and no container process left' '
  kill -TERM $ENGINE_PID
  gone() { ! kill -0 $ENGINE_PID 2>/dev/null; }
  within 30 gone
  [ -z "$(shim_pids)" ] || { echo "shims: $(shim_pids)"; false; }
  [ -z "$(procs_with "sleep $MARK")" ] || { echo "procs: $(procs_with "sleep $MARK")"; false; }
'
wait $ENGINE_PID 2>/dev/null
test_done
