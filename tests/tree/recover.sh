#!/usr/bin/env bash
# make check (host tests): recover_from_mutant (scripts/series.sh), which
# takes a tree that a killed make mutants left on a mutant back to the
# series, on a small git repository standing in for build/BASE/linux:
# - the mutant's commit is dropped and the mark removed;
# - a tree with more than the mutant on it is refused and kept as it is;
# - a mark whose make mutants is still running is refused;
# - without a mark nothing happens.
#   recover.sh [ROOT]   (ROOT: whose scripts/series.sh; the repository's,
#   or a mutant's copy, tests/run-tool-mutant.sh)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-$top}

# recover_case NAME SETUP WANT_RC WANT_HEAD: run recover_from_mutant in a
# repository that SETUP (a function) prepared; WANT_HEAD is "series" or
# "mutant" (where HEAD must be afterwards).
recover_case() {
	local name=tree:recover-$1 setup=$2 want_rc=$3 want_head=$4 tmp rc head why=""
	tmp=$(mktemp -d)
	git init -q -b master "$tmp/linux"
	git -C "$tmp/linux" -c user.name=t -c user.email=t@t commit -q --allow-empty -m "series"
	series=$(git -C "$tmp/linux" rev-parse HEAD)
	git -C "$tmp/linux" -c user.name=t -c user.email=t@t commit -q --allow-empty \
		-m "DO NOT MERGE: a mutant"
	mutant=$(git -C "$tmp/linux" rev-parse HEAD)
	"$setup" "$tmp/linux"
	bash -c '. "$1/scripts/lib.sh"; TREE=$2; . "$3/scripts/series.sh"; recover_from_mutant' \
		_ "$top" "$tmp/linux" "$root" >"$tmp/out" 2>&1
	rc=$?
	head=$(git -C "$tmp/linux" rev-parse HEAD)
	if [ "$rc" -ne "$want_rc" ]; then
		why="exit $rc, expected $want_rc: $(tail -n 2 "$tmp/out" | tr '\n' ' ')"
	elif [ "$want_head" = series ] && [ "$head" != "$series" ]; then
		why="the tree was not taken back to the series"
	elif [ "$want_head" = mutant ] && [ "$head" != "$mutant" ]; then
		why="the tree was changed although it had to be kept"
	elif [ "$want_rc" -eq 0 ] && [ -e "$tmp/linux/.git/lazymm-mutant" ]; then
		why="the mark is still there"
	fi
	rm -rf "$tmp"
	if [ -z "$why" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name ($why)"
	fi
}
# A pid that is no process: a killed make mutants.
dead_pid() {
	local pid
	sleep 0 &
	pid=$!
	wait "$pid"
	echo "$pid"
}
killed_run() { echo "$(dead_pid) $series" >"$1/.git/lazymm-mutant"; }
more_work() {
	killed_run "$1"
	git -C "$1" -c user.name=t -c user.email=t@t commit -q --allow-empty -m "work"
	mutant=$(git -C "$1" rev-parse HEAD)
}
running_run() {
	# A process whose command line names mutants.sh, alive for the case.
	bash -c 'exec -a mutants.sh sleep 30' &
	running=$!
	echo "$running $series" >"$1/.git/lazymm-mutant"
}
no_mark() { :; }

recover_case killed killed_run 0 series
recover_case more-work more_work 1 mutant
recover_case running running_run 1 mutant
kill "$running" 2>/dev/null
recover_case no-mark no_mark 0 mutant
