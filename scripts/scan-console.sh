#!/usr/bin/env bash
# Scan a kernel console log for kernel reports (BUG, WARNING, Oops, KASAN,
# lockdep, RCU stalls, hung tasks, kmemleak, ...). Prints each report line
# with its line number and exits 1 if there is any, 0 if the log is clean.
# The patterns follow syzkaller's pkg/report/linux.go; known harmless lines
# are in the suppression list below.
#   scan-console.sh [--known FILE] CONSOLE_LOG
# It prints the first 40 report lines, or SCAN_MAX of them.
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

# One ERE per kind of report, each with its own fixture in tests/scanner/
# (report-NN-*.log, NN its index here) that no other pattern catches:
# the host tests drop each pattern in turn (SCAN_DROP=NN) and check that
# its fixture then scans clean. A kind that is always printed with
# another's headline (lockdep and RCU stalls with "WARNING:"/"INFO:",
# KFENCE, bad page state and soft lockups with "BUG:") needs no entry.
patterns=(
	'BUG:'				# 00 BUG(), page faults, KFENCE, soft lockup, ...
	'WARNING:'			# 01 WARN*(), lockdep, suspicious RCU usage
	'INFO:'				# 02 RCU stalls, hung tasks, NMI handler latency
	'Unable to handle kernel'	# 03 arm64/ppc faults (cross builds)
	'general protection fault'	# 04
	'stack segment: '		# 05
	'Kernel panic'			# 06
	'kernel BUG'			# 07 "kernel BUG at file:line!"
	'invalid opcode:'		# 08
	'divide error:'			# 09
	'UBSAN:'			# 10
	'Oops'				# 11
	'KASAN:'			# 12 null-ptr-deref range line of a GPF
	'list_del corruption'		# 13
	'list_add corruption'		# 14
	'unreferenced object'		# 15 kmemleak, per object
	'new suspected memory leaks'	# 16 kmemleak, summary
	'double fault'			# 17
	'segfault at .* in \[?vmlinux'	# 18
	'Watchdog detected hard LOCKUP'	# 19
	'BUG [-_.a-zA-Z0-9]+ \((Not t|T)ainted'	# 20 SLUB: "BUG kmalloc-64 (Not tainted): ..."
	'non-responsive CSD lock'	# 21 csd-lock watchdog
	'invoked oom-killer'		# 22
	'failed to report alive state'	# 23 AP bring-up (kernel/cpu.c)
	'do_boot_cpu failed'		# 24 AP bring-up (x86 smpboot)
	'lazy_mm_stall: .* not released'	# 25 the series' debug stall expired
)
if [ -n "${SCAN_DROP:-}" ]; then	# host tests only: see above
	unset "patterns[$((10#$SCAN_DROP))]"
fi
reports=$(IFS='|'; echo "${patterns[*]}")

# Lines that match a pattern above but are not kernel bugs.
suppress='INFO: lockdep is turned off|'
suppress+='RETBleed: WARNING|Spectre V2 : WARNING|WARNING: Spectre|'
suppress+='MDS CPU bug present|TAA CPU bug present|MMIO Stale Data CPU bug present|'
suppress+='ACPI: SLEEP INFO:'

# The harness's own console messages (guest/init.sh) are taken out of a
# line, not the line out of the scan: a report printed into the same
# line is still seen.
harness='lazymm: (test [-_.a-zA-Z0-9]+: (start|exit [0-9]+ after [0-9]+s)|kmemleak scan( done)?|mounting the results share failed \(try [0-9]+\))'

found=$(sed -E "s/$harness//g" "$log" | grep -naE -- "$reports" | grep -vaE -- "$suppress" || true)
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
	[ -z "$known_found" ] || printf '%s\n' "$known_found" | head -n "${SCAN_MAX:-40}"
fi
if [ -n "$found" ]; then
	printf '%s\n' "$found" | head -n "${SCAN_MAX:-40}"
	exit 1
fi
exit 0
