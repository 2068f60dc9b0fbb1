"""End-to-end tests of scripts/report.py on the fixture runs."""
import os
import shutil

from harness import (  # noqa: F401
    FIX, MAPS, RUNS, TMP, Skip, case, check, compute, contains, copy_fixture, read,
    render, run_report, section)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@case
def context_switch1_and_hackbench_rows():
    # fixture: base 1000 x (5, 4, 20, 22) every round; patched 1010, 1020,
    # 1030 x the same, so the medians are 1020 x and the ratios 1.01-1.03.
    md = run_report()[1]
    for row in ("| cs1_threads | switches/s (context_switch1) | 5000.0 | 5100.0 | 1.020 | 1.010 | 1.030 | 3 |",
                "| cs1_processes | switches/s (context_switch1) | 4000.0 | 4080.0 | 1.020 | 1.010 | 1.030 | 3 |",
                "| hackbench_process | messages/s (hackbench -p -P) | 20000.0 | 20400.0 | 1.020 | 1.010 | 1.030 | 3 |",
                "| hackbench_thread | messages/s (hackbench -p -T) | 22000.0 | 22440.0 | 1.020 | 1.010 | 1.030 | 3 |"):
        contains(section(md, "Throughput"), row)
    # counted per unit like the others: the fixture's hackbench file is exec's
    contains(section(md, "Locked instructions"),
             "| hackbench | patched | 100 | 47100 | 900 | 471.000 | 9.000 | 0.000 | 49000 |")
    check("### cs1" in section(md, "perf profiles"), "no cs1 profile")


@case
def perf_pipe_usecs_become_rates():
    # usecs/op base 40 50 45, patched 44 48 50: ops/s medians 22222.2 and
    # 20833.3 -> 0.9375 (the ratio of raw usecs would be 48/45 = 1.067)
    contains(run_report()[1],
             "| perf_pipe | ops/s (1e6 / usecs per op) | 22222.2 | 20833.3 | 0.937 | 0.900 | 1.042 | 3 |")


@case
def worst_ratio_against_goal():
    summary = section(run_report()[1], "Summary")
    contains(summary, "| worst throughput ratio (perf_pipe) | - | 0.937 | >= 0.98 | miss |")


@case
def locks_per_unit_in_report():
    md = run_report()[1]
    sec = section(md, "Locked instructions")
    contains(sec, "| pingpong | base | 2000 | 40012 | 4000 | 20.006 | 2.000 | 4.000 |")
    contains(sec, "| pingpong | patched | 2000 | 32010 | 8000 | 16.005 | 4.000 | 0.000 |")
    contains(sec, "| forkexit | patched | 300 | 47100 | 900 | 157.000 | 3.000 | 0.000 |")
    contains(sec, "| `__schedule` | atomic | lock incl | 2.000 | 0.000 | -2.000 |")
    contains(sec, "| `finish_task_switch` | barrier | lock addl | 0.000 | 2.000 | +2.000 |")
    contains(sec, "| `arch_shoot_down_dead_mm` | atomic | lock btrq | 0.000 | 2.000 | +2.000 |")
    check("`_raw_spin_lock`" not in sec, "unchanged function listed as a change")
    contains(section(md, "Summary"),
             "| mm_count pair atomics per round trip (pingpong) | 4.000 | 0.000 | patched == 0 | pass |")


@case
def zero_units_not_measured():
    runs = copy_fixture("zero-units")
    with open(os.path.join(runs, "count-patched", "lockcount-pingpong.txt"), "w") as f:
        f.write("# lockcount v1 units=0\n# total atomic=0 barrier=0\n")
    rc, md, err, _ = run_report(runs=runs)
    check(rc == 0, "exit %d: %s" % (rc, err))
    contains(md, "| mm_count pair atomics per round trip (pingpong) | 4.000 | not measured |")
    contains(section(md, "Missing data"), "count-patched/lockcount-pingpong.txt: units=0")


@case
def kernel_insns_per_unit():
    md = run_report()[1]
    # exec fixtures carry insns= in their header, forkexit ones do not
    contains(section(md, "Locked instructions"),
             "| exec | base | 100 | 48300 | 0 | 483.000 | 0.000 | 15.000 | 50000 "
             "| not measured |")
    contains(section(md, "Locked instructions"),
             "| exec | patched | 100 | 47100 | 900 | 471.000 | 9.000 | 0.000 | 49000 "
             "| not measured |")
    contains(section(md, "Locked instructions"), "| forkexit | base | 300 | 48300 | 0 | "
             "161.000 | 0.000 | 5.000 | not measured | not measured |")
    contains(section(md, "Summary"), "| kernel instructions per fork+exec (exec, TCG plugin) "
             "| 50000 | 49000 | - | info (patched/base 0.980) |")


