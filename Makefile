# x86 "no task active_mm" series: build, boot, test and measure it.
#   make          the main job: base and patched kernels, boot, benchmarks,
#                 build/BASE/report/report.md
#   make check    the tests: debug kernel (KASAN, lockdep, DEBUG_VM) at
#                 -smp 4, selftests, KUnit, stress, console scan
#   make help     every target, from README.md's table
# See README.md for the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := all

.PHONY: all help check tree export checkpatch host-tests kernel-base kernel-patched prove-red \
	kernel-debug kernel-base-debug kernel-distro-debug kernel-base-distro-debug bench bench-quick report sparse htmldocs bisect-build \
	cross-build soak xen-dom0 count-ab model mutants kselftest-gate send-dry-run check-riscv count-riscv

all: report

# README.md's table of targets, as text: one list to keep current.
help:
	@sed -n '/^## Targets/,/^## /{s/^| \(`make [^|]*\)| \(.*\) |$$/\1\n      \2/p}' README.md | tr -d '`'

# The main job: A/B of base and patched, written to build/BASE/report/report.md.
report:
	bash scripts/main.sh

bench-quick:
	QUICK=1 bash scripts/main.sh

check:
	bash scripts/check.sh

# The series on riscv64 (7.3): the riscv debug kernel, cross-built, booted
# at -smp 4 on QEMU's virt machine with KUnit, selftests and the console scan.
check-riscv: tree
	bash scripts/check-riscv.sh

# The mm_count atomics on riscv64's switch path, base against patched.
count-riscv: tree
	bash scripts/count-riscv.sh

# build/linux: base commit + one commit per patch of patches/.
tree:
	bash scripts/tree.sh

# Write the commits of build/linux back to patches/.
export:
	bash scripts/export.sh

checkpatch: tree
	bash scripts/checkpatch.sh

host-tests: tree
	bash scripts/host-tests.sh

# Explicit targets: make applies no pattern rule to a .PHONY target.
kernel-base kernel-patched kernel-debug kernel-base-debug kernel-distro-debug kernel-base-distro-debug: tree
	bash scripts/build-kernel.sh $(@:kernel-%=%)

# Upstream's kselftests (x86, mm, exec, ... from each tree) with
# run_kselftest.sh in base-distro-debug and distro-debug, side by side:
# build/BASE/report/kselftest-gate.md; fails on a pass on base that does not
# pass on patched, a new console report, or an unexplained failure on both.
# KSFT_COLLECTIONS="x86 exec" runs a subset.
kselftest-gate: tree
	bash scripts/kselftest-gate.sh

# Prove the tests can fail: make check on the series plus a broken patch
# from tests/broken/ must fail. make prove-red BROKEN=skip-shootdown
prove-red:
	bash scripts/prove-red.sh $(BROKEN)

# Every mutant in tests/broken/ on top of the series, each run against the
# tests that should catch it: build/BASE/report/mutants.md; fails if one survives.
# make mutants MUTANTS="name ..." for some of them; MUTANT_RUNS=10 boots
# each 10 times, and a kill counts only if every run kills it.
mutants:
	bash scripts/mutants.sh $(MUTANTS)

# The Promela models of the shootdown protocol, checked exhaustively by spin:
# the fixed protocol clean, each hole put back (-D) with a counterexample.
model:
	bash scripts/model.sh

# sparse on the C files the series touches: what the series adds (base vs patched).
sparse:
	bash scripts/sparse.sh

# Documentation/mm built with Sphinx; fails on warnings from the series' files.
htmldocs: tree
	bash scripts/htmldocs.sh

# Build every prefix of the series (bisectability); BISECT_CONFIG=debug for
# the debug options too; BISECT_BOOT=1 also boots each one and runs the
# boot and fork/exit smoke tests.
bisect-build: tree
	bash scripts/bisect-build.sh $(BISECT_CONFIG)

# The series as mails (To:/Cc: from get_maintainer.pl), checked and run
# through git send-email --dry-run; nothing is sent.
send-dry-run: tree
	bash scripts/send-dry-run.sh

# Cross-build base and patched for arm64 and ppc64le; the series must not
# change them (same .config, identical .text).
cross-build: tree
	bash scripts/cross-build.sh $(CROSS_ARCHES)

# Count-only A/B (TCG plugin) of two kernels built under build/BASE/out/, e.g.
# two prefixes of the series: make count-ab BEFORE=dir AFTER=dir NAME=name
# [SD_SWEEP="1 2 4"] (the shootdown runs of make too) [SCALE_SWEEP="2 4 8"
# SCALE_RUNS=3] (make's transfers per operation against vCPUs)
count-ab:
	bash scripts/count-ab.sh $(BEFORE) $(AFTER) $(NAME)

# Trinity, stress-ng, hotplug, fail-nth and EFI on the debug kernels, then
# leak checks. SOAK_MINUTES=30 SOAK_VARIANTS="base-debug debug" SOAK_SEED=N
soak:
	bash scripts/soak.sh

# The patched kernel as a Xen PV dom0 under QEMU TCG, with exit storms.
xen-dom0:
	bash scripts/xen-dom0.sh
