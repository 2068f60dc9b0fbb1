// SPDX-License-Identifier: GPL-2.0
/*
 * lazybench: the workloads the A/B report measures, run inside the guest.
 *
 *   lazybench pingpong [-s SEC] [-n ROUNDS] [-a CPU] [-b CPU]
 *	two threads of one process, pinned to two CPUs, bounce a byte
 *	through pipes; each side blocks, so each CPU goes thread -> idle ->
 *	thread: the lazy TLB path. One unit = one round trip (4 switches).
 *   lazybench forkexit [-s SEC] [-n N] [-j JOBS]
 *	JOBS pinned workers fork, the child exits, the parent reaps it.
 *	One unit = one fork + exit + wait.
 *   lazybench exec [-s SEC] [-n N] [-j JOBS]
 *	like forkexit, the child execs /bin/true. One unit = one fork+exec.
 *   lazybench thread [-s SEC] [-n N] [-j JOBS]
 *	create and join a thread that exits at once. One unit = one thread.
 *   lazybench cs1 -m threads|processes [-s SEC] [-n N] [-j JOBS]
 *	will-it-scale's context_switch1: JOBS tasks, task j pinned to CPU j,
 *	each bounces a byte through two pipes with a partner (a thread of its
 *	process, or a forked child) that inherits the pin, so every switch
 *	goes straight from one to the other on one CPU, never through idle.
 *	Counts as will-it-scale does: 2 per round trip. One unit = one
 *	round trip of task 0.
 *   lazybench deadmm [-s SEC] [-n N] [-j JOBS]
 *	the exit where the shootdown has work: a child runs JOBS threads,
 *	thread k spinning in user space on CPU k; once all run, thread 0
 *	unmaps the whole address space. Its return faults, SIGSEGV kills
 *	the group, each thread exits on its CPU, which goes idle lazily on
 *	the mm, and exit_mmap() finds no VMA: it frees no page tables and
 *	flushes nothing, so only the shootdown moves those CPUs. (The
 *	munmap()'s own flush reaches the threads while they still run.)
 *	One unit = one such process. With -H CPU, a thread of lazybench
 *	takes CPU offline and back online all the while, so that exits race
 *	the CPU going down (with its lazy mm) and coming up (its bit still
 *	in the loose mm_cpumask()); a thread whose CPU is offline runs
 *	where the scheduler puts it. Prints the hotplug operations done.
 *   lazybench sqpoll [-s SEC] [-n N] [-j JOBS]
 *	an mm whose last user may be a kernel-side thread: a child pinned
 *	to CPU 0 sets up an io_uring with an SQPOLL thread on CPU JOBS-1,
 *	which holds the mm like a thread of the process, and exits; the
 *	ring's teardown and the poller's exit race the child's for the last
 *	mmput(). One unit = one such process.
 *   lazybench run -n N -- COMMAND [ARG...]
 *	run COMMAND between the START and STOP markers and count N units
 *	(e.g. the messages hackbench sends), for the TCG plugin.
 *
 * With -c, the storms and deadmm also print the IPIs and shootdowns of the
 * run: the CAL and TLB rows of /proc/interrupts and the lazy_mm_shootdown*
 * vm events (patched kernel), read by this process before and after, so
 * that no helper process's exit is counted.
 *
 * With -n the run does exactly N units (for counting with the TCG plugin,
 * whose markers it executes: START before the work, UNIT per unit in the
 * measuring thread, STOP after); with -s it runs for SEC seconds (for
 * throughput). Output: "RESULT <name> <value>" lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* nopl 0x4c5a4d3X(%rax,%rax,1): a no-op that tools/lockcount recognises. */
static inline __attribute__((always_inline)) void marker(const unsigned int m)
{
	asm volatile(".byte 0x0f,0x1f,0x84,0x00\n.long %c0" : : "i"(m) : "memory");
}

#define MARK_START()	marker(0x4c5a4d31)
#define MARK_STOP()	marker(0x4c5a4d30)
#define MARK_UNIT()	marker(0x4c5a4d32)

static double seconds = 5;
static long units;		/* 0: run for `seconds` */
static int jobs = 1;
static int cpu_a, cpu_b = 1;
static const char *mode = "threads";
static int count_ipis;
static int hotplug_cpu = -1;	/* -H: the CPU to take down and up */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	if (sched_setaffinity(0, sizeof(set), &set) &&
	    (hotplug_cpu < 0 || errno != EINVAL))	/* -H: it went down */
		die("sched_setaffinity");
}

/* Keep going? Checks the clock only every 64 units. */
static int more(long done, double end)
{
	if (units)
		return done < units;
	return (done & 63) || now() < end;
}

