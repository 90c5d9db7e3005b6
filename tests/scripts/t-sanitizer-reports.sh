#!/usr/bin/env bash
# scripts/sanitizer-reports.sh: a real report fails the run; an empty file
# and a leak check cut short by SIGKILL are listed and do not.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$(cd "$(dirname "$0")/../.." && pwd)/scripts/sanitizer-reports.sh

test_expect 'no files: passes, counts 0' '
  mkdir d && bash "$SCRIPT" d >out
  grep -qx "sanitizer reports: 0 (empty files: 0, interrupted leak checks: 0)" out
'
test_expect 'an empty file and an interrupted leak check are listed, not counted' '
  mkdir d2 && : >d2/ubsan.1
  printf "==12==Unable to get registers from thread 11.\n" >d2/ubsan.11
  bash "$SCRIPT" d2 >out
  grep -q "^(empty, not a report: .*ubsan.1)" out
  grep -q "^(leak check interrupted by a SIGKILL, not a report: .*ubsan.11" out
  grep -qx "sanitizer reports: 0 (empty files: 1, interrupted leak checks: 1)" out
'
test_expect 'a leak report fails and is printed, also after a stop-the-world line' '
  mkdir d3
  printf "==7==Unable to get registers from thread 6.\n==6==ERROR: LeakSanitizer: detected memory leaks\n" >d3/ubsan.6
  printf "x.c:3:5: runtime error: signed integer overflow\n" >d3/ubsan.9
  ! bash "$SCRIPT" d3 >out
  grep -q "^==== .*ubsan.6" out && grep -q "detected memory leaks" out
  grep -q "signed integer overflow" out
  grep -qx "sanitizer reports: 2 (empty files: 0, interrupted leak checks: 0)" out
'
test_done
