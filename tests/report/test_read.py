"""Tests of scripts/lazyreport/read.py: parsing the runs."""
import os
import shutil

from harness import (  # noqa: F401
    FIX, MAPS, RUNS, TMP, Skip, case, check, compute, contains, copy_fixture, read,
    render, run_report, section)


@case
def result_lines_parsed_noise_ignored():
    path = os.path.join(TMP, "noise.log")
    with open(path, "w") as f:
        f.write("RESULT pingpong_per_sec 12.5\n  42.250000 usecs/op\n"
                "RESULT perf_pipe_usecs_per_op\nRESULT exec_per_sec n/a\n"
                "# RESULT thread_per_sec 9\nRESULT forkexit_per_sec 7 extra\n")
    r = read.read_results(path)
    check(r == {"pingpong_per_sec": 12.5, "forkexit_per_sec": 7.0}, "parsed %r" % r)


@case
def locks_attributed_to_functions():
    r = read.attribute_locks(os.path.join(RUNS, "count-base", "lockcount-pingpong.txt"),
                               MAPS["base"])
    check(r["units"] == 2000, "units %r" % r["units"])
    f = r["funcs"]
    # the lock incl sits past a data symbol inside __schedule: only text
    # symbols may count
    check(f.get(("__schedule", "atomic", "lock incl")) == 4000, "incl %r" % f)
    check(f.get(("__schedule", "atomic", "lock andb")) == 8000, "andb %r" % f)
    check(f.get(("finish_task_switch", "atomic", "lock decl")) == 4000, "decl %r" % f)
    check(f.get(("prepare_to_wait_event", "atomic", "xchgl")) == 4000, "xchg %r" % f)
    check(f.get(("do_idle", "barrier", "lock addl")) == 4000, "barrier %r" % f)
    check(r["totals"] == {"atomic": 40012, "barrier": 4000}, "totals %r" % r["totals"])
    check(r["mm_pair"] == 8000, "mm pair %r" % r["mm_pair"])


@case
def locks_use_the_variants_own_map():
    miss = read.Missing(RUNS)
    locks = read.read_locks(RUNS, MAPS, miss)
    f = locks["forkexit"]["patched"]["funcs"]
    check(f.get(("arch_shoot_down_dead_mm", "atomic", "lock btrq")) == 600, "patched %r" % f)
    check(("__mmdrop", "atomic", "lock btrq") in locks["forkexit"]["base"]["funcs"],
          "base map not used for base")
    check(not miss.items, "unexpected missing %r" % miss.items)


@case
def instructions_decoded():
    want = {"f0ff00": "lock incl", "f0ff0b": "lock decl", "f0410fb117": "lock cmpxchgl",
            "f08020f7": "lock andb", "f0834424fc00": "lock addl", "874218": "xchgl",
            "f0480fc107": "lock xaddq", "f0480fba2803": "lock btsq", "66f0ff00": "lock incw",
            "zz": "?"}
    got = {k: read.describe_insn(k) for k in want}
    check(got == want, "decoded %r" % got)


@case
def qemu_command_line_read():
    path = os.path.join(TMP, "qemu-cmdline.txt")
    with open(path, "w") as f:
        f.write("qemu-system-x86_64 -accel tcg,thread=multi -cpu max,la57=off "
                "-smp 4 -m 1024\n")
    check(read.qemu_setup(path) == {"accel": "tcg", "smp": "4", "cpu": "max,la57=off"},
          "setup %r" % read.qemu_setup(path))
    check(read.qemu_setup(os.path.join(TMP, "no-such-file")) is None, "missing file")


@case
def perf_output_read():
    d = os.path.join(RUNS, "bench-base-r1")
    stat = read.read_perf_stat(os.path.join(d, "perf-stat-pingpong.csv"))
    check(stat and all(len(v) == 2 for v in stat.values()), "perf stat %r" % stat)
    rows = read.read_perf_report(os.path.join(d, "perf-report-pingpong.txt"))
    check(rows and all(isinstance(p, float) and s for p, s in rows), "perf report %r" % rows)
    check(read.parse_number("<not counted>") is None and read.parse_number("12.5") == 12.5,
          "parse_number")


@case
def missing_inputs_collected_once():
    miss = read.Missing(RUNS)
    check(read.read_test_results(os.path.join(RUNS, "nope", "x.log"), miss) is None,
          "a missing log gives None")
    miss.add(os.path.join(RUNS, "nope", "x.log"))
    check(miss.items == ["nope/x.log: missing"], "items %r" % miss.items)


