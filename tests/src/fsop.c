// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsop - one system call per run, for the filesystem tests: the calls the
 * shell cannot make (renameat2 flags, fallocate modes, SEEK_DATA/HOLE,
 * copy_file_range, mknod of a socket, pwrite at an offset, mmap, fcntl
 * locks).
 *
 * Prints the result on one line ("ok", a number, or the errno's name) so
 * that golden output does not depend on the C library's messages.  Exit
 * status: 0 the call succeeded, 1 it failed (the name printed), 2 usage.
 *
 * Copyright (c) 2026 The algfs authors
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static const struct {
	int e;
	const char *name;
} names[] = {
	{ EPERM, "EPERM" },	{ ENOENT, "ENOENT" },	    { EIO, "EIO" },
	{ EBADF, "EBADF" },	{ EACCES, "EACCES" },	    { EEXIST, "EEXIST" },
	{ EXDEV, "EXDEV" },	{ ENOTDIR, "ENOTDIR" },	    { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" },	{ EFBIG, "EFBIG" },	    { ENOSPC, "ENOSPC" },
	{ EROFS, "EROFS" },	{ EMLINK, "EMLINK" },	    { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" },	{ ENOTEMPTY, "ENOTEMPTY" }, { ENODATA, "ENODATA" },
	{ ENXIO, "ENXIO" },	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ERANGE, "ERANGE" },
	{ E2BIG, "E2BIG" },	{ EBUSY, "EBUSY" },	    { ELOOP, "ELOOP" },
	{ EAGAIN, "EAGAIN" },	{ EINTR, "EINTR" },	    { ENOLCK, "ENOLCK" },
	{ EDEADLK, "EDEADLK" },
};

static int fail(void)
{
	int e = errno;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].e == e) {
			printf("%s\n", names[i].name);
			return 1;
		}
	}
	printf("errno %d\n", e);
	return 1;
}

static int ok(void)
{
	printf("ok\n");
	return 0;
}

static long long num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 0);

	if (*s == 0 || *end) {
		fprintf(stderr, "fsop: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fsop rename OLD NEW [noreplace|exchange]\n"
		"       fsop fallocate FILE MODE OFF LEN   (MODE: 0, keep, punch, zero,\n"
		"                                  zero-keep, collapse, insert)\n"
		"       fsop seek FILE data|hole OFF\n"
		"       fsop pwrite FILE OFF TEXT          (creates FILE)\n"
		"       fsop pread FILE OFF LEN            (prints the bytes)\n"
		"       fsop append FILE TEXT              (O_APPEND)\n"
		"       fsop copy SRC DST LEN              (copy_file_range from 0 to 0)\n"
		"       fsop mknod PATH fifo|sock|chr|blk [MAJOR MINOR]\n"
		"       fsop mmap-write FILE OFF TEXT      (MAP_SHARED, msync)\n"
		"       fsop mmap-read FILE OFF LEN\n"
		"       fsop open FILE FLAGS               (FLAGS: r, w, rw, creat-excl)\n"
		"       fsop create FILE MODE              (O_CREAT | O_EXCL, MODE in octal,\n"
		"                                  less the umask)\n"
		"       fsop fsync FILE\n"
		"       fsop lock FILE r|w START LEN [ofd] (F_SETLKW; prints ok when it has\n"
		"                                  the lock, holds it until a line or the end\n"
		"                                  of stdin, closes FILE, prints closed, and\n"
		"                                  exits at the end of stdin)\n"
		"       fsop trylock FILE r|w START LEN [ofd] (F_SETLK)\n"
		"       fsop getlk FILE r|w START LEN [ofd] (the lock in the way: r|w START LEN\n"
		"                                  pid PID, or unlocked)\n");
	exit(2);
}

static int do_rename(int argc, char **argv)
{
	unsigned int flags = 0;

	if (argc == 5 && !strcmp(argv[4], "noreplace"))
		flags = RENAME_NOREPLACE;
	else if (argc == 5 && !strcmp(argv[4], "exchange"))
		flags = RENAME_EXCHANGE;
	else if (argc != 4)
		usage();
	return renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], flags) ? fail() : ok();
}

