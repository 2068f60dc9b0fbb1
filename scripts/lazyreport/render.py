"""Markdown and gnuplot: the report's sections and plots from computed numbers."""
import os
import shutil
import subprocess
import tempfile
from .common import (
    COUNTED, PMU_PROFILED, SCALED, GOAL_EXTRA_IPIS, SHOOTDOWN_FUNCS, SHOOTDOWN_MODEL_CPUS, GOAL_RATIO, LAZY_ROUNDS_PER_ROUND_TRIP,
    MM_SYMBOLS, MODEL_CPUS, NM, NOMINAL_ATOMICS_PER_LAZY_ROUND, PROFILED,
    SWITCH_ENTRY, SWITCH_PATH_FUNCS, TOP_FUNCS, TOP_SYMBOLS, UNIT_OF,
    HOP_NS, HOP_SOURCE, UNIT_SHORT, VARIANTS, WORKLOADS)
from .read import parse_number
from .compute import (
    c2c_summary, coherence_changes, linear_fit, new_switch_transfers, removed_mm_pair,
    block_changes, lock_changes, mm_share, per_unit, ratio, switch_path)


def fmt_int(v):
    return NM if v is None else "%d" % v


def fmt_ratio(v):
    return NM if v is None else "%.3f" % v


def fmt_num(v):
    """Rates and medians: enough digits to see a 0.1% change."""
    if v is None:
        return NM
    if isinstance(v, int):
        return "%d" % v
    return "%.1f" % v if abs(v) >= 100 else "%.4g" % v


def fmt_signed(v):
    return NM if v is None else "%+.3f" % v


GP_TERMINAL = """\
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size %d,%d font ",10"
} else {
    set terminal png size %d,%d
}
set output "%s"
"""


def gnuplot(script, data, png):
    """Run one gnuplot script; data goes to a temp file "$data". -> error or None."""
    if not shutil.which("gnuplot"):
        return "gnuplot not installed (Debian: gnuplot-nox)"
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "data.dat")
        with open(dat, "w") as f:
            f.write(data)
        gp = os.path.join(tmp, "plot.gp")
        with open(gp, "w") as f:
            f.write(script.replace("$data", dat))
        p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode != 0 or not os.path.isfile(png) or not os.path.getsize(png):
        return "gnuplot failed: %s" % (p.stderr.strip().splitlines() or ["no output"])[-1]
    return None


def terminal(png, w=800, h=480):
    return GP_TERMINAL % (w, h, w, h, png)


def plot_throughput(summary, png):
    rows = [(w, s) for w, s in summary.items() if s["ratio"] is not None]
    if not rows:
        return NM
    data = "".join("%s %.6f %.6f %.6f\n" % (w, s["ratio"], s["min"], s["max"])
                   for w, s in rows)
    lo = min([GOAL_RATIO] + [s["min"] for _, s in rows]) - 0.02
    hi = max([1.0] + [s["max"] for _, s in rows]) + 0.02
    script = terminal(png) + """\
set termoption noenhanced
set title "patched / base throughput (ratio of medians, bars: min/max of per-round ratios)"
set ylabel "patched / base"
set xrange [-0.5:%f]
set yrange [%f:%f]
set grid ytics
set key bottom right
plot "$data" using 0:2:3:4:xtic(1) with yerrorbars pt 7 lw 2 title "ratio", \\
     1.0 with lines dt 2 lc rgb "gray40" title "1.0", \\
     %s with lines dt 3 lc rgb "red" title "goal %s"
""" % (len(rows) - 0.5, lo, hi, GOAL_RATIO, GOAL_RATIO)
    return gnuplot(script, data, png)


def plot_ipis(rows, png):
    def col(v):
        return "%.6f" % v if v is not None else "NaN"
    rows = [r for r in rows if r["base_pe"] is not None or r["patched_pe"] is not None]
    if not rows:
        return NM
    data = "".join("%d %s %s\n" % (r["n"], col(r["base_pe"]), col(r["patched_pe"]))
                   for r in rows)
    script = terminal(png) + """\
set title "IPIs (CAL + TLB) per process exit"
set xlabel "vCPUs"
set ylabel "IPIs per exit"
set xtics (%s)
set xrange [0.5:%f]
set yrange [0:*]
set grid
set key top left
plot "$data" using 1:2 with linespoints pt 7 lw 2 title "base", \\
     "$data" using 1:3 with linespoints pt 5 lw 2 title "patched"
""" % (", ".join(str(r["n"]) for r in rows), max(r["n"] for r in rows) + 0.5)
    return gnuplot(script, data, png)


def plot_shootdown_transfers(rows, png):
    """Cache-line transfers per exit against vCPUs (lazybench deadmm): the
    shootdown's own and the whole kernel's, both kernels; log scale, as
    the kernel's are a thousand times the shootdown's."""
    def col(v):
        return "%.6f" % v if v else "NaN"
    rows = [r for r in rows if r.get("patched_xfer") or r.get("base_xfer")]
    if not rows:
        return NM
    data = "".join("%d %s %s %s\n" % (r["n"], col(r.get("sd_xfer")), col(r.get("base_xfer")),
                                      col(r.get("patched_xfer")))
                   for r in rows)
    script = terminal(png) + """\
set title "cache-line transfers per exit, lazybench deadmm (TCG plugin coherence model)"
set xlabel "vCPUs"
set ylabel "transfers per exit"
set logscale xy 2
set xtics (%s)
set grid
set key top left
plot "$data" using 1:3 with linespoints pt 7 lw 2 title "base: whole kernel", \\
     "$data" using 1:4 with linespoints pt 5 lw 2 title "patched: whole kernel", \\
     "$data" using 1:2 with linespoints pt 9 lw 2 title "patched: the shootdown's own"
""" % ", ".join(str(r["n"]) for r in rows)
    return gnuplot(script, data, png)


