#!/usr/bin/env bash
# Differential mode: `rtconform compare --observables` on crafted results,
# and `run --diff-with` end to end (builtin against itself: no difference;
# the dockerd target without root: said, never taken for equality).
. "$(dirname "$0")/../lib.sh"
[[ -x "$RTCONFORM" ]] || skip_all "rtconform is not built ($RTCONFORM)"
command -v python3 >/dev/null || skip_all "python3 is not installed"

# Two crafted runs: A = dockerd 26.1.5, B = builtin.
python3 - "$TRASH" <<'PY'
import json, sys
d = sys.argv[1]
def t(id, oc, obs, msg=""):
    return {"id": id, "level": "MUST", "outcome": oc, "message": msg, "observables": obs}
a = {"schema": 1, "target": {"kind": "dockerd", "engine_version": "26.1.5"}, "tests": [
    t("RT-START-001", "PASS", {"exit_code": "7", "runtime": "io.containerd.runc-alias.v2",
                               "shim": "containerd-shim-runc-alias-v2"}),
    t("RT-START-003", "PASS", {"http": "POST /containers/<id>/start 500", "error_class": "system",
                               "error": "500 failed to create task for container: failed to start shim: runtime \"x\" binary not installed"}),
    t("RT-VAL-020", "PASS", {"engine_exit": "1", "engine_error": "failed to start daemon: a"}),
    t("RT-RELOAD-001", "SKIP", {}, "needs root: the dockerd target starts its own dockerd and containerd"),
]}
b = {"schema": 1, "target": {"kind": "builtin", "engine_version": "0.1.0"}, "tests": [
    t("RT-START-001", "PASS", {"exit_code": "7", "runtime": "io.containerd.runc-alias.v2",
                               "shim": "containerd-shim-runc-alias-v2"}),
    t("RT-START-003", "PASS", {"http": "POST /containers/<id>/start 404", "error_class": "not-found",
                               "error": "404 No such image"}),
    t("RT-VAL-020", "FAIL", {"engine_exit": "2"}),
    t("RT-RELOAD-001", "PASS", {}),
]}
json.dump(a, open(d + "/a.json", "w"))
json.dump(b, open(d + "/b.json", "w"))
skipped = dict(a, tests=[dict(x, outcome="SKIP", message="needs root", observables={}) for x in a["tests"]])
json.dump(skipped, open(d + "/skipped.json", "w"))
PY

test_expect 'compare --observables prints the differing observables side by side' '
  set +e; "$RTCONFORM" compare --observables a.json b.json >out 2>err; rc=$?; set -e
  cat out
  [ $rc -eq 1 ]
  grep -qx "regression RT-VAL-020       PASS -> FAIL: " out
  grep -qx "# observables: A = dockerd 26.1.5, B = builtin 0.1.0" out
  grep -qx "RT-START-003     MUST   A PASS    B PASS" out
  grep -qE "^  error_class   A: system +\| B: not-found$" out
  grep -qE "^  http          A: POST /containers/<id>/start 500 +\| B: POST /containers/<id>/start 404$" out
  grep -qx "  error         A: 500 failed to create task for container: failed to start shim: runtime \"x\" binary not installed" out
  grep -qE "^ +B: 404 No such image$" out
  grep -qx "RT-VAL-020       MUST   A PASS    B FAIL" out
  grep -qE "^  engine_error  A: failed to start daemon: a +\| B: \(not recorded\)$" out
  ! grep -q "^RT-START-001" out
  grep -qx "# not compared: 1 test(s) SKIP in A: needs root: the dockerd target starts its own dockerd and containerd" out
  grep -qx "# 2 tests with differing observables, 1 the same, 1 not compared" out
'

test_expect 'compare --observables of identical runs: exit 0, nothing listed' '
  "$RTCONFORM" compare --observables b.json b.json >out
  grep -qx "# 0 tests with differing observables, 4 the same, 0 not compared" out
