#!/usr/bin/env bash
# Upstream's kselftests as a regression gate, base against patched, on
# Debian's own config of the pinned kernel (the distro-debug variants).
#   kselftest-gate.sh
# 1. builds base-distro-debug and distro-debug (build-kernel.sh),
# 2. builds the collections below from each kernel's own tree and installs
#    them with run_kselftest.sh (build-tools.sh VARIANT upstream),
# 3. boots both kernels at once, same QEMU, same -smp and timeouts, and
#    runs everything with run_kselftest.sh (guest/tests/kselftests.sh),
# 4. compares them (kselftest-compare.py): build/BASE/report/kselftest-gate.md.
# Fails on a test that passes on base and not on patched, on a kernel report
# only the patched console shows, and on a failure on both kernels whose
# cause tests/kselftest-gate/both-fail.txt does not give. The tests in
# tests/kselftest-gate/not-run.txt run on neither kernel (it says why).
# KSFT_TIMEOUT (300) is every test's timeout in seconds, KSFT_MM_TIMEOUT
# (900, upstream's own) that of mm's, each a category of run_vmtests.sh.
# KSFT_COLLECTIONS="x86 exec" runs those collections only (under TCG the
# whole set takes hours): the table then covers what ran, and says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# upstream's sigaltstack collection is called signal in this tree.
all=(x86 mm exec clone3 proc ptrace rseq futex timens membarrier
	pidfd breakpoints signal vDSO seccomp)
read -ra collections <<<"${KSFT_COLLECTIONS:-${all[*]}}"
[ ${#collections[@]} -gt 0 ] || die "KSFT_COLLECTIONS is empty"
for c in "${collections[@]}"; do
	[[ " ${all[*]} " == *" $c "* ]] ||
		die "KSFT_COLLECTIONS: $c is not one of the gate's collections (${all[*]})"
done
variants=(base-distro-debug distro-debug)
timeout=${KSFT_TIMEOUT:-300}
mm_timeout=${KSFT_MM_TIMEOUT:-900}
smp=4
known=$TOP/tests/kselftest-gate/both-fail.txt
report=$BUILD/report/kselftest-gate.md
mkdir -p "$BUILD/report"

start=$(date +%s)
for v in "${variants[@]}"; do
	bash "$TOP/scripts/build-kernel.sh" "$v"
	bash "$TOP/scripts/build-tools.sh" "$v" upstream "${all[@]}"
done

# The guest runs everything in one test; it may take as long as every
# collection's tests at their timeout would not, but the sum of what they
# take under TCG: give it three hours, and QEMU a little more.
guest_timeout=${KSFT_GUEST_TIMEOUT:-10800}
pids=()
for v in "${variants[@]}"; do
	# No KUnit at boot: the series' suite is make check's, and the base
	# has none, so both kernels boot the same way. Two Debian-sized debug
	# kernels booting side by side need longer than run-vm.sh's default
	# to reach init.
	bash "$TOP/scripts/run-vm.sh" --smp "$smp" --timeout $((guest_timeout + 600)) \
		--test-timeout "$guest_timeout" --boot-timeout 600 \
		--append "kunit.enable=0 lazymm_ksft_timeout=$timeout lazymm_ksft_mm_timeout=$mm_timeout lazymm_ksft_collections=$(IFS=,; echo "${collections[*]}")" \
		"$v" "kselftest-gate-$v" kselftests >"$LOGS/kselftest-gate-$v.log" 2>&1 &
	pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
	if ! wait "${pids[$i]}"; then
		tail -n 20 "$LOGS/kselftest-gate-${variants[$i]}.log" >&2
		log "the ${variants[$i]} guest did not finish (log: $LOGS/kselftest-gate-${variants[$i]}.log)"
		failed=1
	fi
done
runs=$BUILD/runs
for v in "${variants[@]}"; do
	[ -f "$runs/kselftest-gate-$v/kselftests.log" ] ||
		die "no kselftest output from $v (console: $runs/kselftest-gate-$v/console.log)"
done
elapsed=$(($(date +%s) - start))
qemu_system
preamble="Debian's amd64 config of $BASE_PACKAGE $BASE_VERSION, modules off, + configs/distro.config and configs/debug.config;"
preamble+=" $(basename "$QEMU_BIN") $("$QEMU_BIN" --version | sed -n '1s/.*version //p'), TCG, -smp $smp, both guests at once on this $(nproc)-core host;"
preamble+=" per-test timeout ${timeout} s (mm ${mm_timeout} s)."
[ "${collections[*]}" = "${all[*]}" ] ||
	preamble+=" Collections run: ${collections[*]} only (KSFT_COLLECTIONS)."
preamble+=" \`make kselftest-gate\`, ${elapsed} s in all."
b=$runs/kselftest-gate-${variants[0]} p=$runs/kselftest-gate-${variants[1]}
rc=0
python3 "$TOP/scripts/kselftest-compare.py" --base "$b/kselftests.log" --patched "$p/kselftests.log" \
	--base-console "$b/console.log" --patched-console "$p/console.log" \
	--known "$known" --not-run "$TOP/tests/kselftest-gate/not-run.txt" --preamble "$preamble" --out "$report" || rc=$?
[ $failed -eq 0 ] || die "a guest did not finish its kselftests; the table ($report) is of what ran"
[ $rc -eq 0 ] || die "the gate failed: see $report"
log "kselftest gate passed: $report"
