// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest program for the lockcount tests (runs under qemu-x86_64).
 * "seq": a fixed sequence of locked / non-locked instructions between
 * markers; global labels let the test find each instruction's address.
 * "mt": NTHR threads hammer one lock incl in parallel (MTTCG safety).
 * "pingpong", "pingpong-locked": two threads hand one line back and forth
 * PP_ITER times, with a plain store or an xchg; each round is 2 reads of
 * the other thread's write and 2 writes to a line the other holds. Both
 * also count PP_ITER times on a line of their own: no transfer.
 * "gs": two threads, each with its own GS base (arch_prctl), read and
 * write per-thread data through %gs as this_cpu_*() does: thread 0 with
 * an absolute displacement (%gs:0x40, a zero-based per-CPU section),
 * thread 1 RIP-relative (%gs:gs_sym(%rip), per-CPU symbols in the image);
 * the plugin's per-vCPU offset for each is its GS base.
 * "store": one instruction (t_store, as __switch_to_asm saves a task's
 * stack pointer) writes at offset 8 of three objects, before, in and
 * after the window, twice each; the plugin's T lines must be those three
 * addresses (taskstore=).
 */
#include <asm/prctl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARK(d)	".byte 0x0f,0x1f,0x84,0x00; .long " #d "\n"
#define START	MARK(0x4c5a4d31)
#define STOP	MARK(0x4c5a4d30)
#define UNIT	MARK(0x4c5a4d32)

int g;

static void seq(void)
{
	asm volatile(
	"sub $256, %%rsp\n"		/* keep clear of the red zone */
	"t_before: lock incl g(%%rip)\n"	/* outside the window */
	START
	"t_junk: lock incl g(%%rip)\n"	/* counted, then reset by START */
	START
	"mov $1000, %%ecx\n"
	"1: t_inc: lock incl g(%%rip)\n"		/* atomic x1000 */
	"dec %%ecx; jnz 1b\n"
	"mov $300, %%ecx\n"
	"1: t_bar8: lock addl $0,-4(%%rsp)\n"	/* barrier x300, disp8 */
	"dec %%ecx; jnz 1b\n"
	"t_bar0: lock addl $0,(%%rsp)\n"		/* barrier, no disp */
	"t_bar32: lock addl $0,-0x100(%%rsp)\n"	/* barrier, disp32 */
	"t_barq: lock orq $0,(%%rsp)\n"		/* barrier, REX.W or */
	"t_bar81: .byte 0xf0,0x81,0x44,0x24,0xfc,0,0,0,0\n" /* imm32 form */
	"t_nb1: lock addl $1,-4(%%rsp)\n"	/* atomic: imm != 0 */
	"t_nb2: lock subl $1,-4(%%rsp)\n"	/* atomic: sub */
	"mov %%rsp, %%rax\n"
	"t_nb3: lock addl $0,(%%rax)\n"		/* atomic: base is not rsp */
	"t_cmpx: lock cmpxchg %%edx, g(%%rip)\n"	/* atomic */
	"lea g(%%rip), %%rax\n"
	"t_w: .byte 0x66,0xf0,0xff,0x00\n"	/* lock incw (%%rax), 66 before f0 */
	"mov $200, %%ecx\n"
	"1: t_xchg: xchg %%eax, g(%%rip)\n"	/* atomic x200, implicit lock */
	"t_xchgr: xchg %%edx, %%esi\n"		/* reg-reg: not counted */
	"t_incnl: incl g(%%rip)\n"		/* no lock: not counted */
	"dec %%ecx; jnz 1b\n"
	"mov $50, %%ecx\n"
	"1: " UNIT
	"dec %%ecx; jnz 1b\n"
	STOP
	"t_after: lock incl g(%%rip)\n"		/* outside the window */
	UNIT					/* outside: not a unit */
	"add $256, %%rsp\n"
	::: "rax", "rcx", "rdx", "rsi", "memory", "cc");
}

#define NTHR	4
#define NITER	100000

static void *worker(void *arg)
{
	asm volatile(
	"mov %0, %%ecx\n"
	"1: t_mt: lock incl g(%%rip)\n"
	"dec %%ecx; jnz 1b\n"
	UNIT
	:: "i"(NITER) : "rcx", "memory", "cc");
	return NULL;
}

