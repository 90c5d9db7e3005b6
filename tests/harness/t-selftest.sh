#!/usr/bin/env bash
# rtconform end to end: the selftest profile's deliberate cases are each
# classified right, the exit code follows, and the four reports parse.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[[ -x "$RTCONFORM" ]] || skip_all "rtconform is not built ($RTCONFORM)"
EXPECT="$(cd "$(dirname "$0")" && pwd)/selftest-expect.json"

# One run shared by the checks below (-j 3: parallel workers too).
set +e
"$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --expect "$EXPECT" --skip '^RT-SELF-014 ' -j 3 --seed 4242 \
  --report-dir "$TRASH/rep" >"$TRASH/run.out" 2>"$TRASH/run.err"
RUN_RC=$?
set -e

test_expect 'a run with failures exits 1' '
  [ "$RUN_RC" -eq 1 ] || { cat "$TRASH/run.err"; exit 1; }
'

test_expect 'each self-test case gets its outcome in results.json' '
  python3 - "$TRASH/rep/results.json" <<PY
import json, sys
d = json.load(open(sys.argv[1]))
want = {"RT-SELF-001": "PASS", "RT-SELF-002": "FAIL", "RT-SELF-003": "ERROR", "RT-SELF-004": "SKIP",
        "RT-SELF-005": "ERROR", "RT-SELF-006": "FAIL", "RT-SELF-007": "FAIL", "RT-SELF-008": "XFAIL",
        "RT-SELF-009": "XPASS", "RT-SELF-010": "FLAKY", "RT-SELF-011": "SKIP", "RT-SELF-012": "PASS",
        "RT-SELF-013": "FAIL", "RT-SELF-014": "DISABLED"}