static int ping[2], pong[2];

static void *pong_thread(void *arg)
{
	char c;

	pin(cpu_b);
	while (read(ping[0], &c, 1) == 1)
		if (write(pong[1], &c, 1) != 1)
			break;
	return NULL;
}

static void run_pingpong(void)
{
	pthread_t t;
	double start, end;
	long done = 0;
	char c = 'x';

	if (pipe(ping) || pipe(pong))
		die("pipe");
	pin(cpu_a);
	if (pthread_create(&t, NULL, pong_thread, NULL))
		die("pthread_create");
	/* Warm up, so that both threads sit on their CPUs. */
	for (int i = 0; i < 100; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			die("warm-up");
	start = now();
	end = start + seconds;
	MARK_START();
	while (more(done, end)) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			die("ping-pong");
		MARK_UNIT();
		done++;
	}
	MARK_STOP();
	end = now();
	close(ping[1]);
	pthread_join(t, NULL);
	printf("RESULT pingpong_round_trips %ld\n", done);
	printf("RESULT pingpong_per_sec %.1f\n", done / (end - start));
}

static void *empty_thread(void *arg)
{
	return arg;
}

/* IPI and shootdown counters (-c): -1 where the kernel has none. */
enum { CAL, TLB, SD, SD_IPI, SD_LOCAL, SD_IDLE, NR_COUNTERS };
static const char * const counter_key[NR_COUNTERS] = {
	"cal_ipis", "tlb_ipis", "shootdown_calls", "shootdown_ipis",
	"shootdown_local", "shootdown_idle",
};

static void read_counters(long long *c)
{
	static const char * const vm_event[] = {
		[SD] = "lazy_mm_shootdown", [SD_IPI] = "lazy_mm_shootdown_ipi",
		[SD_LOCAL] = "lazy_mm_shootdown_local", [SD_IDLE] = "lazy_mm_shootdown_idle",
	};
	char line[4096], name[64];
	long long v;
	FILE *f;

	for (int i = 0; i < NR_COUNTERS; i++)
		c[i] = -1;
	f = fopen("/proc/interrupts", "r");
	if (!f)
		die("/proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		int row;

		while (*p == ' ')
			p++;
		if (!strncmp(p, "CAL:", 4))
			row = CAL;
		else if (!strncmp(p, "TLB:", 4))
			row = TLB;
		else
			continue;
		/* the per-CPU counts, up to the description */
		c[row] = 0;
		for (p += 4; (v = strtoll(p, &end, 10)), end != p; p = end)
			c[row] += v;
	}
	fclose(f);
	f = fopen("/proc/vmstat", "r");
	if (!f)
		die("/proc/vmstat");
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		for (int i = SD; i < NR_COUNTERS; i++)
			if (!strcmp(name, vm_event[i]))
				c[i] = v;
	fclose(f);
}

static void print_counters(const long long *before, const long long *after)
{
	for (int i = 0; i < NR_COUNTERS; i++)
		if (before[i] >= 0 && after[i] >= 0)
			printf("RESULT %s %lld\n", counter_key[i], after[i] - before[i]);
}

/* One unit of the process/thread storms. */
static void one_unit(const char *what)
{
	pthread_t t;
	pid_t pid;
	int status;

	if (!strcmp(what, "thread")) {
		if (pthread_create(&t, NULL, empty_thread, NULL) || pthread_join(t, NULL))
			die("thread");
		return;
	}
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (!strcmp(what, "exec"))
			execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child");
}

/*
 * JOBS forked workers, worker j running task(j, end, arg), which returns
 * the units it did; -> their sum. The caller sets the markers around it.
 */
static long run_jobs(long (*task)(int j, double end, const void *arg), double end,
		     const void *arg)
{
	int fds[2];
	long total = 0;

	if (pipe(fds))
		die("pipe");
	for (int j = 0; j < jobs; j++) {
		if (fork() == 0) {
			long done = task(j, end, arg);

			if (write(fds[1], &done, sizeof(done)) != sizeof(done))
				die("write");
			_exit(0);
		}
	}
	for (int j = 0; j < jobs; j++) {
		long done;

		if (read(fds[0], &done, sizeof(done)) != sizeof(done))
			die("read");
		total += done;
	}
	while (wait(NULL) > 0)
		;
	return total;
}

static long storm_task(int j, double end, const void *what)
{
	long done = 0;

	pin(j);
	while (more(done, end)) {
		one_unit(what);
		if (j == 0)
			MARK_UNIT();
		done++;
	}
	return done;
}

