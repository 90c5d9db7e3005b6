#!/usr/bin/env bash
# sanitizer-reports.sh DIR: print every sanitizer report file written under
# DIR (ASAN/UBSAN/LSAN/TSAN log_path=DIR/<tool>.<pid>) and fail if any.
#
# An EMPTY file is listed but not counted as a report: the runtime creates
# the file at its first write, so an empty one is a process SIGKILLed in the
# instant between. Seen once in CI (ubsan.<pid>, the name LeakSanitizer
# uses here; which process it was is not known): most likely a test's
# cleanup SIGKILLing a process group while one of its processes ran the
# exit-time leak check. It holds no finding; a real report in that process
# shows again in any run where it is not killed.
set -u
dir=$1
mapfile -t files < <(find "$dir" -type f -size +0 2>/dev/null | sort)
mapfile -t empty < <(find "$dir" -type f -size 0 2>/dev/null | sort)
for f in "${files[@]}"; do
  echo "==== $f"
  head -60 "$f"
done
for f in "${empty[@]}"; do
  echo "(empty, not a report: a process killed as it began writing: $f)"
done
echo "sanitizer reports: ${#files[@]} (empty files: ${#empty[@]})"
[[ ${#files[@]} -eq 0 ]]
