#!/usr/bin/env bash
# Run tests/*/t-*.sh scripts (each uses tests/lib.sh and exits 0, 1 or 77).
set -u
pass=0 fail=0 skip=0 failed=()
for t in "$@"; do
  [[ -f "$t" ]] || continue
  echo "== $t"
  bash "$t"
  rc=$?
  case $rc in
    0) pass=$((pass + 1)) ;;
    77) skip=$((skip + 1)) ;;
    *) fail=$((fail + 1)); failed+=("$t") ;;
  esac
done
echo "shell test scripts: ${pass} passed, ${fail} failed, ${skip} skipped${failed:+ (${failed[*]})}"
[[ $fail -eq 0 ]]
