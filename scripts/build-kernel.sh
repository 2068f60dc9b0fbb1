#!/usr/bin/env bash
# Build one kernel variant out of tree, with ccache:
#   base     the pristine base (tag "base", checked out in build/BASE/linux-base)
#   patched  build/BASE/linux as it is (base + series)
#   debug    patched + configs/debug.config
#   base-debug  base + configs/debug.config (the soak's reference)
#   xen-debug   debug without KASAN, for the Xen PV dom0 (configs/xen-debug.config)
#   base-xen-debug  base + the same, to tell the series' reports from the base's
#   kcsan, base-kcsan  debug and base-debug with KCSAN for KASAN (configs/kcsan.config)
#   distro-debug, base-distro-debug  Debian's own config of the pinned
#               kernel, modules off, + configs/distro.config and debug.config
#   riscv-debug  riscv64 (cross-built): patched + configs/riscv-guest.config,
#               debug.config and riscv-debug.config (make check-riscv)
#   riscv-base, riscv-patched  riscv64 base and patched on riscv-guest.config
#               with DWARF (riscv-count.config; make count-riscv)
# Config: configs/NAME.config fragments, each with configs/BASE/NAME.config
# after it where the base needs more, on allnoconfig (Debian's config,
# modules off, for the distro variants).
#   build-kernel.sh --config-only VARIANT   only write the .config
# Output: build/BASE/out/<variant>/{arch/x86/boot/bzImage,vmlinux,System.map}
# (arch/riscv/boot/Image for riscv-*)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

config_only=0
if [ "${1:-}" = --config-only ]; then
	config_only=1
	shift
fi
variant=${1:?usage: build-kernel.sh [--config-only] VARIANT (base, patched, debug, ...)}
from=allnoconfig
case $variant in
base | patched) names=(guest) ;;
debug | base-debug) names=(guest debug) ;;
xen-debug | base-xen-debug) names=(guest debug xen-debug) ;;
kcsan | base-kcsan) names=(guest debug kcsan) ;;
distro-debug | base-distro-debug) names=(distro debug) from=distro ;;
riscv-debug) names=(riscv-guest debug riscv-debug) ;;
riscv-base | riscv-patched) names=(riscv-guest riscv-count) ;;
*) die "unknown variant '$variant' (base, patched, debug, base-debug, xen-debug, base-xen-debug, kcsan, base-kcsan, distro-debug, base-distro-debug, riscv-debug, riscv-base or riscv-patched)" ;;
esac
mapfile -t fragments < <(config_fragments "${names[@]}")
# Debian's config comes from the base's own suite, like the source.
[ "$from" != distro ] || [ -n "$BASE_SUITE" ] ||
	die "$variant: the distro variants are 7.3 only (Debian's config of BASE=$BASE would come from bookworm's own linux-config package, which has no 6.12)"

variant_arch "$variant"
need_pkgs "${BUILD_PKGS[@]}" "${ARCH_PKGS[@]}"
[ "$VARIANT_ARCH" = x86_64 ] || riscv_gcc
[ -d "$TREE/.git" ] || die "no kernel tree; run 'make tree' first"

src=$TREE
if [ "$(variant_source "$variant")" = base ]; then
	# A worktree pinned at the base commit, so base and patched build side
	# by side from one repository.
	src=$(base_worktree)
fi
out=$OUT/$variant
mkdir -p "$out"


# Debian's amd64 config of the pinned kernel, from linux-config-BASE of the
# same version (fetched like the source), unpacked under build/BASE/.
distro_config() {
	local dir=$BUILD/distro-config deb
	local cfg=$dir/usr/src/linux-config-$BASE/config.amd64_none_amd64
	if [ ! -f "$cfg" ] || [ "$(cat "$dir/version" 2>/dev/null)" != "$BASE_VERSION" ]; then
		log "fetching linux-config-$BASE=$BASE_VERSION from $BASE_SUITE" >&2
		deb=$(fetch_suite_deb "$BASE_SUITE" "linux-config-$BASE" "$BASE_VERSION")
		rm -rf "$dir"
		dpkg-deb -x "$deb" "$dir"
		[ -f "$cfg.xz" ] || die "linux-config-$BASE=$BASE_VERSION has no ${cfg##*/}.xz"
		xz -dk "$cfg.xz"
		echo "$BASE_VERSION" >"$dir/version"
	fi
	echo "$cfg"
}

# Configure: allnoconfig (or Debian's config, modules off) + fragments +
# olddefconfig, then verify that every option a fragment asks for survived
# (olddefconfig silently drops options whose dependencies are missing).
configure() {
	local tmp=$out/.config.new frag
	if [ "$from" = distro ]; then
		cp "$(distro_config)" "$tmp"
		# No initramfs to load modules from: what Debian builds as a
		# module is off, unless a fragment builds it in.
		run_logged "$LOGS/config-$variant.log" kmake "$src" "$out" KCONFIG_CONFIG=.config.new mod2noconfig
	else
		run_logged "$LOGS/config-$variant.log" kmake "$src" "$out" "${KARGS[@]}" KCONFIG_CONFIG=.config.new allnoconfig
	fi
	for frag in "${fragments[@]}"; do
		cat "$TOP/$frag" >>"$tmp"
	done
	run_logged "$LOGS/config-$variant.log" kmake "$src" "$out" "${KARGS[@]}" KCONFIG_CONFIG=.config.new olddefconfig
	check_config_fragments --src "$src" "$tmp" "${fragments[@]}"
	if cmp -s "$tmp" "$out/.config"; then
		rm -f "$tmp"
	else
		mv "$tmp" "$out/.config"
	fi
}

start=$(date +%s)
log "configuring $variant ($(git -C "$src" rev-list --count base..HEAD) patches on base)"
configure
if [ "$config_only" -eq 1 ]; then
	log "configured $variant: $out/.config"
	exit 0
fi
# arch/x86/mm is built without KCSAN upstream (its Makefile); the KCSAN
# kernels instrument tlb.c, where the shootdown reads other CPUs'
# loaded_mm and the switch writes its own, base and patched alike.
extra=()
case $variant in kcsan | base-kcsan) extra=(KCSAN_SANITIZE_tlb.o=y) ;; esac
log "building $variant kernel (log: $LOGS/build-$variant.log)"
kmake "$src" "$out" "${KARGS[@]}" "${extra[@]}" "${KIMAGE##*/}" >"$LOGS/build-$variant.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null &&
		log "  $variant: still building, $(grep -c '^  CC' "$LOGS/build-$variant.log" || true) files compiled"
done
if ! wait "$pid"; then
	grep -E 'error|Error' "$LOGS/build-$variant.log" | head -20 >&2 || true
	die "building $variant failed (full log: $LOGS/build-$variant.log)"
fi
log "built $variant in $(($(date +%s) - start))s: $out/$KIMAGE"
