#!/usr/bin/env bash
# make xen-dom0: boot the patched kernel as a Xen PV dom0 (Debian's Xen
# 4.17 under QEMU), run the KUnit suite there (named "kunit-xen:") and
# fork/exec/clone/thread storms; on Xen the shootdown at __mmput() must
# find nothing left to do (guest/tests/xen-dom0.sh). The kernel is
# xen-debug: the debug kernel without KASAN, which does not boot as a PV
# guest (configs/xen-debug.config). Not in make check: it needs a kernel
# of its own, and a debug dom0 under TCG is slow.
# Reports that the unpatched base prints under the same options are
# listed in tests/known/BASE/xen-dom0.txt: the console check shows them
# but fails only on others.
#   XEN_VARIANT=patched   the A/B kernel instead (no KUnit, no debug checks)
#   XEN_VARIANT=base-xen-debug  the base with the same options (no KUnit
#                         suite), to tell the series' reports from the
#                         base's: run xen-dom0-base-xen-debug, which also
#                         checks that the base still prints each known one
#   XEN_SMP=N             vCPUs (4: the race cases want three)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${XEN_VARIANT:-xen-debug}
run=xen-dom0
[ "$variant" = xen-debug ] || run=xen-dom0-$variant
opts=()
[ "${variant%%-*}" = base ] || opts+=(--kunit "$KUNIT_SUITE" --kunit-as kunit-xen)
# The KUnit cases that skip as a Xen PV dom0, and why; any other skip fails.
skips=$TOP/tests/skips/xen-dom0.txt
[ "${variant%%-*}" = base ] || [ ! -f "$skips" ] || opts+=(--skips "$skips")
known=$TOP/tests/known/$BASE/xen-dom0.txt
[ ! -f "$known" ] || opts+=(--known "$known")
need_pkgs "${BUILD_PKGS[@]}" "${VM_PKGS[@]}" xen-hypervisor-4.17-amd64
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/build-kernel.sh" "$variant"
bash "$TOP/scripts/run-vm.sh" --xen --smp "${XEN_SMP:-4}" --mem 3072 "$variant" "$run" boot xen-dom0 || true
results=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/$run" "${opts[@]}" boot xen-dom0)
if [ "${variant%%-*}" = base ] && [ -f "$known" ]; then
	# The list holds only what the base prints: each entry must still show.
	one=$(mktemp)
	while IFS= read -r entry; do
		case $entry in '#'* | '') continue ;; esac
		printf '%s\n' "$entry" >"$one"
		if bash "$TOP/scripts/scan-console.sh" --known "$one" "$BUILD/runs/$run/console.log" |
			grep -q '^known: '; then
			results+=$'\n'"PASS known[$run]: the base prints ${entry%%$'\t'*}"
		else
			results+=$'\n'"FAIL known[$run]: the base no longer prints ${entry%%$'\t'*} (drop it from ${known#"$TOP/"})"
		fi
	done <"$known"
	rm -f "$one"
fi
echo "$results"
sed -n 's/^RESULT /  /p' "$BUILD/runs/$run/xen-dom0.log" 2>/dev/null
! grep -q '^FAIL' <<<"$results"
