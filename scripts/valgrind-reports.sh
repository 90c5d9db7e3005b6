#!/usr/bin/env bash
# valgrind-reports.sh DIR: memcheck ran with -q and --log-file=DIR/.../<name>.%p,
# so a non-empty log file is a report (an error or a definite/indirect leak).
# Print them and fail if any.
set -u
dir=$1
mapfile -t files < <(find "$dir" -type f -size +0 2>/dev/null | sort)
for f in "${files[@]}"; do
  echo "==== $f"
  head -80 "$f"
done
echo "valgrind reports: ${#files[@]} (of $(find "$dir" -type f | wc -l) processes)"
[[ ${#files[@]} -eq 0 ]]
