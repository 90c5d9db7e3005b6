# libFuzzer targets (fuzz/fuzz_<name>.c) with ASan + UBSan, clang-14, in
# their own build tree. Seeds: fixtures/fuzz/<name>/ (read-only); what a run
# finds goes to $(FUZZ_B)/corpus/<name>/, crashes to $(FUZZ_B)/crash/<name>/.
#   make check-fuzz   every target FUZZ_SECONDS (30) each; fails on a finding
#   make fuzz         the same, FUZZ_LONG_SECONDS (600) each
#   make fuzz-<name>  one target, FUZZ_SECONDS
FUZZ_B            ?= build-fuzz
FUZZ_CC           ?= clang-14
FUZZ_SECONDS      ?= 30
FUZZ_LONG_SECONDS ?= 600
FUZZ_TARGETS      := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SAN           = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# -Wno-format-nonliteral: clang's -Wformat=2 also flags vprintf-style wrappers.
FUZZ_MAKE = $(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) CFLAGS="-O1 -g" \
            EXTRA_CFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN) -Wno-format-nonliteral" \
            EXTRA_LDFLAGS="$(FUZZ_SAN)"
# Per-target extra objects (the fake shim's options decoder for ttrpc).
FUZZ_OBJ_ttrpc = $(B)/obj/fakeshims/shim/options.o
$(B)/fuzz/fuzz_ttrpc: $(FUZZ_OBJ_ttrpc)

# Reports fail the run; leaks are findings too.
FUZZ_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: fuzz check-fuzz fuzz-build

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(LIBENGINE) $(LIBHARNESS) $(LIBRT)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ_$*) $(LIBENGINE) $(LIBHARNESS) $(LIBRT) $(LDLIBS_ALL)

fuzz-build:
	@$(FUZZ_MAKE) $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz/fuzz_%)

fuzz-%: fuzz-build
	@$(FUZZ_ENV) scripts/run-fuzz.sh $(FUZZ_B) $(FUZZ_SECONDS) $*

check-fuzz: fuzz-build
	@$(FUZZ_ENV) scripts/run-fuzz.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz: fuzz-build
	@$(FUZZ_ENV) scripts/run-fuzz.sh $(FUZZ_B) $(FUZZ_LONG_SECONDS) $(FUZZ_TARGETS)
