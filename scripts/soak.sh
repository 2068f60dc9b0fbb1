#!/usr/bin/env bash
# make soak: boot a debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak,
# fault injection) under OVMF at -smp 4 and run guest/tests/soak.sh in it:
# trinity, stress-ng, CPU hotplug churn, EFI calls and fail-nth walks for
# SOAK_MINUTES, then the mm_struct count and a kmemleak scan. Writes
# build/BASE/report/soak-VARIANTS.md. Not part of make check (it takes
# half an hour). The kernels run side by side, so that base and patched
# share the host's load and the whole job takes SOAK_MINUTES.
#   SOAK_MINUTES=M      per kernel (30)
#   SOAK_VARIANTS="..." kernels to soak (base-debug debug: base and patched,
#                       both with the debug options; base-kcsan kcsan: the
#                       same with KCSAN for KASAN, whose reports outside the series'
#                       code are listed rather than failed)
#   SOAK_SEED=N         trinity's seed (default: random, printed)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

minutes=${SOAK_MINUTES:-30}
read -r -a variants <<<"${SOAK_VARIANTS:-base-debug debug}"
seed=${SOAK_SEED:-$((RANDOM * 32768 + RANDOM))}
secs=$((minutes * 60))
report=$BUILD/report/soak-$(IFS=-; echo "${variants[*]}").md
phase() { log "== $*"; }

# A KCSAN kernel reports data races anywhere in the kernel. Those the
# series must answer for name, in their title ("data-race in A / B"), a
# function that its diff mentions; the others are listed, not counted. On
# a base kernel (base-kcsan) none is the series': all are listed. If they
# are the console's only reports, its FAIL becomes a PASS that says so.
# Prints the results of RUN, so triaged; writes the titles, "ours TITLE"
# or "other TITLE", to RUN's kcsan.txt.
kcsan_triage() {
	local run=$1 results=$2 v=$3 console=$BUILD/runs/$1/console.log diff title fn mine=0 others=0
	diff=$(git -C "$TREE" diff base..HEAD)
	: >"$BUILD/runs/$run/kcsan.txt"
	while read -r title; do
		local ours=0 fns
		read -ra fns <<<"$(sed -E 's/.*data-race in //; s/[+][^ ]*//g; s#/# #g' <<<"$title")"
		for fn in "${fns[@]}"; do
			[[ $v == base-* ]] || ! grep -qw -- "$fn" <<<"$diff" || ours=1
		done
		if [ $ours -eq 1 ]; then
			mine=$((mine + 1))
			echo "ours $title" >>"$BUILD/runs/$run/kcsan.txt"
		else
			others=$((others + 1))
			echo "other $title" >>"$BUILD/runs/$run/kcsan.txt"
		fi
	done < <(grep -a 'BUG: KCSAN: ' "$console" | tr -d '\r' | sed 's/.*BUG: KCSAN: //' | sort -u)
	if [ $mine -eq 0 ] && [ $others -gt 0 ] &&
		! bash "$TOP/scripts/scan-console.sh" "$console" | grep -qv 'BUG: KCSAN: '; then
		local line what="code the series does not touch"
		[[ $v != base-* ]] || what="the base kernel"
		while IFS= read -r line; do
			case $line in
			"FAIL console[$run]:"*) echo "PASS console[$run]: no kernel reports but $others KCSAN data race(s) in $what (in soak.md)" ;;
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
	if grep -q '^CONFIG_KCSAN=y' "$OUT/$v/.config" &&
		! kcsan_instrumented "$OUT/$v/arch/x86/mm/tlb.o"; then
		die "$v: arch/x86/mm/tlb.o has no KCSAN hooks; the shootdown would go unwatched"
	fi
done
make -s -C "$TOP/tools/guest"

mkdir -p "$BUILD/report"
{
	echo "# Soak: ${variants[*]}"
	echo
	qemu_system
	echo "$minutes minutes per kernel at -smp 4 under QEMU $("$QEMU_BIN" --version | sed -n '1s/.*version //p')" \
		"($(kvm_usable "$OUT/${variants[0]}/arch/x86/boot/bzImage" && echo KVM || echo TCG), $(nproc) host CPUs), booted under OVMF;" \
		"trinity seed $seed, run k of trinity seed+k (replay: SOAK_SEED=$seed make soak)." \
		"The ${#variants[@]} guests ran side by side."
} >"$report"
bad=0
phase "soaking ${variants[*]} side by side for $minutes min (trinity seed $seed)"
pids=()
for v in "${variants[@]}"; do
	bash "$TOP/scripts/run-vm.sh" --smp 4 --efi --timeout $((secs + 1500)) \
		--test-timeout $((secs + 900)) \
		--append "lazymm_soak_secs=$secs lazymm_soak_seed=$seed" "$v" "soak-$v" soak \
		>"$LOGS/soak-$v.log" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}" || true	# a guest that failed shows in its results below
kcsan_runs=()
for v in "${variants[@]}"; do
	run=soak-$v
	rm -f "$BUILD/runs/$run/kcsan.txt"
	results=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/$run" soak)
	if grep -q '^CONFIG_KCSAN=y' "$OUT/$v/.config"; then
		results=$(kcsan_triage "$run" "$results" "$v")
		kcsan_runs+=("$v")
	fi
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
# The data races of the KCSAN kernels side by side.
if [ ${#kcsan_runs[@]} -gt 0 ]; then
	{
		echo
		echo "## KCSAN data races"
		echo
		kcsan_table "$BUILD/runs" "${kcsan_runs[@]}"
	} >>"$report"
fi
log "report: $report"
[ $bad -eq 0 ] || die "the soak found problems (see $report and $BUILD/runs/soak-*/)"
