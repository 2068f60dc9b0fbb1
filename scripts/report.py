#!/usr/bin/env python3
"""Write build/report/report.md (and PNG plots) from the A/B benchmark runs.

usage: report.py --runs DIR --out DIR [--rounds R] [--sweep "1 2 4 8"]
                 [--secs S] [--system-map-base PATH]
                 [--system-map-patched PATH] [--strict]

Inputs are the run directories written by scripts/run-vm.sh (see
scripts/main.sh): bench-<variant>-r<round>/, count-<variant>/ and
ipi-<variant>-smp<N>/. Anything missing becomes "not measured" and is
listed under "Missing data"; only --strict turns that into a failure.
Standard library only; the plots need the gnuplot binary.
"""
import argparse
import importlib.util
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
VARIANTS = ("base", "patched")
NM = "not measured"

# (name, RESULT key, unit, the value is usecs/op and must become ops/s)
WORKLOADS = [
    ("pingpong", "pingpong_per_sec", "round trips/s", False),
    ("forkexit", "forkexit_per_sec", "fork+exit/s", False),
    ("exec", "exec_per_sec", "fork+exec/s", False),
    ("thread", "thread_per_sec", "threads/s", False),
    ("perf_pipe", "perf_pipe_usecs_per_op", "ops/s (1e6 / usecs per op)", True),
    ("cs1_threads", "cs1_threads_per_sec", "switches/s (context_switch1)", False),
    ("cs1_processes", "cs1_processes_per_sec", "switches/s (context_switch1)", False),
    ("hackbench_process", "hackbench_process_msgs_per_sec", "messages/s (hackbench -p -P)",
     False),
    ("hackbench_thread", "hackbench_thread_msgs_per_sec", "messages/s (hackbench -p -T)",
     False),
]
PROFILED = ("pingpong", "forkexit", "cs1", "hackbench")   # perf workloads
COUNTED = ("pingpong", "forkexit", "exec", "cs1", "hackbench")   # lockcount workloads
UNIT_OF = {"pingpong": "round trip (4 context switches through idle)",
           "forkexit": "fork + exit + wait",
           "exec": "fork + exec of /bin/true + exit + wait",
           "cs1": "context_switch1 round trip, threads, one pair on one CPU "
                  "(2 direct switches, no idle)",
           "hackbench": "hackbench message (pipes, processes, 1 group of 40)"}
UNIT_SHORT = {"pingpong": "round trip", "forkexit": "fork+exit", "exec": "fork+exec",
              "cs1": "cs1 round trip", "hackbench": "message"}
# pingpong: two pinned threads, each CPU goes thread -> idle -> thread once
# per round trip, so one round trip is two lazy rounds.
LAZY_ROUNDS_PER_ROUND_TRIP = 2
NOMINAL_ATOMICS_PER_LAZY_ROUND = 2    # mmgrab_lazy_tlb + mmdrop_lazy_tlb

MM_SYMBOLS = re.compile(r"mmgrab|mmdrop|__mmdrop|finish_task_switch|"
                        r"switch_mm_irqs_off|enter_lazy_tlb|"
                        r"arch_shoot_down_dead_mm|mmput|__mmput")
# Where mmgrab_lazy_tlb()/mmdrop_lazy_tlb() end up inlined in the base kernel.
LAZY_SWITCH_FUNCS = {"__schedule", "context_switch", "finish_task_switch",
                     "mmgrab", "mmgrab_lazy_tlb", "mmdrop", "mmdrop_sched",
                     "mmdrop_lazy_tlb", "mmdrop_lazy_tlb_sched", "__mmdrop"}
MM_COUNT_OPS = {"lock incl", "lock decl"}   # atomic_inc / atomic_dec_and_test
# The context switch itself: context_switch() is inlined in __schedule().
SWITCH_PATH_FUNCS = ("__schedule", "finish_task_switch", "switch_mm_irqs_off",
                     "enter_lazy_tlb", "__switch_to", "__switch_to_asm")
# Runs once per context switch: the entry block of this counts switches.
SWITCH_ENTRY = "__switch_to_asm"

GOAL_EXTRA_IPIS = 0.05
GOAL_RATIO = 0.98
MODEL_CPUS = (1, 2, 4, 8, 24, 64, 192)
TOP_SYMBOLS = 12
TOP_FUNCS = 12


