"""Tests of scripts/lazyreport/render.py: markdown sections and tables."""
import os

from harness import (  # noqa: F401
    FIX, MAPS, RUNS, TMP, Skip, case, check, compute, contains, copy_fixture, read,
    render, run_report, section)


@case
def mutants_table_included():
    md = run_report()[1]
    contains(section(md, "Mutants"), "Not run: `make mutants`")
    out = os.path.join(TMP, "mutants-out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "mutants.md"), "w") as f:
        f.write("# Mutants\n\n| mutant | result |\n|---|---|\n| `x` | killed |\n")
    check("| `x` | killed |" in render.section_mutants(out), "table not included")


@case
def ipi_shootdown_headline():
    md = run_report()[1]
    contains(section(md, "Summary"),
             "| shootdown IPIs per exit, whole sweep (patched vmstat counter) | - | 0.009 "
             "| <= 0.05 | pass |")
    # 60 IPIs sent by the shootdown for 1000 exits: over the goal.
    ipi = compute.ipi_rows({8: {"base": {"exits": 1000, "cal_ipis": 0, "tlb_ipis": 0},
                               "patched": {"exits": 1000, "cal_ipis": 60, "tlb_ipis": 0,
                                           "shootdown_ipis": 60}}})
    rows = render.headline({}, {"pingpong": {"base": None, "patched": None}}, ipi)
    got = [r for r in rows if r[0].startswith("shootdown IPIs")]
    check(got and got[0][2] == "0.060" and got[0][4] == "miss", "shootdown row %r" % got)


@case
def table_and_numbers_formatted():
    check(render.table(("a", "b"), [(1, "x")]) == "| a | b |\n|---|---|\n| 1 | x |\n",
          "table %r" % render.table(("a", "b"), [(1, "x")]))
    check(render.fmt_ratio(None) == "not measured" and render.fmt_ratio(0.5) == "0.500",
          "fmt_ratio")
    check(render.fmt_signed(2) == "+2.000" and render.fmt_signed(-0.25) == "-0.250",
          "fmt_signed %r" % render.fmt_signed(2))
    check(render.verdict(True) == "pass" and render.verdict(False) == "miss"
          and render.verdict(None) == "not measured", "verdict")


@case
def top_symbols_side_by_side():
    t = render.top_symbols_table([(50.0, "a"), (20.0, "b")], [(40.0, "c")])
    check("| 1 | `a` | 50.00% | `c` | 40.00% |" in t and "| 2 | `b` | 20.00% |  |  |" in t,
          "table %r" % t)
    check("not measured" in render.top_symbols_table(None, [(1.0, "x")]), "missing side")


@case
def pmu_section_skipped_or_filled():
    md = run_report()[1]
    contains(section(md, "perf with a hardware PMU"),
             "Skipped: no hardware PMU in the guests (base: none: no cpu or cpu_core PMU")
    pmu = read.read_pmu(os.path.join(FIX, "pmu"), read.Missing(RUNS))
    sec = render.section_pmu(pmu)
    contains(sec, "| pingpong | mem_inst_retired.lock_loads | 804210 | 771002 | 0.959 "
                  "| 4 | 2 | 3 | 0 | 0xffff888104a2c0c0: `__schedule`, "
                  "`finish_task_switch`, `mmput` |")
    contains(sec, "| cs1 | not measured |")
