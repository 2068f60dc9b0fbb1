#!/usr/bin/env bash
# Show that the tests can fail: put a deliberately broken patch from
# tests/broken/ on top of the series, run make check, and expect it to
# fail. patches/BASE/ and build/BASE/linux are restored afterwards.
#   prove-red.sh NAME   (tests/broken/BASE/NAME.patch)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

name=${1:?usage: prove-red.sh NAME (one of: $(cd "$BROKEN" && ls))}
patch=$BROKEN/$name.patch
[ -f "$patch" ] || die "no $patch"
git -C "$TOP" diff --quiet -- patches ||
	die "patches/ has uncommitted changes; commit them first"
restore() {
	git -C "$TOP" checkout -q -- patches
	rm -f "$PATCHES/9999-$name.patch"
	# Drop our own throwaway commit, and only that, from the tree. The
	# subject as git am made it: mailinfo unfolds a long Subject header.
	if [ "$(git -C "$TREE" log -1 --format=%s)" = "$(git mailinfo /dev/null /dev/null <"$patch" | sed -n 's/^Subject: //p')" ]; then
		git -C "$TREE" reset -q --hard HEAD~1
		fingerprint_dir "$PATCHES" >"$STAMP"
	fi
	bash "$TOP/scripts/tree.sh" >/dev/null
}
trap restore EXIT
bash "$TOP/scripts/tree.sh" >/dev/null
cp "$patch" "$PATCHES/9999-$name.patch"
echo "9999-$name.patch" >>"$PATCHES/series"
log "make check with tests/broken/$BASE/$name.patch on top of the series"
if bash "$TOP/scripts/check.sh" 2>&1 | tee "$LOGS/prove-red-$name.log"; then
	die "make check PASSED with $name applied: the tests did not catch it"
fi
log "make check failed, as it must (log: $LOGS/prove-red-$name.log)"
