// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * atomic.c - replace a small file so that a crash leaves the old or the new
 * one, never neither and never a torn one: write a temporary file in the
 * same directory, fsync it, rename it over the name, fsync the directory.
 * algfs.conf and every algfs.diriv are written this way.
 */
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write all of @buf, or -errno. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int afs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	char tmp[AFS_NAME_MAX + 1];
	uint64_t r;
	int fd, err = 0;

	/* 64 random bits: concurrent writers, in this process or another,
	 * never share it (and O_EXCL would notice if they did). */
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return errno ? -errno : -EIO;
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp.%016llx", name, (unsigned long long)r) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	/* The mode again: the umask may have taken bits away. */
	if (!err && fchmod(fd, mode) < 0)
		err = -errno;
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = -errno;
	if (err) {
		unlinkat(dirfd, tmp, 0);
		return err;
	}
	return fsync(dirfd) < 0 ? -errno : 0;
}

bool afs_is_atomic_leftover(const char *name)
{
	const char *t;
	size_t len = strlen(name);

	if (strncmp(name, ".algfs.", 7) || len < 7 + 5 + 16)
		return false;
	t = name + len - 16 - 5;
	if (strncmp(t, ".tmp.", 5))
		return false;
	for (t += 5; *t; t++)
		if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
			return false;
	return true;
}
