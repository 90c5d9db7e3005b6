#!/usr/bin/env bash
# rtconform race end to end: the command line, the seed and knobs reaching
# the explorer, and the point of it all: the race suite FAILS on a mutant
# engine whose reloads delete or rewrite wrapper scripts (race-mutant-engine.sh).
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[[ -x "$RTCONFORM" && -x "$RTENGINED" ]] || skip_all "rtconform/rtengined are not built"
[[ -x "$LIBEXEC/containerd-shim-rtfake-v2" ]] || skip_all "the fake shims are not built"
MUTANT="$(cd "$(dirname "$0")" && pwd)/race-mutant-engine.sh"
# Sandboxes inside TRASH: the runner keeps those of failing tests, and the
# mutant runs fail on purpose.
export TMPDIR="$TRASH"

# mutant MODE: an engine binary for --engine (one path, no arguments).
mutant() {
  printf '#!/bin/sh\nexec "%s" %s "%s" "$@"\n' "$MUTANT" "$1" "$RTENGINED" >"$TRASH/mutant-$1"
  chmod +x "$TRASH/mutant-$1"
  echo "$TRASH/mutant-$1"
}

test_expect 'race --help describes the modes and --replay' '
  "$RTCONFORM" race --help >out
  grep -q -- "--mode forced" out && grep -q -- "--replay N" out && grep -q -- "--duration" out
'

test_expect 'an unknown mode is a usage error (99)' '
  set +e; "$RTCONFORM" race --mode nope >out 2>&1; rc=$?; set -e
  [ "$rc" -eq 99 ] && grep -q "unknown --mode" out
'

test_expect 'random mode: seed and knobs reach the explorer, summary printed' '
  "$RTCONFORM" race --mode random --seed 123 --workers 1 --iterations 2 --focus "^RT-RACE-011 " \
    --report-dir rep >out 2>&1 || { tail -20 out; exit 1; }
  grep -q "^# RT-RACE-011 race: seed 123, 1 workers, 2 iterations" out
  grep -q "^# RT-RACE-011 race: [0-9]* reloads" out
  python3 - rep/results.json <<PY
import json, sys
d = json.load(open(sys.argv[1]))
assert d["seed"] == 123 and d["profile"] == "stress", (d["seed"], d["profile"])
assert [(t["id"], t["outcome"]) for t in d["tests"]] == [("RT-RACE-011", "PASS")], d["tests"]
PY
'

test_expect 'a reload that deletes wrappers fails the forced and random race tests' '
  set +e
  "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --engine "$(mutant delete)" --focus "^RT-RACE-0(01|02|10) " --seed 7 --report-dir rep \
    >out 2>&1
  rc=$?; set -e
  [ "$rc" -eq 1 ] || { tail -20 out; exit 1; }
  python3 - rep/results.json <<PY
import json, sys
d = json.load(open(sys.argv[1]))
got = {t["id"]: t for t in d["tests"]}
assert sorted(got) == ["RT-RACE-001", "RT-RACE-002", "RT-RACE-010"], sorted(got)
for i, t in got.items():
    assert t["outcome"] == "FAIL", (i, t["outcome"], t["message"])
    assert "was deleted while the engine ran" in t["message"], (i, t["message"])
# the forced start, released after the reload, found its wrapper gone
assert "start after the reload: HTTP" in got["RT-RACE-001"]["message"], got["RT-RACE-001"]["message"]
assert "seed 7" in got["RT-RACE-010"]["message"]
PY
'

test_expect 'a reload that rewrites wrappers fails: content changed, runc ran other args' '
  set +e
  "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --engine "$(mutant rewrite)" --focus "^RT-RACE-001 " --report-dir rep >out 2>&1
  rc=$?; set -e
  [ "$rc" -eq 1 ] || { tail -20 out; exit 1; }
  python3 - rep/results.json <<PY
import json, sys
t = json.load(open(sys.argv[1]))["tests"][0]
assert t["outcome"] == "FAIL", t
assert "changed content while the engine ran" in t["message"], t["message"]
assert "runc create ran with args [--rtrace-mutant], want [--rtrace-one]" in t["message"], t["message"]
PY
'

test_done
