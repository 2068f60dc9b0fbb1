#!/usr/bin/env bash
# Make build/BASE/linux: a git tree with the pristine base as tag "base" and
# the series from patches/BASE/ applied on top, one commit per patch.
#
# Refuses to touch a tree that holds work not yet in patches/ (uncommitted
# changes, or commits that differ from patches/): export it first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

# A base from another Debian suite (BASE_SUITE): fetched with a private apt
# configuration (fetch_suite_deb, lib.sh), then dpkg -x under build/BASE/.
fetch_base_package() {
	local deb
	log "fetching $BASE_PACKAGE=$BASE_VERSION from $BASE_SUITE"
	deb=$(fetch_suite_deb "$BASE_SUITE" "$BASE_PACKAGE" "$BASE_VERSION")
	rm -rf "$BUILD/base-package"
	dpkg-deb -x "$deb" "$BUILD/base-package"
	dpkg-deb -f "$deb" Version >"$BUILD/base-package/version"
}

check_base_package() {
	local have
	if [ -n "$BASE_SUITE" ]; then
		have=$(cat "$BUILD/base-package/version" 2>/dev/null || true)
		if [ "$have" != "$BASE_VERSION" ] || [ ! -f "$BASE_TARBALL" ]; then
			need_pkgs "${BUILD_PKGS[@]}"
			fetch_base_package
		fi
		return 0
	fi
	have=$(dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null || true)
	if [ -z "$have" ] || [ ! -f "$BASE_TARBALL" ]; then
		need_pkgs "${BUILD_PKGS[@]}"
		log "installing $BASE_PACKAGE=$BASE_VERSION"
		apt-get install -y --no-install-recommends "$BASE_PACKAGE=$BASE_VERSION" \
			>"$LOGS/apt-base.log" 2>&1 ||
			die "cannot install $BASE_PACKAGE=$BASE_VERSION (see $LOGS/apt-base.log)"
		have=$(dpkg-query -W -f='${Version}' "$BASE_PACKAGE")
	fi
	if [ "$have" != "$BASE_VERSION" ]; then
		die "$BASE_PACKAGE $have is installed but the series is pinned to $BASE_VERSION.
  Install the pinned one:  apt-get install $BASE_PACKAGE=$BASE_VERSION
  or build on $have anyway (patches may not apply):  BASE_VERSION=$have make ..."
	fi
}

# Refuse to lose work in an existing tree.
check_tree_safe() {
	if tree_dirty; then
		git -C "$TREE" status --short --untracked-files=no | head -20 >&2
		die "$TREE has uncommitted changes. Commit them there and run 'make export',
  or discard them yourself (git -C $TREE checkout -- .) if they are not wanted."
	fi
	local made_from current
	made_from=$(cat "$STAMP" 2>/dev/null || echo none)
	current=$(fingerprint_tree)
	if [ "$current" != "$made_from" ]; then
		git -C "$TREE" log --oneline base..HEAD >&2
		die "$TREE has commits that are not in patches/ (above). Run 'make export'
  to write them to patches/, or reset the tree yourself if they are not wanted."
	fi
}

extract_base() {
	log "extracting $BASE_TARBALL ($BASE_VERSION) into $TREE"
	mkdir -p "$TREE"
	tar -xf "$BASE_TARBALL" -C "$TREE" --strip-components=1
	git -C "$TREE" init -q -b master
	git -C "$TREE" config core.abbrev 12
	# Commits made in the tree carry the series' identity, as the patches
	# do, whatever the machine's own git identity is (or if it has none).
	git -C "$TREE" config user.name "lazy-mm series"
	git -C "$TREE" config user.email "lazy-mm@localhost"
	git -C "$TREE" add -A -f .
	git -C "$TREE" commit -q -m "base: $BASE_PACKAGE $BASE_VERSION"
	git -C "$TREE" tag base
	echo "$BASE_VERSION" >"$TREE/.git/lazymm-base-version"
}

# The tree's commits that are already the first patches of patches/ are
# kept, so that a change at the end of the series does not touch (and
# rebuild) everything: print how many.
common_prefix() {
	local tmp n=0 f
	tmp=$(mktemp -d)
	format_series "$tmp"
	while read -r f; do
		[ -n "$f" ] || continue
		n=$((n + 1))
		cmp -s "$f" "$(ls "$tmp"/"$(printf '%04d' "$n")"-*.patch 2>/dev/null)" || { n=$((n - 1)); break; }
	done < <(series_files)
	rm -rf "$tmp"
	echo "$n"
}

apply_series() {
	local p n=0 keep target=base
	keep=$(common_prefix)
	[ "$keep" -gt 0 ] && target=$(git -C "$TREE" rev-list --reverse base..HEAD | sed -n "${keep}p")
	git -C "$TREE" reset -q --hard "$target"
	while read -r p; do
		[ -n "$p" ] || continue
		if [ $n -lt "$keep" ]; then
			n=$((n + 1))
			continue
		fi
		if ! git -C "$TREE" am -q "$p" >"$LOGS/git-am.log" 2>&1; then
			git -C "$TREE" am --abort >/dev/null 2>&1 || true
			git -C "$TREE" reset -q --hard base
			cat "$LOGS/git-am.log" >&2
			die "patch ${p##*/} does not apply to $BASE_PACKAGE $BASE_VERSION (failing hunk above)"
		fi
		n=$((n + 1))
	done < <(series_files)
	fingerprint_dir "$PATCHES" >"$STAMP"
	log "tree ready: base + $n patches"
}

# Before there were two bases, the 6.12 tree was build/linux.
if [ -d "$BUILD_ROOT/linux/.git" ] && [ ! -d "$TREE/.git" ]; then
	die "$BUILD_ROOT/linux is a 6.12 tree from before BASE= (now build/6.12/linux).
  Move it, with its worktrees, if it holds work you want:
    mkdir -p $BUILD_ROOT/6.12 && mv $BUILD_ROOT/linux $BUILD_ROOT/6.12/linux && git -C $BUILD_ROOT/6.12/linux worktree prune
  or move it out of the way (mv $BUILD_ROOT/linux $BUILD_ROOT/linux.old)."
fi
check_base_package
if [ -d "$TREE/.git" ]; then
	recover_from_mutant
	tree_version=$(cat "$TREE/.git/lazymm-base-version" 2>/dev/null || echo unknown)
	check_tree_safe
	if [ "$tree_version" != "$BASE_VERSION" ]; then
		die "$TREE was made from $tree_version, not $BASE_VERSION.
  It holds no unexported work; move it away (mv $TREE $TREE.old) and run again."
	fi
	if [ "$(cat "$STAMP")" = "$(fingerprint_dir "$PATCHES")" ]; then
		log "tree up to date with patches/ ($(git -C "$TREE" rev-list --count base..HEAD) patches)"
		exit 0
	fi
	log "patches/ changed; re-applying the series"
else
	extract_base
fi
apply_series