def plot_scale(rows, png):
    """Cache-line transfers per operation against vCPUs, one line per
    workload and kernel (the medians of the runs); log scale."""
    def col(v):
        return "%.6f" % v if v else "NaN"
    sweep = sorted({r["n"] for r in rows})
    if not any(r["base_med"] or r["patched_med"] for r in rows):
        return NM
    data, plots = "", []
    for i, (w, what) in enumerate(SCALED):
        data += "".join("%d %s %s\n" % (r["n"], col(r["base_med"]), col(r["patched_med"]))
                        for r in rows if r["workload"] == w) + "\n\n"
        plots.append('"$data" index %d using 1:2 with linespoints dt 2 lc %d pt 7 lw 2 '
                     'title "base: %s"' % (i, i + 1, w))
        plots.append('"$data" index %d using 1:3 with linespoints dt 1 lc %d pt 5 lw 2 '
                     'title "patched: %s"' % (i, i + 1, w))
    script = terminal(png, 900, 540) + """\
set title "cache-line transfers per operation (TCG plugin coherence model; median of the runs)"
set xlabel "vCPUs"
set ylabel "transfers per operation"
set logscale xy 2
set xrange [%g:%g]
set xtics (%s)
set grid
set key outside right
plot %s
""" % (sweep[0] / 1.25, sweep[-1] * 1.25, ", ".join(str(n) for n in sweep),
       ", \\\n     ".join(plots))
    return gnuplot(script, data, png)


def section_scale(rows, nruns, err):
    """Transfers per operation against vCPUs (bench-scale)."""
    head = "## Cache-line transfers per operation against vCPUs\n\n"
    if not rows or not any(r["base_med"] is not None or r["patched_med"] is not None
                           for r in rows):
        return head + "%s (no bench-scale runs: SCALE_SWEEP)\n\n" % NM
    out = [head,
           "Counted by the plugin's coherence model (as above) in "
           "`guest/tests/bench-scale.sh`, at each vCPU count, %d run%s on "
           "each kernel, back to back. Context_switch1 and the fork/exit "
           "storm run one job per vCPU; the ping-pong stays on CPUs 0 and 1 "
           "while the others idle. One operation: %s. The cells are the "
           "median over the runs; *difference* is base minus patched in "
           "each run, to show how stable the A/B difference is. Under TCG "
           "all vCPUs share %s, so at more vCPUs each one runs in coarser "
           "slices: a line can be used many times between two transfers, "
           "and the counts fall short of a machine whose CPUs run at once "
           "(see the note above), more so as vCPUs grow.\n\n"
           % (nruns, "" if nruns == 1 else "s",
              "; ".join("%s: %s" % (w, what) for w, what in SCALED),
              "the host's threads")]
    out.append(table(("workload", "vCPUs", "base transfers/op", "patched transfers/op",
                      "difference per run", "mm_count line/op base",
                      "mm_count line/op patched"),
                     [(r["workload"], r["n"], fmt_ratio(r["base_med"]),
                       fmt_ratio(r["patched_med"]),
                       ", ".join(fmt_signed(d) for d in r["diff"]) or NM,
                       fmt_ratio(r["base_mm_med"]), fmt_ratio(r["patched_mm_med"]))
                      for r in rows]))
    out.append("\n" + image("scale-transfers.png", err))
    return "".join(out) + "\n"


def plot_locks(locks, png):
    """One panel per workload: their per-unit scales differ a lot."""
    data, panels = "", []
    for w in COUNTED:
        rows = []
        for v in VARIANTS:
            r = locks[w][v]
            if r and r["units"]:
                rows.append("%s %.6f %.6f\n" % (v, per_unit(r["totals"]["atomic"], r["units"]),
                                                per_unit(r["totals"]["barrier"], r["units"])))
        if rows:
            panels.append((w, len(panels)))
            data += "".join(rows) + "\n\n"   # gnuplot data block per panel
    if not panels:
        return NM
    plots = ""
    for w, idx in panels:
        plots += """\
set title "%s: locked instructions per %s"
plot "$data" index %d using 2:xtic(1) title "atomic" lc rgb "#c0392b", \\
     "" index %d using 3 title "barrier" lc rgb "#2980b9"
""" % (w, UNIT_SHORT[w], idx, idx)
    script = terminal(png, 400 * len(panels) + 100) + """\
set multiplot layout 1,%d
set style data histogram
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set key top right
set ylabel "per unit"
%sunset multiplot
""" % (len(panels), plots)
    return gnuplot(script, data, png)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def image(name, err):
    return "![%s](%s)\n" % (name, name) if err is None else "(plot %s: %s)\n" % (name, err)


def verdict(ok):
    return NM if ok is None else "pass" if ok else "miss"


