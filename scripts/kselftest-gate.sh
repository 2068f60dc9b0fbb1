#!/usr/bin/env bash
# Upstream's kselftests as a regression gate, base against patched, on
# Debian's own config of the pinned kernel (the distro-debug variants).
#   kselftest-gate.sh
# 1. builds base-distro-debug and distro-debug (build-kernel.sh),
# 2. builds the collections below from each kernel's own tree and installs
#    them with run_kselftest.sh (build-tools.sh VARIANT upstream),
# 3. boots both kernels at once, same QEMU, same -smp and timeouts, and
#    runs the chosen collections with run_kselftest.sh
#    (guest/tests/kselftests.sh); each collection's TAP and console go to
#    build/BASE/kselftest-gate/VARIANT/, tagged with the kernel they ran on,
# 4. compares every collection that has results from the two kernels as
#    built now (kselftest-compare.py),
# 5. runs each test (or subtest) that passed on base and not on patched
#    KSFT_RERUNS (10) more times on both kernels, and compares again with
#    those counts: build/BASE/report/kselftest-gate.md. A subtest of mm
#    (a program of run_vmtests.sh) runs alone, with its category's setup.
# Fails on a test that passes on base and not on patched (unless the
# reruns do not reproduce it, or the base fails it too: see
# kselftest-compare.py), on a kernel report
# only the patched console shows, and on a failure on both kernels whose
# cause tests/kselftest-gate/both-fail.txt does not give. The tests in
# tests/kselftest-gate/not-run.txt run on neither kernel (it says why).
# KSFT_TIMEOUT (300) is every test's timeout in seconds, KSFT_MM_TIMEOUT
# (900, upstream's own) that of mm's, each a category of run_vmtests.sh.
# KSFT_COLLECTIONS="x86 exec" runs those collections only: under TCG the
# whole set takes hours, so it can be run a few collections at a time.
# A collection a guest died in (or whose run hit KSFT_GUEST_TIMEOUT) goes
# on from its first unfinished test when it is run again on the same
# kernel builds; KSFT_RESUME=0 starts it over, KSFT_FROM="mm:ksft_thp.sh"
# starts it at an earlier test.
# The table covers every collection run on these two kernel builds, and
# names those not run yet; a rebuilt kernel makes its old results stale.
# KSFT_REPORT_ONLY=1 writes the table again from the kept results (after a
# change to both-fail.txt, say): no build, no guest.
# KSFT_RERUN_ONLY=1 does that, then the reruns of what regressed.
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
reruns=${KSFT_RERUNS:-10}
[[ $reruns =~ ^[0-9]+$ ]] || die "KSFT_RERUNS must be a number, not '$reruns'"
smp=4
known=$TOP/tests/kselftest-gate/both-fail.txt
report=$BUILD/report/kselftest-gate.md
store=$BUILD/kselftest-gate
mkdir -p "$BUILD/report"

start=$(date +%s)
report_only=${KSFT_REPORT_ONLY:-0}
# KSFT_RERUN_ONLY=1: the kept results as KSFT_REPORT_ONLY has them, then
# the reruns of what regressed (a run whose reruns were cut short).
rerun_only=${KSFT_RERUN_ONLY:-0}
[ "$rerun_only" = 0 ] || report_only=1
for v in "${variants[@]}"; do
	if [ "$report_only" = 1 ]; then
		[ -f "$OUT/$v/arch/x86/boot/bzImage" ] || die "KSFT_REPORT_ONLY: no $v kernel built"
		continue
	fi
	bash "$TOP/scripts/build-kernel.sh" "$v"
	bash "$TOP/scripts/build-tools.sh" "$v" upstream "${all[@]}"
done

# A kernel build, and the kselftests built beside it: results from another
# build of either are stale.
kernel_id() {
	cat "$OUT/$1/arch/x86/boot/bzImage" "$OUT/$1/ksft/install/kselftest-list.txt" |
		sha256sum | cut -c1-16
}

# Boot both kernels at once with APPEND; the guests' output goes to
# build/BASE/runs/RUN-VARIANT/.
guests() {
	local run=$1 append=$2 guest_timeout=$3 v i failed=0
	local pids=()
	for v in "${variants[@]}"; do
		# No KUnit at boot: the series' suite is make check's, and the
		# base has none, so both kernels boot the same way. Two
		# Debian-sized debug kernels booting side by side need longer
		# than run-vm.sh's default to reach init. Nothing on the host
		# changes what they read while they run, so the root is cached:
		# a dynamically linked exec makes 10 9p requests instead of 65,
		# and the boot to init takes half the time.
		bash "$TOP/scripts/run-vm.sh" --smp "$smp" --timeout $((guest_timeout + 600)) \
			--test-timeout "$guest_timeout" --boot-timeout 600 --root-cache loose \
			--append "kunit.enable=0 lazymm_ksft_timeout=$timeout lazymm_ksft_mm_timeout=$mm_timeout $append" \
			"$v" "$run-$v" kselftests >"$LOGS/$run-$v.log" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			tail -n 20 "$LOGS/$run-${variants[$i]}.log" >&2
			log "the ${variants[$i]} guest did not finish (log: $LOGS/$run-${variants[$i]}.log)"
			failed=1
		fi
	done
	for v in "${variants[@]}"; do
		[ -f "$BUILD/runs/$run-$v/kselftests.log" ] ||
			die "no kselftest output from $v (console: $BUILD/runs/$run-$v/console.log)"
		# A run cut short by the guest's own test timeout still writes
		# "done": its status says it did not finish.
		if [ "$(cat "$BUILD/runs/$run-$v/kselftests.rc" 2>/dev/null)" != 0 ]; then
			log "the $v guest's kselftests did not finish (status $(cat "$BUILD/runs/$run-$v/kselftests.rc" 2>/dev/null))"
			failed=1
		fi
	done
	return $failed
}

