#!/bin/sh
# The kernel's own membarrier selftests, built from the same tree.
dir=$LAZYMM_OUT/kselftest/membarrier
rc=0
for t in membarrier_test_single_thread membarrier_test_multi_thread; do
	# Name each TAP line after its binary: both print the same descriptions.
	"$dir/$t" >"/tmp/$t.out" 2>&1 || rc=1
	sed -E "s/^((not )?ok [0-9]+ )/\1$t: /" "/tmp/$t.out"
done
exit $rc