def headline(thr, locks, ipi):
    """The three goals: -> list of (metric, base, patched, goal, verdict)."""
    pp = locks["pingpong"]
    b, p = pp["base"], pp["patched"]
    bmm = per_unit(b["mm_pair"], b["units"]) if b else None
    pmm = per_unit(p["mm_pair"], p["units"]) if p else None
    ball = per_unit(b["totals"]["atomic"], b["units"]) if b else None
    pall = per_unit(p["totals"]["atomic"], p["units"]) if p else None
    rows = [("mm_count pair atomics per round trip (pingpong)", fmt_ratio(bmm),
             fmt_ratio(pmm), "patched == 0",
             verdict(None if pmm is None else p["mm_pair"] == 0)),
            ("all locked atomics per round trip (pingpong)", fmt_ratio(ball),
             fmt_ratio(pall), "-", "info")]
    # The IPIs the series itself sends are counted exactly by the patched
    # kernel; /proc/interrupts also moves with scheduling noise, so its
    # difference is averaged over the sweep.
    sd_ipis = sd_exits = 0
    for r in ipi:
        p = r["patched"] or {}
        if p.get("shootdown_ipis") is not None and p.get("exits"):
            sd_ipis += p["shootdown_ipis"]
            sd_exits += p["exits"]
    sd_pe = per_unit(sd_ipis, sd_exits) if sd_exits else None
    rows.append(("shootdown IPIs per exit, whole sweep (patched vmstat counter)", "-",
                 fmt_ratio(sd_pe), "<= %.2f" % GOAL_EXTRA_IPIS,
                 verdict(sd_pe <= GOAL_EXTRA_IPIS if sd_pe is not None else None)))
    done = [r for r in ipi if r["extra"] is not None]
    mean = (lambda k: sum(r[k] for r in done) / len(done)) if done else None
    rows.append(("extra CAL + TLB IPIs per exit, mean of %s vCPU counts (/proc/interrupts)"
                 % (len(done) or "the"),
                 fmt_ratio(mean("base_pe")) if done else NM,
                 fmt_ratio(mean("patched_pe")) if done else NM,
                 "patched - base <= %.2f" % GOAL_EXTRA_IPIS,
                 verdict(mean("extra") <= GOAL_EXTRA_IPIS if done else None)
                 + (" (%s)" % fmt_signed(mean("extra")) if done else "")))
    for w in COUNTED:
        b, p = locks.get(w, {}).get("base"), locks.get(w, {}).get("patched")
        for key, what in (("insns", "kernel instructions"), ("stores", "kernel memory writes")):
            bv = per_unit(b.get(key), b["units"]) if b else None
            pv = per_unit(p.get(key), p["units"]) if p else None
            if bv is not None or pv is not None:
                rows.append(("%s per %s (%s, TCG plugin)" % (what, UNIT_SHORT[w], w),
                             fmt_int(round(bv)) if bv is not None else NM,
                             fmt_int(round(pv)) if pv is not None else NM, "-",
                             "info (patched/base %s)" % fmt_ratio(ratio(pv, bv))))
        bsw, psw = switch_path(b), switch_path(p)
        if bsw or psw:
            for k, what in ((0, "instructions"), (1, "memory writes")):
                bv = bsw[k] if bsw else None
                pv = psw[k] if psw else None
                rows.append(("context-switch path %s per switch (%s, TCG plugin)"
                             % (what, w),
                             fmt_ratio(bv), fmt_ratio(pv), "-",
                             "info (patched/base %s)" % fmt_ratio(ratio(pv, bv))))
    measured = [(w, s["ratio"]) for w, s in thr.items() if s["ratio"] is not None]
    worst = min(measured, key=lambda x: x[1]) if measured else None
    rows.append(("worst throughput ratio (%s)" % (worst[0] if worst else "-"), "-",
                 fmt_ratio(worst[1]) if worst else NM, ">= %.2f" % GOAL_RATIO,
                 verdict(worst[1] >= GOAL_RATIO if worst else None)))
    return rows


def section_intro(a, m):
    q, k = m["qemu"], m["kernel"]
    accel = q.get("accel")
    kvm = accel == "kvm"
    sentences = [
        "This report compares an unpatched **base** kernel with the **patched** "
        "kernel (x86 \"no task active_mm\": lazy TLB context switches no longer "
        "do an atomic inc/dec of `mm->mm_count`; dying mms are shot down from "
        "`__mmput()` instead).",
        "Both ran under QEMU %s with %s vCPUs for the throughput and profile "
        "runs, %s for the count runs and %s vCPUs in the IPI sweep, on a host "
        "with %s CPUs (%s): QEMU %s for the throughput runs, %s for the count "
        "runs (as the runs recorded them)." % (
            "%s (`-accel %s -cpu %s`)" % (accel.upper(), accel, q.get("cpu") or "?")
            if accel else "(command line " + NM + ")", q.get("smp") or NM,
            m.get("count_qemu", {}).get("smp") or NM,
            " ".join(str(n) for n in a.sweep) or NM, m["host_cpus"], m["host_cpu"],
            m["qemu_version"] or NM, m.get("count_qemu_version") or NM),
        "Kernels: %s." % ", ".join("%s `%s`" % (v, k[v] or NM) for v in VARIANTS),
        "Throughput: %d interleaved base/patched rounds of %s s per workload." % (
            a.rounds, a.secs if a.secs is not None else "?"),
        "Timings from a virtual machine are noisy; the headline figures are exact "
        "counts." if kvm else
        "Under TCG every instruction is emulated, so timings are noisy and do not "
        "model cache-line contention at all: the headline figures are therefore "
        "exact counts (locked instructions per unit of work from a TCG plugin, "
        "IPIs from /proc/interrupts), and the throughput ratios only check that "
        "nothing got grossly slower.",
    ]
    return ("# Lazy TLB without mm_count refcounting: base vs patched\n\n"
            + " ".join(sentences) + "\n\n")


