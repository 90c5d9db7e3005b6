# rtconform — top-level build.
#
# Sources are found by directory, so adding a .c file needs no Makefile edit:
#   lib/*.c, lib/proto/*.proto  -> $(B)/lib/librt.a          (shared by everything)
#   engine/**.c minus main.c    -> $(B)/lib/libengine.a      (unit-testable engine)
#   harness/*.c suites/*.c      -> $(B)/lib/libharness.a
#   fakeshims/shim/*.c          -> $(B)/libexec/containerd-shim-rtfake-v2
#   fakeshims/runc/*.c          -> $(B)/libexec/fakerunc
#   tests/unit/test_*.c         -> $(B)/tests/test_*  (cmocka, one binary each)
# Extra rules may live in mk/*.mk.

B        ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
LIBEXEC   = $(PREFIX)/libexec/rtconform
DATADIR   = $(PREFIX)/share/rtconform

CC       ?= cc
PKGS      = jansson libcurl libmicrohttpd libcrypto libprotobuf-c liburcu libarchive
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN      = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE -pthread \
             -Ilib -I$(B)/gen -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = -Wl,--as-needed $(PKG_LIBS) -pthread -lm $(EXTRA_LDFLAGS)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
CMOCKA_LIBS= $(shell pkg-config --libs cmocka 2>/dev/null)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
ALL_CFLAGS += -DRT_VERSION='"$(VERSION)"'

