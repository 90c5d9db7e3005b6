#!/usr/bin/env bash
# sanitizer-reports.sh DIR: print every sanitizer report file written under
# DIR (ASAN/UBSAN/LSAN/TSAN log_path=DIR/<tool>.<pid>) and fail if any.
#
# Two kinds of file hold no finding and are listed but not counted, both
# left by a process SIGKILLed while its exit-time leak check ran (a test's
# cleanup killing what a body left running: tests/lib.sh lists those
# stragglers in the test output):
#  - an EMPTY file: the runtime creates it at its first write;
#  - a file with nothing but LeakSanitizer's stop-the-world complaints
#    ("Unable to get registers from thread N", "Could not attach to thread
#    N"): the tracer could not stop a thread that was being killed.
# A real report in such a process shows in any run where it is not killed.
set -u
dir=$1
interrupted_only() { # FILE: every line is a stop-the-world complaint
  ! grep -q -v -E '^==[0-9]+==(Unable to get registers from thread|Could not attach to thread|Tracer caught signal|Failed suspending threads)' "$1"
}
files=() empty=() cut=()
while IFS= read -r f; do
  if [[ ! -s $f ]]; then empty+=("$f")
  elif interrupted_only "$f"; then cut+=("$f")
  else files+=("$f"); fi
done < <(find "$dir" -type f 2>/dev/null | sort)
for f in "${files[@]}"; do
  echo "==== $f"
  head -60 "$f"
done
for f in "${empty[@]}"; do
  echo "(empty, not a report: a process killed as it began writing: $f)"
done
for f in "${cut[@]}"; do
  echo "(leak check interrupted by a SIGKILL, not a report: $f: $(head -c 200 "$f" | tr '\n' ' '))"
done
echo "sanitizer reports: ${#files[@]} (empty files: ${#empty[@]}, interrupted leak checks: ${#cut[@]})"
[[ ${#files[@]} -eq 0 ]]
