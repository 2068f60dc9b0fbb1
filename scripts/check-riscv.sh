#!/usr/bin/env bash
# make check-riscv: the series on riscv64 (7.3). The riscv-debug kernel
# (KASAN, lockdep, DEBUG_VM, the KUnit suite and its stall points) and the
# static membarrier and lazy_mm selftests are cross-built, booted at
# -smp 4 on QEMU's virt machine under TCG with an initramfs root, and
# judged as make check judges the x86 boot: KUnit cases, selftests and
# the console scan, each skip listed in tests/skips/check-riscv.txt. Ends
# with "N passed, M failed"; exits non-zero if anything failed. Its own
# target, not part of make check: a cold riscv build does not fit make
# check's budget beside the x86 one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$BASE" = 7.3 ] || die "riscv is in the 7.3 series only (BASE=$BASE)"
# Guest tests of the riscv boot, in this order (guest/tests/NAME.sh).
RISCV_TESTS=(boot forkexit membarrier lazy_mm)

results=$BUILD/check-riscv-results.txt
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/build-kernel.sh" riscv-debug
bash "$TOP/scripts/build-tools.sh" riscv-debug selftests
bash "$TOP/scripts/riscv-initramfs.sh" riscv-debug
log "== booting the riscv64 debug kernel: ${RISCV_TESTS[*]}"
# TCG emulates riscv64 on x86 more slowly than x86 itself: a longer
# guest timeout than make check's.
bash "$TOP/scripts/run-vm.sh" --smp 4 --mem 2048 --timeout 2400 --boot-timeout 600 \
	riscv-debug check-riscv "${RISCV_TESTS[@]}" || true
bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/check-riscv" --kunit "$KUNIT_SUITE" \
	--skips "$TOP/tests/skips/check-riscv.txt" "${RISCV_TESTS[@]}" | tee "$results"
check_totals "$results" tests/skips/check-riscv.txt
