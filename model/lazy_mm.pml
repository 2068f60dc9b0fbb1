/*
 * Promela model of the x86 lazy mm shootdown (ARCH_NO_TASK_ACTIVE_MM).
 *
 * Three CPUs and three mms besides init_mm:
 *   M    the mm that dies: one user task T, one other mm_users holder R
 *        (a /proc reader, ptrace, mmput_async()) and one kernel thread K
 *        that holds only mm_count and may kthread_use_mm() it at any time,
 *        before or after its users are gone (KVM's Xen irqfd, idxd);
 *   N    another user mm, whose task U never exits;
 *   EFI  efi_mm, for runtime service calls from kernel threads.
 * The last mmput() of M runs on the CPU where T exits, or in R on a CPU
 * outside the model. At the start T runs on CPU 0, and CPUs 1 and 2 are
 * lazily on M, where T ran before. CPU 2 may go offline; EFI calls are
 * made on CPU 1.
 *
 * Memory model: sequential consistency. Each statement of a switch is its
 * own step, so every interleaving of the CPUs' steps is explored; x86's
 * store buffer is modelled only in mm_cid.pml, where the argument needs
 * it (the store-buffering pairs here all have a full barrier on both
 * sides: the mm_users decrement, the CR3 write, smp_mb__after_spinlock()).
 *
 * -D switches put back each hole the series closes:
 *   HOLE1  switch_mm_irqs_off() clears prev's mm_cpumask bit and reads
 *          prev's LDT after loaded_mm names next ("x86/mm: Let go of prev
 *          before loaded_mm names next")
 *   HOLE2  a CPU goes offline lazily on a user mm (6.12's "x86/smpboot:
 *          leave the lazy mm before going offline")
 *   HOLE3  kthread_unuse_mm() stays lazily on a dead mm ("kthread: Don't
 *          leave a CPU lazily on a dead mm")
 *   HOLE5  a kernel thread switched out while it uses a dead mm leaves its
 *          CPU lazily on it ("kthread: Don't leave a CPU lazily on a dead
 *          mm"; found by this model)
 *   EFI_RESTORE_LAZY  efi_leave_mm() switches back to the lazy mm it came
 *          from (6.12's "x86/efi: Never switch back to a lazy mm")
 *   NO_SHOOTDOWN  arch_shoot_down_dead_mm() does nothing ("x86/mm: Shoot
 *          lazy CPUs off a dead mm")
 * V73  the 7.3 protocol, where it differs from 6.12's:
 *          - the EFI call is use_temporary_mm(): leave_mm() first if
 *            is_lazy, save loaded_mm, switch back to it afterwards;
 *          - a CPU on M may take a flush IPI for M's global ASID
 *            transition at any time (finish_asid_transition(), INVLPGB);
 *          - mm_cpumask(M) is loose: a switch away from M leaves the
 *            bit set, and only a flush IPI that finds the CPU on another
 *            mm clears it (flush_tlb_func()'s trim, which a flush sends
 *            to such a CPU or not);
 *          - CPU 2 goes down in two steps: sched_cpu_deactivate() (no
 *            longer active, still online, taking IPIs), then
 *            sched_force_init_mm() and take_cpu_down(); idle_task_exit()
 *            no longer switches after the CPU is offline
 * 7.3 variants:
 *   RELOAD_FIRST  flush_tlb_func() reloads the ASID for that transition
 *          before it tests is_lazy, clearing is_lazy on a lazy CPU
 *          (upstream 7.3; "x86/mm: Leave lazy mode before a global ASID
 *          reload" puts the is_lazy test first)
 *   LAZY_PROXY  leave_dead_mm() tells a kthread using M from a lazy CPU
 *          by is_lazy instead of current->mm
 *   ACTIVE_ONLY  the shootdown takes its candidates from the active
 *          CPUs, not the online ones
 *   UNUSE_READ_EARLY  kthread_unuse_mm() reads mm_users before the thread
 *          lets go of M, with IRQs on, and switches on that stale read
 * Each switch names, in model/code-lines.txt, the line of the series it
 * stands for; make model fails if that line is gone.
 * STEPS bounds the actions each CPU takes (default 2).
 */

