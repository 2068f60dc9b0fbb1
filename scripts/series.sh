# shellcheck shell=bash disable=SC2034
# Helpers shared by tree.sh and export.sh: how a series is fingerprinted.
# Sourced after lib.sh.

STAMP=$TREE/.git/lazymm-series	# fingerprint of patches/ the tree was made from

# format-patch options; fixed so that apply + export round-trips byte for byte.
FORMAT_PATCH_OPTS=(--zero-commit --no-signature --numbered)

# Write base..HEAD of the tree as patch files into $1.
format_series() {
	mkdir -p "$1"
	git -C "$TREE" -c core.abbrev=12 format-patch -q "${FORMAT_PATCH_OPTS[@]}" \
		-o "$1" base..HEAD >/dev/null
}

# Fingerprint of the numbered patches in a directory (the cover letter,
# 0000-*, is written by hand and not part of the tree).
fingerprint_dir() {
	local f
	for f in "$1"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$f" ] || continue
		case ${f##*/} in 0000-*) continue ;; esac
		printf '%s\n' "${f##*/}"
		cat "$f"
	done | sha256sum | cut -d' ' -f1
}

fingerprint_tree() {
	local tmp fp
	tmp=$(mktemp -d)
	format_series "$tmp"
	fp=$(fingerprint_dir "$tmp")
	rm -rf "$tmp"
	echo "$fp"
}

tree_dirty() {
	[ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]
}

# The patches of patches/series, in order, as paths.
series_files() {
	local p
	[ -f "$PATCHES/series" ] || return 0
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		[ -f "$PATCHES/$p" ] || die "patches/series names $p, which does not exist"
		printf '%s\n' "$PATCHES/$p"
	done <"$PATCHES/series"
}
