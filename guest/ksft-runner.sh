# shellcheck shell=sh
# Sourced by guest/tests/kselftests.sh (in the guest) and by
# tests/kselftest-gate/runner-timeout.sh (on the host, make check).
#
# ksft_fix_runner DIR: make the runner of the kselftest install in DIR
# (DIR/kselftest/runner.sh) end a test that times out, all of it.
#
# Upstream's runner times a test out with SIGTERM to the test's process
# group. The init of a pid namespace ignores it when sent from outside
# (pidfd_test's does, forking its way to a recycled pid: hours under TCG)
# and holds the test's output open, so the runner waits past the timeout.
# timeout -k alone does not help: the test's main process dies of the
# SIGTERM, so timeout has nothing left to follow up on. The inner timeout
# runs under DIR/ksft-timeout instead, which SIGKILLs what is left of the
# test's process group once timeout returns (a pid namespace's init
# cannot ignore SIGKILL from outside), and ignores the outer timeout's
# SIGTERM so that it gets there. timeout exits 137 when it had to send
# SIGKILL itself, which is a timeout too, but also when something else
# SIGKILLed the test (the OOM killer), which is not: the wrapper reports
# 137 as a timeout (124) only once the test's time is up.
ksft_fix_runner() {
	cat >"$1/ksft-timeout" <<'EOF_WRAPPER'
#!/bin/sh
t=$1
shift
trap '' TERM
start=$(date +%s)
/usr/bin/timeout -k 10 "$t" "$@" &
pid=$!
wait "$pid"
rc=$?
kill -9 "-$pid" 2>/dev/null
[ "$rc" -eq 137 ] && [ $(($(date +%s) - start)) -ge "$t" ] && rc=124
exit "$rc"
EOF_WRAPPER
	chmod +x "$1/ksft-timeout"
	# shellcheck disable=SC2016 # the runner's own $variables, literally
	sed -i "s|^\(\t\t\t\)/usr/bin/timeout \(\"\\\$kselftest_timeout\" \\\$1\)|\1$1/ksft-timeout \2|" \
		"$1/kselftest/runner.sh"
	# shellcheck disable=SC2016
	if ! grep -qF "$1/ksft-timeout \"\$kselftest_timeout\" \$1" "$1/kselftest/runner.sh"; then
		echo "kselftest/runner.sh: its timeout handling is not what ksft_fix_runner expects"
		return 1
	fi
}
