/*
 * Guest program for the lockcount tests (runs under qemu-x86_64).
 * "seq": a fixed sequence of locked / non-locked instructions between
 * markers; global labels let the test find each instruction's address.
 * "mt": NTHR threads hammer one lock incl in parallel (MTTCG safety).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "mt"))
		mt();
	else
		seq();
	printf("g=%d\n", g);
	return 0;
}