# ---- sources ---------------------------------------------------------------
PROTOS      := $(wildcard lib/proto/*.proto)
PROTO_C     := $(PROTOS:lib/proto/%.proto=$(B)/gen/proto/%.pb-c.c)
PROTO_H     := $(PROTO_C:.c=.h)
LIB_SRC     := $(wildcard lib/*.c)
ENGINE_SRC  := $(filter-out engine/main.c,$(wildcard engine/*.c engine/*/*.c))
HARNESS_SRC := $(filter-out harness/main.c,$(wildcard harness/*.c suites/*.c))
SHIM_SRC    := $(wildcard fakeshims/shim/*.c)
RUNC_SRC    := $(wildcard fakeshims/runc/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_HELPER := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIB_OBJ     := $(call obj,$(LIB_SRC)) $(PROTO_C:$(B)/gen/%.c=$(B)/obj/gen/%.o)
ENGINE_OBJ  := $(call obj,$(ENGINE_SRC))
HARNESS_OBJ := $(call obj,$(HARNESS_SRC))
SHIM_OBJ    := $(call obj,$(SHIM_SRC))
RUNC_OBJ    := $(call obj,$(RUNC_SRC))
UNIT_BINS   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
UNIT_HOBJ   := $(call obj,$(UNIT_HELPER))

LIBRT       := $(B)/lib/librt.a
LIBENGINE   := $(B)/lib/libengine.a
LIBHARNESS  := $(B)/lib/libharness.a
RTENGINED   := $(B)/bin/rtengined
RTCONFORM   := $(B)/bin/rtconform
SHIM_BIN    := $(if $(SHIM_SRC),$(B)/libexec/containerd-shim-rtfake-v2)
RUNC_BIN    := $(if $(RUNC_SRC),$(B)/libexec/fakerunc)
# Other names the fake shim answers to (symlinks in libexec).
SHIM_ALIASES = containerd-shim-runc-alias-v2 containerd-shim-rtkata-v2
SHIM_LINKS  := $(if $(SHIM_BIN),$(SHIM_ALIASES:%=$(B)/libexec/%))

PROGRAMS = $(RTENGINED) $(RTCONFORM) $(SHIM_BIN) $(RUNC_BIN) $(SHIM_LINKS)

.PHONY: all deps check check-unit check-engine check-engine-crash check-engine-rest check-conformance conformance \
        clean install dist
.DEFAULT_GOAL := all
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory programs

programs: $(PROGRAMS) $(UNIT_BINS)

deps:
	@scripts/deps.sh

# ---- generated protobuf code ------------------------------------------------
$(B)/gen/proto/%.pb-c.c $(B)/gen/proto/%.pb-c.h: lib/proto/%.proto
	@mkdir -p $(B)/gen/proto
	protoc-c --c_out=$(B)/gen/proto -Ilib/proto $<

# Every object waits for the generated headers (order-only), -MMD does the rest.
$(B)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-unused-parameter -c -o $@ $<

# ---- archives and programs --------------------------------------------------
$(LIBRT): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^
$(LIBENGINE): $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^
$(LIBHARNESS): $(HARNESS_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(RTENGINED): $(B)/obj/engine/main.o $(LIBENGINE) $(LIBRT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(RTCONFORM): $(B)/obj/harness/main.o $(LIBHARNESS) $(LIBRT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL) $(CHECK_LIBS)
# The fake shim and fakerunc are exec'd about 7 times per container run
# under either engine; a static binary maps one object instead of four and
# skips the dynamic loader (bench: -28% CPU and -43% page faults per run).
# Instrumented builds (EXTRA_CFLAGS/EXTRA_LDFLAGS: ASan, TSan, fuzz), and
# valgrind (FAKES_LINK=dynamic) link them dynamically; so does a system
# without the static archives. The stamp relinks them when the mode changes.
FAKES_ARCHIVES  := $(foreach a,libc.a libjansson.a libprotobuf-c.a,$(shell $(CC) -print-file-name=$(a)))
FAKES_STATIC_OK := $(if $(filter 3,$(words $(wildcard $(FAKES_ARCHIVES)))),yes)
FAKES_LINK ?= $(if $(EXTRA_CFLAGS)$(EXTRA_LDFLAGS),dynamic,$(if $(FAKES_STATIC_OK),static,dynamic))
FAKES_LIBS  = $(if $(filter static,$(FAKES_LINK)),-static $(shell pkg-config --static --libs jansson libprotobuf-c 2>/dev/null) \
              -pthread -lm,$(LDLIBS_ALL))
FAKES_STAMP = $(B)/obj/fakes-link
$(FAKES_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo $(FAKES_LINK) | cmp -s - $@ || echo $(FAKES_LINK) > $@
.PHONY: FORCE
ifneq ($(SHIM_BIN),)
$(SHIM_BIN): $(SHIM_OBJ) $(LIBRT) $(FAKES_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out $(FAKES_STAMP),$^) $(FAKES_LIBS)
$(SHIM_LINKS): $(SHIM_BIN)
	ln -sf containerd-shim-rtfake-v2 $@
endif
ifneq ($(RUNC_BIN),)
$(RUNC_BIN): $(RUNC_OBJ) $(LIBRT) $(FAKES_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out $(FAKES_STAMP),$^) $(FAKES_LIBS)
endif

# Unit tests may reach into engine and harness internals (nothing else may).
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(UNIT_HOBJ) $(LIBENGINE) $(LIBHARNESS) $(LIBRT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL) $(CMOCKA_LIBS) $(CHECK_LIBS)

# mk/*.mk fragments may add to CHECK_EXTRA (further check targets) and
# ROOT_CHECKS (root-only checks .ci/run adds).
CHECK_EXTRA ?=

# ---- tests -----------------------------------------------------------------
# RT_BUILD tells test scripts and the harness where the build tree is.
export RT_BUILD = $(abspath $(B))

# The check targets are independent (each test has its own sandbox, socket
# and temp dir) and mostly wait on processes: CHECK_JOBS of them at a time,
# longest first. (No --output-sync: t-install runs make, which would
# inherit it and block on the output lock.)
CHECK_JOBS ?= 2
check: all
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) check-engine check-conformance $(CHECK_EXTRA) check-unit

check-unit: programs
	@scripts/run-unit-tests.sh $(UNIT_BINS)

# t-crash (its short mode) takes about as long as all the others: a target
# of its own, so that make -j runs it beside them.
ENGINE_TESTS = $(wildcard tests/engine/t-*.sh)
check-engine: check-engine-rest check-engine-crash
check-engine-crash: programs
	@scripts/run-shell-tests.sh tests/engine/t-crash.sh
check-engine-rest: programs
	@scripts/run-shell-tests.sh $(filter-out tests/engine/t-crash.sh,$(ENGINE_TESTS))

REPORT_DIR ?= $(B)/conformance-report
check-conformance: programs
	$(RTCONFORM) run --target builtin --profile core -j $(CHECK_JOBS) --report-dir $(REPORT_DIR)

conformance: all
	@scripts/conformance.sh $(RTCONFORM) $(abspath $(REPORT_DIR))

# ---- install / dist ----------------------------------------------------------
install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXEC) $(DESTDIR)$(DATADIR)
	install -m 0755 $(RTENGINED) $(RTCONFORM) $(DESTDIR)$(BINDIR)/
	$(if $(SHIM_BIN),install -m 0755 $(SHIM_BIN) $(DESTDIR)$(LIBEXEC)/)
	$(if $(RUNC_BIN),install -m 0755 $(RUNC_BIN) $(DESTDIR)$(LIBEXEC)/)
	$(foreach a,$(if $(SHIM_BIN),$(SHIM_ALIASES)),ln -sf containerd-shim-rtfake-v2 $(DESTDIR)$(LIBEXEC)/$(a);)
	cp -R fixtures $(DESTDIR)$(DATADIR)/

dist:
	@scripts/dist.sh $(VERSION)

clean:
	rm -rf $(B) build-* rtconform-report

-include mk/*.mk
-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
