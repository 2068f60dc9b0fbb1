#!/usr/bin/env bash
# make soak: boot a debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak,
# fault injection) under OVMF at -smp 4 and run guest/tests/soak.sh in it:
# trinity, stress-ng, CPU hotplug churn, EFI calls and fail-nth walks for
# SOAK_MINUTES, then the mm_struct count and a kmemleak scan. Writes
# build/BASE/report/soak.md. Not part of make check (it takes an hour).
#   SOAK_MINUTES=M      per kernel (30)
#   SOAK_VARIANTS="..." kernels to soak (base-debug debug: base and patched,
#                       both with the debug options; kcsan: patched with
#                       KCSAN for KASAN, whose reports outside the series'
#                       code are listed rather than failed)
#   SOAK_SEED=N         trinity's seed (default: random, printed)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

minutes=${SOAK_MINUTES:-30}
read -r -a variants <<<"${SOAK_VARIANTS:-base-debug debug}"
seed=${SOAK_SEED:-$((RANDOM * 32768 + RANDOM))}
secs=$((minutes * 60))
report=$BUILD/report/soak.md
phase() { log "== $*"; }

# A KCSAN kernel reports data races anywhere in the kernel. Those the
# series must answer for name, in their title ("data-race in A / B"), a
# function that its diff mentions; the others are listed, not counted.
# If they are the console's only reports, its FAIL becomes a PASS that
# says so. Prints the results of RUN, so triaged.
kcsan_triage() {
	local run=$1 results=$2 console=$BUILD/runs/$1/console.log diff title fn mine=0 others=0
	diff=$(git -C "$TREE" diff base..HEAD)
	kcsan_outside=()
	while read -r title; do
		local ours=0 fns
		read -ra fns <<<"$(sed -E 's/.*data-race in //; s/[+][^ ]*//g; s#/# #g' <<<"$title")"
		for fn in "${fns[@]}"; do
			grep -qw -- "$fn" <<<"$diff" && ours=1
		done
		if [ $ours -eq 1 ]; then
			mine=$((mine + 1))
		else
			others=$((others + 1))
			kcsan_outside+=("$title")
		fi
	done < <(grep -a 'BUG: KCSAN: ' "$console" | tr -d '\r' | sed 's/.*BUG: KCSAN: //' | sort -u)
	if [ $mine -eq 0 ] && [ $others -gt 0 ] &&
		! bash "$TOP/scripts/scan-console.sh" "$console" | grep -qv 'BUG: KCSAN: '; then
		local line
		while IFS= read -r line; do
			case $line in
			"FAIL console[$run]:"*) echo "PASS console[$run]: no kernel reports but $others KCSAN data race(s) in code the series does not touch (in soak.md)" ;;
			"    "*"BUG: KCSAN: "*) ;;
			*) echo "$line" ;;
			esac
		done <<<"$results"
	else
		echo "$results"
	fi
}

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
	qemu_system
	echo "$minutes minutes per kernel at -smp 4 under QEMU $("$QEMU_BIN" --version | sed -n '1s/.*version //p')" \
		"($(kvm_usable "$OUT/${variants[0]}/arch/x86/boot/bzImage" && echo KVM || echo TCG), $(nproc) host CPUs), booted under OVMF;" \
		"trinity seed $seed, run k of trinity seed+k (replay: SOAK_SEED=$seed make soak)."
} >"$report"
bad=0
for v in "${variants[@]}"; do
	kcsan_outside=()
	phase "soaking $v for $minutes min (trinity seed $seed)"
	run=soak-$v
	bash "$TOP/scripts/run-vm.sh" --smp 4 --efi --timeout $((secs + 1500)) \
		--test-timeout $((secs + 900)) \
		--append "lazymm_soak_secs=$secs lazymm_soak_seed=$seed" "$v" "$run" soak || true
	results=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/$run" soak)
	grep -q '^CONFIG_KCSAN=y' "$OUT/$v/.config" && results=$(kcsan_triage "$run" "$results")
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
		if [ ${#kcsan_outside[@]} -gt 0 ]; then
			echo
			echo "KCSAN reports in code the series does not touch (no function of theirs in its diff):"
			echo
			printf -- '- %s\n' "${kcsan_outside[@]}"
		fi
	} >>"$report"
done
log "report: $report"
[ $bad -eq 0 ] || die "the soak found problems (see $report and $BUILD/runs/soak-*/)"
