// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * durable.c - the volume's own small files, made durable before anything
 * the user made durable can depend on them.
 *
 * A new directory's algfs.diriv holds the IV of every name in it, and a
 * long name's sidecar holds the name itself.  Were a power cut to keep the
 * entries but not these bytes, names that the user had fsynced would no
 * longer decrypt.  Syncing each one as it is written would cost a journal
 * commit per mkdir; instead each is put on a list here, its writeback
 * started, and the list is synced at the start of every fsync and fsyncdir
 * the volume serves: nothing the user makes durable can then reach the disk
 * before the IVs and sidecars it needs.  POSIX promises nothing for what was
 * never fsynced, and neither does algfs (docs/FORMAT.md, "Power cuts").
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"

/* Past AFS_PENDING_MAX, the list is dropped and the next fsync syncs the
 * whole backing filesystem (syncfs) instead: one call, after an untar.
 * Each entry holds one descriptor, of the directory: the file is opened
 * again by name when it is synced (gone by then: nothing to sync). */

void afs_durable_add(struct afs_fs *fs, int fd, int dirfd, const char *name, bool dir_too)
{
	struct afs_pending *p;
	int dfd = -1;

	/* Start the writeback now: the kernel's own periodic commit then
	 * finds the bytes written, which narrows the window even for the
	 * files nobody fsyncs. */
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	pthread_mutex_lock(&fs->f_pending_lock);
	if (fs->f_pending_count < AFS_PENDING_MAX &&
	    strlen(name) < sizeof(fs->f_pending[0].p_name))
		dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0) { /* full, or out of descriptors: syncfs next time */
		fs->f_pending_overflow = true;
	} else {
		p = &fs->f_pending[fs->f_pending_count++];
		p->p_dirfd = dfd;
		p->p_dir = dir_too;
		strcpy(p->p_name, name);
	}
	pthread_mutex_unlock(&fs->f_pending_lock);
}

/* fdatasync @name in @dirfd, if it is still there. */
static int sync_name(int dirfd, const char *name)
{
	int fd = afs_open_own(dirfd, name), err = 0;

	if (fd < 0)
		return fd == -ENOENT || fd == -EUCLEAN ? 0 : fd;
	if (fdatasync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

int afs_durable_flush(struct afs_fs *fs, int fd)
{
	struct afs_pending list[AFS_PENDING_MAX];
	unsigned int n, i;
	bool overflow;
	int err = 0;

	pthread_mutex_lock(&fs->f_pending_lock);
	n = fs->f_pending_count;
	overflow = fs->f_pending_overflow;
	memcpy(list, fs->f_pending, n * sizeof(*list));
	fs->f_pending_count = 0;
	fs->f_pending_overflow = false;
	pthread_mutex_unlock(&fs->f_pending_lock);

	if (overflow && syncfs(fd) < 0)
		err = -errno;
	for (i = 0; i < n; i++) {
		if (!overflow && !err)
			err = sync_name(list[i].p_dirfd, list[i].p_name);
		/* The directory too: its algfs.diriv entry is new. */
		if (!overflow && !err && list[i].p_dir && fsync(list[i].p_dirfd) < 0)
			err = -errno;
		close(list[i].p_dirfd);
	}
	if (err) {
		/* What was not synced is synced, with everything else, next time. */
		pthread_mutex_lock(&fs->f_pending_lock);
		fs->f_pending_overflow = true;
		pthread_mutex_unlock(&fs->f_pending_lock);
		log_err("could not make the volume's directory IVs and long names durable: %s",
			strerror(-err));
	}
	return err;
}

void afs_durable_destroy(struct afs_fs *fs)
{
	unsigned int i;

	for (i = 0; i < fs->f_pending_count; i++)
		close(fs->f_pending[i].p_dirfd);
	fs->f_pending_count = 0;
	pthread_mutex_destroy(&fs->f_pending_lock);
}
