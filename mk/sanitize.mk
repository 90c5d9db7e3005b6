# ASan + UBSan build of everything (engine, harness, fake shims, fakerunc,
# unit tests) in its own tree, and the whole check run against it.
# Reports go to files (log_path), so a report from any process, also a
# daemonized shim whose stderr nobody reads, fails the run.
ASAN_B   ?= build-asan
SAN_CC   ?= clang-14
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_MAKE  = $(MAKE) --no-print-directory B=$(ASAN_B) CC=$(SAN_CC) CFLAGS="-O1 -g" \
            EXTRA_CFLAGS="$(SAN_FLAGS) -Wno-format-nonliteral" EXTRA_LDFLAGS="$(SAN_FLAGS)"
SAN_LOG   = $(abspath $(ASAN_B))/sanitizer-reports
# handle_segv=0: the harness self-test crashes a test on purpose (raise
# SIGSEGV); a real crash still fails its test, only without an ASan trace.
# exitcode: a report also fails the process itself. The harness passes these
# to the engine it starts (testlib's rt_engine_env), the engine to its shims.
# Sanitized programs are 2-5x slower: every timeout is scaled by this, in the
# harness (--timeout-multiplier), the shell tests (RT_TIMEOUT_MULT, tests/lib.sh)
# and the engine's own limits (RTENGINED_TIMEOUT_MULT).
SAN_TIMEOUT_MULT ?= 3
SAN_ENV   = ASAN_OPTIONS=log_path=$(SAN_LOG)/asan:detect_leaks=1:handle_segv=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(SAN_LOG)/ubsan \
            RT_TIMEOUT_MULT=$(SAN_TIMEOUT_MULT) RTENGINED_TIMEOUT_MULT=$(SAN_TIMEOUT_MULT)
# (LeakSanitizer reports are named after the last log_path set: ubsan.<pid>.)
# The checks are independent (own temp dirs, engines, sockets) and each
# mostly waits on sanitized processes: two at a time. (No --output-sync:
# t-install runs make, which would inherit it and block on the output lock.)
SAN_JOBS ?= 2
# Everything `make check` runs, minus the other instrumented builds; the
# conformance run is started below with scaled timeouts.
SAN_CHECKS = check-unit check-engine \
             $(filter-out check-snapshot-tsan check-tsan check-fuzz check-valgrind check-sanitize,$(CHECK_EXTRA))

.PHONY: check-sanitize
check-sanitize:
	@rm -rf $(SAN_LOG) && mkdir -p $(SAN_LOG) && chmod 1777 $(SAN_LOG) # (tests also run programs as nobody)
	@$(SAN_MAKE) -j2 programs
	@start=$$(date +%s); rc=0; \
	$(SAN_ENV) $(SAN_MAKE) -k -j$(SAN_JOBS) $(SAN_CHECKS) || rc=$$?; \
	$(SAN_ENV) $(ASAN_B)/bin/rtconform run --target builtin --profile core --timeout-multiplier $(SAN_TIMEOUT_MULT) -j $(SAN_JOBS) \
	    --report-dir $(ASAN_B)/conformance-report || rc=$$?; \
	echo "check-sanitize: checks took $$(( $$(date +%s) - start )) s"; \
	scripts/sanitizer-reports.sh $(SAN_LOG) && exit $$rc; exit 1
