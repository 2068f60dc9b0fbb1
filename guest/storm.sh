#!/bin/sh
# A stress-ng storm for the guest tests: storm.sh SECONDS INSTANCES STRESSOR...
# (e.g. storm.sh 30 4 fork vfork exec clone pthread). stress-ng refuses to
# run its exec stressor as root, so exec runs as uid 65534 in a second
# stress-ng. Fails if a stressor fails or was skipped. STORM_OPTS: more
# options for the root stress-ng (e.g. --mmap-bytes 8M).
secs=$1 inst=$2
shift 2
root="" user=""
for s in "$@"; do
	if [ "$s" = exec ]; then
		user="--exec $inst"
	else
		root="$root --$s $inst"
	fi
done
cd /tmp || exit 1
rc=0
if [ -n "$user" ]; then
	# shellcheck disable=SC2086 # word splitting builds the option list
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		stress-ng $user --timeout "$secs" --metrics-brief >/tmp/storm-user.log 2>&1 &
	upid=$!
fi
if [ -n "$root" ]; then
	# shellcheck disable=SC2086
	stress-ng $root ${STORM_OPTS:-} --timeout "$secs" --metrics-brief --verify \
		>/tmp/storm-root.log 2>&1 || rc=1
fi
if [ -n "$user" ]; then
	wait "$upid" || rc=1
fi
cat /tmp/storm-root.log /tmp/storm-user.log 2>/dev/null
if grep -q "skipping the stressor" /tmp/storm-root.log /tmp/storm-user.log 2>/dev/null; then
	echo "storm: a stressor was skipped"
	rc=1
fi
rm -f /tmp/storm-root.log /tmp/storm-user.log
exit $rc
