#!/usr/bin/env bash
# rtengined file permissions (issue 12 item 7): API socket 0660 with a
# configurable group, data-root 0710, runtimes dir and wrappers 0700,
# nothing world-writable, and sockets it must not take over.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed (makes a foreign socket)"

api() { curl -s --unix-socket "$TRASH/$1/s.sock" "${@:2}"; }

start_in() { # $1 dir, rest: extra flags
  local d=$TRASH/$1
  mkdir -p "$d"
  [ -e "$d/daemon.json" ] || echo '{}' >"$d/daemon.json"
  start_engine --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/s.sock" \
    --pidfile "$d/pid" --config-file "$d/daemon.json" "${@:2}"
  wait_socket "$d/s.sock" "$ENGINE_PID"
}

stop_engine() { kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"; }

# A group this user may hand the socket to: its own primary group.
GROUP=$(id -gn)

test_expect 'socket is 0660 and belongs to the --group given' '
  start_in a --group "$GROUP"
  [ "$(stat -c %a a/s.sock)" = 660 ]
  [ "$(stat -c %G a/s.sock)" = "$GROUP" ]
  stop_engine
'

test_expect 'an unknown --group is a startup error naming the group' '
  mkdir -p b && echo "{}" >b/daemon.json
  set +e
  "$RTENGINED" --data-root "$PWD/b/data" --exec-root "$PWD/b/exec" -H "unix://$PWD/b/s.sock" \
    --pidfile "$PWD/b/pid" --config-file "$PWD/b/daemon.json" --group no-such-group-rt >out 2>err
  rc=$?
  set -e
  [ $rc -eq 1 ]
  grep -q "group no-such-group-rt not found" err
  [ ! -e b/s.sock ]
'

test_expect 'data-root 0710, runtimes dir and wrappers 0700, container dirs 0700' '
  mkdir -p c
  printf "%s" "{\"runtimes\":{\"argsrt\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"--debug\"]}}}" >c/daemon.json
  start_in c
  [ "$(stat -c %a c/data)" = 710 ]
  [ "$(stat -c %a c/exec)" = 700 ]
  [ "$(stat -c %a c/data/runtimes)" = 700 ]
  n=0
  for w in c/data/runtimes/*; do [ "$(stat -c %a "$w")" = 700 ]; n=$((n + 1)); done
  [ $n -ge 1 ]
  mkdir -p img/bin && cp /bin/true img/bin/true && tar -C img -cf img.tar .
  api c -X POST --data-binary @img.tar "http://x/images/create?fromSrc=-&repo=p&tag=1" | grep -q sha256
  api c -X POST -H "Content-Type: application/json" -d "{\"Image\":\"p:1\",\"Cmd\":[\"/bin/true\"]}" \
    "http://x/containers/create?name=p1" | grep -q "\"Id\""
  for d in c/data/containers/*/; do [ "$(stat -c %a "$d")" = 700 ]; done
  stop_engine
'

test_expect 'nothing under data-root or exec-root is world-writable' '
  [ -d c/data ]
  found=$(find c/data c/exec -perm -o+w ! -type l 2>/dev/null)
  [ -z "$found" ] || { echo "world-writable: $found"; false; }
'

FOREIGN='a socket owned by another user at the path is refused, not taken over'
if [ "$(id -u)" != 0 ]; then test_skip "$FOREIGN" "needs root to own a socket as another uid"; else
test_expect "$FOREIGN" '
  mkdir -p e && echo "{}" >e/daemon.json
  python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$PWD/e/s.sock"
  chown 65534 e/s.sock
  set +e
  "$RTENGINED" --data-root "$PWD/e/data" --exec-root "$PWD/e/exec" -H "unix://$PWD/e/s.sock" \
    --pidfile "$PWD/e/pid" --config-file "$PWD/e/daemon.json" >out 2>err
  rc=$?
  set -e
  [ $rc -eq 1 ]
  grep -q "refusing to use $PWD/e/s.sock: it is owned by uid 65534" err
  [ "$(stat -c %u e/s.sock)" = 65534 ]
'
fi

test_done
