#!/bin/sh
# Upstream's exec selftests that replace an mm (exec_mmap(): the old mm
# goes lazy or dies while the CPU may still hold it), built from the same
# tree (tools/testing/selftests/exec). They write next to themselves and
# the root is read-only: run from a copy on the tmpfs /tmp. The
# binfmt_misc and BPF ones need what the guest config leaves out; they
# run in the distro lane (make kselftest-gate).
rm -rf /tmp/exec
cp -a "$LAZYMM_OUT/kselftest/exec" /tmp/exec || exit 1
exec sh "$GUEST_DIR/run-progs.sh" /tmp/exec execveat non-regular null-argv \
	recursion-depth load_address.0x1000 load_address.0x200000 \
	load_address.0x1000000 load_address.static.0x1000 \
	load_address.static.0x200000 load_address.static.0x1000000
