#!/bin/sh
# The shootdown where it has work: lazybench deadmm, whose processes die
# with no VMA left, so exit_mmap() flushes nothing and every CPU a thread
# ran on is still lazily on the mm at __mmput(). Runs under the TCG
# plugin (tools/lockcount), whose per-function counts give the
# instructions of the shootdown itself. RESULT lines: the CAL/TLB IPIs
# and lazy_mm_shootdown* vm events over lazymm_deadmm exits. Then the
# same for lazybench sqpoll (an mm whose last user may be io_uring's
# SQPOLL thread), into sqpoll.log, and for deadmm again while the last
# CPU goes offline and online all the time (exits racing CPU hotplug),
# into hotplug.log.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
exits=${lazymm_deadmm:-50}
n=$(nproc)
cd /tmp
"$b" deadmm -n "$exits" -j "$n" -c
if [ -f "$RESULTS/lockcount.txt" ]; then
	cp "$RESULTS/lockcount.txt" "$RESULTS/lockcount-deadmm.txt"
	[ ! -f "$RESULTS/blocks.txt" ] || cp "$RESULTS/blocks.txt" "$RESULTS/blocks-deadmm.txt"
	[ ! -f "$RESULTS/coherence.txt" ] || cp "$RESULTS/coherence.txt" "$RESULTS/coherence-deadmm.txt"
fi
"$b" sqpoll -n "$exits" -j "$n" -c >"$RESULTS/sqpoll.log"
echo "RESULT exits $exits" >>"$RESULTS/sqpoll.log"
if [ "$n" -ge 2 ]; then
	"$b" deadmm -n "$exits" -j "$n" -c -H $((n - 1)) >"$RESULTS/hotplug.log"
	echo "RESULT exits $exits" >>"$RESULTS/hotplug.log"
fi
echo "RESULT cpus $n"
echo "RESULT exits $exits"
