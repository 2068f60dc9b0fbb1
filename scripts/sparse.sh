#!/usr/bin/env bash
# Run sparse (make C=2) on every C file the series touches, in the base
# and the patched object trees, and report what the series adds: findings
# in patched that base does not have (compared without line numbers).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_pkgs sparse
for v in base patched; do
	[ -f "$OUT/$v/.config" ] || die "build the $v kernel first (make kernel-$v)"
done
mapfile -t files < <(git -C "$TREE" diff --name-only base..HEAD -- '*.c' |
	grep -v '^tools/' | sed 's/\.c$/.o/')
run_sparse() {	# variant source-tree
	local objs=() f
	for f in "${files[@]}"; do
		[ -f "$2/${f%.o}.c" ] && objs+=("$f")
	done
	kmake "$2" "$OUT/$1" C=2 "${objs[@]}" 2>&1 |
		grep -E 'warning:|error:' | sed -E "s|^$2/||" >"$LOGS/sparse-$1.log" || true
}
log "sparse on: ${files[*]}"
git -C "$TREE" worktree list | grep -q "$BUILD/linux-base" ||
	git -C "$TREE" worktree add -q --detach "$BUILD/linux-base" base
run_sparse base "$BUILD/linux-base"
run_sparse patched "$TREE"
strip_lines() { sed -E 's/:[0-9]+:[0-9]+:/:/' "$1" | sort -u; }
comm -13 <(strip_lines "$LOGS/sparse-base.log") <(strip_lines "$LOGS/sparse-patched.log") \
	>"$LOGS/sparse-new.log"
log "sparse: base $(wc -l <"$LOGS/sparse-base.log"), patched $(wc -l <"$LOGS/sparse-patched.log") findings; new with the series: $(wc -l <"$LOGS/sparse-new.log")"
cat "$LOGS/sparse-new.log"
