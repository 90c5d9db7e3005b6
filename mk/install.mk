# Packager mode (engineer diffpack): the build tree mirrors the installed
# layout for data (share/rtconform/fixtures -> the source's fixtures/), so
# rtconform finds its data the same way in both (harness/paths.h).
# check-install: `make install PREFIX=<tmp>/usr`, then the installed
# rtconform run from / with nothing of the build tree in reach.
# check-dist (not in `make check`: it rebuilds everything from the tarball,
# several minutes): `make dist`, unpack without git, make + check-unit +
# the core conformance run.
BUILD_DATA := $(B)/share/rtconform/fixtures

$(BUILD_DATA):
	@mkdir -p $(dir $@)
	ln -sfn $(abspath fixtures) $@

programs: $(BUILD_DATA)

.PHONY: check-install check-dist
CHECK_EXTRA += check-install

check-install: programs
	@RT_SRC=$(abspath .) scripts/run-shell-tests.sh tests/install/t-install.sh

check-dist:
	@RT_SRC=$(abspath .) scripts/run-shell-tests.sh tests/install/t-dist.sh

# installcheck (Automake's name): the installed rtconform, run from /,
# against the installed reference engine. Reports under $(B).
.PHONY: installcheck
installcheck:
	cd / && $(DESTDIR)$(BINDIR)/rtconform run --target builtin --profile core \
	    --report-dir $(abspath $(B))/installcheck-report
