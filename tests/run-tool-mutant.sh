#!/usr/bin/env bash
# A mutant of the harness itself (tests/broken/tools/NAME.patch): apply it
# to a copy of the files it changes, run the test that should catch it on
# that copy, and pass only if every case its Catcher: lines name fails.
#   run-tool-mutant.sh PATCH TEST [ARG...]
# TEST is run with the copy's root appended as its last argument (the
# tests take the root whose scripts they exercise: the repository's by
# default) and prints "PASS name" / "FAIL name (why)" lines.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
m=$(realpath "$1")
shift
name=mutant:$(basename "$m" .patch)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while read -r f; do
	mkdir -p "$tmp/$(dirname "$f")"
	cp -p "$top/$f" "$tmp/$f"
done < <(sed -n 's|^+++ b/||p' "$m")
if ! (cd "$tmp" && git apply "$m" 2>/dev/null); then
	echo "FAIL $name (does not apply)"
	exit 0
fi
mapfile -t catchers < <(sed -n 's/^Catcher: *//p' "$m")
if [ ${#catchers[@]} -eq 0 ]; then
	echo "FAIL $name (no Catcher: line)"
	exit 0
fi
out=$("$@" "$tmp" 2>&1)
survived=()
for c in "${catchers[@]}"; do
	# A case name, literally: FAIL, the name, then its reason or the end.
	grep -qxF "FAIL $c" <<<"$out" || grep -qF "FAIL $c (" <<<"$out" || survived+=("$c")
done
if [ ${#survived[@]} -eq 0 ]; then
	echo "PASS $name (killed by $(sed -n 's/^Catcher: *//p' "$m" | paste -sd, | sed 's/,/, /g'))"
else
	echo "FAIL $name (survived: ${survived[*]} passed)"
fi
