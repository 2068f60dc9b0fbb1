"""Numbers from what was read: medians and ratios of interleaved rounds,
per-unit and per-switch counts, the biggest per-function changes, IPIs per
exit. No formatting, no I/O."""
import statistics
from .common import (LAZY_SWITCH_FUNCS, MM_SYMBOLS, SCALED, SHOOTDOWN_FUNCS,
                     SWITCH_PATH_FUNCS)


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


def coherence_changes(base, patched):
    """Per function: cache-line transfers per unit (all kinds), base and
    patched, biggest change first; unchanged ones are left out."""
    rows = []
    bf, pf = base["funcs"], patched["funcs"]
    for fn in set(bf) | set(pf):
        b = sum(bf.get(fn, [0, 0, 0])) / base["units"]
        p = sum(pf.get(fn, [0, 0, 0])) / patched["units"]
        if b == p:
            continue
        rows.append({"function": fn, "base": b, "patched": p, "change": p - b})
    rows.sort(key=lambda r: (-abs(r["change"]), r["function"]))
    return rows


def new_switch_transfers(base, patched):
    """Context-switch path functions that make transfers on the patched
    kernel and made none on base: a line the series newly shares."""
    return sorted(fn for fn in SWITCH_PATH_FUNCS
                  if sum(patched["funcs"].get(fn, [0, 0, 0]))
                  and not sum(base["funcs"].get(fn, [0, 0, 0])))


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


def shootdown_rows(sd):
    """Per vCPU count, per exit: shootdown calls, IPIs, CPUs found on the
    mm (IPIs + the calling CPU), the shootdown's own instructions
    (SHOOTDOWN_FUNCS, patched) and all kernel instructions (both)."""
    rows = []
    for n in sorted(sd):
        b, p = sd[n].get("base"), sd[n].get("patched")
        row = {"n": n, "exits": None, "calls": None, "ipis": None, "found": None,
               "sd_insns": None, "base_insns": None, "patched_insns": None,
               "base_ipis": None, "patched_ipis": None,
               "sd_xfer": None, "base_xfer": None, "patched_xfer": None}
        if p:
            r = p["res"]
            exits = r.get("exits")
            row["exits"] = exits
            row["calls"] = per_unit(r.get("shootdown_calls"), exits)
            row["ipis"] = per_unit(r.get("shootdown_ipis"), exits)
            if "shootdown_ipis" in r and "shootdown_local" in r:
                row["found"] = per_unit(r["shootdown_ipis"] + r["shootdown_local"], exits)
            row["patched_ipis"] = per_unit(_cal_tlb(r), exits)
            lk = p["locks"]
            if lk and lk.get("blocks") is not None:
                row["sd_insns"] = per_unit(
                    sum(lk["blocks"].get(f, [0, 0])[0] for f in SHOOTDOWN_FUNCS), exits)
            if lk:
                row["patched_insns"] = per_unit(lk.get("insns"), exits)
            co = p.get("coherence")
            if co:
                row["patched_xfer"] = per_unit(sum(co["totals"]), exits)
                if co["funcs"] is not None:
                    row["sd_xfer"] = per_unit(sum(
                        sum(co["funcs"].get(f, [0, 0, 0])) for f in SHOOTDOWN_FUNCS), exits)
        for side in ("sqpoll", "hotplug"):
            row[side] = _side_per_exit(p.get(side) if p else None,
                                       b.get(side) if b else None)
        if b:
            exits = b["res"].get("exits")
            row["base_ipis"] = per_unit(_cal_tlb(b["res"]), exits)
            if b["locks"]:
                row["base_insns"] = per_unit(b["locks"].get("insns"), exits)
            if b.get("coherence"):
                row["base_xfer"] = per_unit(sum(b["coherence"]["totals"]), exits)
        rows.append(row)
    return rows


