#!/usr/bin/env bash
# make host-tests: the harness's host-side tests alone (tests/run-host-tests.sh
# and the checkpatch of its C, which make check runs too), with the packages
# they need. Ends with "N passed, M failed"; exits non-zero if a case failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_pkgs "${TEST_PKGS[@]}"
results=$BUILD/host-test-results.txt
mkdir -p "$BUILD"
bash "$TOP/tests/run-host-tests.sh" | tee "$results"
# The harness's C in kernel style, as make check has it.
bash "$TOP/tests/checkpatch-harness.sh" "$TREE" | tee -a "$results"
passed=$(grep -c '^PASS' "$results" || true)
failed=$(grep -c '^FAIL' "$results" || true)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
