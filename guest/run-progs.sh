#!/bin/sh
# Run test programs of one kselftest collection in turn, like
# run_kselftest.sh would, for the guest tests that pick programs:
#   run-progs.sh DIR PROG...
# One TAP line per program, the end of its output before it as "# "
# lines, and its failed subtests' lines. Exit
# status: 1 if any failed, 4 if all skipped, else 0. A program that is
# missing fails: the build refused it, and it must not pass by absence.
# Each runs in DIR, with a timeout of 300 s.
dir=$1
shift
cd "$dir" || exit 1
n=0 rc=0 ran=0
for t in "$@"; do
	n=$((n + 1))
	if [ ! -x "./$t" ]; then
		echo "not ok $n $t # not built"
		rc=1
		continue
	fi
	timeout 300 "./$t" >"/tmp/$t.out" 2>&1 </dev/null
	r=$?
	sed 's/^/# /' "/tmp/$t.out" | tail -n 20
	# A failed subtest further up, with what led to it.
	[ $r -eq 0 ] || grep -B 4 '^not ok' "/tmp/$t.out" | head -n 60 | sed 's/^/# failed: /'
	case $r in
	0) echo "ok $n $t"; ran=1 ;;
	4) echo "ok $n $t # SKIP $(tail -n 1 "/tmp/$t.out")" ;;
	124) echo "not ok $n $t # timed out after 300 s"; rc=1; ran=1 ;;
	*) echo "not ok $n $t # exit $r"; rc=1; ran=1 ;;
	esac
done
[ $rc -eq 0 ] && [ $ran -eq 0 ] && rc=4
exit $rc
