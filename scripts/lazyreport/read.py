"""Reading the runs: RESULT lines, perf output, the lock-counting plugin's files
(with the System.map attribution) and the machine. Anything missing goes
to a Missing list, never an exception."""
import bisect
import importlib.util
import os
import re
import shlex
from .common import (
    COHERENCE_KINDS, COUNTED, LAZY_SWITCH_FUNCS, MM_COUNT_OPS, NM, PMU_PROFILED, PROFILED,
    MM_CPUMASK_FUNCS, SCALED, SWITCH_ENTRY, TOP, VARIANTS, WORKLOADS)


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


def insn_disp(hexbytes):
    """Displacement of the memory operand of an FF-opcode instruction
    (inc, dec: "lock incl 0x30(%rdi)" -> 0x30), or None for a register
    operand, a RIP-relative or absolute one, or bytes it cannot read."""
    try:
        b = bytes.fromhex(hexbytes)
    except ValueError:
        return None
    i = 0
    while i < len(b) and (b[i] in LEGACY_PREFIXES or b[i] & 0xf0 == 0x40):
        i += 1
    if i + 1 >= len(b) or b[i] != 0xff:
        return None
    modrm, j = b[i + 1], i + 2
    mod, rm = modrm >> 6, modrm & 7
    if mod == 3:
        return None
    if rm == 4:
        if j >= len(b):
            return None
        if mod == 0 and b[j] & 7 == 5:
            return None     # disp32 with no base register
        j += 1
    elif mod == 0 and rm == 5:
        return None         # RIP-relative
    size = {0: 0, 1: 1, 2: 4}[mod]
    if j + size > len(b):
        return None
    return int.from_bytes(b[j:j + size], "little", signed=True) if size else 0


