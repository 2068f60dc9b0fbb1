#!/usr/bin/env bash
# Host-side tests of the harness itself (no kernel needed). Prints
# PASS/FAIL lines like parse-results.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# Console scanner: fixtures named clean-*.log must scan clean, report-*.log
# must be flagged.
for f in "$top"/tests/scanner/clean-*.log "$top"/tests/scanner/report-*.log; do
	name=scanner:$(basename "$f" .log)
	"$top/scripts/scan-console.sh" "$f" >/dev/null
	rc=$?
	case $(basename "$f") in
	clean-*) want=0 ;;
	*) want=1 ;;
	esac
	if [ $rc -eq $want ]; then
		echo "PASS $name"
	else
		echo "FAIL $name (scanner exit $rc, expected $want)"
	fi
done

# Each pattern of the scanner has a fixture that it alone catches
# (report-NN-*.log): with pattern NN dropped (SCAN_DROP), it scans clean.
# So deleting any one pattern fails a case here.
sed -nE "s/^[[:space:]]*'.*'[[:space:]]*# ([0-9]{2})( .*)?$/\1/p" "$top/scripts/scan-console.sh" |
while read -r n; do
	f=$(find "$top/tests/scanner" -name "report-$n-*.log" | head -n 1)
	if [ -z "$f" ]; then
		echo "FAIL scanner:pattern-$n (no fixture tests/scanner/report-$n-*.log)"
	elif SCAN_DROP=$n "$top/scripts/scan-console.sh" "$f" >/dev/null; then
		echo "PASS scanner:pattern-$n alone catches $(basename "$f" .log)"
	else
		echo "FAIL scanner:pattern-$n (another pattern also catches $(basename "$f"))"
	fi
done

# The scanner's list of the base's own reports (tests/known/): known-clean-*
# fixtures scan clean with it, known-report-* are still flagged (another
# report beside the known ones, or a known headline from another caller).
for f in "$top"/tests/scanner/known-*.log; do
	name=scanner:$(basename "$f" .log)
	"$top/scripts/scan-console.sh" --known "$top/tests/known/7.3/xen-dom0.txt" "$f" >/dev/null
	rc=$?
	case $(basename "$f") in
	known-clean-*) want=0 ;;
	*) want=1 ;;
	esac
	if [ $rc -eq $want ]; then
		echo "PASS $name"
	else
		echo "FAIL $name (scanner --known exit $rc, expected $want)"
	fi
done

# The kselftest gate's comparison (kselftest-compare.py) on fixtures:
# each way a patched run can be worse than the base's fails it; the same
# run, and a report that differs only in CPU, PID and offsets, do not.
# compare NAME WANT ARGS...: kselftest-compare.py on the fixtures (ARGS
# name files in tests/kselftest-gate/fixtures/) must exit WANT.
compare() {
	local name=$1 want=$2 fx=$top/tests/kselftest-gate/fixtures rc a args=()
	shift 2
	for a in "$@"; do
		case $a in
		--*) args+=("$a") ;;
		*) args+=("$fx/$a") ;;
		esac
	done
	python3 "${COMPARE_ROOT:-$top}/scripts/kselftest-compare.py" --base "$fx/base.log" "${args[@]}" \
		--out "$(mktemp)" >/dev/null 2>&1
	rc=$?
	if [ $rc -eq "$want" ]; then
		echo "PASS kselftest-gate:$name"
	else
		echo "FAIL kselftest-gate:$name (exit $rc, expected $want)"
	fi
}
gate() {
	local name=$1 want=$2 patched=$3 pcon=$4 known=${5:-}
	compare "$name" "$want" --patched "$patched" --base-console base-console.log \
		--patched-console "$pcon" ${known:+--known "$known"}
}
gate same-run 0 same.log base-console.log known.txt
gate same-report-other-cpu 0 same.log same-console.log known.txt
gate both-fail-unexplained 1 same.log same-console.log
gate test-regression 1 test-regression.log same-console.log known.txt
gate test-timeout 1 test-timeout.log same-console.log known.txt
gate subtest-regression 1 subtest-regression.log same-console.log known.txt
gate guest-died 1 guest-died.log same-console.log known.txt
gate empty-log 1 empty.log same-console.log known.txt
gate new-console-report 1 same.log new-console.log known.txt
# A regression stands only if the patched kernel fails it again in a
# rerun, and the base in none or in half the reruns fewer.
rerun() {
	compare "$1" "$2" --patched test-regression.log --known known.txt \
		--rerun-base "$3" --rerun-patched "$4"
}
rerun rerun-nondeterministic-on-base 0 rerun-base-flaky.log rerun-patched-2of3.log
rerun rerun-base-always-passes 1 rerun-base-stable.log rerun-patched-2of3.log
rerun rerun-patched-much-worse 1 rerun-base-flaky.log rerun-patched-3of3.log
rerun rerun-not-reproduced 0 rerun-base-stable.log rerun-patched-0of3.log
# A subtest regression is judged by the reruns' counts of that subtest.
subrerun() {
	compare "$1" "$2" --patched subtest-regression.log --known known.txt \
		--rerun-base "$3" --rerun-patched "$4"
}
subrerun rerun-subtest-not-reproduced 0 rerun-sub-base-pass.log rerun-sub-patched-pass.log
subrerun rerun-subtest-reproduced 1 rerun-sub-base-pass.log rerun-sub-patched-fail.log
# run_vmtests.sh ends a failing program's line "# exit=1": the same subtest.
subrerun rerun-subtest-exit-note-reproduced 1 rerun-sub-base-pass.log rerun-sub-patched-fail-exit.log
# The reruns' list: a regressed test whole, a subtest of a test that did
# not regress as "test<TAB>subtest" (the guest runs an mm one alone).
fx=$top/tests/kselftest-gate/fixtures
for c in "test-regression:x86:ldt_gdt_64" \
	"subtest-regression:x86:ldt_gdt_64	LDT switch on another CPU"; do
	out=$(mktemp)
	python3 "$top/scripts/kselftest-compare.py" --base "$fx/base.log" \
		--patched "$fx/${c%%:*}.log" --known "$fx/known.txt" \
		--out /dev/null --regressions-out "$out" >/dev/null 2>&1
	if [ "$(cat "$out")" = "${c#*:}" ]; then
		echo "PASS kselftest-gate:rerun-list-${c%%:*}"
	else
		echo "FAIL kselftest-gate:rerun-list-${c%%:*} (got '$(cat "$out")')"
	fi
	rm -f "$out"
