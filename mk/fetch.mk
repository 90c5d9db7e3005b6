# scripts/fetch-reference-engines (engineer f): its pure parts (apt sources
# parsing, private apt config, versions) under tests/scripts/. The real fetch
# needs root and Debian's archive; it is run by hand or by .ci/run, not here.
.PHONY: check-fetch
CHECK_EXTRA += check-fetch

check-fetch:
	@scripts/run-shell-tests.sh tests/scripts/t-*.sh
