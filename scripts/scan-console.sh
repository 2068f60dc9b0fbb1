#!/usr/bin/env bash
# Scan a kernel console log for kernel reports (BUG, WARNING, Oops, KASAN,
# lockdep, RCU stalls, hung tasks, kmemleak, ...). Prints each report line
# with its line number and exits 1 if there is any, 0 if the log is clean.
# The patterns follow syzkaller's pkg/report/linux.go; known harmless lines
# are in the suppression list below.
set -euo pipefail

log=${1:?usage: scan-console.sh CONSOLE_LOG}
[ -r "$log" ] || { echo "scan-console: cannot read $log" >&2; exit 2; }

reports='BUG:|WARNING:|INFO:|Unable to handle kernel|general protection fault|'
reports+='stack segment: |Kernel panic|kernel BUG|invalid opcode:|divide error:|'
reports+='UBSAN:|Oops|KASAN:|KFENCE:|list_del corruption|list_add corruption|'
reports+='possible recursive locking|inconsistent lock state|circular locking|'
reports+='suspicious RCU usage|unreferenced object|new suspected memory leaks|'
reports+='detected stalls? on CPU|self-detected stall|blocked for more than|'
reports+='double fault|Bad page state|segfault at .* in \[?vmlinux'

# Lines that match a pattern above but are not kernel bugs.
suppress='INFO: lockdep is turned off|'
suppress+='RETBleed: WARNING|Spectre V2 : WARNING|WARNING: Spectre|'
suppress+='MDS CPU bug present|TAA CPU bug present|MMIO Stale Data CPU bug present|'
suppress+='ACPI: SLEEP INFO:|lazymm: '

found=$(grep -naE -- "$reports" "$log" | grep -vaE -- "$suppress" || true)
if [ -n "$found" ]; then
	printf '%s\n' "$found" | head -n 40
	exit 1
fi
exit 0