got = {t["id"]: t["outcome"] for t in d["tests"]}
assert got == want, {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
by = {t["id"]: t for t in d["tests"]}
assert "timed out" in by["RT-SELF-006"]["message"], by["RT-SELF-006"]["message"]
assert "leak check: 1 process" in by["RT-SELF-007"]["message"], by["RT-SELF-007"]["message"]
assert "Received signal 11" in by["RT-SELF-005"]["message"]
assert by["RT-SELF-010"]["attempts"] == 2          # flaky: one retry, then FLAKY
assert by["RT-SELF-002"]["attempts"] == 1          # not flaky: never retried
assert by["RT-SELF-004"]["message"] == "deliberate skip: nothing to test here"
assert d["exit_code"] == 1 and d["verdict"] == "DOES NOT CONFORM"
assert d["seed"] == 4242 and d["profile"] == "selftest" and d["schema"] == 1
assert d["target"]["kind"] == "builtin" and "root" in d["target"]
assert any("RT-SELF-011" in w and "expired" in w for w in d["warnings"]), d["warnings"]
assert d["counts"]["total"] == 14 and d["counts"]["FAIL"] == 4
# no test of other profiles leaks into the self-test run
assert all(t["id"].startswith("RT-SELF-") for t in d["tests"])
PY
'

test_expect 'TAP 14 stream: plan, numbered points, YAML with reproduce, expiry warning' '
  out="$TRASH/run.out"
  head -2 "$out" | grep -qx "TAP version 14"
  grep -qx "1\.\.14" "$out"
  [ "$(grep -cE "^(not )?ok [0-9]+ - \[[0-9]+/14\]" "$out")" -eq 14 ]
  grep -q "^not ok .*RT-SELF-008.*# TODO XFAIL" "$out"
  grep -q "^ok .*RT-SELF-004.* # SKIP deliberate skip" "$out"
  grep -q "^# WARNING: expectation for RT-SELF-011 (skip) expired" "$out"
  grep -q "^  reproduce: \".* run --target builtin --profile selftest --expect .* --seed 4242 \(--timeout-multiplier [0-9]* \)\?--focus .\^RT-SELF-002\\$.\"" "$out"
  grep -q "^# seed\|seed 4242" "$out"
  cmp <(grep -v "^[0-9]* passed" "$out") "$TRASH/rep/report.tap"
'

test_expect 'junit.xml parses; failures, errors and skips where they belong' '
  python3 - "$TRASH/rep/junit.xml" <<PY
import sys, xml.dom.minidom
x = xml.dom.minidom.parse(sys.argv[1])
cases = {c.getAttribute("name").split(" ")[0]: c for c in x.getElementsByTagName("testcase")}
assert len(cases) == 14
kind = lambda c: [n.tagName for n in c.childNodes if n.nodeType == 1]
assert kind(cases["RT-SELF-002"]) == ["failure"]
assert kind(cases["RT-SELF-009"]) == ["failure"]          # XPASS fails
assert kind(cases["RT-SELF-003"]) == ["error"]
assert kind(cases["RT-SELF-004"]) == ["skipped"]
assert kind(cases["RT-SELF-001"]) == []
assert cases["RT-SELF-001"].getAttribute("classname") == "selftest"
props = {p.getAttribute("name"): p.getAttribute("value") for p in x.getElementsByTagName("property")}
assert props["target"] == "builtin" and props["seed"] == "4242" and props["harness_version"]
msg = cases["RT-SELF-013"].getElementsByTagName("failure")[0].getAttribute("message")
assert "<script>alert(1)</script>" in msg                 # escaped on disk, intact when parsed
PY
'

test_expect 'report.html: one self-contained file, escaped, with details' '
  h="$TRASH/rep/report.html"
  python3 - "$h" <<PY
import sys, html.parser
src = open(sys.argv[1]).read()
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.scripts = 0; s.ext = []; s.bodies = 0
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == "script": s.scripts += 1
        if tag == "tbody": s.bodies += 1
        for k in ("src", "href"):
            if a.get(k): s.ext.append(a[k])
p = P(); p.feed(src)
assert p.scripts == 1 and not p.ext, (p.scripts, p.ext)
assert p.bodies == 14
assert "<script>alert" not in src and "&lt;script&gt;alert(1)&lt;/script&gt;" in src
assert "daemon.json.3" in src and "daemon.json.2" in src
assert "--focus &#39;^RT-SELF-002$&#39;" in src
assert "DOES NOT CONFORM" in src
PY
'

test_expect 'artifacts of failures are copied into the report dir' '
  [ -f "$TRASH/rep/artifacts/RT-SELF-002/test.log" ]
  [ -f "$TRASH/rep/artifacts/RT-SELF-002/runtimes.txt" ]
  [ -f "$TRASH/rep/artifacts/RT-SELF-003/outcome" ]
  [ ! -e "$TRASH/rep/artifacts/RT-SELF-001" ]
'

test_expect 'a failure keeps its sandbox; an expected failure (XFAIL) does not' '
  kept=$(sed -n "s/^# RT-SELF-002: sandbox kept: //p" "$TRASH/run.out")
  [ -n "$kept" ] && [ -d "$kept" ]
  grep -q "^not ok .*RT-SELF-008 .*# TODO" "$TRASH/run.out"
  ! grep -q "^# RT-SELF-008: sandbox kept" "$TRASH/run.out"
  [ ! -e "$(dirname "$kept")/RT-SELF-008" ]
  rm -rf "$(dirname "$kept")"
'

test_expect 'the leaked process is gone after the run' '
  ! pgrep -f "^sleep 300$" >/dev/null || { pgrep -af "^sleep 300$"; for p in $(pgrep -f "^sleep 300$"); do grep -qa RTCONFORM_JOURNAL=$TRASH /proc/$p/environ 2>/dev/null && exit 1; done; true; }
'

test_expect '--xpass-ok and passing-only selection: exit 0' '
  "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --expect "$EXPECT" --focus "^RT-SELF-0(01|09|10|12) " --xpass-ok --report-dir r0 >out
  grep -q "verdict: CONFORMS" out
'

test_expect 'an XPASS alone fails the run (stale entries must go)' '
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --expect "$EXPECT" --focus "^RT-SELF-009 " --report-dir r1 >out; rc=$?; set -e
  [ $rc -eq 1 ]
'

test_expect 'only skips: exit 77' '
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --focus "^RT-SELF-004 " --report-dir r2 >out; rc=$?; set -e
  [ $rc -eq 77 ]
'

test_expect 'only environment errors: exit 99' '
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --focus "^RT-SELF-003 " --report-dir r3 >out; rc=$?; set -e
  [ $rc -eq 99 ]
'

test_expect 'a bad expectation file: exit 99, message names entry and field' '
  printf "%s" "{\"schema\":1,\"target\":\"x\",\"entries\":[{\"id\":\"RT-SELF-001\",\"outcome\":\"fail\",\"reason_class\":\"engine-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2024-02-30\"}]}" >bad.json
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --expect bad.json --report-dir r4 >out 2>err; rc=$?; set -e
  [ $rc -eq 99 ]
  grep -q "entries\[0\] (RT-SELF-001): field \"expires\" must be a date YYYY-MM-DD" err
'

test_expect '--rerun-failed runs only the failures of a results.json' '
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --expect "$EXPECT" --rerun-failed "$TRASH/rep/results.json" --report-dir r5 >out; set -e
  python3 -c "import json; d=json.load(open(\"r5/results.json\")); ids=sorted(t[\"id\"] for t in d[\"tests\"]); assert ids==[\"RT-SELF-002\",\"RT-SELF-003\",\"RT-SELF-005\",\"RT-SELF-006\",\"RT-SELF-007\",\"RT-SELF-009\",\"RT-SELF-013\"], ids"
'

test_expect '--repeat runs a test N times; --until-fail stops at the first failure' '
  "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --focus "^RT-SELF-001 " --repeat 3 --report-dir r6 >out
  python3 -c "import json; d=json.load(open(\"r6/results.json\")); assert d[\"tests\"][0][\"attempts\"]==3"
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --profile selftest --focus "^RT-SELF-00[12] " --until-fail --report-dir r7 >out; rc=$?; set -e
  [ $rc -eq 1 ]
  grep -q "^# round 1" out && ! grep -q "^# round 2" out && grep -qx "1\.\.2" out
'

test_expect 'compare: regressions exit 1, identical runs exit 0' '
  "$RTCONFORM" compare "$TRASH/rep/results.json" "$TRASH/rep/results.json" >same
  grep -q "^# 0 regressions" same
  # a copy of the run in which RT-SELF-001 (PASS) now fails: a regression
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [t.update(outcome=\"FAIL\") for t in d[\"tests\"] if t[\"id\"]==\"RT-SELF-001\"]; json.dump(d,open(\"worse.json\",\"w\"))" "$TRASH/rep/results.json"
  set +e; "$RTCONFORM" compare "$TRASH/rep/results.json" worse.json >diff; rc=$?; set -e
  [ $rc -eq 1 ] || { cat diff; exit 1; }
  grep -q "^regression  *RT-SELF-001" diff
  set +e; "$RTCONFORM" compare r0/results.json "$TRASH/rep/results.json" >diff2; set -e
  grep -q "^new  *RT-SELF-002" diff2
  set +e; "$RTCONFORM" compare r0/results.json /nonexistent >/dev/null 2>&1; rc=$?; set -e
  [ $rc -eq 99 ]
'

test_expect 'CLI: --help per command, --version, list --json, bad race mode' '
  "$RTCONFORM" --version | grep -q "^rtconform [0-9]"
  for c in run list compare race bench; do "$RTCONFORM" $c --help | grep -q "^Usage: rtconform $c"; done
  "$RTCONFORM" list --json | python3 -c "import json,sys; l=json.load(sys.stdin); assert any(t[\"id\"]==\"RT-SELF-001\" for t in l)"
  set +e; "$RTCONFORM" race --mode bogus >/dev/null 2>err; rc=$?; set -e
  [ $rc -eq 99 ] && grep -q "unknown --mode .bogus." err
'

test_expect 'dockerd target: an engine that is not there is a SKIP with the reason, exit 77' '
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --target dockerd --engine "$PWD/no/dockerd" --profile selftest --focus "^RT-SELF-001 " \
    --report-dir r8 >out 2>err; rc=$?; set -e
  [ $rc -eq 77 ] && grep -q "engine binary $PWD/no/dockerd is not executable" err
'

test_expect 'dockerd target as an unprivileged user: SKIP "needs root", exit 77' '
  if [ "$(id -u)" -ne 0 ]; then
    set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --target dockerd --profile selftest --focus "^RT-SELF-00[12] " --report-dir r9 >out; rc=$?; set -e
    [ $rc -eq 77 ] && [ "$(grep -c "# SKIP needs root: the dockerd target" out)" -eq 2 ]; exit $?
  fi
  command -v setpriv >/dev/null || { echo "no setpriv to drop privileges: not checked"; exit 0; }
  mkdir -m 0777 np
  set +e
  (cd np && setpriv --reuid=65534 --regid=65534 --clear-groups "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --target dockerd --profile selftest \
     --focus "^RT-SELF-00[12] " --report-dir rep >out 2>err); rc=$?
  set -e
  [ $rc -eq 77 ] || { cat np/out np/err; exit 1; }
  [ "$(grep -c "# SKIP needs root: the dockerd target" np/out)" -eq 2 ]
  python3 -c "import json; d=json.load(open(\"np/rep/results.json\")); assert d[\"target\"][\"root\"] is False and d[\"verdict\"]==\"NOTHING RAN\""
'

test_expect 'external target: probe reads the socket; own-daemon tests SKIP with the reason' '
  mkdir -p ext
  echo "{}" >ext/daemon.json
  start_engine --data-root "$PWD/ext/data" --exec-root "$PWD/ext/exec" -H "unix://$PWD/ext/s.sock" \
    --pidfile "$PWD/ext/pid" --config-file "$PWD/ext/daemon.json"
  wait_socket "$PWD/ext/s.sock" $ENGINE_PID
  set +e; "$RTCONFORM" run --timeout-multiplier "$RT_TIMEOUT_MULT" --target external --socket "$PWD/ext/s.sock" --focus "^RT-INFO-00[12] " --report-dir rx >out; rc=$?; set -e
  kill -TERM $ENGINE_PID; wait $ENGINE_PID || true
  [ $rc -eq 77 ] || { cat out; exit 1; }
  grep -q "# SKIP needs its own daemon; the external target is read-only" out
  python3 -c "import json; d=json.load(open(\"rx/results.json\")); t=d[\"target\"]; assert t[\"kind\"]==\"external\" and t[\"api_version\"] and t[\"default_runtime\"]==\"runc\", t"
'

test_done
