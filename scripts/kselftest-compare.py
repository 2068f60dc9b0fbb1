#!/usr/bin/env python3
"""Compare two runs of upstream's kselftests (run_kselftest.sh output),
base against patched, and write the table the gate reports.

  kselftest-compare.py --base LOG --patched LOG
                       [--base-console C --patched-console C]
                       [--known FILE] [--not-run FILE] [--title T]
                       [--rerun-base LOG --rerun-patched LOG]
                       [--regressions-out FILE] --out REPORT.md

A test is a run_kselftest.sh entry (collection:program); a subtest is a
TAP line one level inside it. Exit status 1 when any of these holds:
  - a test or subtest passes on base and does not pass on patched (fails,
    times out, skips, or never ran: the guest died);
  - a test that fails or times out on both kernels has no cause in
    --known (lines "collection:program<TAB>cause");
  - a kernel report on the patched console that the base console does not
    show (compared by headline, with CPU, PID, addresses and offsets
    taken out);
  - either log has no test at all.
--not-run (same format) lists the tests the guest ran on neither kernel,
with why; the report gives them.

A test can pass on base, or fail on patched, by luck.
--rerun-base/--rerun-patched are logs of each regressed test run N times
more on each kernel. A regression then stands only if the patched kernel
fails it again in a rerun, and either the base fails it in none or the
patched kernel fails it in more than N/2 reruns more than the base. Else
it is reported, with both counts, as nondeterministic on base or as not
reproduced, and does not fail the gate. --regressions-out writes the regressed tests, one per
line, for the caller to rerun, and each regressed subtest of a test that
did not regress as "test<TAB>subtest".
Exit status 2: bad usage or unreadable input.
"""
import argparse
import os
import re
import subprocess
import sys

TOP = re.compile(r'^(not )?ok \d+ selftests: (\S+): (\S+)(?: # (.*))?$')
# One level inside a test: run_kselftest.sh prefixes its output with "# ".
SUB = re.compile(r'^# (not )?ok \d+ (.*?)(?: # (SKIP|XFAIL|TODO)\b.*)?$')
HEAD = re.compile(r'^# selftests: (\S+): (\S+)$')

PASS, SKIP, XFAIL, FAIL, TIMEOUT, MISSING = (
    'pass', 'skip', 'xfail', 'FAIL', 'TIMEOUT', 'not run')
GOOD = (PASS, XFAIL)
BAD = (FAIL, TIMEOUT)


def parse(path):
    """{test: status}, {(test, subtest): status} from one run's log."""
    tests, subs = {}, {}
    for t, st in parse_runs(path, tests, subs):
        pass
    return tests, subs


def runs(path):
    """{key: [status, ...]} over a log that runs tests more than once; a
    key is a test or a (test, subtest)."""
    seen = {}
    if path:
        for k, st in parse_runs(path, {}, {}):
            seen.setdefault(k, []).append(st)
    return seen


def parse_runs(path, tests, subs):
    """Fill tests and subs (the last status of each), yielding every
    (key, status) in the order of the log."""
    cur, seen = None, {}
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = HEAD.match(line)
            if m:
                cur, seen = '%s:%s' % m.groups(), {}
                continue
            m = TOP.match(line)
            if m:
                notok, coll, prog, note = m.groups()
                note = note or ''
                if notok:
                    st = TIMEOUT if note.startswith('TIMEOUT') else FAIL
                elif note.startswith('SKIP'):
                    st = SKIP
                elif note.startswith('XFAIL'):
                    st = XFAIL
                else:
                    st = PASS
                tests['%s:%s' % (coll, prog)] = st
                yield '%s:%s' % (coll, prog), st
                cur = None
                continue
            m = SUB.match(line)
            if m and cur:
                notok, name, directive = m.groups()
                # What follows " # " is a directive or a note, not the
                # name: run_vmtests.sh's failures end "# exit=1".
                name = re.sub(r'\s+', ' ', name.split(' # ')[0]).strip()
                # A name printed twice in one program is told apart by
                # its occurrence.
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > 1:
                    name = '%s (#%d)' % (name, seen[name])
                if directive == 'SKIP':
                    st = SKIP
                elif directive == 'XFAIL' or directive == 'TODO':
                    st = XFAIL
                else:
                    st = FAIL if notok else PASS
                subs[(cur, name)] = st
                yield (cur, name), st


