#!/bin/sh
# The kernel's own membarrier selftests, built from the same tree.
set -e
dir=$LAZYMM_OUT/kselftest/membarrier
for t in membarrier_test_single_thread membarrier_test_multi_thread; do
	echo "# $t"
	"$dir/$t"
done
