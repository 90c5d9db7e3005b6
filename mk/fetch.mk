# Tests of scripts/ (tests/scripts/): sanitizer-reports.sh, and the pure
# parts of fetch-reference-engines (apt sources parsing, private apt config,
# versions). The real fetch needs root and Debian's archive; it is run by
# hand or by .ci/run, not here.
.PHONY: check-fetch
CHECK_EXTRA += check-fetch

check-fetch:
	@scripts/run-shell-tests.sh tests/scripts/t-*.sh