def section_locks(locks, err):
    out = ["## Locked instructions per unit of work\n\n",
           "Counted by the `tools/lockcount` TCG plugin between the START and "
           "STOP markers of `lazybench -n` (all kernel code on all vCPUs, so "
           "timer and other background work is included), attributed to "
           "functions with `tools/lockcount/symbolize.py` and the System.map "
           "of each build. *atomic* = shared read-modify-write (LOCK prefix or "
           "XCHG with memory); *barrier* = `lock add/or $0` to the stack, i.e. "
           "`smp_mb()`. *mm_count pair* = `lock incl`/`lock decl` in %s, where "
           "`mmgrab_lazy_tlb()`/`mmdrop_lazy_tlb()` are inlined.\n" %
           ", ".join("`%s`" % f for f in ("__schedule", "context_switch",
                                            "finish_task_switch", "mmgrab*",
                                            "mmdrop*"))
           + "\n"]
    rows = []
    for w in COUNTED:
        for v in VARIANTS:
            r = locks[w][v]
            if r is None:
                rows.append((w, v) + (NM,) * 8)
                continue
            u = r["units"]
            t = r["totals"]
            rows.append((w, v, fmt_int(u), fmt_int(t["atomic"]), fmt_int(t["barrier"]),
                         fmt_ratio(per_unit(t["atomic"], u)),
                         fmt_ratio(per_unit(t["barrier"], u)),
                         fmt_ratio(per_unit(r["mm_pair"], u)),
                         fmt_int(round(per_unit(r["insns"], u)))
                         if r.get("insns") is not None and u else NM,
                         fmt_int(round(per_unit(r["stores"], u)))
                         if r.get("stores") is not None and u else NM))
    out.append(table(("workload", "kernel", "units", "atomic", "barrier",
                      "atomic/unit", "barrier/unit", "mm_count pair/unit",
                      "kernel insns/unit", "kernel writes/unit"), rows))
    out.append("\nUnits: " + "; ".join("%s = one %s" % (w, UNIT_OF[w]) for w in COUNTED)
               + ". *kernel insns* = every instruction executed at kernel "
               "addresses in the window, all vCPUs (idle loops included), "
               "counted per translation block: the exact cost of the work "
               "under TCG, where timings are noise. *kernel writes* = every "
               "memory write made by those instructions (stores, pushes, "
               "calls, locked RMWs), counted per access.\n\n"
               + image("locked-per-unit.png", err))
    for w in COUNTED:
        b, p = locks[w]["base"], locks[w]["patched"]
        out.append("\n### Biggest per-unit changes by function: %s\n\n" % w)
        if not (b and p and b["units"] and p["units"]):
            out.append(NM + "\n")
            continue
        if b["mm_pair"] is None or p["mm_pair"] is None:
            out.append(NM + " (no System.map, or no lazymm-offsets.txt beside it, to attribute the counts)\n")
            continue
        ch = lock_changes(b, p)[:TOP_FUNCS]
        out.append(table(("function", "kind", "instruction", "base/unit",
                          "patched/unit", "change"),
                         [("`%s`" % c["function"], c["kind"], c["op"],
                           fmt_ratio(c["base"]), fmt_ratio(c["patched"]),
                           fmt_signed(c["change"])) for c in ch])
                   if ch else "no per-function change\n")
        if b.get("blocks") is None or p.get("blocks") is None:
            continue
        out.append("\n### Kernel instructions and writes by function: %s\n\n"
                   "Per %s, from the plugin's per-block counts (each block "
                   "goes to the function of its first instruction). The "
                   "context-switch path is %s; its first row is per context "
                   "switch (the runs of `%s`'s entry block: %s base, %s "
                   "patched, per %s), the others per %s.\n\n"
                   % (w, UNIT_SHORT[w], ", ".join("`%s`" % f for f in SWITCH_PATH_FUNCS),
                      SWITCH_ENTRY, fmt_ratio(per_unit(b.get("switches"), b["units"])),
                      fmt_ratio(per_unit(p.get("switches"), p["units"])),
                      UNIT_SHORT[w], UNIT_SHORT[w]))
        bsw, psw = switch_path(b), switch_path(p)
        rows = []
        if bsw and psw:
            rows.append(("**context-switch path, per switch**", fmt_ratio(bsw[0]),
                         fmt_ratio(psw[0]), fmt_signed(psw[0] - bsw[0]),
                         fmt_ratio(bsw[1]), fmt_ratio(psw[1]),
                         fmt_signed(psw[1] - bsw[1])))
        rows += [("`%s`" % c["function"], fmt_ratio(c["base"][0]),
                  fmt_ratio(c["patched"][0]), fmt_signed(c["change"]),
                  fmt_ratio(c["base"][1]), fmt_ratio(c["patched"][1]),
                  fmt_signed(c["wchange"]))
                 for c in block_changes(b, p)[:TOP_FUNCS]]
        out.append(table(("function", "base insns", "patched insns", "change",
                          "base writes", "patched writes", "change"), rows))
    return "".join(out)