#ifndef STEPS
#define STEPS 2
#endif

#define NCPU	3
#define NONE	255
#define INIT	0
#define M	1
#define N	2
#define EFI	3
#define SW	4	/* LOADED_MM_SWITCHING */

/* what a CPU runs */
#define IDLE	0	/* idle or a kernel thread: lazy */
#define RUN_T	1
#define RUN_U	2
#define RUN_K	3	/* K between kthread_use_mm() and kthread_unuse_mm() */
#define RUN_EFI	4	/* a kernel thread inside an EFI runtime call */
#define GOING	5	/* CPU 2 going down: inactive, still online */

/* IPIs */
#define FLUSH	1	/* exit_mmap()'s TLB flush of M (freed page tables) */
#define SHOOT	2	/* arch_shoot_down_dead_mm(M) */

byte loaded[NCPU];		/* cpu_tlbstate.loaded_mm */
byte cr3[NCPU];			/* the pgd CR3 points at */
bool lazy[NCPU];		/* cpu_tlbstate_shared.is_lazy */
bool mask[NCPU];		/* mm_cpumask(M) */
bool online[NCPU];
bool act[NCPU];		/* cpu_active_mask */
byte cur[NCPU];
byte ipi[NCPU];			/* pending IPI, 0 if none */

byte users = 2;			/* M's mm_users: T and R */
byte count = 2;			/* M's mm_count: the users' one, and K's */
bool freed;			/* M's mm_struct and pgd are freed */

byte t_cpu = NONE;		/* where T runs */
bool t_exited;
byte k_state;			/* 0 not used, 1 using, 2 preempted, 3 unused, 4 dropped,
				 * 5 using, mm_users read early (UNUSE_READ_EARLY) */
bool k_dead;			/* what that early read saw */
byte k_cpu = NONE;

/* Every access to M's mm_struct or pgd must find it alive. */
inline touch(m)
{
	assert(m != M || !freed)
}

/*
 * switch_mm_irqs_off(), step by step, as in the patched tlb.c. Runs with
 * IRQs off: the CPU takes no IPI until it returns.
 */
inline switch_to(nxt)
{
	prev = loaded[me];
	if
	:: prev == nxt ->
		/* was_lazy: smp_mb(), then next->context.tlb_gen */
		atomic { touch(nxt); lazy[me] = false }
	:: else ->
		/* loaded_mm = LOADED_MM_SWITCHING; VM_WARN: bit set in prev */
		atomic { loaded[me] = SW; touch(prev) };
		if
		:: nxt == M -> atomic { touch(M); mask[me] = true }
		:: else -> skip
		fi;
		atomic { touch(nxt); cr3[me] = nxt };
#ifdef HOLE1
		atomic { loaded[me] = nxt; lazy[me] = false };
		touch(prev);		/* switch_ldt() reads prev->context.ldt */
		if
		:: prev == M -> atomic { touch(M); mask[me] = false }
		:: else -> skip
		fi
#elif defined(V73)
		/* switch_ldt() reads prev's LDT; prev's bit stays set */
		touch(prev);
		atomic { loaded[me] = nxt; lazy[me] = false }
#else
		/* switch_ldt() reads prev's LDT, then prev's bit is cleared */
		atomic {
			touch(prev);
			if
			:: prev == M -> mask[me] = false
			:: else -> skip
			fi
		};
		atomic { loaded[me] = nxt; lazy[me] = false }
#endif
	fi;
	prev = 0
}

/* enter_lazy_tlb(): a kernel thread or idle runs on the mm it finds. */
inline go_lazy()
{
	if
	:: loaded[me] != INIT -> lazy[me] = true
	:: else -> skip
	fi
}

