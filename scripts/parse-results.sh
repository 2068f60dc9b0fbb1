#!/usr/bin/env bash
# Turn one guest run (build/BASE/runs/RUN) into test case results, one per line:
#   PASS <name> | FAIL <name> [why] | SKIP <name> [why]
# Sources: each TEST.log/TEST.rc from the guest (a kselftest's TAP lines
# count as one case each), the KUnit KTAP lines on the console (with
# --kunit SUITE, named "kunit:SUITE.case"; --kunit-as NAME names them
# "NAME:SUITE.case", for a second boot of the same suite), and one
# "console" case from the console scanner (--known FILE: reports the base
# prints too, listed but not failed; see scan-console.sh).
# --skips FILE: the skips this boot may have, one ERE per line matched
# against the whole case name; any other SKIP is reported as a FAIL (a
# guest that brought up one CPU skips every case, and must not be green).
set -uo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

run=${1:?usage: parse-results.sh RUN_DIR [--kunit SUITE] [--kunit-as NAME] [--known FILE] TEST...}
run=${run%/}
shift
kunit="" kunit_as=kunit known=() skips=""
while :; do
	case ${1:-} in
	--kunit) kunit=$2 ;;
	--kunit-as) kunit_as=$2 ;;
	--known) known=(--known "$2") ;;
	--skips) skips=$2 ;;
	*) break ;;
	esac
	shift 2
done
console=$run/console.log

parse() {
for t in "$@"; do
	logf=$run/$t.log
	if [ ! -f "$run/$t.rc" ]; then
		echo "FAIL $t (no result: the guest died or timed out before it finished)"
		continue
	fi
	rc=$(cat "$run/$t.rc")
	# TAP lines of kselftests: "ok 3 name", "not ok 3 name", "ok 3 name # SKIP why".
	tap=$(grep -aE '^(not )?ok [0-9]+ ' "$logf" 2>/dev/null || true)
	if [ -n "$tap" ]; then
		fails=0
		while IFS= read -r line; do
			name=$(sed -E 's/^(not )?ok [0-9]+ (- )?//; s/ # .*//' <<<"$line")
			case $line in
			not\ ok*) echo "FAIL $t: $name"; fails=$((fails + 1)) ;;
			*'# SKIP'* | *'# skip'*) echo "SKIP $t: $name (${line##*# [Ss][Kk][Ii][Pp]})" ;;
			*) echo "PASS $t: $name" ;;
			esac
		done <<<"$tap"
		if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ $fails -eq 0 ]; then
			echo "FAIL $t (exit status $rc, see $logf)"
		fi
		continue
	fi
	case $rc in
	0) echo "PASS $t" ;;
	4) echo "SKIP $t ($(tail -n 1 "$logf"))" ;;
	124 | 137) echo "FAIL $t (timed out in the guest, see $logf)" ;;
	*) echo "FAIL $t (exit status $rc, see $logf)" ;;
	esac
done

if [ -n "$kunit" ]; then
	# KTAP from the console, read by the kernel's own parser (kunit.py
	# parse, from the tree of this base). A case that never reported, as
	# when the guest died in it, comes back from it unnamed.
	kunit_py=$TREE/tools/testing/kunit/kunit.py
	[ -f "$kunit_py" ] || die "$kunit_py is missing: make tree first"
	json=$(mktemp)
	# Its exit status says whether the suite passed; the JSON says how.
	tr -d '\r' <"$console" | python3 "$kunit_py" parse --json="$json" >/dev/null 2>&1
	python3 - "$json" "$kunit" "$kunit_as" "$console" <<'PY'
import json
import re
import sys

path, suite, name_as, console = sys.argv[1:]
try:
    with open(path) as f:
        top = json.load(f)
except (OSError, ValueError):
    top = {}


def groups(g):
    for sub in g.get("sub_groups", []):
        if sub.get("name") == suite:
            yield sub
        yield from groups(sub)


found = list(groups(top))
if not found:
    print(f"FAIL {name_as}:{suite} (the suite did not run or printed no results)")
    sys.exit()
cases = found[0]["test_cases"]
named = [c for c in cases if c["name"]]
if len(named) < len(cases):
    print(f"FAIL {name_as}:{suite} ({len(cases)} cases planned, {len(named)} "
          "reported: the guest stopped in one)")
# kunit.py keeps no skip reason: take it from the case's own result line.
with open(console, errors="replace") as f:
    text = f.read().replace("\r", "")
why = dict(re.findall(r"^.*?\bok \d+ (\S+) # SKIP ?(.*)$", text, re.M))
for c in named:
    full = f"{name_as}:{suite}.{c['name']}"
    if c["status"] == "PASS":
        print(f"PASS {full}")
    elif c["status"] == "SKIP":
        print(f"SKIP {full} ({why.get(c['name'], 'no reason given')})")
    else:
        print(f"FAIL {full}")
PY
	rm -f "$json"
fi

}

# A skip not in the --skips list is a failure.
parse "$@" | while IFS= read -r line; do
	case $line in
	SKIP\ *)
		name=${line#SKIP }
		name=${name%% (*}
		if [ -n "$skips" ] && ! grep -qxEf <(grep -v '^#' "$skips") <<<"$name"; then
			echo "FAIL $name (unexpected skip${line#SKIP "$name"}; the expected ones: ${skips##*/})"
			continue
		fi
		;;
	esac
	printf '%s\n' "$line"
done

if report=$("$here/scan-console.sh" "${known[@]}" "$console"); then
	if [ -z "$report" ]; then
		echo "PASS console[${run##*/}]: no kernel reports"
	else
		echo "PASS console[${run##*/}]: only reports the base prints too (${known[1]#"${here%scripts}"}):"
		printf '%s\n' "$report" | while IFS= read -r l; do echo "    $l"; done
	fi
else
	echo "FAIL console[${run##*/}]: kernel reports in $console:"
	printf '%s\n' "$report" | while IFS= read -r l; do echo "    $l"; done
fi