def section_coherence(coh):
    """Cache-line transfers per unit of work, from the plugin's coherence
    model, in the same windows as the locked-instruction counts."""
    if all(coh[w][v] is None for w in COUNTED for v in VARIANTS):
        return ("## Cache-line transfers per unit of work\n\n%s (count runs made "
                "without the plugin's `coherence=`)\n\n" % NM)
    out = ["## Cache-line transfers per unit of work\n\n",
           "Counted by the same plugin runs' coherence model (`coherence=`, "
           "see `tools/lockcount/lockcount.c`): per 64-byte line of kernel "
           "memory, the vCPUs holding a copy and the last writer, with "
           "caches that never evict. *read* = a read of a line another vCPU "
           "wrote last; *invalidate* = a plain write to a line other vCPUs "
           "hold; *locked* = a locked RMW doing either. Each is a line moving "
           "between CPUs, which is what a lazy switch's `mm_count` atomics "
           "cost on a big machine. *mm_count line* = every transfer on the "
           "lines that the mm_count pair instructions made a transfer on "
           "(0 where none of them ran). QEMU reports an access "
           "after making it, so with vCPUs running at once a transfer can "
           "look like a hit: counts may come short, never over.\n\n"]
    rows = []
    for w in COUNTED:
        for v in VARIANTS:
            r = coh[w][v]
            if r is None:
                rows.append((w, v) + (NM,) * 6)
                continue
            u, t = r["units"], r["totals"]
            rows.append((w, v, fmt_int(u), fmt_ratio(per_unit(sum(t), u)))
                        + tuple(fmt_ratio(per_unit(x, u)) for x in t)
                        + (fmt_ratio(per_unit(r["mm_line"], u)),))
    out.append(table(("workload", "kernel", "units", "transfers/unit", "read/unit",
                      "invalidate/unit", "locked/unit", "mm_count line/unit"), rows))
    for w in COUNTED:
        b, p = coh[w]["base"], coh[w]["patched"]
        if not (b and p and b["units"] and p["units"]
                and b["funcs"] is not None and p["funcs"] is not None):
            continue
        out.append("\n### Transfers by function: %s\n\n" % w)
        new = new_switch_transfers(b, p)
        out.append("Context-switch path functions (%s) that make transfers on "
                   "the patched kernel and made none on base: %s.\n\n"
                   % (", ".join("`%s`" % f for f in SWITCH_PATH_FUNCS),
                      ", ".join("`%s`" % f for f in new) if new else "none"))
        if b.get("data") is not None and p.get("data") is not None:
            keys = sorted(set(b["data"]) | set(p["data"]),
                          key=lambda k: -max(b["data"].get(k, 0) / b["units"],
                                             p["data"].get(k, 0) / p["units"]))
            out.append("By the data the line holds (the mm_count line from the "
                       "mm_count pair, per-CPU data from each vCPU's per-CPU "
                       "offset as the plugin learnt it, static data from "
                       "System.map; gs_conflicts base %s, patched %s):\n\n"
                       % (b.get("gs_conflicts"), p.get("gs_conflicts")))
            out.append("no transfers\n\n" if not keys else
                       table(("data", "base/unit", "patched/unit", "change"),
                             [(k, fmt_ratio(b["data"].get(k, 0) / b["units"]),
                               fmt_ratio(p["data"].get(k, 0) / p["units"]),
                               fmt_signed((p["data"].get(k, 0) / p["units"])
                                          - (b["data"].get(k, 0) / b["units"])))
                              for k in keys[:TOP_FUNCS]]) + "\n")
        ch = coherence_changes(b, p)[:TOP_FUNCS]
        out.append(table(("function", "base/unit", "patched/unit", "change"),
                         [("`%s`" % c["function"], fmt_ratio(c["base"]),
                           fmt_ratio(c["patched"]), fmt_signed(c["change"]))
                          for c in ch])
                   if ch else "no per-function change\n")
    return "".join(out) + "\n"


def section_throughput(thr, err, smp):
    rows = []
    for name, _, unit, _ in WORKLOADS:
        s = thr[name]
        rows.append((name, unit, fmt_num(s["base"]), fmt_num(s["patched"]),
                     fmt_ratio(s["ratio"]), fmt_ratio(s["min"]), fmt_ratio(s["max"]),
                     s["n"]))
    return ("\n## Throughput\n\nInterleaved rounds (base, patched, base, "
            "patched, ...), one VM boot each at %s vCPUs. Medians over the rounds "
            "where both kernels have a value; the ratio is patched/base of the "
            "medians (higher is better, `perf bench sched pipe` usecs/op are "
            "turned into ops/s first); min/max are of the per-round ratios.\n\n"
            % smp
            + table(("workload", "unit", "median base", "median patched",
                     "ratio", "min ratio", "max ratio", "n"), rows)
            + "\n" + image("throughput.png", err))


def section_perf(perf):
    out = ["\n## perf profiles\n\n`perf record -a -g -e cpu-clock` (no hardware "
           "PMU under TCG), `perf report --no-children --sort sym`; first round "
           "of each kernel.\n"]
    for w in PROFILED:
        b, p = perf[w]["base"], perf[w]["patched"]
        out.append("\n### %s\n\n" % w)
        out.append(perf_stat_table(b["stat"], p["stat"]) + "\n")
        out.append(top_symbols_table(b["report"], p["report"]))
        out.append("\nmm refcounting / lazy TLB functions (`%s`):\n\n" % MM_SYMBOLS.pattern
                   + table(("kernel", "share", "symbols"),
                           [mm_share_row(v, perf[w][v]["report"]) for v in VARIANTS]))
    return "".join(out)


def top_symbols_table(base, patched):
    """Top symbols of both kernels side by side; None = report missing."""
    def cell(rows, i):
        if rows is None:
            return (NM, "")
        if i >= len(rows):
            return ("", "")
        return ("`%s`" % rows[i][1], "%.2f%%" % rows[i][0])
    n = max(len((base or [])[:TOP_SYMBOLS]), len((patched or [])[:TOP_SYMBOLS]), 1)
    return table(("#", "base symbol", "base", "patched symbol", "patched"),
                 [(i + 1,) + cell(base, i) + cell(patched, i) for i in range(n)])


def mm_share_row(variant, rows):
    if rows is None:
        return (variant, NM, NM)
    total, hits = mm_share(rows)
    return (variant, "%.2f%%" % total,
            ", ".join("`%s` %.2f%%" % (sym, pct) for pct, sym in hits)
            or "none above the cut-off")


def perf_stat_table(b, p):
    if b is None and p is None:
        return "perf stat: " + NM + "\n"
    events = list((b or {}).keys()) + [e for e in (p or {}) if e not in (b or {})]
    rows = []
    for e in events:
        bv, bu = (b or {}).get(e, (NM, ""))
        pv, _ = (p or {}).get(e, (NM, ""))
        rows.append((e, (bu or "count"), bv, pv,
                     fmt_ratio(ratio(parse_number(pv), parse_number(bv)))))
    return ("perf stat (whole system, one fixed-time run, so counts scale with "
            "the work done):\n\n" + table(("event", "unit", "base", "patched",
                                           "patched/base"), rows))


