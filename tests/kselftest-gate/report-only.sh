#!/usr/bin/env bash
# make check (host tests): the gate's own verdict on kept results
# (KSFT_REPORT_ONLY=1 scripts/kselftest-gate.sh), on a scratch copy of the
# repository with two fake kernel builds and recorded per-collection
# results. No kernel and no guest: QEMU is a stub that prints a version.
#   report-only.sh [ROOT]
# ROOT (a mutant's copy, tests/run-tool-mutant.sh) holds the files that
# replace the repository's in the scratch copy.
#   clean: x86 on both kernels, the same: the gate passes;
#   incomplete-fails-every-run: a guest died in exec on these kernels in
#     an earlier run: every later run fails until exec runs again;
#   stale-results-not-compared: a regression kept from another build of
#     the patched kernel is not in the table, and does not fail the gate;
#   rerun-not-reproduced: a regression the last reruns on these kernels
#     did not reproduce passes;
#   rerun-console-counted: the same, but the patched kernel printed a
#     KASAN report while the test ran again: the gate fails.
#   rerun-only-subtest: KSFT_RERUN_ONLY=1 with a kept subtest regression:
#     the guests (a stub run-vm.sh) are given that subtest alone to run
#     again, it passes there on both, and the gate passes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-}

variants=(base-distro-debug distro-debug)
tap_ok='# selftests: x86: ldt_gdt_64
# ok 1 LDT entry survives fork
ok 1 selftests: x86: ldt_gdt_64'
tap_fail='# selftests: x86: ldt_gdt_64
# not ok 1 LDT entry survives fork
not ok 1 selftests: x86: ldt_gdt_64 # exit=1'
exec_ok='# selftests: exec: execveat
ok 2 selftests: exec: execveat'
boot='[    1.000000] Linux version 7.3.4'

# A scratch repository: scripts/, the gate's lists, ROOT's files on top,
# and a stub QEMU first in PATH.
#   setup DIR
setup() {
	local d=$1 v
	mkdir -p "$d/tests/kselftest-gate" "$d/bin"
	cp -r "$top/scripts" "$d/"
	cp "$top/tests/kselftest-gate/both-fail.txt" "$top/tests/kselftest-gate/not-run.txt" \
		"$d/tests/kselftest-gate/"
	[ -z "$root" ] || cp -r "$root/." "$d/"
	printf '#!/bin/sh\necho "QEMU emulator version 10.0.2"\n' >"$d/bin/qemu-system-x86_64"
	chmod +x "$d/bin/qemu-system-x86_64"
	for v in "${variants[@]}"; do
		mkdir -p "$d/build/7.3/out/$v/arch/x86/boot" "$d/build/7.3/out/$v/ksft/install" \
			"$d/build/7.3/kselftest-gate/$v"
		echo "$v kernel" >"$d/build/7.3/out/$v/arch/x86/boot/bzImage"
		echo "x86:ldt_gdt_64" >"$d/build/7.3/out/$v/ksft/install/kselftest-list.txt"
	done
}

# The gate's kernel_id() of a fake build.
#   kid DIR VARIANT
kid() {
	cat "$1/build/7.3/out/$2/arch/x86/boot/bzImage" \
		"$1/build/7.3/out/$2/ksft/install/kselftest-list.txt" | sha256sum | cut -c1-16
}

# Kept results of one collection on one kernel, tagged id or incomplete.
#   keep DIR VARIANT COLLECTION TAG TAP [KERNEL_ID]
keep() {
	local s=$1/build/7.3/kselftest-gate/$2/$3 id=${6:-$(kid "$1" "$2")}
	printf '%s\n' "$5" >"$s.log"
	printf '%s\n' "$boot" >"$s.console"
	echo "$id 2026-12-01T00:00Z" >"$s.$4"
}

# The last reruns' output on one kernel, newer than its bzImage.
#   rerun DIR VARIANT TAP CONSOLE
rerun() {
	local r=$1/build/7.3/runs/kselftest-gate-rerun-$2
	mkdir -p "$r"
	printf 'TAP version 13\n%s\n' "$3" >"$r/kselftests.log"
	printf '%s\n' "$boot" "$4" >"$r/console.log"
	touch -d '+1 minute' "$r/kselftests.log" "$r/console.log"
}

