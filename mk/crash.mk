# Crash consistency, long mode (issue 12 item 4): 200 rounds of kill -9
# during a random workload. `make check` runs the short mode (20 rounds) as
# part of check-engine; this is not in CHECK_EXTRA on purpose (~25 min).
# RT_CRASH_SEED=N replays a run.
.PHONY: check-crash
check-crash: programs
	RT_CRASH_ITERS=$${RT_CRASH_ITERS:-200} bash tests/engine/t-crash.sh
