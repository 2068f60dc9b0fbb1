#!/usr/bin/env bash
# Scan a kernel console log for kernel reports (BUG, WARNING, Oops, KASAN,
# lockdep, RCU stalls, hung tasks, kmemleak, ...). Prints each report line
# with its line number and exits 1 if there is any, 0 if the log is clean.
# The patterns follow syzkaller's pkg/report/linux.go; known harmless lines
# are in the suppression list below.
#   scan-console.sh [--known FILE] CONSOLE_LOG
# --known FILE: reports the unpatched base prints too (tests/known/), one
# per line: an ERE for the report's headline, then optionally a tab and
# an ERE that one line of the report's body (up to its "end trace" or 60
# lines) must match, e.g. a call-trace frame. Matching reports are
# printed as "known: ..." and do not fail the scan; any other does.
set -euo pipefail

known=""
if [ "${1:-}" = --known ]; then
	known=${2:?--known needs a file}
	shift 2
	[ -r "$known" ] || { echo "scan-console: cannot read $known" >&2; exit 2; }
fi
log=${1:?usage: scan-console.sh [--known FILE] CONSOLE_LOG}
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
if [ -n "$known" ] && [ -n "$found" ]; then
	# Each report line "N:text" is known if an entry's headline matches it
	# and its body pattern (if any) matches a line of the report after N.
	found=$(printf '%s\n' "$found" | awk -v known="$known" -v logf="$log" '
		# known_at(i, n): entry i matches the report whose headline is line n.
		function known_at(i, n,   j) {
			if (line[n] !~ head[i])
				return 0
			if (body[i] == "")
				return 1
			for (j = n + 1; j <= nl && j <= n + 60; j++) {
				if (line[j] ~ body[i])
					return 1
				if (line[j] ~ /---\[ end trace/)
					return 0
			}
			return 0
		}
		BEGIN {
			while ((getline l < known) > 0) {
				if (l ~ /^#/ || l ~ /^[ \t]*$/)
					continue
				split(l, f, "\t")
				head[++k] = f[1]
				body[k] = f[2]
			}
			while ((getline l < logf) > 0)
				line[++nl] = l
		}
		{
			n = $0
			sub(/:.*/, "", n)
			for (i = 1; i <= k; i++)
				if (known_at(i, n + 0))
					break
			print (i <= k ? "K" : "U") "\t" $0
		}')
	known_found=$(sed -n 's/^K\t/known: /p' <<<"$found")
	found=$(sed -n 's/^U\t//p' <<<"$found")
	[ -z "$known_found" ] || printf '%s\n' "$known_found" | head -n 40
fi
if [ -n "$found" ]; then
	printf '%s\n' "$found" | head -n 40
	exit 1
fi
exit 0
