#!/bin/sh
# IPIs per process exit: the CAL (function call) and TLB rows of
# /proc/interrupts and the lazy_mm_shootdown* vm events over a fork/exit
# storm of lazymm_exits exits per CPU (lazybench -c reads them itself).
set -e
b=$GUEST_DIR/../tools/bench/lazybench
per_cpu=${lazymm_exits:-1000}
n=$(nproc)
cd /tmp
"$b" forkexit -n "$per_cpu" -j "$n" -c
echo "RESULT cpus $n"
echo "RESULT exits $((per_cpu * n))"
