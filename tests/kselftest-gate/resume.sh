#!/usr/bin/env bash
# make check (host tests): the kselftest gate's continuation of a
# collection an earlier run did not finish (scripts/kselftest-resume.sh of
# ROOT: the repository's, or a mutant's copy, tests/run-tool-mutant.sh),
# on recorded mm results: base finished a, b and c; the patched guest was
# cut in c.
#   resume.sh [ROOT]
#   from-first-unfinished: continues at c, not a, and not d;
#   not-run-skipped: a test the gate does not run is passed over;
#   complete-starts-over: nothing to continue when neither is incomplete;
#   other-build-starts-over: nor when the kept results are of another
#     build of a kernel;
#   from-earlier: KSFT_FROM at b is taken; at d (c did not finish) it is
#     refused;
#   keep-and-join: after a run of c and d, each kernel's mm.log has a and b
#     from before and c and d from the run, c once, tagged as the run was;
#     the consoles are both runs';
#   join-not-reached: a run that died before mm leaves the kept part,
#     incomplete.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
resume=${1:-$top}/scripts/kselftest-resume.sh
split=$top/scripts/kselftest-split.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'mm:a\nmm:b\nmm:skipme\nmm:c\nmm:d\nx86:e\n' >"$tmp/list"
printf '# why\nmm:skipme\tnot run here\n' >"$tmp/not-run"

# The kept results: base (b) has a, b and c; patched (p) was cut in c.
#   fixture [BASE_TAG PATCHED_TAG [PATCHED_ID]]
fixture() {
	rm -rf "$tmp/b" "$tmp/p"
	mkdir -p "$tmp/b" "$tmp/p"
	local t
	for t in a b c; do
		printf '# selftests: mm: %s\nok %s selftests: mm: %s\n' "$t" "$t" "$t"
	done | sed 's/^ok \([a-z]\) /ok 1 /' >"$tmp/b/mm.log"
	{
		printf '# selftests: mm: a\nok 1 selftests: mm: a\n'
		printf '# selftests: mm: b\nnot ok 2 selftests: mm: b # exit=1\n'
		printf '# selftests: mm: c\n# old partial c\n'
	} >"$tmp/p/mm.log"
	echo 'old base console' >"$tmp/b/mm.console"
	echo 'old patched console' >"$tmp/p/mm.console"
	echo "bid 2026-12-01T00:00Z" >"$tmp/b/mm.${1:-id}"
	echo "${3:-pid} 2026-12-01T00:00Z" >"$tmp/p/mm.${2:-incomplete}"
}

# check NAME WHY: PASS if WHY is empty.
check() {
	if [ -z "$2" ]; then echo "PASS kselftest-gate:resume-$1"; else echo "FAIL kselftest-gate:resume-$1 ($2)"; fi
}

from() {
	bash "$resume" from mm "$tmp/list" "$tmp/not-run" "$1" "$tmp/b=bid" "$tmp/p=pid" 2>/dev/null
}

fixture
got=$(from "")
check from-first-unfinished "$([ "$got" = mm:c ] || echo "continued from '$got', not mm:c")"

fixture
printf '# selftests: mm: skipme\n' >>"$tmp/p/mm.log"
sed -i '/old partial c/d; /selftests: mm: c$/d' "$tmp/p/mm.log"
printf '# selftests: mm: c\nok 3 selftests: mm: c\n' >>"$tmp/p/mm.log"
got=$(from "")
check not-run-skipped "$([ "$got" = mm:d ] || echo "continued from '$got', not mm:d")"

fixture id id
got=$(from "")
check complete-starts-over "$([ -z "$got" ] || echo "continued a complete mm from '$got'")"

fixture id incomplete other
got=$(from "")
check other-build-starts-over "$([ -z "$got" ] || echo "continued another build's results from '$got'")"

fixture
why=""
got=$(from mm:b) || why="KSFT_FROM=mm:b refused"
[ -n "$why" ] || [ "$got" = mm:b ] || why="continued from '$got', not mm:b"
[ -n "$why" ] || ! from mm:d >/dev/null || why="KSFT_FROM=mm:d taken, though c did not finish"
check from-earlier "$why"

# A run of c and d on both kernels, split as the gate does.
#   run_from_c NAME DIED
run_from_c() {
	local r=$tmp/run-$1
	mkdir -p "$r"
	if [ "$2" = 1 ]; then
		printf 'TAP version 13\n# selftests: x86: e\n' >"$r/kselftests.log"
		printf '[    1.0] Linux version 7.3.4\n[    2.0] kselftest: Running tests in x86\n' >"$r/console.log"
		return
	fi
	printf 'TAP version 13\n# selftests: mm: c\n# new c\nok 1 selftests: mm: c\n# selftests: mm: d\nok 2 selftests: mm: d\n' \
		>"$r/kselftests.log"
	printf '[    1.0] Linux version 7.3.4\n[    2.0] kselftest: Running tests in mm\n[    3.0] new console\n' \
		>"$r/console.log"
	echo 0 >"$r/kselftests.rc"
	touch "$r/done"
}

# As the gate does: keep what ran before c, run from c (the run NAME;
# DIED 1: the guest died before mm), split, join. Sets why on a failure.
#   continue_from_c NAME DIED
continue_from_c() {
	local s
	fixture
	why=""
	bash "$resume" keep mm c "$tmp/b" "$tmp/p" || why="keep failed"
	run_from_c "$1" "$2"
	for s in b p; do
		[ -n "$why" ] && break
		bash "$split" "$tmp/run-$1" "$tmp/$s" "${s}id" mm >/dev/null 2>&1 || why="split failed"
	done
	[ -n "$why" ] || bash "$resume" join mm "$tmp/b=bid" "$tmp/p=pid" || why="join failed"
}

continue_from_c joined 0
for s in b p; do
	[ -z "$why" ] || break
	l=$tmp/$s/mm.log
	if [ "$(grep -cE '^(not )?ok [0-9]+ selftests: mm: ' "$l")" -ne 4 ] ||
		[ "$(grep -c '^# selftests: mm: c$' "$l")" -ne 1 ]; then
		why="$s/mm.log does not hold a, b, c and d once each: $(tr '\n' '|' <"$l")"
	elif grep -q 'old partial c' "$l" || ! grep -q '# new c' "$l"; then
		why="$s/mm.log keeps the cut run of c"
	elif [ "$(cut -d' ' -f1 "$tmp/$s/mm.id" 2>/dev/null)" != "${s}id" ] || [ -f "$tmp/$s/mm.incomplete" ]; then
		why="$s: mm is not tagged complete after the run: $(ls "$tmp/$s")"
	elif ! grep -q '^old .* console$' "$tmp/$s/mm.console" || ! grep -q 'new console' "$tmp/$s/mm.console"; then
		why="$s/mm.console is not both runs' console"
	elif [ -n "$(find "$tmp/$s" -name '*.kept.*')" ]; then
		why="$s: the kept part was left beside the results"
	fi
done
check keep-and-join "$why"

continue_from_c died 1
for s in b p; do
	[ -z "$why" ] || break
	if [ "$(cut -d' ' -f1 "$tmp/$s/mm.incomplete" 2>/dev/null)" != "${s}id" ] || [ -f "$tmp/$s/mm.id" ]; then
		why="$s: mm is not kept incomplete: $(ls "$tmp/$s")"
	elif ! grep -q '^ok 1 selftests: mm: a$' "$tmp/$s/mm.log"; then
		why="$s: what ran before c is lost"
	fi
done
check join-not-reached "$why"
