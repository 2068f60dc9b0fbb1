#!/bin/sh
# shellcheck disable=SC2154 # lazymm_* come from the kernel command line
# The soak (make soak): for lazymm_soak_secs seconds, all at once (trinity
# gets a head start to set itself up)
#  - trinity as an unprivileged user (uid 65534), seed lazymm_soak_seed
#    (restarted when it stops; run k uses seed+k);
#  - stress-ng fork, clone, vfork, exec, pthread, membarrier, mmap and
#    io_uring stressors;
#  - CPU hotplug churn through sysfs (every CPU but 0, in turn);
#  - EFI variable writes and reads, when booted under OVMF;
# and in the foreground, in turns, tools/guest/failnth walking fork, clone,
# execve and mmap through every failslab/fail_page_alloc point.
# Then, with everything gone: the mm_struct object count must be back at
# its start value and a kmemleak scan must find nothing. Any kernel report
# on the console fails the run (scripts/scan-console.sh).
secs=${lazymm_soak_secs:-1800}
seed=${lazymm_soak_seed:-1}
top=$GUEST_DIR/..
n=$(nproc)
fail=0
cd /tmp || exit 1
# The OOM killer takes trinity's processes, never this script.
echo -1000 >/proc/self/oom_score_adj

# Live mm_structs. Shrinking the cache empties KASAN's quarantine and the
# per-CPU slabs, so /proc/slabinfo's active count is exact. CPUs 1..n-1
# go offline and back first: on a refcounting kernel an idle CPU pins the
# last mm it ran until it switches, and hotplug hands that reference back.
mm_structs() {
	for c in /sys/devices/system/cpu/cpu[1-9]*; do
		echo 0 >"$c/online" && echo 1 >"$c/online"
	done 2>/dev/null
	echo 1 >/sys/kernel/slab/mm_struct/shrink
	awk '$1 == "mm_struct" { print $2 }' /proc/slabinfo
}

kml=/sys/kernel/debug/kmemleak
[ -w $kml ] && echo clear >$kml
mm_start=$(mm_structs)
echo "RESULT mm_structs_start $mm_start"
echo "RESULT trinity_seed $seed"
echo "RESULT soak_seconds $secs"

# Fault injection fails sleeping allocations too, and quietly: only the
# task that armed fail-nth is affected (probability stays 0).
for f in failslab fail_page_alloc; do
	d=/sys/kernel/debug/$f
	echo N >$d/ignore-gfp-wait
	echo 0 >$d/verbose
done
echo N >/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem
echo 0 >/sys/kernel/debug/fail_page_alloc/min-order

# Trinity starts first, alone, and the other loads wait until its fd
# setup is done (at most 5 minutes, taken off the run time): under TCG,
# with stress-ng forking and CPUs going offline, its setup never finished.
# Its files are a victim directory of its own, since walking /proc fails
# (ESRCH) while pids come and go and /sys changes under the hotplug loop;
# it renames and unlinks them, so each run gets them anew. No socket or
# perf fd caches: under TCG building them takes the whole run.
v=/tmp/trinity/victims
victims() {
	rm -rf $v && mkdir -p $v/dir && : >$v/file && mkfifo $v/fifo && ln -s file $v/link &&
		head -c 65536 /dev/urandom >$v/data && chown -R 65534:65534 /tmp/trinity
}
mkdir -p /tmp/trinity
# Trinity sometimes ends its main loop by itself ("some kind of locking
# catastrophe": under TCG a child stalls holding one of its locks); it
# is started again, with the next seed, until the time is up. Run k uses
# seed+k.
(
	cd /tmp/trinity && echo 1000 >/proc/self/oom_score_adj
	tend=$(($(date +%s) + secs))
	k=0
	while [ "$(date +%s)" -lt "$tend" ]; do
		victims
		timeout -s INT -k 300 $((tend - $(date +%s))) \
			setpriv --reuid=65534 --regid=65534 --clear-groups \
			trinity -q -l off --disable-fds=sockets,perf -V $v -C "$n" -s $((seed + k)) \
			>/tmp/trinity-$k.log 2>&1
		k=$((k + 1))
		sleep 1
	done
) &
trinity=$!
i=0
while ! grep -qs 'fd providers\|iterations\|Ran [0-9]* syscalls' /tmp/trinity-0.log &&
	[ $i -lt 300 ]; do
	sleep 1
	i=$((i + 1))
done
echo "RESULT trinity_start_seconds $i"
secs=$((secs - i))

# stress-ng's mmap stressor maps 256 MB per round by default: under TCG
# with KASAN not one round finished in 30 minutes.
STORM_OPTS="--mmap-bytes 8M" \
	sh "$GUEST_DIR/storm.sh" "$secs" 1 fork clone vfork exec pthread membarrier mmap io-uring \
	>/tmp/stress.log 2>&1 &
stress=$!

end=$(($(date +%s) + secs))
(
	ops=0
	while [ "$(date +%s)" -lt "$end" ]; do
		for c in /sys/devices/system/cpu/cpu[1-9]*; do
			echo 0 >"$c/online" 2>/dev/null && ops=$((ops + 1))
			sleep 1
			echo 1 >"$c/online" 2>/dev/null && ops=$((ops + 1))
		done
	done
	echo "$ops" >/tmp/hotplug.ops
) &
hotplug=$!

