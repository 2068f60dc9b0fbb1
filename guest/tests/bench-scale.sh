#!/bin/sh
# Cache-line transfers per operation against the vCPU count: run under
# the TCG plugin (tools/lockcount, coherence=) at N vCPUs, every workload
# spread over all N CPUs where it can be. The ping-pong round trip stays
# on CPUs 0 and 1 (the other CPUs idle); context_switch1 (threads, then
# processes) and the fork/exit storm run N jobs, job j pinned to CPU j.
# Each job does lazymm_scale_ops / N units (lazymm_scale_ops_forkexit for
# the storm), so that the total work, and the run's time, stays about the
# same at every N. One unit in the plugin's files is one of job 0's: a
# file's units times jobs-W.txt is the operations of the window.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
n=$(nproc)
cd /tmp
keep() {
	cp "$RESULTS/lockcount.txt" "$RESULTS/lockcount-$1.txt"
	cp "$RESULTS/coherence.txt" "$RESULTS/coherence-$1.txt"
	echo "$2" >"$RESULTS/jobs-$1.txt"
}
per_job() {
	k=$(($1 / n))
	[ "$k" -ge 10 ] || k=10
	echo "$k"
}
ops=${lazymm_scale_ops:-2000}
"$b" pingpong -n "$ops" -a 0 -b 1
keep pingpong 1
"$b" cs1 -m threads -n "$(per_job "$ops")" -j "$n"
keep cs1 "$n"
"$b" cs1 -m processes -n "$(per_job "$ops")" -j "$n"
keep cs1proc "$n"
"$b" forkexit -n "$(per_job "${lazymm_scale_ops_forkexit:-320}")" -j "$n"
keep forkexit "$n"
echo "RESULT cpus $n"
