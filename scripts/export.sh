#!/usr/bin/env bash
# Write the commits of build/linux (base..HEAD) to patches/ as
# git format-patch files with stable numbering, and regenerate patches/series.
# The cover letter, patches/0000-cover-letter.mbox, is generated here from
# patches/cover-letter.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make tree' first"
recover_from_mutant
if tree_dirty; then
	git -C "$TREE" status --short --untracked-files=no | head -20 >&2
	die "$TREE has uncommitted changes; commit them first (git -C $TREE commit)"
fi
# patches/ may have moved on (a pull) since the tree was made from it:
# exporting now would overwrite those patches with the older tree.
if [ "$(cat "$STAMP" 2>/dev/null)" != "$(fingerprint_dir "$PATCHES")" ]; then
	die "patches/ changed since $TREE was made from it; exporting would overwrite
  those changes. Inspect with 'git diff patches/', then either commit the tree's
  work elsewhere and run 'make tree', or restore patches/ from git."
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
format_series "$tmp"
for f in "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -e "$f" ] || continue
	case ${f##*/} in 0000-*) ;; *) rm -f "$f" ;; esac
done
mkdir -p "$PATCHES"
cp "$tmp"/*.patch "$PATCHES"/ 2>/dev/null || true
for f in "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
	case ${f##*/} in 0000-*) ;; *) echo "${f##*/}" ;; esac
done >"$PATCHES/series"
fingerprint_dir "$PATCHES" >"$STAMP"

# The cover letter: git format-patch's, with subject and text taken from
# patches/cover-letter.txt (first line: the subject; then the body).
if [ -f "$PATCHES/cover-letter.txt" ]; then
	rm -rf "$tmp/cover" && mkdir "$tmp/cover"
	git -C "$TREE" -c core.abbrev=12 format-patch -q "${FORMAT_PATCH_OPTS[@]}" \
		--cover-letter -o "$tmp/cover" base..HEAD >/dev/null
	python3 - "$tmp/cover/0000-cover-letter.patch" "$PATCHES/cover-letter.txt" \
		"$PATCHES/0000-cover-letter.mbox" "$(git -C "$TREE" log -1 --format=%aD)" <<'PY'
import re, sys
cover, text, out, date = sys.argv[1:]
subject, _, body = open(text).read().partition("\n")
s = open(cover).read()
s = s.replace("*** SUBJECT HERE ***", subject.strip(), 1)
s = s.replace("*** BLURB HERE ***", body.strip("\n"), 1)
# The date of the newest patch, not of the export: stable across exports.
s = re.sub(r"^Date: .*$", "Date: " + date, s, count=1, flags=re.M)
open(out, "w").write(s)
PY
fi
log "exported $(wc -l <"$PATCHES/series") patches to patches/$BASE/"
# The models name code in the tree (model/code-lines.txt): say now, not in
# make check, if the series moved it.
if bash "$TOP/scripts/model.sh" --lines-only | grep '^FAIL'; then
	die "a model's code line is no longer in the tree: update model/code-lines.txt (and the model) to the code as it is now"
fi