efi=""
if [ -d /sys/firmware/efi/efivars ] && grep -q efivarfs /proc/mounts; then
	LAZYMM_EFI_NO_STRESS=1 lazymm_efi_seconds=$secs sh "$GUEST_DIR/tests/efi.sh" \
		>/tmp/efi.log 2>&1 &
	efi=$!
fi

# The walks exec a static copy on tmpfs, so no 9p read is in their path:
# exec from the 9p root walks netfs's unbuffered read error paths too,
# where this kernel (base code, not the series) underflows a
# netfs_io_request refcount, and that would hide everything else.
cp "$top/tools/guest/failnth" /tmp/failnth
walks=0
while [ "$(date +%s)" -lt "$end" ]; do
	for op in fork clone execve mmap; do
		left=$((end - $(date +%s)))
		[ "$left" -gt 0 ] || break
		if ! /tmp/failnth "$op" 5000 "$left" >/tmp/failnth.out 2>&1; then
			echo "failnth $op:"
			cat /tmp/failnth.out
			fail=1
		fi
		cat /tmp/failnth.out >>/tmp/failnth.log
	done
	walks=$((walks + 1))
	# Progress, readable from the host while the soak runs.
	echo "walk $walks done, $((end - $(date +%s))) s left; trinity:" \
		"$(cat /tmp/trinity-*.log | grep -o '[0-9]* iterations' | tail -1)"
done
echo "RESULT failnth_walks $walks"
for op in fork clone execve mmap; do
	for k in points complete ok clean_errors odd_errnos killed unexpected; do
		awk -v key="failnth_${op}_$k" '$2 == key { s += $3 } END { print "RESULT", key, s + 0 }' \
			/tmp/failnth.log
	done
done

wait $stress || { echo "stress-ng failed:"; tail -20 /tmp/stress.log; fail=1; }
echo "--- stress-ng"
cat /tmp/stress.log
# Metrics lines: "stress-ng: metrc: [PID] STRESSOR BOGO-OPS ...".
awk '$1 == "stress-ng:" && $2 == "metrc:" && $5 ~ /^[0-9]+$/ { print "RESULT stress_" $4 "_ops", $5 }' \
	/tmp/stress.log

wait $trinity
# Each run's "Ran N syscalls" at its end; for a run killed before it
# printed that, its last progress line ("N iterations").
runs=0
syscalls=0
while [ -f "/tmp/trinity-$runs.log" ]; do
	f=/tmp/trinity-$runs.log
	c=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' "$f" | tail -1)
	[ -n "$c" ] || c=$(sed -n 's/.*\] \([0-9]*\) iterations\..*/\1/p' "$f" | tail -1)
	echo "trinity seed $((seed + runs)): ${c:-0} syscalls, ended: $(grep -o 'Bailing main loop.*' "$f" | tail -1)"
	cat "$f" >>/tmp/trinity.log
	syscalls=$((syscalls + ${c:-0}))
	runs=$((runs + 1))
done
echo "--- trinity (last run, tail)"
tail -5 "/tmp/trinity-$((runs - 1)).log"
echo "RESULT trinity_runs $runs"
echo "RESULT trinity_syscalls $syscalls"
[ "$syscalls" -gt 0 ] || { echo "trinity made no syscalls"; fail=1; }
# The whole logs, for a replay.
if [ -d "$RESULTS" ]; then
	cp /tmp/trinity.log "$RESULTS/soak-trinity.txt"
	cp /tmp/stress.log "$RESULTS/soak-stress.txt"
	cp /tmp/failnth.log "$RESULTS/soak-failnth.txt" 2>/dev/null
fi

wait $hotplug
echo "RESULT hotplug_ops $(cat /tmp/hotplug.ops)"

if [ -n "$efi" ]; then
	wait "$efi" || { echo "EFI loop failed:"; cat /tmp/efi.log; fail=1; }
	sed -n 's/^RESULT /RESULT /p' /tmp/efi.log
fi

# Everything the soak started is gone; give exits and RCU a moment.
for f in failslab fail_page_alloc; do echo Y >/sys/kernel/debug/$f/ignore-gfp-wait; done
pkill -KILL -u 65534 2>/dev/null
i=0
mm_end=$(mm_structs)
while [ "$mm_end" != "$mm_start" ] && [ $i -lt 15 ]; do
	sleep 2
	mm_end=$(mm_structs)
	i=$((i + 1))
done
echo "RESULT mm_structs_end $mm_end"
if [ "$mm_end" != "$mm_start" ]; then
	echo "mm_struct objects: $mm_start at the start, $mm_end at the end"
	ps -eo pid,user,comm
	fail=1
fi

if [ -w $kml ]; then
	# Two scans: an object is reported once it stayed unreferenced
	# through a full scan after reaching its minimum age.
	sleep 6
	echo scan >$kml
	sleep 6
	echo scan >$kml
	leaks=$(grep -c '^unreferenced object' $kml)
	echo "RESULT kmemleak_leaks $leaks"
	if [ "$leaks" -ne 0 ]; then
		head -60 $kml
		fail=1
	fi
else
	echo "RESULT kmemleak_leaks unavailable"
fi
[ $fail -eq 0 ] && echo "ok"
exit $fail
