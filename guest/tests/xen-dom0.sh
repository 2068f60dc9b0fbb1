#!/bin/sh
# Xen PV dom0 (run-vm.sh --xen): fork/exec/thread storms on every vCPU.
# On Xen PV, xen_exit_mmap() moves every vCPU off a dying mm before its
# pgd is unpinned, so the later arch_shoot_down_dead_mm() must find
# nothing to do: each of its calls counts as lazy_mm_shootdown_idle, none
# as _local or _ipi. Console reports are caught by the scanner.
if [ "$(cat /sys/hypervisor/type 2>/dev/null)" != xen ]; then
	echo "not running on Xen (boot with run-vm.sh --xen)"
	exit 4
fi
ev() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
if [ -z "$(ev lazy_mm_shootdown)" ]; then
	echo "no lazy_mm_shootdown counters: a kernel without the series"
	exit 4
fi
set -e
n=$(nproc)
echo "dom0 with $n vCPUs"
s0=$(ev lazy_mm_shootdown) i0=$(ev lazy_mm_shootdown_idle)
l0=$(ev lazy_mm_shootdown_local) p0=$(ev lazy_mm_shootdown_ipi)
sh "$GUEST_DIR/storm.sh" "${LAZYMM_STRESS_SECONDS:-30}" "$n" fork vfork exec clone pthread
calls=$(($(ev lazy_mm_shootdown) - s0))
idle=$(($(ev lazy_mm_shootdown_idle) - i0))
local=$(($(ev lazy_mm_shootdown_local) - l0))
ipis=$(($(ev lazy_mm_shootdown_ipi) - p0))
echo "RESULT shootdown_calls $calls"
echo "RESULT shootdown_idle $idle"
echo "RESULT shootdown_local $local"
echo "RESULT shootdown_ipis $ipis"
if [ "$calls" -eq 0 ] || [ "$idle" -ne "$calls" ] || [ "$local" -ne 0 ] || [ "$ipis" -ne 0 ]; then
	echo "arch_shoot_down_dead_mm() found work after xen_exit_mmap()"
	exit 1
fi
echo "ok"