'

test_expect 'a run where everything was skipped is not taken for equality (exit 77)' '
  set +e; "$RTCONFORM" compare --observables b.json skipped.json >out; rc=$?; set -e
  cat out
  [ $rc -eq 77 ]
  grep -qx "# not compared: 4 test(s) SKIP in B: needs root" out
  grep -q "^# NOTHING COMPARED: no test ran in both runs" out
'

test_expect 'compare --observables: bad input is exit 99, usage without two files' '
  echo "{}" >bad.json
  set +e
  "$RTCONFORM" compare --observables a.json bad.json >/dev/null 2>err; rc1=$?
  "$RTCONFORM" compare --observables a.json >/dev/null 2>&1; rc2=$?
  set -e
  [ $rc1 -eq 99 ] && [ $rc2 -eq 99 ]
  grep -q "not a results.json" err
'

test_expect 'run --diff-with builtin: both runs, observables recorded, no difference, report sections' '
  "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --diff-with builtin --focus "^RT-(START-00[13]|VAL-020|RES-035) " --seed 7 \
    --report-dir rep >out 2>&1 || { cat out; exit 1; }
  grep -q "^# differential: the same selection against builtin" out
  grep -qx "# 0 tests with differing observables, 4 the same, 0 not compared" out
  cmp <(grep -v "^#" rep/differential.txt) /dev/null
  python3 - rep <<PY
import json, sys
r = sys.argv[1]
a = json.load(open(r + "/results.json")); b = json.load(open(r + "/diff-builtin/results.json"))
obs = {t["id"]: t["observables"] for t in a["tests"]}
assert obs["RT-START-001"]["exit_code"] == "7", obs
assert obs["RT-START-003"]["error_class"] == "system", obs
assert obs["RT-START-003"]["http"] == "POST /containers/<id>/start 500", obs
assert obs["RT-VAL-020"]["engine_exit"] == "1", obs
assert obs["RT-RES-035"]["shim"] == "containerd-shim-runc-v2", obs
assert "<sandbox>" not in json.dumps(obs) or "/tmp" not in json.dumps(obs)
assert a["differential"]["compared"] == 4 and a["differential"]["differing"] == 0, a["differential"]
assert a["differential"]["results"] == "diff-builtin/results.json"
assert b["seed"] == 7 and b["target"]["kind"] == "builtin"
PY
  grep -q "Differential" rep/report.html
'

# Without root the dockerd target SKIPs every test: run as nobody from a
# world-readable copy of the programs (the checkout may be under a 0700 dir).
if [[ $(id -u) -ne 0 ]] || ! command -v runuser >/dev/null; then
  test_skip 'run --diff-with dockerd without root says nothing was compared' 'needs root (to become nobody) and runuser'
else
  test_expect 'run --diff-with dockerd without root says nothing was compared' '
    u="$TRASH/u"; mkdir -p "$u/bin" "$u/libexec" "$u/tmp"
    cp "$RT_BUILD/bin/rtconform" "$RT_BUILD/bin/rtengined" "$u/bin/"
    cp -P "$LIBEXEC"/* "$u/libexec/"
    chmod -R a+rX "$TRASH"; chmod 1777 "$u/tmp"; chmod 0777 "$u"
    set +e
    (cd "$u" && runuser -u nobody -- env TMPDIR="$u/tmp" "$u/bin/rtconform" run --timeout-multiplier "$RT_TIMEOUT_MULT" --focus "^RT-(INFO-001|VAL-020) " \
      --diff-with dockerd --diff-engine /usr/sbin/dockerd --report-dir "$u/rep") >out 2>&1
    rc=$?
    set -e
    cat out
    [ $rc -eq 77 ]
    grep -q "^# not compared: 2 test(s) SKIP in B: needs root" out
    grep -q "^# NOTHING COMPARED" out
  '
fi

test_done
