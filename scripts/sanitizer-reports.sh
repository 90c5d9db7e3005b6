#!/usr/bin/env bash
# sanitizer-reports.sh DIR: print every sanitizer report file written under
# DIR (ASAN/UBSAN/LSAN/TSAN log_path=DIR/<tool>.<pid>) and fail if any.
set -u
dir=$1
mapfile -t files < <(find "$dir" -type f 2>/dev/null | sort)
for f in "${files[@]}"; do
  echo "==== $f"
  head -60 "$f"
done
echo "sanitizer reports: ${#files[@]}"
[[ ${#files[@]} -eq 0 ]]
