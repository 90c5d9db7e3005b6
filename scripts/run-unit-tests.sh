#!/usr/bin/env bash
# Run every cmocka unit-test binary given; print one closing line.
set -u
pass=0 fail=0 failed=()
for t in "$@"; do
  [[ -x "$t" ]] || continue
  if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$(basename "$t")"); fi
done
echo "unit test programs: ${pass} passed, ${fail} failed${failed:+ (${failed[*]})}"
[[ $fail -eq 0 ]]