static void run_storm(const char *what)
{
	long long c0[NR_COUNTERS], c1[NR_COUNTERS];
	double start, end;
	long total;

	if (count_ipis)
		read_counters(c0);
	start = now();
	end = start + seconds;
	MARK_START();
	total = run_jobs(storm_task, end, what);
	MARK_STOP();
	end = now();
	if (count_ipis) {
		read_counters(c1);
		print_counters(c0, c1);
	}
	printf("RESULT %s_units %ld\n", what, total);
	printf("RESULT %s_per_sec %.1f\n", what, total / (end - start));
}

/* One context_switch1 pair: this end writes, the partner echoes. */
struct cs1_pair {
	int to[2], from[2];
};

static void cs1_echo(struct cs1_pair *p)
{
	char c;

	while (read(p->to[0], &c, 1) == 1)
		if (write(p->from[1], &c, 1) != 1)
			break;
}

static void *cs1_echo_thread(void *arg)
{
	cs1_echo(arg);
	return NULL;
}

/* Task j: pinned to CPU j, round trips until done; returns their count. */
static long cs1_task(int j, double end, const void *arg)
{
	int threads = *(const int *)arg;
	struct cs1_pair p;
	pthread_t t;
	pid_t pid = 0;
	long done = 0;
	char c = 'x';

	pin(j);
	if (pipe(p.to) || pipe(p.from))
		die("pipe");
	if (threads) {
		if (pthread_create(&t, NULL, cs1_echo_thread, &p))
			die("pthread_create");
	} else {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(p.to[1]);
			cs1_echo(&p);
			_exit(0);
		}
	}
	while (more(done, end)) {
		if (write(p.to[1], &c, 1) != 1 || read(p.from[0], &c, 1) != 1)
			die("context_switch1");
		if (j == 0)
			MARK_UNIT();
		done++;
	}
	close(p.to[1]);
	if (threads)
		pthread_join(t, NULL);
	else
		waitpid(pid, NULL, 0);
	return done;
}

static void run_cs1(void)
{
	int threads = !strcmp(mode, "threads");
	double start, end;
	long total;

	if (!threads && strcmp(mode, "processes")) {
		fprintf(stderr, "lazybench: cs1 -m threads|processes, not %s\n", mode);
		exit(2);
	}
	start = now();
	end = start + seconds;
	MARK_START();
	total = run_jobs(cs1_task, end, &threads);
	MARK_STOP();
	end = now();
	/* will-it-scale's iterations: 2 per round trip. */
	printf("RESULT cs1_%s_switches %ld\n", mode, 2 * total);
	printf("RESULT cs1_%s_per_sec %.1f\n", mode, 2 * total / (end - start));
}

static int deadmm_running;

static void *deadmm_spin(void *arg)
{
	pin((int)(long)arg);
	__atomic_add_fetch(&deadmm_running, 1, __ATOMIC_SEQ_CST);
	for (;;)
		;
	return NULL;
}

/* The child of one deadmm unit. */
static void deadmm_child(void)
{
	struct rlimit no_core = { 0, 0 };
	pthread_t t;

	setrlimit(RLIMIT_CORE, &no_core);	/* die, do not dump */
	pin(0);
	for (long k = 1; k < jobs; k++)
		if (pthread_create(&t, NULL, deadmm_spin, (void *)k))
			_exit(3);
	while (__atomic_load_n(&deadmm_running, __ATOMIC_SEQ_CST) < jobs - 1)
		;
	/* All of user space, 4-level paging: the return from here faults. */
	syscall(SYS_munmap, 0UL, 0x7ffffffff000UL);
	_exit(4);	/* not reached: munmap() failed */
}

/* The child of one sqpoll unit. */
static void sqpoll_child(void)
{
	struct io_uring_params p;
	long fd;

	pin(0);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
	p.sq_thread_cpu = (jobs - 1) % sysconf(_SC_NPROCESSORS_ONLN);
	p.sq_thread_idle = 10;	/* ms */
	fd = syscall(SYS_io_uring_setup, 4, &p);
	_exit(fd < 0 ? 5 : 0);
}

static int hotplug_stop;
static long hotplug_ops;

static int set_online(int cpu, int on)
{
	char path[64];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	f = fopen(path, "w");
	if (!f)
		die(path);
	ok = fprintf(f, "%d\n", on) > 0;
	ok &= fclose(f) == 0;
	return ok;
}

