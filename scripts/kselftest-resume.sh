#!/usr/bin/env bash
# Continue a collection of the kselftest gate that a guest died in, or
# whose run was cut at its timeout (kselftest-split.sh tags it
# incomplete), from its first unfinished test instead of its start: mm
# alone takes hours under TCG, more than one guest limit may give it.
#   kselftest-resume.sh from C LIST NOT_RUN [FROM] STORE=ID...
#     prints C:TEST, the first test of C in LIST (the installed
#     kselftest-list.txt) that is not in NOT_RUN and has no result line
#     in some STORE/C.log. Nothing (run C from its start) unless each
#     STORE's C is tagged with that kernel build's ID, and one is
#     incomplete. FROM (C:TEST, or "") starts earlier, to run again tests
#     that did finish; every test before it must have.
#   kselftest-resume.sh keep C TEST STORE...
#     keeps what each STORE ran of C before TEST: STORE/C.kept.log, its
#     TAP up to TEST's "# selftests: C: TEST" line, and STORE/C.kept.console,
#     all its console (a report printed while TEST ran first still counts).
#   kselftest-resume.sh join C STORE=ID...
#     after kselftest-split.sh: the kept part goes in front of what the
#     run added to STORE/C.log and C.console, under the run's tag. If the
#     run did not reach C, the kept part alone stays, tagged incomplete.
set -euo pipefail
usage() {
	echo "usage: kselftest-resume.sh from C LIST NOT_RUN FROM STORE=ID... | keep C TEST STORE... | join C STORE=ID..." >&2
	exit 2
}
[ $# -ge 3 ] || usage
mode=$1 c=$2
shift 2

# finished STORE TEST: the test has its result line in STORE's TAP.
finished() {
	grep -qE "^(not )?ok [0-9]+ selftests: $c: $2( |\$)" "$1/$c.log" 2>/dev/null
}

case $mode in
from)
	[ $# -ge 4 ] || usage
	list=$1 not_run=$2 from=$3
	shift 3
	incomplete=0
	for s in "$@"; do
		store=${s%=*} id=${s##*=}
		if [ "$(cut -d' ' -f1 "$store/$c.incomplete" 2>/dev/null)" = "$id" ]; then
			incomplete=1
		elif [ "$(cut -d' ' -f1 "$store/$c.id" 2>/dev/null)" != "$id" ]; then
			[ -z "$from" ] || { echo "$from: $c has no results from this kernel build in $store" >&2; exit 1; }
			exit 0
		fi
	done
	if [ $incomplete -eq 0 ] && [ -z "$from" ]; then
		exit 0
	fi
	[ -z "$from" ] || grep -qxF "$from" "$list" ||
		{ echo "$from is not an installed test of $c" >&2; exit 1; }
	while read -r t; do
		grep -qxF "$t" <(grep -v '^#' "$not_run" | cut -f1) && continue
		if [ "$t" = "$from" ]; then
			echo "$t"
			exit 0
		fi
		for s in "$@"; do
			if ! finished "${s%=*}" "${t#*:}"; then
				[ -z "$from" ] ||
					{ echo "$from: $t, before it, did not finish in ${s%=*}" >&2; exit 1; }
				echo "$t"
				exit 0
			fi
		done
	done < <(grep "^$c:" "$list")
	# Every test finished: the guest died after the last one. Run C
	# again from its start.
	;;
keep)
	[ $# -ge 2 ] || usage
	t=$1
	shift
	for store in "$@"; do
		awk -v h="# selftests: $c: $t" '$0 == h { exit } { print }' \
			"$store/$c.log" >"$store/$c.kept.log"
		cp "$store/$c.console" "$store/$c.kept.console"
	done
	;;
join)
	for s in "$@"; do
		store=${s%=*} id=${s##*=}
		[ -f "$store/$c.kept.log" ] || continue
		if [ -f "$store/$c.log" ]; then
			cat "$store/$c.log" >>"$store/$c.kept.log"
			cat "$store/$c.console" >>"$store/$c.kept.console"
		else
			echo "$id $(date -u +%Y-%m-%dT%H:%MZ)" >"$store/$c.incomplete"
		fi
		mv "$store/$c.kept.log" "$store/$c.log"
		mv "$store/$c.kept.console" "$store/$c.console"
	done
	;;
*)
	usage
	;;
esac
