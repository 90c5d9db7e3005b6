# tests/engine/shimlib.sh — sourced after lib.sh by the tests that run
# containers on rtengined with the fake shims: a sandbox dir holding the shim
# names and fakerunc as `runc`, an engine on it, the API, an image.
command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$LIBEXEC/containerd-shim-rtfake-v2" ] && [ -x "$LIBEXEC/fakerunc" ] || skip_all "fake shims are not built"

# sandbox NAME: $TRASH/NAME with bin/ (shims + runc) and daemon.json; sets D.
sandbox() {
  D=$TRASH/$1
  mkdir -p "$D/bin"
  local n
  for n in containerd-shim-rtfake-v2 containerd-shim-runc-v2 containerd-shim-runc-alias-v2; do
    ln -sf "$LIBEXEC/containerd-shim-rtfake-v2" "$D/bin/$n"
  done
  ln -sf "$LIBEXEC/fakerunc" "$D/bin/runc"
  [ -e "$D/daemon.json" ] || echo '{}' >"$D/daemon.json"
}

# engine_up [FLAGS...]: start rtengined on $D (ENGINE_PID), wait for /_ping.
engine_up() {
  PATH="$D/bin:$PATH" RTCONFORM_JOURNAL="$D/journal.jsonl" start_engine \
    --data-root "$D/data" --exec-root "$D/exec" -H "unix://$D/s.sock" --pidfile "$D/pid" \
    --config-file "$D/daemon.json" --shim-path "$D/bin" "$@"
  wait_socket "$D/s.sock" "$ENGINE_PID"
}

# engine_down: SIGTERM and wait; fails if the engine exits non-zero.
engine_down() { kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"; }

api() { curl -s --unix-socket "$D/s.sock" "$@"; }
# code METHOD PATH [curl args]: the HTTP status only.
code() { curl -s -o /dev/null -w '%{http_code}' --unix-socket "$D/s.sock" -X "$1" "http://x$2" "${@:3}"; }

# image: import a tiny rootfs as img:1 (fakerunc runs host binaries anyway).
image() {
  mkdir -p "$TRASH/rootfs/bin" && cp /bin/true "$TRASH/rootfs/bin/true"
  [ -e "$TRASH/img.tar" ] || tar -C "$TRASH/rootfs" -cf "$TRASH/img.tar" .
  api -X POST --data-binary @"$TRASH/img.tar" "http://x/images/create?fromSrc=-&repo=img&tag=1" | grep -q sha256
}

# create NAME JSON-EXTRA: create a container running CMD (JSON array) with
# optional extra top-level JSON members; prints the id.
create() {
  local name=$1 cmd=$2 extra=${3:-}
  api -X POST -H 'Content-Type: application/json' \
    -d "{\"Image\":\"img:1\",\"Cmd\":$cmd,\"Env\":[\"$(sandbox_env)\"]${extra:+,$extra}}" "http://x/containers/create?name=$name" |
    sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p'
}

# state ID FIELD: one field of State from inspect (true/false/number/"str").
state() { api "http://x/containers/$1/json" | sed -n "s/.*\"State\":{[^}]*\"$2\":\([^,}]*\).*/\1/p"; }

# wait_state ID FIELD VALUE: poll inspect (10 s deadline, scaled) until State.FIELD is VALUE.
wait_state() {
  local i
  for ((i = 0; i < 2000 * RT_TIMEOUT_MULT; i++)); do [ "$(state "$1" "$2")" = "$3" ] && return 0; sleep 0.005; done
  echo "timeout: State.$2 of $1 is $(state "$1" "$2"), want $3"; return 1
}

# shim_pids: pids of fake shim daemons started from sandbox $D (by their
# cwd under $D/exec), so other engineers' shims are never counted.
shim_pids() {
  local exe p
  exe=$(readlink -f "$LIBEXEC/containerd-shim-rtfake-v2")
  for p in $(find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$exe" 2>/dev/null | cut -d/ -f3); do
    case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$D"/exec/*) echo "$p" ;; esac
  done
}

# fd_count PID: open fds of a process.
fd_count() { ls "/proc/$1/fd" | wc -l; }

# sandbox_env: the environment entry every container of sandbox $D gets,
# so that its processes are told apart from those of a concurrent run of
# the same test (fakerunc runs them on the host with the spec's env only).
sandbox_env() { echo "RTCONFORM_SANDBOX=$D"; }

# procs_with MARKER: pids of sandbox $D's container processes whose command
# line contains MARKER (a unique argument, e.g. a sleep length). The pattern
# is written so that grep's own argv does not match it.
procs_with() {
  local p
  for p in $(grep -l -a -- "[${1:0:1}]${1:1}" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    grep -qaxF "$(sandbox_env)" <(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null) && echo "$p"
  done
  return 0
}

# within SECONDS CMD...: poll CMD until it succeeds or SECONDS (scaled) pass.
within() {
  local end=$((SECONDS + $1 * RT_TIMEOUT_MULT))
  while ! "${@:2}"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.02
  done
}
