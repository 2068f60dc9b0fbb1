#!/usr/bin/env bash
# make count-riscv: the mm_count atomics of a lazy round trip on riscv64,
# base against patched, counted statically. The TCG plugin decodes x86
# only, so the riscv kernels are read instead: riscv-base and
# riscv-patched (riscv-guest.config with DWARF, the same for both) are
# built, and every AMO and LR/SC of the switch path (__schedule(), where
# context_switch() is inlined, finish_task_switch() and riscv's switch_mm
# functions) is traced with addr2line -i to the inline functions it came
# from. One that comes from mmgrab()/mmdrop() is an mm_count atomic. The
# fences of the path are listed too: without the refcount's fully ordered
# AMO, the barrier membarrier needs on a lazy return is a fence.
# Output: build/7.3/report/count-riscv.md. Exits non-zero if the patched
# kernel keeps an mm_count atomic on the path, or the base has none (the
# count would prove nothing).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$BASE" = 7.3 ] || die "riscv is in the 7.3 series only (BASE=$BASE)"
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/build-kernel.sh" riscv-base
bash "$TOP/scripts/build-kernel.sh" riscv-patched

report=$BUILD/report/count-riscv.md
mkdir -p "$BUILD/report"
cross=riscv64-linux-gnu-
# Functions of the switch path, as nm names them (with .isra/.constprop
# suffixes).
path_re='^(__schedule|finish_task_switch|switch_mm|switch_mm_irqs_off|set_mm|set_mm_asid|set_mm_noasid)(\.[a-z]+\.[0-9]+)?$'
# Inline functions whose atomics are mm_count's.
mmcount_re='^(mmgrab|mmdrop|mmgrab_lazy_tlb|mmdrop_lazy_tlb|mmdrop_lazy_tlb_sched|mmdrop_sched)$'

# scan VMLINUX: one line per atomic or fence of the path:
#   function address mnemonic kind chain (kind: mm_count, atomic, fence;
#   chain: the inline functions, innermost first, joined by '<')
scan() {
	local vmlinux=$1 func addr insn chain kind
	"${cross}nm" "$vmlinux" | awk '$2 ~ /^[tT]$/ { print $3 }' | grep -E "$path_re" | sort -u |
		while read -r func; do
			"${cross}objdump" -d --no-show-raw-insn --disassemble="$func" "$vmlinux" |
				awk '/^ *[0-9a-f]+:\t/ {
					addr = $1; sub(":", "", addr); insn = $2
					if (insn ~ /^(amo|lr\.|sc\.)/ || insn == "fence") print addr, insn
				}' |
				while read -r addr insn; do
					chain=$("${cross}addr2line" -i -f -e "$vmlinux" "0x$addr" |
						awk 'NR % 2 == 1' | paste -sd'<')
					if [ "$insn" = fence ]; then
						kind=fence
					elif tr '<' '\n' <<<"$chain" | grep -qE "$mmcount_re"; then
						kind=mm_count
					else
						kind=atomic
					fi
					echo "$func 0x$addr $insn $kind $chain"
				done
		done
}

scan "$OUT/riscv-base/vmlinux" >"$BUILD/count-riscv-base.txt"
scan "$OUT/riscv-patched/vmlinux" >"$BUILD/count-riscv-patched.txt"
count() { awk -v k="$2" '$4 == k' "$1" | wc -l; }
b_mm=$(count "$BUILD/count-riscv-base.txt" mm_count)
p_mm=$(count "$BUILD/count-riscv-patched.txt" mm_count)
{
	echo "# mm_count atomics on riscv64's switch path, base against patched"
	echo
	echo "Counted statically in vmlinux (make count-riscv): riscv-guest.config"
	echo "with DWARF, the same for both kernels, built with bookworm's"
	echo "gcc-12 riscv64 cross compiler ($("$RISCV_GCC" -dumpfullversion))."
	echo "An atomic is an AMO or LR/SC instruction of __schedule(),"
	echo "finish_task_switch() or riscv's switch_mm functions; it is an mm_count"
	echo "atomic when addr2line -i traces it to mmgrab() or mmdrop()."
	echo
	echo "| | base | patched |"
	echo "| --- | --- | --- |"
	for k in mm_count atomic fence; do
		echo "| $k sites | $(count "$BUILD/count-riscv-base.txt" $k) | $(count "$BUILD/count-riscv-patched.txt" $k) |"
	done
	echo
	for v in base patched; do
		echo "## $v"
		echo
		echo '```'
		column -t "$BUILD/count-riscv-$v.txt" || true
		echo '```'
		echo
	done
} >"$report"
cat "$report"
[ "$b_mm" -gt 0 ] || die "the base has no mm_count atomic on the switch path: the scan is broken"
[ "$p_mm" -eq 0 ] || die "the patched kernel has $p_mm mm_count atomics on the switch path"
log "mm_count atomic sites on the switch path: base $b_mm, patched 0 ($report)"
