#!/bin/sh
# perf stat (software events) and perf record -e cpu-clock -g of the
# ping-pong and the fork/exit storm; reports go to the results share.
set -e
b=$GUEST_DIR/../tools/bench/lazybench
perf=${lazymm_perf:?}
s=${lazymm_secs:-5}
n=$(nproc)
cd /tmp
ev=task-clock,context-switches,cpu-migrations,page-faults
"$perf" stat -a -e "$ev" -x, -o "$RESULTS/perf-stat-pingpong.csv" "$b" pingpong -s "$s"
"$perf" stat -a -e "$ev" -x, -o "$RESULTS/perf-stat-forkexit.csv" "$b" forkexit -s "$s" -j "$n"
"$perf" stat -a -e "$ev" -x, -o "$RESULTS/perf-stat-cs1.csv" "$b" cs1 -m threads -s "$s" -j "$n"
"$perf" stat -a -e "$ev" -x, -o "$RESULTS/perf-stat-hackbench.csv" \
	hackbench -p -g "$n" -l $((20 * s))
for w in pingpong forkexit cs1 hackbench; do
	case $w in
	cs1) set -- "$b" cs1 -m threads -s "$s" -j "$n" ;;
	hackbench) set -- hackbench -p -g "$n" -l $((20 * s)) ;;
	*) set -- "$b" "$w" -s "$s" -j "$n" ;;
	esac
	"$perf" record -q -a -g -e cpu-clock -F 999 -o /tmp/perf-$w.data "$@" >/dev/null
	"$perf" report -i /tmp/perf-$w.data --stdio --no-children --sort sym \
		--percent-limit 0.5 -g none 2>/dev/null >"$RESULTS/perf-report-$w.txt"
done

# With a hardware PMU (bare metal, or KVM exposing one): the locked-access
# event and perf c2c on the ping-pong and context_switch1, the way the
# atomics are profiled on real machines. Detected, not assumed: without a
# "cpu" (or hybrid "cpu_core") PMU perf has software events only, as
# under TCG, and pmu.txt says why nothing was recorded.
pmu=""
for d in cpu cpu_core; do
	[ -d "/sys/bus/event_source/devices/$d" ] && pmu=$d
done
if [ -z "$pmu" ]; then
	echo "none: no cpu or cpu_core PMU in /sys/bus/event_source/devices (software events only)" \
		>"$RESULTS/pmu.txt"
else
	# Loads of locked instructions (Intel) or bus locks (AMD Zen), as raw
	# encodings: perf is built without the JSON event tables.
	case $(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo) in
	GenuineIntel) ev="cpu/event=0xd0,umask=0x21,name=mem_inst_retired.lock_loads/" ;;
	AuthenticAMD) ev="cpu/event=0x25,umask=0x1,name=ls_locks.bus_lock/" ;;
	*) ev="" ;;
	esac
	echo "$pmu: locked-access event ${ev:-none found}" >"$RESULTS/pmu.txt"
	for w in pingpong cs1; do
		case $w in
		cs1) set -- "$b" cs1 -m threads -s "$s" -j "$n" ;;
		*) set -- "$b" pingpong -s "$s" ;;
		esac
		[ -z "$ev" ] || "$perf" stat -a -e "$ev" -x, -o "$RESULTS/perf-locks-$w.csv" "$@" >/dev/null
		"$perf" c2c record -a -o "/tmp/c2c-$w.data" -- "$@" >/dev/null 2>&1 || continue
		"$perf" c2c report -i "/tmp/c2c-$w.data" --stdio >"$RESULTS/perf-c2c-$w.txt" 2>/dev/null || true
		"$perf" script -i "/tmp/c2c-$w.data" -F addr,data_src,ip,sym \
			>"$RESULTS/perf-c2c-samples-$w.txt" 2>/dev/null || true
	done
fi
echo "ok"
