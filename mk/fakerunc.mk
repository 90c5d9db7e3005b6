# fakerunc: its shell tests and their subreaper helper.
FAKERUNC_SUBREAPER := $(B)/tests/fakerunc-subreaper

$(FAKERUNC_SUBREAPER): tests/shim/fakerunc-subreaper.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

.PHONY: check-fakerunc
check-fakerunc: programs $(FAKERUNC_SUBREAPER)
	@scripts/run-shell-tests.sh tests/shim/t-fakerunc.sh

CHECK_EXTRA += check-fakerunc
