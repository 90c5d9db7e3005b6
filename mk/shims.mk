# Shim manager (engineer e): the start/stop path end to end through the fake
# shims (RT-START-*, RT-SHIM-*). They also run in the full conformance run.
.PHONY: check-shims
# Not in CHECK_EXTRA: check-conformance already runs these tests.

check-shims: programs
	$(B)/bin/rtconform run --focus 'RT-(START|SHIM)-' --report-dir $(B)/report-shims -j 2
