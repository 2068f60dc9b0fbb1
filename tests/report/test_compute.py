"""Tests of scripts/lazyreport/compute.py: medians, ratios, per-unit numbers."""
import os

from harness import (  # noqa: F401
    FIX, MAPS, RUNS, TMP, Skip, case, check, compute, contains, copy_fixture, read,
    render, run_report, section)


@case
def median_odd_rounds():
    s = compute.summarize_workload({"base": [100.0, 400.0, 150.0],
                                   "patched": [110.0, 390.0, 120.0]})
    check(s["base"] == 150.0 and s["patched"] == 120.0, "medians %r" % s)
    check(abs(s["ratio"] - 0.8) < 1e-12, "ratio of medians %r" % s["ratio"])
    # fixture, 3 rounds: base 2000 2600 2100, patched 2100 2400 2000
    contains(run_report()[1], "| pingpong | round trips/s | 2100.0 | 2100.0 | 1.000 | 0.923 | 1.050 | 3 |")


@case
def median_even_rounds():
    s = compute.summarize_workload({"base": [100.0, 400.0], "patched": [300.0, 100.0]})
    check(s["base"] == 250.0 and s["patched"] == 200.0, "medians %r" % s)
    check(s["min"] == 0.25 and s["max"] == 3.0, "spread %r" % s)
    # fixture, rounds 1-2 only: base 2000 2600 -> 2300, patched 2100 2400 -> 2250
    contains(run_report(rounds=2)[1],
             "| pingpong | round trips/s | 2300.0 | 2250.0 | 0.978 | 0.923 | 1.050 | 2 |")


@case
def rounds_pair_up_abab():
    # a round where one kernel has no value is left out of both medians
    s = compute.summarize_workload({"base": [100.0, None, 300.0, 50.0],
                                   "patched": [100.0, 900.0, 150.0, None]})
    check(s["n"] == 2 and s["base"] == 200.0 and s["patched"] == 125.0, "pairs %r" % s)


@case
def ipi_extra_per_exit():
    rows = compute.ipi_rows({8: {"base": {"exits": 1000, "cal_ipis": 10, "tlb_ipis": 40},
                                "patched": {"exits": 800, "cal_ipis": 70, "tlb_ipis": 50}}})
    check(abs(rows[0]["extra"] - 0.1) < 1e-12, "extra %r" % rows[0]["extra"])
    md = run_report()[1]
    contains(section(md, "IPIs"), "| 4 | 1200 | 48 + 120 | 0.140 | 1200 | 60 + 150 | 0.175 | +0.035 | pass |")
    contains(section(md, "IPIs"), "| 2 | 600 | 12 + 30 | 0.070 | 600 | 15 + 33 | 0.080 | +0.010 | pass |")
    contains(section(md, "Summary"),
             "| extra CAL + TLB IPIs per exit, mean of 3 vCPU counts (/proc/interrupts) "
             "| 0.070 | 0.085 | patched - base <= 0.05 | pass (+0.015) |")


def _locks(units, funcs, blocks=None, switches=None):
    return {"units": units, "funcs": funcs, "blocks": blocks, "switches": switches}


@case
def lock_changes_per_unit_biggest_first():
    b = _locks(10, {("f", "atomic", "lock incl"): 20, ("g", "barrier", "lock addl"): 10,
                    ("h", "atomic", "xchgl"): 5})
    p = _locks(20, {("g", "barrier", "lock addl"): 60, ("h", "atomic", "xchgl"): 10})
    rows = compute.lock_changes(b, p)
    check([(r["function"], r["change"]) for r in rows] == [("f", -2.0), ("g", 2.0)],
          "rows %r (h is unchanged per unit and left out)" % rows)


@case
def switch_path_is_per_switch():
    r = _locks(10, {}, {"__schedule": [300, 40], "__switch_to_asm": [100, 20],
                        "do_idle": [5000, 100]}, switches=50)
    check(compute.switch_path(r) == (8.0, 1.2), "per switch %r" % (compute.switch_path(r),))
    check(compute.switch_path(_locks(10, {}, None, None)) is None, "no blocks: None")


@case
def ratios_guard_against_missing():
    check(compute.ratio(None, 2) is None and compute.ratio(1, 0) is None, "ratio")
    check(compute.per_unit(6, 3) == 2 and compute.per_unit(6, 0) is None, "per_unit")
    check(compute.median([]) is None and compute.median([3, 1, 2]) == 2, "median")


@case
def linear_fit_least_squares():
    a, b = compute.linear_fit([(1, 120.0), (2, 140.0), (4, 180.0)])
    check(abs(a - 100) < 1e-9 and abs(b - 20) < 1e-9, "fit %r" % ((a, b),))
    check(compute.linear_fit([(4, 1.0), (4, 2.0)]) is None, "one x: no fit")
    check(compute.linear_fit([(1, None), (2, 3.0)]) is None, "missing points skipped")


@case
def shootdown_per_exit():
    # fixture: 10 deadmm exits at 1 and 2 vCPUs; patched blocks in
    # arch_shoot_down_dead_mm = 10 x (100 + 20 N), do_idle's left out
    miss = read.Missing(RUNS)
    rows = compute.shootdown_rows(read.read_shootdown(RUNS, [1, 2], MAPS, miss))
    check(not miss.items, "missing %r" % miss.items)
    r2 = rows[1]
    check((r2["n"], r2["exits"], r2["calls"], r2["found"], r2["ipis"], r2["sd_insns"])
          == (2, 10, 1.0, 2.0, 1.0, 140.0), "row %r" % r2)
    check(r2["base_insns"] == 52000 and r2["patched_insns"] == 51400, "insns %r" % r2)
    # hotplug.log at 2 vCPUs only: 14 ops, 7 IPIs + 9 local, 40 + 8 vs base 50 + 10
    h = r2["hotplug"]
    check((h["exits"], h["hotplug_ops"], h["calls"], h["ipis"], h["found"], h["cal_tlb"],
           h["base_cal_tlb"]) == (10, 14, 1.0, 0.7, 1.6, 4.8, 6.0), "hotplug %r" % h)
    check(rows[0]["hotplug"] is None, "a hotplug row at 1 vCPU: %r" % rows[0]["hotplug"])
    # coherence-deadmm.txt at 2 vCPUs only: 15 transfers in
    # arch_shoot_down_dead_mm over 10 exits; 60 in all patched, 80 base
    check((r2["sd_xfer"], r2["base_xfer"], r2["patched_xfer"]) == (1.5, 8.0, 6.0),
          "transfers %r" % r2)
    check((rows[0]["sd_xfer"], rows[0]["base_xfer"]) == (None, None),
          "transfers at 1 vCPU, which has no coherence file: %r" % rows[0])


@case
def c2c_contended_lines():
    base = read.read_c2c_samples(os.path.join(FIX, "pmu", "bench-base-r1",
                                              "perf-c2c-samples-pingpong.txt"))
    s = compute.c2c_summary(base)
    # 4 HITM samples; 3 on the line __schedule and finish_task_switch touch
    check((s["samples"], s["hitm"], s["lazy_hitm"]) == (6, 4, 3), "summary %r" % s)
    check(s["top"] == (0xffff888104a2c0c0, 3, ["__schedule", "finish_task_switch", "mmput"]),
          "top %r" % (s["top"],))
    check(compute.c2c_summary(None) is None, "nothing read")
