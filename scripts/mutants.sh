#!/usr/bin/env bash
# make mutants: show that the tests can fail, one step of the mechanism at
# a time. Each tests/broken/BASE/NAME.patch breaks one step and names, in
# "Catcher:" lines of its changelog, the test cases that must go red
# (the names make check prints: "kunit:lazy_mm.case",
# "lazy_mm: lazy_mm.case", "console[check]", "console:TEXT" for a report
# line naming TEXT, ...), or "build" for a
# change the compiler must refuse. For each mutant, on top of the series:
# apply it, rebuild the debug kernel incrementally, boot it with only the
# guest tests its catchers need, and see what failed (the xen-debug
# kernel, as a Xen PV dom0, for a "kunit-xen:" catcher). Writes
# build/BASE/report/mutants.md and fails if any mutant survives.
#   mutants.sh [NAME...]      (default: every tests/broken/BASE/*.patch)
#   MUTANT_RUNS=N  boot each mutant N times (one build): a kill must be
#                  deterministic, so it counts only if all N runs kill it.
#                  Where the only catcher is one KUnit case of a plain
#                  boot, runs 2..N run that case alone (kunit.filter_glob)
# A SKIP never counts as a kill. The tree is put back to the series after
# each mutant, and on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

report=$BUILD/report/mutants.md
# A guest that a mutant hung is stopped after this many seconds (half
# again as long under Xen), not run-vm.sh's 20 minutes: the slowest
# mutant's boot and tests take about 3 minutes under TCG, and a hung
# guest has printed its KUnit results and reports by then.
MUTANT_TIMEOUT=${MUTANT_TIMEOUT:-600}
MUTANT_RUNS=${MUTANT_RUNS:-1}
[[ $MUTANT_RUNS =~ ^[1-9][0-9]*$ ]] || die "MUTANT_RUNS=$MUTANT_RUNS: want a count of runs, 1 or more"
work=$BUILD/mutants
mkdir -p "$BUILD/report" "$work"

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for p in "$BROKEN"/*.patch; do
		n=${p##*/}
		names+=("${n%.patch}")
	done
fi
for n in "${names[@]}"; do
	[ -f "$BROKEN/$n.patch" ] || die "no $BROKEN/$n.patch"
done

need_pkgs "${BUILD_PKGS[@]}" "${VM_PKGS[@]}"
git -C "$TREE" am --abort >/dev/null 2>&1 || true
bash "$TOP/scripts/tree.sh"
series_head=$(git -C "$TREE" rev-parse HEAD)
# Back to the series, also after a git am that failed before it committed
# anything (it leaves its state behind, and the next git am refuses to run).
restore() {
	git -C "$TREE" am --abort >/dev/null 2>&1 || true
	if [ "$(git -C "$TREE" rev-parse HEAD)" != "$series_head" ]; then
		git -C "$TREE" reset -q --hard "$series_head"
	fi
	rm -f "$MUTANT_MARK"
}
trap restore EXIT
# A TERM or INT ends the run through restore too, also while a child runs.
trap 'exit 143' TERM
trap 'exit 130' INT

# The changelog's Catcher: lines of a mutant patch.
catchers_of() {
	git mailinfo /dev/stdout /dev/null <"$1" 2>/dev/null | sed -n 's/^Catcher: *//p'
}

# The guest test that produces a result name: "lazy_mm: x" comes from
# guest/tests/lazy_mm.sh; KUnit and the console scan come with any boot,
# KUnit with EFI runtime services ("kunit-efi:") with a boot under OVMF,
# which the "efi" test needs too, KUnit as a Xen PV dom0 ("kunit-xen:")
# with a boot of the xen-debug kernel under Xen, and KUnit on riscv64
# ("kunit-riscv:") with a boot of the riscv-debug kernel.
guest_test_of() {
	case $1 in
	kunit:* | console*) echo boot ;;
	kunit-efi:*) echo efi-boot ;;
	kunit-xen:*) echo xen-boot ;;
	kunit-riscv:*) echo riscv-boot ;;
	*) echo "${1%%:*}" ;;
	esac
}

