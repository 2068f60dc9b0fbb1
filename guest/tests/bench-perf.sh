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
echo "ok"
