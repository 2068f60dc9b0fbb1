#!/usr/bin/env bash
# Cross-build base and patched for architectures that do not select
# ARCH_NO_TASK_ACTIVE_MM and show the series changes nothing there: the
# two .configs are identical, the lazy-mm scheme is the one the
# architecture had (arm64 refcounts, powerpc Book3S-64 shoots down at the
# last mmdrop), and the kernels' .text is byte for byte the same.
#   cross-build.sh [ARCH...]   (arm64 ppc64le; default: both)
# Configs: configs/cross-ARCH.config on allnoconfig. Summary in
# build/logs/cross-build.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- arm64 ppc64le
pkgs=()
for a in "$@"; do
	case $a in
	arm64) pkgs+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu) ;;
	ppc64le) pkgs+=(gcc-powerpc64le-linux-gnu binutils-powerpc64le-linux-gnu) ;;
	*) die "unknown architecture '$a' (arm64 or ppc64le)" ;;
	esac
done
need_pkgs "${BUILD_PKGS[@]}" "${pkgs[@]}"
[ -d "$TREE/.git" ] || die "no kernel tree; run 'make tree' first"
base_src=$(base_worktree)

export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-15G}
export KBUILD_BUILD_TIMESTAMP="2024-01-01" KBUILD_BUILD_USER=lazymm KBUILD_BUILD_HOST=lazymm
summary=$LOGS/cross-build.txt
: >"$summary"
say() { log "$*"; echo "$*" >>"$summary"; }

# build ARCH VARIANT SRC: configure and build vmlinux in build/out/cross-ARCH-VARIANT.
build() {
	local arch=$1 variant=$2 src=$3 out=$OUT/cross-$1-$2 start
	local kmake=(make -C "$src" O="$out" -j"$JOBS" ARCH="$karch"
		CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" HOSTCC="ccache gcc")
	mkdir -p "$out"
	start=$(date +%s)
	run_logged "$LOGS/cross-$arch-$variant-config.log" "${kmake[@]}" allnoconfig
	cat "$TOP/configs/cross-$arch.config" >>"$out/.config"
	run_logged "$LOGS/cross-$arch-$variant-config.log" "${kmake[@]}" olddefconfig
	check_config_fragments "$out/.config" "configs/cross-$arch.config"
	log "building $arch $variant (log: $LOGS/cross-$arch-$variant.log)"
	run_logged "$LOGS/cross-$arch-$variant.log" "${kmake[@]}" vmlinux
	say "$arch $variant: vmlinux built in $(($(date +%s) - start))s"
}

fail=0
for arch in "$@"; do
	case $arch in
	arm64)
		karch=arm64 cross=aarch64-linux-gnu-
		want=(CONFIG_MMU_LAZY_TLB_REFCOUNT=y "# CONFIG_MMU_LAZY_TLB_SHOOTDOWN is not set")
		;;
	ppc64le)
		karch=powerpc cross=powerpc64le-linux-gnu-
		want=(CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y "# CONFIG_MMU_LAZY_TLB_REFCOUNT is not set")
		;;
	esac
	build "$arch" base "$base_src"
	build "$arch" patched "$TREE"
	b=$OUT/cross-$arch-base p=$OUT/cross-$arch-patched
	if ! diff -u "$b/.config" "$p/.config" >"$LOGS/cross-$arch-config.diff"; then
		say "$arch: FAIL: the series changes the .config ($LOGS/cross-$arch-config.diff)"
		fail=1
	fi
	for line in "${want[@]}" "# CONFIG_ARCH_NO_TASK_ACTIVE_MM is not set"; do
		# "# CONFIG_X is not set": X must not be set (it may be absent).
		case $line in
		"# "*) ! grep -q "^${line:2:-11}=" "$p/.config" ;;
		*) grep -qxF "$line" "$p/.config" ;;
		esac || { say "$arch: FAIL: patched .config lacks '$line'"; fail=1; }
	done
	say "$arch: lazy mm scheme: ${want[0]}, ARCH_NO_TASK_ACTIVE_MM unset"
	for v in base patched; do
		"${cross}objcopy" -O binary --only-section=.text "$OUT/cross-$arch-$v/vmlinux" \
			"$OUT/cross-$arch-$v/text.bin"
	done
	if cmp -s "$b/text.bin" "$p/text.bin"; then
		say "$arch: .text identical ($(stat -c %s "$p/text.bin") bytes)"
	else
		# Name the functions that differ, from the symbol sizes.
		diff <("${cross}nm" -S "$b/vmlinux" | awk '$3 ~ /[tT]/ {print $4, $2}' | sort) \
			<("${cross}nm" -S "$p/vmlinux" | awk '$3 ~ /[tT]/ {print $4, $2}' | sort) \
			>"$LOGS/cross-$arch-text.diff" || true
		say "$arch: FAIL: .text differs; functions whose size changed: $(grep -c '^[<>]' "$LOGS/cross-$arch-text.diff") lines in $LOGS/cross-$arch-text.diff"
		fail=1
	fi
done
[ $fail -eq 0 ] || die "the series changes $* (summary: $summary)"
log "the series leaves $* unchanged (summary: $summary)"
