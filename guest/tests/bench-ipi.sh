#!/bin/sh
# IPIs per process exit: /proc/interrupts function-call (CAL) and TLB rows
# and the lazy_mm_shootdown* vm events, before and after a fork/exit storm
# of lazymm_exits exits per CPU.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
per_cpu=${lazymm_exits:-1000}
n=$(nproc)
# shellcheck source=../exit-counters.sh
. "$GUEST_DIR/exit-counters.sh"
cd /tmp
counters_before
"$b" forkexit -n "$per_cpu" -j "$n"
# The counters first: nothing else runs between the workload and them.
counters=$(counters_after)
echo "RESULT cpus $n"
echo "RESULT exits $((per_cpu * n))"
echo "$counters"
