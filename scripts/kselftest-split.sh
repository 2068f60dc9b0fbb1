#!/usr/bin/env bash
# Split one guest run of the kselftest gate by collection, into the results
# the gate keeps per collection (scripts/kselftest-gate.sh):
#   kselftest-split.sh RUN STORE ID COLLECTION...
# RUN: the guest's results (kselftests.log, kselftests.rc, console.log,
# done); STORE: the kept results of that kernel; ID: the kernel build's id.
# For each COLLECTION the run reached: STORE/C.log, its TAP from its first
# "# selftests: C: P" line, and STORE/C.console, the console from
# run_kselftest.sh's "kselftest: Running tests in C" (the boot goes with
# the first collection). Each is tagged "ID time" in STORE/C.id, or in
# STORE/C.incomplete if the guest died in it or the run was cut at its
# timeout: the last collection of a run with no "done" or a non-zero
# status. What was kept of the COLLECTIONs before is removed first: a
# collection this run did not reach has no results.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: kselftest-split.sh RUN STORE ID COLLECTION..." >&2; exit 2; }
run=$1 store=$2 id=$3
shift 3
mkdir -p "$store"
for c in "$@"; do
	rm -f "$store/$c.log" "$store/$c.console" "$store/$c.id" "$store/$c.incomplete"
done
awk -v d="$store" '/^# selftests: [^:]+: / { c = $3; sub(/:$/, "", c) }
	c != "" { print > (d "/" c ".log") }' "$run/kselftests.log"
# (The serial console ends its lines with CR LF.)
awk -v d="$store" '{ sub(/\r$/, "") }
	match($0, /kselftest: Running tests in [^ ]+/) {
		c = substr($0, RSTART + 28, RLENGTH - 28)
		if (first == "") { first = c; printf "%s", pre > (d "/" c ".console") }
	}
	c == "" { pre = pre $0 "\n"; next }
	{ print > (d "/" c ".console") }' "$run/console.log"
last=""
if [ ! -f "$run/done" ] || [ "$(cat "$run/kselftests.rc" 2>/dev/null)" != 0 ]; then
	last=$(sed -n 's/^# selftests: \([^:]*\): .*/\1/p' "$run/kselftests.log" | tail -n 1)
fi
for c in "$@"; do
	[ -f "$store/$c.log" ] || continue
	touch "$store/$c.console"
	tag=id
	[ "$c" != "$last" ] || tag=incomplete
	echo "$id $(date -u +%Y-%m-%dT%H:%MZ)" >"$store/$c.$tag"
done
