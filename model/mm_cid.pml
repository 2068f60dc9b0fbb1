/*
 * switch_mm_cid() against sched_mm_cid_remote_clear(), on x86-TSO.
 *
 * The one pair in the series whose argument needs the store buffer: a
 * context switch from a user task to a kernel thread stores rq->curr and
 * then loads the mm's per-CPU cid in mm_cid_put_lazy(); the remote clear
 * sets the lazy-put flag on that cid with a locked cmpxchg and then loads
 * rq->curr. x86 lets a load pass an older store to another address (the
 * store waits in the store buffer), so without a full barrier between the
 * two on the switching CPU, both CPUs can miss each other: the switch sees
 * no flag and keeps the cid, the remote clear sees the user task still
 * current and leaves it. With the lazy mm reference, the locked increment
 * of mm_count was that barrier; under ARCH_NO_TASK_ACTIVE_MM,
 * switch_mm_cid() issues smp_mb() (6.12's "sched/mm_cid: full barrier
 * without lazy mm refs").
 *
 * -DNO_MB removes it; spin then finds the outcome both-miss.
 */

#define USER	1
#define KTHREAD	0

byte curr = USER;	/* rq->curr of CPU 0, in memory */
bool flag;		/* the cid's lazy-put flag, in memory */

/* CPU 0's store buffer: at most one store, to rq->curr */
bool sb_full;
byte sb_val;

bool saw_flag;		/* CPU 0: mm_cid_put_lazy() saw the flag */
byte saw_curr;		/* CPU 1: the rq->curr it read */
bool done0, done1;

active proctype switcher()
{
	/* __schedule(): rq->curr = next, a kernel thread */
	atomic { sb_full = true; sb_val = KTHREAD };
#ifndef NO_MB
	/* smp_mb(): a locked instruction drains the store buffer */
	atomic { !sb_full -> skip };
#endif
	/* mm_cid_put_lazy(): load the cid (not in our store buffer) */
	saw_flag = flag;
	done0 = true
}

/* The store buffer drains to memory at any time. */
active proctype drain()
{
end:	atomic { sb_full -> curr = sb_val; sb_full = false }
}

active proctype remote_clear()
{
	/* cmpxchg(&pcpu_cid->cid, cid, cid | MM_CID_LAZY_PUT): locked */
	flag = true;
	/* then READ_ONCE(rq->curr) */
	saw_curr = curr;
	done1 = true
}

active proctype check()
{
end:	atomic {
		done0 && done1 ->
		assert(saw_flag || saw_curr != USER)
	}
}
