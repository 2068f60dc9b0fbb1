#!/usr/bin/env bash
# Build every prefix of the series (base + patch 1, base + patches 1-2, ...)
# with the guest config, incrementally in one object tree, and report the
# first prefix that does not build. Uses a separate worktree, so build/BASE/linux
# is left alone. A prefix whose source tree built before is skipped.
# BISECT_BOOT=1 also boots each prefix (-smp 4) and runs the boot and
# fork/exit smoke tests with a console scan: a prefix that builds but
# cannot run (a store a later patch makes unneeded, removed too early)
# fails it.
#   bisect-build.sh [VARIANT-CONFIGS]   (default: guest; "debug" adds debug.config)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

names=(guest)
[ "${1:-guest}" = debug ] && names+=(debug)
mapfile -t fragments < <(config_fragments "${names[@]}")
need_pkgs "${BUILD_PKGS[@]}"
[ -d "$TREE/.git" ] || die "no kernel tree; run 'make tree' first"
wt=$BUILD/linux-bisect
out=$OUT/bisect
git -C "$TREE" worktree list | grep -q "$wt" ||
	git -C "$TREE" worktree add -q --detach "$wt" base
mapfile -t commits < <(git -C "$TREE" rev-list --reverse base..HEAD)
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
[ "${BISECT_FRESH:-0}" = 0 ] || rm -f "$built"
touch "$built"
t0=$(date +%s)
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	tree=$(git -C "$TREE" rev-parse "$c^{tree}")
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
log "every prefix of the series builds$([ "$boot" = 1 ] && echo " and runs"), in $(($(date +%s) - t0))s" | tee -a "$summary"
