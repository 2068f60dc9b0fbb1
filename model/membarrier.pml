/*
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) against a CPU that returns
 * from a lazy mm to a user task of the caller's mm, on x86-TSO.
 *
 * The store-buffering litmus that membarrier exists for: a thread T of the
 * mm stores Y and loads X with only a compiler barrier between; the caller
 * stores X, calls membarrier() and loads Y. Both loads seeing 0 is
 * forbidden. membarrier() reads each CPU's rq->curr and sends an IPI (a
 * full barrier there) only where the current task uses the mm, so T's CPU
 * needs a full barrier between its store to rq->curr and T's first access
 * in user space: otherwise its rq->curr store can wait in the store buffer
 * while T's load of X runs, the caller reads the old rq->curr, sends no
 * IPI, and both miss. With the lazy mm reference, mmdrop_lazy_tlb_sched()'s
 * atomic in finish_task_switch() gave that barrier; without it, the series
 * keeps an explicit smp_mb() there.
 *
 * -DNO_MB removes the smp_mb() from finish_task_switch(); spin then finds
 * the forbidden outcome. -DX86_SWITCH_MM adds what x86's
 * switch_mm_irqs_off() does on that path after rq->curr is stored, on one
 * of three paths chosen freely:
 *   - the user task's mm is not the lazy one: a locked cpumask_set_cpu()
 *     or an smp_mb(), then a CR3 write; either drains the store buffer;
 *   - it is, with a per-CPU ASID: the was_lazy smp_mb() before tlb_gen
 *     is read, which drains it too;
 *   - it is, and the mm has a global ASID (AMD INVLPGB): 7.3 returns
 *     before that smp_mb(), since broadcast flushes keep the TLB current,
 *     and nothing drains the buffer.
 * So NO_MB with X86_SWITCH_MM is an error on 7.3's x86: the smp_mb() in
 * finish_task_switch() is what covers the global-ASID return. With
 * -DX86_LAZY_MB_FIRST as well, the was_lazy smp_mb() comes before every
 * return of the same-mm path (the series' x86 change), spin finds no
 * error, and x86's smp_mb__after_switch_mm() may be empty for this call.
 * A fourth path, same mm and not lazy, is the switch between two tasks of
 * one mm, with no barrier. A kernel thread must never reach it: it would
 * if a flush IPI for the mm's global ASID transition reloaded the ASID
 * on the idle CPU with switch_mm_irqs_off(NULL, loaded_mm, NULL), which
 * clears is_lazy (-DRELOAD_FIRST, upstream 7.3's flush_tlb_func()).
 * Under -DX86_SWITCH_MM such an IPI may come before the switch; by
 * default it finds the CPU lazy and sends it to init_mm first ("x86/mm:
 * Leave lazy mode before a global ASID reload").
 * -DLAZY_MB_WEAK weakens that was_lazy smp_mb() to smp_wmb(), barrier() or
 * nothing: on x86 the first two are compiler barriers, and none of the
 * three keeps a later load from passing the rq->curr store, so all three
 * are this one case, and with NO_MB (7.3's finish_task_switch()) spin
 * finds the forbidden outcome.
 * No test in a TCG guest can see the barrier go (tests/broken/README.md):
 * TCG has no INVLPGB, and the window is a store-buffer drain.
 */

#define IDLE	0
#define T	1

byte curr = IDLE;	/* rq->curr of CPU 0, in memory */
bool on_mm;		/* CPU 0's loaded_mm is T's mm */
bool lazy0 = true;	/* CPU 0's is_lazy */
byte X, Y;		/* user memory */

/* CPU 0's store buffer, FIFO: rq->curr, then Y */
byte sb_len;
byte sb_addr[2];	/* 0: rq->curr, 1: Y */
byte sb_val[2];

bool ipi, ipi_done;
byte r1 = 9, r2 = 9;	/* the caller's Y, T's X; 9: not loaded yet */

inline store0(a, v)
{
	atomic { sb_addr[sb_len] = a; sb_val[sb_len] = v; sb_len++ }
}

inline drain_wait()
{
	atomic { sb_len == 0 -> skip }
}

/* CPU 0: idle, lazily on the mm, schedules T in and returns to user. */
active proctype lazy_cpu()
{
	/* lazily on T's mm, or on another mm (or init_mm) */
	if
	:: on_mm = true
	:: on_mm = false
	fi;
#ifdef X86_SWITCH_MM
	/* maybe a flush IPI for the global ASID transition of T's mm */
	if
	:: skip
	:: on_mm ->
#ifdef RELOAD_FIRST
		lazy0 = false		/* reload on the same mm: is_lazy cleared */
#else
		on_mm = false		/* is_lazy first: leave to init_mm */
#endif
	fi;
#endif
	/* __schedule(): rq->curr = T */
	store0(0, T);
#ifdef X86_SWITCH_MM
	/* switch_mm_irqs_off(), on the path the state gives */
	if
	:: !on_mm -> drain_wait()	/* other mm: locked bit set or smp_mb(), CR3 */
	:: on_mm && lazy0 ->
#ifdef LAZY_MB_WEAK
		skip			/* the was_lazy barrier, weakened: orders no load */
#else
		if
		:: drain_wait()		/* per-CPU ASID, was_lazy: smp_mb(), tlb_gen */
		:: skip;		/* global ASID: return ... */
#ifdef X86_LAZY_MB_FIRST
		   drain_wait()		/* ... after the was_lazy smp_mb() */
#endif
		fi
#endif
	:: on_mm && !lazy0 -> skip	/* "two tasks of one mm": no barrier */
	fi;
#endif
#ifndef NO_MB
	/* finish_task_switch(): mmdrop_lazy_tlb_sched()'s smp_mb() */
	drain_wait();
#endif
	/* T in user space: Y = 1; barrier(); r2 = X */
	store0(1, 1);
	/* a load is not satisfied from the buffer unless it holds X: never */
	r2 = X
}

/* CPU 0's store buffer drains in order, at any time. */
active proctype drain()
{
end:	do
	:: atomic {
		sb_len > 0 ->
		if
		:: sb_addr[0] == 0 -> curr = sb_val[0]
		:: else -> Y = sb_val[0]
		fi;
		sb_addr[0] = sb_addr[1]; sb_val[0] = sb_val[1];
		sb_len--
	   }
	od
}

/* The IPI: membarrier_ipi()'s smp_mb() on CPU 0, between two of its steps. */
active proctype ipi_handler()
{
end:	atomic { ipi -> skip };
	drain_wait();
	ipi_done = true
}

/* CPU 1: the caller, a thread of the same mm. */
active proctype caller()
{
	/* X = 1, then membarrier(): smp_mb() (so X is in memory) */
	X = 1;
	/* READ rq->curr of CPU 0: an IPI only if it runs a task of the mm */
	if
	:: curr == T -> ipi = true; ipi_done
	:: else -> skip
	fi;
	/* smp_mb(), then r1 = Y */
	r1 = Y
}

active proctype check()
{
end:	atomic {
		r1 != 9 && r2 != 9 ->
		assert(r1 == 1 || r2 == 1)
	}
}
