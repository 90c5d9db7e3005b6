#!/usr/bin/env bash
# rtengined driving containerd's REAL runc shim and real runc (shim spec §9
# "For (b)"): start, output, exit code, stop, bundle cleanup, shutdown.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (real runc)"
for b in curl containerd-shim-runc-v2 runc busybox; do
  command -v "$b" >/dev/null || skip_all "$b is not installed"
done

# On any exit: SIGTERM first (the engine stops its containers and shims),
# then tests/lib.sh's cleanup; also kill what runc still lists.
real_cleanup() {
  if [[ -n "${ENGINE_PID:-}" ]] && kill -TERM "$ENGINE_PID" 2>/dev/null; then
    for _ in $(seq $(scaled 100)); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  local r="$TRASH/exec/runtime-runc/rtengined" id
  if [[ -d "$r" ]]; then
    for id in $(runc --root "$r" list -q 2>/dev/null); do runc --root "$r" delete -f "$id" 2>/dev/null; done
  fi
  cleanup
}
trap real_cleanup EXIT

api() { curl -s --unix-socket "$TRASH/s.sock" "$@"; }

setup() {
  mkdir -p img/bin && cp "$(command -v busybox)" img/bin/busybox && ln -sf busybox img/bin/sh
  tar -C img -cf img.tar .
  echo '{}' >daemon.json
  start_engine --data-root "$TRASH/data" --exec-root "$TRASH/exec" -H "unix://$TRASH/s.sock" \
    --pidfile "$TRASH/pid" --config-file "$TRASH/daemon.json"
  for _ in $(seq $(scaled 100)); do api http://x/_ping >/dev/null 2>&1 && break; sleep 0.1; done
  api -X POST --data-binary @img.tar "http://x/images/create?fromSrc=-&repo=bb&tag=1" | grep -q sha256
}

create() { # $1 name, $2 script
  api -X POST -H 'Content-Type: application/json' \
    -d "{\"Image\":\"bb:1\",\"Cmd\":[\"/bin/sh\",\"-c\",\"$2\"],\"Env\":[\"PATH=/bin\"]}" \
    "http://x/containers/create?name=$1" | grep -q '"Id"'
}

cd "$TRASH" && setup || { echo "# engine setup failed"; cat "$TRASH/engine.log"; exit 1; }

test_expect 'real shim: runs, output logged, exit code via wait, bundle removed' '
  create c1 "echo real-out; exit 6"
  [ "$(api -X POST -o /dev/null -w "%{http_code}" http://x/containers/c1/start)" = 204 ]
  [ "$(api -X POST http://x/containers/c1/wait)" = "{\"StatusCode\":6}" ]
  grep -q "real-out" data/containers/*/*-json.log
  [ -z "$(ls exec/containerd)" ]
'

test_expect 'real shim: exec (Exec + Start with the exec id) streams output, exit code' '
  create c3 "while :; do sleep 0.1; done"
  [ "$(api -X POST -o /dev/null -w "%{http_code}" http://x/containers/c3/start)" = 204 ]
  eid=$(api -X POST -H "Content-Type: application/json" \
    -d "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo in-exec; exit 4\"],\"AttachStdout\":true}" \
    http://x/containers/c3/exec | sed -n "s/.*\"Id\":\"\([0-9a-f]*\)\".*/\1/p")
  [ -n "$eid" ]
  api -X POST -H "Content-Type: application/json" -d "{\"Detach\":false}" "http://x/exec/$eid/start" >exec.out
  grep -aq in-exec exec.out
  api "http://x/exec/$eid/json" | grep -q "\"ExitCode\":4"
  [ "$(api -X POST -o /dev/null -w "%{http_code}" "http://x/containers/c3/kill")" = 204 ]
  [ "$(api -X POST http://x/containers/c3/wait)" = "{\"StatusCode\":137}" ]
'

test_expect 'real shim: stop delivers SIGTERM; engine shutdown stops the rest' '
  create c2 "trap \\\"exit 3\\\" TERM; while :; do sleep 0.1; done"
  [ "$(api -X POST -o /dev/null -w "%{http_code}" http://x/containers/c2/start)" = 204 ]
  [ "$(api -X POST -o /dev/null -w "%{http_code}" "http://x/containers/c2/stop?t=5")" = 204 ]
  api http://x/containers/c2/json | grep -q "\"ExitCode\":3"
  [ "$(api -X POST -o /dev/null -w "%{http_code}" http://x/containers/c2/start)" = 204 ]
  kill -TERM "$ENGINE_PID"
  for _ in $(seq $(scaled 100)); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$ENGINE_PID" 2>/dev/null
  [ -z "$(runc --root "$TRASH/exec/runtime-runc/rtengined" list -q)" ]
'

test_done
