#!/bin/sh
# Upstream's x86 selftests that reach the series' code, built from the same
# tree (tools/testing/selftests/x86), 64- and 32-bit: LDT switches across
# CPUs (ldt_gdt: the LDT read before loaded_mm names next), syscall and
# single-step entry and exit (ptrace_syscall, single_step_syscall,
# sysret_ss_attrs: the lazy return to user), and the vDSO remap
# (test_mremap_vdso).
progs=""
for p in ldt_gdt ptrace_syscall single_step_syscall sysret_ss_attrs test_mremap_vdso; do
	progs="$progs ${p}_64 ${p}_32"
done
# shellcheck disable=SC2086 # one word per program
exec sh "$GUEST_DIR/run-progs.sh" "$LAZYMM_OUT/kselftest/x86" $progs