@case
def kernel_stores_per_unit():
    md = run_report()[1]
    # only the pingpong fixtures carry stores= in their header
    contains(section(md, "Locked instructions"), "| 500 |")
    contains(section(md, "Locked instructions"), "| 495 |")
    contains(section(md, "Summary"), "| kernel memory writes per round trip (pingpong, "
             "TCG plugin) | 500 | 495 | - | info (patched/base 0.990) |")
    if "kernel memory writes per fork+exec" in section(md, "Summary"):
        raise AssertionError("a writes row for exec, whose fixtures count none")


@case
def switch_path_by_function():
    md = run_report()[1]
    # blocks-pingpong.txt: __schedule 400 -> 380 insns and 100 -> 90 writes
    # per round trip, finish_task_switch 100 and 20 in both, do_idle (not
    # on the path) 500 and 5 in both, __switch_to_asm 20 and 10 in both,
    # its entry block run 8000 times (4 switches per round trip): the path
    # is 1040000 -> 1000000 instructions and 260000 -> 240000 writes over
    # 8000 switches.
    contains(section(md, "Summary"), "| context-switch path instructions per switch "
             "(pingpong, TCG plugin) | 130.000 | 125.000 | - | info (patched/base 0.962) |")
    contains(section(md, "Summary"), "| context-switch path memory writes per switch "
             "(pingpong, TCG plugin) | 32.500 | 30.000 | - | info (patched/base 0.923) |")
    sec = section(md, "Locked instructions")
    contains(sec, "(the runs of `__switch_to_asm`'s entry block: 4.000 base, 4.000 "
             "patched, per round trip)")
    contains(sec, "| **context-switch path, per switch** | 130.000 | 125.000 | -5.000 "
             "| 32.500 | 30.000 | -2.500 |")
    contains(sec, "| `__schedule` | 400.000 | 380.000 | -20.000 | 100.000 | 90.000 | -10.000 |")
    if "`do_idle`" in sec or "`finish_task_switch` | 100.000" in sec:
        raise AssertionError("an unchanged function is listed")
    if "Kernel instructions and writes by function: exec" in md:
        raise AssertionError("a by-function table for exec, which has no blocks file")


@case
def ipi_shootdown_counters():
    contains(section(run_report()[1], "IPIs"), "| 4 | 1200 | 1200 | 12 | 1130 | 40 | 0.010 |")


@case
def perf_profiles_side_by_side():
    sec = section(run_report()[1], "perf profiles")
    contains(sec, "| 4 | `finish_task_switch.isra.0` | 5.01% | `pipe_read` | 4.40% |")
    contains(sec, "| base | 11.28% | `finish_task_switch.isra.0` 5.01%, `switch_mm_irqs_off` 3.12%, "
                  "`__mmdrop` 2.10%, `enter_lazy_tlb` 1.05% |")
    contains(sec, "| context-switches | count | 20512 | 20990 | 1.023 |")
    check("| 13 |" not in sec, "more than 12 symbols listed")


@case
def machine_described():
    md = run_report()[1]
    intro = md[:md.index("## Summary")]
    for s in ("TCG", "with 4 vCPUs", "1 2 4 vCPUs", "base `6.12.117-lazymm-base`",
              "patched `6.12.117-lazymm-patched`", "3 interleaved", "2 s per workload"):
        contains(intro, s)


@case
def scale_model_from_measurement():
    sec = section(run_report()[1], "Scale model")
    contains(sec, "a model, not a measurement")
    contains(sec, "removed per pingpong round trip = 4.000")
    contains(sec, "| 192 | 0.995 | 1.990 | 0 |")
    contains(sec, "| 1 | 0.000 | 0.000 | 0 |")
    for s in ("118M", "192", "+3%", "+28%"):
        contains(sec, s)


@case
def sections_in_order():
    md = run_report()[1]
    order = ["# ", "## Summary", "## Locked instructions", "## Throughput",
             "## perf profiles", "## IPIs", "## Scale model", "## How to reproduce",
             "## Missing data"]
    pos = [md.find(h) for h in order]
    check(-1 not in pos and pos == sorted(pos), "section positions %r" % pos)
    contains(section(md, "How to reproduce"), 'ROUNDS=3 SECS=2 SWEEP="1 2 4" SD_SWEEP="1 2" make')