def section_ipis(rows, err):
    def g(res, k):
        return fmt_int(res.get(k)) if res and k in res else NM

    def ipis(res):
        if not res or "cal_ipis" not in res or "tlb_ipis" not in res:
            return NM
        return "%d + %d" % (res["cal_ipis"], res["tlb_ipis"])
    main = [(r["n"], g(r["base"], "exits"), ipis(r["base"]), fmt_ratio(r["base_pe"]),
             g(r["patched"], "exits"), ipis(r["patched"]), fmt_ratio(r["patched_pe"]),
             fmt_signed(r["extra"]),
             verdict(None if r["extra"] is None else r["extra"] <= GOAL_EXTRA_IPIS))
            for r in rows]
    sd = []
    for r in rows:
        p = r["patched"]
        exits = p.get("exits") if p else None
        sd.append((r["n"], g(p, "exits"), g(p, "shootdown_calls"), g(p, "shootdown_ipis"),
                   g(p, "shootdown_idle"), g(p, "shootdown_local"),
                   fmt_ratio(per_unit(p.get("shootdown_ipis"), exits) if p else None)))
    return ("\n## IPIs per process exit\n\n`lazybench forkexit -j <vCPUs>` "
            "(a fixed number of exits per vCPU); IPIs are the CAL (function call) + TLB rows "
            "of /proc/interrupts over the run. Goal: patched adds at most %.2f "
            "IPIs per exit.\n\n" % GOAL_EXTRA_IPIS
            + table(("vCPUs", "base exits", "base CAL + TLB", "base IPIs/exit",
                     "patched exits", "patched CAL + TLB", "patched IPIs/exit",
                     "extra IPIs/exit", "goal"), main)
            + "\n" + image("ipi-per-exit.png", err)
            + "\nShootdown counters of the patched kernel (lazy_mm_shootdown* in "
              "/proc/vmstat): calls of `arch_shoot_down_dead_mm()`, IPIs it "
              "actually sent, calls that found no CPU on the mm (nothing to do), "
              "calls that moved the calling CPU off the mm (local switch).\n\n"
            + table(("vCPUs", "exits", "calls", "IPIs sent", "nothing to do",
                     "local switches", "shootdown IPIs/exit"), sd))


def section_model(locks):
    removed = removed_mm_pair(locks)
    if removed is None:
        per_round = NOMINAL_ATOMICS_PER_LAZY_ROUND
        src = ("the removed-atomics count was not measured, so the model uses "
               "the nominal %d per lazy round (one `mmgrab_lazy_tlb()` + one "
               "`mmdrop_lazy_tlb()`)" % per_round)
    else:
        per_round = removed / LAZY_ROUNDS_PER_ROUND_TRIP
        src = ("input: measured mm_count pair atomics removed per pingpong round "
               "trip = %.3f, and a round trip is %d lazy rounds (each of the two "
               "CPUs goes thread -> idle -> thread once), so a = %.3f shared "
               "atomics per lazy round" % (removed, LAZY_ROUNDS_PER_ROUND_TRIP, per_round))
    rows = [(n, "%.3f" % ((n - 1) / n), "%.3f" % (per_round * (n - 1) / n), "0")
            for n in MODEL_CPUS]
    return ("""
## Scale model (a model, not a measurement)

TCG does not model caches, so nothing above measures the cost that the series
removes. This section is arithmetic on the measured count. Assume N CPUs run
threads of one process and keep switching to idle and back (the lazy TLB
path). The base kernel does `a` atomic read-modify-writes on the one shared
`mm->mm_count` cache line per lazy round (`mmgrab_lazy_tlb()` on the way into
idle, `mmdrop_lazy_tlb()` on the way out). If switches are spread evenly over
the CPUs, the line was last written by another CPU with probability (N-1)/N,
so each RMW is a cache-line transfer with that probability: expected
transfers per lazy round (switch pair) = a(N-1)/N, i.e. 2(N-1)/N for a = 2.
The patched kernel does none, whatever N is. (%s.)

""" % src + table(("N CPUs", "(N-1)/N", "base: transfers per lazy round",
                   "patched"), rows) + """
The model only counts transfers; their cost grows with N and with the
distance between CPUs (sockets, chiplets), which is where the published
numbers come from:

- upstream powerpc `MMU_LAZY_TLB_SHOOTDOWN` (Nick Piggin, merged in v6.4),
  which removes the same refcounting: will-it-scale `context_switch1_threads`
  on a 192-core POWER8 went from about 1M to 118M context switches/s;
- Mathieu Desnoyers' 2024 RFC replacing the lazy mm refcount with hazard
  pointers reported +3% at 24 threads up to +28% at 192 threads.

These are other people's measurements on other hardware, quoted for scale;
this harness cannot reproduce them under TCG.
""")


def section_cost(coh):
    """What the mm_count line's transfers would cost on a 2-socket server:
    the counted transfers times a published per-transfer latency."""
    rows = []
    for w in COUNTED:
        b, p = coh[w]["base"], coh[w]["patched"]
        if not (b and p and b["units"] and p["units"]
                and b.get("mm_line") is not None and p.get("mm_line") is not None):
            continue
        saved = b["mm_line"] / b["units"] - p["mm_line"] / p["units"]
        rows.append((w, UNIT_SHORT[w], saved))
    if not rows:
        return ("## Cost of the transfers (an estimate)\n\n%s (count runs made "
                "without the plugin's `coherence=`)\n\n" % NM)
    out = ["""
## Cost of the transfers (an estimate, not a measurement)

The counts above are counted, not timed: what a transfer costs TCG cannot
show. This is the counted change in transfers on the `mm_count` line per
unit of work, times the published median latency of one line moving
between two cores (two pinned threads doing compare-and-exchange on one
line, from %s), with every transfer taken as a same-socket hop and then
as a cross-socket hop. It leaves out contention: with N CPUs on one mm
the line also queues, which is what the anchors' large-machine gains
show and what this cannot model.

""" % HOP_SOURCE]
    hdr = ["workload", "unit", "mm_count line transfers saved per unit"]
    for m, _, _ in HOP_NS:
        hdr += ["%s: same socket" % m, "other socket"]
    trs = []
    for w, unit, saved in rows:
        r = [w, unit, fmt_ratio(saved)]
        for _, same, other in HOP_NS:
            r += ["%.0f ns" % (saved * same), "%.0f ns" % (saved * other)]
        trs.append(tuple(r))
    out.append(table(tuple(hdr), trs))
    return "".join(out) + "\n"