static int do_fallocate(char **argv)
{
	int fd, mode = 0;

	if (!strcmp(argv[3], "keep"))
		mode = FALLOC_FL_KEEP_SIZE;
	else if (!strcmp(argv[3], "punch"))
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	else if (!strcmp(argv[3], "zero"))
		mode = FALLOC_FL_ZERO_RANGE;
	else if (!strcmp(argv[3], "zero-keep"))
		mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	else if (!strcmp(argv[3], "collapse"))
		mode = FALLOC_FL_COLLAPSE_RANGE;
	else if (!strcmp(argv[3], "insert"))
		mode = FALLOC_FL_INSERT_RANGE;
	else if (strcmp(argv[3], "0"))
		usage();
	fd = open(argv[2], O_RDWR);
	if (fd < 0)
		return fail();
	if (fallocate(fd, mode, (off_t)num(argv[4]), (off_t)num(argv[5])))
		return fail();
	close(fd);
	return ok();
}

static int do_seek(char **argv)
{
	int fd = open(argv[2], O_RDONLY);
	off_t r;

	if (fd < 0)
		return fail();
	r = lseek(fd, (off_t)num(argv[4]), !strcmp(argv[3], "data") ? SEEK_DATA : SEEK_HOLE);
	if (r < 0)
		return fail();
	printf("%lld\n", (long long)r);
	return 0;
}

static int do_pwrite(char **argv, int flags)
{
	size_t len = strlen(argv[4]);
	int fd = open(argv[2], O_WRONLY | O_CREAT | flags, 0644);

	if (fd < 0)
		return fail();
	if (pwrite(fd, argv[4], len, (off_t)num(argv[3])) != (ssize_t)len)
		return fail();
	return close(fd) ? fail() : ok();
}

static int do_append(char **argv)
{
	size_t len = strlen(argv[3]);
	int fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd < 0)
		return fail();
	if (write(fd, argv[3], len) != (ssize_t)len)
		return fail();
	return close(fd) ? fail() : ok();
}

static int do_pread(char **argv)
{
	size_t len = (size_t)num(argv[4]);
	char *buf = malloc(len + 1);
	int fd = open(argv[2], O_RDONLY);
	ssize_t n;

	int rc = 0;

	if (!buf || fd < 0) {
		rc = fail();
		goto out;
	}
	n = pread(fd, buf, len, (off_t)num(argv[3]));
	if (n < 0) {
		rc = fail();
		goto out;
	}
	fwrite(buf, 1, (size_t)n, stdout);
	printf("\n");
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

static int do_copy(char **argv)
{
	int in = open(argv[2], O_RDONLY), out = open(argv[3], O_WRONLY | O_CREAT, 0644);
	loff_t ioff = 0, ooff = 0;
	size_t left = (size_t)num(argv[4]);

	if (in < 0 || out < 0)
		return fail();
	while (left) {
		ssize_t n = copy_file_range(in, &ioff, out, &ooff, left, 0);

		if (n < 0)
			return fail();
		if (n == 0)
			break;
		left -= (size_t)n;
	}
	printf("copied %lld\n", (long long)ooff);
	return close(out) ? fail() : 0;
}

static int do_mknod(int argc, char **argv)
{
	mode_t mode = 0644;
	dev_t dev = 0;

	if (!strcmp(argv[3], "fifo"))
		mode |= S_IFIFO;
	else if (!strcmp(argv[3], "sock"))
		mode |= S_IFSOCK;
	else if (!strcmp(argv[3], "chr") && argc == 6)
		mode |= S_IFCHR;
	else if (!strcmp(argv[3], "blk") && argc == 6)
		mode |= S_IFBLK;
	else
		usage();
	if (argc == 6)
		dev = makedev((unsigned int)num(argv[4]), (unsigned int)num(argv[5]));
	return mknod(argv[2], mode, dev) ? fail() : ok();
}

static int do_mmap(char **argv, bool write_it)
{
	size_t off = (size_t)num(argv[3]);
	size_t len = write_it ? strlen(argv[4]) : (size_t)num(argv[4]);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), base = off / page * page;
	int fd = open(argv[2], write_it ? O_RDWR : O_RDONLY);
	char *p;

	if (fd < 0)
		return fail();
	p = mmap(NULL, off - base + len, write_it ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, fd, (off_t)base);
	if (p == MAP_FAILED)
		return fail();
	if (write_it) {
		memcpy(p + (off - base), argv[4], len);
		if (msync(p, off - base + len, MS_SYNC))
			return fail();
		return ok();
	}
	fwrite(p + (off - base), 1, len, stdout);
	printf("\n");
	return 0;
}