# The run takes as long as its tests take under TCG, not what their
# timeouts would allow: three hours, or KSFT_GUEST_TIMEOUT.
guest_timeout=${KSFT_GUEST_TIMEOUT:-10800}
# A collection kept incomplete from an earlier run on these kernel builds
# goes on from its first test that did not finish on both (unless
# KSFT_RESUME=0), or from KSFT_FROM (C:TEST, comma-separated) if that is
# earlier: what ran before it is kept (kselftest-resume.sh).
resume=${KSFT_RESUME:-1}
stores=()
for v in "${variants[@]}"; do stores+=("$store/$v=$(kernel_id "$v")"); done
from=() resumed=()
for c in "${collections[@]}"; do
	if [ "$report_only" = 1 ] || [ "$resume" = 0 ]; then break; fi
	f=$(echo "${KSFT_FROM:-}" | tr , '\n' | grep "^$c:" || true)
	f=$(bash "$TOP/scripts/kselftest-resume.sh" from "$c" \
		"$OUT/${variants[1]}/ksft/install/kselftest-list.txt" \
		"$TOP/tests/kselftest-gate/not-run.txt" "$f" "${stores[@]}") ||
		die "KSFT_FROM: cannot continue $c there"
	[ -n "$f" ] || continue
	log "continuing $c from ${f#*:}: what ran before it on these kernels is kept"
	bash "$TOP/scripts/kselftest-resume.sh" keep "$c" "${f#*:}" "${stores[@]%=*}"
	from+=("$f") resumed+=("$c")
done
died=0
[ "$report_only" = 1 ] || guests kselftest-gate \
	"lazymm_ksft_collections=$(IFS=,; echo "${collections[*]}") lazymm_ksft_from=$(IFS=,; echo "${from[*]}")" \
	"$guest_timeout" || died=1

# Split each run by collection, each collection tagged with the kernel
# build it ran on, or as incomplete if a guest died in it
# (kselftest-split.sh).
for v in "${variants[@]}"; do
	[ "$report_only" = 0 ] || break
	bash "$TOP/scripts/kselftest-split.sh" "$BUILD/runs/kselftest-gate-$v" "$store/$v" \
		"$(kernel_id "$v")" "${collections[@]}"
done
for c in "${resumed[@]}"; do
	bash "$TOP/scripts/kselftest-resume.sh" join "$c" "${stores[@]}"
done

# What the table covers: the collections with results from both kernels
# as built now, and those a guest died in (what they ran is compared, and
# they stay marked incomplete, failing the gate, until they run again).
ids=()
for v in "${variants[@]}"; do ids+=("$(kernel_id "$v")"); done
covered=() missing=() when=() incomplete=()
for c in "${all[@]}"; do
	ok=1 part=0
	for i in "${!variants[@]}"; do
		f=$store/${variants[$i]}/$c
		if [ "$(cut -d' ' -f1 "$f.id" 2>/dev/null)" = "${ids[$i]}" ]; then
			:
		elif [ "$(cut -d' ' -f1 "$f.incomplete" 2>/dev/null)" = "${ids[$i]}" ]; then
			part=1
		else
			ok=0
		fi
	done
	if [ $ok -eq 1 ] && [ $part -eq 1 ]; then
		covered+=("$c")
		incomplete+=("$c")
		when+=("$c (incomplete: a guest died in it)")
	elif [ $ok -eq 1 ]; then
		covered+=("$c")
		when+=("$c $(cut -d' ' -f2 "$store/${variants[1]}/$c.id")")
	else
		missing+=("$c")
	fi
