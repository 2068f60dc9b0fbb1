#!/usr/bin/env bash
# make check: the kernel tree, host-side tests, the spin models, then the
# debug kernel (patched + KASAN, lockdep, DEBUG_VM, ...) built, booted at
# -smp 4 and put through the guest test list. Prints one line per test
# case and ends with "N passed, M failed"; exits non-zero if anything
# failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Guest tests run by make check, in this order. Each is guest/tests/NAME.sh.
CHECK_TESTS=(boot forkexit membarrier upstream_x86 upstream_exec lazy_mm stress)

results=$BUILD/check-results.txt
: >"$results"
phase() { log "== $*"; }

# The tree comes first: the result parser reads KUnit's KTAP with the
# tree's kunit.py, and the models check their code lines against it.
phase "kernel tree"
need_pkgs "${TEST_PKGS[@]}" "${BUILD_PKGS[@]}" "${VM_PKGS[@]}"
bash "$TOP/scripts/tree.sh"

phase "host-side tests"
bash "$TOP/tests/run-host-tests.sh" | tee -a "$results"

# The kselftest gate's runner, patched as the guest patches it, ends a test
# whose pid namespace init outlives the timeout (needs the tree's runner);
# each of its mutants (tests/broken/tools/ksft-runner-*.patch) fails it.
bash "$TOP/tests/kselftest-gate/runner-timeout.sh" "$TREE" | tee -a "$results"
for m in "$TOP"/tests/broken/tools/ksft-runner-*.patch; do
	bash "$TOP/tests/run-tool-mutant.sh" "$m" \
		bash "$TOP/tests/kselftest-gate/runner-timeout.sh" "$TREE" | tee -a "$results"
done

phase "checkpatch on the harness's C"
bash "$TOP/tests/checkpatch-harness.sh" "$TREE" | tee -a "$results"

phase "protocol model (spin)"
bash "$TOP/scripts/model.sh" | tee -a "$results"

phase "debug kernel"
# Every mutant must still apply on the series, or make mutants cannot
# show its test failing: one case each. Its subject, what make mutants
# reports it breaks, must be whole: a folded Subject: header with a blank
# line inside ends the headers there.
for p in "$BROKEN"/*.patch; do
	n=${p##*/}
	if ! git -C "$TREE" apply --check "$p" 2>/dev/null; then
		echo "FAIL mutant-applies:${n%.patch} (does not apply on the series: regenerate it, tests/broken/README.md)"
	elif awk '/^Subject:/ { s = 1; next } s && /^$/ { b = 1; next }
		s && b && /^ / { cut = 1 } s && b { exit } END { exit !cut }' "$p"; then
		echo "FAIL mutant-applies:${n%.patch} (its Subject: header is cut by a blank line)"
	else
		echo "PASS mutant-applies:${n%.patch}"
	fi
done | tee -a "$results"
bash "$TOP/scripts/build-kernel.sh" debug
bash "$TOP/scripts/build-tools.sh" debug selftests
make -s -C "$TOP/tools/guest"	# efistress for the EFI test

tests=()
for t in "${CHECK_TESTS[@]}"; do
	[ -f "$TOP/guest/tests/$t.sh" ] && tests+=("$t")
done
phase "booting the debug kernel: ${tests[*]}"
bash "$TOP/scripts/run-vm.sh" --smp 4 debug check "${tests[@]}" || true
bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/check" --kunit "$KUNIT_SUITE" \
	--skips "$TOP/tests/skips/check.txt" "${tests[@]}" | tee -a "$results"

# EFI runtime calls racing exits need the firmware: a second boot, under
# OVMF. The KUnit suite runs again there, with EFI runtime services (its
# EFI case skips without them), as "kunit-efi:".
phase "booting the debug kernel under OVMF: efi"
bash "$TOP/scripts/run-vm.sh" --smp 4 --efi --append lazymm_efi_seconds=60 debug check-efi efi || true
bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/check-efi" --kunit "$KUNIT_SUITE" \
	--kunit-as kunit-efi --skips "$TOP/tests/skips/check-efi.txt" efi | tee -a "$results"

# Three totals: the kernel's own cases (KUnit, kselftests, guest tests,
# console scans), the spin models, and the harness checking itself
# (scanner and parser fixtures, mutants that still apply, shellcheck, ...).
total() {	# total LABEL AWK-CONDITION-ON-NAME
	awk -v label="$1" '
		/^(PASS|FAIL|SKIP) / {
			name = $2
			if (!('"$2"')) next
			n[$1]++
		}
		END { printf "%s: %d passed, %d failed, %d skipped\n", label, n["PASS"], n["FAIL"], n["SKIP"] }' "$results"
}
# The kernel's own: KUnit, the console scans and every guest test run above.
kernel_names=$(printf '%s|' kunit kunit-efi "${tests[@]}" efi)
kernel="name ~ /^(console\\[|(${kernel_names%|})(:|\$))/"
total kernel "$kernel"
total model 'name ~ /^model:/'
total harness "!($kernel) && name !~ /^model:/"
check_totals "$results" tests/skips/