done
# The tests run on neither kernel are in the report, with why.
out=$(mktemp)
python3 "$top/scripts/kselftest-compare.py" --base "$top/tests/kselftest-gate/fixtures/base.log" \
	--patched "$top/tests/kselftest-gate/fixtures/same.log" \
	--known "$top/tests/kselftest-gate/fixtures/known.txt" \
	--not-run "$top/tests/kselftest-gate/not-run.txt" --out "$out" >/dev/null 2>&1
# shellcheck disable=SC2016 # the backquotes are markdown
if grep -qF -- '- `breakpoints:step_after_suspend_test`: suspends' "$out"; then
	echo "PASS kselftest-gate:not-run-listed"
else
	echo "FAIL kselftest-gate:not-run-listed"
fi
rm -f "$out"
# A collection that does not build is named with the package it lacks.
hint=$(bash -c '. "$1/scripts/lib.sh" && missing_pkg_hint "$2"' _ "$top" \
	"$top/tests/kselftest-gate/fixtures/build-no-libcap.log" 2>&1)
if [ "$hint" = ": needs libcap-dev" ]; then
	echo "PASS kselftest-gate:missing-package-named"
else
	echo "FAIL kselftest-gate:missing-package-named (got '$hint')"
fi
# test_and_mutants TEST GLOB: a host test (tests/...sh), then each tool
# mutant tests/broken/tools/GLOB run against it (tests/run-tool-mutant.sh).
test_and_mutants() {
	local m
	bash "$top/$1"
	for m in "$top"/tests/broken/tools/$2; do
		bash "$top/tests/run-tool-mutant.sh" "$m" bash "$top/$1"
	done
}
# How the gate keeps a guest run's results per collection, and its mutant.
test_and_mutants tests/kselftest-gate/split.sh "kselftest-split-*.patch"
# How the gate continues a collection a run did not finish, and its mutants.
test_and_mutants tests/kselftest-gate/resume.sh "kselftest-resume-*.patch"
# The gate's verdict on kept results: incomplete and stale collections,
# the reruns and their consoles; and its mutants.
test_and_mutants tests/kselftest-gate/report-only.sh "kselftest-gate-*.patch"
# How make tree and make export take back a tree that a killed make
# mutants left on a mutant, and its mutants.
test_and_mutants tests/tree/recover.sh "recover-*.patch"
# The series as make bisect-build reads it beside make mutants, and its mutant.
test_and_mutants tests/tree/series-head.sh "series-head-*.patch"
# make mutants' verdict on a mutant whose kernel build failed, and its mutant.
test_and_mutants tests/mutants/build-kill.sh "mutants-*.patch"
# The soak's table of KCSAN data races side by side, and its mutant.
test_and_mutants tests/soak/kcsan-table.sh "soak-*.patch"
# A collection the gate does not have is refused before anything is built.
if out=$(KSFT_COLLECTIONS="x86 sigaltstack" bash "$top/scripts/kselftest-gate.sh" 2>&1); then
	echo "FAIL kselftest-gate:unknown-collection-refused (exit 0)"