/*
 * leave_dead_mm()'s test: does the task running here not use M? It asks
 * current->mm (only T and K have M as ->mm); -DLAZY_PROXY asks is_lazy.
 */
#ifdef LAZY_PROXY
#define NOT_IN_USE(c)	(lazy[c])
#else
#define NOT_IN_USE(c)	(cur[c] != RUN_K && cur[c] != RUN_T)
#endif

/* The IPI handlers: flush_tlb_func() and leave_dead_mm(). */
inline handle_ipi()
{
	if
#ifdef V73
	/* flush_tlb_func()'s trim: on another mm, clear the bit of M */
	:: ipi[me] == FLUSH && loaded[me] != M -> mask[me] = false
#endif
	:: ipi[me] == FLUSH && loaded[me] == M && lazy[me] -> switch_to(INIT)
	:: ipi[me] == FLUSH && loaded[me] == M && !lazy[me] ->
		touch(M)		/* flush the TLB of the mm in use */
	:: ipi[me] == SHOOT && loaded[me] == M && NOT_IN_USE(me) -> switch_to(INIT)
	:: ipi[me] == SHOOT && loaded[me] == M && !NOT_IN_USE(me) ->
		skip			/* a kthread using M keeps it */
	:: else -> skip			/* not on M */
	fi;
	ipi[me] = 0
}

/*
 * flush_tlb_func() on a CPU on M while M moves to a global ASID: 7.3
 * reloads the ASID with switch_mm_irqs_off(NULL, loaded_mm, NULL), the
 * same-mm path, which clears is_lazy; the fix leaves lazy mode first.
 */
inline asid_transition_flush()
{
#ifdef RELOAD_FIRST
	switch_to(M)
#else
	if
	:: lazy[me] -> switch_to(INIT)
	:: else -> switch_to(M)
	fi
#endif
}

/* Send one IPI, if the CPU is online, and wait for it. */
inline send_wait(c, kind)
{
	atomic {
		if
		:: online[c] -> ipi[c] = kind
		:: else -> skip
		fi
	};
	ipi[c] == 0
}

/* mmdrop(): the last one frees M. */
inline drop()
{
	atomic {
		count--;
		if
		:: count == 0 -> freed = true
		:: else -> skip
		fi
	}
}

/*
 * __mmput(M) on CPU me (NONE: a CPU outside the model), mm_users now 0:
 * exit_mmap() with or without a flush of freed page tables, the
 * shootdown, the final mmdrop().
 */
inline mmput_last()
{
	if
	:: skip		/* nothing mapped: exit_mmap() frees and flushes nothing */
	:: c = 0;
		do
		:: c < NCPU ->
			if
			:: c == me ->
				if
				:: loaded[me] == M && lazy[me] -> switch_to(INIT)
				:: else -> skip
				fi
#ifdef V73
			/* should_flush_tlb(): a CPU on another mm only to trim */
			:: c != me && mask[c] && (loaded[c] == M || loaded[c] == SW) ->
				send_wait(c, FLUSH)
			:: c != me && mask[c] && loaded[c] != M && loaded[c] != SW ->
				if
				:: send_wait(c, FLUSH)
				:: skip
				fi
#else
			:: c != me && mask[c] -> send_wait(c, FLUSH)
#endif
			:: else -> skip
			fi;
			c++
		:: else -> break
		od
	fi;
#ifndef NO_SHOOTDOWN
	c = 0;
	do
	:: c < NCPU ->
		/* on_each_cpu_cond_mask(mm_maybe_loaded, ..., mm_cpumask(M)) */
		if
#ifdef ACTIVE_ONLY
		:: mask[c] && online[c] && act[c] ->
#else
		:: mask[c] && online[c] ->
#endif
			l = loaded[c];
			if
			:: l == M || l == SW ->
				if
				:: c == me ->
					if
					:: loaded[me] == M && NOT_IN_USE(me) -> switch_to(INIT)
					:: else -> skip
					fi
				:: else -> send_wait(c, SHOOT)
				fi
			:: else -> skip
			fi
		:: else -> skip
		fi;
		c++
	:: else -> break
	od;
#endif
	c = 0; l = 0;
	drop()
}