# The series itself first: the guest tools, and a kernel whose objects the
# mutants rebuild from incrementally. The x86 debug kernel only if a mutant
# boots it: a riscv-only run leaves it alone (make check may be building it).
# (A console catcher goes with whatever boot the mutant gets.)
x86=0
for n in "${names[@]}"; do
	own=0 other=0
	while read -r c; do
		case $c in console*) continue ;; esac
		case $(guest_test_of "$c") in riscv-boot | xen-boot) other=1 ;; *) own=1 ;; esac
	done < <(catchers_of "$BROKEN/$n.patch")
	[ "$own" -eq 0 ] && [ "$other" -eq 1 ] || x86=1
done
if [ "$x86" -eq 1 ]; then
	bash "$TOP/scripts/build-kernel.sh" debug
	bash "$TOP/scripts/build-tools.sh" debug selftests
	make -s -C "$TOP/tools/guest"
fi

# Boot VARIANT with run-vm.sh options OPTS... -- TESTS..., as run RUN, and
# add its results (KUnit named KUNIT_AS) to $results.
#   boot_and_parse RUN KUNIT_AS VARIANT OPTS... -- TESTS...
boot_and_parse() {
	local run=$1 as=$2 variant=$3 opts=()
	shift 3
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	bash "$TOP/scripts/run-vm.sh" "${opts[@]}" "$variant" "$run" "$@" || true
	# Under Xen, the reports the base prints there too are not a kill.
	local known=$TOP/tests/known/$BASE/xen-dom0.txt parse=()
	case " ${opts[*]} " in *" --xen "*) [ ! -f "$known" ] || parse=(--known "$known") ;; esac
	bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/$run" \
		--kunit "$KUNIT_SUITE" --kunit-as "$as" "${parse[@]}" "$@" >>"$results"
}

# A kernel report line of the console scan in $results, as "console: ...":
# the first one, or the first that contains TEXT.  report_line [TEXT]
report_line() {
	local line
	line=$(grep '^    ' "$results" | grep -m1 -F -- "${1:-}" || true)
	[ -z "$line" ] || echo "console: $(echo "$line" | tr -d '\r' | sed 's/^ *[0-9]*://')"
}

