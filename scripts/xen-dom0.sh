#!/usr/bin/env bash
# make xen-dom0: boot the patched kernel as a Xen PV dom0 (Debian's Xen
# 4.17 under QEMU) and run fork/exec/clone/thread storms in it; on Xen the
# shootdown at __mmput() must find nothing left to do (guest/tests/xen-dom0.sh).
# Not in make check: it needs the non-debug patched kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_pkgs "${BUILD_PKGS[@]}" "${VM_PKGS[@]}" xen-hypervisor-4.17-amd64
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/build-kernel.sh" patched
bash "$TOP/scripts/run-vm.sh" --xen --smp "${XEN_SMP:-2}" --mem 2048 patched xen-dom0 boot xen-dom0 || true
results=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/xen-dom0" boot xen-dom0)
echo "$results"
sed -n 's/^RESULT /  /p' "$BUILD/runs/xen-dom0/xen-dom0.log" 2>/dev/null
! grep -q '^FAIL' <<<"$results"