/* -H: down and up until told to stop; always leaves the CPU online. */
static void *hotplug_thread(void *arg)
{
	long failed = 0;

	while (!__atomic_load_n(&hotplug_stop, __ATOMIC_SEQ_CST)) {
		if (!set_online(hotplug_cpu, 0)) {
			if (++failed > 1000)
				die("taking the -H CPU offline");
			continue;
		}
		while (!set_online(hotplug_cpu, 1))
			if (++failed > 1000)
				die("bringing the -H CPU online");
		hotplug_ops += 2;
	}
	return arg;
}

/*
 * One unit = fork, child() (which never returns), reap; the child must
 * die of @sig, or exit 0 when @sig is 0. Counters as for the storms.
 */
static void run_children(const char *what, void (*child)(void), int sig)
{
	long long c0[NR_COUNTERS], c1[NR_COUNTERS];
	double start, end;
	long done = 0;
	pthread_t hotplug;
	int status;
	pid_t pid;

	pin(0);
	if (hotplug_cpu != -1 &&
	    (hotplug_cpu <= 0 || hotplug_cpu >= sysconf(_SC_NPROCESSORS_CONF))) {
		fprintf(stderr, "lazybench: -H %d: not a CPU that can go offline\n", hotplug_cpu);
		exit(2);
	}
	/* /proc/interrupts shows online CPUs only: read it with all online. */
	if (count_ipis)
		read_counters(c0);
	if (hotplug_cpu > 0 && pthread_create(&hotplug, NULL, hotplug_thread, NULL))
		die("pthread_create");
	start = now();
	end = start + seconds;
	MARK_START();
	while (more(done, end)) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			child();
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (sig ? !WIFSIGNALED(status) || WTERMSIG(status) != sig
			: !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "lazybench: %s child ended with status %#x, not %s\n",
				what, status, sig ? strsignal(sig) : "exit 0");
			exit(1);
		}
		MARK_UNIT();
		done++;
	}
	MARK_STOP();
	end = now();
	if (hotplug_cpu > 0) {
		__atomic_store_n(&hotplug_stop, 1, __ATOMIC_SEQ_CST);
		pthread_join(hotplug, NULL);
		printf("RESULT hotplug_ops %ld\n", hotplug_ops);
	}
	if (count_ipis) {
		read_counters(c1);
		print_counters(c0, c1);
	}
	printf("RESULT %s_units %ld\n", what, done);
	printf("RESULT %s_per_sec %.1f\n", what, done / (end - start));
}

/* COMMAND between the markers, then N units at once: the plugin's counts are per unit. */
static void run_command(char **argv)
{
	pid_t pid;
	int status;

	if (!units || !argv[0]) {
		fprintf(stderr, "usage: lazybench run -n UNITS -- COMMAND [ARG...]\n");
		exit(2);
	}
	MARK_START();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(argv[0], argv);
		die(argv[0]);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "lazybench: %s failed\n", argv[0]);
		exit(1);
	}
	for (long i = 0; i < units; i++)
		MARK_UNIT();
	MARK_STOP();
	printf("RESULT run_units %ld\n", units);
}

int main(int argc, char **argv)
{
	const char *what;
	int opt;

	if (argc < 2) {
		fputs("usage: lazybench WORKLOAD [-s SEC] [-n N] [-j JOBS]", stderr);
		fputs(" [-a CPU] [-b CPU] [-m threads|processes] [-c]", stderr);
		fputs(" [-H CPU] [-- COMMAND...]\n", stderr);
		fputs("  WORKLOAD: pingpong, forkexit, exec, thread, cs1,", stderr);
		fputs(" deadmm, sqpoll or run\n", stderr);
		return 2;
	}
	what = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "+s:n:j:a:b:m:cH:")) != -1) {
		switch (opt) {
		case 's':
			seconds = atof(optarg);
			break;
		case 'n':
			units = atol(optarg);
			break;
		case 'j':
			jobs = atoi(optarg);
			break;
		case 'a':
			cpu_a = atoi(optarg);
			break;
		case 'b':
			cpu_b = atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'c':
			count_ipis = 1;
			break;
		case 'H':
			hotplug_cpu = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "pingpong")) {
		run_pingpong();
	} else if (!strcmp(what, "forkexit") || !strcmp(what, "exec") ||
		   !strcmp(what, "thread")) {
		run_storm(what);
	} else if (!strcmp(what, "sqpoll")) {
		run_children(what, sqpoll_child, 0);
	} else if (!strcmp(what, "deadmm")) {
		run_children(what, deadmm_child, SIGSEGV);
	} else if (!strcmp(what, "cs1")) {
		run_cs1();
	} else if (!strcmp(what, "run")) {
		run_command(argv + optind);
	} else {
		fprintf(stderr, "lazybench: unknown workload %s\n", what);
		return 2;
	}
	return 0;
}