done
[ ${#covered[@]} -gt 0 ] || die "no collection has results from both kernels as built now"
merged=$BUILD/runs/kselftest-gate-merged
mkdir -p "$merged"
for v in "${variants[@]}"; do
	for c in "${covered[@]}"; do cat "$store/$v/$c.log" 2>/dev/null || true; done >"$merged/$v.log"
	for c in "${covered[@]}"; do cat "$store/$v/$c.console" 2>/dev/null || true; done >"$merged/$v.console"
done

qemu_system
preamble="Debian's amd64 config of $BASE_PACKAGE $BASE_VERSION, modules off, + configs/distro.config and configs/debug.config;"
preamble+=" $(basename "$QEMU_BIN") $("$QEMU_BIN" --version | sed -n '1s/.*version //p'), TCG, -smp $smp, both guests at once on this $(nproc)-core host;"
preamble+=" per-test timeout ${timeout} s (mm ${mm_timeout} s)."
preamble+=" Collections (with the time their run ended, UTC): $(printf '%s, ' "${when[@]}" | sed 's/, $//')."
[ ${#missing[@]} -eq 0 ] ||
	preamble+=" **Not run yet on these kernel builds: ${missing[*]}** (\`make kselftest-gate KSFT_COLLECTIONS=\"${missing[*]}\"\`)."
[ ${#resumed[@]} -eq 0 ] ||
	preamble+=" Continued from an earlier run on these kernel builds, from: ${from[*]} (the tests before ran then)."
compare() {
	local took=" \`make kselftest-gate\` with KSFT_COLLECTIONS=\"${collections[*]}\": $(($(date +%s) - start)) s."
	if [ "$rerun_only" = 1 ]; then
		took=" The kept results, with reruns run now (KSFT_RERUN_ONLY=1): $(($(date +%s) - start)) s."
	elif [ "$report_only" = 1 ]; then
		took=" Written again from the kept results (KSFT_REPORT_ONLY=1)."
	fi
	python3 "$TOP/scripts/kselftest-compare.py" \
		--base "$merged/${variants[0]}.log" --patched "$merged/${variants[1]}.log" \
		--base-console "$merged/${variants[0]}.console" \
		--patched-console "$merged/${variants[1]}.console" \
		--known "$known" --not-run "$TOP/tests/kselftest-gate/not-run.txt" \
		--preamble "$preamble$took" --out "$report" "$@"
}
# The reruns' consoles join the merged ones: a kernel report printed
# only while a regressed test ran again counts like any other.
#   add_rerun_consoles (rerun_logs: the base and patched rerun logs)
add_rerun_consoles() {
	local i
	for i in 0 1; do
		tr -d '\r' <"$(dirname "${rerun_logs[$i]}")/console.log" >>"$merged/${variants[$i]}.console"
	done
}
rc=0
compare --regressions-out "$merged/regressions.txt" || rc=$?
if [ $rc -ne 0 ] && [ -s "$merged/regressions.txt" ] && [ "$reruns" -gt 0 ] &&
	{ [ "$report_only" = 0 ] || [ "$rerun_only" = 1 ]; }; then
	log "rerunning $(wc -l <"$merged/regressions.txt") regressed tests or subtests $reruns times on both kernels"
	# The guests read the list from the host's root.
	guests kselftest-gate-rerun "lazymm_ksft_rerun=$merged/regressions.txt lazymm_ksft_repeat=$reruns" \
		"$guest_timeout" || died=1
	preamble+=" Each test or subtest that passed on base and not on patched was run $reruns times more on each kernel (an mm subtest, a program of run_vmtests.sh, alone)."
	rerun_logs=()
	for v in "${variants[@]}"; do rerun_logs+=("$BUILD/runs/kselftest-gate-rerun-$v/kselftests.log"); done
	add_rerun_consoles
	rc=0
	compare --rerun-base "${rerun_logs[0]}" --rerun-patched "${rerun_logs[1]}" || rc=$?
elif [ $rc -ne 0 ] && [ -s "$merged/regressions.txt" ] && [ "$report_only" = 1 ]; then
	# Written again from kept results: so are the last reruns, if they
	# ran on these kernel builds (newer than both bzImages).
	rerun_logs=()
	for v in "${variants[@]}"; do
		f=$BUILD/runs/kselftest-gate-rerun-$v/kselftests.log
		[ -f "$f" ] && [ "$f" -nt "$OUT/$v/arch/x86/boot/bzImage" ] && rerun_logs+=("$f")
	done
	if [ ${#rerun_logs[@]} -eq 2 ]; then
		preamble+=" The tests that passed on base and not on patched were run again in the last gate run on these kernels; those counts are used."
		add_rerun_consoles
		rc=0
		compare --rerun-base "${rerun_logs[0]}" --rerun-patched "${rerun_logs[1]}" || rc=$?
	fi
fi
[ $died -eq 0 ] || die "a guest did not finish its kselftests; the table ($report) is of what ran"
# Kept from an earlier run in which a guest died: they fail every run
# until they are run again.
[ ${#incomplete[@]} -eq 0 ] ||
	die "a guest died in ${incomplete[*]} on these kernels; run them again: make kselftest-gate KSFT_COLLECTIONS=\"${incomplete[*]}\""
[ $rc -eq 0 ] || die "the gate failed: see $report"
[ ${#missing[@]} -eq 0 ] ||
	log "not run yet on these kernels: ${missing[*]}; the table covers ${covered[*]}"
log "kselftest gate passed: $report"
