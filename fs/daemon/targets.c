// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * targets.c - symlink targets as the daemon stores and reads them: in the
 * backing symlink itself, or, for a target too long for that (format 2),
 * in a long-target file at the volume's root that the backing symlink names
 * (docs/FORMAT.md, "Long symlink targets").
 *
 * A long-target file belongs to the backing symlink's inode: hard links
 * share it, a rename keeps it, and it is removed with the last link.  A
 * crash between writing it and making the symlink, or between removing the
 * last link and the file, leaves a file that nothing names: harmless, and
 * fsck finds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"
#include "secmem.h"

/* Read the long-target file @name at the root and decrypt it. */
static int longtarget_read(struct afs_fs *fs, const char *name, char *plain)
{
	uint8_t *buf = malloc(AFS_LONGTARGET_DATA_MAX + 1);
	ssize_t n;
	int fd, err;

	if (!buf)
		return -ENOMEM;
	fd = afs_open_own(fs->f_root.i_fd, name);
	if (fd < 0) {
		log_err("%s: %s, which a symlink names, cannot be opened: %s", fs->f_cipherdir,
			name, fd == -EUCLEAN ? "not a regular file" : strerror(-fd));
		free(buf);
		return fd == -ENOENT ? -EUCLEAN : fd;
	}
	n = pread(fd, buf, AFS_LONGTARGET_DATA_MAX + 1, 0);
	err = n < 0 ? -errno : afs_longtarget_open(&fs->f_vk, name, buf, (size_t)n, plain);
	close(fd);
	free(buf);
	return err;
}

int afs_target_read(struct afs_fs *fs, int dirfd, const char *name, char *plain)
{
	char enc[AFS_SYMLINK_ENC_BUF];
	ssize_t n = readlinkat(dirfd, name, enc, sizeof(enc) - 1);

	if (n < 0)
		return -errno;
	enc[n] = '\0';
	if (fs->f_vk.format >= 2 && afs_is_longtarget(enc))
		return longtarget_read(fs, enc, plain);
	return afs_symlink_decrypt(&fs->f_vk, enc, plain);
}

int afs_target_store(struct afs_fs *fs, const char *target, char enc[AFS_SYMLINK_ENC_BUF])
{
	uint8_t id[AFS_KEY_CONTEXT_LEN], *buf;
	ssize_t n;
	int fd, err;

	err = afs_symlink_encrypt(&fs->f_vk, target, enc);
	if (err != -ENAMETOOLONG || fs->f_vk.format < 2 || strlen(target) > AFS_TARGET_MAX)
		return err < 0 ? err : 0;
	buf = malloc(AFS_LONGTARGET_DATA_MAX);
	if (!buf)
		return -ENOMEM;
	err = ac_random_public(id, sizeof(id));
	n = err ? err : afs_longtarget_seal(&fs->f_vk, target, id, enc, buf);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	fd = openat(fs->f_root.i_fd, enc, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0400);
	if (fd < 0) {
		err = -errno;
	} else {
		ssize_t w = pwrite(fd, buf, (size_t)n, 0);

		err = w == n ? 0 : w < 0 ? -errno : -ENOSPC;
		if (!err)
			afs_durable_add(fs, fd, fs->f_root.i_fd, enc, false);
		close(fd);
		if (err)
			unlinkat(fs->f_root.i_fd, enc, 0);
	}
	free(buf);
	return err;
}

void afs_target_forget(struct afs_fs *fs, const char *enc)
{
	if (fs->f_vk.format < 2 || !afs_is_longtarget(enc))
		return;
	if (unlinkat(fs->f_root.i_fd, enc, 0) && errno != ENOENT)
		log_err("%s: cannot remove %s, the target of a symlink removed: %s",
			fs->f_cipherdir, enc, strerror(errno));
}

void afs_target_of_last(struct afs_fs *fs, int dirfd, const char *name, const struct stat *st,
			char enc[AFS_SYMLINK_ENC_BUF])
{
	ssize_t n;

	enc[0] = '\0';
	if (fs->f_vk.format < 2 || !S_ISLNK(st->st_mode) || st->st_nlink > 1)
		return;
	n = readlinkat(dirfd, name, enc, AFS_SYMLINK_ENC_BUF - 1);
	enc[n < 0 ? 0 : n] = '\0';
}
