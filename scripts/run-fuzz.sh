#!/usr/bin/env bash
# Run libFuzzer targets time-boxed: run-fuzz.sh BUILD_DIR SECONDS TARGET...
# Seeds come from fixtures/fuzz/<target>/ (never written); the growing corpus
# is BUILD_DIR/corpus/<target>/, crash inputs BUILD_DIR/crash/<target>/, the
# log BUILD_DIR/fuzz-<target>.log. Prints execs/s and coverage per target and
# fails if any target found something (crash, leak, timeout, sanitizer report).
set -u
b=$1 secs=$2
shift 2
pass=0 fail=0 failed=()
for t in "$@"; do
  bin=$b/fuzz/fuzz_$t
  [[ -x $bin ]] || { echo "fuzz $t: $bin missing"; fail=$((fail + 1)); failed+=("$t"); continue; }
  mkdir -p "$b/corpus/$t" "$b/crash/$t"
  seeds=(); [[ -d fixtures/fuzz/$t ]] && seeds=(fixtures/fuzz/$t)
  case $t in
    images) max_len=65536 ;;
    http|ttrpc) max_len=16384 ;;
    *) max_len=8192 ;;
  esac
  log=$b/fuzz-$t.log
  # -timeout: one input taking this long is a finding (a hang; generous, as
  # the machine may be loaded: a 299-byte config once stalled 35 s); nice: the
  # machine is shared.
  nice -n 10 "$bin" -max_total_time="$secs" -timeout=60 -rss_limit_mb=2048 -max_len=$max_len \
    -print_final_stats=1 -artifact_prefix="$b/crash/$t/" "$b/corpus/$t" "${seeds[@]}" \
    >"$log" 2>&1
  rc=$?
  stats=$(grep -E '^#[0-9]+' "$log" | tail -1)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  eps=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1 ft \2/p' <<<"$stats")
  # slow-unit-* files only say an input was slow (often: a loaded machine).
  crashes=$(find "$b/crash/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [[ $rc -eq 0 && $crashes -eq 0 ]]; then
    pass=$((pass + 1))
    echo "fuzz $t: ok, ${secs}s, ${execs:-?} execs, ${eps:-?} exec/s, ${cov:-no coverage line}"
  else
    fail=$((fail + 1)); failed+=("$t")
    echo "fuzz $t: FINDING (exit $rc), inputs in $b/crash/$t/, log $log"
    grep -m1 -E 'ERROR: |runtime error|SUMMARY' "$log" | sed 's/^/  /'
  fi
done
echo "fuzz targets: ${pass} passed, ${fail} failed${failed:+ (${failed[*]})}"
[[ $fail -eq 0 ]]
