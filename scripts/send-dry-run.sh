#!/usr/bin/env bash
# What `git send-email` would send for the chosen base's series, without
# sending anything.
# 1. writes the cover letter and the patches of patches/BASE/ to
#    build/BASE/send/ with mail headers: To: SEND_TO (default the x86 and
#    mm lists), Cc: what the tree's scripts/get_maintainer.pl names for
#    each patch (maintainers, reviewers and lists; --no-git, so no
#    git-blame names; --no-keywords, whose matches here are context lines),
#    and for the cover letter all of them;
# 2. checks every mail (check-mails.py): [PATCH n/N] numbering, To: and Cc:,
#    no Signed-off-by: or other tag, no trailing whitespace;
# 3. runs git send-email --dry-run over them: build/BASE/report/send-dry-run.txt.
# Sending stays with you: git send-email --from="You <you@...>" build/BASE/send/*
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

# git-email leaves Mail::Address (libmailtools-perl) to Recommends.
need_pkgs git-email libmailtools-perl
[ -d "$TREE/.git" ] || die "no kernel tree; run 'make tree' first"
mapfile -t patches < <(series_files)
[ ${#patches[@]} -gt 0 ] || die "patches/$BASE/series lists no patches"
cover=$PATCHES/0000-cover-letter.mbox
[ -f "$cover" ] || die "no $cover; run 'make export'"
# get_maintainer.pl reads MAINTAINERS from the tree: it must hold this series.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
format_series "$tmp"
for p in "${patches[@]}"; do
	cmp -s "$p" "$tmp/${p##*/}" ||
		die "$TREE does not hold patches/$BASE/ (${p##*/} differs); run 'make tree' or 'make export'"
done

to=${SEND_TO:-x86@kernel.org, linux-mm@kvack.org}
from=${SEND_FROM:-$(sed -n 's/^From: //p;/^$/q' "${patches[0]}")}
out=$BUILD/send
report=$BUILD/report/send-dry-run.txt
rm -rf "$out"
mkdir -p "$out" "$BUILD/report"

# The addresses get_maintainer.pl gives for the patches named, one per
# line, without those already in To:.
maintainers() {
	(cd "$TREE" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats --no-keywords "$@") |
		grep -vixF -f <(tr ',' '\n' <<<"$to" | sed 's/^ *//;s/ *$//')
}

# add_headers IN OUT CC...: IN with To: and Cc: after its Subject.
add_headers() {
	local in=$1 out=$2
	shift 2
	python3 - "$in" "$out" "$to" "$@" <<'PY'
import sys
src, dst, to, *cc = sys.argv[1:]
head, sep, body = open(src).read().partition("\n\n")
head += "\nTo: " + to + "\nCc: " + ",\n ".join(cc)
open(dst, "w").write(head + sep + body)
PY
}

all_cc=()
for p in "${patches[@]}"; do
	mapfile -t cc < <(maintainers "$p")
	[ ${#cc[@]} -gt 0 ] || die "get_maintainer.pl names nobody for ${p##*/}"
	add_headers "$p" "$out/${p##*/}" "${cc[@]}"
done
mapfile -t all_cc < <(maintainers "${patches[@]}")
add_headers "$cover" "$out/0000-cover-letter.patch" "${all_cc[@]}"

mails=("$out/0000-cover-letter.patch")
for p in "${patches[@]}"; do mails+=("$out/${p##*/}"); done
python3 "$TOP/scripts/check-mails.py" "${mails[@]}" || die "the mails in $out fail the checks above"

# --suppress-cc: only the To:/Cc: headers written above, not addresses
# taken from the author or tags in the messages. Its warnings go apart, so
# that they cannot split the lines counted below. (git 2.39 prints an
# empty MAIL FROM in a dry run, and warns about it; the From: is right.)
if ! git -C "$TREE" send-email --dry-run --confirm=never --from="$from" \
	--suppress-cc=author --suppress-cc=self --suppress-cc=body \
	--8bit-encoding=UTF-8 "${mails[@]}" >"$report" 2>"$report.stderr"; then
	tail -20 "$report.stderr" >&2
	die "git send-email --dry-run failed (see $report and $report.stderr)"
fi
sent=$(grep -c '^Dry-OK\. Log says:' "$report" || true)
[ "$sent" -eq ${#mails[@]} ] ||
	die "git send-email --dry-run would send $sent of ${#mails[@]} mails (see $report)"
log "dry run: ${#mails[@]} mails to $to, Cc ${#all_cc[@]} addresses on the cover letter: $report"
log "to send them: git send-email --from=\"You <you@example.org>\" $out/*.patch"
