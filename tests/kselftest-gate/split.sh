#!/usr/bin/env bash
# make check (host tests): the kselftest gate's split of a guest run by
# collection (scripts/kselftest-split.sh of ROOT: the repository's, or a
# mutant's copy, tests/run-tool-mutant.sh) on
# a recorded run that reached x86 and then exec: exec is incomplete when
# the guest died in it or the run was cut at its timeout, and complete
# when the run finished; a collection the run did not reach keeps nothing
# from before; the boot's console goes with the first collection.
#   split.sh [ROOT]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
split=${1:-$top}/scripts/kselftest-split.sh
fx=$top/tests/kselftest-gate/fixtures/split
# case NAME DONE RC X86_TAG EXEC_TAG
split_case() {
	local name=kselftest-gate:split-$1 done=$2 rc=$3 want_x86=$4 want_exec=$5 tmp why=""
	tmp=$(mktemp -d)
	mkdir -p "$tmp/run" "$tmp/store"
	cp "$fx/kselftests.log" "$fx/console.log" "$tmp/run/"
	[ "$done" = 1 ] && touch "$tmp/run/done"
	[ -n "$rc" ] && echo "$rc" >"$tmp/run/kselftests.rc"
	# Kept from an earlier run of the same collections: must go.
	echo "old 2026-01-01T00:00Z" >"$tmp/store/mm.id"
	echo "old 2026-01-01T00:00Z" >"$tmp/store/exec.id"
	if ! bash "$split" "$tmp/run" "$tmp/store" kid x86 exec mm >/dev/null 2>&1; then
		why="kselftest-split.sh failed"
	elif [ "$(cut -d' ' -f1 "$tmp/store/x86.$want_x86" 2>/dev/null)" != kid ]; then
		why="x86 not tagged $want_x86"
	elif [ "$(cut -d' ' -f1 "$tmp/store/exec.$want_exec" 2>/dev/null)" != kid ]; then
		why="exec not tagged $want_exec"
	elif [ "$(find "$tmp/store" -name 'exec.*' | wc -l)" -ne 3 ]; then
		why="exec has another tag beside $want_exec: $(ls "$tmp/store")"
	elif [ -n "$(find "$tmp/store" -name 'mm.*')" ]; then
		why="mm, not reached, kept results from before"
	elif ! grep -q 'ok 2 selftests: x86: ldt_gdt_32' "$tmp/store/x86.log" ||
		grep -q execveat "$tmp/store/x86.log"; then
		why="x86.log is not x86's TAP"
	elif ! head -n 1 "$tmp/store/x86.console" | grep -q 'Linux version' ||
		! grep -q 'exec line' "$tmp/store/exec.console" ||
		grep -q 'x86 line' "$tmp/store/exec.console" || grep -q $'\r' "$tmp/store/exec.console"; then
		why="the console is not split at run_kselftest.sh's lines, boot first"
	fi
	rm -rf "$tmp"
	if [ -z "$why" ]; then echo "PASS $name"; else echo "FAIL $name ($why)"; fi
}
split_case guest-died 0 "" id incomplete
split_case run-timed-out 1 124 id incomplete
split_case run-finished 1 0 id id