def read_offsets(system_map):
    """{field: offset} from lazymm-offsets.txt beside a kernel's
    System.map (lib.sh's kernel_offsets), or None without one."""
    path = os.path.join(os.path.dirname(system_map), "lazymm-offsets.txt")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return {k: int(v) for k, v in (ln.split() for ln in f if ln.strip())}


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
    is not blurred with its other RMWs. An mm_count pair instruction is a
    lock incl/decl in a lazy-switch function whose operand is at
    mm_struct::mm_count's offset from its base register (the kernel's
    lazymm-offsets.txt): the scheduler's other lock incl, on
    rq->nr_iowait, is not one. Without a System.map everything lands in
    "<unknown>" and, as without the offsets, mm_pair is None."""
    units, rows = symbolize.read_lockcount(path)
    insns = read_insn_bytes(path)
    with open(path) as f:
        head = dict(t.split("=", 1) for t in f.readline().split()[3:] if "=" in t)
    addrs, names = symbolize.read_system_map(system_map) if system_map else ([], [])
    offs = read_offsets(system_map) if system_map else None
    mm_count = offs.get("mm_count") if offs else None
    funcs, totals, mm_pair, mm_addrs = {}, {"atomic": 0, "barrier": 0}, 0, set()
    cpumask_addrs = set()
    for addr, kind, count in rows:
        fn = base_name(symbolize.lookup(addrs, names, addr))
        op = describe_insn(insns.get(addr, ""))
        funcs[(fn, kind, op)] = funcs.get((fn, kind, op), 0) + count
        totals[kind] = totals.get(kind, 0) + count
        if kind == "atomic" and fn in LAZY_SWITCH_FUNCS and op in MM_COUNT_OPS \
                and mm_count is not None and insn_disp(insns.get(addr, "")) == mm_count:
            mm_pair += count
            mm_addrs.add(addr)
        if kind == "atomic" and fn in MM_CPUMASK_FUNCS and op.startswith("lock bt"):
            cpumask_addrs.add(addr)
    blk, switches = (attribute_blocks(blocks, addrs, names)
                     if blocks and system_map else (None, None))
    return {"units": units, "totals": totals, "funcs": funcs,
            "blocks": blk, "switches": switches,
            "insns": int(head["insns"]) if "insns" in head else None,
            "stores": int(head["stores"]) if "stores" in head else None,
            "mm_pair": mm_pair if mm_count is not None else None,
            "mm_pair_addrs": mm_addrs if mm_count is not None else None,
            "cpumask_addrs": cpumask_addrs if system_map else None}


DATA_TYPES = set("DdBbRr")
KERNEL_IMAGE = 0xffffffff80000000
HEAP = "other: slab and pages (mm_struct, pipes, ...)"
TASK = "task_struct"


def read_data_map(system_map):
    """Data symbols of a System.map -> (sorted addrs, names, (per-CPU
    section start, end) or None)."""
    syms, bounds = {}, {}
    with open(system_map) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in DATA_TYPES:
                continue
            try:
                a = int(parts[0], 16)
            except ValueError:
                continue
            if parts[2] in ("__per_cpu_start", "__per_cpu_end"):
                bounds[parts[2]] = a
            elif not parts[2].startswith("__per_cpu"):
                syms.setdefault(a, parts[2])
    addrs = sorted(syms)
    pcpu = ((bounds["__per_cpu_start"], bounds["__per_cpu_end"])
            if len(bounds) == 2 else None)
    return addrs, [syms[a] for a in addrs], pcpu


def task_bases(path, offs):
    """The task_structs a coherence file's T lines name, sorted: each is
    where __switch_to_asm saved a stack pointer, minus thread.sp's offset
    (lazymm-offsets.txt); empty without either."""
    if not offs or "task_threadsp" not in offs:
        return []
    return sorted(a - offs["task_threadsp"] for a in symbolize.read_task_stores(path))


def in_task(line, tasks, size):
    """Whether the 64-byte line at @line overlaps one of the task_structs
    at @tasks (sorted), each @size bytes."""
    i = bisect.bisect_right(tasks, line + 63) - 1
    return i >= 0 and line < tasks[i] + size


def classify_line(line, dmap, offsets, mm_lines, cpumask_lines, tasks=(), task_size=0):
    """What a transferred line holds: the mm_count line, the mm_cpumask
    bits switch_mm_irqs_off() sets, per-CPU data of some CPU (a per-CPU
    symbol S is at S + the CPU's offset, from the plugin's G lines), a
    static symbol of the kernel image, a task_struct the context switch
    saved a stack pointer in (the plugin's T lines), or else slab and
    page memory."""
    addrs, names, pcpu = dmap
    if line in mm_lines:
        return "mm_struct: the mm_count line"
    if line in cpumask_lines:
        return "mm_cpumask() bits (switch_mm_irqs_off's lock bts)"
    if tasks and in_task(line, tasks, task_size):
        return TASK
    if pcpu:
        for off in offsets.values():
            a = (line - off) & (2 ** 64 - 1)
            if pcpu[0] <= a < pcpu[1]:
                return "per-CPU %s" % symbolize.lookup(addrs, names, a)
    if line >= KERNEL_IMAGE and addrs and line < addrs[-1] + 4096:
        return "static %s" % symbolize.lookup(addrs, names, line)
    return HEAP


def attribute_coherence(path, system_map, mm_pair_addrs=None, cpumask_addrs=None):
    """One coherence file -> units, transfers by kind, per function, and
    on the mm_count line: the lines that the mm_count pair instructions
    (from the same window's lockcount file, @mm_pair_addrs) made a
    transfer on, with every transfer any instruction made there. With
    no mm_count pair instruction executed there is no such line (0)."""
    head, per_insn, per_line, pairs = symbolize.read_coherence(path)
    addrs, names = symbolize.read_system_map(system_map) if system_map else ([], [])
    funcs = {}
    for addr, x in per_insn.items():
        fn = base_name(symbolize.lookup(addrs, names, addr))
        acc = funcs.setdefault(fn, [0, 0, 0])
        for k in range(3):
            acc[k] += x[k]
    totals = [head.get(k, 0) for k in COHERENCE_KINDS]
    mm_lines, mm_line = None, None
    if mm_pair_addrs is not None:
        mm_lines = sorted({ln for ln, a in pairs if a in mm_pair_addrs})
        mm_line = sum(sum(per_line.get(ln, [0, 0, 0])) for ln in mm_lines)
    data = None
    if system_map:
        dmap = read_data_map(system_map)
        offsets = symbolize.read_pcpu_offsets(path)
        cm = {ln for ln, a in pairs if a in (cpumask_addrs or ())}
        offs = read_offsets(system_map)
        tasks = task_bases(path, offs)
        data = {}
        for ln, x in per_line.items():
            what = classify_line(ln, dmap, offsets, set(mm_lines or ()), cm,
                                 tasks, offs.get("task_struct", 0) if offs else 0)
            data[what] = data.get(what, 0) + sum(x)
    return {"units": head["units"], "totals": totals, "lines": head.get("lines"),
            "funcs": funcs if system_map else None,
            "mm_lines": mm_lines, "mm_line": mm_line, "data": data,
            "gs_conflicts": head.get("gs_conflicts")}


def read_coherence(runs, maps, locks, miss):
    """-> {workload: {variant: attribute_coherence() result or None}}; a
    count run without coherence files was made without the model."""
    out = {}
    for w in COUNTED:
        out[w] = {}
        for v in VARIANTS:
            path = miss.existing(os.path.join(runs, "count-%s" % v, "coherence-%s.txt" % w))
            res = None
            if path:
                smap = maps.get(v) if maps.get(v) and os.path.isfile(maps[v]) else None
                lk = locks.get(w, {}).get(v)
                try:
                    res = attribute_coherence(path, smap,
                                              lk.get("mm_pair_addrs") if lk else None,
                                              lk.get("cpumask_addrs") if lk else None)
                except (SystemExit, OSError, ValueError, IndexError) as e:
                    miss.add(path, "unreadable (%s)" % (e or "not a coherence v1 file"))
                if res is not None and not res["units"]:
                    miss.add(path, "units=0: no unit of work was counted")
            out[w][v] = res
    return out


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


def read_scale(runs, sweep, nruns, maps, miss):
    """bench-scale's runs -> {(workload, N, variant): [per run: {"ops",
    "transfers", "mm_line", "mm_pair"} or None]}: counts over the
    window's operations (its units times the jobs of jobs-W.txt)."""
    out = {}
    for n in sweep:
        for v in VARIANTS:
            smap = maps.get(v) if maps.get(v) and os.path.isfile(maps[v]) else None
            for w, _ in SCALED:
                res = []
                for r in range(1, nruns + 1):
                    d = os.path.join(runs, "scale-%s-smp%d-r%d" % (v, n, r))
                    lk_path = miss.existing(os.path.join(d, "lockcount-%s.txt" % w))
                    coh_path = miss.existing(os.path.join(d, "coherence-%s.txt" % w))
                    jobs_path = miss.existing(os.path.join(d, "jobs-%s.txt" % w))
                    one = None
                    if lk_path and coh_path and jobs_path:
                        try:
                            lk = attribute_locks(lk_path, smap)
                            coh = attribute_coherence(coh_path, smap,
                                                      lk["mm_pair_addrs"])
                            with open(jobs_path) as f:
                                jobs = int(f.read().split()[0])
                        except (SystemExit, OSError, ValueError, IndexError) as e:
                            miss.add(d, "unreadable %s files (%s)" % (w, e))
                        else:
                            if not coh["units"]:
                                miss.add(coh_path, "units=0: no unit of work was counted")
                            else:
                                one = {"ops": coh["units"] * jobs,
                                       "transfers": sum(coh["totals"]),
                                       "mm_line": coh["mm_line"],
                                       "mm_pair": lk["mm_pair"]}
                    res.append(one)
                out[(w, n, v)] = res
    return out


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