@case
def complete_fixture_passes_strict():
    # Without gnuplot the plots are listed as missing, rightly.
    if not shutil.which("gnuplot"):
        raise Skip("gnuplot not installed (apt-get install gnuplot-nox)")
    rc, md, err, _ = run_report(extra=["--strict"])
    check(rc == 0, "exit %d: %s" % (rc, err))
    contains(md, "None: every expected input was read.")


@case
def missing_inputs_reported():
    runs = copy_fixture("partial")
    for rel in ("count-patched/lockcount-forkexit.txt", "bench-patched-r2/bench-throughput.log",
                "ipi-patched-smp4/bench-ipi.log", "bench-base-r1/perf-report-forkexit.txt"):
        os.remove(os.path.join(runs, rel))
    with open(os.path.join(runs, "bench-base-r3", "bench-throughput.rc"), "w") as f:
        f.write("1\n")
    rc, md, err, _ = run_report(runs=runs)
    check(rc == 0, "exit %d without --strict: %s" % (rc, err))
    miss = section(md, "Missing data")
    for rel in ("count-patched/lockcount-forkexit.txt: missing",
                "bench-patched-r2/bench-throughput.log: missing",
                "ipi-patched-smp4/bench-ipi.log: missing",
                "bench-base-r1/perf-report-forkexit.txt: missing",
                "bench-base-r3/bench-throughput.rc: test exited with status 1"):
        contains(miss, "- " + rel)
    contains(md, "| forkexit | patched | not measured |")
    contains(md, "| 4 | 1200 | 48 + 120 | 0.140 | not measured |")
    # the headline averages over the vCPU counts measured on both
    contains(md, "| extra CAL + TLB IPIs per exit, mean of 2 vCPU counts (/proc/interrupts) |")
    # round 2 lost its patched value: rounds 1 and 3 remain
    contains(md, "| pingpong | round trips/s | 2050.0 | 2050.0 | 1.000 | 0.952 | 1.050 | 2 |")


@case
def strict_fails_on_missing():
    runs = copy_fixture("strict")
    os.remove(os.path.join(runs, "ipi-base-smp1", "bench-ipi.log"))
    rc, md, err, _ = run_report(runs=runs, extra=["--strict"])
    check(rc != 0, "--strict exited 0 with a missing input")
    check("ipi-base-smp1/bench-ipi.log" in md, "report not written under --strict")


@case
def empty_runs_do_not_crash():
    empty = os.path.join(TMP, "empty-runs")
    os.makedirs(empty, exist_ok=True)
    rc, md, err, _ = run_report(runs=empty, rounds=None, sweep=None, maps=False)
    check(rc == 0, "exit %d: %s" % (rc, err))
    check("Traceback" not in err, err)
    contains(section(md, "Summary"), "| not measured |")
    contains(section(md, "Missing data"), "--system-map-base: not given")
    rc, _, _, _ = run_report(runs=empty, rounds=None, sweep=None, maps=False, extra=["--strict"])
    check(rc != 0, "--strict exited 0 on an empty runs dir")


@case
def plots_are_pngs():
    if not shutil.which("gnuplot"):
        raise Skip("gnuplot not installed (apt-get install gnuplot-nox)")
    rc, md, err, out = run_report()
    for name in ("throughput.png", "ipi-per-exit.png", "locked-per-unit.png"):
        path = os.path.join(out, name)
        check(os.path.isfile(path), "%s not written: %s" % (name, err))
        with open(path, "rb") as f:
            check(f.read(8) == PNG_MAGIC, "%s is not a PNG" % name)
        contains(md, "![%s](%s)" % (name, name))


@case
def no_gnuplot_no_crash():
    env = dict(os.environ, PATH=os.path.join(TMP, "no-such-dir"))
    rc, md, err, out = run_report(env=env)
    check(rc == 0, "exit %d: %s" % (rc, err))
    contains(md, "(plot throughput.png: gnuplot not installed")
    check(not os.path.exists(os.path.join(out, "throughput.png")), "png without gnuplot?")


