#!/usr/bin/env bash
# Build every prefix of the series (base + patch 1, base + patches 1-2, ...)
# with the guest config, incrementally in one object tree, and report the
# first prefix that does not build. Uses a separate worktree, so build/BASE/linux
# is left alone. A prefix whose source tree built before is skipped.
# BISECT_BOOT=1 also boots each prefix (-smp 4) and runs the boot and
# fork/exit smoke tests with a console scan: a prefix that builds but
# cannot run (a store a later patch makes unneeded, removed too early)
# fails it.
# Every prefix from the first patch that touches arch/riscv on is built
# for riscv64 too (riscv-guest.config, the cross compiler), in its own
# object tree. The prefixes before it change no riscv code, and the
# generic code they change is built by x86 both with the option off
# (before x86 selects it) and on, as riscv builds it.
#   bisect-build.sh [VARIANT-CONFIGS]   (default: guest; "debug" adds debug.config)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

names=(guest)
rv_names=(riscv-guest)
[ "${1:-guest}" = debug ] && names+=(debug) rv_names+=(riscv-debug)
mapfile -t fragments < <(config_fragments "${names[@]}")
mapfile -t rv_fragments < <(config_fragments "${rv_names[@]}")
need_pkgs "${BUILD_PKGS[@]}"
[ -d "$TREE/.git" ] || die "no kernel tree; run 'make tree' first"
wt=$BUILD/linux-bisect
out=$OUT/bisect
git -C "$TREE" worktree list | grep -q "$wt" ||
	git -C "$TREE" worktree add -q --detach "$wt" base
# The series, without a mutant make mutants may have on the tree.
head=$(series_head)
mapfile -t commits < <(git -C "$TREE" rev-list --reverse "base..$head")
# The first commit that touches arch/riscv, if the series has one.
mapfile -t rv_commits < <(git -C "$TREE" rev-list --reverse "base..$head" -- arch/riscv)
rv_first=${rv_commits[0]:-}
if [ -n "$rv_first" ]; then
	need_pkgs "${RISCV_PKGS[@]}"
	riscv_gcc
	variant_arch riscv-guest
	rv_args=("${KARGS[@]}")
fi
mkdir -p "$out"
# One line per prefix, for the README and the issue notes.
summary=$LOGS/bisect-build.txt
echo "bisect-build: ${#commits[@]} prefixes, fragments ${fragments[*]}, -j$JOBS" >"$summary"
# The source trees (git tree hashes: the same content whatever the commit
# dates) that built with these fragments before: not built again, so that
# a run cut short, or one after a change late in the series, only builds
# what is new. BISECT_FRESH=1 forgets them.
boot=${BISECT_BOOT:-0}
built=$OUT/bisect-$([ "$boot" = 1 ] && echo booted || echo built)-$(echo "${fragments[*]}" | cksum | cut -d' ' -f1).txt
rv_built=$OUT/bisect-riscv-built-$(echo "${rv_fragments[*]}" | cksum | cut -d' ' -f1).txt
[ "${BISECT_FRESH:-0}" = 0 ] || rm -f "$built" "$rv_built"
touch "$built" "$rv_built"
# build_riscv I SUBJECT: build the checked-out prefix I for riscv64
# (not booted: make check-riscv boots the whole series).
build_riscv() {
	local i=$1 subject=$2 rv_out=$OUT/bisect-riscv start
	mkdir -p "$rv_out"
	kmake "$wt" "$rv_out" "${rv_args[@]}" allnoconfig >"$LOGS/bisect-riscv-config.log" 2>&1
	for f in "${rv_fragments[@]}"; do cat "$TOP/$f" >>"$rv_out/.config"; done
	kmake "$wt" "$rv_out" "${rv_args[@]}" olddefconfig >>"$LOGS/bisect-riscv-config.log" 2>&1
	start=$(date +%s)
	if ! kmake "$wt" "$rv_out" "${rv_args[@]}" Image >"$LOGS/bisect-riscv-$i.log" 2>&1; then
		grep -iE 'error' "$LOGS/bisect-riscv-$i.log" | head -20 >&2 || true
		echo "prefix $i FAILS on riscv64: $subject" >>"$summary"
		die "prefix $i does not build for riscv64: $subject (log: $LOGS/bisect-riscv-$i.log)"
	fi
	log "prefix $i/${#commits[@]} builds for riscv64 ($(($(date +%s) - start))s): $subject" |
		tee -a "$summary"
}
rv=0
t0=$(date +%s)
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	tree=$(git -C "$TREE" rev-parse "$c^{tree}")
	[ "$c" != "$rv_first" ] || rv=1
	if [ "$rv" = 1 ] && ! grep -qxF "$tree" "$rv_built"; then
		git -C "$wt" checkout -q --detach "$c"
		build_riscv "$i" "$subject"
		echo "$tree" >>"$rv_built"
	fi
	if grep -qxF "$tree" "$built"; then
		log "prefix $i/${#commits[@]} built before (tree ${tree:0:12}): $subject" |
			tee -a "$summary"
		continue
	fi
	git -C "$wt" checkout -q --detach "$c"
	kmake "$wt" "$out" allnoconfig >"$LOGS/bisect-config.log" 2>&1
	for f in "${fragments[@]}"; do cat "$TOP/$f" >>"$out/.config"; done
	kmake "$wt" "$out" olddefconfig >>"$LOGS/bisect-config.log" 2>&1
	start=$(date +%s)
	if ! kmake "$wt" "$out" bzImage >"$LOGS/bisect-$i.log" 2>&1; then
		# No line may match (a make error, not a compiler one): not fatal.
		grep -iE 'error' "$LOGS/bisect-$i.log" | head -20 >&2 || true
		echo "prefix $i FAILS: $subject" >>"$summary"
		die "prefix $i does not build: $subject (log: $LOGS/bisect-$i.log)"
	fi
	if [ "$boot" = 1 ]; then
		run=bisect-boot/$i
		rm -rf "$BUILD/runs/$run"
		bash "$TOP/scripts/run-vm.sh" --smp 4 --mem 1024 --timeout 900 bisect "$run" boot forkexit ||
			true
		if ! res=$(bash "$TOP/scripts/parse-results.sh" "$BUILD/runs/$run") ||
			grep -q '^FAIL' <<<"$res" || ! grep -q '^PASS' <<<"$res"; then
			grep -v '^PASS' <<<"$res" >&2 || true
			echo "prefix $i DOES NOT RUN: $subject" >>"$summary"
			die "prefix $i builds but does not run: $subject (console: $BUILD/runs/$run/console.log)"
		fi
	fi
	echo "$tree" >>"$built"
	log "prefix $i/${#commits[@]} builds$([ "$boot" = 1 ] && echo " and runs") ($(($(date +%s) - start))s): $subject" |
		tee -a "$summary"
done
log "every prefix of the series builds$([ "$boot" = 1 ] && echo " and runs")$([ -z "$rv_first" ] || echo ", and for riscv64 from the first riscv patch on"), in $(($(date +%s) - t0))s" | tee -a "$summary"
