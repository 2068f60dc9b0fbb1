#!/usr/bin/env bash
# make check: the kselftest gate's runner ends a test that times out, all
# of it (guest/ksft-runner.sh). Upstream's runner.sh from TREE, patched as
# the guest patches it, runs a test whose pid namespace init outlives the
# SIGTERM; the runner must report the timeout and return, with nothing of
# the test left. Unpatched, it waits for the init for ever (here: until
# the outer 60 s limit). And a test SIGKILLed before its time is up
# (by the OOM killer, say) is a failure with its exit status, not a
# timeout. Needs root (a pid namespace) and gcc. ROOT: whose
# guest/ksft-runner.sh (the repository's, or a mutant's copy,
# tests/run-tool-mutant.sh).
#   runner-timeout.sh TREE [ROOT]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$1
root=${2:-$top}
name=kselftest-runner:pidns-init-ended-at-timeout
src=$tree/tools/testing/selftests/kselftest
[ -f "$src/runner.sh" ] || { echo "FAIL $name (no $src/runner.sh)"; exit 0; }
dir=$(mktemp -d)
trap 'pkill -9 -x pidns_init; rm -rf "$dir"' EXIT
mkdir -p "$dir/kselftest" "$dir/pidns" "$dir/killed"
cp "$src"/* "$dir/kselftest/"
gcc -O2 -o "$dir/pidns/pidns_init" "$top/tests/kselftest-gate/pidns_init.c" ||
	{ echo "FAIL $name (pidns_init.c does not build)"; exit 0; }
echo timeout=3 >"$dir/pidns/settings"
printf '#!/bin/sh\nkill -9 $$\n' >"$dir/killed/sigkilled"
chmod +x "$dir/killed/sigkilled"
echo timeout=30 >"$dir/killed/settings"
# shellcheck disable=SC1091 # checked on its own
. "$root/guest/ksft-runner.sh"
if ! err=$(ksft_fix_runner "$dir"); then
	echo "FAIL $name ($err)"
	exit 0
fi
# To a file: an init left running holds its output open, and a command
# substitution would wait for it past the 60 s.
(cd "$dir/pidns" && timeout -k 5 60 env BASE_DIR="$dir" sh -c \
	'. ../kselftest/runner.sh; COLLECTION=pidns; run_many ./pidns_init' >"$dir/pidns.out" 2>&1)
rc=$?
out=$(cat "$dir/pidns.out")
# A SIGKILLed init takes its namespace down asynchronously: give it 10 s.
for _ in $(seq 20); do
	left=$(pgrep -x pidns_init | wc -l)
	[ "$left" -eq 0 ] && break
	sleep 0.5
done
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "FAIL $name (the runner did not return within 60 s of a 3 s timeout)"
elif ! grep -q '^not ok 1 .* # TIMEOUT 3 seconds' <<<"$out"; then
	echo "FAIL $name (no TIMEOUT result)"
	tail -n 5 <<<"$out" | sed 's/^/    /'
elif [ "$left" -ne 0 ]; then
	echo "FAIL $name ($left process(es) of the test left)"
else
	echo "PASS $name"
fi

name=kselftest-runner:sigkill-before-timeout-is-no-timeout
out=$(cd "$dir/killed" && timeout -k 5 60 env BASE_DIR="$dir" sh -c \
	'. ../kselftest/runner.sh; COLLECTION=killed; run_many ./sigkilled' 2>&1)
if grep -q '^not ok 1 .* # exit=137$' <<<"$out"; then
	echo "PASS $name"
else
	echo "FAIL $name (not reported as exit=137)"
	tail -n 5 <<<"$out" | sed 's/^/    /'
fi
