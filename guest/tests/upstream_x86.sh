#!/bin/sh
# Upstream's x86 selftests that reach the series' code, built from the same
# tree (tools/testing/selftests/x86), 64- and 32-bit: LDT switches across
# CPUs (ldt_gdt: the LDT read before loaded_mm names next), syscall and
# single-step entry and exit (ptrace_syscall, single_step_syscall,
# sysret_ss_attrs: the lazy return to user), and the vDSO remap
# (test_mremap_vdso). One TAP line per program; exit status: 1 if any
# failed, 4 if all skipped, else 0. A program that is missing fails: the
# build refused it, and it must not pass by absence.
dir=$LAZYMM_OUT/kselftest/x86
progs="ldt_gdt ptrace_syscall single_step_syscall sysret_ss_attrs test_mremap_vdso"
n=0 rc=0 ran=0
for p in $progs; do
	for bits in 64 32; do
		t=${p}_$bits
		n=$((n + 1))
		if [ ! -x "$dir/$t" ]; then
			echo "not ok $n $t # not built"
			rc=1
			continue
		fi
		timeout 300 "$dir/$t" >"/tmp/$t.out" 2>&1
		r=$?
		sed 's/^/# /' "/tmp/$t.out" | tail -n 20
		case $r in
		0) echo "ok $n $t"; ran=1 ;;
		4) echo "ok $n $t # SKIP $(tail -n 1 "/tmp/$t.out")" ;;
		124) echo "not ok $n $t # timed out after 300 s"; rc=1; ran=1 ;;
		*) echo "not ok $n $t # exit $r"; rc=1; ran=1 ;;
		esac
	done
done
[ $rc -eq 0 ] && [ $ran -eq 0 ] && rc=4
exit $rc
