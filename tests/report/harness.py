"""Shared by the report tests: fixtures, the case registry and helpers.

fixtures/runs is a small but complete build/runs tree (3 throughput rounds,
an IPI sweep of 1 2 4 vCPUs, lock counts) and fixtures/System.map-* two fake
System.maps; the expected numbers in the tests are worked out by hand from
them.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
# LAZYMM_ROOT: a mutant's copy of the repository whose report code to
# test (the fixtures stay this repository's).
TOP = os.environ.get("LAZYMM_ROOT") or os.path.dirname(os.path.dirname(HERE))
REPORT = os.path.join(TOP, "scripts", "report.py")
FIX = os.path.join(HERE, "fixtures")
RUNS = os.path.join(FIX, "runs")
MAPS = {v: os.path.join(FIX, "System.map-" + v) for v in ("base", "patched")}
TMP = tempfile.mkdtemp(prefix="report-test-")

sys.path.insert(0, os.path.join(TOP, "scripts"))
from lazyreport import compute, read, render  # noqa: E402,F401

CASES = []


class Skip(Exception):
    pass


def case(fn):
    """Register a test: (module without "test_", function), in import order."""
    CASES.append((fn.__module__.replace("test_", "", 1), fn))
    return fn


def check(cond, why):
    if not cond:
        raise AssertionError(why)


def contains(md, line):
    check(line in md, "report.md lacks: %s" % line)


_runs = {}


def run_report(runs=RUNS, rounds=3, sweep="1 2 4", extra=(), maps=True, env=None):
    """Run report.py as main.sh does -> (exit status, report.md, stderr)."""
    key = (runs, rounds, sweep, tuple(extra), maps, env is None)
    if env is None and key in _runs:
        return _runs[key]
    out = os.path.join(TMP, "out%d" % len(os.listdir(TMP)))
    cmd = [sys.executable, REPORT, "--runs", runs, "--out", out, "--secs", "2"]
    if rounds is not None:
        cmd += ["--rounds", str(rounds)]
    if sweep is not None:
        cmd += ["--sweep", sweep]
    if maps:
        cmd += ["--system-map-base", MAPS["base"], "--system-map-patched", MAPS["patched"]]
    p = subprocess.run(cmd + list(extra), capture_output=True, text=True, env=env)
    md_path = os.path.join(out, "report.md")
    md = open(md_path).read() if os.path.isfile(md_path) else ""
    res = (p.returncode, md, p.stderr, out)
    if env is None:
        _runs[key] = res
    return res


def section(md, title):
    """Text of one "## title" section."""
    start = md.index("## " + title)
    end = md.find("\n## ", start + 1)
    return md[start:end if end > 0 else len(md)]


def copy_fixture(name):
    dst = os.path.join(TMP, name)
    shutil.copytree(RUNS, dst)
    return dst
