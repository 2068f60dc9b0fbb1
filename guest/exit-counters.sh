#!/bin/sh
# Sourced by the IPI benchmarks: counters_before, then the workload, then
# counters_after prints the RESULT lines: the CAL (function call) and TLB
# IPIs of /proc/interrupts, and the lazy_mm_shootdown* vm events where the
# kernel has them (the patched one).
irq() { awk -v r="$1:" '$1 == r { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts; }
vm() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
counters_before() {
	cal0=$(irq CAL) tlb0=$(irq TLB)
	sd0=$(vm lazy_mm_shootdown) ipi0=$(vm lazy_mm_shootdown_ipi)
	loc0=$(vm lazy_mm_shootdown_local) idle0=$(vm lazy_mm_shootdown_idle)
}
counters_after() {
	echo "RESULT cal_ipis $(($(irq CAL) - cal0))"
	echo "RESULT tlb_ipis $(($(irq TLB) - tlb0))"
	if [ -n "$sd0" ]; then
		echo "RESULT shootdown_calls $(($(vm lazy_mm_shootdown) - sd0))"
		echo "RESULT shootdown_ipis $(($(vm lazy_mm_shootdown_ipi) - ipi0))"
		echo "RESULT shootdown_local $(($(vm lazy_mm_shootdown_local) - loc0))"
		echo "RESULT shootdown_idle $(($(vm lazy_mm_shootdown_idle) - idle0))"
	fi
}
