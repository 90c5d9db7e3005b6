# Fake shim tests: the rtshimctl client tool, non-root and root shim checks.
SHIMCTL_SRC := tests/shim/rtshimctl.c
SHIMCTL     := $(B)/tests/shim/rtshimctl

$(SHIMCTL): $(call obj,$(SHIMCTL_SRC)) $(LIBRT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

programs: $(SHIMCTL)

.PHONY: check-shim check-shim-root
check-shim: $(SHIMCTL) $(SHIM_BIN) $(SHIM_LINKS) $(RUNC_BIN)
	@scripts/run-shell-tests.sh $(sort $(wildcard tests/shim/t-shim-*.sh))

check-shim-root: $(SHIMCTL) $(SHIM_BIN) $(SHIM_LINKS) $(RUNC_BIN)
	@scripts/run-shell-tests.sh tests/shim/t-containerd.sh tests/shim/t-realshim.sh

CHECK_EXTRA += check-shim check-shim-root
ROOT_CHECKS += check-shim-root