@case
def shootdown_sweep_and_model():
    sec = section(run_report()[1], "The shootdown where it has work")
    contains(sec, "| 2 | 10 | 1.000 | 2.000 | 1.000 | 140.000 | 1.000 | 2.000 | 52000 | 51400 |")
    contains(sec, "shootdown instructions per exit = 100.0 + 20.00 N")
    contains(sec, "| 1024 (model) | 20580 | 1023.000 |")
    contains(sec, "costs 4.00 shared atomics per pipe ping-pong round trip")
    # sqpoll.log only at 2 vCPUs: 10 exits, 2 IPIs, 6 local, 30 + 10 IPIs
    contains(sec, "| 2 | 10 | 1.000 | 0.200 | 0.600 | 4.000 |")
    check("| 1 | 10 |" not in sec.split("SQPOLL")[1].split("Exits racing")[0],
          "a row without sqpoll.log")
    # hotplug.log only at 2 vCPUs
    hp = sec.split("Exits racing CPU hotplug")[1].split("Least-squares")[0]
    contains(hp, "| 2 | 10 | 14 | 1.000 | 1.600 | 0.700 | 6.000 | 4.800 |")
    check("| 1 | 10 |" not in hp, "a hotplug row without hotplug.log")


@case
def shootdown_sweep_missing_is_reported():
    runs = copy_fixture("no-shootdown")
    for n in (1, 2):
        for v in ("base", "patched"):
            shutil.rmtree(os.path.join(runs, "shootdown-%s-smp%d" % (v, n)))
    md = run_report(runs=runs)[1]
    contains(md, "shootdown-*-smp*: no shootdown sweep")
    contains(section(md, "The shootdown where it has work"), "Growth fit: not measured")


@case
def coherence_section():
    sec = section(run_report()[1], "Cache-line transfers")
    # pingpong: base 7800 transfers over 2000 round trips, 6000 of them on
    # the mm_count line; patched 1850, none there
    contains(sec, "| pingpong | base | 2000 | 3.900 | 0.350 | 0.050 | 3.500 | 3.000 |")
    contains(sec, "| pingpong | patched | 2000 | 0.925 | 0.350 | 0.075 | 0.500 | 0.000 |")
    contains(sec, "made none on base: `__switch_to_asm`.")
    contains(sec, "| `__schedule` | 1.650 | 0.150 | -1.500 |")
    contains(sec, "| `finish_task_switch` | 1.500 | 0.000 | -1.500 |")


@case
def cost_of_the_transfers_is_an_estimate():
    sec = section(run_report()[1], "Cost of the transfers")
    contains(sec, "an estimate, not a measurement")
    # 3.000 mm_count line transfers fewer per round trip, at 51/108 ns and
    # 47/134 ns a hop
    contains(sec, "| pingpong | round trip | 3.000 | 153 ns | 324 ns | 141 ns | 402 ns |")


@case
def shootdown_transfers_table():
    sec = section(run_report()[1], "The shootdown where it has work")
    contains(sec, "| 2 | 1.500 | 8.000 | 6.000 |")
    contains(sec, "| 1 | not measured | not measured | not measured |")
    contains(sec, "![shootdown-transfers.png](shootdown-transfers.png)")


@case
def machine_from_the_runs_host_txt():
    md = run_report()[1]
    contains(md, "on a host with 2 CPUs (Fixture CPU @ 1.00GHz): QEMU 10.0.2 for the "
             "throughput runs, 7.2.19 for the count runs (as the runs recorded them).")
    d = copy_fixture("no-host-txt")
    os.remove(os.path.join(d, "bench-base-r1", "host.txt"))
    rc, md, err, _ = run_report(runs=d, extra=("--strict",))
    contains(md, "on a host with not measured CPUs (not measured)")
    check(rc != 0 and "bench-base-r1/host.txt" in err, "no host.txt not reported: %r" % err)


@case
def scale_transfers_per_operation():
    """bench-scale's runs: per operation = transfers / (units x jobs);
    the difference column lists each run's base minus patched."""
    runs = copy_fixture("scale")
    for v in ("base", "patched"):
        for n in (2, 4):
            for r in (1, 2):
                d = os.path.join(runs, "scale-%s-smp%d-r%d" % (v, n, r))
                os.makedirs(d)
                for w in ("pingpong", "cs1", "cs1proc", "forkexit"):
                    for f in ("lockcount", "coherence"):
                        shutil.copy(os.path.join(runs, "count-%s" % v, "%s-pingpong.txt" % f),
                                    os.path.join(d, "%s-%s.txt" % (f, w)))
                    with open(os.path.join(d, "jobs-%s.txt" % w), "w") as f:
                        f.write("%d\n" % (1 if w == "pingpong" else n))
    rc, md, err, out = run_report(runs=runs)
    sec = section(md, "Cache-line transfers per operation against vCPUs")
    # pingpong: one job, 7800 / 2000 on base, 1850 / 2000 patched; the
    # mm_count line 6000 / 2000 on base, 0 patched
    contains(sec, "| pingpong | 2 | 3.900 | 0.925 | +2.975, +2.975 | 3.000 | 0.000 |")
    # cs1 at 4 vCPUs: 4 jobs, 7800 / 8000 and 1850 / 8000
    contains(sec, "| cs1 | 4 | 0.975 | 0.231 | +0.744, +0.744 | 0.750 | 0.000 |")
    contains(sec, "2 runs on each kernel")
    check(os.path.isfile(os.path.join(out, "scale-transfers.png"))
          or "gnuplot" in sec, "no plot and no reason for it")


