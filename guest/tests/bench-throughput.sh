#!/bin/sh
# Throughput of the A/B workloads, one after the other, as RESULT lines.
# lazymm_secs (kernel command line) sets the seconds per workload.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
s=${lazymm_secs:-5}
n=$(nproc)
cd /tmp
"$b" pingpong -s "$s" -a 0 -b 1
"$b" forkexit -s "$s" -j "$n"
"$b" exec -s "$s" -j "$n"
"$b" thread -s "$s" -j "$n"
# perf bench sched pipe: two threads of one process, across CPUs 0 and 1.
perf=${lazymm_perf:?}
loops=$(taskset -c 0,1 "$perf" bench sched pipe -T -l 20000 2>&1 | tee /dev/stderr |
	awk '/usecs\/op/ { print $1 }')
echo "RESULT perf_pipe_usecs_per_op $loops"
