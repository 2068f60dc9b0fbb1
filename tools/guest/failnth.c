// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: walk one operation through every fault-injection point it
 * reaches, with /proc/thread-self/fail-nth. Round n arms the n-th point
 * (failslab, fail_page_alloc) and runs the operation once; the walk ends
 * at the first round whose operation completes without reaching point n.
 * Every round must end in success or in a clean error: an error return
 * (errnos other than ENOMEM/EAGAIN/EINTR are listed and counted as odd),
 * or (execve past its point of no return) the task being killed. A crash
 * of the child of a fork that succeeded, or a child that did not exit 0,
 * is reported and makes the exit status 1. Leaks
 * are not judged here: the soak checks kmemleak and the mm_struct count
 * at its end.
 *
 *   failnth OP [MAX_ROUNDS [SECONDS]]   OP: fork clone execve mmap
 *   (a walk cut short by MAX_ROUNDS or SECONDS says so: RESULT ..._complete 0)
 *   failnth report              (internal: the execve target)
 *
 * Output: "RESULT failnth_OP_points N" (points walked), the outcome
 * counts, and "ok" when every round ended cleanly. Needs
 * CONFIG_FAULT_INJECTION with failslab and fail_page_alloc set up to fail
 * sleeping allocations (ignore-gfp-wait = N), as guest/tests/soak.sh does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int nth_fd = -1;
static long ok_rounds, err_rounds, odd_rounds, killed_rounds, bad_rounds;

static void arm(long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld", n);

	if (pwrite(nth_fd, buf, len, 0) != len) {
		perror("write fail-nth");
		exit(2);
	}
}

/* Points left before the armed one: 0 once it has been hit. */
static long remaining(int fd)
{
	char buf[32] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0) {
		perror("read fail-nth");
		exit(2);
	}
	return atol(buf);
}

static int open_nth(void)
{
	int fd = open("/proc/thread-self/fail-nth", O_RDWR);

	if (fd < 0) {
		perror("/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
		exit(4);
	}
	return fd;
}

static int clean_errno(int err)
{
	return err == ENOMEM || err == EAGAIN || err == EINTR;
}

/*
 * An error return is a clean failure whatever the errno; one that is not
 * what an allocation failure should give (ENOENT or ENOEXEC from execve,
 * say) is listed and counted, but it is the error path's choice of errno,
 * not a crash or a leak.
 */
static void error_return(long n, const char *what, int err, int expected)
{
	err_rounds++;
	if (expected)
		return;
	odd_rounds++;
	fprintf(stderr, "round %ld: %s: failed with %s (%d), not ENOMEM/EAGAIN\n",
		n, what, strerror(err), err);
}

/* The child's side of a round: it must run and exit 0. */
static void judge_child(long n, const char *what, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ok_rounds++;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		killed_rounds++;	/* the OOM killer, under fault injection */
	} else {
		fprintf(stderr, "round %ld: %s: child status %#x\n", n, what, status);
		bad_rounds++;
	}
}

static int child_fn(void *arg)
{
	return 0;
}