def read_shootdown(runs, sweep, maps, miss):
    """The deadmm sweep -> {N: {variant: {"res": {key: int}, "locks":
    attribute_locks() result} or None}}; the patched kernel must have the
    shootdown counters, both the plugin's files."""
    out = {}
    for n in sweep:
        out[n] = {}
        for v in VARIANTS:
            d = os.path.join(runs, "shootdown-%s-smp%d" % (v, n))
            path = os.path.join(d, "bench-shootdown.log")
            res = read_test_results(path, miss)
            if res is None:
                out[n][v] = None
                continue
            for k in IPI_KEYS + (SHOOTDOWN_KEYS if v == "patched" else ()):
                if k not in res:
                    miss.add(path, "no RESULT %s" % k)
            locks = None
            count = miss.existing(os.path.join(d, "lockcount-deadmm.txt"))
            blocks = os.path.join(d, "blocks-deadmm.txt")
            smap = maps.get(v) if maps.get(v) and os.path.isfile(maps[v]) else None
            if count:
                try:
                    locks = attribute_locks(count, smap,
                                            blocks if os.path.isfile(blocks) else None)
                except (SystemExit, OSError, ValueError, IndexError) as e:
                    miss.add(count, "unreadable (%s)" % (e or "not a lockcount v1 file"))
            # The coherence model's file, where the run had coherence=.
            coh = None
            cpath = os.path.join(d, "coherence-deadmm.txt")
            if os.path.isfile(cpath):
                try:
                    coh = attribute_coherence(cpath, smap)
                except (SystemExit, OSError, ValueError, IndexError) as e:
                    miss.add(cpath, "unreadable (%s)" % (e or "not a coherence v1 file"))
            out[n][v] = {"res": {k: int(val) for k, val in res.items()}, "locks": locks,
                         "coherence": coh}
            # The same boot's other exits: an SQPOLL last user; deadmm
            # racing CPU hotplug (from 2 vCPUs).
            for side in SHOOTDOWN_SIDE_RUNS:
                path = os.path.join(d, side + ".log")
                out[n][v][side] = {k: int(val) for k, val in read_results(path).items()} \
                    if os.path.isfile(path) else None
    return out



