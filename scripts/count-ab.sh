#!/usr/bin/env bash
# Count-only A/B of two kernels already built under build/BASE/out/, such as two
# prefixes of the series: the lock-counting plugin's runs of make (pingpong,
# fork+exit, fork+exec, context_switch1, hackbench at 4 vCPUs; with
# SD_SWEEP="1 2 ...", also make's shootdown runs at those vCPU counts;
# with SCALE_SWEEP="2 4 ...", make's transfers-against-vCPUs runs,
# SCALE_RUNS (1) times each), and a report of just those counts.
#   [SD_SWEEP="N ..."] [SCALE_SWEEP="N ..."] [SCALE_RUNS=R]
#   scripts/count-ab.sh BEFORE AFTER NAME
#     BEFORE, AFTER  directories of build/BASE/out with a bzImage and System.map
#     NAME           results in build/BASE/runs/NAME/, report in build/BASE/report-NAME/
# The report calls BEFORE "base" and AFTER "patched".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# Every guest of the A/B on the host's QEMU 7.2: the counting plugin is
# built for its API, and the timed runs share the emulator of the counted.
export LAZYMM_QEMU=system

[ $# = 3 ] || die "usage: count-ab.sh BEFORE AFTER NAME (kernels in build/BASE/out/BEFORE and build/BASE/out/AFTER)"
before=$1 after=$2 name=$3
case $name in
*/* | .* | "") die "NAME must be a plain directory name, not '$name'" ;;
esac
for v in "$before" "$after"; do
	[ -f "$OUT/$v/arch/x86/boot/bzImage" ] || die "no kernel at $OUT/$v/arch/x86/boot/bzImage"
	[ -f "$OUT/$v/System.map" ] || die "no System.map in $OUT/$v"
done
need_pkgs "${VM_PKGS[@]}" python3 rt-tests
make -s -C "$TOP/tools/bench"
make -s -C "$TOP/tools/lockcount"

# SD_SWEEP="1 2 4 ...": also the shootdown where it has work (lazybench
# deadmm) at those vCPU counts, as make runs it.
SD_SWEEP=${SD_SWEEP:-}
SCALE_SWEEP=${SCALE_SWEEP:-}
SCALE_RUNS=${SCALE_RUNS:-1}
# shellcheck disable=SC2086 # one vCPU count per word
check_vcpu_counts $SD_SWEEP $SCALE_SWEEP
# shellcheck disable=SC2086
check_scale_sweep "$SCALE_RUNS" $SCALE_SWEEP
for side in base patched; do
	v=$before
	[ $side = base ] || v=$after
	count_run "$v" "$name/count-$side"
	for n in $SD_SWEEP; do
		shootdown_run "$v" "$name/shootdown-$side-smp$n" "$n"
	done
done
# The runs of one vCPU count and round back to back, base then patched.
for r in $(seq "$SCALE_RUNS"); do
	for n in $SCALE_SWEEP; do
		for side in base patched; do
			v=$before
			[ $side = base ] || v=$after
			scale_run "$v" "$name/scale-$side-smp$n-r$r" "$n"
		done
	done
done
# The field offsets that name the mm_count atomics, for each kernel.
kernel_offsets "$OUT/$before"
kernel_offsets "$OUT/$after"
python3 "$TOP/scripts/report.py" --runs "$BUILD/runs/$name" --out "$BUILD/report-$name" \
	--scale-sweep "$SCALE_SWEEP" --scale-runs "$SCALE_RUNS" \
	--system-map-base "$OUT/$before/System.map" --system-map-patched "$OUT/$after/System.map"
log "report: $BUILD/report-$name/report.md (base = $before, patched = $after)"
