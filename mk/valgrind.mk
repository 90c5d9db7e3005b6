# valgrind memcheck: every unit-test program, then the core conformance
# profile with the engine (and, through --trace-children, the fake shims and
# fakerunc it starts) under memcheck. Zero errors and nothing definitely or
# indirectly lost; each process logs to its own file (%p: a forked shim
# daemon gets its own), without -q so that scripts/valgrind-reports.sh can
# tell a process that finished clean (ERROR SUMMARY: 0) from one that was
# killed or exec'd an untraced program (no leak check: not counted clean),
# and attribute each log to its test (Parent PID). System binaries the
# containers run and the runtime wrapper scripts are not traced.
VG_LOG   = $(abspath $(B))/valgrind
VG_SKIP  = /bin/*,/usr/bin/*,/sbin/*,/usr/sbin/*,/usr/local/bin/*,*/runtimes/*
VG_OPTS  = --error-exitcode=97 --leak-check=full --show-leak-kinds=definite,indirect \
           --errors-for-leak-kinds=definite,indirect --num-callers=30
# memcheck is 20-50x slower: every harness timeout is scaled by this, and
# through RTENGINED_TIMEOUT_MULT the engine's and fake shim's own limits.
VG_TIMEOUT_MULT ?= 12
# Tests at once: each engine under memcheck runs its threads one at a time,
# so two use both cores of a 2-core machine.
VG_JOBS ?= 2
# A regex to run part of the core profile; empty = every core test.
VG_FOCUS ?=
# A regex of test IDs allowed to SKIP (a skipped test ran no engine code, so
# any other SKIP fails the run). RT-START-022 skips without memcheck too:
# rtengined has no pause endpoint (a target capability).
VG_SKIP_OK ?= ^RT-START-022$$

.PHONY: check-valgrind
check-valgrind: programs
	@command -v valgrind >/dev/null || { echo "check-valgrind: SKIP: valgrind is not installed"; exit 77; }
	@# memcheck replaces malloc only in shared libc: fake shim and fakerunc dynamic here
	@$(MAKE) --no-print-directory FAKES_LINK=dynamic $(SHIM_BIN) $(RUNC_BIN)
	@rm -rf $(VG_LOG) $(B)/report-valgrind && mkdir -p $(VG_LOG)/unit $(VG_LOG)/engine
	@start=$$(date +%s); pass=0; fail=0; failed=""; \
	for t in $(UNIT_BINS); do \
	  if RT_RACE_RELOADS=30 valgrind $(VG_OPTS) --log-file=$(VG_LOG)/unit/$$(basename $$t).%p $$t >/dev/null 2>&1; \
	  then pass=$$((pass + 1)); else fail=$$((fail + 1)); failed="$$failed $$(basename $$t)"; fi; \
	done; \
	echo "valgrind unit programs: $$pass passed, $$fail failed$$failed ($$(( $$(date +%s) - start )) s)"; \
	start=$$(date +%s); rc=0; \
	RTCONFORM_ENGINE_WRAPPER="valgrind $(VG_OPTS) --trace-children=yes --trace-children-skip=$(VG_SKIP) --log-file=$(VG_LOG)/engine/vg.%p" \
	  $(RTCONFORM) run --target builtin --profile core -j $(VG_JOBS) --timeout-multiplier $(VG_TIMEOUT_MULT) $(if $(VG_FOCUS),--focus '$(VG_FOCUS)') \
	  --report-dir $(B)/report-valgrind || rc=$$?; \
	echo "valgrind conformance run: exit $$rc ($$(( $$(date +%s) - start )) s)"; \
	VG_SKIP_OK='$(VG_SKIP_OK)' scripts/valgrind-reports.sh $(VG_LOG) $(B)/report-valgrind/results.json && [ $$fail -eq 0 ] && exit $$rc; exit 1
