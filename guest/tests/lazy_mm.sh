#!/bin/sh
# The series' own kselftest (tools/testing/selftests/lazy_mm), built from
# the same tree and installed with upstream's runner (build-tools.sh): one
# program per theme (exits, borrowed mms, membarrier, LDT + perf), run by
# run_kselftest.sh -c lazy_mm, which gives each the timeout of the
# collection's settings file. The programs' own TAP lines are the result:
# the runner's "# " level is taken off them, and its line per program is
# kept as a comment. Exit status: 1 if a program failed, timed out or did
# not run, 4 if every program skipped, else 0.
src=$LAZYMM_OUT/kselftest-install
if [ ! -x "$src/lazy_mm/exit_test" ]; then
	echo "lazy_mm selftest not built (the series on $LAZYMM_VARIANT has none)"
	exit 4
fi
export LAZY_MM_SECONDS="${LAZY_MM_SECONDS:-3}"
# The root is read-only; the runner is fixed up in a copy on tmpfs so that
# a test that times out is ended, all of it (guest/ksft-runner.sh).
dst=/tmp/lazy_mm-ksft
rm -rf "$dst"
cp -a "$src" "$dst" || exit 1
# shellcheck disable=SC1091 # checked on its own
. "$GUEST_DIR/ksft-runner.sh"
ksft_fix_runner "$dst" || exit 1
cd "$dst" || exit 1
progs=$(grep -c '^lazy_mm:' kselftest-list.txt)
# Through a pipe, not to a file: see kselftests.sh.
./run_kselftest.sh -c lazy_mm 2>&1 | tee /tmp/lazy_mm.tap |
	sed -n -e 's/^# //p' -e 's/^\(\(not \)\{0,1\}ok [0-9]* selftests: .*\)/# runner: \1/p'
ran=$(grep -cE '^(not )?ok [0-9]+ selftests: lazy_mm: ' /tmp/lazy_mm.tap)
passed=$(grep -cE '^ok [0-9]+ selftests: lazy_mm: ' /tmp/lazy_mm.tap)
skipped=$(grep -cE '^ok [0-9]+ selftests: lazy_mm: .* # SKIP' /tmp/lazy_mm.tap)
if [ "$ran" -ne "$progs" ]; then
	echo "# runner: $ran of $progs lazy_mm programs reported a result"
	exit 1
fi
[ "$passed" -eq "$progs" ] || exit 1
[ "$skipped" -eq "$progs" ] && exit 4
exit 0