/* One round of OP with point n armed; returns 1 when point n was not reached. */
static int round_once(const char *op, long n, const char *self)
{
	static char stack[64 << 10] __attribute__((aligned(16)));
	int status, err, pipefd[2];
	pid_t pid;
	long left;

	if (!strcmp(op, "fork") || !strcmp(op, "clone")) {
		arm(n);
		if (!strcmp(op, "fork"))
			pid = fork();
		else	/* a child sharing the mm: copy_process() without dup_mm() */
			pid = clone(child_fn, stack + sizeof(stack),
				    CLONE_VM | CLONE_FS | CLONE_FILES | SIGCHLD, NULL);
		/* The fd is the parent's fail-nth: the child must not touch it. */
		if (pid == 0)
			_exit(0);
		err = errno;
		left = remaining(nth_fd);
		arm(0);
		if (pid < 0) {
			error_return(n, op, err, clean_errno(err));
		} else {
			waitpid(pid, &status, 0);
			judge_child(n, op, status);
		}
		return left > 0;
	}
	if (!strcmp(op, "mmap")) {
		void *p;

		arm(n);
		p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		err = errno;
		left = remaining(nth_fd);
		arm(0);
		if (p == MAP_FAILED) {
			error_return(n, op, err, clean_errno(err));
		} else {
			munmap(p, 1 << 20);
			ok_rounds++;
		}
		return left > 0;
	}
	if (!strcmp(op, "execve")) {
		/*
		 * The child arms point n and execs "failnth report", which
		 * writes what was left of n through the pipe. A clean failure
		 * before the point of no return comes back as exit 100 and
		 * errno; after it, the kernel kills the task.
		 */
		char res[64] = "";
		ssize_t len;

		if (pipe(pipefd))
			exit(2);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(2);
		}
		if (pid == 0) {
			int fd = open_nth();

			close(pipefd[0]);
			dup2(pipefd[1], 1);
			nth_fd = fd;
			arm(n);
			execl(self, self, "report", (char *)NULL);
			err = errno;
			arm(0);
			dprintf(1, "errno %d\n", err);
			_exit(100);
		}
		close(pipefd[1]);
		len = read(pipefd[0], res, sizeof(res) - 1);
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		if (len > 0 && !strncmp(res, "errno ", 6)) {
			err = atoi(res + 6);
			error_return(n, op, err, clean_errno(err) || err == E2BIG);
			return 0;
		}
		if (WIFSIGNALED(status)) {
			/* Past the point of no return: killed, not returned. */
			killed_rounds++;
			return 0;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && len > 0) {
			ok_rounds++;
			return atol(res) > 0;
		}
		/* The new image (ld.so) failed its own setup: its exit code. */
		err_rounds++;
		return 0;
	}
	fprintf(stderr, "unknown operation %s (fork, clone, execve, mmap)\n", op);
	exit(2);
}

static void __attribute__((noinline)) prefault_stack(void)
{
	char pad[256 << 10];

	memset(pad, 0, sizeof(pad));
	asm volatile("" : : "r"(pad) : "memory");	/* keep the memset */
}

int main(int argc, char **argv)
{
	long n, max;
	time_t deadline;
	int complete = 0;

	if (argc == 2 && !strcmp(argv[1], "report")) {
		/* Exec target: read before doing anything that may allocate. */
		int fd = open_nth();

		printf("%ld\n", remaining(fd));
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: failnth fork|clone|execve|mmap [MAX_ROUNDS]\n");
		return 2;
	}
	/*
	 * Without rseq. After fork() the parent's rseq area is copy-on-write,
	 * and the kernel's rseq update on its way back to user space faults
	 * it in from kernel mode: with the point still armed that allocation
	 * fails, the uaccess returns -EFAULT and rseq forces SIGSEGV. That is
	 * rseq's documented answer to an unwritable area, not a bug of the
	 * walked operation, and it would end the walk.
	 */
	if (__rseq_size) {
		if (getenv("GLIBC_TUNABLES")) {
			fprintf(stderr, "failnth: rseq still registered with GLIBC_TUNABLES=%s\n",
				getenv("GLIBC_TUNABLES"));
			return 2;
		}
		setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
		execv("/proc/self/exe", argv);
		perror("re-exec without rseq");
		return 2;
	}
	/*
	 * Grow the stack now: a stack expansion that fails while a point is
	 * armed is a SIGSEGV by design, and would be charged to the walk.
	 */
	prefault_stack();
	max = argc > 2 ? atol(argv[2]) : 5000;
	deadline = argc > 3 ? time(NULL) + atol(argv[3]) : 0;
	nth_fd = open_nth();
	for (n = 1; n <= max; n++) {
		if (round_once(argv[1], n, "/proc/self/exe")) {
			complete = 1;	/* point n was not reached: all walked */
			break;
		}
		if (deadline && time(NULL) >= deadline) {
			n++;
			break;
		}
	}
	printf("RESULT failnth_%s_points %ld\n", argv[1], n - 1);
	printf("RESULT failnth_%s_complete %d\n", argv[1], complete);
	printf("RESULT failnth_%s_ok %ld\n", argv[1], ok_rounds);
	printf("RESULT failnth_%s_clean_errors %ld\n", argv[1], err_rounds);
	printf("RESULT failnth_%s_odd_errnos %ld\n", argv[1], odd_rounds);
	printf("RESULT failnth_%s_killed %ld\n", argv[1], killed_rounds);
	printf("RESULT failnth_%s_unexpected %ld\n", argv[1], bad_rounds);
	if (bad_rounds)
		return 1;
	printf("ok\n");
	return 0;
}
