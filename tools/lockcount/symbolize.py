#!/usr/bin/env python3
"""Attribute lockcount plugin output to kernel functions.

usage: symbolize.py [--json] LOCKCOUNT_OUT SYSTEM_MAP

Each address goes to the nearest preceding text symbol (nm types t T w W)
in System.map; addresses before the first one go to "<unknown>".
Prints function, kind, count, count/unit sorted by count descending, then
the grand totals per unit. --json emits the same data as one JSON object.
"""
import argparse
import bisect
import json
import sys

TEXT_TYPES = set("tTwW")
UNKNOWN = "<unknown>"


def read_lockcount(path):
    """Return (units, [(vaddr, kind, count)]) from a lockcount v1 file."""
    units, rows = None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                if line.startswith("# lockcount v1"):
                    for tok in line.split()[3:]:
                        k, _, v = tok.partition("=")
                        if k == "units":
                            units = int(v)
                continue
            addr, kind, count = line.split()[:3]
            rows.append((int(addr, 16), kind, int(count)))
    if units is None:
        sys.exit("%s: not a lockcount v1 file" % path)
    return units, rows


def read_blocks(path):
    """Return [(vaddr, insns, stores, execs)] from a blocks= file of the
    plugin."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                sys.exit("%s: not a lockcount blocks file: %r" % (path, line))
            rows.append((int(parts[0], 16),) + tuple(int(p) for p in parts[1:]))
    return rows


def read_coherence(path):
    """Return (header {key: int}, {vaddr: [r, w, l]}, {line: [r, w, l]},
    {(line, vaddr): [r, w, l]}) from a coherence= file of the plugin."""
    head, per_insn, per_line, pairs = None, {}, {}, {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if line.startswith("# coherence v1"):
                head = {k: int(v) for k, _, v in
                        (t.partition("=") for t in parts[3:]) if v}
            elif parts[0] == "P" and len(parts) == 5:
                per_insn[int(parts[1], 16)] = [int(x) for x in parts[2:]]
            elif parts[0] == "L" and len(parts) == 5:
                per_line[int(parts[1], 16)] = [int(x) for x in parts[2:]]
            elif parts[0] == "G" and len(parts) == 3:
                pass    # read_pcpu_offsets()
            elif parts[0] == "T" and len(parts) == 2:
                pass    # read_task_stores()
            elif parts[0] == "X" and len(parts) == 6:
                pairs[(int(parts[1], 16), int(parts[2], 16))] = \
                    [int(x) for x in parts[3:]]
            else:
                sys.exit("%s: not a lockcount coherence file: %r" % (path, line))
    if head is None or "units" not in head:
        sys.exit("%s: not a lockcount coherence v1 file" % path)
    return head, per_insn, per_line, pairs


def read_pcpu_offsets(path):
    """{vcpu: per-CPU offset} from the G lines of a coherence= file: a
    per-CPU symbol S of System.map is at S + offset on that vCPU."""
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "G":
                out[int(parts[1])] = int(parts[2], 16)
    return out


def read_task_stores(path):
    """{address} from the T lines of a coherence= file: what the
    taskstore= instruction wrote (a task_struct's thread.sp, when that is
    __switch_to_asm's save of the outgoing stack pointer)."""
    out = set()
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0] == "T":
                out.add(int(parts[1], 16))
    return out


def entries(rows, addrs, names, function):
    """How many times the block at the first address of @function ran:
    the calls of a function whose entry block nothing jumps back to."""
    i = names.index(function) if function in names else -1
    if i < 0:
        return None
    return sum(r[3] for r in rows if r[0] == addrs[i])


def blocks_by_function(rows, addrs, names):
    """-> {function: [insns, stores]}: a block goes to the function of its
    first instruction (blocks end at every jump and call)."""
    out = {}
    for addr, insns, stores, _ in rows:
        acc = out.setdefault(lookup(addrs, names, addr), [0, 0])
        acc[0] += insns
        acc[1] += stores
    return out


def read_system_map(path):
    """Return sorted parallel lists (addrs, names) of text symbols."""
    syms = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in TEXT_TYPES:
                continue
            try:
                addr = int(parts[0], 16)
            except ValueError:
                continue
            syms.setdefault(addr, parts[2])  # aliases: keep the first name
    addrs = sorted(syms)
    return addrs, [syms[a] for a in addrs]


def lookup(addrs, names, addr):
    i = bisect.bisect_right(addrs, addr) - 1
    return names[i] if i >= 0 else UNKNOWN


def per_unit(count, units):
    return count / units if units else None


def summarize(units, rows, addrs, names):
    agg, totals = {}, {}
    for addr, kind, count in rows:
        key = (lookup(addrs, names, addr), kind)
        agg[key] = agg.get(key, 0) + count
        totals[kind] = totals.get(kind, 0) + count
    funcs = [
        {"function": fn, "kind": kind, "count": c, "per_unit": per_unit(c, units)}
        for (fn, kind), c in agg.items()
    ]
    funcs.sort(key=lambda r: (-r["count"], r["function"], r["kind"]))
    totals.setdefault("atomic", 0)
    totals.setdefault("barrier", 0)
    return {
        "units": units,
        "totals": totals,
        "totals_per_unit": {k: per_unit(v, units) for k, v in totals.items()},
        "functions": funcs,
    }


def fmt_pu(v):
    return "-" if v is None else "%.3f" % v


def print_text(s):
    print("%-40s %-8s %12s %12s" % ("function", "kind", "count", "per_unit"))
    for r in s["functions"]:
        print("%-40s %-8s %12d %12s" % (r["function"], r["kind"], r["count"],
                                       fmt_pu(r["per_unit"])))
    print("# units=%d" % s["units"])
    for k in sorted(s["totals"]):
        print("# total %s=%d per_unit=%s" % (k, s["totals"][k],
                                             fmt_pu(s["totals_per_unit"][k])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="emit JSON")
    ap.add_argument("lockcount_out")
    ap.add_argument("system_map")
    a = ap.parse_args()
    units, rows = read_lockcount(a.lockcount_out)
    addrs, names = read_system_map(a.system_map)
    s = summarize(units, rows, addrs, names)
    if a.json:
        json.dump(s, sys.stdout, indent=1)
        print()
    else:
        print_text(s)


if __name__ == "__main__":
    main()
