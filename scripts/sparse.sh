#!/usr/bin/env bash
# Run sparse (make C=2) on every C file the series touches, in the
# debug variant's object tree, and print what it reports.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_pkgs sparse
out=$OUT/${1:-debug}
[ -f "$out/.config" ] || die "build the ${1:-debug} kernel first"
mapfile -t files < <(git -C "$TREE" diff --name-only base..HEAD -- '*.c' |
	grep -v '^tools/' | sed 's/\.c$/.o/')
log "sparse on: ${files[*]}"
make -C "$TREE" O="$out" -j"$JOBS" C=2 CC="ccache gcc" "${files[@]}" 2>&1 |
	grep -E 'warning:|error:' | tee "$LOGS/sparse.log" || true
log "$(wc -l <"$LOGS/sparse.log") sparse findings (log: $LOGS/sparse.log)"