proctype cpu(byte me)
{
	byte prev, c, l, steps, saved;
	bool asid_flushed;

	do
	/* take a pending IPI (IRQs are on between actions); not counted */
	:: ipi[me] != 0 -> handle_ipi()
#ifdef UNUSE_READ_EARLY
	/* kthread_unuse_mm()'s read of mm_users, while K still uses M; not counted */
	:: atomic { cur[me] == RUN_K && k_state == 1 -> k_dead = (users == 0); k_state = 5 }
#endif
#ifdef V73
	/*
	 * CPU 2, inactive but online, taking IPIs between its steps:
	 * sched_cpu_wait_empty()'s sched_force_init_mm(), then
	 * take_cpu_down() and the queued IPIs; not counted
	 */
	:: cur[me] == GOING ->
#ifndef HOLE2
		if
		:: loaded[me] != INIT -> switch_to(INIT)
		:: else -> skip
		fi;
#endif
		online[me] = false;
		if
		:: ipi[me] != 0 -> handle_ipi()
		:: else -> skip
		fi;
		goto dead
	/* a flush IPI for M's global ASID transition, on CPU 1 (where EFI
	 * calls are made), once; not counted */
	:: me == 1 && !asid_flushed && loaded[me] == M && !freed ->
		asid_flushed = true; asid_transition_flush()
#endif
	:: steps < STEPS && cur[me] != GOING -> steps++;
		if
		/* schedule T, M's user task */
		:: atomic { cur[me] == IDLE && t_cpu == NONE && !t_exited ->
			t_cpu = me; cur[me] = RUN_T }; switch_to(M)
		:: atomic { cur[me] == RUN_T -> cur[me] = IDLE; go_lazy(); t_cpu = NONE }
		/* T exits: exit_mm() leaves the CPU lazily on M, then mmput() */
		:: atomic { cur[me] == RUN_T ->
			t_exited = true; cur[me] = IDLE; t_cpu = NONE; go_lazy() };
			atomic { users--; l = users };
			if
			:: l == 0 -> mmput_last()
			:: else -> skip
			fi;
			l = 0
		/* schedule U, N's user task (N never dies) */
		:: atomic { cur[me] == IDLE -> cur[me] = RUN_U }; switch_to(N)
		:: atomic { cur[me] == RUN_U -> cur[me] = IDLE; go_lazy() }
		/* cpuidle or text_poke: leave_mm() */
		:: cur[me] == IDLE && lazy[me] -> switch_to(INIT)
		/* K, holding mm_count only: kthread_use_mm(M) */
		:: atomic { cur[me] == IDLE && k_state == 0 && online[me] ->
			k_state = 1; k_cpu = me; cur[me] = RUN_K }; switch_to(M)
		/* K switched out while using M, and switched back in */
		:: atomic { cur[me] == RUN_K -> cur[me] = IDLE; go_lazy() };
#ifndef HOLE5
			/* context_switch(): leave_dead_kthread_mm() */
			if
			:: users == 0 -> switch_to(INIT)
			:: else -> skip
			fi;
#endif
			/* finish_task_switch() clears K's on_cpu: now it may run elsewhere */
			atomic { k_state = 2; k_cpu = NONE }
		:: atomic { cur[me] == IDLE && k_state == 2 && online[me] ->
			k_state = 1; k_cpu = me; cur[me] = RUN_K }; switch_to(M)
		/*
		 * kthread_unuse_mm(M), IRQs off: let go of M (->mm = NULL,
		 * enter_lazy_tlb()), read mm_users, switch if it was zero.
		 * Other CPUs' steps interleave between the three.
		 */
#ifdef UNUSE_READ_EARLY
		:: atomic { cur[me] == RUN_K && k_state == 5 -> go_lazy() };
			if
			:: k_dead -> switch_to(INIT)
			:: else -> skip
			fi;
#else
		:: atomic { cur[me] == RUN_K -> go_lazy() };
#ifndef HOLE3
			if
			:: users == 0 -> switch_to(INIT)
			:: else -> skip
			fi;
#endif
#endif
			atomic { cur[me] = IDLE; k_state = 3; k_cpu = NONE }
		/* K drops its mm_count reference, used or not */
		:: atomic { k_state == 0 || k_state == 3 -> k_state = 4 }; drop()
		/* an EFI runtime call from a kernel thread, on CPU 1 */
#ifdef V73
		/* use_temporary_mm(): leave_mm() if lazy, keep loaded_mm */
		:: atomic { me == 1 && cur[me] == IDLE -> cur[me] = RUN_EFI };
			if
			:: lazy[me] -> switch_to(INIT)
			:: else -> skip
			fi;
			saved = loaded[me];
			switch_to(EFI)
		/* unuse_temporary_mm(): back to the saved mm */
		:: cur[me] == RUN_EFI ->
			switch_to(saved);
			atomic { cur[me] = IDLE; go_lazy(); saved = 0 }
#else
		:: atomic { me == 1 && cur[me] == IDLE ->
			saved = loaded[me]; cur[me] = RUN_EFI }; switch_to(EFI)
		:: cur[me] == RUN_EFI ->
#ifdef EFI_RESTORE_LAZY
			switch_to(saved);
#else
			switch_to(INIT);
#endif
			atomic { cur[me] = IDLE; go_lazy(); saved = 0 }
#endif
#ifdef V73
		/* CPU 2 goes down: sched_cpu_deactivate(), the rest below */
		:: atomic { me == 2 && cur[me] == IDLE -> act[me] = false; cur[me] = GOING }
#else
		/* CPU 2 goes offline: take_cpu_down(), then play_dead() */
		:: me == 2 && cur[me] == IDLE ->
#ifndef HOLE2
			if
			:: loaded[me] != INIT -> switch_to(INIT)	/* leave_mm() */
			:: else -> skip
			fi;
#endif
			online[me] = false;
			/* smpcfd_dying_cpu(): run what was queued before */
			if
			:: ipi[me] != 0 -> handle_ipi()
			:: else -> skip
			fi;
			/* the stopper and idle run on; then idle_task_exit() */
			if
			:: loaded[me] != INIT -> switch_to(INIT)
			:: else -> skip
			fi;
			goto dead
#endif
		fi
	:: else -> break
	od;
	/* Nothing more to do but take IPIs, for ever. */
end:	do
	:: ipi[me] != 0 -> handle_ipi()
	od;
dead:	skip
}

/* R, the other mm_users holder, drops its reference at any time. */
proctype reader()
{
	byte me = NONE;
	byte prev, c, l;

	atomic { users--; l = users };
	if
	:: l == 0 -> mmput_last()
	:: else -> skip
	fi
}

/*
 * No CPU may have a freed M loaded or in CR3, offline CPUs included.
 * Enabled only in a state that breaks it.
 */
active proctype monitor()
{
end:	atomic {
		freed && (loaded[0] == M || cr3[0] == M ||
			  loaded[1] == M || cr3[1] == M ||
			  loaded[2] == M || cr3[2] == M) ->
		assert(false)
	}
}

init
{
	byte c;

	/*
	 * T runs on CPU 0; it ran on CPUs 1 and 2 before, which are lazily
	 * on M since (a kernel thread or idle runs there).
	 */
	atomic {
		do
		:: c < NCPU ->
			online[c] = true; act[c] = true; loaded[c] = M; cr3[c] = M; mask[c] = true;
			lazy[c] = (c != 0);
			c++
		:: else -> break
		od;
		cur[0] = RUN_T; t_cpu = 0;
		run cpu(0); run cpu(1); run cpu(2);
		run reader()
	}
}
