#!/usr/bin/env python3
"""Tests of scripts/report.py and its modules in scripts/lazyreport/:
TAP-ish "ok - name" / "not ok - name" lines, exit 1 if any case fails.

test_read.py, test_compute.py and test_render.py test one module each;
test_report.py runs report.py end to end on the fixture runs (harness.py).
"""
import os
import shutil
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_read  # noqa: E402,F401
import test_compute  # noqa: E402,F401
import test_render  # noqa: E402,F401
import test_report  # noqa: E402,F401


def main():
    failed = 0
    for mod, fn in harness.CASES:
        name = "%s.%s" % (mod, fn.__name__)
        try:
            fn()
            print("ok - %s" % name)
        except harness.Skip as e:
            print("ok - %s # SKIP %s" % (name, e))
        except Exception as e:   # a crash in report.py is a failure too
            failed += 1
            why = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
            print("not ok - %s" % name)
            for line in why.strip().splitlines():
                print("#   %s" % line)
    shutil.rmtree(harness.TMP, ignore_errors=True)
    print("# %d/%d passed" % (len(harness.CASES) - failed, len(harness.CASES)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
