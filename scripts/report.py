#!/usr/bin/env python3
"""Write build/BASE/report/report.md (and PNG plots) from the A/B benchmark runs.

usage: report.py --runs DIR --out DIR [--rounds R] [--sweep "1 2 4 8"]
                 [--secs S] [--system-map-base PATH]
                 [--system-map-patched PATH] [--strict]

Inputs are the run directories written by scripts/run-vm.sh (see
scripts/main.sh): bench-<variant>-r<round>/, count-<variant>/ and
ipi-<variant>-smp<N>/. Anything missing becomes "not measured" and is
listed under "Missing data"; only --strict turns that into a failure.
Standard library only; the plots need the gnuplot binary. The work is in
scripts/lazyreport/: read.py reads the runs, compute.py turns them into
numbers, render.py writes the markdown and plots; this file ties them
together.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lazyreport.common import NM  # noqa: E402
from lazyreport.read import (  # noqa: E402
    Missing, discover, read_coherence, read_ipis, read_locks, read_machine,
    read_perf, read_pmu, read_scale, read_shootdown, read_throughput)
from lazyreport.compute import (  # noqa: E402
    ipi_rows, removed_mm_pair, scale_rows, shootdown_rows, summarize_workload)
from lazyreport.render import (  # noqa: E402
    headline, plot_ipis, plot_locks, plot_scale, plot_shootdown_transfers, plot_throughput,
    section_coherence, section_cost, section_intro,
    section_ipis, section_locks, section_missing, section_model,
    section_mutants, section_perf, section_pmu, section_reproduce,
    section_scale, section_shootdown, section_throughput, table)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", required=True, help="build/runs")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--rounds", type=int, help="throughput rounds (default: found)")
    ap.add_argument("--sweep", help='vCPU counts of the IPI sweep, e.g. "1 2 4 8"')
    ap.add_argument("--sd-sweep", help='vCPU counts of the shootdown sweep (default: found)')
    ap.add_argument("--scale-sweep",
                    help='vCPU counts of the transfers-per-operation sweep (default: found)')
    ap.add_argument("--scale-runs", type=int, help="runs at each of them (default: found)")
    ap.add_argument("--secs", help="seconds per throughput workload (for the text)")
    ap.add_argument("--system-map-base")
    ap.add_argument("--system-map-patched")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 if any input is missing")
    a = ap.parse_args(argv)
    a.runs = os.path.abspath(a.runs)
    if a.rounds is None:
        a.rounds = max(discover(a.runs, r"bench-(?:base|patched)-r(\d+)") or [0])
    if a.sweep is None:
        a.sweep = discover(a.runs, r"ipi-(?:base|patched)-smp(\d+)")
    else:
        a.sweep = [int(x) for x in a.sweep.split()]
    if a.sd_sweep is None:
        a.sd_sweep = discover(a.runs, r"shootdown-(?:base|patched)-smp(\d+)")
    else:
        a.sd_sweep = [int(x) for x in a.sd_sweep.split()]
    if not a.scale_sweep:
        a.scale_sweep = discover(a.runs, r"scale-(?:base|patched)-smp(\d+)-r\d+")
    else:
        a.scale_sweep = [int(x) for x in a.scale_sweep.split()]
    if a.scale_runs is None:
        a.scale_runs = max(discover(a.runs, r"scale-(?:base|patched)-smp\d+-r(\d+)") or [0])
    return a


def build(a):
    """Read everything, draw the plots -> (markdown, Missing)."""
    miss = Missing(a.runs)
    if not os.path.isdir(a.runs):
        miss.add(a.runs, "runs directory missing")
    if a.rounds < 1:
        miss.add(os.path.join(a.runs, "bench-*-r*"), "no throughput rounds")
    if not a.sweep:
        miss.add(os.path.join(a.runs, "ipi-*-smp*"), "no IPI sweep")
    if not a.sd_sweep:
        miss.add(os.path.join(a.runs, "shootdown-*-smp*"), "no shootdown sweep")
    machine = read_machine(a.runs, miss)
    raw = read_throughput(a.runs, a.rounds, miss)
    thr = {w: summarize_workload(raw[w]) for w in raw}
    perf = read_perf(a.runs, miss)
    maps = {"base": a.system_map_base, "patched": a.system_map_patched}
    locks = read_locks(a.runs, maps, miss)
    coh = read_coherence(a.runs, maps, locks, miss)
    ipi = ipi_rows(read_ipis(a.runs, a.sweep, miss))
    sd = shootdown_rows(read_shootdown(a.runs, a.sd_sweep, maps, miss))
    scale = scale_rows(read_scale(a.runs, a.scale_sweep, a.scale_runs, maps, miss),
                       a.scale_sweep)
    os.makedirs(a.out, exist_ok=True)
    errs = {
        "throughput": plot_throughput(thr, os.path.join(a.out, "throughput.png")),
        "ipi": plot_ipis(ipi, os.path.join(a.out, "ipi-per-exit.png")),
        "locks": plot_locks(locks, os.path.join(a.out, "locked-per-unit.png")),
        "shootdown": plot_shootdown_transfers(sd, os.path.join(a.out, "shootdown-transfers.png")),
        "scale": plot_scale(scale, os.path.join(a.out, "scale-transfers.png")),
    }
    notes = ["plot %s: %s" % (k, e) for k, e in errs.items() if e and e != NM]
    md = (section_intro(a, machine)
          + "## Summary\n\n"
          + table(("metric", "base", "patched", "goal", "result"),
                  headline(thr, locks, ipi))
          + "\n" + section_locks(locks, errs["locks"])
          + section_coherence(coh)
          + section_scale(scale, a.scale_runs, errs["scale"])
          + section_throughput(thr, errs["throughput"], machine["qemu"].get("smp") or NM)
          + section_perf(perf)
          + section_pmu(read_pmu(a.runs, miss))
          + section_ipis(ipi, errs["ipi"])
          + section_shootdown(sd, removed_mm_pair(locks), errs["shootdown"])
          + section_model(locks)
          + section_cost(coh)
          + section_mutants(a.out)
          + section_reproduce(a)
          + section_missing(miss, notes))
    return md, miss


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    md, miss = build(a)
    path = os.path.join(a.out, "report.md")
    with open(path, "w") as f:
        f.write(md)
    print("report: %s (%d missing input%s)" % (path, len(miss.items),
                                               "" if len(miss.items) == 1 else "s"))
    for i in miss.items:
        print("  missing: %s" % i, file=sys.stderr)
    return 1 if a.strict and miss.items else 0


if __name__ == "__main__":
    sys.exit(main())
