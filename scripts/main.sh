#!/usr/bin/env bash
# make (the main job): build the base and patched kernels, boot each under
# QEMU, run the A/B benchmarks and write build/BASE/report/report.md.
#   ROUNDS=N   interleaved base/patched throughput rounds (5; QUICK=1: 2)
#   SECS=S     seconds per throughput workload (5; QUICK=1: 2)
#   SWEEP="1 2 4 8"  vCPU counts for the IPI sweep (QUICK=1: "1 4")
#   SD_SWEEP="1 2 4 8 16 32"  vCPU counts for the shootdown where it has
#              work (lazybench deadmm under the TCG plugin; QUICK=1: "1 4");
#              at most the guest kernels' CONFIG_NR_CPUS (7.3: 64, 6.12: 16,
#              whose default sweep stops at 16)
#   SCALE_SWEEP="2 4 8 16 32"  vCPU counts for the cache-line transfers
#              per operation (TCG plugin, guest/tests/bench-scale.sh; QUICK=1:
#              "2 4"), also at most NR_CPUS; SCALE_RUNS=R runs of each (3;
#              QUICK=1: 1), to show how stable the A/B difference is
#   BENCH_SMP=N vCPUs of the throughput and profile runs (the host's CPU
#              count, at most 4: under TCG, a vCPU that the host deschedules
#              while it holds a lock turns into noise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# Every guest of the A/B on the host's QEMU 7.2: the counting plugin is
# built for its API, and the timed runs share the emulator of the counted.
export LAZYMM_QEMU=system

if [ "${QUICK:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-2} SECS=${SECS:-2} SWEEP=${SWEEP:-"1 4"} SD_SWEEP=${SD_SWEEP:-"1 4"}
	SCALE_SWEEP=${SCALE_SWEEP:-"2 4"} SCALE_RUNS=${SCALE_RUNS:-1}
else
	ROUNDS=${ROUNDS:-5} SECS=${SECS:-5} SWEEP=${SWEEP:-"1 2 4 8"}
	# Powers of two up to 32, or to the guest kernels' NR_CPUS if lower.
	sd=() nr=$(guest_nr_cpus)
	for n in 1 2 4 8 16 32; do
		[ "$n" -gt "$nr" ] || sd+=("$n")
	done
	SD_SWEEP=${SD_SWEEP:-${sd[*]}}
	SCALE_SWEEP=${SCALE_SWEEP:-$(printf '%s\n' "${sd[@]}" | awk '$1 >= 2' | xargs)}
	SCALE_RUNS=${SCALE_RUNS:-3}
fi
BENCH_SMP=${BENCH_SMP:-$(n=$(nproc); echo $((n < 2 ? 2 : n < 4 ? n : 4)))}
VARIANTS=(base patched)
phase() { log "== $*"; }

# shellcheck disable=SC2086 # one vCPU count per word
check_vcpu_counts $SWEEP $SD_SWEEP $SCALE_SWEEP
# shellcheck disable=SC2086
check_scale_sweep "$SCALE_RUNS" $SCALE_SWEEP

phase "packages, tree, kernels, tools"
need_pkgs "${BUILD_PKGS[@]}" "${VM_PKGS[@]}" gnuplot-nox python3 rt-tests
bash "$TOP/scripts/tree.sh"
for v in "${VARIANTS[@]}"; do
	bash "$TOP/scripts/build-kernel.sh" "$v"
done
# perf does not depend on the kernel variant: one build, from the patched tree.
bash "$TOP/scripts/build-tools.sh" patched perf
make -s -C "$TOP/tools/bench"
make -s -C "$TOP/tools/lockcount"
perf=$OUT/patched/perf/perf
common=(--append "lazymm_perf=$perf lazymm_secs=$SECS")

phase "throughput and perf profiles: $ROUNDS interleaved rounds at $BENCH_SMP vCPUs"
for r in $(seq "$ROUNDS"); do
	for v in "${VARIANTS[@]}"; do
		tests=(bench-throughput)
		[ "$r" = 1 ] && tests+=(bench-perf)
		bash "$TOP/scripts/run-vm.sh" --fail-on-test --smp "$BENCH_SMP" --mem 1024 "${common[@]}" \
			"$v" "bench-$v-r$r" "${tests[@]}"
	done
done

phase "locked instructions and cache-line transfers per unit of work (TCG plugin)"
for v in "${VARIANTS[@]}"; do
	count_run "$v" "count-$v" "${common[1]}"
done

phase "IPIs per exit: vCPU sweep $SWEEP"
for n in $SWEEP; do
	for v in "${VARIANTS[@]}"; do
		bash "$TOP/scripts/run-vm.sh" --fail-on-test --smp "$n" --mem 1024 "${common[@]}" \
			"$v" "ipi-$v-smp$n" bench-ipi
	done
done

phase "the shootdown where it has work: vCPU sweep $SD_SWEEP (TCG plugin)"
# Every exit leaves its threads' CPUs lazily on the mm with nothing
# flushed (lazybench deadmm).
for n in $SD_SWEEP; do
	for v in "${VARIANTS[@]}"; do
		shootdown_run "$v" "shootdown-$v-smp$n" "$n" "${common[1]}"
	done
done

phase "cache-line transfers per operation: vCPU sweep $SCALE_SWEEP, $SCALE_RUNS runs (TCG plugin)"
for r in $(seq "$SCALE_RUNS"); do
	for n in $SCALE_SWEEP; do
		for v in "${VARIANTS[@]}"; do
			scale_run "$v" "scale-$v-smp$n-r$r" "$n" "${common[1]}"
		done
	done
done

phase "report"
# The field offsets that name the mm_count atomics, for each kernel.
kernel_offsets "$OUT/base"
kernel_offsets "$OUT/patched"
python3 "$TOP/scripts/report.py" --runs "$BUILD/runs" --out "$BUILD/report" \
	--rounds "$ROUNDS" --sweep "$SWEEP" --sd-sweep "$SD_SWEEP" --secs "$SECS" \
	--scale-sweep "$SCALE_SWEEP" --scale-runs "$SCALE_RUNS" \
	--system-map-base "$OUT/base/System.map" --system-map-patched "$OUT/patched/System.map"
log "report: $BUILD/report/report.md (total $(($(date +%s) - _t0))s)"