def section_reproduce(a):
    sweep, sd = " ".join(map(str, a.sweep)), " ".join(map(str, a.sd_sweep))
    secs = a.secs if a.secs is not None else "5"
    return """
## How to reproduce

```
make                    # full run: ROUNDS=5 SECS=5 SWEEP="1 2 4 8" SD_SWEEP="1 2 4 8 16"
make bench-quick        # QUICK=1: ROUNDS=2 SECS=2 SWEEP="1 4" SD_SWEEP="1 4"
ROUNDS=%d SECS=%s SWEEP="%s" SD_SWEEP="%s" make    # this report's settings
python3 scripts/report.py --runs build/BASE/runs --out build/BASE/report \\
    --rounds %d --sweep "%s" --sd-sweep "%s" --secs %s \\
    --system-map-base build/BASE/out/base/System.map \\
    --system-map-patched build/BASE/out/patched/System.map
```

`make` (scripts/main.sh) builds both kernels, boots each under QEMU for every
run and rewrites build/BASE/report/; the last command only regenerates this
report from build/BASE/runs/ (BASE: 7.3, or 6.12 with `BASE=6.12 make`).
""" % (a.rounds, secs, sweep, sd, a.rounds, sweep, sd, secs)


def section_missing(miss, notes):
    if not miss.items and not notes:
        return "\n## Missing data\n\nNone: every expected input was read.\n"
    out = "\n## Missing data\n\n"
    out += "".join("- %s\n" % i for i in miss.items)
    out += "".join("- %s\n" % n for n in notes)
    return out


def section_mutants(out):
    """The table make mutants wrote, if it ran: each test shown able to fail."""
    path = os.path.join(out, "mutants.md")
    if not os.path.exists(path):
        return ("\n## Mutants\n\nNot run: `make mutants` writes `%s`, which "
                "this report then includes.\n" % path)
    body = open(path).read().split("\n", 1)[1]     # without its own title
    return "\n## Mutants (`make mutants`)\n" + body


