#!/usr/bin/env bash
# The harness's own C (plugin, benchmarks, guest tools) in kernel style,
# by the tree's checkpatch: one PASS/FAIL line per file. Usage: TREE.
# Not applicable to userspace: externs and typedefs (the QEMU plugin API
# is declared here, not included), BIT() and the compiler.h attribute
# macros (no kernel headers), and '(' ending the line that opens a
# multi-line asm block.
set -euo pipefail
TREE=$1
cd "$(dirname "$0")/.."
for f in tools/lockcount/lockcount.c tools/lockcount/tests/lockprog.c \
	tools/bench/lazybench.c tools/guest/efistress.c tools/guest/failnth.c; do
	if out=$("$TREE/scripts/checkpatch.pl" --no-tree --strict -q \
		--ignore AVOID_EXTERNS,NEW_TYPEDEFS,BIT_MACRO,PREFER_DEFINED_ATTRIBUTE_MACRO,OPEN_ENDED_LINE \
		-f "$f" 2>&1); then
		echo "PASS checkpatch:$f"
	else
		echo "FAIL checkpatch:$f"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
	fi
done
