#!/bin/sh
# shellcheck disable=SC2154 # lazymm_* come from the kernel command line
# PID 1 of the test guest. Runs on the host's root filesystem (9p,
# read-only): mounts what the tests need, runs each test named in
# $lazymm_tests (from the kernel command line) with a timeout, writes
# TEST.log and TEST.rc to the results share, then powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
export GUEST_DIR
export LAZYMM_OUT="$lazymm_out" LAZYMM_VARIANT="$lazymm_variant"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The tmpfs mounts below would hide a checkout under one of those
# directories (a clone in /root or /tmp): keep the host's view of it on
# the writable /dev, and bind it back over its own path afterwards.
top=${GUEST_DIR%/guest}
scratch="/tmp /run /var/tmp /root /var/lib"
for d in $scratch; do
	case $top/ in
	"$d"/*)
		mkdir -p /dev/.lazymm-top
		mount --bind "$top" /dev/.lazymm-top
		;;
	esac
done
for d in $scratch /dev/shm; do
	mount -t tmpfs -o mode=1777 tmpfs "$d" 2>/dev/null
done
if [ -d /dev/.lazymm-top ]; then
	mkdir -p "$top" && mount --bind /dev/.lazymm-top "$top"
fi
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
# What udev would make: scripts run through /dev/fd/N (exec's execveat).
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
RESULTS=/run/results
export RESULTS
mkdir -p $RESULTS
# The first request on a virtio-9p channel sometimes never completes under
# TCG (see run-vm.sh). The wait is killable: kill the mount and try again.
for try in 1 2 3 4 5; do
	timeout -s KILL 60 mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 \
		results $RESULTS && break
	echo "lazymm: mounting the results share failed (try $try)" >/dev/kmsg
done

say() { echo "lazymm: $*" >/dev/kmsg; }

for t in $(echo "$lazymm_tests" | tr , ' '); do
	# A WARN_ONCE() the last test fired would hide the same bug in this one.
	[ ! -w /sys/kernel/debug/clear_warn_once ] ||
		echo 1 >/sys/kernel/debug/clear_warn_once
	say "test $t: start"
	start=$(date +%s)
	timeout -k 5 "${lazymm_timeout:-600}" sh "$GUEST_DIR/tests/$t.sh" \
		>"$RESULTS/$t.log" 2>&1 </dev/null
	rc=$?
	echo $rc >"$RESULTS/$t.rc"
	say "test $t: exit $rc after $(($(date +%s) - start))s"
done
# A kmemleak scan now, not in 10 minutes (its thread's first automatic
# scan comes after the guest is gone): leaks it finds go to the console,
# where the console scan fails them. Objects younger than 5 s are not
# reported yet, so wait that long after the last test.
if [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 5
	say "kmemleak scan"
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/dev/console
	say "kmemleak scan done"
fi
echo "done" >"$RESULTS/done"
sync
# Power off with the reboot syscall, which does not return. A sysrq
# poweroff would run asynchronously and init could exit (a panic) first.
busybox poweroff -f
echo o >/proc/sysrq-trigger
while :; do read -r _ </dev/console; done
