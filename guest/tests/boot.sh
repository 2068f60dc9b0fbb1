#!/bin/sh
# Boot smoke test: the guest came up, sees its CPUs and runs host binaries.
set -e
echo "kernel: $(uname -r)"
echo "cpus online: $(cat /sys/devices/system/cpu/online)"
test "$(nproc)" -ge 1
grep -q 9p /proc/mounts
/bin/true
echo "ok"
