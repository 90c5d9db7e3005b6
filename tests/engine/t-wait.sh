#!/usr/bin/env bash
# POST /containers/{id}/wait conditions as dockerd documents them (Engine
# API, ContainerWait): not-running (default) returns at once for a container
# that is not running, next-exit waits for the next exit even of a stopped
# container, removed waits until the container is gone (AutoRemove too);
# StatusCode is the exit code.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/shimlib.sh"
export RTENGINED_SHIM_TIMEOUT_MS=5000

sandbox w; engine_up; image

# bg_wait ID COND OUT: POST /wait in the background (WPID); returns once
# the engine has registered it (it sends the 200 headers right after).
bg_wait() {
  curl -s -D "$3.hdr" --unix-socket "$D/s.sock" -X POST "http://x/containers/$1/wait${2:+?condition=$2}" >"$3" &
  WPID=$!
  within 10 grep -q "^HTTP/1.1 200" "$3.hdr"
}
pending() { kill -0 $WPID 2>/dev/null; }

test_expect 'not-running on a created container returns at once with 0' '
  id=$(create c1 "[\"/bin/sleep\",\"33001\"]")
  out=$(curl -s --max-time "$(scaled 5)" --unix-socket $D/s.sock -X POST "http://x/containers/$id/wait")
  echo "got: $out"
  echo "$out" | grep -q "\"StatusCode\":0[,}]"
'

test_expect 'not-running (default) on a running container returns its exit code after stop' '
  id=$(create c2 "[\"/bin/sleep\",\"33002\"]")
  [ "$(code POST /containers/$id/start)" = 204 ]
  bg_wait $id "" out
  [ "$(code POST /containers/$id/stop?t=5)" = 204 ]
  wait $WPID
  grep -q "\"StatusCode\":143[,}]" out
'

test_expect 'next-exit on a stopped container waits for the next run to exit' '
  id=$(create c3 "[\"/bin/sleep\",\"33003\"]")
  bg_wait $id next-exit out
  [ "$(code POST /containers/$id/start)" = 204 ]
  pending
  [ "$(code POST /containers/$id/kill)" = 204 ]
  wait $WPID
  grep -q "\"StatusCode\":137[,}]" out
'

test_expect 'removed on a stopped container waits past an exit, until DELETE' '
  id=$(create c4 "[\"/bin/sleep\",\"33004\"]")
  bg_wait $id removed out
  [ "$(code POST /containers/$id/start)" = 204 ]
  [ "$(code POST /containers/$id/stop?t=5)" = 204 ]
  pending                                   # an exit is not a removal
  [ "$(code DELETE /containers/$id)" = 204 ]
  wait $WPID
  grep -q "\"StatusCode\":143[,}]" out
'

test_expect 'removed with AutoRemove: returns once the exited container is gone' '
  id=$(create c5 "[\"/bin/sleep\",\"33005\"]" "\"HostConfig\":{\"AutoRemove\":true}")
  [ "$(code POST /containers/$id/start)" = 204 ]
  bg_wait $id removed out
  [ "$(code POST /containers/$id/kill)" = 204 ]
  wait $WPID
  grep -q "\"StatusCode\":137[,}]" out
  [ "$(code GET /containers/$id/json)" = 404 ]
'

test_expect 'an unknown condition is 400, an unknown container 404' '
  id=$(create c6 "[\"/bin/true\"]")
  [ "$(code POST "/containers/$id/wait?condition=bogus")" = 400 ]
  [ "$(code POST /containers/nosuchcontainer/wait)" = 404 ]
'

test_expect 'SIGTERM releases pending waits and the engine exits' '
  id=$(create c7 "[\"/bin/true\"]")
  bg_wait $id next-exit out
  kill -TERM $ENGINE_PID
  gone() { ! kill -0 $ENGINE_PID 2>/dev/null; }
  within 20 gone
  wait $WPID || true
'
wait $ENGINE_PID 2>/dev/null

test_done
