#!/bin/sh
# EFI runtime calls racing process exits: write, read back and delete an
# EFI variable through efivarfs (SetVariable, GetVariable,
# GetNextVariableName from the efi_rts_wq worker) in a loop, while fork,
# exec and thread storms run on every vCPU; between writes, statfs on
# efivarfs (QueryVariableInfo) and reads of every variable (GetVariable).
# Needs a boot under OVMF. LAZYMM_EFI_NO_STRESS=1: no storms of its own
# (the soak runs its own).
vars=/sys/firmware/efi/efivars
if [ ! -d "$vars" ] || ! grep -q efivarfs /proc/mounts; then
	echo "not booted under EFI firmware (no efivarfs)"
	exit 4
fi
set -e
secs=${lazymm_efi_seconds:-30}
n=$(nproc)
# A private vendor GUID: names under the global EFI GUID are checked
# against a list of known variables.
var=$vars/LazyMmTest-3cf7d5e1-6a56-4c36-8a1c-71e7d2f0a1b2
cd /tmp
stress=""
if [ "${LAZYMM_EFI_NO_STRESS:-0}" != 1 ]; then
	stress-ng --fork "$n" --exec "$n" --pthread "$n" --timeout "$secs" --quiet &
	stress=$!
fi
end=$(($(date +%s) + secs))
i=0 calls=0
while [ "$(date +%s)" -lt "$end" ]; do
	# 4 bytes of attributes (NV|BS|RT), then the value, in one write():
	# efivarfs takes a variable whole, and printf may write in pieces.
	printf '\007\000\000\000lazy-mm-%d' "$i" >/tmp/efivar
	# efivarfs makes variables it does not know immutable once created.
	[ ! -e "$var" ] || chattr -i "$var"
	dd if=/tmp/efivar of="$var" bs=4k conv=notrunc status=none
	got=$(dd if="$var" bs=4k status=none | tail -c +5)
	if [ "$got" != "lazy-mm-$i" ]; then
		echo "read back '$got', wrote 'lazy-mm-$i'"
		exit 1
	fi
	# One runtime call each: QueryVariableInfo, then GetVariable per file.
	for _ in 1 2 3 4 5 6 7 8; do
		stat -f "$vars" >/dev/null
		calls=$((calls + 1))
	done
	for f in "$vars"/*; do
		cat "$f" >/dev/null 2>&1 && calls=$((calls + 1))
	done
	i=$((i + 1))
done
chattr -i "$var" 2>/dev/null || true
rm -f "$var"
[ -z "$stress" ] || wait "$stress"
echo "RESULT efi_variable_rounds $i"
echo "RESULT efi_read_calls $calls"
echo "ok"
