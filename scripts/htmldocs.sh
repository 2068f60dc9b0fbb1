#!/usr/bin/env bash
# Build the mm documentation of the series (Documentation/mm, which has
# active_mm.rst) with Sphinx and list the warnings that come from files
# the series touches.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_pkgs python3-sphinx python3-sphinx-rtd-theme python3-yaml
export PATH=/usr/bin:/bin:$PATH	# Debian's python3, which has sphinx
out=$OUT/docs
mkdir -p "$out"
log "make htmldocs SPHINXDIRS=mm (log: $LOGS/htmldocs.log)"
make -C "$TREE" O="$out" SPHINXDIRS=mm htmldocs >"$LOGS/htmldocs.log" 2>&1 ||
	die "htmldocs failed (see $LOGS/htmldocs.log)"
mapfile -t touched < <(git -C "$TREE" diff --name-only base..HEAD -- Documentation)
bad=0
for f in "${touched[@]}"; do
	if grep -F "$f" "$LOGS/htmldocs.log" | grep -iE 'warning|error'; then
		bad=1
	fi
done
log "html in $out/Documentation/output/mm/"
[ $bad -eq 0 ] || die "warnings in the series' documentation (above)"
log "no warnings in: ${touched[*]}"