# The verdict on one run's results, in $results: sets verdict ("SURVIVED",
# "killed" or "killed, not by its catcher") and caught (what failed).
judge() {
	# Not run at all: never a kill.
	if grep -q '^ERROR ' "$results"; then
		verdict="SURVIVED"
		caught="not run: $(sed -n 's/^ERROR //p' "$results" | head -n 1)"
		return
	fi
	# Killed: some case failed. By its catcher: one of those is a named one.
	mapfile -t fails < <(grep '^FAIL ' "$results" | sed 's/^FAIL //')
	expected=""
	for f in "${fails[@]}"; do
		for c in "${catchers[@]}"; do
			case $c in console:*) continue ;; esac
			case $f in "$c"*) expected="$f" ;; esac
		done
		[ -n "$expected" ] && break
	done
	# "console:TEXT": a kernel report line on the console that names TEXT
	# (a WARN from one check, not any report).
	for c in "${catchers[@]}"; do
		[ -z "$expected" ] || break
		case $c in console:*) ;; *) continue ;; esac
		expected=$(report_line "${c#console:}")
	done
	if [ ${#fails[@]} -eq 0 ]; then
		verdict="SURVIVED"
		caught="nothing failed"
	else
		if [ -n "$expected" ]; then
			verdict="killed"
			caught=$expected
		else
			verdict="killed, not by its catcher"
			caught=${fails[0]}
		fi
		# The console scan's first report says more than its file name.
		case $caught in
		console\[*) caught=$(report_line) ;;
		esac
		[ ${#fails[@]} -eq 1 ] || caught+=" (+$((${#fails[@]} - 1)) more)"
	fi
}

rows=() killed=0 survived=0 by_build=0 mutant_built=()
for n in "${names[@]}"; do
	patch=$BROKEN/$n.patch
	what=$(git mailinfo /dev/null /dev/null <"$patch" | sed -n 's/^Subject: //p')
	what=${what#DO NOT MERGE: }
	mapfile -t catchers < <(catchers_of "$patch")
	[ ${#catchers[@]} -gt 0 ] || die "$n.patch names no Catcher: line"
	start=$(date +%s)
	log "== mutant $n: $what"
	log "   expected catchers: ${catchers[*]}"
	# What recover_from_mutant (series.sh) needs if this run is killed.
	echo "$$ $series_head" >"$MUTANT_MARK"
	git -C "$TREE" am -q "$patch" || { restore; die "$n.patch does not apply on the series"; }
	results=$work/$n.txt
	: >"$results"
	run_results=()
	selftests=0

	tests=() efi_tests=() xen_tests=() riscv_tests=()
	for c in "${catchers[@]}"; do
		t=$(guest_test_of "$c")
		case $t in
		build) ;;
		efi-boot) [ ${#efi_tests[@]} -gt 0 ] || efi_tests=(boot) ;;
		efi) efi_tests=(efi) ;;
		xen-boot) xen_tests=(boot) ;;
		riscv-boot) riscv_tests=(boot) ;;
		*) [[ " ${tests[*]} " == *" $t "* ]] || tests+=("$t") ;;
		esac
	done
	# "console[" alone asks for no boot of its own beside an OVMF, Xen or
	# riscv one.
	others=$((${#efi_tests[@]} + ${#xen_tests[@]} + ${#riscv_tests[@]}))
	if [ $others -gt 0 ] && [ "${tests[*]}" = boot ]; then
		tests=()
	fi
	[ $((${#tests[@]} + others)) -gt 0 ] || tests=(boot)
	# The xen-debug kernel only for a Xen boot, the debug kernel otherwise.
	variants=()
	[ $((${#tests[@]} + ${#efi_tests[@]})) -eq 0 ] || variants+=(debug)
	[ ${#xen_tests[@]} -eq 0 ] || variants+=(xen-debug)
	[ ${#riscv_tests[@]} -eq 0 ] || variants+=(riscv-debug)
	built=1
	mutant_built+=("${variants[@]}")
	for v in "${variants[@]}"; do
		if ! bash "$TOP/scripts/build-kernel.sh" "$v" >"$work/$n.build.log" 2>&1; then
			# Only a kernel that does not configure or compile is a
			# kill; a build that never got there ran nothing.
			if build_log_is_kill "$work/$n.build.log" "$v"; then
				echo "FAIL build (see $LOGS/build-$v.log)" >"$results"
			else
				echo "ERROR the $v build did not get to compiling: $(grep -m1 '^error:' "$work/$n.build.log")" >"$results"
			fi
			built=0
			break
		fi
	done
	if [ $built -eq 1 ]; then
		# A riscv boot's root: built once, from the series' selftests.
		if [ ${#riscv_tests[@]} -gt 0 ] && [ ! -f "$OUT/riscv-debug/initramfs.cpio.gz" ]; then
			bash "$TOP/scripts/build-tools.sh" riscv-debug selftests
			bash "$TOP/scripts/riscv-initramfs.sh" riscv-debug
		fi
		# The selftests only when the mutant changes them (and back after).
		if git -C "$TREE" diff --name-only HEAD~1 | grep -q '^tools/testing/selftests/'; then
			selftests=1
			bash "$TOP/scripts/build-tools.sh" debug selftests
		fi
		# The one KUnit case that must kill it, if that is all it names.
		only_case=""
		if [ ${#catchers[@]} -eq 1 ] && [ "${tests[*]}" = boot ] &&
			[[ ${catchers[0]} == kunit:"$KUNIT_SUITE".* ]]; then
			only_case=${catchers[0]#kunit:}
		fi
		for ((i = 1; i <= MUTANT_RUNS; i++)); do
			# Run i of N: its own run directory and results file. The
			# first runs the whole suite, the others the one case.
			sfx="" filter=()
			[ "$MUTANT_RUNS" -eq 1 ] || sfx=-run$i
			[ "$i" -eq 1 ] || [ -z "$only_case" ] ||
				filter=(--append "kunit.filter_glob=$only_case")
			results=$work/$n$sfx.txt
			: >"$results"
			run_results+=("$results")
			[ "$MUTANT_RUNS" -eq 1 ] || log "   run $i of $MUTANT_RUNS"
			[ ${#tests[@]} -eq 0 ] ||
				boot_and_parse "mutant-$n$sfx" kunit debug --smp 4 "${filter[@]}" \
					--timeout "$MUTANT_TIMEOUT" -- "${tests[@]}"
			[ ${#efi_tests[@]} -eq 0 ] ||
				boot_and_parse "mutant-$n$sfx-efi" kunit-efi debug --smp 4 --efi \
					--timeout "$MUTANT_TIMEOUT" \
					--append lazymm_efi_seconds=60 -- "${efi_tests[@]}"
			[ ${#xen_tests[@]} -eq 0 ] ||
				boot_and_parse "mutant-$n$sfx-xen" kunit-xen xen-debug --xen --smp 4 \
					--timeout "$((MUTANT_TIMEOUT * 3 / 2))" \
					--mem 3072 -- "${xen_tests[@]}"
			[ ${#riscv_tests[@]} -eq 0 ] ||
				boot_and_parse "mutant-$n$sfx-riscv" kunit-riscv riscv-debug --smp 4 \
					--timeout "$((MUTANT_TIMEOUT * 2))" --boot-timeout 600 \
					--mem 2048 -- "${riscv_tests[@]}"
		done
	else
		run_results=("$results")
	fi
	git -C "$TREE" reset -q --hard "$series_head"
	rm -f "$MUTANT_MARK"
	[ "$selftests" -eq 0 ] || bash "$TOP/scripts/build-tools.sh" debug selftests

	secs=$(($(date +%s) - start))
	# Killed only if every run was: by a named catcher, the first one's.
	kills=0 named=0 first_verdict="" first_caught=""
	for results in "${run_results[@]}"; do
		judge
		[ "$verdict" = SURVIVED ] || kills=$((kills + 1))
		[ "$verdict" != killed ] || named=$((named + 1))
		if [ -z "$first_verdict" ] || { [ "$first_verdict" != SURVIVED ] && [ "$verdict" = SURVIVED ]; }; then
			first_verdict=$verdict first_caught=$caught
		fi
	done
	verdict=$first_verdict caught=$first_caught
	runs=${#run_results[@]}
	if [ "$kills" -lt "$runs" ]; then
		verdict=SURVIVED
		survived=$((survived + 1))
	else
		killed=$((killed + 1))
		case $caught in build\ *) by_build=$((by_build + 1)) ;; esac
		[ "$named" -eq "$runs" ] || verdict="killed, not by its catcher"
	fi
	[ "$runs" -eq 1 ] || verdict+=" (killed in $kills of $runs runs, $named by a named catcher)"
	log "   $verdict in ${secs}s: $caught"
	catcher_list=$(printf '%s; ' "${catchers[@]}")
	rows+=("| \`$n\` | $what | ${catcher_list%; } | $verdict: $caught | ${secs} s |")
done

# Leave the series' kernels in build/BASE/out, not the last mutant's: a
# later run-vm.sh on them would boot the mutant.
restore
for v in $(printf '%s\n' "${mutant_built[@]}" | sort -u); do
	bash "$TOP/scripts/build-kernel.sh" "$v" >"$work/series-$v.build.log" 2>&1 ||
		log "the series' $v kernel did not build again (see $LOGS/build-$v.log)"
done

{
	echo "# Mutants"
	echo
	echo "Each mutant (tests/broken/$BASE/NAME.patch) breaks one step of the $BASE series;"
	echo "\`make mutants\` applies it on top of the series, rebuilds the debug"
	echo "kernel and boots it under QEMU ($(nproc) host cores; TCG unless KVM"
	echo "works), -smp 4, with the guest tests its catchers need. KUnit and the"
	echo "console scan come with every boot. A SKIP is never a kill."
	[ "$MUTANT_RUNS" -eq 1 ] || echo "Each mutant was booted $MUTANT_RUNS times; it counts as killed only if every run killed it. Where its only catcher is one KUnit case, runs 2-$MUTANT_RUNS ran that case alone."
	echo
	echo "| mutant | what it breaks | expected catcher | result | time |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "${#names[@]} mutants: $killed killed ($by_build by the build), $survived survived."
} >"$report"
log "report: $report"
echo "${#names[@]} mutants: $killed killed ($by_build by the build), $survived survived"
[ "$survived" -eq 0 ]
