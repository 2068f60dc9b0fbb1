#!/usr/bin/env python3
"""Check a series' mails before they are sent: check-mails.py MAIL...

MAIL is the cover letter (0000-*) and the patches, in order, as
git format-patch writes them. Each mail must have
  - Subject: [PATCH n/N], n its place in the series (00 for the cover
    letter) and N the number of patches, the same in every mail;
  - a To: and a Cc: header;
  - no Signed-off-by: or other tag naming a person (the sender adds
    their own);
  - no trailing whitespace in what the series writes: the message, and
    the lines a patch adds.
Prints one line per problem and exits 1 if there is any."""
import email.parser
import re
import sys

TAGS = re.compile(r"^(Signed-off-by|Co-developed-by|Reviewed-by|Acked-by|"
                  r"Tested-by|Reported-by|Suggested-by):", re.I | re.M)
SUBJECT = re.compile(r"^\[PATCH (\d+)/(\d+)\] \S")


def check(paths):
    problems = []
    total = None
    for i, path in enumerate(paths):
        name = path.rsplit("/", 1)[-1]
        text = open(path, encoding="utf-8").read()
        head, _, body = text.partition("\n\n")
        msg = email.parser.Parser().parsestr(head + "\n\n", headersonly=True)
        subject = " ".join((msg["Subject"] or "").split())
        m = SUBJECT.match(subject)
        if not m:
            problems.append(f"{name}: subject is not '[PATCH n/N] ...': {subject!r}")
        else:
            n, count = int(m.group(1)), int(m.group(2))
            width = len(m.group(2))
            if total is None:
                total = count
            if count != total:
                problems.append(f"{name}: [PATCH {m.group(1)}/{m.group(2)}] in a series of {total}")
            if n != i or len(m.group(1)) != width:
                problems.append(f"{name}: numbered {m.group(1)}, is mail {i:0{width}d} of the series")
        for h in ("To", "Cc"):
            if not (msg[h] or "").strip():
                problems.append(f"{name}: no {h}: header")
        # The message ends at the first '---' line (or at the diff).
        message, sep, diff = body.partition("\n---\n")
        for tag in TAGS.finditer(message):
            problems.append(f"{name}: {tag.group(0)} in the message: the sender adds their own tags")
        for n_line, line in enumerate(message.split("\n"), 1):
            # "-- " opens a signature: its space is the standard.
            if line != line.rstrip() and line != "-- ":
                problems.append(f"{name}: trailing whitespace in message line {n_line}")
        for line in diff.split("\n"):
            if line.startswith("+") and not line.startswith("+++") and line != line.rstrip():
                problems.append(f"{name}: trailing whitespace in an added line: {line.strip()[:60]!r}")
    if total is not None and total != len(paths) - 1:
        problems.append(f"the mails say {total} patches, there are {len(paths) - 1} and a cover letter")
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: check-mails.py COVER PATCH...")
    problems = check(sys.argv[1:])
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(sys.argv) - 1} mails checked: numbering, To:/Cc:, no tags, no trailing whitespace")
    return 0


if __name__ == "__main__":
    sys.exit(main())
