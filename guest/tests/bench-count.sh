#!/bin/sh
# Runs under the TCG lock-counting plugin (tools/lockcount), which writes
# $RESULTS/lockcount.txt at each STOP marker: keep a copy per workload.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
cd /tmp
"$b" pingpong -n "${lazymm_rounds:-2000}" -a 0 -b 1
cp "$RESULTS/lockcount.txt" "$RESULTS/lockcount-pingpong.txt"
"$b" forkexit -n "${lazymm_forks:-300}" -j 1
cp "$RESULTS/lockcount.txt" "$RESULTS/lockcount-forkexit.txt"
"$b" exec -n "${lazymm_execs:-100}" -j 1
cp "$RESULTS/lockcount.txt" "$RESULTS/lockcount-exec.txt"
echo "ok"