def load_symbolize():
    """tools/lockcount/symbolize.py owns the System.map attribution."""
    path = os.path.join(TOP, "tools", "lockcount", "symbolize.py")
    spec = importlib.util.spec_from_file_location("symbolize", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


symbolize = load_symbolize()


class Missing:
    """Collects what could not be read, for the report and --strict."""

    def __init__(self, runs):
        self.runs = runs
        self.items = []

    def add(self, path, why="missing"):
        inside = path != self.runs and path.startswith(self.runs + os.sep)
        rel = os.path.relpath(path, self.runs) if inside else path
        item = "%s: %s" % (rel, why)
        if item not in self.items:
            self.items.append(item)

    def existing(self, path):
        """path if it is a readable file, else None (and remember it)."""
        if os.path.isfile(path):
            return path
        self.add(path)
        return None


# ---------------------------------------------------------------- numbers

def median(values):
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


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


# ---------------------------------------------------------------- readers

def read_results(path):
    """RESULT <key> <value> lines -> {key: float}; other lines are noise."""
    res = {}
    with open(path, errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "RESULT":
                try:
                    res[parts[1]] = float(parts[2])
                except ValueError:
                    pass    # e.g. perf bench output that did not parse
    return res


def check_rc(logpath, miss):
    """A test that exited non-zero may have left partial results."""
    rc = logpath[:-len(".log")] + ".rc"
    try:
        with open(rc) as f:
            code = f.read().strip()
    except OSError:
        return
    if code != "0":
        miss.add(rc, "test exited with status %s" % code)


def read_test_results(path, miss):
    if not miss.existing(path):
        return None
    check_rc(path, miss)
    return read_results(path)


def read_throughput(runs, rounds, miss):
    """-> {workload: {"base": [per round or None], "patched": [...]}}"""
    out = {w[0]: {v: [] for v in VARIANTS} for w in WORKLOADS}
    for r in range(1, rounds + 1):
        for v in VARIANTS:
            path = os.path.join(runs, "bench-%s-r%d" % (v, r), "bench-throughput.log")
            res = read_test_results(path, miss)
            for name, key, _, usecs in WORKLOADS:
                val = res.get(key) if res is not None else None
                if res is not None and val is None:
                    miss.add(path, "no RESULT %s" % key)
                if usecs:   # lower-is-better latency -> rate
                    val = 1e6 / val if val else None
                out[name][v].append(val)
    return out


def summarize_workload(per_round):
    """Interleaved ABAB rounds: only rounds with both variants count."""
    pairs = [(b, p) for b, p in zip(per_round["base"], per_round["patched"])
             if b is not None and p is not None]
    base = [b for b, _ in pairs]
    patched = [p for _, p in pairs]
    ratios = [p / b for b, p in pairs if b]
    mb, mp = median(base), median(patched)
    return {"n": len(pairs), "base": mb, "patched": mp, "ratio": ratio(mp, mb),
            "min": min(ratios) if ratios else None,
            "max": max(ratios) if ratios else None}


def read_perf_stat(path):
    """perf stat -x, CSV -> {event: (value string, unit)}."""
    events = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split(",")
            if len(fields) >= 3 and fields[2]:
                events[fields[2]] = (fields[0], fields[1])
    return events


def parse_number(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None   # "<not counted>", "<not supported>"


PERF_LINE = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s+\[(.)\]\s+(\S.*?)\s*$")


def read_perf_report(path):
    """perf report --stdio --sort sym -> [(percent, symbol)] in file order."""
    rows = []
    with open(path, errors="replace") as f:
        for line in f:
            m = PERF_LINE.match(line)
            if m:
                rows.append((float(m.group(1)), m.group(3)))
    return rows


def mm_share(rows):
    """Share of the mm refcounting / lazy TLB functions in a profile."""
    hits = [(pct, sym) for pct, sym in rows if MM_SYMBOLS.search(sym)]
    return sum(p for p, _ in hits), hits


def read_perf(runs, miss):
    """-> {workload: {variant: {"stat": {...} or None, "report": [...] or None}}}"""
    out = {}
    for w in PROFILED:
        out[w] = {}
        for v in VARIANTS:
            d = os.path.join(runs, "bench-%s-r1" % v)
            stat = miss.existing(os.path.join(d, "perf-stat-%s.csv" % w))
            rep = miss.existing(os.path.join(d, "perf-report-%s.txt" % w))
            out[w][v] = {"stat": read_perf_stat(stat) if stat else None,
                         "report": read_perf_report(rep) if rep else None}
    return out


# ---------------------------------------------------------------- lock counts

ALU = ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp")
LEGACY_PREFIXES = {0xf0, 0xf2, 0xf3, 0x66, 0x67, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65}
TWO_BYTE = {0xb0: "cmpxchg", 0xb1: "cmpxchg", 0xc0: "xadd", 0xc1: "xadd",
            0xab: "bts", 0xb3: "btr", 0xbb: "btc", 0xc7: "cmpxchg8b/16b"}


def decode_op(op, nxt, reg):
    """-> (mnemonic, byte operand?) of the opcode byte(s) after prefixes."""
    if op == 0x0f:
        if nxt == 0xba:
            return ("bt", "bts", "btr", "btc")[reg - 4] if reg >= 4 else "0f ba", False
        return TWO_BYTE.get(nxt, "0f %02x" % nxt), nxt in (0xb0, 0xc0)
    if op in (0xfe, 0xff) and reg < 2:
        return ("inc", "dec")[reg], op == 0xfe
    if op in (0xf6, 0xf7) and reg in (2, 3):
        return ("not", "neg")[reg - 2], op == 0xf6
    if op in (0x80, 0x81, 0x83):
        return ALU[reg], op == 0x80
    if op < 0x40 and op & 7 in (0, 1):   # ALU r/m, reg forms
        return ALU[op >> 3], op & 7 == 0
    if op in (0x86, 0x87):
        return "xchg", op == 0x86
    return "%02x" % op, False


def describe_insn(hexbytes):
    """Mnemonic of a locked instruction ("lock incl"): tells the mm_count
    inc/dec apart from the other RMWs of the same function."""
    try:
        b = bytes.fromhex(hexbytes)
    except ValueError:
        return "?"
    i, locked, opsz16, rex = 0, False, False, 0
    while i < len(b) and (b[i] in LEGACY_PREFIXES or b[i] & 0xf0 == 0x40):
        if b[i] & 0xf0 == 0x40:
            rex = b[i]
        else:
            locked |= b[i] == 0xf0
            opsz16 |= b[i] == 0x66
            rex = 0
        i += 1
    if i + 1 >= len(b):
        return "?"
    op, nxt = b[i], b[i + 1]
    reg = ((b[i + 2] if op == 0x0f and i + 2 < len(b) else nxt) >> 3) & 7
    name, byte_op = decode_op(op, nxt, reg)
    if name[0].isdigit() or " " in name or "/" in name:
        suffix = ""
    elif byte_op:
        suffix = "b"
    else:
        suffix = "q" if rex & 8 else "w" if opsz16 else "l"
    return ("lock " if locked else "") + name + suffix


def base_name(sym):
    """finish_task_switch.isra.0 -> finish_task_switch, so the two builds'
    compiler clones line up."""
    return sym.split(".", 1)[0]


def read_insn_bytes(path):
    """{vaddr: hex bytes}; symbolize.read_lockcount drops the bytes."""
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and not line.startswith("#"):
                out[int(parts[0], 16)] = parts[3]
    return out


def attribute_blocks(path, addrs, names):
    """The plugin's blocks= file -> ({function: [insns, stores]}, clones
    merged as in the lock tables; context switches counted)."""
    out = {}
    rows = symbolize.read_blocks(path)
    for fn, (i, st) in symbolize.blocks_by_function(rows, addrs, names).items():
        acc = out.setdefault(base_name(fn), [0, 0])
        acc[0] += i
        acc[1] += st
    return out, symbolize.entries(rows, addrs, names, SWITCH_ENTRY)


def attribute_locks(path, system_map, blocks=None):
    """One lockcount file -> units, totals and {(function, kind): {...}}.

    Counts go to functions through symbolize.py and are kept per
    (function, kind, instruction), so the mm_count `lock incl` of __schedule
    is not blurred with its other RMWs. Without a System.map everything
    lands in "<unknown>" and mm_pair is None."""
    units, rows = symbolize.read_lockcount(path)
    insns = read_insn_bytes(path)
    with open(path) as f:
        head = dict(t.split("=", 1) for t in f.readline().split()[3:] if "=" in t)
    addrs, names = symbolize.read_system_map(system_map) if system_map else ([], [])
    funcs, totals, mm_pair = {}, {"atomic": 0, "barrier": 0}, 0
    for addr, kind, count in rows:
        fn = base_name(symbolize.lookup(addrs, names, addr))
        op = describe_insn(insns.get(addr, ""))
        funcs[(fn, kind, op)] = funcs.get((fn, kind, op), 0) + count
        totals[kind] = totals.get(kind, 0) + count
        if kind == "atomic" and fn in LAZY_SWITCH_FUNCS and op in MM_COUNT_OPS:
            mm_pair += count
    blk, switches = (attribute_blocks(blocks, addrs, names)
                     if blocks and system_map else (None, None))
    return {"units": units, "totals": totals, "funcs": funcs,
            "blocks": blk, "switches": switches,
            "insns": int(head["insns"]) if "insns" in head else None,
            "stores": int(head["stores"]) if "stores" in head else None,
            "mm_pair": mm_pair if system_map else None}


def per_unit(count, units):
    return count / units if count is not None and units else None


def read_locks(runs, maps, miss):
    """-> {workload: {variant: attribute_locks() result or None}}"""
    for v in VARIANTS:
        if not maps.get(v):
            miss.add("--system-map-%s" % v, "not given: no per-function attribution")
        elif not os.path.isfile(maps[v]):
            miss.add(maps[v], "missing: no per-function attribution (%s)" % v)
    out = {}
    for w in COUNTED:
        out[w] = {}
        for v in VARIANTS:
            path = miss.existing(os.path.join(runs, "count-%s" % v, "lockcount-%s.txt" % w))
            res = None
            if path:
                smap = maps.get(v) if maps.get(v) and os.path.isfile(maps[v]) else None
                blocks = os.path.join(runs, "count-%s" % v, "blocks-%s.txt" % w)
                try:
                    res = attribute_locks(path, smap,
                                          blocks if os.path.isfile(blocks) else None)
                except (SystemExit, OSError, ValueError, IndexError) as e:
                    miss.add(path, "unreadable (%s)" % (e or "not a lockcount v1 file"))
                if res is not None and not res["units"]:
                    miss.add(path, "units=0: no unit of work was counted")
            out[w][v] = res
    return out


def switch_path(r):
    """-> (insns, stores) per context switch in SWITCH_PATH_FUNCS, or None.
    Per switch, not per unit: how often a unit of work switches depends on
    whether a vCPU spun or slept, which TCG on a busy host decides."""
    if not r or not r.get("blocks") or not r.get("switches"):
        return None
    i = sum(r["blocks"].get(f, [0, 0])[0] for f in SWITCH_PATH_FUNCS)
    st = sum(r["blocks"].get(f, [0, 0])[1] for f in SWITCH_PATH_FUNCS)
    return i / r["switches"], st / r["switches"]


def block_changes(base, patched):
    """Per function: instructions and writes per unit, base and patched,
    biggest instruction change first; unchanged ones are left out."""
    rows = []
    bb, pb = base["blocks"], patched["blocks"]
    for fn in set(bb) | set(pb):
        b = [c / base["units"] for c in bb.get(fn, [0, 0])]
        p = [c / patched["units"] for c in pb.get(fn, [0, 0])]
        if b == p:
            continue
        rows.append({"function": fn, "base": b, "patched": p,
                     "change": p[0] - b[0], "wchange": p[1] - b[1]})
    rows.sort(key=lambda r: (-abs(r["change"]), -abs(r["wchange"]), r["function"]))
    return rows


def lock_changes(base, patched):
    """Per (function, kind, instruction): per-unit counts and change,
    biggest change first; unchanged ones are left out."""
    rows = []
    for key in set(base["funcs"]) | set(patched["funcs"]):
        bu = per_unit(base["funcs"].get(key, 0), base["units"])
        pu = per_unit(patched["funcs"].get(key, 0), patched["units"])
        if bu is None or pu is None or bu == pu:
            continue
        rows.append({"function": key[0], "kind": key[1], "op": key[2],
                     "base": bu, "patched": pu, "change": pu - bu})
    rows.sort(key=lambda r: (-abs(r["change"]), r["function"], r["kind"]))
    return rows


# ---------------------------------------------------------------- IPIs

IPI_KEYS = ("cpus", "exits", "cal_ipis", "tlb_ipis")
SHOOTDOWN_KEYS = ("shootdown_calls", "shootdown_ipis", "shootdown_local",
                  "shootdown_idle")


def read_ipis(runs, sweep, miss):
    """-> {N: {variant: {key: int} or None}}"""
    out = {}
    for n in sweep:
        out[n] = {}
        for v in VARIANTS:
            path = os.path.join(runs, "ipi-%s-smp%d" % (v, n), "bench-ipi.log")
            res = read_test_results(path, miss)
            if res is not None:
                want = IPI_KEYS + (SHOOTDOWN_KEYS if v == "patched" else ())
                for k in want:
                    if k not in res:
                        miss.add(path, "no RESULT %s" % k)
                res = {k: int(val) for k, val in res.items()}
            out[n][v] = res
    return out


def ipis_per_exit(res):
    if not res or not res.get("exits") or "cal_ipis" not in res or "tlb_ipis" not in res:
        return None
    return (res["cal_ipis"] + res["tlb_ipis"]) / res["exits"]


def ipi_rows(ipis):
    rows = []
    for n in sorted(ipis):
        b, p = ipis[n]["base"], ipis[n]["patched"]
        bpe, ppe = ipis_per_exit(b), ipis_per_exit(p)
        extra = ppe - bpe if bpe is not None and ppe is not None else None
        rows.append({"n": n, "base": b, "patched": p, "base_pe": bpe,
                     "patched_pe": ppe, "extra": extra})
    return rows


# ---------------------------------------------------------------- machine

def first_match(path, pattern, lines=200):
    try:
        with open(path, errors="replace") as f:
            for i, line in enumerate(f):
                m = re.search(pattern, line)
                if m or i >= lines:
                    return m
    except OSError:
        pass
    return None


def kernel_version(runs, variant, miss):
    path = os.path.join(runs, "bench-%s-r1" % variant, "console.log")
    if not miss.existing(path):
        return None
    m = first_match(path, r"Linux version (\S+)")
    if not m:
        miss.add(path, "no \"Linux version\" line")
    return m.group(1) if m else None


def qemu_setup(path):
    """accel and -smp of a run from its qemu-cmdline.txt (printf %q words)."""
    try:
        with open(path) as f:
            words = shlex.split(f.read())
    except (OSError, ValueError):
        return None
    setup = {"accel": None, "smp": None, "cpu": None}
    for opt, val in zip(words, words[1:]):
        if opt == "-accel":
            setup["accel"] = val.split(",")[0]
        elif opt == "-smp":
            setup["smp"] = val.split(",")[0]
        elif opt == "-cpu":
            setup["cpu"] = val
        elif opt == "-enable-kvm":
            setup["accel"] = "kvm"
    return setup


def host_cpu():
    m = first_match("/proc/cpuinfo", r"^model name\s*:\s*(.*\S)", lines=100000)
    return m.group(1) if m else "unknown CPU"


def qemu_version():
    try:
        out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else None


def read_machine(runs, miss):
    cmd = miss.existing(os.path.join(runs, "bench-base-r1", "qemu-cmdline.txt"))
    count = os.path.join(runs, "count-base", "qemu-cmdline.txt")
    return {"qemu": (qemu_setup(cmd) if cmd else None) or {},
            "count_qemu": (qemu_setup(count) if os.path.exists(count) else None) or {},
            "host_cpu": host_cpu(),
            "host_cpus": len(os.sched_getaffinity(0)),
            "qemu_version": qemu_version(),
            "kernel": {v: kernel_version(runs, v, miss) for v in VARIANTS}}


# ---------------------------------------------------------------- plots

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


# ---------------------------------------------------------------- markdown

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
        "with %d CPUs (%s), QEMU %s." % (
            "%s (`-accel %s -cpu %s`)" % (accel.upper(), accel, q.get("cpu") or "?")
            if accel else "(command line " + NM + ")", q.get("smp") or NM,
            m.get("count_qemu", {}).get("smp") or NM,
            " ".join(str(n) for n in a.sweep) or NM, m["host_cpus"], m["host_cpu"],
            m["qemu_version"] or "(version unknown)"),
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
            out.append(NM + " (no System.map to attribute the counts)\n")
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
    pp = locks["pingpong"]
    b, p = pp["base"], pp["patched"]
    removed = None
    if b and p and b["units"] and p["units"] and b["mm_pair"] is not None \
            and p["mm_pair"] is not None:
        removed = per_unit(b["mm_pair"], b["units"]) - per_unit(p["mm_pair"], p["units"])
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


def section_reproduce(a):
    return """
## How to reproduce

```
make                    # full run: ROUNDS=5 SECS=5 SWEEP="1 2 4 8"
make bench-quick        # QUICK=1: ROUNDS=2 SECS=2 SWEEP="1 4"
ROUNDS=%d SECS=%s SWEEP="%s" make    # this report's settings
python3 scripts/report.py --runs build/runs --out build/report \\
    --rounds %d --sweep "%s" --secs %s \\
    --system-map-base build/out/base/System.map \\
    --system-map-patched build/out/patched/System.map
```

`make` (scripts/main.sh) builds both kernels, boots each under QEMU for every
run and rewrites build/report/; the last command only regenerates this report
from build/runs/.
""" % (a.rounds, a.secs if a.secs is not None else "5", " ".join(map(str, a.sweep)),
       a.rounds, " ".join(map(str, a.sweep)), a.secs if a.secs is not None else "5")


def section_missing(miss, notes):
    if not miss.items and not notes:
        return "\n## Missing data\n\nNone: every expected input was read.\n"
    out = "\n## Missing data\n\n"
    out += "".join("- %s\n" % i for i in miss.items)
    out += "".join("- %s\n" % n for n in notes)
    return out


# ---------------------------------------------------------------- main

def discover(runs, pattern):
    """Numbers N of run directories matching pattern (one group)."""
    try:
        names = os.listdir(runs)
    except OSError:
        return []
    return sorted({int(m.group(1)) for m in map(re.compile(pattern).fullmatch, names) if m})


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", required=True, help="build/runs")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--rounds", type=int, help="throughput rounds (default: found)")
    ap.add_argument("--sweep", help='vCPU counts of the IPI sweep, e.g. "1 2 4 8"')
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
    machine = read_machine(a.runs, miss)
    raw = read_throughput(a.runs, a.rounds, miss)
    thr = {w: summarize_workload(raw[w]) for w in raw}
    perf = read_perf(a.runs, miss)
    locks = read_locks(a.runs, {"base": a.system_map_base,
                                "patched": a.system_map_patched}, miss)
    ipi = ipi_rows(read_ipis(a.runs, a.sweep, miss))
    os.makedirs(a.out, exist_ok=True)
    errs = {
        "throughput": plot_throughput(thr, os.path.join(a.out, "throughput.png")),
        "ipi": plot_ipis(ipi, os.path.join(a.out, "ipi-per-exit.png")),
        "locks": plot_locks(locks, os.path.join(a.out, "locked-per-unit.png")),
    }
    notes = ["plot %s: %s" % (k, e) for k, e in errs.items() if e and e != NM]
    md = (section_intro(a, machine)
          + "## Summary\n\n"
          + table(("metric", "base", "patched", "goal", "result"),
                  headline(thr, locks, ipi))
          + "\n" + section_locks(locks, errs["locks"])
          + section_throughput(thr, errs["throughput"], machine["qemu"].get("smp") or NM)
          + section_perf(perf)
          + section_ipis(ipi, errs["ipi"])
          + section_model(locks)
          + section_mutants(a.out)
          + section_reproduce(a)
          + section_missing(miss, notes))
    return md, miss


def section_mutants(out):
    """The table make mutants wrote, if it ran: each test shown able to fail."""
    path = os.path.join(out, "mutants.md")
    if not os.path.exists(path):
        return ("\n## Mutants\n\nNot run: `make mutants` writes `%s`, which "
                "this report then includes.\n" % path)
    body = open(path).read().split("\n", 1)[1]     # without its own title
    return "\n## Mutants (`make mutants`)\n" + body


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
