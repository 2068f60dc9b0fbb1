#!/usr/bin/env bash
# make soak: boot a debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak,
# fault injection) under OVMF at -smp 4 and run guest/tests/soak.sh in it:
# trinity, stress-ng, CPU hotplug churn, EFI calls and fail-nth walks for
# SOAK_MINUTES, then the mm_struct count and a kmemleak scan. Writes
# build/report/soak.md. Not part of make check (it takes an hour).
#   SOAK_MINUTES=M      per kernel (30)
#   SOAK_VARIANTS="..." kernels to soak (base-debug debug: base and patched,
#                       both with the debug options)
#   SOAK_SEED=N         trinity's seed (default: random, printed)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

minutes=${SOAK_MINUTES:-30}
read -r -a variants <<<"${SOAK_VARIANTS:-base-debug debug}"
seed=${SOAK_SEED:-$((RANDOM * 32768 + RANDOM))}
secs=$((minutes * 60))
report=$BUILD/report/soak.md
phase() { log "== $*"; }

phase "packages, tree, kernels"
need_pkgs "${BUILD_PKGS[@]}" "${VM_PKGS[@]}" trinity
bash "$TOP/scripts/tree.sh"
for v in "${variants[@]}"; do
	bash "$TOP/scripts/build-kernel.sh" "$v"
done
make -s -C "$TOP/tools/guest"

mkdir -p "$BUILD/report"
{
	echo "# Soak: ${variants[*]}"
	echo
	echo "$minutes minutes per kernel at -smp 4 under QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version //p')" \
		"($(kvm_usable "$OUT/${variants[0]}/arch/x86/boot/bzImage" && echo KVM || echo TCG), $(nproc) host CPUs), booted under OVMF;" \
		"trinity seed $seed, run k of trinity seed+k (replay: SOAK_SEED=$seed make soak)."
} >"$report"
bad=0
for v in "${variants[@]}"; do
	phase "soaking $v for $minutes min (trinity seed $seed)"
	run=soak-$v
	bash "$TOP/scripts/run-vm.sh" --smp 4 --efi --timeout $((secs + 1500)) \
		--test-timeout $((secs + 900)) \
		--append "lazymm_soak_secs=$secs lazymm_soak_seed=$seed" "$v" "$run" soak || true
	results=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/$run" soak)
	echo "$results"
	grep -q '^FAIL' <<<"$results" && bad=1
	mapfile -t lines <<<"$results"
	{
		echo
		echo "## $v"
		echo
		printf '    %s\n' "${lines[@]}"
		echo
		echo "| what | count |"
		echo "|---|---|"
		sed -n 's/^RESULT \([^ ]*\) \(.*\)/| \1 | \2 |/p' "$BUILD/runs/$run/soak.log" 2>/dev/null
	} >>"$report"
done
log "report: $report"
[ $bad -eq 0 ] || die "the soak found problems (see $report and build/runs/soak-*/)"
