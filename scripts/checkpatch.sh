#!/usr/bin/env bash
# checkpatch --strict on every patch of the series, from the tree itself.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

need_pkgs python3-ply python3-git
# checkpatch's spdxcheck.py needs Debian's python3 (ply, git), not
# whatever python3 comes first in PATH.
export PATH=/usr/bin:/bin:$PATH
mapfile -t patches < <(series_files)
[ ${#patches[@]} -gt 0 ] || die "patches/series is empty"
# checkpatch asks "does MAINTAINERS need updating?" of every patch that adds
# a file and leaves MAINTAINERS alone; each such patch of the series adds
# the F: lines of its files. On top of that: each file a patch adds must
# fall under an F: directory of MAINTAINERS, or be an F: file itself, as
# the series leaves it, or the patch is not clean.
uncovered() {
	local f entries
	entries=$(sed -n 's/^F:[[:space:]]*//p' "$TREE/MAINTAINERS")
	awk '/^--- \/dev\/null/ { added = 1; next }
		added && /^\+\+\+ b\// { print substr($2, 3) } { added = 0 }' "$1" |
		while read -r f; do
			awk -v f="$f" '$0 == f || (/\/$/ && index(f, $0) == 1) { found = 1 }
				END { exit !found }' <<<"$entries" ||
				echo "$f: added, and no F: line in MAINTAINERS covers it"
		done
}
# The upstream commits a changelog cites: each must be one
# patches/upstream-commits.txt lists, with the same subject.
known_ids=$TOP/patches/upstream-commits.txt
unlisted_ids() {
	{ grep -o -E '(Fixes: |commit )[0-9a-f]{12,40} \("[^"]*"\)' "$1" || true; } |
		sed -E 's/^(Fixes: |commit )([0-9a-f]{12})[0-9a-f]* \("(.*)"\)$/\2 \3/' |
		while read -r line; do
			grep -qxF "$line" "$known_ids" || echo "cites $line, not in $known_ids"
		done
}
bad=0
for p in "${patches[@]}"; do
	# The tree is a Debian source package with no upstream history:
	# a Fixes: id cannot be looked up in it (the format is still checked,
	# and the id against patches/upstream-commits.txt, below).
	if out=$(cd "$TREE" && ./scripts/checkpatch.pl --strict --no-signoff -q \
		--ignore UNKNOWN_COMMIT_ID "$p" 2>&1) && out=$(uncovered "$p") && [ -z "$out" ] &&
		out=$(unlisted_ids "$p") && [ -z "$out" ]; then
		echo "clean: ${p##*/}"
	else
		echo "NOT clean: ${p##*/}"
		printf '%s\n' "$out"
		bad=1
	fi
done
exit $bad
