#!/bin/sh
# Fork, exec, clone, vfork and thread storms on all CPUs at once, from
# stress-ng; any kernel report they provoke is caught by the console scan.
set -e
sh "$GUEST_DIR/storm.sh" "${LAZYMM_STRESS_SECONDS:-30}" "$(nproc)" fork vfork exec clone pthread
echo "ok"
