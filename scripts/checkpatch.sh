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
# checkpatch asks "does MAINTAINERS need updating?" of every patch that
# adds a file without touching MAINTAINERS. That warning is let through
# for a file an existing MAINTAINERS entry already covers (asked of
# get_maintainer.pl), and only then.
covered() {
	local f
	while read -r f; do
		[ -n "$(cd "$TREE" && ./scripts/get_maintainer.pl --no-git --nol -f "$f" 2>/dev/null |
			grep '(maintainer:')" ] || return 1
	done < <(sed -n 's/^ create mode [0-7]* //p' "$1")
}
bad=0
for p in "${patches[@]}"; do
	ignore=()
	if ! grep -q '^diff --git a/MAINTAINERS ' "$p" && covered "$p"; then
		ignore=(--ignore FILE_PATH_CHANGES)
	fi
	if out=$(cd "$TREE" && ./scripts/checkpatch.pl --strict --no-signoff -q "${ignore[@]}" "$p" 2>&1); then
		echo "clean: ${p##*/}"
	else
		echo "NOT clean: ${p##*/}"
		printf '%s\n' "$out"
		bad=1
	fi
done
exit $bad