def _side_per_exit(res, base):
    """One of bench-shootdown's other runs (patched RESULTs), per exit;
    the base kernel's CAL+TLB IPIs per exit of the same run beside them."""
    if not res:
        return None
    exits = res.get("exits")
    found = None
    if "shootdown_ipis" in res and "shootdown_local" in res:
        found = per_unit(res["shootdown_ipis"] + res["shootdown_local"], exits)
    return {"exits": exits, "hotplug_ops": res.get("hotplug_ops"),
            "calls": per_unit(res.get("shootdown_calls"), exits),
            "ipis": per_unit(res.get("shootdown_ipis"), exits),
            "local": per_unit(res.get("shootdown_local"), exits),
            "found": found,
            "cal_tlb": per_unit(_cal_tlb(res), exits),
            "base_cal_tlb": per_unit(_cal_tlb(base), base.get("exits")) if base else None}


def _cal_tlb(res):
    if "cal_ipis" not in res or "tlb_ipis" not in res:
        return None
    return res["cal_ipis"] + res["tlb_ipis"]


def linear_fit(points):
    """Least squares y = a + b x over [(x, y)] -> (a, b), or None with fewer
    than two distinct x."""
    pts = [(x, y) for x, y in points if x is not None and y is not None]
    if len({x for x, _ in pts}) < 2:
        return None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    b = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return my - b * mx, b


def removed_mm_pair(locks):
    """mm_count pair atomics per pingpong round trip, base - patched; None
    unless both were counted with a System.map."""
    b, p = locks["pingpong"]["base"], locks["pingpong"]["patched"]
    if b and p and b["units"] and p["units"] and b["mm_pair"] is not None \
            and p["mm_pair"] is not None:
        return per_unit(b["mm_pair"], b["units"]) - per_unit(p["mm_pair"], p["units"])
    return None


def c2c_summary(samples):
    """perf c2c samples -> contended (HITM, or peer snoop) samples in all,
    and on the cache lines that the lazy-switch functions touch (the
    mm_count line in the base kernel), with the busiest such line's
    functions. None if there were no samples to read."""
    if samples is None:
        return None
    lines = {}
    for addr, decode, sym in samples:
        ln = lines.setdefault(addr >> 6, {"hitm": 0, "syms": set()})
        ln["syms"].add(sym.split(".", 1)[0].split("+", 1)[0])
        if "SNP HitM" in decode or "Peer" in decode:
            ln["hitm"] += 1
    lazy = {a: ln for a, ln in lines.items() if ln["syms"] & LAZY_SWITCH_FUNCS}
    top = max(lazy.items(), key=lambda kv: kv[1]["hitm"]) if lazy else None
    return {"samples": len(samples), "hitm": sum(ln["hitm"] for ln in lines.values()),
            "lazy_hitm": sum(ln["hitm"] for ln in lazy.values()),
            "top": (top[0] << 6, top[1]["hitm"], sorted(top[1]["syms"])) if top else None}


def scale_rows(scale, sweep):
    """read_scale() -> one row per (workload, N): per kernel, each run's
    transfers and mm_count-line transfers per operation, and their
    medians; "diff": each run's base minus patched transfers per
    operation (the A/B difference, whose spread over the runs says how
    stable it is). A run missing on either kernel gives None there."""
    rows = []
    for w, what in SCALED:
        for n in sweep:
            row = {"workload": w, "what": what, "n": n}
            for v in ("base", "patched"):
                runs = scale.get((w, n, v), [])
                row[v] = [per_unit(r["transfers"], r["ops"]) if r else None for r in runs]
                row[v + "_mm"] = [per_unit(r["mm_line"], r["ops"]) if r else None for r in runs]
                row[v + "_med"] = median([x for x in row[v] if x is not None])
                row[v + "_mm_med"] = median([x for x in row[v + "_mm"] if x is not None])
            row["diff"] = [b - p if b is not None and p is not None else None
                           for b, p in zip(row["base"], row["patched"])]
            rows.append(row)
    return rows