def section_shootdown(rows, removed_per_round_trip, plot_err=NM):
    """The deadmm sweep: what an exit costs when the shootdown has work."""
    def f(v):
        return fmt_ratio(v)
    tab = [(r["n"], fmt_int(r["exits"]), f(r["calls"]), f(r["found"]), f(r["ipis"]),
            f(r["sd_insns"]), f(r["base_ipis"]), f(r["patched_ipis"]),
            fmt_int(round(r["base_insns"])) if r["base_insns"] is not None else NM,
            fmt_int(round(r["patched_insns"])) if r["patched_insns"] is not None else NM)
           for r in rows]
    out = ["\n## The shootdown where it has work\n\n"
           "`lazybench deadmm -j <vCPUs>`: each process runs one thread per "
           "vCPU, spinning in user space; then one thread unmaps the whole "
           "address space, and the fault kills the group. Every thread exits "
           "on its own CPU, which goes idle lazily on the mm, and `exit_mmap()` "
           "finds no VMA, so it frees no page tables and sends no flush: only "
           "the shootdown moves those CPUs (the `munmap()`'s own flush reached "
           "the threads while they still ran). Counted under the TCG plugin, "
           "so the instruction counts are exact. *Found* = CPUs the shootdown "
           "found on the mm (IPIs + the calling CPU); *shootdown insns* = "
           "instructions in %s, on all CPUs (the per-candidate test runs once "
           "per CPU in `mm_cpumask()`, the handler on each CPU found).\n\n"
           % ", ".join("`%s`" % fn for fn in SHOOTDOWN_FUNCS),
           table(("vCPUs", "exits", "shootdown calls/exit", "found/exit",
                  "shootdown IPIs/exit", "shootdown insns/exit",
                  "base CAL+TLB IPIs/exit", "patched CAL+TLB IPIs/exit",
                  "base kernel insns/exit", "patched kernel insns/exit"), tab)]
    xf = [(r["n"], f(r["sd_xfer"]), f(r["base_xfer"]), f(r["patched_xfer"]))
          for r in rows]
    if any(r["patched_xfer"] is not None or r["base_xfer"] is not None for r in rows):
        out.append("\nCache-line transfers per exit, from the plugin's coherence "
                   "model (see \"Cache-line transfers per unit of work\"): those "
                   "the shootdown's own functions make (its reads of other CPUs' "
                   "`cpu_tlbstate`, the IPIs' call data), and all the kernel "
                   "makes, both kernels:\n\n"
                   + table(("vCPUs", "shootdown transfers/exit",
                            "base kernel transfers/exit",
                            "patched kernel transfers/exit"), xf))
        if plot_err != NM:
            out.append("\n" + image("shootdown-transfers.png", plot_err))
    sq = [(r["n"], fmt_int(r["sqpoll"]["exits"]), f(r["sqpoll"]["calls"]),
           f(r["sqpoll"]["ipis"]), f(r["sqpoll"]["local"]), f(r["sqpoll"]["cal_tlb"]))
          for r in rows if r.get("sqpoll")]
    if sq:
        out.append("\nAn mm whose last user may be io_uring's SQPOLL thread "
                   "(`lazybench sqpoll`: the poller on the last vCPU, the "
                   "process on CPU 0; `exit_mmap()` flushes as usual), patched, "
                   "per exit:\n\n"
                   + table(("vCPUs", "exits", "shootdown calls", "shootdown IPIs",
                            "calling CPU on the mm", "CAL+TLB IPIs"), sq))
    hp = [(r["n"], fmt_int(r["hotplug"]["exits"]), fmt_int(r["hotplug"]["hotplug_ops"]),
           f(r["hotplug"]["calls"]), f(r["hotplug"]["found"]), f(r["hotplug"]["ipis"]),
           f(r["hotplug"]["base_cal_tlb"]), f(r["hotplug"]["cal_tlb"]))
          for r in rows if r.get("hotplug")]
    if hp:
        out.append("\nExits racing CPU hotplug (`lazybench deadmm -H <last vCPU>`: "
                   "the same exits while a thread takes the last vCPU offline and "
                   "online without pause, so that a dying mm's CPU goes down, or "
                   "comes up with its bit still in the loose `mm_cpumask()`, "
                   "during the shootdown), per exit; *hotplug ops* counts each "
                   "offline and each online. The console of each boot is "
                   "scanned like every other run's:\n\n"
                   + table(("vCPUs", "exits", "hotplug ops", "shootdown calls",
                            "found", "shootdown IPIs", "base CAL+TLB IPIs",
                            "patched CAL+TLB IPIs"), hp))
    fi = linear_fit([(r["n"], r["sd_insns"]) for r in rows])
    fp = linear_fit([(r["n"], r["ipis"]) for r in rows])
    if fi is None or fp is None:
        out.append("\nGrowth fit: " + NM + " (needs two vCPU counts).\n")
        return "".join(out)
    out.append("\nLeast-squares fit over the measured vCPU counts, N = CPUs in "
               "the mask: shootdown instructions per exit = %.1f + %.2f N; "
               "shootdown IPIs per exit = %.3f + %.3f N.\n\n" % (fi + fp))
    model = [("%d (model)" % n, fmt_int(round(fi[0] + fi[1] * n)),
              fmt_ratio(fp[0] + fp[1] * n)) for n in SHOOTDOWN_MODEL_CPUS]
    out.append("A model, not a measurement: the same fit at machine sizes "
               "nobody runs under TCG, for a process with a thread on every "
               "CPU that dies this way.\n\n"
               + table(("CPUs", "shootdown insns per exit", "shootdown IPIs per exit"),
                       model))
    saved = ("%.2f" % removed_per_round_trip if removed_per_round_trip is not None
             else NM)
    out.append("\nFor scale: the refcount this replaces costs %s shared "
               "atomics per pipe ping-pong round trip (measured above: 2 per "
               "CPU per trip through idle), on the one `mm_count` cache line "
               "of the mm, for every lazy switch during the mm's whole life, "
               "and each contended atomic is a cache-line transfer. The "
               "shootdown is paid once per dying mm, and only for the CPUs "
               "still lazily on it. Published anchors: Nick Piggin's powerpc "
               "shootdown (at `__mmdrop()`, `MMU_LAZY_TLB_SHOOTDOWN`) measured "
               "+314 IPIs over a whole kernel compile on 144 CPUs; the "
               "hazard-pointer RFC sends none but scans every CPU's slot "
               "when an mm is freed, N reads, like the per-candidate test "
               "here.\n" % saved)
    return "".join(out)


def section_pmu(pmu):
    """perf with a hardware PMU: the locked-access event and perf c2c, or
    why that part was skipped."""
    head = ("\n## perf with a hardware PMU\n\n`perf stat` with the CPU's "
            "locked-access event (Intel `mem_inst_retired.lock_loads`, AMD "
            "`ls_locks.bus_lock`) and `perf c2c` (contended cache lines, from "
            "`perf script -F addr,data_src,ip,sym` of its record) on %s, first "
            "round of each kernel. " % ", ".join(PMU_PROFILED))
    found = {v: p for v, p in pmu.items() if p and not p["pmu"].startswith("none")}
    if not found:
        why = "; ".join("%s: %s" % (v, p["pmu"] if p else NM) for v, p in pmu.items())
        return head + "Skipped: no hardware PMU in the guests (%s). Under TCG every " \
            "instruction is emulated and there are no counters; the TCG " \
            "plugin's exact counts above take their place.\n" % why
    rows = []
    for w in PMU_PROFILED:
        st = {v: (found[v]["locks"].get(w) if v in found else None) for v in VARIANTS}
        c2 = {v: c2c_summary(found[v]["c2c"].get(w)) if v in found else None
              for v in VARIANTS}
        ev = [(e, val) for v in VARIANTS for e, val in (st[v] or {}).items()]
        event = ev[0][0] if ev else NM
        cnt = {v: parse_number((st[v] or {}).get(event, (None,))[0]) for v in VARIANTS}

        def g(v, k):
            return fmt_int(c2[v][k]) if c2[v] else NM
        top = c2["base"]["top"] if c2["base"] else None
        rows.append((w, event, fmt_int(cnt["base"]), fmt_int(cnt["patched"]),
                     fmt_ratio(ratio(cnt["patched"], cnt["base"])),
                     g("base", "hitm"), g("patched", "hitm"),
                     g("base", "lazy_hitm"), g("patched", "lazy_hitm"),
                     "%#x: %s" % (top[0], ", ".join("`%s`" % x for x in top[2]))
                     if top else NM))
    pmus = "; ".join("%s: %s" % (v, found[v]["pmu"]) for v in found)
    return head + "PMU: %s.\n\n" % pmus + table(
        ("workload", "event", "base", "patched", "patched/base",
         "base HITM samples", "patched HITM samples",
         "base HITM on lazy-switch lines", "patched HITM on lazy-switch lines",
         "base: busiest such line"), rows)
