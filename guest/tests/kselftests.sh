#!/bin/sh
# shellcheck disable=SC2154 # lazymm_ksft_* come from the kernel command line
# Upstream's kselftests as installed by build-tools.sh (VARIANT upstream),
# run with upstream's run_kselftest.sh: the gate's guest half
# (scripts/kselftest-gate.sh). The root is read-only and many tests write
# next to themselves, so the install is copied to the tmpfs /tmp first.
# Per-test timeout: lazymm_ksft_timeout seconds for every test, and
# lazymm_ksft_mm_timeout for mm's (each of its entries runs one category
# of run_vmtests.sh; upstream gives them 900 s). Its TAP output is the
# result; the exit status only says whether run_kselftest.sh could run.
src=$LAZYMM_OUT/ksft/install
[ -x "$src/run_kselftest.sh" ] || { echo "no kselftests installed in $src"; exit 1; }
dst=/tmp/kselftest
rm -rf "$dst"
# Files over 4 MB are linked, not copied: exec's load_address.* are padded
# to their 16 MB alignment, only ever executed, and 9p reads are slow.
echo "# copying $src to $dst"
rsync -a --max-size=4m "$src/" "$dst/" || exit 1
(cd "$src" && find . -type f -size +4M) | while read -r f; do
	ln -s "$src/$f" "$dst/$f"
done
echo "# copied: $(du -sh "$dst" | cut -f1)"
cd "$dst" || exit 1
# mm's hugetlb cgroup tests mount hugetlbfs on /mnt/huge, which they create:
# give them a writable /mnt (on the read-only root, mkdir fails with EROFS
# and both tests fail on either kernel).
mount -t tmpfs -o size=1m lazymm-mnt /mnt || exit 1
# A test that times out is ended, all of it (guest/ksft-runner.sh says why).
# shellcheck disable=SC1091 # checked on its own
. "$GUEST_DIR/ksft-runner.sh"
ksft_fix_runner "$dst" || exit 1
timeout=${lazymm_ksft_timeout:-300}
mm_timeout=${lazymm_ksft_mm_timeout:-900}
# Tests this harness cannot run, on either kernel (the list says why).
not_run=$GUEST_DIR/../tests/kselftest-gate/not-run.txt
grep -v '^#' "$not_run" | while IFS="$(printf '\t')" read -r t why; do
	[ -n "$t" ] || continue
	grep -qxF "$t" kselftest-list.txt || continue
	echo "# not run: $t: $why"
	grep -vxF "$t" kselftest-list.txt >kselftest-list.new
	mv kselftest-list.new kselftest-list.txt
done
# Every collection, or those in lazymm_ksft_collections (comma-separated),
# mm last and with its own timeout.
installed=$(sed -n 's/:.*//p' kselftest-list.txt | sort -u)
chosen=$installed
if [ -n "${lazymm_ksft_collections:-}" ]; then
	chosen=$(echo "$lazymm_ksft_collections" | tr , '\n')
	for c in $chosen; do
		echo "$installed" | grep -qx "$c" || { echo "collection $c is not installed"; exit 1; }
	done
fi
# run_kselftest.sh appends each test's output to /dev/stdout, opened anew
# (O_APPEND), and writes its own lines through the inherited descriptor:
# to a file, the two overwrite each other. Through a pipe they keep order.
ksft() {
	{
		./run_kselftest.sh -f -o "$1"
		echo $? >/tmp/ksft.rc
	} 2>&1 | cat
	return "$(cat /tmp/ksft.rc)"
}
# A rerun (the gate's check of a base-pass/patched-fail test): the lines of
# the file lazymm_ksft_rerun, each run lazymm_ksft_repeat times in a row
# with the collection's timeout. A line is a test (C:PROGRAM), or a test
# and one of its subtests (C:PROGRAM<TAB>SUBTEST). mm's tests are
# run_vmtests.sh categories, each subtest a program of it: such a subtest
# runs alone, through upstream's wrapper and runner, with its category's
# setup (the copy's run_test() returns at once for every other program).
# Any other subtest needs its whole test.
tab=$(printf '\t')
if [ -n "${lazymm_ksft_rerun:-}" ]; then
	[ -r "$lazymm_ksft_rerun" ] || { echo "cannot read $lazymm_ksft_rerun"; exit 1; }
	repeat=${lazymm_ksft_repeat:-5}
	rc=0
	while IFS=$tab read -r t sub; do
		[ -n "$t" ] || continue
		grep -qxF "$t" kselftest-list.txt || { echo "test $t is not installed"; exit 1; }
		only=
		# A name upstream prints twice is told apart by " (#N)"
		# (kselftest-compare.py): each occurrence runs.
		case $t in
		mm:*) only=${sub% (#*)} ;;
		esac
		if [ -n "$only" ] && [ ! -f mm/run_vmtests.sh.upstream ]; then
			cp mm/run_vmtests.sh mm/run_vmtests.sh.upstream || exit 1
			# shellcheck disable=SC2016 # the line is run_vmtests.sh's
			sed '/^run_test() {$/a\
	[ -z "${LAZYMM_ONLY:-}" ] || [ "$(pretty_name "$*")" = "$LAZYMM_ONLY" ] || return 0' \
				mm/run_vmtests.sh.upstream >mm/run_vmtests.sh || exit 1
			grep -q LAZYMM_ONLY mm/run_vmtests.sh ||
				{ echo "no run_test() in mm/run_vmtests.sh to run $sub alone"; exit 1; }
		fi
		[ -z "$only" ] || echo "# rerun: $t, only its $only"
		i=0
		while [ $i -lt "$repeat" ]; do
			echo "$t"
			i=$((i + 1))
		done >kselftest-list.txt.rerun
		cp kselftest-list.txt kselftest-list.all
		mv kselftest-list.txt.rerun kselftest-list.txt
		tt=$timeout
		case $t in mm:*) tt=$mm_timeout ;; esac
		export LAZYMM_ONLY="$only"
		# Not the list: a test that reads stdin would eat its lines.
		ksft "$tt" </dev/null || rc=1
		mv kselftest-list.all kselftest-list.txt
	done <"$lazymm_ksft_rerun"
	exit $rc
fi
# run_kselftest.sh runs what kselftest-list.txt holds. Its -c costs a grep
# per test, seconds each on a debug kernel under TCG: give it the list
# instead, first without mm, then mm's alone.
mv kselftest-list.txt kselftest-list.all
# A collection named in lazymm_ksft_from (C:TEST, comma-separated) starts
# at TEST: the gate continues one an earlier run did not finish
# (scripts/kselftest-resume.sh).
from=$(echo "${lazymm_ksft_from:-}" | tr , '\n')
for f in $from; do
	grep -qxF "$f" kselftest-list.all || { echo "lazymm_ksft_from: $f is not in the list"; exit 1; }
	echo "# continuing ${f%%:*} from ${f#*:}"
done
run_list() {
	t=$1
	shift
	for c in "$@"; do
		f=$(echo "$from" | grep "^$c:" || true)
		if [ -n "$f" ]; then
			grep "^$c:" kselftest-list.all | sed -n "\|^$f\$|,\$p"
		else
			grep "^$c:" kselftest-list.all
		fi
	done >kselftest-list.txt
	ksft "$t"
}
rc=0
others=$(echo "$chosen" | grep -vx mm)
if [ -n "$others" ]; then
	# shellcheck disable=SC2086 # one word per collection
	run_list "$timeout" $others || rc=1
fi
if echo "$chosen" | grep -qx mm; then
	run_list "$mm_timeout" mm || rc=1
fi
exit $rc
