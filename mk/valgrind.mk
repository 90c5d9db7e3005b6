# valgrind memcheck: every unit-test program, then the core conformance
# profile with the engine (and, through --trace-children, the fake shims and
# fakerunc it starts) under memcheck. Zero errors and nothing definitely or
# indirectly lost; each process logs to its own file, so a daemonized shim's
# errors count too. System binaries the containers run are not traced.
VG_LOG   = $(abspath $(B))/valgrind
VG_SKIP  = /bin/*,/usr/bin/*,/sbin/*,/usr/sbin/*,/usr/local/bin/*,*/runtimes/*
VG_OPTS  = --error-exitcode=97 --leak-check=full --show-leak-kinds=definite,indirect \
           --errors-for-leak-kinds=definite,indirect --num-callers=30 -q
# memcheck is 20-50x slower: every harness timeout is scaled by this.
VG_TIMEOUT_MULT ?= 12
# A regex to run part of the core profile (a whole run takes hours on a
# loaded 2-core machine); empty = every core test.
VG_FOCUS ?=

.PHONY: check-valgrind
check-valgrind: programs
	@command -v valgrind >/dev/null || { echo "check-valgrind: SKIP: valgrind is not installed"; exit 77; }
	@rm -rf $(VG_LOG) && mkdir -p $(VG_LOG)/unit $(VG_LOG)/engine
	@start=$$(date +%s); pass=0; fail=0; failed=""; \
	for t in $(UNIT_BINS); do \
	  if RT_RACE_RELOADS=30 valgrind $(VG_OPTS) --log-file=$(VG_LOG)/unit/$$(basename $$t).%p $$t >/dev/null 2>&1; \
	  then pass=$$((pass + 1)); else fail=$$((fail + 1)); failed="$$failed $$(basename $$t)"; fi; \
	done; \
	echo "valgrind unit programs: $$pass passed, $$fail failed$$failed ($$(( $$(date +%s) - start )) s)"; \
	start=$$(date +%s); rc=0; \
	RTCONFORM_ENGINE_WRAPPER="valgrind $(VG_OPTS) --trace-children=yes --trace-children-skip=$(VG_SKIP) --log-file=$(VG_LOG)/engine/vg.%p" \
	  $(RTCONFORM) run --target builtin --profile core --timeout-multiplier $(VG_TIMEOUT_MULT) $(if $(VG_FOCUS),--focus '$(VG_FOCUS)') \
	  --report-dir $(B)/report-valgrind || rc=$$?; \
	echo "valgrind conformance run: exit $$rc ($$(( $$(date +%s) - start )) s)"; \
	scripts/valgrind-reports.sh $(VG_LOG) && [ $$fail -eq 0 ] && exit $$rc; exit 1
