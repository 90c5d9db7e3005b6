# ThreadSanitizer: the whole tree built with -fsanitize=thread in TSAN_B
# (mk/reload.mk's tree, shared with check-snapshot-tsan), then the snapshot
# concurrency unit tests (check-snapshot-tsan) and the race suite
# (RT-RACE-*, suites/race.c, core and full profiles) against the TSan
# engine and shims. Reports go to files, so one from a daemonized shim
# fails the run too.
TSAN_LOG   = $(abspath $(TSAN_B))/tsan-reports
TSAN_MAKE  = $(MAKE) --no-print-directory B=$(TSAN_B) CC=clang CFLAGS="-O1 -g" \
             EXTRA_CFLAGS="-fsanitize=thread -Wno-format-nonliteral" EXTRA_LDFLAGS=-fsanitize=thread

.PHONY: check-tsan
check-tsan: check-snapshot-tsan
	@rm -rf $(TSAN_LOG) && mkdir -p $(TSAN_LOG)
	@$(TSAN_MAKE) -j2 programs
	@rc=0; TSAN_OPTIONS="halt_on_error=0 exitcode=66 log_path=$(TSAN_LOG)/tsan suppressions=$(abspath tests/sanitize/tsan.supp)" \
	    $(TSAN_B)/bin/rtconform run --profile full --focus 'RT-RACE-' --timeout-multiplier 4 \
	    --report-dir $(TSAN_B)/report-race || rc=$$?; \
	scripts/sanitizer-reports.sh $(TSAN_LOG) && exit $$rc; exit 1
