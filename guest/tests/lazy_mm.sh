#!/bin/sh
# The series' own kselftest (tools/testing/selftests/lazy_mm), built from
# the same tree: one program per theme (exits, borrowed mms, membarrier,
# LDT + perf), run in turn like run_kselftest.sh would. Exit status: the
# first failure's, else 4 if every program skipped, else 0.
dir=$LAZYMM_OUT/kselftest/lazy_mm
progs="exit_test borrowed_mm_test membarrier_test ldt_perf_test"
if [ ! -x "$dir/exit_test" ]; then
	echo "lazy_mm selftest not built (the series on $LAZYMM_VARIANT has none)"
	exit 4
fi
export LAZY_MM_SECONDS="${LAZY_MM_SECONDS:-3}"
rc=0 skipped=0
for p in $progs; do
	"$dir/$p"
	r=$?
	if [ $r -eq 4 ]; then
		skipped=$((skipped + 1))
	elif [ $r -ne 0 ] && [ $rc -eq 0 ]; then
		rc=$r
	fi
done
[ $rc -eq 0 ] && [ $skipped -eq 4 ] && rc=4
exit $rc
