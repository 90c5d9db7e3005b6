# Config snapshots, reload and events (engineer b2): the snapshot/event unit
# tests and the reload race under ThreadSanitizer, in their own build tree
# (clang: -Wformat=2 also warns on vprintf-style wrappers, hence the -Wno).
# (The reload conformance suite RT-RELOAD-* runs in check-conformance.)
TSAN_B     ?= $(B)-tsan
TSAN_TESTS  = test_snapshot test_snapshot_race test_events

.PHONY: check-snapshot-tsan
CHECK_EXTRA += check-snapshot-tsan

check-snapshot-tsan:
	@$(MAKE) --no-print-directory B=$(TSAN_B) CC=clang CFLAGS="-O1 -g" \
	    EXTRA_CFLAGS="-fsanitize=thread -Wno-format-nonliteral" \
	    EXTRA_LDFLAGS=-fsanitize=thread \
	    $(TSAN_TESTS:%=$(TSAN_B)/tests/%)
	@RT_RACE_RELOADS=$${RT_RACE_RELOADS:-300} TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	    scripts/run-unit-tests.sh $(TSAN_TESTS:%=$(TSAN_B)/tests/%)
