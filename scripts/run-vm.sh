#!/usr/bin/env bash
# Boot a built kernel under QEMU and run guest tests in it.
#
#   run-vm.sh [options] VARIANT RUN TEST...
#     VARIANT  a built kernel: base, patched, debug, ... (build/BASE/out/VARIANT)
#     RUN      name of the run: results go to build/BASE/runs/RUN/
#     TEST     names of guest/tests/TEST.sh, run in order inside the guest
#   options: --smp N (4)  --mem MB (3072)  --timeout S (1200)  --efi
#            --test-timeout S (600, per test inside the guest)
#            --boot-timeout S (180 + 15 s per vCPU over 8: to reach init)
#            --append "ARGS" (extra kernel command line)
#            --plugin "SO,ARGS" (QEMU TCG plugin, e.g. the lock counter)
#            --xen (boot the kernel as a Xen PV dom0 under Debian's Xen 4.17)
#            --root-cache loose (9p cache mode of the root; default none)
#            --fail-on-test (exit 1 if a test exited non-zero: for the
#            benchmarks, whose report a failed run would leave short; the
#            test runs are judged by parse-results.sh instead)
#
# The guest's root is the host's / over 9p, read-only (as virtme-ng does),
# so it runs host binaries and the tools built under build/. A riscv-*
# variant boots on QEMU's virt machine with an initramfs for root instead
# (scripts/riscv-initramfs.sh), holding the same paths. Results come
# back through a second, writable 9p share: one TEST.log and TEST.rc per
# test and a "done" file. No "done" means the guest died: a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smp=4 mem=3072 timeout=1200 test_timeout=600 efi=0 xen=0 append="" plugin=""
boot_timeout="" root_cache="" fail_on_test=0
boot_tries=5
while [ $# -gt 0 ]; do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--test-timeout) test_timeout=$2; shift 2 ;;
	--boot-timeout) boot_timeout=$2; shift 2 ;;
	--efi) efi=1; shift ;;
	--xen) xen=1; shift ;;
	--append) append=$2; shift 2 ;;
	--plugin) plugin=$2; shift 2 ;;
	--root-cache) root_cache=$2; shift 2 ;;
	--fail-on-test) fail_on_test=1; shift ;;
	-h | --help) sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -ge 3 ] || die "usage: run-vm.sh [options] VARIANT RUN TEST..."
variant=$1 run=$2
shift 2
tests=$(IFS=,; echo "$*")
# A debug kernel reaches init in 30-90 s under TCG at 4 vCPUs; each vCPU
# beyond 8 adds its bring-up (a 32-vCPU guest took over 180 s beside
# other jobs on this 2-core host).
boot_timeout=${boot_timeout:-$((180 + (smp > 8 ? 15 * (smp - 8) : 0)))}

variant_arch "$variant"
if [ "$VARIANT_ARCH" = x86_64 ]; then
	need_pkgs "${VM_PKGS[@]}"
else
	need_pkgs "${ARCH_PKGS[@]}"
	if [ $xen -eq 1 ] || [ $efi -eq 1 ] || [ -n "$plugin" ]; then
		die "--xen, --efi and --plugin are for x86_64 guests, not $variant"
	fi
	[ -f "$OUT/$variant/initramfs.cpio.gz" ] ||
		die "no initramfs for $variant; run scripts/riscv-initramfs.sh $variant"
fi
[ $xen -eq 0 ] || need_pkgs xen-hypervisor-4.17-amd64
[ $xen -eq 0 ] || [ $efi -eq 0 ] || die "--xen and --efi do not go together"
kernel=$OUT/$variant/$KIMAGE
[ -f "$kernel" ] || die "no kernel at $kernel; build it first (scripts/build-kernel.sh $variant)"
for t in "$@"; do
	[ -f "$TOP/guest/tests/$t.sh" ] || die "no guest test guest/tests/$t.sh"
done

res=$BUILD/runs/$run
rm -rf "$res"
mkdir -p "$res"
console=$res/console.log