elif [[ $out == *"sigaltstack is not one of the gate's collections"* ]]; then
	echo "PASS kselftest-gate:unknown-collection-refused"
else
	echo "FAIL kselftest-gate:unknown-collection-refused (said: $out)"
fi

# Lint: every shell script of the harness is shellcheck clean.
if command -v shellcheck >/dev/null; then
	if out=$(shellcheck -x -P SCRIPTDIR "$top"/scripts/*.sh "$top"/tests/*.sh "$top"/tests/*/*.sh "$top"/guest/*.sh \
		"$top"/guest/tests/*.sh "$top"/.ci/run 2>&1); then
		echo "PASS shellcheck"
	else
		echo "FAIL shellcheck:"
		printf '%s\n' "$out" | head -n 30 | while IFS= read -r l; do echo "    $l"; done
	fi
else
	echo "SKIP shellcheck (not installed)"
fi

# The TCG lock-counting plugin and its symbolizer.
if [ -f "$top/tools/lockcount/Makefile" ]; then
	make -s -C "$top/tools/lockcount" test 2>&1 |
		sed -nE 's/^ok - (.*)/PASS lockcount:\1/p; s/^not ok - (.*)/FAIL lockcount:\1/p'
fi

# A scratch copy of the repository's PATHs (files or directories) with
# the mutant PATCH applied: prints its directory, or fails printing a
# FAIL line if PATCH does not apply.
#   mutant_tree PATCH PATH...
mutant_tree() {
	local m=$1 p tmp
	shift
	tmp=$(mktemp -d)
	for p in "$@"; do
		mkdir -p "$tmp/$(dirname "$p")"
		cp -r "$top/$p" "$tmp/$p"
	done
	if ! (cd "$tmp" && git apply "$m" 2>/dev/null); then
		rm -rf "$tmp"
		echo "FAIL mutant:$(basename "$m" .patch) (does not apply)"
		return 1
	fi
	echo "$tmp"
}

# The comparison's mutants (tests/broken/tools/kselftest-compare-*.patch),
# on a copy of scripts/: the gate case each names (Catcher:) must fail.
for m in "$top"/tests/broken/tools/kselftest-compare-*.patch; do
	name=$(basename "$m" .patch)
	catcher=$(sed -n 's/^Catcher: kselftest-gate://p' "$m")
	tmp=$(mutant_tree "$m" scripts) || { echo "$tmp"; continue; }
	# The catcher's own line above, run on the copy.
	line=$(grep -E "^(gate|rerun|subrerun) $catcher " "${BASH_SOURCE[0]}")
	if [ -n "$line" ] && COMPARE_ROOT=$tmp eval "$line" | grep -q "^FAIL kselftest-gate:$catcher"; then
		echo "PASS mutant:$name (killed by kselftest-gate:$catcher)"
	else
		echo "FAIL mutant:$name (survived: kselftest-gate:$catcher passed)"
	fi
	rm -rf "$tmp"
done

# The plugin's mutants (tests/broken/tools/lockcount-*.patch): each must
# make the case its Catcher: line names fail.
for m in "$top"/tests/broken/tools/lockcount-*.patch; do
	name=$(basename "$m" .patch)
	catcher=$(sed -n 's/^Catcher: lockcount://p' "$m")
	tmp=$(mutant_tree "$m" tools/lockcount) || { echo "$tmp"; continue; }
	rm -f "$tmp/tools/lockcount/liblockcount.so" "$tmp/tools/lockcount/tests/lockprog"
	if out=$(make -s -C "$tmp/tools/lockcount" test 2>&1 || true)
		[[ $out == *"not ok - $catcher  # "* ]]; then
		echo "PASS mutant:$name (killed by lockcount:$catcher)"
	else
		echo "FAIL mutant:$name (survived: lockcount:$catcher passed)"
	fi
	rm -rf "$tmp"
done

# The report generator and its modules, on fixture runs. A skip is a SKIP.
python3 "$top/tests/report/run_tests.py" 2>&1 |
	sed -nE 's/^ok - (.*) # SKIP (.*)/SKIP report:\1 (\2)/p; t; s/^ok - (.*)/PASS report:\1/p; s/^not ok - (.*)/FAIL report:\1/p'

# The report's mutants (tests/broken/tools/report-*.patch), on a copy of
# scripts/ and the plugin's symbolize.py: each makes its Catcher: case fail.
for m in "$top"/tests/broken/tools/report-*.patch; do
	name=$(basename "$m" .patch)
	catcher=$(sed -n 's/^Catcher: report://p' "$m")
	tmp=$(mutant_tree "$m" scripts tools/lockcount/symbolize.py) || { echo "$tmp"; continue; }
	if out=$(LAZYMM_ROOT=$tmp python3 "$top/tests/report/run_tests.py" 2>&1 || true)
		grep -qxF "not ok - $catcher" <<<"$out"; then
		echo "PASS mutant:$name (killed by report:$catcher)"
	else
		echo "FAIL mutant:$name (survived: report:$catcher passed)"
	fi
	rm -rf "$tmp"
done

# make's vCPU counts: within the guest kernels' NR_CPUS (per base), or
# refused with the reason before anything is built.
for base in 7.3 6.12; do
	max_cpus=$(BASE=$base && . "$top/scripts/lib.sh" && guest_nr_cpus)
	vcpus() { (BASE=$base && . "$top/scripts/lib.sh" && check_vcpu_counts "$@") 2>&1; }
	for bad in "$((max_cpus + 1))" 0 4x; do
		if out=$(vcpus 1 "$bad"); then
			echo "FAIL vcpu-counts[$base]: $bad vCPUs accepted (NR_CPUS=$max_cpus)"
		elif [[ $out != *"$bad"* ]]; then
			echo "FAIL vcpu-counts[$base]: $bad refused without naming it: $out"
		else
			echo "PASS vcpu-counts[$base]: $bad refused"
		fi
	done
	if out=$(vcpus 1 2 "$max_cpus"); then
		echo "PASS vcpu-counts[$base]: 1 2 $max_cpus accepted"
	else
		echo "FAIL vcpu-counts[$base]: 1 2 $max_cpus refused: $out"
	fi
done

# The result parser, on real guest runs kept as fixtures (tests/parse/RUN:
# console.log, TEST.rc/.log, expected.txt = "STATUS name" per case).
for d in "$top"/tests/parse/*/; do
	name=parse:$(basename "$d")
	tests=""
	for rc in "$d"*.rc; do
		t=${rc##*/}
		tests="$tests ${t%.rc}"
	done
	# shellcheck disable=SC2086 # one word per test name
	got=$("$top/scripts/parse-results.sh" "$d" --kunit x86_lazy_mm $tests |
		grep -E '^(PASS|FAIL|SKIP)' | cut -d' ' -f1-2)
	if [ "$got" = "$(cat "$d/expected.txt")" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name: got"
		printf '%s\n' "$got" | while IFS= read -r l; do echo "    $l"; done
	fi
done

# A skip not in the boot's list of expected skips is a failure; a listed
# one stays a skip.
# skip_case NAME ALLOWED-ERE WANT: parse the fixture with ALLOWED-ERE as
# the only expected skip; the case's line must start with WANT.
skip_case() {
	local skips got
	skips=$(mktemp)
	echo "$2" >"$skips"
	got=$("$top/scripts/parse-results.sh" "$top/tests/parse/kunit-missing-case" \
		--kunit x86_lazy_mm --skips "$skips" boot | grep last_mmput)
	rm -f "$skips"
	if [[ $got == "$3"* ]]; then
		echo "PASS parse:$1"
	else
		echo "FAIL parse:$1 (got: $got)"
	fi
}
skip_case "an unexpected skip fails" 'kunit:x86_lazy_mm\.xen_.*' \
	'FAIL kunit:x86_lazy_mm.last_mmput_shoots_down_lazy_cpus (unexpected skip'
skip_case "an expected skip stays a skip" 'kunit:x86_lazy_mm\.last_mmput_.*' \
	'SKIP kunit:x86_lazy_mm.last_mmput_shoots_down_lazy_cpus'

# A boot that stops before init inside KUnit is a hung test, reported with
# its last KUnit line; one that stops after KUnit finished is the TCG 9p
# hang, which run-vm.sh retries.
unfinished() { bash -c '. "$1/scripts/lib.sh" && kunit_unfinished "$2"' _ "$top" "$1"; }
last=$(unfinished "$top/tests/hang/console-kunit-hang.log")
if [[ $last == *"last_mmput_shoots_down_lazy_cpus: 3 threads"* ]]; then
	echo "PASS hang:a boot stopped inside KUnit is not retried"
else
	echo "FAIL hang:a boot stopped inside KUnit is not retried (got: $last)"
fi
if unfinished "$top/tests/hang/console-9p-hang.log" >/dev/null; then
	echo "FAIL hang:a boot stopped after KUnit finished is retried"
else
	echo "PASS hang:a boot stopped after KUnit finished is retried"
fi

# A second boot of the suite (under OVMF) keeps its cases apart by name.
d=$top/tests/parse/kunit-broken
got=$("$top/scripts/parse-results.sh" "$d" --kunit x86_lazy_mm --kunit-as kunit-efi boot |
	grep -c '^[A-Z]* kunit-efi:x86_lazy_mm\.')
if [ "$got" = 2 ] && ! "$top/scripts/parse-results.sh" "$d" --kunit x86_lazy_mm \
	--kunit-as kunit-efi boot | grep -q ' kunit:'; then
	echo "PASS parse:kunit-as names the cases of a second boot"
else
	echo "FAIL parse:kunit-as names the cases of a second boot ($got cases named kunit-efi:)"
fi

# A model's -D switch names its code line (model/code-lines.txt); with the
# line gone or out of order, model.sh's code_missing says so.
code_missing() {
	bash -c '. "$1/scripts/lib.sh" && TREE=$2 &&
		eval "$(sed -n "/^code_missing() {/,/^}/p" "$1/scripts/model.sh")" &&
		code_missing lazy_mm.pml UNUSE_READ_EARLY' _ "$top" "$1"
}
tmp=$(mktemp -d)
mkdir -p "$tmp/kernel"
unuse() {
	printf '%s\n' 'void kthread_unuse_mm(struct mm_struct *mm)' "$@" >"$tmp/kernel/kthread.c"
}
unuse '	local_irq_disable();' '	tsk->mm = NULL;' '	enter_lazy_tlb(mm, tsk);' \
	'		bool dead = !atomic_read(&mm->mm_users);' '	local_irq_enable();'
in_order=$(BASE=7.3 code_missing "$tmp")
unuse '		bool dead = !atomic_read(&mm->mm_users);' '	local_irq_disable();' \
	'	tsk->mm = NULL;' '	enter_lazy_tlb(mm, tsk);' '	local_irq_enable();'
moved=$(BASE=7.3 code_missing "$tmp")
rm -rf "$tmp"
if [ -z "$in_order" ] && [[ $moved == "kernel/kthread.c: not found in order: bool dead"* ]]; then
	echo "PASS model:a switch's code line out of order is found"
else
	echo "FAIL model:a switch's code line out of order is found (in order: '$in_order'; moved: '$moved')"
fi

# The mails send-dry-run.sh checks (check-mails.py) on tests/mails/: the
# good series passes (a context line with trailing whitespace is upstream's,
# not ours), and each way a mail can be wrong fails it.
mails() {
	local name=$1 want=$2 edit=$3 file=$4 tmp rc
	tmp=$(mktemp -d)
	cp "$top"/tests/mails/*.patch "$tmp"/
	case $edit in
	'') ;;
	drop) rm "$tmp/$file" ;;
	*) python3 -c "import sys; p=sys.argv[1]; s=open(p).read(); exec(sys.argv[2]); open(p,'w').write(s)" \
		"$tmp/$file" "$edit" ;;
	esac
	python3 "$top/scripts/check-mails.py" "$tmp"/*.patch >/dev/null
	rc=$?
	rm -rf "$tmp"
	if [ $rc -eq "$want" ]; then
		echo "PASS mails:$name"
	else
		echo "FAIL mails:$name (check-mails.py exit $rc, expected $want)"
	fi
}
p1=0001-mm-Add-a-thing.patch
p2=0002-x86-mm-Use-the-thing.patch
mails good 0 '' ''
mails signed-off-by 1 's = s.replace("correct.\n---", "correct.\n\nSigned-off-by: A Person <a@example.org>\n---")' $p1
mails no-cc 1 's = s.replace("Cc: linux-kernel@vger.kernel.org\n", "")' $p2
mails numbering 1 's = s.replace("[PATCH 2/2]", "[PATCH 1/2]")' $p2
mails missing-patch 1 'drop' $p2
mails trailing-space-message 1 's = s.replace("Use it.", "Use it. ")' $p2
mails trailing-space-added 1 's = s.replace("+int use = thing;", "+int use = thing; ")' $p2
