# The stress profile (engineer race): the long reload-vs-start race and the
# soak (RT-RACE-011, RT-RACE-020) plus the forced interleavings, and any
# other stress test. Not part of `make check` (minutes, not seconds):
#   make check-stress [STRESS_DURATION=SECS] [STRESS_SEED=N]
STRESS_DURATION   ?= 60
STRESS_REPORT_DIR ?= $(B)/stress-report

.PHONY: check-stress
check-stress: programs
	RTCONFORM_RACE_DURATION=$(STRESS_DURATION) $(RTCONFORM) run --target builtin --profile stress \
	    --report-dir $(STRESS_REPORT_DIR) $(if $(STRESS_SEED),--seed $(STRESS_SEED))