# No LA57 under TCG: with 5-level paging, an interrupt taken while
# identify_boot_cpu() refills boot_cpu_data's capabilities (before the
# alternatives are patched, pgtable_l5_enabled() reads that array) sees
# LA57 clear, and KASAN calls a direct-map access "wild-memory-access" in
# do_raw_spin_lock() from handle_edge_irq(). Base and patched kernels
# alike, 6.12 and 7.3, mostly under OVMF; nothing of the series runs yet.
accel=(-accel 'tcg,thread=multi,tb-size=256' -cpu 'max,la57=off')
# Under TCG, vCPUs run far slower than real time and share the host's
# cores, so a vCPU can go seconds without running: give RCU stall
# detection 60s instead of 21s, and the soft and hard lockup detectors
# their longest threshold (watchdog_thresh=60: a soft lockup after 120s):
# a 6.12 debug boot reported stop_machine()'s CPUs "stuck for 26s" at the
# TSC recalibration with the default of 10. Real stalls and lockups (a
# CPU stuck for good) are still reported.
tcg_append="rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=60"
if [ "$VARIANT_ARCH" = riscv64 ]; then
	accel=(-accel 'tcg,thread=multi,tb-size=256' -M virt -cpu rv64)
elif kvm_usable "$kernel"; then
	accel=(-accel kvm -cpu host)
	tcg_append=""
else
	log "no usable KVM: running under TCG (software emulation, slow)"
fi

cmdline="console=ttyS0 root=/dev/root rootfstype=9p"
cmdline+=" rootflags=version=9p2000.L,trans=virtio,access=any,msize=524288${root_cache:+,cache=$root_cache} ro"
cmdline+=" init=$TOP/guest/init.sh panic=-1 nokaslr no_hash_pointers"
cmdline+=" lazymm_tests=$tests lazymm_out=$OUT/$variant lazymm_timeout=$test_timeout"
cmdline+=" lazymm_variant=$variant $tcg_append $append"

boot_args=(-kernel "$kernel" -append "$cmdline")
if [ "$VARIANT_ARCH" = riscv64 ]; then
	# The initramfs's /init starts guest/init.sh; no root to mount.
	# earlycon: the UART the device tree names, from the first line on
	# (ttyS0 only comes up with the 8250 driver, late in a KASAN boot).
	cmdline="console=ttyS0 earlycon panic=-1 nokaslr no_hash_pointers"
	cmdline+=" lazymm_tests=$tests lazymm_out=$OUT/$variant lazymm_timeout=$test_timeout"
	cmdline+=" lazymm_variant=$variant $tcg_append $append"
	boot_args=(-kernel "$kernel" -append "$cmdline" -initrd "$OUT/$variant/initramfs.cpio.gz")
fi
if [ $xen -eq 1 ]; then
	# Xen is the multiboot kernel (QEMU loads it only uncompressed); the
	# guest kernel is its first module and boots as the PV dom0, with its
	# console on Xen's (hvc0), which Xen copies to the serial port.
	# smap=0: QEMU 7.2 TCG pops an IRET frame with supervisor accesses even
	# at CPL 3, so with SMAP on, the PV kernel's (ring 3) iret_to_self()
	# in sync_core() faults on its own stack and dom0 dies at boot.
	zcat /boot/xen-4.17-amd64.gz >"$res/xen"
	cmdline=${cmdline/console=ttyS0/console=hvc0}
	boot_args=(-kernel "$res/xen"
		-append "console=com1 com1=115200,8n1 dom0_mem=$((mem - 512))M dom0_max_vcpus=$smp smap=0 loglvl=all guest_loglvl=all noreboot"
		-initrd "$kernel ${cmdline//,/,,}")
fi

# QEMU 10 (lib.sh), unless the TCG plugin rides along (it is built for
# the host's QEMU 7.2 plugin API) or Xen boots (its lane and its smap=0
# workaround are only known to work on 7.2 so far).
[ -z "$plugin" ] && [ $xen -eq 0 ] || LAZYMM_QEMU=system
if [ "$VARIANT_ARCH" = riscv64 ]; then
	# bookworm's qemu-system-misc, with the OpenSBI it ships as -bios.
	QEMU_BIN=qemu-system-riscv64 QEMU_FW=()
	root=()
else
	qemu_system
	root=(-fsdev 'local,id=root,path=/,security_model=none,readonly=on,multidevs=remap'
		-device 'virtio-9p-pci,fsdev=root,mount_tag=/dev/root')
