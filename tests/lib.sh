# tests/lib.sh — a tiny test library for shell tests (after git's t/).
# Usage: . "$(dirname "$0")/../lib.sh"; test_expect "name" 'commands'; test_done
set -u
: "${RT_BUILD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}"
RTENGINED="$RT_BUILD/bin/rtengined"
RTCONFORM="$RT_BUILD/bin/rtconform"
LIBEXEC="$RT_BUILD/libexec"
# RT_TIMEOUT_MULT: the one knob for every shell-test deadline (a whole
# number; sanitized or valgrind builds run several times slower). make
# check-sanitize sets it; rtconform runs get it as --timeout-multiplier.
: "${RT_TIMEOUT_MULT:=1}"
[[ $RT_TIMEOUT_MULT =~ ^[1-9][0-9]*$ ]] || { echo "RT_TIMEOUT_MULT must be a whole number >= 1, not '$RT_TIMEOUT_MULT'" >&2; exit 99; }
# scaled N: N (seconds, or poll rounds) times RT_TIMEOUT_MULT.
scaled() { echo $(($1 * RT_TIMEOUT_MULT)); }
# The engines and fake shims the tests start scale their own limits alike.
export RTENGINED_TIMEOUT_MULT=${RTENGINED_TIMEOUT_MULT:-$RT_TIMEOUT_MULT}
TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/rt-$TEST_NAME.XXXXXX")
_n=0 _pass=0 _fail=0 _skip=0
_pids=()

cleanup() {
  local p
  # Only a process that is still our child: a reaped pid may be reused.
  for p in "${_pids[@]:-}"; do
    # (reaped at once: bash would otherwise print a "Killed" line for it)
    [[ -n "$p" && "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" == "$$" ]] && kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  [[ $_fail -eq 0 ]] && rm -rf "$TRASH"
}
trap cleanup EXIT

# test_expect NAME BODY: run BODY in a subshell with `set -e`; report TAP.
test_expect() {
  _n=$((_n + 1))
  local out="$TRASH/out.$_n"
  # Not inside `if` or `||`: bash ignores `set -e` in a condition, which
  # would let every line but the last fail unnoticed. The caller's own -e is
  # lifted meanwhile so a failing body does not end the whole script.
  local caller_e=0 rc
  [[ $- == *e* ]] && caller_e=1
  set +e
  # The body runs in a process group of its own (job control on for this one
  # fork) under a leader that, once the body ended, SIGKILLs the whole group:
  # an engine or helper a failed body left behind must not outlive it. The
  # leader is alive while it kills, so the group id names no one else's
  # group; only processes that left the group (setsid daemons) escape.
  set -m
  ( ( set -e; cd "$TRASH"; eval "$2" ); echo $? >"$out.rc"; _stragglers "$1"; kill -KILL 0 ) >"$out" 2>&1 &
  set +m
  wait $! 2>/dev/null # (the leader's own SIGKILL is expected: not reported)
  rc=$(cat "$out.rc" 2>/dev/null || echo 99)
  [[ $caller_e -eq 1 ]] && set -e
  if [ $rc -eq 0 ]; then
    _pass=$((_pass + 1)); echo "ok $_n - $1"
  else
    _fail=$((_fail + 1)); echo "not ok $_n - $1"; sed 's/^/#   /' "$out" | tail -30
  fi
}

# _stragglers NAME: list the processes a body left running in its group
# (run by the group's leader, before it SIGKILLs them). A body should wait
# for what it started: a process SIGKILLed while it exits loses its
# sanitizer leak check, half written. RT_STRAGGLER_LOG collects them.
_stragglers() {
  local pid pgid rest me=$BASHPID
  # (ps -g means session, not process group: select by the pgid column)
  ps -e -o pid=,pgid=,stat=,args= >"$TRASH/ps.$me" 2>/dev/null || return 0
  while read -r pid pgid rest; do
    # (a zombie has ended already: nothing left to interrupt)
    [[ $pgid == "$me" && $pid != "$me" && $rest != Z* && $rest != *" ps -e -o pid="* ]] || continue
    echo "# left running by '$1': $pid $rest"
    [[ -n ${RT_STRAGGLER_LOG:-} ]] && echo "$TEST_NAME: $1: $pid $rest" >>"$RT_STRAGGLER_LOG"
  done <"$TRASH/ps.$me"
  rm -f "$TRASH/ps.$me"
}

# test_skip NAME REASON: report one test as skipped (TAP SKIP directive).
test_skip() {
  _n=$((_n + 1)) _skip=$((_skip + 1))
  echo "ok $_n - $1 # SKIP $2"
}

# skip_all REASON: nothing here can run.
skip_all() { echo "1..0 # SKIP $1"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }

# Start rtengined in the background with the given flags; sets ENGINE_PID.
start_engine() {
  "$RTENGINED" "$@" >>"$TRASH/engine.log" 2>&1 &
  ENGINE_PID=$!
  _pids+=("$ENGINE_PID")
}

# wait_socket PATH [PID]: poll /_ping until it answers (10 s deadline,
# scaled), or fail early when PID exits.
wait_socket() {
  local sock=$1 pid=${2:-} i n
  n=$(scaled 2000)
  for ((i = 0; i < n; i++)); do
    if [[ -S "$sock" ]] && curl -sf --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; then return 0; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then echo "engine exited"; return 1; fi
    sleep 0.005 # poll interval
  done
  echo "timeout waiting for $sock"; return 1
}

test_done() {
  echo "1..$_n"
  echo "$_pass passed, $_fail failed, $_skip skipped"
  [[ $_fail -eq 0 ]]
}
