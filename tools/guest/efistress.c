// SPDX-License-Identifier: GPL-2.0
/*
 * efistress: EFI runtime calls through efivarfs, as fast as one process
 * can issue them, for SECONDS. Each round writes a test variable
 * (SetVariable), reads it back (GetVariable) and checks the value, then
 * does 8 statfs() calls (QueryVariableInfo) and reads every variable in
 * the directory (GetVariable). Everything runs in this one process, so the
 * firmware calls are not throttled by fork and exec; the storms that race
 * them are started by the caller (guest/tests/efi.sh, the soak).
 *
 *   efistress SECONDS [EFIVARFS_DIR]
 *
 * Output: RESULT lines (rounds, runtime calls issued) and "ok"; exit 1 on
 * a value read back wrong or a call failing, 4 without efivarfs. A full
 * variable store (ENOSPC) ends the writes, says at which round, and the
 * reads go on.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

/* A private vendor GUID: names under the global GUID are checked against a list. */
#define VAR "LazyMmStress-3cf7d5e1-6a56-4c36-8a1c-71e7d2f0a1b2"

static long calls;

/* efivarfs makes variables it does not know immutable once created. */
static void clear_immutable(const char *path)
{
	int fd = open(path, O_RDONLY), flags;

	if (fd < 0)
		return;
	if (!ioctl(fd, FS_IOC_GETFLAGS, &flags)) {
		flags &= ~FS_IMMUTABLE_FL;
		ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

static int write_var(const char *path, long round)
{
	/*
	 * 4 bytes of attributes (NV|BS|RT), then the value, in one write().
	 * Non-volatile, since OVMF refuses to create a volatile variable at
	 * runtime (EINVAL). Every rewrite takes new space in the flash store,
	 * which the firmware reclaims only at boot, so after a few hundred
	 * rounds SetVariable fails with EFI_OUT_OF_RESOURCES (ENOSPC).
	 */
	char buf[64] = { 7, 0, 0, 0 };
	int len = 4 + snprintf(buf + 4, sizeof(buf) - 4, "lazy-mm-%ld", round);
	int fd;

	clear_immutable(path);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, buf, len) != len) {
		int err = errno;

		fprintf(stderr, "round %ld: writing %s: %s\n", round, path, strerror(err));
		if (fd >= 0)
			close(fd);
		return err == ENOSPC ? 1 : -1;
	}
	calls++;
	close(fd);
	return 0;
}

static int read_var(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	calls++;
	buf[len] = 0;
	return len;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 2 ? argv[2] : "/sys/firmware/efi/efivars";
	char path[512], want[32], buf[4096];
	long secs, round = 0;
	struct statfs sfs;
	struct dirent *de;
	int full = 0;
	time_t end;
	DIR *d;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: efistress SECONDS [EFIVARFS_DIR]\n");
		return 2;
	}
	secs = atol(argv[1]);
	if (statfs(dir, &sfs) || sfs.f_type != 0xde5e81e4 /* EFIVARFS_MAGIC */) {
		printf("no efivarfs at %s (not booted under EFI firmware?)\n", dir);
		return 4;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, VAR);
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		/* A full store ends the writes, not the run: reads go on. */
		if (!full) {
			int r = write_var(path, round);

			if (r < 0)
				return 1;
			if (r > 0) {
				full = 1;
				printf("RESULT efi_store_full_at_round %ld\n", round);
			}
		}
		snprintf(want, sizeof(want), "lazy-mm-%ld", round);
		if (!full &&
		    (read_var(path, buf, sizeof(buf)) < 4 || strcmp(buf + 4, want))) {
			fprintf(stderr, "round %ld: read back '%s', wrote '%s'\n", round,
				buf + 4, want);
			return 1;
		}
		for (i = 0; i < 8; i++) {
			if (statfs(dir, &sfs)) {
				perror("statfs");
				return 1;
			}
			calls++;
		}
		d = opendir(dir);
		if (!d) {
			perror(dir);
			return 1;
		}
		while ((de = readdir(d))) {
			char p[512];

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			read_var(p, buf, sizeof(buf));
		}
		closedir(d);
		round++;
	}
	clear_immutable(path);
	unlink(path);
	printf("RESULT efi_variable_rounds %ld\n", round);
	printf("RESULT efi_runtime_calls %ld\n", calls);
	printf("ok\n");
	return 0;
}
