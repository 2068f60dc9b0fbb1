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
bad=0
for p in "${patches[@]}"; do
	if out=$(cd "$TREE" && ./scripts/checkpatch.pl --strict --no-signoff -q "$p" 2>&1); then
		echo "clean: ${p##*/}"
	else
		echo "NOT clean: ${p##*/}"
		printf '%s\n' "$out"
		bad=1
	fi
done
exit $bad
