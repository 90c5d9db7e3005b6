# make check-dockerd (root): the suites against real dockerd 20.10 and 26.1.5
# with their expectation files (scripts/check-dockerd). Not part of `make
# check` (needs root and takes minutes); .ci/run runs it when root.
.PHONY: check-dockerd
check-dockerd: programs
	@scripts/check-dockerd $(B)
