#!/usr/bin/env bash
# rtconform bench: a smoke run on rtengined with tiny sizes (numbers are not
# judged, only that every selected scenario was measured and reported), the
# outputs' shape, and the README section generator.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[[ -x "$RTCONFORM" ]] || skip_all "rtconform is not built"
[[ -x "$LIBEXEC/containerd-shim-rtfake-v2" ]] || skip_all "fake shims are not built"
command -v python3 >/dev/null || skip_all "python3 is missing"

test_expect "bench --help lists the scenarios" '
  "$RTCONFORM" bench --help >help.txt
  grep -q lifecycle_seq help.txt && grep -q reload_1/10/100/1000 help.txt
'

test_expect "bad arguments are a usage error (99)" '
  rc=0; "$RTCONFORM" bench --reps 0 2>/dev/null || rc=$?
  [ "$rc" = 99 ]
'

test_expect "smoke run measures and reports every selected scenario" '
  "$RTCONFORM" bench --no-dockerd --reps 1 --warmup 0 --lifecycle 2 --clients 2 \
      --only "^(ready_empty|rss_idle|lifecycle_seq|shim_rpcs|reload_10)$" \
      --workdir "$TRASH/w" --out-dir out >table.txt 2>err.txt || { cat err.txt; exit 1; }
  grep -q "^ready_empty " table.txt && grep -q "^reload_10 " table.txt
  python3 - out/bench-results.json <<PY
import json, sys
d = json.load(open(sys.argv[1]))
names = [s["name"] for s in d["scenarios"]]
assert names == ["ready_empty", "rss_idle", "lifecycle_seq", "shim_rpcs", "reload_10"], names
for s in d["scenarios"]:
    assert {"target", "ratio", "target_met", "results"} <= set(s), s["name"]
    r = s["results"]["rtengined"]
    assert "error" not in r, (s["name"], r)
assert d["scenarios"][0]["results"]["rtengined"]["n"] == 1
assert len(d["scenarios"][2]["results"]["rtengined"]["steps"]["start"]["samples"]) == 2
lc = d["scenarios"][2]
assert lc["shim_floor"]["n"] == 2 and lc["shim_floor"]["steps"]["teardown"]["n"] == 2, lc.get("shim_floor")
assert isinstance(lc["results"]["rtengined"]["overhead_ms"], float), lc["results"]["rtengined"]
rpc = d["scenarios"][3]["results"]["rtengined"]["by_method"]
assert rpc.get("shim.Create") == 1 and rpc.get("shim.Start") == 1, rpc
assert d["machine"]["cpus"] >= 1 and d["date"]
PY
  grep -q "<svg" out/report.html && [ -s out/bench-ready_empty.svg ]
  [ ! -e "$TRASH/w/rdy-b" ] && [ ! -e "$TRASH/w/lc-floor" ]
  grep -q "^lifecycle_seq: shim floor p50" table.txt
'

test_expect "README section is generated from the JSON and replaced in place" '
  printf "# x\n\nintro\n" >README.md
  "$ROOT/scripts/bench-readme.py" out/bench-results.json README.md
  "$ROOT/scripts/bench-readme.py" out/bench-results.json README.md
  [ "$(grep -c "bench:begin" README.md)" = 1 ] && grep -q "^## Benchmark results" README.md
  grep -q "^intro" README.md && grep -q "| Engine ready" README.md
'

test_done
