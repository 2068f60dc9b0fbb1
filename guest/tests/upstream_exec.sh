#!/bin/sh
# Upstream's exec selftests that replace an mm (exec_mmap(): the old mm
# goes lazy or dies while the CPU may still hold it), built from the same
# tree (tools/testing/selftests/exec). They write next to themselves and
# the root is read-only: run from a copy on the tmpfs /tmp. The
# binfmt_misc and BPF ones need what the guest config leaves out; they
# run in the distro lane (make kselftest-gate).
# The load_address.* programs, padded to 16 MB, are linked, not copied:
# they are only executed, and 9p reads are slow.
src=$LAZYMM_OUT/kselftest/exec
rm -rf /tmp/exec
mkdir /tmp/exec
for f in "$src"/*; do
	case ${f##*/} in
	load_address.*) ln -s "$f" /tmp/exec/ ;;
	*) cp -a "$f" /tmp/exec/ || exit 1 ;;
	esac
done
exec sh "$GUEST_DIR/run-progs.sh" /tmp/exec execveat non-regular null-argv \
	recursion-depth load_address.0x1000 load_address.0x200000 \
	load_address.0x1000000 load_address.static.0x1000 \
	load_address.static.0x200000 load_address.static.0x1000000