# bench-shootdown's other runs, NAME.log beside bench-shootdown.log.
SHOOTDOWN_SIDE_RUNS = ("sqpoll", "hotplug")

C2C_SAMPLE = re.compile(r"^\s*([0-9a-f]+)\s+([0-9a-f]+)\s+(\|OP .*\S)\s+([0-9a-f]+)\s+(\S+)\s*$")


def read_c2c_samples(path):
    """perf script -F addr,data_src,ip,sym of a perf c2c record ->
    [(data address, decoded data source, symbol)]; other lines skipped."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = C2C_SAMPLE.match(line)
            if m:
                out.append((int(m.group(1), 16), m.group(3), m.group(5)))
    return out


def read_pmu(runs, miss):
    """The hardware-PMU runs of round 1 -> {variant: None (not run) or
    {"pmu": pmu.txt, "locks": {w: perf stat or None},
     "c2c": {w: samples or None}}}."""
    out = {}
    for v in VARIANTS:
        d = os.path.join(runs, "bench-%s-r1" % v)
        path = miss.existing(os.path.join(d, "pmu.txt"))
        if not path:
            out[v] = None
            continue
        with open(path) as f:
            pmu = f.read().strip()
        res = {"pmu": pmu, "locks": {}, "c2c": {}}
        for w in PMU_PROFILED:
            stat = os.path.join(d, "perf-locks-%s.csv" % w)
            samples = os.path.join(d, "perf-c2c-samples-%s.txt" % w)
            res["locks"][w] = read_perf_stat(stat) if os.path.isfile(stat) else None
            res["c2c"][w] = read_c2c_samples(samples) if os.path.isfile(samples) else None
        out[v] = res
    return out


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


def read_host(path):
    """A run's host.txt (run-vm.sh: the host and QEMU it ran on), key=value
    lines -> dict."""
    out = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                out[k] = v
    return out


def read_machine(runs, miss):
    """The QEMU setup of the runs, and the machine they ran on as they
    recorded it: the report may be rendered on another one."""
    cmd = miss.existing(os.path.join(runs, "bench-base-r1", "qemu-cmdline.txt"))
    count = os.path.join(runs, "count-base", "qemu-cmdline.txt")
    hpath = miss.existing(os.path.join(runs, "bench-base-r1", "host.txt"))
    host = read_host(hpath) if hpath else {}
    cpath = os.path.join(runs, "count-base", "host.txt")
    chost = read_host(cpath) if os.path.isfile(cpath) else {}
    cpus = host.get("host_cpus", "")
    return {"qemu": (qemu_setup(cmd) if cmd else None) or {},
            "count_qemu": (qemu_setup(count) if os.path.exists(count) else None) or {},
            "host_cpu": host.get("host_cpu") or NM,
            "host_cpus": int(cpus) if cpus.isdigit() else NM,
            "qemu_version": host.get("qemu_version"),
            "count_qemu_version": chost.get("qemu_version"),
            "kernel": {v: kernel_version(runs, v, miss) for v in VARIANTS}}


def discover(runs, pattern):
    """Numbers N of run directories matching pattern (one group)."""
    try:
        names = os.listdir(runs)
    except OSError:
        return []
    return sorted({int(m.group(1)) for m in map(re.compile(pattern).fullmatch, names) if m})