@case
def c2c_samples_read():
    # perf script -F addr,data_src,ip,sym, as builtin-script.c prints it:
    # addr, then data_src raw and decoded, then ip and symbol
    path = os.path.join(FIX, "pmu", "bench-base-r1", "perf-c2c-samples-pingpong.txt")
    s = read.read_c2c_samples(path)
    check(len(s) == 6, "samples %d" % len(s))
    check(s[1] == (0xffff888104a2c0c4, "|OP LOAD|LVL LFB/MAB hit|SNP HitM|TLB L1 or L2 hit"
                   "|LCK Yes|BLK  N/A", "__schedule"), "sample %r" % (s[1],))
    pmu = read.read_pmu(os.path.join(FIX, "pmu"), read.Missing(RUNS))
    check(pmu["patched"]["pmu"] == "cpu: locked-access event mem_inst_retired.lock_loads"
          and len(pmu["patched"]["c2c"]["pingpong"]) == 3 and pmu["base"]["c2c"]["cs1"] is None,
          "pmu %r" % pmu["patched"])


@case
def coherence_attributed_to_functions_and_mm_count_line():
    miss = read.Missing(RUNS)
    locks = read.read_locks(RUNS, MAPS, miss)
    coh = read.read_coherence(RUNS, MAPS, locks, miss)
    b, p = coh["pingpong"]["base"], coh["pingpong"]["patched"]
    check(b["units"] == 2000 and b["totals"] == [700, 100, 7000], "base %r" % b)
    # the lock incl (__schedule) and lock decl (finish_task_switch) of the
    # lockcount file each made 3000 locked transfers on one line: the
    # mm_count line, 6000 in all
    check(b["mm_lines"] == [0xffff888004a00000] and b["mm_line"] == 6000,
          "base mm line %r %r" % (b["mm_lines"], b["mm_line"]))
    check(b["funcs"].get("__schedule") == [200, 100, 3000], "base funcs %r" % b["funcs"])
    check(b["funcs"].get("finish_task_switch") == [0, 0, 3000], "base funcs %r" % b["funcs"])
    # no mm_count pair instruction ran on the patched kernel: no such line
    check(p["mm_lines"] == [] and p["mm_line"] == 0, "patched mm line %r" % p)
    check(p["funcs"].get("__switch_to_asm") == [0, 50, 0], "patched funcs %r" % p["funcs"])
    check(not miss.items, "unexpected missing %r" % miss.items)


@case
def coherence_file_missing_or_bad():
    d = copy_fixture("coh-runs")
    os.remove(os.path.join(d, "count-patched", "coherence-cs1.txt"))
    with open(os.path.join(d, "count-base", "coherence-exec.txt"), "w") as f:
        f.write("# lockcount v1 units=100\n")
    miss = read.Missing(d)
    coh = read.read_coherence(d, MAPS, read.read_locks(d, MAPS, miss), miss)
    check(coh["cs1"]["patched"] is None and coh["exec"]["base"] is None,
          "bad inputs read as results")
    got = " ".join(miss.items)
    check("coherence-cs1.txt" in got and "coherence-exec.txt" in got, "missing %r" % got)


@case
def displacements_decoded():
    want = {"f0ff00": 0, "f041ff0e": 0, "f0ff4730": 0x30, "f0ff4f50": 0x50,
            "f041ff8424c00b0000": 0xbc0, "f0ff40f8": -8, "f041ff0424": 0,
            "f0ff0525000000": None, "f0ff042500100000": None, "f0ffc0": None,
            "f00fb117": None, "zz": None}
    got = {k: read.insn_disp(k) for k in want}
    check(got == want, "decoded %r" % got)


@case
def mm_pair_is_at_mm_counts_offset():
    """__schedule's other lock incl, on rq->nr_iowait (0xbc0 from its
    register), is not an mm_count pair instruction; mm_count's own is."""
    path = os.path.join(TMP, "lockcount-iowait.txt")
    with open(os.path.join(RUNS, "count-base", "lockcount-pingpong.txt")) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text + "ffffffff81d9e200 atomic 500 f041ff8424c00b0000\n")
    r = read.attribute_locks(path, MAPS["base"])
    check(r["funcs"].get(("__schedule", "atomic", "lock incl")) == 4500, "incl %r" % r["funcs"])
    check(r["mm_pair"] == 8000, "mm pair %r" % r["mm_pair"])
    check(0xffffffff81d9e200 not in r["mm_pair_addrs"], "nr_iowait's incl taken for mm_count")


@case
def mm_pair_needs_the_offsets():
    """Without the kernel's lazymm-offsets.txt the pair is not measured,
    rather than guessed from the mnemonic."""
    d = os.path.join(TMP, "no-offsets")
    os.makedirs(d, exist_ok=True)
    m = os.path.join(d, "System.map")
    shutil.copy(MAPS["base"], m)
    r = read.attribute_locks(os.path.join(RUNS, "count-base", "lockcount-pingpong.txt"), m)
    check(r["mm_pair"] is None, "mm pair %r" % r["mm_pair"])
    check(r["funcs"].get(("__schedule", "atomic", "lock incl")) == 4000, "funcs %r" % r["funcs"])
