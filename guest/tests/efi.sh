#!/bin/sh
# EFI runtime calls racing process exits: tools/guest/efistress writes,
# reads back and deletes an EFI variable, runs statfs (QueryVariableInfo)
# and reads every variable (GetVariable) through efivarfs, in a loop from
# one process, so every call goes through the efi_rts_wq worker and its
# switch to efi_mm and back, while fork, exec and thread storms run on
# every vCPU. Needs a boot under OVMF. LAZYMM_EFI_NO_STRESS=1: no storms
# of its own (the soak runs its own).
vars=/sys/firmware/efi/efivars
if [ ! -d "$vars" ] || ! grep -q efivarfs /proc/mounts; then
	echo "not booted under EFI firmware (no efivarfs)"
	exit 4
fi
secs=${lazymm_efi_seconds:-30}
n=$(nproc)
cd /tmp || exit 1
stress=""
if [ "${LAZYMM_EFI_NO_STRESS:-0}" != 1 ]; then
	sh "$GUEST_DIR/storm.sh" "$secs" "$n" fork exec pthread >/tmp/efi-storm.log 2>&1 &
	stress=$!
fi
"$GUEST_DIR/../tools/guest/efistress" "$secs" "$vars"
rc=$?
if [ -n "$stress" ] && ! wait "$stress"; then
	cat /tmp/efi-storm.log
	rc=1
fi
exit $rc
