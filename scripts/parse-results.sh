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
	# KTAP from the console: the cases are the indented result lines inside
	# "# Subtest: SUITE", e.g. "[    4.2] x    ok 1 case_name".
	cases=$(tr -d '\r' <"$console" | sed -E 's/^\[ *[0-9.]+\] //' |
		awk -v s="$kunit" '
			$0 ~ "# Subtest: " s "$" { on = 1; next }
			on && /^(not )?ok [0-9]+ / { on = 0 }
			on && /^ +(not )?ok [0-9]+ / { print }')
	# The suite's plan ("    1..N" after its Subtest line): a case that
	# never reported (the guest died in it) is a failure too.
	plan=$(tr -d '\r' <"$console" | sed -E 's/^\[ *[0-9.]+\] //' |
		awk -v s="$kunit" '
			$0 ~ "# Subtest: " s "$" { on = 1; next }
			on && /^ +1\.\.[0-9]+$/ { sub(/^ +1\.\./, ""); print; exit }')
	reported=$(grep -c . <<<"$cases")
	if [ -n "$cases" ] && [ -n "$plan" ] && [ "$reported" -lt "$plan" ]; then
		echo "FAIL $kunit_as:$kunit (plan of $plan cases, $reported reported: the guest stopped in one)"
	elif [ -n "$cases" ] && [ -z "$plan" ]; then
		echo "FAIL $kunit_as:$kunit (no plan line: cannot tell whether a case is missing)"
	fi
	if [ -z "$cases" ]; then
		echo "FAIL $kunit_as:$kunit (the suite did not run or printed no results)"
	else
		while IFS= read -r line; do
			name=$(sed -E 's/^ +(not )?ok [0-9]+ //; s/ # .*//' <<<"$line")
			case $line in
			*'not ok'*) echo "FAIL $kunit_as:$kunit.$name" ;;
			*'# SKIP'*) echo "SKIP $kunit_as:$kunit.$name (${line##*# SKIP })" ;;
			*) echo "PASS $kunit_as:$kunit.$name" ;;
			esac
		done <<<"$cases"
	fi
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
