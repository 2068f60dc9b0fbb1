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
# will-it-scale's context_switch1, one pair per vCPU: direct switches
# between two tasks on one CPU, same mm (threads) or not (processes).
"$b" cs1 -m threads -s "$s" -j "$n"
"$b" cs1 -m processes -s "$s" -j "$n"
# hackbench (rt-tests) over pipes, one group of 40 tasks per vCPU, fixed
# work: groups x 20 senders x 20 receivers x loops messages.
loops=$((20 * s))
for mode in process thread; do
	flag=-P
	[ $mode = thread ] && flag=-T
	t=$(hackbench -p $flag -g "$n" -l "$loops" | tee /dev/stderr | awk '/^Time:/ { print $2 }')
	echo "RESULT hackbench_${mode}_msgs_per_sec $(awk -v m=$((n * 400 * loops)) -v t="$t" \
		'BEGIN { if (t > 0) printf "%.1f", m / t }')"
done
# perf bench sched pipe: two threads of one process, across CPUs 0 and 1.
perf=${lazymm_perf:?}
loops=$(taskset -c 0,1 "$perf" bench sched pipe -T -l 20000 2>&1 | tee /dev/stderr |
	awk '/usecs\/op/ { print $1 }')
echo "RESULT perf_pipe_usecs_per_op $loops"
