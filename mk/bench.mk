# Benchmarks (issue 11): `make bench` runs `rtconform bench` (rtengined and,
# as root with the binary fetched, dockerd 26.1.5 + containerd side by side)
# into $(BENCH_DIR), then regenerates README's "Benchmark results" section
# from bench-results.json. Not part of `make check` (minutes, and the
# numbers mean something only on an otherwise idle machine); check-bench is
# a quick smoke run of the bench itself on rtengined with tiny sizes.
BENCH_DIR  ?= $(B)/bench
BENCH_ARGS ?=

.PHONY: bench bench-readme check-bench
CHECK_EXTRA += check-bench

bench: programs
	$(RTCONFORM) bench --out-dir $(BENCH_DIR) --make-check $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-readme

bench-readme:
	scripts/bench-readme.py $(BENCH_DIR)/bench-results.json README.md

check-bench: programs
	@scripts/run-shell-tests.sh tests/bench/t-*.sh
