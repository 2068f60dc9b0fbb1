#!/bin/sh
# IPIs per process exit: /proc/interrupts function-call (CAL) and TLB rows
# and the lazy_mm_shootdown* vm events, before and after a fork/exit storm
# of lazymm_exits exits per CPU.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
per_cpu=${lazymm_exits:-1000}
n=$(nproc)
irq() { awk -v r="$1:" '$1 == r { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts; }
vm() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
cd /tmp
cal0=$(irq CAL) tlb0=$(irq TLB)
sd0=$(vm lazy_mm_shootdown) ipi0=$(vm lazy_mm_shootdown_ipi)
loc0=$(vm lazy_mm_shootdown_local) idle0=$(vm lazy_mm_shootdown_idle)
"$b" forkexit -n "$per_cpu" -j "$n"
cal1=$(irq CAL) tlb1=$(irq TLB)
sd1=$(vm lazy_mm_shootdown) ipi1=$(vm lazy_mm_shootdown_ipi)
loc1=$(vm lazy_mm_shootdown_local) idle1=$(vm lazy_mm_shootdown_idle)
echo "RESULT cpus $n"
echo "RESULT exits $((per_cpu * n))"
echo "RESULT cal_ipis $((cal1 - cal0))"
echo "RESULT tlb_ipis $((tlb1 - tlb0))"
if [ -n "$sd0" ]; then
	echo "RESULT shootdown_calls $((sd1 - sd0))"
	echo "RESULT shootdown_ipis $((ipi1 - ipi0))"
	echo "RESULT shootdown_local $((loc1 - loc0))"
	echo "RESULT shootdown_idle $((idle1 - idle0))"
fi