fi
qemu=("$QEMU_BIN" "${QEMU_FW[@]}" "${accel[@]}" -smp "$smp" -m "$mem"
	-nodefaults -display none -no-reboot -monitor none
	-chardev "file,id=con,path=$console" -serial chardev:con
	"${boot_args[@]}" "${root[@]}"
	-fsdev "local,id=res,path=$res,security_model=none,multidevs=remap"
	-device 'virtio-9p-pci,fsdev=res,mount_tag=results')
if [ $efi -eq 1 ]; then
	# OVMF with a private, writable variable store, so EFI SetVariable works.
	cp /usr/share/OVMF/OVMF_VARS.fd "$res/OVMF_VARS.fd"
	qemu+=(-drive 'if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd'
		-drive "if=pflash,format=raw,file=$res/OVMF_VARS.fd")
fi
if [ -n "$plugin" ]; then
	qemu+=(-plugin "$plugin")
fi
printf '%q ' "${qemu[@]}" >"$res/qemu-cmdline.txt"
# The host and the QEMU of this run, for a report rendered later or on
# another machine.
{
	echo "host_cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)"
	echo "host_cpus=$(nproc)"
	echo "qemu_version=$("$QEMU_BIN" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')"
} >"$res/host.txt"

# Boot once: QEMU's exit status, 125 if the guest never reached init
# within $boot_timeout seconds (the boot hung).
boot() {
	local pid waited=0
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$res/qemu.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $waited -ge "$boot_timeout" ] &&
			! grep -aq 'as init process' "$console" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 125
		fi
		sleep 2
		waited=$((waited + 2))
	done
	wait "$pid"
}

start=$(date +%s)
log "booting $variant (-smp $smp$([ $efi -eq 1 ] && echo ', OVMF')$([ $xen -eq 1 ] && echo ', Xen dom0')) for: $*"
rc=0
boot || rc=$?
try=1
while [ $rc -eq 125 ]; do
	# Some TCG boots stop at the root mount (the first virtio-9p request)
	# with every vCPU idle: no kernel report, no RCU stall, no hung task.
	# Seen in up to half of the debug boots when the host is loaded, also
	# with KUnit disabled; not understood yet (a lost interrupt or wakeup
	# under TCG is the suspect). Keep each console and try again; a kernel
	# that hangs every time still fails. A kernel that reported a bug on
	# its way (a KUnit case that oopsed, say) is not retried: the console
	# stays, for the caller to parse.
	if ! bash "$TOP/scripts/scan-console.sh" "$console" >/dev/null 2>&1; then
		log "no init after ${boot_timeout}s, with kernel reports on the console: not retried"
		break
	fi
	if last=$(kunit_unfinished "$console"); then
		log "no init after ${boot_timeout}s, stopped inside KUnit: not retried. Last KUnit line: $last"
		break
	fi
	mv "$console" "$res/console.boot-hang-$try.log"
	log "WARNING: no init after ${boot_timeout}s (try $try of $boot_tries); console kept in $res/console.boot-hang-$try.log"
	[ $try -lt $boot_tries ] || die "the guest hung before init $boot_tries times (consoles in $res)"
	try=$((try + 1))
	rc=0
	boot || rc=$?
done
elapsed=$(($(date +%s) - start))
if [ $rc -eq 125 ]; then
	echo "---- last 50 console lines ($console) ----" >&2
	tail -n 50 "$console" >&2
	die "the guest stopped before init, in KUnit or with kernel reports (console: $console)"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "---- last 50 console lines ($console) ----" >&2
	tail -n 50 "$console" >&2
	die "guest timed out after ${timeout}s"
fi
if [ $rc -ne 0 ]; then
	cat "$res/qemu.log" >&2
	die "qemu exited with status $rc"
fi
if [ ! -f "$res/done" ]; then
	echo "---- last 50 console lines ($console) ----" >&2
	tail -n 50 "$console" >&2
	echo "To decode a stack trace: $BUILD/linux/scripts/decode_stacktrace.sh $OUT/$variant/vmlinux < $console" >&2
	log "guest stopped after ${elapsed}s without finishing its tests"
	exit 1
fi
log "guest finished in ${elapsed}s (console: $console)"
if [ $fail_on_test = 1 ]; then
	for t in "$@"; do
		[ "$(cat "$res/$t.rc" 2>/dev/null)" = 0 ] && continue
		tail -n 20 "$res/$t.log" >&2 || true
		die "guest test $t failed (exit $(cat "$res/$t.rc" 2>/dev/null || echo none); log: $res/$t.log)"
	done
fi
