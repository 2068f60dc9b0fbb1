"""Numbers from what was read: medians and ratios of interleaved rounds,
per-unit and per-switch counts, the biggest per-function changes, IPIs per
exit. No formatting, no I/O."""
import statistics
from .common import MM_SYMBOLS, SWITCH_PATH_FUNCS


def median(values):
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


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


def mm_share(rows):
    """Share of the mm refcounting / lazy TLB functions in a profile."""
    hits = [(pct, sym) for pct, sym in rows if MM_SYMBOLS.search(sym)]
    return sum(p for p, _ in hits), hits


def per_unit(count, units):
    return count / units if count is not None and units else None


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
