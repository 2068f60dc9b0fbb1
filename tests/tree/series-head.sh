#!/usr/bin/env bash
# make check (host tests): series_head (scripts/series.sh), the last commit
# of the series as make bisect-build reads it, on a small git repository
# standing in for build/BASE/linux:
# - a tree on the series: its HEAD;
# - a tree with make mutants' DO NOT MERGE commit on top: the commit
#   under it, so that the mutant is never built as a prefix.
#   series-head.sh [ROOT]   (ROOT: whose scripts/series.sh; the repository's,
#   or a mutant's copy, tests/run-tool-mutant.sh)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-$top}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git init -q -b master "$tmp/linux"
commit() { git -C "$tmp/linux" -c user.name=t -c user.email=t@t commit -q --allow-empty -m "$1"; }
commit "base"
commit "x86/mm: the series"
series=$(git -C "$tmp/linux" rev-parse HEAD)

# head_case NAME: series_head must name the series' last commit.
head_case() {
	local name=tree:series-head-$1 got
	got=$(bash -c '. "$1/scripts/lib.sh"; TREE=$2; . "$3/scripts/series.sh"; series_head' \
		_ "$top" "$tmp/linux" "$root" 2>&1)
	if [ "$got" = "$series" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name (want $series, got $got)"
	fi
}

head_case on-series
commit "DO NOT MERGE: a mutant"
head_case mutant-on-top
