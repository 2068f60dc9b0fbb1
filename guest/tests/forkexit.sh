#!/bin/sh
# Fork/exit smoke test: a few hundred short processes on every CPU at once.
set -e
n=$(nproc)
pids=""
for cpu in $(seq 0 $((n - 1))); do
	# shellcheck disable=SC2016 # expanded by the inner shell
	taskset -c "$cpu" sh -c 'for i in $(seq 100); do /bin/true; sh -c "exit 0"; done' &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
echo "ok: $((n * 100 * 2)) processes"
