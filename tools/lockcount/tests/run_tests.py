#!/usr/bin/env python3
"""lockcount tests: TAP-ish "ok - name" / "not ok - name", exit 1 on failure.

Plugin cases run tests/lockprog under qemu-x86_64 (user mode); the expected
counts below mirror the asm sequence in tests/lockprog.c.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
PLUGIN = os.path.join(TOP, "liblockcount.so")
PROG = os.path.join(HERE, "lockprog")
SYMBOLIZE = os.path.join(TOP, "symbolize.py")
TMP = tempfile.mkdtemp(prefix="lockcount-test-")

# label -> (kind, count) expected inside the window of "lockprog seq"
SEQ_EXPECT = {
    "t_inc": ("atomic", 1000),
    "t_bar8": ("barrier", 300),
    "t_bar0": ("barrier", 1),
    "t_bar32": ("barrier", 1),
    "t_barq": ("barrier", 1),
    "t_bar81": ("barrier", 1),
    "t_nb1": ("atomic", 1),
    "t_nb2": ("atomic", 1),
    "t_nb3": ("atomic", 1),
    "t_cmpx": ("atomic", 1),
    "t_w": ("atomic", 1),
    "t_xchg": ("atomic", 200),
}
SEQ_UNITS = 50
MT_COUNT, MT_UNITS = 4 * 100000, 4

failed = 0
INSNS = {}  # path -> the header's insns= (instructions executed in the window)
# Instructions the window of "lockprog seq" executes (see tests/lockprog.c):
# 3 loops of 1000 x 3, 300 x 3, 200 x 5 and 50 x 3 instructions, 4 movs and
# 11 single instructions. Counting is per translation block, so the blocks
# at the window's edges are counted whole or not at all: allow 1% (QEMU 7.2
# counts 5017 here, 48 short).
SEQ_INSNS = 3000 + 900 + 1000 + 150 + 4 + 11
SEQ_INSNS_SLACK = SEQ_INSNS // 100
# Memory writes in that window, exact (counted per access, not per block):
# every locked RMW of SEQ_EXPECT writes once (cmpxchg too: QEMU does it as
# one atomic access), and the 200 unlocked "incl g" write once each. The
# markers, loops, mov/lea and xchg reg,reg write nothing.
SEQ_STORES = sum(c for _, c in SEQ_EXPECT.values()) + 200
STORES = {}  # path -> the header's stores=


def report(name, ok, why=""):
    global failed
    if ok:
        print("ok - %s" % name)
    else:
        failed += 1
        print("not ok - %s%s" % (name, "  # " + why if why else ""))


def labels():
    out = subprocess.run(["nm", PROG], capture_output=True, text=True,
                         check=True).stdout
    return {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines())
            if len(p) == 3 and p[2].startswith("t_")}


def parse(path):
    """-> (units, atomic, barrier, {vaddr: (kind, count, bytes)})"""
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("# lockcount v1 units="), lines[0]
    head = dict(t.split("=") for t in lines[0].split()[3:])
    units = int(head["units"])
    INSNS[path] = int(head["insns"])
    STORES[path] = int(head["stores"])
    tot = dict(t.split("=") for t in lines[1].split()[2:])
    rows = {}
    for l in lines[2:]:
        a, k, c, b = l.split()
        assert int(a, 16) not in rows, "duplicate vaddr " + a
        rows[int(a, 16)] = (k, int(c), b)
    return units, int(tot["atomic"]), int(tot["barrier"]), rows


def sorted_desc(path):
    with open(path) as f:
        c = [int(l.split()[2]) for l in f if not l.startswith("#")]
    return c == sorted(c, reverse=True)


def run(args, mode="seq", out=None):
    plug = PLUGIN + "".join("," + a for a in args)
    if out:
        plug += ",out=" + out
        if os.path.exists(out):
            os.unlink(out)
    return subprocess.run(["qemu-x86_64", "-plugin", plug, PROG, mode],
                          capture_output=True, text=True, timeout=300)


def case(name, fn):
    try:
        ok, why = fn()
    except Exception as e:  # any crash is a failure, not an abort
        ok, why = False, "%s: %s" % (type(e).__name__, e)
    report(name, ok, why)


def plugin_cases():
    L = labels()
    seq_out = os.path.join(TMP, "seq.txt")
    res = {}

    def t_runs():
        p = run(["all=on"], out=seq_out)
        res["seq"] = parse(seq_out) if p.returncode == 0 else None
        return p.returncode == 0, p.stderr.strip()

    def t_totals():
        u, a, b, _ = res["seq"]
        want = (SEQ_UNITS, sum(c for k, c in SEQ_EXPECT.values() if k == "atomic"),
                sum(c for k, c in SEQ_EXPECT.values() if k == "barrier"))
        return (u, a, b) == want, "got %s want %s" % ((u, a, b), want)

    def t_per_addr():
        rows = res["seq"][3]
        want = {L[n]: v for n, v in SEQ_EXPECT.items()}
        got = {a: (k, c) for a, (k, c, _) in rows.items()}
        bad = {"%s@%x" % (n, L[n]): got.get(L[n]) for n in SEQ_EXPECT
               if got.get(L[n]) != SEQ_EXPECT[n]}
        extra = sorted("%x" % a for a in set(got) - set(want))
        return not bad and not extra, "wrong %s extra %s" % (bad, extra)

    def t_bytes():
        b = res["seq"][3][L["t_bar8"]][2]
        return b == "f0834424fc00", b

    def t_sorted():
        return sorted_desc(seq_out), "lines not sorted by count"

    def t_outside():
        rows = res["seq"][3]
        hit = [n for n in ("t_before", "t_junk", "t_after") if L[n] in rows]
        return not hit, "counted outside window: %s" % hit

    def t_nonlocked():
        rows = res["seq"][3]
        hit = [n for n in ("t_xchgr", "t_incnl") if L[n] in rows]
        return not hit, "non-locked counted: %s" % hit

    def t_kernel_only():
        out = os.path.join(TMP, "konly.txt")
        p = run([], out=out)
        if p.returncode:
            return False, p.stderr.strip()
        u, a, b, rows = parse(out)
        got = (u, a, b, len(rows), INSNS[out], STORES[out])
        return got == (SEQ_UNITS, 0, 0, 0, 0, 0), str(got)

    def t_insns():
        n = INSNS[seq_out]
        return abs(n - SEQ_INSNS) <= SEQ_INSNS_SLACK, "insns=%d, want %d +- %d" % (
            n, SEQ_INSNS, SEQ_INSNS_SLACK)

    def t_stores():
        n = STORES[seq_out]
        return n == SEQ_STORES, "stores=%d, want %d" % (n, SEQ_STORES)

    def t_blocks():
        out = os.path.join(TMP, "blk.txt")
        blk = os.path.join(TMP, "blk-blocks.txt")
        p = run(["all=on", "blocks=" + blk], out=out)
        if p.returncode:
            return False, p.stderr.strip()
        parse(out)
        with open(blk) as f:
            rows = [tuple(int(x, 16 if i == 0 else 10) for i, x in enumerate(l.split()))
                    for l in f]
        ins, st = sum(r[1] for r in rows), sum(r[2] for r in rows)
        # every block line is a counted block; the sums are the header's totals
        got = (ins, st, len(set(r[0] for r in rows)) == len(rows))
        want = (INSNS[out], STORES[out], True)
        # and the 1000-iteration t_inc loop is one block of 3 instructions,
        # run 999 times after the first pass, which starts at mov $1000
        loop = [r for r in rows if r[0] <= L["t_inc"] < r[0] + 16 and r[2] >= 999
                and r[1] == 3 * r[3]]
        return got == want and loop, "got %s want %s, t_inc block %s" % (got, want, loop)

    def t_window_off():
        out = os.path.join(TMP, "nowin.txt")
        p = run(["all=on", "window=off"], out=out)
        if p.returncode:
            return False, p.stderr.strip()
        u, _, _, rows = parse(out)
        got = {n: rows.get(L[n], (None, 0))[1]
               for n in ("t_before", "t_junk", "t_after", "t_inc")}
        want = {"t_before": 1, "t_junk": 1, "t_after": 1, "t_inc": 1000}
        return got == want and u == SEQ_UNITS + 1, "units=%d %s" % (u, got)

    def t_needs_out():
        p = run(["all=on"])
        return p.returncode != 0 and "out=PATH" in p.stderr, "rc=%d" % p.returncode

    def t_bad_arg():
        p = run(["bogus=1"], out=os.path.join(TMP, "bad.txt"))
        return p.returncode != 0, "rc=%d" % p.returncode

    def t_mt():
        out = os.path.join(TMP, "mt.txt")
        p = run(["all=on"], mode="mt", out=out)
        if p.returncode:
            return False, p.stderr.strip()
        u, _, _, rows = parse(out)
        c = rows.get(L["t_mt"], (None, 0))[1]
        return (c, u) == (MT_COUNT, MT_UNITS), "t_mt=%d units=%d" % (c, u)

    case("plugin loads, lockprog seq runs (qemu-x86_64, all=on)", t_runs)
    if res.get("seq") is None:
        return report("seq output present", False, "skipping dependent cases")
    case("seq totals atomic/barrier/units", t_totals)
    case("seq per-address kinds and counts", t_per_addr)
    case("seq instruction bytes recorded", t_bytes)
    case("seq lines sorted by count descending", t_sorted)
    case("locked insns outside window / before reset not counted", t_outside)
    case("xchg reg,reg and unlocked inc not counted", t_nonlocked)
    case("default kernel-only mode ignores user addresses", t_kernel_only)
    case("instructions executed in the window counted", t_insns)
    case("memory writes in the window counted exactly", t_stores)
    case("blocks=: per-block instructions and writes add up", t_blocks)
    case("window=off counts everything", t_window_off)
    case("window mode without out= is rejected", t_needs_out)
    case("unknown argument is rejected", t_bad_arg)
    case("4 parallel threads: exact count (MTTCG-safe)", t_mt)
    coherence_cases(L)


# lockprog pingpong: PP_ITER rounds, each 2 reads of the other thread's
# write and 2 writes to a line the other thread holds (see lockprog.c).
PP_ITER = 1000


def parse_coherence(path):
    """-> (header dict, {vaddr: [r, w, l]}, {line: [r, w, l]});
    the X lines go to PAIRS[path]: {(line, vaddr): [r, w, l]}"""
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("# coherence v1 "), lines[0]
    head = {k: int(v) for k, v in (t.split("=") for t in lines[0].split()[3:])}
    per = {"P": {}, "L": {}}
    pairs = PAIRS.setdefault(path, {})
    for l in lines[1:]:
        f = l.split()
        if f[0] == "G":
            GS.setdefault(path, {})[int(f[1])] = int(f[2], 16)
        elif f[0] == "T":
            TASKS.setdefault(path, set()).add(int(f[1], 16))
        elif f[0] == "X":
            pairs[(int(f[1], 16), int(f[2], 16))] = [int(x) for x in f[3:]]
        else:
            per[f[0]][int(f[1], 16)] = [int(x) for x in f[2:]]
    return head, per["P"], per["L"]


PAIRS = {}
GS = {}   # path -> {vcpu: per-CPU offset} from the G lines
TASKS = {}   # path -> {address} from the T lines


def coherence_cases(L):
    res, stdout = {}, {}
    syms = {}
    out = subprocess.run(["nm", PROG], capture_output=True, text=True,
                         check=True).stdout
    for l in out.splitlines():
        p = l.split()
        if len(p) == 3:
            syms[p[2]] = int(p[0], 16)

    def go(mode, extra=()):
        out = os.path.join(TMP, mode + ".txt")
        coh = os.path.join(TMP, mode + "-coh.txt")
        p = run(["all=on", "coherence=" + coh] + list(extra), mode=mode, out=out)
        if p.returncode:
            return False, p.stderr.strip()
        res[mode] = parse_coherence(coh)
        stdout[mode] = p.stdout
        return True, ""

    def near(got, want):
        # QEMU reports an access after it is made: with the two threads
        # running at once, one thread's report can overtake the other's,
        # and an access then looks like a hit. So counts may come short
        # (lockprog loses about 6% of its reads on an idle host, and a
        # few writes when the host is busy), never over: each write
        # report invalidates at most once, and lets the other thread miss
        # at most once. 4 is the window's edges.
        return want * 0.8 - 4 <= got <= want + 4

    def t_pingpong():
        head, per, lines = res["pingpong"]
        r, w, k = lines.get(syms["turn"], [0, 0, 0])
        ok = (near(r, 2 * PP_ITER) and near(w, 2 * PP_ITER) and k == 0
              and head["units"] == PP_ITER)
        return ok, "turn line: %d reads, %d write-invalidates, %d locked over %d units" % (
            r, w, k, head["units"])

    def t_attribution():
        _, per, _ = res["pingpong"]
        ld = per.get(L["t_pp_load"], [0, 0, 0])
        st = per.get(L["t_pp_store"], [0, 0, 0])
        ok = near(ld[0], 2 * PP_ITER) and near(st[1], 2 * PP_ITER)
        return ok, "t_pp_load %s t_pp_store %s" % (ld, st)

    def t_private():
        _, _, lines = res["pingpong"]
        own = [a for a in lines if syms["own"] <= a < syms["own"] + 128]
        return not own, "own lines with transfers: %s" % own

    def t_locked():
        _, per, lines = res["pingpong-locked"]
        r, w, k = lines.get(syms["turn"], [0, 0, 0])
        x = per.get(L["t_pp_xchg"], [0, 0, 0])
        ok = near(k, 2 * PP_ITER) and w == 0 and near(x[2], 2 * PP_ITER)
        return ok, "turn line: %d reads, %d write-invalidates, %d locked; t_pp_xchg %s" % (
            r, w, k, x)

    def t_pairs():
        coh = os.path.join(TMP, "pingpong-coh.txt")
        pairs = PAIRS[coh]
        turn = {v: x for (l, v), x in pairs.items() if l == syms["turn"]}
        want = {L["t_pp_load"], L["t_pp_store"]}
        sums = [sum(x[i] for x in turn.values()) for i in range(3)]
        _, _, lines = res["pingpong"]
        return (set(turn) == want and sums == lines[syms["turn"]],
                "turn line's instructions %s, sums %s" % (
                    {"%x" % v: x for v, x in turn.items()}, sums))

    def t_totals():
        head, _, lines = res["pingpong"]
        sums = [sum(v[i] for v in lines.values()) for i in range(3)]
        want = [head["read_after_remote_write"], head["write_invalidate"],
                head["locked_rmw"]]
        return sums == want, "lines sum to %s, header says %s" % (sums, want)

    case("coherence: pingpong runs (coherence=PATH)", lambda: go("pingpong"))
    if "pingpong" in res:
        case("coherence: a line handed back and forth: 2 reads and 2 "
             "write-invalidates per round", t_pingpong)
        case("coherence: transfers attributed to the load and the store", t_attribution)
        case("coherence: a line of one thread's own: no transfer", t_private)
        case("coherence: per-line counts add up to the header", t_totals)
        case("coherence: a line's transfers split by instruction", t_pairs)
    def t_gs():
        # Each thread's GS base, as lockprog prints it, must be the offset
        # the plugin learnt for one vCPU, from the %gs accesses alone.
        got = GS.get(os.path.join(TMP, "gs-coh.txt"), {})
        want = sorted(int(l.split("=")[1], 16) for l in stdout["gs"].splitlines()
                      if l.startswith("gs"))
        head = res["gs"][0]
        return (len(want) == 2 and sorted(got.values()) == want
                and head.get("gs_conflicts") == 0), \
            "G lines %s, GS bases %s, gs_conflicts %s" % (
                {k: hex(v) for k, v in got.items()}, [hex(w) for w in want],
                head.get("gs_conflicts"))

    case("coherence: pingpong-locked runs", lambda: go("pingpong-locked"))
    if "pingpong-locked" in res:
        case("coherence: the same with xchg: 2 locked RMW transfers per round", t_locked)
    case("coherence: gs runs", lambda: go("gs"))
    if "gs" in res:
        case("coherence: per-vCPU offsets from %gs accesses (G lines)", t_gs)

    def t_store():
        # The three objects the one instruction wrote, in a window or not,
        # each once, and nothing else.
        got = TASKS.get(os.path.join(TMP, "store-coh.txt"), set())
        want = {int(l.split("=")[1], 16) for l in stdout["store"].splitlines()
                if l.startswith("obj")}
        return len(want) == 3 and got == want, "T lines %s, objects %s" % (
            sorted(hex(a) for a in got), sorted(hex(a) for a in want))

    case("coherence: store runs (taskstore=VADDR)",
         lambda: go("store", ["taskstore=%x" % syms["t_store"]]))
    if "store" in res:
        case("coherence: the addresses one instruction wrote (T lines)", t_store)

    def t_store_needs_coherence():
        p = run(["taskstore=%x" % syms["t_store"]], mode="store",
                out=os.path.join(TMP, "store-nocoh.txt"))
        return p.returncode != 0 and "needs coherence" in p.stderr, p.stderr.strip()

    case("coherence: taskstore= without coherence= is refused", t_store_needs_coherence)


def system_case():
    def t_sys():
        out = os.path.join(TMP, "sys.txt")
        # SeaBIOS spins on lock bts; SIGTERM -> clean exit -> atexit dump
        q = subprocess.Popen(["qemu-system-x86_64", "-nodefaults", "-display",
                              "none", "-accel", "tcg,thread=multi", "-smp", "2",
                              "-plugin", PLUGIN + ",all=on,window=off,out=" + out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Let it run 0.5 s of CPU time, not 3 s of wall time: on a loaded host
        # (or niced) 3 s of wall time can pass before the plugin is in.
        ticks = os.sysconf("SC_CLK_TCK")
        deadline = time.time() + 120
        while q.poll() is None and time.time() < deadline:
            try:
                with open("/proc/%d/stat" % q.pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()
                if (int(st[11]) + int(st[12])) / ticks >= 0.5:
                    break
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(0.1)
        if q.poll() is None:
            q.terminate()
            q.wait(timeout=30)
        u, a, b, rows = parse(out)
        return a > 0 and len(rows) > 0, "atomic=%d" % a

    case("qemu-system-x86_64 loads plugin, dumps at exit", t_sys)


FAKE_MAP = """\
ffffffff81000000 T _stext
ffffffff81000100 t helper_a
ffffffff81000200 D some_data
ffffffff81000300 W weak_fn
ffffffff81000300 T weak_fn_alias
ffffffff81000400 r rodata_thing
"""

FAKE_OUT = """\
# lockcount v1 units=10
# total atomic=175 barrier=40
ffffffff81000100 atomic 100 f0ff00
ffffffff81000250 barrier 40 f0834424fc00
ffffffff81000180 atomic 50 f0ff01
ffffffff81000300 atomic 20 8700
ffffffff81000500 atomic 3 8701
ffffffff80fffff0 atomic 2 f0ff02
"""


def symbolize_cases():
    mp, lo = os.path.join(TMP, "System.map"), os.path.join(TMP, "lc.txt")
    with open(mp, "w") as f:
        f.write(FAKE_MAP)
    with open(lo, "w") as f:
        f.write(FAKE_OUT)
    j = {}

    def t_json():
        p = subprocess.run([sys.executable, SYMBOLIZE, "--json", lo, mp],
                           capture_output=True, text=True)
        j.update(json.loads(p.stdout))
        return p.returncode == 0, p.stderr

    def get(fn, kind):
        return next((r["count"] for r in j["functions"]
                     if r["function"] == fn and r["kind"] == kind), None)

    def t_exact_inside():
        # ...100 exactly at helper_a, ...180 inside it: 100 + 50
        return get("helper_a", "atomic") == 150, str(j["functions"])

    def t_nontext():
        # ...250 is after data symbol some_data: still helper_a (text only)
        return get("helper_a", "barrier") == 40, str(j["functions"])

    def t_alias_and_past():
        # ...300: first alias weak_fn; ...500: past rodata, still weak_fn
        return get("weak_fn", "atomic") == 23, str(j["functions"])

    def t_before_first():
        return get("<unknown>", "atomic") == 2, str(j["functions"])

    def t_totals():
        ok = (j["units"] == 10 and j["totals"] == {"atomic": 175, "barrier": 40}
              and j["totals_per_unit"] == {"atomic": 17.5, "barrier": 4.0})
        return ok, "%s %s" % (j["totals"], j["totals_per_unit"])

    def t_order():
        c = [r["count"] for r in j["functions"]]
        pu = next(r["per_unit"] for r in j["functions"] if r["function"] == "helper_a"
                  and r["kind"] == "atomic")
        return c == sorted(c, reverse=True) and pu == 15.0, "%s pu=%s" % (c, pu)

    def t_text():
        p = subprocess.run([sys.executable, SYMBOLIZE, lo, mp],
                           capture_output=True, text=True)
        first = p.stdout.splitlines()[1].split()
        return (p.returncode == 0 and first == ["helper_a", "atomic", "150", "15.000"]
                and "# total atomic=175 per_unit=17.500" in p.stdout), p.stdout

    case("symbolize --json runs", t_json)
    if not j:
        return
    case("symbolize: address at symbol and inside it", t_exact_inside)
    case("symbolize: non-text symbols ignored", t_nontext)
    case("symbolize: alias keeps first name, far address to preceding", t_alias_and_past)
    case("symbolize: address before first symbol -> <unknown>", t_before_first)
    case("symbolize: grand totals and per-unit", t_totals)
    case("symbolize: sorted descending, per-unit per function", t_order)
    case("symbolize: text output", t_text)


if __name__ == "__main__":
    plugin_cases()
    system_case()
    symbolize_cases()
    print("# %s" % ("all passed" if not failed else "%d failed" % failed))
    # The outputs are kept only for a failure to look at.
    if failed:
        print("# outputs kept in %s" % TMP)
    else:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if failed else 0)
