# The harness's own checks: its self-test profile run end to end.
.PHONY: check-harness
CHECK_EXTRA += check-harness

check-harness: programs
	@scripts/run-shell-tests.sh tests/harness/t-*.sh
