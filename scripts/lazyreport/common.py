"""What the report measures: the workloads, the functions it looks at, the goals."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))   # scripts/lazyreport -> top
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
# bench-scale's workloads (the vCPU sweep of transfers per operation), with
# what one operation is.
SCALED = (("pingpong", "ping-pong round trip (CPUs 0 and 1)"),
          ("cs1", "context_switch1 threads, a round trip"),
          ("cs1proc", "context_switch1 processes, a round trip"),
          ("forkexit", "fork/exit storm, a fork + exit + wait"))
# The plugin's coherence model: the kinds of transfer, in its file's order.
COHERENCE_KINDS = ("read_after_remote_write", "write_invalidate", "locked_rmw")
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
MM_CPUMASK_FUNCS = {"switch_mm_irqs_off"}    # their lock bts: mm_cpumask() bits
# The context switch itself: context_switch() is inlined in __schedule().
SWITCH_PATH_FUNCS = ("__schedule", "finish_task_switch", "switch_mm_irqs_off",
                     "enter_lazy_tlb", "__switch_to", "__switch_to_asm")
# Runs once per context switch: the entry block of this counts switches.
SWITCH_ENTRY = "__switch_to_asm"

# Workloads profiled with the hardware PMU, where there is one.
PMU_PROFILED = ("pingpong", "cs1")

# The shootdown's own code (arch/x86/mm/tlb.c): the hook, the walk of the
# candidates, the per-candidate test (once per CPU in mm_cpumask()) and the
# IPI handler.
SHOOTDOWN_FUNCS = ("arch_shoot_down_dead_mm", "shoot_down_mm", "mm_maybe_loaded",
                   "leave_dead_mm")
# Where a machine this size is modelled, beside the measured vCPU counts.
SHOOTDOWN_MODEL_CPUS = (144, 1024)

# Published latency of one cache line moving between two cores (two pinned
# threads doing compare-and-exchange on one line; median), for the cost
# estimate: (machine, same socket ns, other socket ns). Source: the
# "core-to-core-latency" tool's README, single- and dual-socket tables,
# https://github.com/nviennot/core-to-core-latency
HOP_SOURCE = "https://github.com/nviennot/core-to-core-latency"
HOP_NS = (
    ("2x Xeon Platinum 8375C (Ice Lake, 2.9 GHz)", 51, 108),
    ("2x Xeon Platinum 8275CL (Cascade Lake, 3.0 GHz)", 47, 134),
)

GOAL_EXTRA_IPIS = 0.05
GOAL_RATIO = 0.98
MODEL_CPUS = (1, 2, 4, 8, 24, 64, 192)
TOP_SYMBOLS = 12
TOP_FUNCS = 12
