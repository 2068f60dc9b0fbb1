#!/bin/sh
# The series' own kselftest (tools/testing/selftests/lazy_mm), built from
# the same tree: fork/exit/exec/thread storms, io_uring SQPOLL, membarrier
# ordering, LDT + perf, readers racing exit, CPU hotplug.
bin=$LAZYMM_OUT/kselftest/lazy_mm/lazy_mm_test
if [ ! -x "$bin" ]; then
	echo "lazy_mm selftest not built (the series on $LAZYMM_VARIANT has none)"
	exit 4
fi
export LAZY_MM_SECONDS="${LAZY_MM_SECONDS:-3}"
exec "$bin"
