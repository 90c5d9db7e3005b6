#!/usr/bin/env bash
# `make conformance`: run the conformance suites against the reference engine
# in a sandbox, print the live TAP stream and the verdict, say where the
# reports are. Usage: conformance.sh RTCONFORM REPORT_DIR [rtconform args]
set -uo pipefail
rtconform=$1 report=$2
shift 2
mkdir -p "$report"
"$rtconform" run --target builtin --profile full --report-dir "$report" "$@"
rc=$?
case $rc in
  0) verdict="CONFORMS (profile full, target builtin)" ;;
  1) verdict="DOES NOT CONFORM: failures above" ;;
  77) verdict="NOTHING RAN: see SKIP reasons above" ;;
  *) verdict="HARNESS ERROR (exit $rc)" ;;
esac
echo "verdict: $verdict"
echo "reports:"
for f in report.tap junit.xml results.json report.html; do
  if [[ -f "$report/$f" ]]; then echo "  $report/$f"; else echo "  $report/$f (missing)"; fi
done
[[ -d "$report/artifacts" ]] && echo "  $report/artifacts/ (logs, journals, configs of failing tests)"
exit $rc
