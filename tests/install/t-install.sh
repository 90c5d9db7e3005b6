#!/usr/bin/env bash
# Packager mode: `make install PREFIX=<tmp>/usr` (and DESTDIR staging), then
# the installed rtconform run from / with nothing of the build tree in its
# environment: it must find rtengined, the fake shims and its data through
# its own location (harness/paths.h).
. "$(dirname "$0")/../lib.sh"
SRC=${RT_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[[ -x "$RTCONFORM" ]] || skip_all "rtconform is not built ($RTCONFORM)"
command -v python3 >/dev/null || skip_all "python3 is not installed"
P="$TRASH/usr"
# The environment of a user who only has the installed files.
run_installed() { (cd / && env -u RT_BUILD -u RTCONFORM_LIBEXEC -u RTCONFORM_DATADIR -u RTCONFORM_FIXTURES "$@"); }

test_expect 'make install PREFIX=<tmp>/usr lays out bin, libexec/rtconform, share/rtconform' '
  make -s -C "$SRC" B="$RT_BUILD" install PREFIX="$P" >"$TRASH/install.log" 2>&1 || { cat "$TRASH/install.log"; exit 1; }
  for f in bin/rtconform bin/rtengined libexec/rtconform/containerd-shim-rtfake-v2 libexec/rtconform/fakerunc; do
    [ -x "$P/$f" ] || { echo "missing $f"; exit 1; }
  done
  [ "$(readlink "$P/libexec/rtconform/containerd-shim-runc-alias-v2")" = containerd-shim-rtfake-v2 ]
  [ -f "$P/share/rtconform/fixtures/expect/README.md" ]
  [ -f "$P/share/rtconform/fixtures/expect/builtin.json" ]
  [ -f "$P/share/rtconform/fixtures/upgrade/dockerd-20.10.24/INDEX.tsv" ]
  # a second install over the first is fine (no nested fixtures/fixtures)
  make -s -C "$SRC" B="$RT_BUILD" install PREFIX="$P" >/dev/null 2>&1
  [ ! -e "$P/share/rtconform/fixtures/fixtures" ]
'

test_expect 'installed rtconform list works from /' '
  run_installed "$P/bin/rtconform" list >"$TRASH/list.out"
  tail -1 "$TRASH/list.out" | grep -qE "^# [0-9]+ tests$"
  grep -q "^RT-INFO-001 " "$TRASH/list.out"
'

# A cross-section that touches every installed part (engine, fake shims,
# fakerunc, the upgrade corpus and expectation files under share/): the
# whole core profile already runs from the build tree in check-conformance.
test_expect 'installed rtconform run --target builtin passes from / using only installed files' '
  set +e
  run_installed "$P/bin/rtconform" run --timeout-multiplier "$RT_TIMEOUT_MULT" --target builtin --profile core -j 2 --expect builtin \
    --focus "RT-(INFO-00[1-3]|RES-00[1-5]|SHIM-|WRAP-00[1-3]|UPG-00[1-2]|START-00[1-2])" \
    --report-dir "$TRASH/rep" >"$TRASH/run.out" 2>&1
  rc=$?
  set -e
  tail -3 "$TRASH/run.out"
  [ $rc -eq 0 ] || { grep "^not ok" "$TRASH/run.out" | head; exit 1; }
  python3 - "$TRASH/rep/results.json" "$P" "$RT_BUILD" "$SRC" <<PY
import json, sys
doc, prefix, build, src = sys.argv[1:]
d = json.load(open(doc))
t = d["target"]
assert t["libexec"] == prefix + "/libexec/rtconform", t["libexec"]
assert t["datadir"] == prefix + "/share/rtconform", t["datadir"]
assert t["engine"] == prefix + "/bin/rtengined", t["engine"]
assert t["fake_shims"] is True
# --expect by name: the installed builtin.json
assert d["expectations"]["file"] == prefix + "/share/rtconform/fixtures/expect/builtin.json", d["expectations"]
assert d["counts"]["PASS"] == d["counts"]["total"] >= 15, d["counts"]
text = open(doc).read()
for p in (build, src + "/fixtures"):
    assert p not in text, "results.json names " + p
PY
'

test_expect 'DESTDIR staging: files under DESTDIR/PREFIX, and the staged tree runs where it lies' '
  make -s -C "$SRC" B="$RT_BUILD" install DESTDIR="$TRASH/stage" PREFIX=/usr/local >/dev/null 2>&1
  S="$TRASH/stage/usr/local"
  [ -x "$S/bin/rtconform" ] && [ -x "$S/libexec/rtconform/fakerunc" ] && [ -d "$S/share/rtconform/fixtures" ]
  run_installed "$S/bin/rtconform" run --timeout-multiplier "$RT_TIMEOUT_MULT" --focus "^RT-INFO-001 " --report-dir "$TRASH/rep2" >"$TRASH/run2.out" 2>&1
  grep -q "^1 passed, 0 failed" "$TRASH/run2.out"
'

test_expect 'lookup order: --libexec beats RTCONFORM_LIBEXEC beats the install layout' '
  mkdir -p "$TRASH/empty"
  RTCONFORM_LIBEXEC="$TRASH/empty" "$P/bin/rtconform" run --timeout-multiplier "$RT_TIMEOUT_MULT" --focus "^RT-INFO-001 " --report-dir "$TRASH/rep3" >/dev/null 2>&1 || true
  python3 -c "import json,sys; t=json.load(open(sys.argv[1]))[\"target\"]; assert t[\"libexec\"]==sys.argv[2] and not t[\"fake_shims\"], t" \
    "$TRASH/rep3/results.json" "$TRASH/empty"
  RTCONFORM_LIBEXEC="$TRASH/empty" "$P/bin/rtconform" run --timeout-multiplier "$RT_TIMEOUT_MULT" --libexec "$P/libexec/rtconform" --focus "^RT-INFO-001 " \
    --report-dir "$TRASH/rep4" >/dev/null 2>&1
  python3 -c "import json,sys; t=json.load(open(sys.argv[1]))[\"target\"]; assert t[\"libexec\"]==sys.argv[2] and t[\"fake_shims\"], t" \
    "$TRASH/rep4/results.json" "$P/libexec/rtconform"
'

# The dockerd target from the installed tree, against the distro's daemons.
if [[ $(id -u) -ne 0 ]]; then
  test_skip 'installed rtconform run --target dockerd from /' 'needs root'
elif [[ ! -x /usr/sbin/dockerd || ! -x /usr/bin/containerd ]]; then
  test_skip 'installed rtconform run --target dockerd from /' 'needs /usr/sbin/dockerd and /usr/bin/containerd'
else
  test_expect 'installed rtconform run --target dockerd --engine /usr/sbin/dockerd works from /' '
    set +e
    run_installed "$P/bin/rtconform" run --timeout-multiplier "$RT_TIMEOUT_MULT" --target dockerd --engine /usr/sbin/dockerd --containerd /usr/bin/containerd \
      --focus "^RT-INFO-001 " --report-dir "$TRASH/rep5" >"$TRASH/run5.out" 2>&1
    rc=$?
    set -e
    tail -3 "$TRASH/run5.out"
    [ $rc -eq 0 ] || { grep -A8 "^not ok" "$TRASH/run5.out" | head -30; exit 1; }
    grep -q "^1 passed, 0 failed" "$TRASH/run5.out"
    grep -q "^# probe: engine_version=[0-9]" "$TRASH/run5.out"
  '
fi

test_done
