#!/bin/sh
# EFI runtime calls racing process exits: write, read back and delete an
# EFI variable through efivarfs (SetVariable, GetVariable,
# GetNextVariableName from the efi_rts_wq worker) in a loop, while fork,
# exec and thread storms run on every vCPU. Needs a boot under OVMF.
vars=/sys/firmware/efi/efivars
if [ ! -d "$vars" ] || ! grep -q efivarfs /proc/mounts; then
	echo "not booted under EFI firmware (no efivarfs)"
	exit 4
fi
set -e
secs=${lazymm_efi_seconds:-30}
n=$(nproc)
var=$vars/LazyMmTest-8be4df61-93ca-11d2-aa0d-00e098032b8c
cd /tmp
stress-ng --fork "$n" --exec "$n" --pthread "$n" --timeout "$secs" --quiet &
stress=$!
end=$(($(date +%s) + secs))
i=0
while [ "$(date +%s)" -lt "$end" ]; do
	# 4 bytes of attributes (NV|BS|RT), then the value.
	printf '\007\000\000\000lazy-mm-%d' "$i" >"$var"
	got=$(tail -c +5 "$var")
	if [ "$got" != "lazy-mm-$i" ]; then
		echo "read back '$got', wrote 'lazy-mm-$i'"
		exit 1
	fi
	ls "$vars" >/dev/null
	i=$((i + 1))
done
chattr -i "$var" 2>/dev/null || true
rm -f "$var"
wait "$stress"
echo "RESULT efi_variable_rounds $i"
echo "ok"
