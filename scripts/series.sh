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

# make mutants puts one mutant at a time on top of the series in $TREE and
# records that in MUTANT_MARK ("PID SERIES_HEAD"), removed once the tree is
# back on the series. A run that was killed (SIGKILL, a lost session)
# leaves the mark and the mutant behind: take the tree back to the series
# before anything reads it, so that make export never writes a mutant into
# patches/. Only the mutant's own commit is dropped, and only if the tree
# is exactly series + that one DO NOT MERGE commit, with nothing
# uncommitted; otherwise say what to do.
MUTANT_MARK=$TREE/.git/lazymm-mutant
recover_from_mutant() {
	local pid head subject
	[ -f "$MUTANT_MARK" ] || return 0
	read -r pid head <"$MUTANT_MARK"
	if [ "$pid" != "$$" ] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'mutants\.sh'; then
		die "make mutants (pid $pid) has a mutant on $TREE; wait for it or stop it"
	fi
	git -C "$TREE" am --abort >/dev/null 2>&1 || true
	subject=$(git -C "$TREE" log -1 --format=%s)
	if [ "$(git -C "$TREE" rev-parse HEAD)" = "$head" ]; then
		:
	elif [ "$(git -C "$TREE" rev-parse -q --verify HEAD~1)" = "$head" ] &&
		[[ $subject == "DO NOT MERGE:"* ]] && ! tree_dirty; then
		log "an interrupted make mutants left '$subject' on $TREE: back to the series"
		git -C "$TREE" reset -q --hard "$head"
	else
		die "an interrupted make mutants left $TREE off the series it started from
  ($head), with other changes since. Take your work out of it, then
  git -C $TREE reset --hard $head && rm $MUTANT_MARK"
	fi
	rm -f "$MUTANT_MARK"
}

# The series' last commit in $TREE: HEAD, or its parent while make mutants
# has its one DO NOT MERGE commit on top. Read in one git call, so that a
# mutant put on between two reads cannot be taken for part of the series
# (make bisect-build reads the series beside a make mutants that started
# after its make tree).
series_head() {
	local head parent subject
	read -r head parent subject < <(git -C "$TREE" log -1 --format='%H %P %s' HEAD)
	if [[ $subject == "DO NOT MERGE:"* ]]; then
		echo "$parent"
	else
		echo "$head"
	fi
}
