# fakerunc: its shell tests and their subreaper helper.
FAKERUNC_SUBREAPER := $(B)/tests/fakerunc-subreaper

FAKERUNC_CONSOLE := $(B)/tests/fakerunc-console

$(B)/tests/fakerunc-%: tests/shim/fakerunc-%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

.PHONY: check-fakerunc
check-fakerunc: programs $(FAKERUNC_SUBREAPER) $(FAKERUNC_CONSOLE)
	@scripts/run-shell-tests.sh tests/shim/t-fakerunc.sh

CHECK_EXTRA += check-fakerunc
