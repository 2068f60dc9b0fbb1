#!/usr/bin/env bash
# Cross-build base and patched for architectures that do not select
# ARCH_NO_TASK_ACTIVE_MM and show the series changes nothing there: the
# two .configs are identical, the lazy-mm scheme is the one the
# architecture had (arm64 refcounts, powerpc Book3S-64 shoots down at the
# last mmdrop), the object code of every generic file the series touches
# is the same instruction for instruction (an object that the series'
# first patch, a fix for every architecture, changes: the same as the
# base with that patch alone), and vmlinux has the same
# symbols. The one expected difference: the names of initcalls carry
# their __LINE__, so one in kernel/sched/core.c moves, and with it the
# kallsyms tables and the data addresses in .text; vmlinux's .text is
# therefore compared only for size.
#   cross-build.sh [ARCH...]   (arm64 ppc64le; default: both)
# Configs: configs/cross-ARCH.config on allnoconfig. Summary in
# build/logs/cross-build.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- arm64 ppc64le
pkgs=()
for a in "$@"; do
	case $a in
	arm64) pkgs+=(binutils-aarch64-linux-gnu) ;;
	ppc64le) pkgs+=(binutils-powerpc64le-linux-gnu) ;;
	*) die "unknown architecture '$a' (arm64 or ppc64le)" ;;
	esac
done
need_pkgs "${BUILD_PKGS[@]}" "${pkgs[@]}"
[ -d "$TREE/.git" ] || die "no kernel tree; run 'make tree' first"
base_src=$(base_worktree)

summary=$LOGS/cross-build.txt
: >"$summary"
say() { log "$*"; echo "$*" >>"$summary"; }

# build ARCH VARIANT SRC: configure and build vmlinux in build/BASE/out/cross-ARCH-VARIANT.
build() {
	local arch=$1 variant=$2 src=$3 out=$OUT/cross-$1-$2 start
	local cross_args=(ARCH="$karch" CROSS_COMPILE="$cross" CC="ccache $CROSS_GCC")
	mkdir -p "$out"
	start=$(date +%s)
	run_logged "$LOGS/cross-$arch-$variant-config.log" kmake "$src" "$out" "${cross_args[@]}" allnoconfig
	cat "$TOP/configs/cross-$arch.config" >>"$out/.config"
	run_logged "$LOGS/cross-$arch-$variant-config.log" kmake "$src" "$out" "${cross_args[@]}" olddefconfig
	check_config_fragments "$out/.config" "configs/cross-$arch.config"
	log "building $arch $variant (log: $LOGS/cross-$arch-$variant.log)"
	run_logged "$LOGS/cross-$arch-$variant.log" kmake "$src" "$out" "${cross_args[@]}" vmlinux
	say "$arch $variant: vmlinux built in $(($(date +%s) - start))s"
}

# Initcall symbols carry __LINE__ (__initcall__kmod_core__748_8411_...):
# drop it, so a line moved by the series is not a difference.
noline() { sed -E 's/(__initcall__kmod_[A-Za-z0-9_]+__[0-9]+)_[0-9]+_/\1_L_/g'; }
# Addends into merged string sections are dropped: base is compiled in
# build/linux-base/, patched in build/linux/, so their __FILE__ strings
# differ in length and the strings after them move.
disasm() {
	"${cross}objdump" -dr --no-show-raw-insn "$1" | tail -n +3 | noline |
		sed -E 's/(\.rodata\.str[0-9.]*)\+0x[0-9a-f]+/\1/g'
}
symbols() { "${cross}nm" "$1" | awk '{ print $NF, $(NF - 1) }' | noline | sort; }
text_size() { echo $((16#$("${cross}objdump" -h "$1" | awk '$2 == ".text" { print $3 }'))); }

# The series' fixes for every architecture, which must be its first
# patches: an object they change may differ from the base's, but then it
# must be what the base with only those patches compiles to.
ALL_ARCH_FIXES=("sched/membarrier: Compare next->mm with prev->mm")
fixes_commit=$(git -C "$TREE" rev-list --reverse base..HEAD | sed -n "${#ALL_ARCH_FIXES[@]}p")
[ "$(git -C "$TREE" log --reverse --format=%s "base..$fixes_commit")" = \
	"$(printf '%s\n' "${ALL_ARCH_FIXES[@]}")" ] ||
	die "the series does not begin with its fixes for every architecture: ${ALL_ARCH_FIXES[*]}"
fixes_src=$BUILD/linux-fixes
[ -d "$fixes_src" ] || git -C "$TREE" worktree add -q --detach "$fixes_src" "$fixes_commit"
git -C "$fixes_src" checkout -q --detach "$fixes_commit"

# same_as_fixes ARCH OBJ: OBJ built from the fixes tree (on the base's
# .config) disassembles as the patched one does.
same_as_fixes() {
	local arch=$1 o=$2 out=$OUT/cross-$1-fixes
	local cross_args=(ARCH="$karch" CROSS_COMPILE="$cross" CC="ccache $CROSS_GCC")
	mkdir -p "$out"
	cp "$OUT/cross-$arch-base/.config" "$out/.config"
	run_logged "$LOGS/cross-$arch-fixes.log" kmake "$fixes_src" "$out" "${cross_args[@]}" olddefconfig
	run_logged "$LOGS/cross-$arch-fixes.log" kmake "$fixes_src" "$out" "${cross_args[@]}" "$o"
	diff <(disasm "$out/$o") <(disasm "$OUT/cross-$arch-patched/$o") \
		>"$LOGS/cross-$arch-fixes-${o//\//_}.diff"
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
	cross_gcc "${cross%-}"
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
	# Generic C files of the series: same disassembly (relocations, not
	# final addresses, so the rest of the kernel does not show through).
	same=0
	for f in $(git -C "$TREE" diff --name-only base..HEAD -- '*.c' | grep -v '^arch/x86/'); do
		o=${f%.c}.o
		[ -f "$b/$o" ] || continue
		if diff <(disasm "$b/$o") <(disasm "$p/$o") >"$LOGS/cross-$arch-${o//\//_}.diff"; then
			same=$((same + 1))
		elif same_as_fixes "$arch" "$o"; then
			say "$arch: $o differs from the base's by the fixes for every architecture alone (${ALL_ARCH_FIXES[*]}): the same as the base with them"
		else
			say "$arch: FAIL: $o compiles differently ($LOGS/cross-$arch-${o//\//_}.diff)"
			fail=1
		fi
	done
	say "$arch: $same generic object files of the series: identical disassembly"
	if ! diff <(symbols "$b/vmlinux") <(symbols "$p/vmlinux") >"$LOGS/cross-$arch-symbols.diff"; then
		say "$arch: FAIL: vmlinux symbols differ ($LOGS/cross-$arch-symbols.diff)"
		fail=1
	fi
	bt=$(text_size "$b/vmlinux") pt=$(text_size "$p/vmlinux")
	if [ "$bt" = "$pt" ]; then
		say "$arch: vmlinux: same symbols, .text $pt bytes in both"
	else
		say "$arch: FAIL: vmlinux .text is $bt bytes in base, $pt patched"
		fail=1
	fi
done
[ $fail -eq 0 ] || die "the series changes $* (summary: $summary)"
log "the series leaves $* unchanged (summary: $summary)"