NORMALISE = [
    (re.compile(r'^\d+:'), ''),                     # scan-console's line number
    (re.compile(r'^\[\s*\d+\.\d+\]\s*'), ''),       # printk time
    (re.compile(r'\b(CPU|PID|pid|cpu):? *\d+'), r'\1 N'),
    (re.compile(r'\+0x[0-9a-f]+/0x[0-9a-f]+'), ''),  # symbol offsets
    (re.compile(r'\b(0x)?[0-9a-f]{8,}\b'), 'ADDR'),
    (re.compile(r'\b[a-zA-Z_./-]+:\d+\b(?= blocked)'), 'TASK'),
    (re.compile(r'\d+'), 'N'),
]


def reports(console, scan):
    """The set of normalised report headlines on a console."""
    if not console:
        return set()
    r = subprocess.run(['bash', scan, console], capture_output=True,
                       text=True, env=dict(os.environ, SCAN_MAX='100000'))
    if r.returncode not in (0, 1):
        sys.exit('kselftest-compare: %s' % r.stderr.strip())
    out = set()
    for line in r.stdout.splitlines():
        for rx, rep in NORMALISE:
            line = rx.sub(rep, line)
        out.add(line.strip())
    return out


def causes(path):
    """{test: why} from lines "collection:program<TAB>why"."""
    found = {}
    if path:
        with open(path) as f:
            for line in f:
                if line.strip() and not line.startswith('#'):
                    k, _, why = line.rstrip('\n').partition('\t')
                    found[k.strip()] = why.strip()
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', required=True)
    ap.add_argument('--patched', required=True)
    ap.add_argument('--base-console')
    ap.add_argument('--patched-console')
    ap.add_argument('--known')
    ap.add_argument('--not-run')
    ap.add_argument('--rerun-base')
    ap.add_argument('--rerun-patched')
    ap.add_argument('--regressions-out')
    ap.add_argument('--title', default='Upstream kselftests, base against patched')
    ap.add_argument('--preamble', default='', help='markdown put under the title')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    if bool(a.rerun_base) != bool(a.rerun_patched):
        print('kselftest-compare: --rerun-base and --rerun-patched go together',
              file=sys.stderr)
        sys.exit(2)
    for p in (a.base, a.patched, a.base_console, a.patched_console, a.known,
              a.not_run, a.rerun_base, a.rerun_patched):
        if p and not os.access(p, os.R_OK):
            print('kselftest-compare: cannot read %s' % p, file=sys.stderr)
            sys.exit(2)
    known = causes(a.known)
    not_run = causes(a.not_run)

    bt, bs = parse(a.base)
    pt, ps = parse(a.patched)
    scan = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'scan-console.sh')
    brep = reports(a.base_console, scan)
    prep = reports(a.patched_console, scan)

    problems = []
    if not bt:
        problems.append('the base log has no test result: %s' % a.base)
    if not pt:
        problems.append('the patched log has no test result: %s' % a.patched)

    rows, regressions, unexplained, both = [], [], [], []
    for t in sorted(set(bt) | set(pt)):
        b, p = bt.get(t, MISSING), pt.get(t, MISSING)
        note = ''
        if b in GOOD and p not in GOOD:
            note = 'REGRESSION'
            regressions.append(t)
        elif b in BAD and p in BAD:
            if t in known:
                note = 'both: ' + known[t]
                both.append((t, b, p, known[t]))
            else:
                note = 'both, cause not listed'
                unexplained.append(t)
        elif b not in GOOD and p in GOOD:
            note = 'passes on patched only'
        elif b != p:
            note = 'differs'
        rows.append((t, b, p, note))
    subreg = sorted(k for k in set(bs) | set(ps)
                    if bs.get(k, MISSING) in GOOD and ps.get(k, MISSING) not in GOOD)
    newrep = sorted(prep - brep)

    # Reruns: a regression stays one unless the base is nondeterministic
    # on it (see the docstring).
    rb, rp = runs(a.rerun_base), runs(a.rerun_patched)
    flaky = {}

    def counts(k):
        b, p = rb.get(k, []), rp.get(k, [])
        return (sum(1 for s in b if s not in GOOD), len(b),
                sum(1 for s in p if s not in GOOD), len(p))

    def nondeterministic(k):
        bf, bn, pf, pn = counts(k)
        if bn and pn and (pf == 0 or (bf > 0 and pf - bf <= pn // 2)):
            flaky[k] = (bf, bn, pf, pn)
            return True
        return False
    if a.regressions_out:
        # What a guest never ran (it died) is not rerun: the gate fails
        # on the guest's death anyway. A test that regressed is rerun
        # whole; a subtest of a test that did not, as "test<TAB>subtest"
        # (the guest runs an mm subtest, a program of run_vmtests.sh,
        # alone).
        ran = set(t for t in regressions if pt.get(t, MISSING) != MISSING)
        subs = set('%s\t%s' % k for k in subreg
                   if k[0] not in ran and pt.get(k[0], MISSING) != MISSING)
        with open(a.regressions_out, 'w') as f:
            f.write(''.join('%s\n' % t for t in sorted(ran | subs)))
    def why(k):
        return 'not reproduced' if flaky[k][2] == 0 else 'nondeterministic on base'

    regressions = [t for t in regressions if not nondeterministic(t)]
    subreg = [k for k in subreg if not nondeterministic(k)]
    for i, r in enumerate(rows):
        if r[0] in flaky:
            rows[i] = r[:3] + ('%s: FAIL in %d of %d base reruns, %d of %d patched'
                               % ((why(r[0]),) + flaky[r[0]]),)

    def name(k):
        return '`%s`' % k if isinstance(k, str) else '`%s` / `%s`' % k

    def rerun_note(k):
        if k not in rb and k not in rp:
            return ''
        return '; reruns: FAIL in %d of %d on base, %d of %d on patched' % counts(k)

    def count(d, st):
        return sum(1 for v in d.values() if v == st)

    out = ['# %s' % a.title, '']
    if a.preamble:
        out += [a.preamble, '']
    out += ['| | base | patched |', '|---|---|---|']
    for st in (PASS, XFAIL, SKIP, FAIL, TIMEOUT):
        out.append('| %s | %d | %d |' % (st, count(bt, st), count(pt, st)))
    out.append('| subtests passed | %d | %d |' % (count(bs, PASS), count(ps, PASS)))
    out.append('| kernel report headlines | %d | %d |' % (len(brep), len(prep)))
    out += ['', 'Regressions (pass on base, not on patched): %d tests, %d subtests.'
            % (len(regressions), len(subreg)),
            'Not a regression on rerun (not reproduced, or nondeterministic on base): %d.'
            % len(flaky),
            'Failing on both kernels: %d, %d of them without a listed cause.'
            % (len(both) + len(unexplained), len(unexplained)),
            'New kernel reports on the patched console: %d.' % len(newrep), '']
    if regressions or subreg:
        out += ['## Regressions', '']
        out += ['- `%s`: base %s, patched %s%s' % (t, bt.get(t, MISSING), pt.get(t, MISSING),
                                                   rerun_note(t))
                for t in regressions]
        out += ['- `%s` / `%s`: base %s, patched %s%s'
                % (k[0], k[1], bs.get(k, MISSING), ps.get(k, MISSING), rerun_note(k))
                for k in subreg]
        out.append('')
    if flaky:
        out += ['## Not a regression on rerun', '',
                'Passed on base and failed on patched in the gate run, but when each '
                'was run again the patched kernel passed it every time (not reproduced), '
                'or the base failed it too (nondeterministic on base):', '',
                '| test | | base reruns failed | patched reruns failed |',
                '|---|---|---|---|']
        out += ['| %s | %s | %d of %d | %d of %d |' % ((name(k), why(k)) + flaky[k])
                for k in sorted(flaky, key=str)]
        out.append('')
    if newrep:
        out += ['## Kernel reports only the patched console shows', '']
        out += ['- `%s`' % r for r in newrep]
        out.append('')
    if not_run:
        out += ['## Not run on either kernel', '']
        out += ['- `%s`: %s' % kv for kv in sorted(not_run.items())]
        out.append('')
    if both or unexplained:
        out += ['## Failing on both kernels', '',
                '| test | base | patched | cause |', '|---|---|---|---|']
        out += ['| `%s` | %s | %s | %s |' % x for x in both]
        out += ['| `%s` | %s | %s | **not listed** |' % (t, bt[t], pt[t])
                for t in unexplained]
        out.append('')
    out += ['## Every test', '', '| test | base | patched | note |',
            '|---|---|---|---|']
    out += ['| `%s` | %s | %s | %s |' % r for r in rows]
    with open(a.out, 'w') as f:
        f.write('\n'.join(out) + '\n')

    for t in regressions:
        problems.append('regression: %s passes on base, %s on patched' % (t, pt.get(t, MISSING)))
    for k in subreg:
        problems.append('regression: %s / %s passes on base, %s on patched'
                        % (k[0], k[1], ps.get(k, MISSING)))
    for t in unexplained:
        problems.append('%s fails on both kernels (%s, %s) and its cause is not listed in %s'
                        % (t, bt[t], pt[t], a.known or '--known'))
    for r in newrep:
        problems.append('kernel report on the patched console only: %s' % r)
    for p in problems:
        print('kselftest-compare: %s' % p, file=sys.stderr)
    print('%d tests: %d regressions, %d subtest regressions, %d failing on both '
          '(%d unexplained), %d new kernel reports; table: %s'
          % (len(rows), len(regressions), len(subreg), len(both) + len(unexplained),
             len(unexplained), len(newrep), a.out))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