static int do_open(char **argv)
{
	int flags;

	if (!strcmp(argv[3], "r"))
		flags = O_RDONLY;
	else if (!strcmp(argv[3], "w"))
		flags = O_WRONLY;
	else if (!strcmp(argv[3], "rw"))
		flags = O_RDWR;
	else if (!strcmp(argv[3], "creat-excl"))
		flags = O_WRONLY | O_CREAT | O_EXCL;
	else
		usage();
	return open(argv[2], flags, 0644) < 0 ? fail() : ok();
}

static int do_create(char **argv)
{
	char *end;
	unsigned long mode = strtoul(argv[3], &end, 8);

	if (*argv[3] == 0 || *end || mode > 07777)
		usage();
	return open(argv[2], O_WRONLY | O_CREAT | O_EXCL, (mode_t)mode) < 0 ? fail() : ok();
}

static int do_fsync(char **argv)
{
	int fd = open(argv[2], O_RDONLY);

	if (fd < 0)
		return fail();
	return fsync(fd) ? fail() : ok();
}

/* fsop lock|trylock|getlk FILE r|w START LEN [ofd]: a whole-file lock is
 * START 0, LEN 0; with "ofd" an open file description lock. */
static int do_lock(int argc, char **argv)
{
	bool ofd = argc == 7 && !strcmp(argv[6], "ofd");
	struct flock fl = { .l_whence = SEEK_SET };
	int fd, cmd;
	char line[64];

	if (argc == 7 && !ofd)
		usage();
	if (!strcmp(argv[3], "r"))
		fl.l_type = F_RDLCK;
	else if (!strcmp(argv[3], "w"))
		fl.l_type = F_WRLCK;
	else
		usage();
	fl.l_start = (off_t)num(argv[4]);
	fl.l_len = (off_t)num(argv[5]);
	fd = open(argv[2], fl.l_type == F_WRLCK ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fail();
	if (!strcmp(argv[1], "getlk")) {
		if (fcntl(fd, ofd ? F_OFD_GETLK : F_GETLK, &fl))
			return fail();
		if (fl.l_type == F_UNLCK)
			printf("unlocked\n");
		else
			printf("%s %lld %lld pid %d\n", fl.l_type == F_WRLCK ? "w" : "r",
			       (long long)fl.l_start, (long long)fl.l_len, (int)fl.l_pid);
		return 0;
	}
	if (!strcmp(argv[1], "trylock"))
		cmd = ofd ? F_OFD_SETLK : F_SETLK;
	else
		cmd = ofd ? F_OFD_SETLKW : F_SETLKW;
	if (fcntl(fd, cmd, &fl))
		return fail();
	ok();
	if (cmd == F_SETLK || cmd == F_OFD_SETLK)
		return 0;
	(void)!fgets(line, sizeof(line), stdin);
	close(fd);
	printf("closed\n");
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(op, "rename") && argc >= 4)
		return do_rename(argc, argv);
	if (!strcmp(op, "fallocate") && argc == 6)
		return do_fallocate(argv);
	if (!strcmp(op, "seek") && argc == 5)
		return do_seek(argv);
	if (!strcmp(op, "pwrite") && argc == 5)
		return do_pwrite(argv, 0);
	if (!strcmp(op, "pread") && argc == 5)
		return do_pread(argv);
	if (!strcmp(op, "append") && argc == 4)
		return do_append(argv);
	if (!strcmp(op, "copy") && argc == 5)
		return do_copy(argv);
	if (!strcmp(op, "mknod") && (argc == 4 || argc == 6))
		return do_mknod(argc, argv);
	if (!strcmp(op, "mmap-write") && argc == 5)
		return do_mmap(argv, true);
	if (!strcmp(op, "mmap-read") && argc == 5)
		return do_mmap(argv, false);
	if (!strcmp(op, "open") && argc == 4)
		return do_open(argv);
	if (!strcmp(op, "create") && argc == 4)
		return do_create(argv);
	if (!strcmp(op, "fsync") && argc == 3)
		return do_fsync(argv);
	if ((!strcmp(op, "lock") || !strcmp(op, "trylock") || !strcmp(op, "getlk")) &&
	    (argc == 6 || argc == 7))
		return do_lock(argc, argv);
	usage();
	return 2;
}