# Run the gate in DIR on its kept results; WANT is 0 (passes) or 1 (fails,
# saying WHY: a fixed string of its output).
#   verdict NAME DIR WANT [WHY]
verdict() {
	local name=kselftest-gate:$1 d=$2 want=$3 why=${4:-} rc out
	out=$(cd "$d" && PATH="$d/bin:$PATH" LAZYMM_QEMU=system KSFT_REPORT_ONLY=1 BASE=7.3 \
		timeout 120 bash scripts/kselftest-gate.sh 2>&1)
	rc=$?
	[ $rc -eq 0 ] || rc=1
	if [ $rc -eq "$want" ] && grep -qF -- "$why" <<<"$out"; then
		echo "PASS $name"
	else
		echo "FAIL $name (exit $rc, want $want${why:+ with \"$why\"}: $(tail -n 1 <<<"$out"))"
	fi
	rm -rf "$d"
}

d=$(mktemp -d)
setup "$d"
keep "$d" base-distro-debug x86 id "$tap_ok"
keep "$d" distro-debug x86 id "$tap_ok"
verdict clean "$d" 0

d=$(mktemp -d)
setup "$d"
for v in "${variants[@]}"; do
	keep "$d" "$v" x86 id "$tap_ok"
	keep "$d" "$v" exec id "$exec_ok"
done
keep "$d" distro-debug exec incomplete "$exec_ok"
rm "$d/build/7.3/kselftest-gate/distro-debug/exec.id"
verdict incomplete-fails-every-run "$d" 1 "a guest died in exec"

d=$(mktemp -d)
setup "$d"
keep "$d" base-distro-debug x86 id "$tap_ok"
keep "$d" distro-debug x86 id "$tap_ok"
keep "$d" base-distro-debug exec id "$exec_ok"
keep "$d" distro-debug exec id "# selftests: exec: execveat
not ok 2 selftests: exec: execveat # exit=1" 0123456789abcdef
verdict stale-results-not-compared "$d" 0

for c in not-reproduced console-counted; do
	d=$(mktemp -d)
	setup "$d"
	keep "$d" base-distro-debug x86 id "$tap_ok"
	keep "$d" distro-debug x86 id "$tap_fail"
	rerun "$d" base-distro-debug "$tap_ok" ""
	report=""
	[ $c = not-reproduced ] ||
		report="[   99.000000] BUG: KASAN: slab-use-after-free in switch_mm_irqs_off+0x1a/0x200"
	rerun "$d" distro-debug "$tap_ok" "$report"
	if [ $c = not-reproduced ]; then
		verdict "rerun-$c" "$d" 0
	else
		verdict "rerun-$c" "$d" 1 "1 new kernel reports"
	fi
done

# The guests, stubbed: each copies the list of reruns it was given to
# $RERUN_LIST and prints the first line's test, with that subtest passing,
# three times.
d=$(mktemp -d)
setup "$d"
cat >"$d/scripts/run-vm.sh" <<'STUB'
#!/usr/bin/env bash
while [ $# -gt 3 ]; do
	[ "$1" != --append ] || append=$2
	shift 2
done
r=$(dirname "$0")/../build/7.3/runs/$2
mkdir -p "$r"
list=$(sed -n 's/.*lazymm_ksft_rerun=\([^ ]*\).*/\1/p' <<<"$append")
cp "$list" "$RERUN_LIST"
IFS=$'\t' read -r t sub <"$list"
{
	echo "TAP version 13"
	for i in 1 2 3; do
		printf '# selftests: %s: %s\n# ok 1 %s\nok %d selftests: %s: %s\n' \
			"${t%%:*}" "${t#*:}" "$sub" $i "${t%%:*}" "${t#*:}"
	done
} >"$r/kselftests.log"
echo 0 >"$r/kselftests.rc"
echo "[    1.000000] Linux version 7.3.4" >"$r/console.log"
STUB
keep "$d" base-distro-debug x86 id "$tap_ok"
keep "$d" distro-debug x86 id "# selftests: x86: ldt_gdt_64
# not ok 1 LDT entry survives fork
ok 1 selftests: x86: ldt_gdt_64"
export RERUN_LIST
RERUN_LIST=$(mktemp)
res=$(KSFT_RERUN_ONLY=1 verdict rerun-only-subtest "$d" 0 "rerunning 1 regressed")
if [ "${res%% *}" = PASS ] && [ "$(cat "$RERUN_LIST")" = "$(printf 'x86:ldt_gdt_64\tLDT entry survives fork')" ]; then
	echo "$res"
else
	echo "FAIL kselftest-gate:rerun-only-subtest (${res#* }; rerun list: '$(cat "$RERUN_LIST")')"
fi
rm -f "$RERUN_LIST"
