# The real docker CLI against rtengined with the fake shims, no root needed
# (tests/cli; skips with 77 when /usr/local/bin/docker is absent).
.PHONY: check-cli
CHECK_EXTRA += check-cli

check-cli: programs
	@scripts/run-shell-tests.sh tests/cli/t-*.sh
