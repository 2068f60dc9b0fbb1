#!/usr/bin/env bash
# Build what runs inside the guest from the same tree as a kernel variant:
#   build-tools.sh VARIANT selftests   kselftests (membarrier, x86, lazy_mm
#                                      if the series has it) into
#                                      build/BASE/out/VARIANT/kselftest/<target>/
#   build-tools.sh VARIANT perf        tools/perf into build/BASE/out/VARIANT/perf/
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build-tools.sh VARIANT selftests|perf}
what=${2:?usage: build-tools.sh VARIANT selftests|perf}
src=$TREE
[ "$variant" = base ] && src=$BUILD/linux-base
out=$OUT/$variant
[ -f "$out/.config" ] || die "$variant is not configured; build the kernel first"

case $what in
selftests)
	# x86: upstream's programs that reach the series' code (LDT switches,
	# syscall and single-step entry and exit, the vDSO remap), 64- and
	# 32-bit, the latter with gcc-multilib.
	targets="membarrier x86"
	[ -d "$src/tools/testing/selftests/lazy_mm" ] && targets="$targets lazy_mm"
	need_pkgs gcc-multilib
	log "building kselftests ($targets) for $variant"
	run_logged "$LOGS/headers-$variant.log" make -C "$src" O="$out" -j"$JOBS" headers
	# One make per target, each into an emptied directory: the selftests
	# Makefile succeeds if any one target builds, and a binary left from
	# an earlier build would run in place of one that no longer builds.
	: >"$LOGS/selftests-$variant.log"
	for t in $targets; do
		rm -rf "$out/kselftest/$t"
		make -C "$src/tools/testing/selftests" O="$out" -j"$JOBS" TARGETS="$t" \
			>>"$LOGS/selftests-$variant.log" 2>&1 ||
			die "kselftest $t does not build for $variant (see $LOGS/selftests-$variant.log)"
	done
	;;
perf)
	need_pkgs "${BUILD_PKGS[@]}" libdw-dev libunwind-dev zlib1g-dev \
		libcap-dev libnuma-dev libzstd-dev liblzma-dev
	log "building perf for $variant (log: $LOGS/perf-$variant.log)"
	mkdir -p "$out/perf"
	# No libtraceevent, python or perl: software events and record/report
	# are all the benchmarks use (the PMU part names its raw events). No
	# Rust: 7.3's perf builds a Rust test workload when rustc is installed.
	run_logged "$LOGS/perf-$variant.log" \
		make -C "$src/tools/perf" O="$out/perf" -j"$JOBS" CC="ccache gcc" \
		NO_LIBTRACEEVENT=1 NO_LIBPYTHON=1 NO_LIBPERL=1 NO_JEVENTS=1 \
		NO_LIBBPF=1 NO_BPF_SKEL=1 NO_GTK2=1 NO_SLANG=1 NO_LIBAUDIT=1 \
		NO_DEMANGLE=1 NO_LIBBABELTRACE=1 NO_RUST=1
	[ -x "$out/perf/perf" ] || die "perf was not built (see $LOGS/perf-$variant.log)"
	;;
*) die "unknown tool set '$what' (selftests or perf)" ;;
esac
log "$what for $variant ready"
