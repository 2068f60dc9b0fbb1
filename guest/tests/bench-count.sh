#!/bin/sh
# Runs under the TCG lock-counting plugin (tools/lockcount), which writes
# $RESULTS/lockcount.txt (and blocks.txt, per translation block, and
# coherence.txt, its cache-line transfers) at each STOP marker: keep a
# copy per workload.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
cd /tmp
keep() {
	cp "$RESULTS/lockcount.txt" "$RESULTS/lockcount-$1.txt"
	for f in blocks coherence; do
		if [ -f "$RESULTS/$f.txt" ]; then
			cp "$RESULTS/$f.txt" "$RESULTS/$f-$1.txt"
		fi
	done
}
"$b" pingpong -n "${lazymm_rounds:-2000}" -a 0 -b 1
keep pingpong
"$b" forkexit -n "${lazymm_forks:-300}" -j 1
keep forkexit
"$b" exec -n "${lazymm_execs:-100}" -j 1
keep exec
"$b" cs1 -m threads -n "${lazymm_rounds:-2000}" -j 1
keep cs1
# hackbench: 1 group, 20 x 20 x loops messages; one unit = one message.
loops=${lazymm_hackbench_loops:-20}
"$b" run -n $((400 * loops)) -- hackbench -p -g 1 -l "$loops"
keep hackbench
echo "ok"
