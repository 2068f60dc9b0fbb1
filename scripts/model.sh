#!/usr/bin/env bash
# make model: check the Promela models in model/ with spin, exhaustively.
# The fixed protocol must show no error; each variant that puts one hole
# back (-D switch) must show one, and its counterexample is kept, shortened
# to the steps that change shared state, in build/BASE/model/NAME.trail.txt.
# Prints one PASS/FAIL line per case, like make check. model.sh NAME...
# checks only the cases named. model.sh --lines-only checks only that the
# code each -D switch stands for is still in the tree (seconds, no spin):
# make export runs it, so a kernel change that moves such code is caught
# when the patches are written, not in make check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lines_only=0
if [ "${1:-}" = --lines-only ]; then
	lines_only=1
	shift
fi
[ "$lines_only" = 1 ] || need_pkgs spin gcc libc6-dev bc
dir=$BUILD/model
mkdir -p "$dir"

# name  model  spin -D switches (comma-separated)  expected: clean or error
CASES=(
	"lazy_mm            lazy_mm.pml  -        clean"
	"lazy_mm-HOLE1      lazy_mm.pml  HOLE1    error"
	"lazy_mm-HOLE2      lazy_mm.pml  HOLE2    error"
	"lazy_mm-HOLE3      lazy_mm.pml  HOLE3    error"
	"lazy_mm-HOLE5      lazy_mm.pml  HOLE5    error"
	"lazy_mm-EFI_RESTORE_LAZY lazy_mm.pml EFI_RESTORE_LAZY error"
	"lazy_mm-NO_SHOOTDOWN lazy_mm.pml NO_SHOOTDOWN error"
	"lazy_mm-7.3        lazy_mm.pml  V73  clean"
	"lazy_mm-7.3-LAZY_PROXY lazy_mm.pml V73,LAZY_PROXY clean"
	"lazy_mm-7.3-RELOAD_FIRST lazy_mm.pml V73,RELOAD_FIRST error"
	"lazy_mm-7.3-RELOAD_FIRST-LAZY_PROXY lazy_mm.pml V73,RELOAD_FIRST,LAZY_PROXY error"
	"lazy_mm-7.3-HOLE2  lazy_mm.pml  V73,HOLE2 error"
	"lazy_mm-7.3-ACTIVE_ONLY lazy_mm.pml V73,ACTIVE_ONLY error"
	"lazy_mm-7.3-UNUSE_READ_EARLY lazy_mm.pml V73,UNUSE_READ_EARLY error"
	"mm_cid             mm_cid.pml   -        clean"
	"mm_cid-NO_MB       mm_cid.pml   NO_MB    error"
	"membarrier         membarrier.pml -      clean"
	"membarrier-NO_MB   membarrier.pml NO_MB  error"
	"membarrier-x86-NO_MB membarrier.pml NO_MB,X86_SWITCH_MM error"
	"membarrier-x86-lazy-mb-first-NO_MB membarrier.pml NO_MB,X86_SWITCH_MM,X86_LAZY_MB_FIRST clean"
	"membarrier-x86-reload-first-NO_MB membarrier.pml NO_MB,X86_SWITCH_MM,X86_LAZY_MB_FIRST,RELOAD_FIRST error"
	"membarrier-x86-lazy-mb-weak-NO_MB membarrier.pml NO_MB,X86_SWITCH_MM,X86_LAZY_MB_FIRST,LAZY_MB_WEAK error"
)

