// SPDX-License-Identifier: GPL-2.0
/*
 * The shape of pidfd_test's recycled-pid case: the test unshares a pid
 * namespace and forks its init, which keeps working (here forever) while
 * the test waits for it. The init ignores SIGTERM from outside.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

int main(void)
{
	pid_t pid;

	if (unshare(CLONE_NEWPID)) {
		perror("unshare(CLONE_NEWPID)");
		return 4;
	}
	pid = fork();
	if (pid < 0)
		return 4;
	if (pid == 0) {
		for (;;) {
			printf("pid namespace init alive\n");
			fflush(stdout);
			sleep(1);
		}
	}
	waitpid(pid, NULL, 0);
	return 0;
}
