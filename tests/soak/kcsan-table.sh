#!/usr/bin/env bash
# make check (host tests): the soak's side-by-side table of KCSAN data
# races (kcsan_table in scripts/lib.sh of ROOT: the repository's, or a
# mutant's copy, tests/run-tool-mutant.sh), under set -euo pipefail as
# soak.sh runs it, on two runs that share one race and each have one of
# their own: every race is a row, with its count on each console, 0
# where that kernel did not report it. And the check that a KCSAN
# kernel's tlb.o calls the KCSAN hooks (kcsan_instrumented).
#   kcsan-table.sh [ROOT]
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/soak-base-kcsan" "$tmp/soak-kcsan"
printf '%s\n' "other data-race in a / b" "other data-race in c / d" >"$tmp/soak-base-kcsan/kcsan.txt"
printf '%s\n' "other data-race in a / b" "ours data-race in e / f" >"$tmp/soak-kcsan/kcsan.txt"
printf '%s\n' "BUG: KCSAN: data-race in a / b" "BUG: KCSAN: data-race in c / d" \
	"BUG: KCSAN: data-race in a / b" >"$tmp/soak-base-kcsan/console.log"
printf '%s\n' "BUG: KCSAN: data-race in e / f" "BUG: KCSAN: data-race in a / b" >"$tmp/soak-kcsan/console.log"
want="| data race | in the series' code | base-kcsan | kcsan | 
|---|---|---|---|
| \`data-race in a / b\` | no | 2 | 1 | 
| \`data-race in c / d\` | no | 1 | 0 | 
| \`data-race in e / f\` | yes | 0 | 1 | "
if ! got=$(bash -c 'set -euo pipefail; . "$1/scripts/lib.sh"; kcsan_table "$2" base-kcsan kcsan' _ "$root" "$tmp" 2>&1); then
	echo "FAIL soak:kcsan-table-race-on-one-kernel (kcsan_table failed: ${got//$'\n'/ })"
elif [ "$got" != "$want" ]; then
	echo "FAIL soak:kcsan-table-race-on-one-kernel (got: ${got//$'\n'/ / })"
else
	echo "PASS soak:kcsan-table-race-on-one-kernel"
fi
# Whether an object calls KCSAN's hooks: one compiled with
# -fsanitize=thread does, one without does not.
printf 'int x;\nvoid set(int v) { x = v; }\n' >"$tmp/o.c"
if ! gcc -c -O2 -fsanitize=thread -o "$tmp/tsan.o" "$tmp/o.c" 2>/dev/null ||
	! gcc -c -O2 -o "$tmp/plain.o" "$tmp/o.c"; then
	echo "SKIP soak:kcsan-instrumented-object (gcc cannot build the fixtures)"
elif ! bash -c '. "$1/scripts/lib.sh"; kcsan_instrumented "$2"' _ "$root" "$tmp/tsan.o"; then
	echo "FAIL soak:kcsan-instrumented-object (an instrumented object not seen)"
elif bash -c '. "$1/scripts/lib.sh"; kcsan_instrumented "$2"' _ "$root" "$tmp/plain.o"; then
	echo "FAIL soak:kcsan-instrumented-object (a plain object taken as instrumented)"
else
	echo "PASS soak:kcsan-instrumented-object"
fi
