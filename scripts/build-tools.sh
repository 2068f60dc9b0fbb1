#!/usr/bin/env bash
# Build what runs inside the guest from the same tree as a kernel variant:
#   build-tools.sh VARIANT selftests   kselftests (membarrier, x86, exec, lazy_mm
#                                      if the series has it; membarrier and
#                                      lazy_mm, static, for riscv-*) into
#                                      build/BASE/out/VARIANT/kselftest/<target>/,
#                                      lazy_mm also installed with run_kselftest.sh
#                                      into build/BASE/out/VARIANT/kselftest-install/
#   build-tools.sh VARIANT perf        tools/perf into build/BASE/out/VARIANT/perf/
#   build-tools.sh VARIANT upstream COLLECTION...
#                                      upstream kselftest collections, installed
#                                      with run_kselftest.sh into
#                                      build/BASE/out/VARIANT/ksft/install/
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build-tools.sh VARIANT selftests|upstream|perf}
what=${2:?usage: build-tools.sh VARIANT selftests|upstream|perf}
src=$TREE
# Base variants build from the base worktree (build-kernel.sh made it).
[ "$(variant_source "$variant")" = base ] && src=$BUILD/linux-base
out=$OUT/$variant
[ -f "$out/.config" ] || die "$variant is not configured; build the kernel first"

case $what in
selftests)
	# x86 and exec: upstream's programs that reach the series' code (LDT
	# switches, syscall and single-step entry and exit, the vDSO remap,
	# exec replacing an mm), x86 64- and 32-bit, the latter with
	# gcc-multilib; exec links libcap.
	variant_arch "$variant"
	if [ "$VARIANT_ARCH" = x86_64 ]; then
		targets="membarrier x86 exec" cross=()
		need_pkgs gcc-multilib libcap-dev
	else
		# The riscv guest's root is an initramfs with no C library:
		# static programs, the two collections that are about the series.
		targets="membarrier" cross=("${KARGS[@]}" USERLDFLAGS=-static)
		need_pkgs "${ARCH_PKGS[@]}"
		riscv_gcc
	fi
	[ -d "$src/tools/testing/selftests/lazy_mm" ] && targets="$targets lazy_mm"
	log "building kselftests ($targets) for $variant"
	run_logged "$LOGS/headers-$variant.log" make -C "$src" O="$out" -j"$JOBS" "${cross[@]}" headers
	# One make per target, each into an emptied directory: the selftests
	# Makefile succeeds if any one target builds, and a binary left from
	# an earlier build would run in place of one that no longer builds.
	: >"$LOGS/selftests-$variant.log"
	for t in $targets; do
		rm -rf "$out/kselftest/$t"
		make -C "$src/tools/testing/selftests" O="$out" -j"$JOBS" "${cross[@]}" TARGETS="$t" \
			>>"$LOGS/selftests-$variant.log" 2>&1 ||
			die "kselftest $t does not build for $variant (see $LOGS/selftests-$variant.log)"
	done
	# lazy_mm runs under upstream's run_kselftest.sh, which honours its
	# settings file: install it, with the runner, beside the build.
	if [[ " $targets " == *" lazy_mm "* ]]; then
		rm -rf "$out/kselftest-install"
		make -C "$src/tools/testing/selftests" O="$out" -j"$JOBS" "${cross[@]}" TARGETS=lazy_mm \
			INSTALL_PATH="$out/kselftest-install" install \
			>>"$LOGS/selftests-$variant.log" 2>&1 ||
			die "kselftest lazy_mm does not install for $variant (see $LOGS/selftests-$variant.log)"
		[ -x "$out/kselftest-install/run_kselftest.sh" ] ||
			die "no run_kselftest.sh in $out/kselftest-install"
	fi
	# The files an install would copy beside the programs: execveat
	# opens exec's Makefile (its TEST_FILES) to see exec refused on it.
	[[ " $targets " != *" exec "* ]] ||
		cp "$src/tools/testing/selftests/exec/Makefile" "$out/kselftest/exec/"
	;;
upstream)
	shift 2
	[ $# -gt 0 ] || die "usage: build-tools.sh VARIANT upstream COLLECTION..."
	# What the collections link against or build with: libcap (exec,
	# clone3, seccomp, pidfd), libnuma (mm), 32-bit libc (x86, mm).
	need_pkgs gcc-multilib libcap-dev libnuma-dev rsync
	ksft=$out/ksft
	log "building upstream kselftests ($*) for $variant (log: $LOGS/ksft-$variant.log)"
	run_logged "$LOGS/headers-$variant.log" make -C "$src" O="$out" -j"$JOBS" headers
	rm -rf "$ksft"
	mkdir -p "$ksft"
	: >"$LOGS/ksft-$variant.log"
	# One make per collection, so the one that does not build is named:
	# the selftests Makefile succeeds if any one target builds.
	for t in "$@"; do
		[ -d "$src/tools/testing/selftests/$t" ] ||
			die "no kselftest collection '$t' in $src/tools/testing/selftests"
		# vDSO's vdso_test_correctness.c uses __kernel_old_time_t without
		# including its header; glibc 2.36's (bookworm's) headers do not
		# bring it in by the way newer ones do. Its .S files must not see it.
		extra=""
		if [ "$t" = vDSO ]; then
			printf '#ifndef __ASSEMBLER__\n#include <linux/posix_types.h>\n#endif\n' \
				>"$ksft/posix-types.h"
			extra="-include $ksft/posix-types.h"
		fi
		make -C "$src/tools/testing/selftests" O="$ksft/build" -j"$JOBS" \
			TARGETS="$t" KHDR_INCLUDES="-isystem $out/usr/include" \
			USERCFLAGS="$extra" >"$LOGS/ksft-$variant-$t.log" 2>&1 || {
			grep -m 5 -E 'error|No such file' "$LOGS/ksft-$variant-$t.log" >&2 || true
			die "kselftest collection $t does not build for $variant$(missing_pkg_hint "$LOGS/ksft-$variant-$t.log") (log: $LOGS/ksft-$variant-$t.log)"
		}
		cat "$LOGS/ksft-$variant-$t.log" >>"$LOGS/ksft-$variant.log"
	done
	# install builds nothing new; it writes run_kselftest.sh and the list.
	run_logged "$LOGS/ksft-$variant-install.log" \
		make -C "$src/tools/testing/selftests" O="$ksft/build" -j"$JOBS" \
		TARGETS="$*" KHDR_INCLUDES="-isystem $out/usr/include" \
		INSTALL_PATH="$ksft/install" install
	[ -x "$ksft/install/run_kselftest.sh" ] || die "no run_kselftest.sh in $ksft/install"
	# exec's Makefile prints a $(info) line while the list is written, and
	# it lands in the list as a test: keep only "collection:program" lines.
	list=$ksft/install/kselftest-list.txt
	grep -vxE '[-A-Za-z0-9_./]+:[^ ]+' "$list" | sed 's/^/  not a test, dropped from kselftest-list.txt: /' >&2 || true
	grep -xE '[-A-Za-z0-9_./]+:[^ ]+' "$list" >"$list.new" || die "no tests in $list"
	mv "$list.new" "$list"
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
*) die "unknown tool set '$what' (selftests, upstream or perf)" ;;
esac
log "$what for $variant ready"
