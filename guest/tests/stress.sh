#!/bin/sh
# Fork, exec, clone, vfork and thread storms on all CPUs at once, from
# stress-ng; any kernel report they provoke is caught by the console scan.
set -e
n=$(nproc)
cd /tmp
stress-ng --fork "$n" --vfork "$n" --exec "$n" --clone "$n" --pthread "$n" \
	--timeout "${LAZYMM_STRESS_SECONDS:-30}" --metrics-brief --verify 2>&1
echo "ok"
