#!/usr/bin/env bash
# make xen-dom0: boot the patched kernel as a Xen PV dom0 (Debian's Xen
# 4.17 under QEMU), run the KUnit suite there (named "kunit-xen:") and
# fork/exec/clone/thread storms; on Xen the shootdown at __mmput() must
# find nothing left to do (guest/tests/xen-dom0.sh). The kernel is
# xen-debug: the debug kernel without KASAN, which does not boot as a PV
# guest (configs/xen-debug.config). Not in make check: it needs a kernel
# of its own, and a debug dom0 under TCG is slow.
#   XEN_VARIANT=patched   the A/B kernel instead (no KUnit, no debug checks)
#   XEN_VARIANT=base-xen-debug  the base with the same options (no KUnit
#                         suite), to tell the series' reports from the base's
#   XEN_SMP=N             vCPUs (4: the race cases want three)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${XEN_VARIANT:-xen-debug}
need_pkgs "${BUILD_PKGS[@]}" "${VM_PKGS[@]}" xen-hypervisor-4.17-amd64
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/build-kernel.sh" "$variant"
bash "$TOP/scripts/run-vm.sh" --xen --smp "${XEN_SMP:-4}" --mem 3072 "$variant" xen-dom0 boot xen-dom0 || true
results=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/xen-dom0" \
	--kunit "$KUNIT_SUITE" --kunit-as kunit-xen boot xen-dom0)
echo "$results"
sed -n 's/^RESULT /  /p' "$BUILD/runs/xen-dom0/xen-dom0.log" 2>/dev/null
! grep -q '^FAIL' <<<"$results"