@case
def scale_missing_run_is_not_measured():
    """A run missing on one kernel leaves its cells not measured, and is
    listed as missing; it is not read as zero."""
    runs = copy_fixture("scale-missing")
    d = os.path.join(runs, "scale-base-smp2-r1")
    os.makedirs(d)
    for w in ("pingpong", "cs1", "cs1proc", "forkexit"):
        for f in ("lockcount", "coherence"):
            shutil.copy(os.path.join(runs, "count-base", "%s-pingpong.txt" % f),
                        os.path.join(d, "%s-%s.txt" % (f, w)))
        with open(os.path.join(d, "jobs-%s.txt" % w), "w") as f:
            f.write("1\n")
    rc, md, err, out = run_report(runs=runs, extra=("--scale-sweep", "2", "--scale-runs", "1"))
    sec = section(md, "Cache-line transfers per operation against vCPUs")
    contains(sec, "| pingpong | 2 | 3.900 | not measured | not measured | 3.000 | not measured |")
    check("scale-patched-smp2-r1" in md.split("## Missing data")[-1],
          "the missing patched run is not listed as missing")


@case
def transfers_by_data():
    """Each transferred line named by the data it holds: per-CPU data at
    S + the vCPU's offset (G lines), static data from System.map, the
    mm_count line, else slab and pages."""
    runs = copy_fixture("by-data")
    maps = {}
    shutil.copy(os.path.join(FIX, "lazymm-offsets.txt"), TMP)
    for v in ("base", "patched"):
        maps[v] = os.path.join(TMP, "System.map-data-" + v)
        with open(MAPS[v]) as f, open(maps[v], "w") as g:
            g.write(f.read())
            # 7.3's layout: the per-CPU section inside the image
            g.write("ffffffff83226000 D __per_cpu_start\n"
                    "ffffffff83259400 D cpu_tlbstate\n"
                    "ffffffff83259480 D cpu_tlbstate_shared\n"
                    "ffffffff8325a580 D runqueues\n"
                    "ffffffff8325bc90 D __per_cpu_end\n"
                    "ffffffff82e1c340 D init_mm\n"
                    "ffffffff82e1c800 D jiffies\n")
        path = os.path.join(runs, "count-%s" % v, "coherence-pingpong.txt")
        with open(path) as f:
            text = f.read().splitlines()
        # vCPU 1's area at offset 0x10000000: runqueues of CPU 1 is at
        # ffffffff9325a580; init_mm's line; an unknown heap line.
        text[0] += " gs_conflicts=0"
        text[1:1] = ["G 0 0", "G 1 10000000"]
        # A task_struct at ffff888002000000 (thread.sp at +2312, 2496
        # bytes): its first and last lines are the task's, the line
        # after it is not.
        text[1:1] = ["T ffff888002000908"]
        text += ["L ffffffff9325a580 10 0 0", "L ffffffff82e1c340 0 20 0",
                 "L ffff888001230000 0 0 30", "L ffff888002000000 4 0 0",
                 "L ffff888002000980 0 4 0", "L ffff8880020009c0 0 0 2"]
        with open(path, "w") as f:
            f.write("\n".join(text) + "\n")
    rc, md, err, out = run_report(runs=runs, maps=False, extra=(
        "--system-map-base", maps["base"], "--system-map-patched", maps["patched"]))
    sec = section(md, "Cache-line transfers")
    # 2000 units: 10, 20 and 30 transfers are 0.005, 0.010, 0.015 a unit
    contains(sec, "| per-CPU runqueues | 0.005 | 0.005 | +0.000 |")
    contains(sec, "| static init_mm | 0.010 | 0.010 | +0.000 |")
    contains(sec, "| mm_struct: the mm_count line | 3.000 | 0.000 | -3.000 |")
    # 4 + 4 transfers: the line after the task (2 more) is not counted
    contains(sec, "| task_struct | 0.004 | 0.004 | +0.000 |")
    contains(sec, "gs_conflicts base 0, patched 0")