static void mt(void)
{
	pthread_t t[NTHR];

	asm volatile(START ::: "memory");
	for (int i = 0; i < NTHR; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < NTHR; i++)
		pthread_join(t[i], NULL);
	asm volatile(STOP ::: "memory");
}

#define PP_ITER	1000

struct padded {
	int v;
} __attribute__((aligned(64)));

static struct padded turn, go, own[2];
static int pp_locked;

static void *pingpong_thread(void *arg)
{
	long me = (long)arg;
	int other = !me;

	while (!__atomic_load_n(&go.v, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < PP_ITER; i++) {
		asm volatile(
		"1: t_pp_load: movl %0, %%eax\n"	/* the other's write */
		"cmpl %%eax, %1\n"
		"jne 1b\n"
		: : "m"(turn.v), "r"((int)me) : "rax", "cc", "memory");
		own[me].v++;
		if (pp_locked)
			asm volatile("t_pp_xchg: xchgl %0, %1"
				     : "+r"(other), "+m"(turn.v) : : "memory");
		else
			asm volatile("t_pp_store: movl %1, %0"
				     : "=m"(turn.v) : "r"(other) : "memory");
		other = !me;
		if (!me)
			asm volatile(UNIT ::: "memory");
	}
	return NULL;
}

static void pingpong(void)
{
	pthread_t t[2];

	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pingpong_thread, (void *)i);
	asm volatile(START ::: "memory");
	__atomic_store_n(&go.v, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	asm volatile(STOP ::: "memory");
}

#define GS_DISP	0x40

static struct padded gs_area[2][4];
static struct padded gs_ready;
int gs_sym;	/* thread 1's GS base + &gs_sym is gs_area[1] */
static unsigned long gs_base[2];

static void *gs_thread(void *arg)
{
	long me = (long)arg;

	gs_base[me] = (unsigned long)gs_area[me];
	if (me)
		gs_base[me] -= (unsigned long)&gs_sym;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, gs_base[me]))
		perror("arch_prctl");
	__atomic_fetch_add(&gs_ready.v, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&gs_ready.v, __ATOMIC_ACQUIRE) < 3)
		;
	for (int i = 0; i < 100; i++) {
		if (me)
			asm volatile(
			"movl %%gs:gs_sym(%%rip), %%eax\n"	/* 65 8b 05 disp32 */
			"incl %%eax\n"
			"movl %%eax, %%gs:gs_sym(%%rip)\n"
			::: "rax", "memory", "cc");
		else
			asm volatile(
			"movl %%gs:0x40, %%eax\n"	/* 65 8b 04 25 disp32 */
			"incl %%eax\n"
			"movl %%eax, %%gs:0x40\n"
			::: "rax", "memory", "cc");
	}
	return NULL;
}

/* Prints each thread's GS base, for the test to compare. */
static void gs_offsets(void)
{
	pthread_t t[2];

	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, gs_thread, (void *)i);
	while (__atomic_load_n(&gs_ready.v, __ATOMIC_ACQUIRE) < 2)
		;
	asm volatile(START ::: "memory");
	__atomic_fetch_add(&gs_ready.v, 1, __ATOMIC_ACQ_REL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	asm volatile(STOP ::: "memory");
	for (int i = 0; i < 2; i++)
		printf("gs%d=%lx\n", i, gs_base[i]);
}

static struct padded store_obj[3];

/* The one instruction that writes every object: a single t_store label. */
static __attribute__((noinline)) void store_sp(struct padded *o)
{
	asm volatile("t_store: movq %%rsp, 8(%0)\n" : : "r" (o) : "memory");
}

static void store(void)
{
	for (int k = 0; k < 2; k++) {
		store_sp(&store_obj[0]);
		asm volatile(START ::: "memory");
		store_sp(&store_obj[1]);
		asm volatile(STOP ::: "memory");
		store_sp(&store_obj[2]);
	}
	for (int i = 0; i < 3; i++)
		printf("obj%d=%lx\n", i, (unsigned long)&store_obj[i] + 8);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "mt")) {
		mt();
	} else if (argc > 1 && !strncmp(argv[1], "pingpong", 8)) {
		pp_locked = !strcmp(argv[1], "pingpong-locked");
		pingpong();
	} else if (argc > 1 && !strcmp(argv[1], "gs")) {
		gs_offsets();
	} else if (argc > 1 && !strcmp(argv[1], "store")) {
		store();
	} else {
		seq();
	}
	printf("g=%d\n", g);
	return 0;
}