# The steps of a trail that change what other CPUs can see, one per line:
# "CPU1 line 101: loaded[me] = 2" (cpu(n) is process n+2 in lazy_mm.pml).
shorten() {
	sed -nE 's/^ *[0-9]+:[[:space:]]+proc +([0-9]+) \(([a-z_]+):[0-9]+\) [^ ]+:([0-9]+) \(state [0-9]+\)[[:space:]]*\[(.*)\]$/\2 \1 \3 \4/p' |
		awk '$1 == "init" { next }
			$1 == "cpu" { $1 = "CPU" ($2 - 2) }
			{ who = $1; line = $3; $1 = $2 = $3 = ""; sub(/^ +/, "") }
			/(loaded|cr3|mask|users|count|freed|online|ipi|lazy|k_state|t_exited|flag|curr|sb_full|sb_len|saw_[a-z]+|r[12]|X|Y|ipi|ipi_done)(\[[a-z0-9]+\])? = |assert\(0\)|assert\(\(saw/ {
				print who " line " line ": " $0 }' || true
}

# The code a -D switch stands for (model/code-lines.txt), in this base's
# tree: prints what is missing, nothing if all is there.
#   code_missing MODEL SWITCH
code_missing() {
	local model=$1 sw=$2 entry file texts named=0
	while IFS= read -r entry; do
		named=1
		read -r _ _ base file _ <<<"${entry%%|*}"
		[ "$base" = "$BASE" ] || continue
		texts=${entry#*| }
		if [ ! -f "$TREE/$file" ]; then
			echo "$file: not in $TREE"
			continue
		fi
		# Each " => "-separated text, in a line of its own, after the last.
		awk -v texts="$texts" '
			BEGIN { n = split(texts, t, / => /); i = 1 }
			i <= n && index($0, t[i]) > 0 { i++ }
			END { if (i <= n) { print "not found in order: " t[i]; exit 1 } }' \
			"$TREE/$file" | sed "s|^|$file: |"
	done < <(grep -v '^#' "$TOP/model/code-lines.txt" | awk -v m="$model" -v s="$sw" '$1 == m && $2 == s')
	[ "$named" = 1 ] || echo "no line in model/code-lines.txt"
}

[ -d "$TREE/.git" ] || die "no kernel tree to check the models' code lines against; run 'make tree' first"

for c in "${CASES[@]}"; do
	read -r name model def expect <<<"$c"
	# model.sh NAME...: only those cases
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF "$name"; then
		continue
	fi
	dflag=()
	gone=""
	[ "$def" = - ] || for d in ${def//,/ }; do
		dflag+=("-D$d")
		gone+=$(code_missing "$model" "$d" | sed "s/^/-D$d: /; s/\$/; /" | tr -d '\n')
	done
	if [ -n "$gone" ]; then
		echo "FAIL model:$name (the code a switch stands for is gone: $gone)"
		continue
	fi
	if [ "$lines_only" = 1 ]; then
		[ "$def" = - ] || echo "PASS model-lines:$name"
		continue
	fi
	work=$dir/$name
	rm -rf "$work" && mkdir -p "$work"
	cp "$TOP/model/$model" "$work/"
	start=$(date +%s.%N)
	if ! (cd "$work" && spin -a "${dflag[@]}" "$model" >spin.log 2>&1 &&
		gcc -O2 -DSAFETY -DNOCLAIM -DCOLLAPSE -DMEMLIM=8000 -o pan pan.c >>spin.log 2>&1 &&
		./pan -m2000000 >pan.log 2>&1); then
		echo "FAIL model:$name (spin or pan did not run, see $work)"
		continue
	fi
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	errors=$(sed -nE 's/.*errors: ([0-9]+).*/\1/p' "$work/pan.log")
	states=$(sed -nE 's/^ *([0-9e+.]+) states, stored.*/\1/p' "$work/pan.log")
	if grep -q 'max search depth too small\|out of memory' "$work/pan.log"; then
		echo "FAIL model:$name (search incomplete, see $work/pan.log)"
	elif [ "$expect" = clean ] && [ "$errors" = 0 ]; then
		echo "PASS model:$name (no errors, $states states, ${secs}s)"
	elif [ "$expect" = error ] && [ "${errors:-0}" -gt 0 ]; then
		(cd "$work" && spin -t -p "${dflag[@]}" "$model" 2>&1) | shorten >"$dir/$name.trail.txt"
		echo "PASS model:$name (counterexample found: $(grep -m1 -oE 'assertion violated.*\(at depth [0-9]+\)|invalid end state' "$work/pan.log"), ${secs}s; trail in build/$BASE/model/$name.trail.txt)"
	else
		echo "FAIL model:$name (expected $expect, got ${errors:-?} errors; see $work/pan.log)"
	fi
done
