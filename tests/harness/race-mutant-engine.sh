#!/bin/bash
# A mutant engine for t-race.sh: rtengined, but every SIGHUP first MUTATEs
# the wrapper scripts (delete: remove them all; rewrite: change their
# content), as dockerd before v25 effectively did (engine spec §3.2, §4.2),
# so the race suite must FAIL on it. Usage: MODE ENGINE ENGINE-ARGS...
mode=$1 engine=$2
shift 2
data=
prev=
for a in "$@"; do [[ $prev == --data-root ]] && data=$a; prev=$a; done
child=
mutate() {
  local f
  for f in "$data"/runtimes/*; do
    [[ -f $f ]] || continue
    if [[ $mode == delete ]]; then rm -f "$f"; else printf '#!/bin/sh\nrunc --rtrace-mutant $@\n' >"$f"; fi
  done
  kill -HUP "$child"
}
# Traps first: a SIGHUP can come as soon as the engine answers.
trap mutate HUP
trap 'kill -TERM "$child"' TERM INT
"$engine" "$@" &
child=$!
while kill -0 "$child" 2>/dev/null; do wait "$child"; done
wait "$child"
