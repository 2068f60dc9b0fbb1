#!/usr/bin/env bash
# make check (host tests): build_log_is_kill (scripts/lib.sh), make
# mutants' verdict on a mutant whose kernel build failed: a compile or
# configure error is a kill, a build that never got to the kernel is not.
#   build-kill.sh [ROOT]   (ROOT: whose scripts/lib.sh; the repository's,
#   or a mutant's copy, tests/run-tool-mutant.sh)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-$top}

# kill_case NAME WANT LOG-TEXT: WANT is "kill" or "not-run".
kill_case() {
	local name=mutants:build-kill-$1 want=$2 tmp got
	tmp=$(mktemp -d)
	printf '%s\n' "$3" >"$tmp/build.log"
	if bash -c '. "$1/scripts/lib.sh"; build_log_is_kill "$2" debug' _ "$root" "$tmp/build.log"; then
		got="kill"
	else
		got="not-run"
	fi
	rm -rf "$tmp"
	if [ "$got" = "$want" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name (want $want, got $got)"
	fi
}

kill_case compile kill "../../linux/arch/x86/mm/tlb.c:419:24: error: 'struct task_struct' has no member named 'active_mm'
make[1]: *** [Makefile:236: __sub-make] Error 2
error: building debug failed (full log: build/6.12/logs/build-debug.log)"
kill_case configure kill "error: command failed: kmake ../linux out olddefconfig (full log: build/logs/config-debug.log)"
kill_case apt not-run "error: apt-get install ccache failed, see build/logs/apt-install.log"
kill_case other-variant not-run "error: building riscv-debug failed (full log: build/logs/build-riscv-debug.log)"
