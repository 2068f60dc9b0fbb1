#!/usr/bin/env bash
# The root of a riscv64 guest: an initramfs, since the host's / (the x86
# guests' root over 9p) has no riscv64 programs. It holds Debian's
# busybox-static for riscv64, guest/ and the variant's cross-built
# selftests, each at its path on the host, so guest/init.sh and the guest
# tests run unchanged.
#   riscv-initramfs.sh VARIANT   -> build/BASE/out/VARIANT/initramfs.cpio.gz
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: riscv-initramfs.sh VARIANT}
variant_arch "$variant"
[ "$VARIANT_ARCH" = riscv64 ] || die "$variant is not a riscv64 variant"
out=$OUT/$variant
[ -d "$out/kselftest" ] || die "no selftests for $variant; run scripts/build-tools.sh $variant selftests"
need_pkgs cpio

deb=$(fetch_suite_deb "$RISCV_BUSYBOX_SUITE" busybox-static "$RISCV_BUSYBOX_VERSION" riscv64)
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,var/tmp,var/lib}
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/busybox >"$root/bin/busybox"
chmod 755 "$root/bin/busybox"
# What init.sh and the tests use from the host's root.
for d in "$TOP/guest" "$out/kselftest" "$out/kselftest-install"; do
	[ -d "$d" ] || continue
	mkdir -p "$root$d"
	cp -a "$d/." "$root$d/"
done
# A /bin/true that is not busybox: the lazy_mm selftests exec it with
# their own argv[0], which a multi-call binary takes for an applet name.
riscv_gcc
printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$out/true.c"
"$RISCV_GCC" -static -O2 -o "$root/bin/true" "$out/true.c" ||
	die "cannot build /bin/true for the riscv initramfs"
# Upstream's kselftest runner calls "timeout --foreground", which busybox's
# timeout does not take (its command stays in the foreground group anyway).
cat >"$root/usr/bin/timeout" <<'EOF'
#!/bin/sh
[ "$1" = --foreground ] && shift
exec /bin/busybox timeout "$@"
EOF
chmod 755 "$root/usr/bin/timeout"
# busybox's applets as links (beside the timeout above, which --install
# leaves alone), then the harness's own init.
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s
exec /bin/sh $TOP/guest/init.sh
EOF
chmod 755 "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
log "initramfs for $variant: $out/initramfs.cpio.gz ($(du -h "$out/initramfs.cpio.gz" | cut -f1))"
