// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_file.c - open files: open, read, write, flush, release, fsync,
 * fallocate, lseek.  fi->fh is the backing file's descriptor, always open
 * for reading too, since a partial block is read before it is rewritten.
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

void afs_reply_err(fuse_req_t req, int err)
{
	fuse_reply_err(req, err < 0 ? -err : err);
}

/* Open @path read-write though its mode lacks read permission for the owner
 * (a write-only file of a daemon not run as root): add it for the open. */
static int open_write_only(const char *path, int flags)
{
	struct stat st;
	int fd, err;

	if (stat(path, &st) || st.st_uid != geteuid() || (st.st_mode & S_IRUSR))
		return -EACCES;
	if (chmod(path, (st.st_mode & 07777) | S_IRUSR))
		return -errno;
	fd = open(path, flags);
	err = fd < 0 ? -errno : fd;
	chmod(path, st.st_mode & 07777);
	return err;
}

int afs_open_content(struct afs_fs *fs, struct afs_inode *inode, int flags)
{
	char path[AFS_PROC_PATH_MAX];
	int fd, pfd;

	/* Appending, truncation and direct I/O are done here, over blocks. */
	flags &= ~(O_ACCMODE | O_APPEND | O_TRUNC | O_CREAT | O_EXCL | O_DIRECT | O_NOCTTY |
		   O_NOFOLLOW);
	flags |= O_CLOEXEC | (fs->f_opts.read_only ? O_RDONLY : O_RDWR);
	pfd = afs_inode_fd(fs, inode);
	if (pfd < 0)
		return pfd;
	afs_proc_path(pfd, path);
	fd = open(path, flags);
	if (fd < 0 && errno == EACCES && !fs->f_opts.read_only)
		fd = open_write_only(path, flags);
	else if (fd < 0)
		fd = -errno;
	afs_inode_fd_put(inode, pfd);
	return fd;
}

int afs_content_get(struct afs_fs *fs, struct afs_inode *inode, int fd, bool truncate)
{
	int err = 0;

	pthread_rwlock_wrlock(&inode->i_rw);
	/* A damaged header is reported by reads and writes, not by open:
	 * the file can still be truncated or removed. */
	afs_content_load(fs, inode, fd);
	if (truncate)
		err = afs_content_truncate(fs, inode, fd, 0);
	if (!err && !inode->i_nopen++)
		afs_inode_set_open_fd(inode, fd);
	else if (err && !inode->i_nopen)
		afs_content_forget(inode);
	pthread_rwlock_unlock(&inode->i_rw);
	return err;
}

/* The file key stays only while the file is open: a kernel backend key is
 * a socket, and the kernel may remember many more inodes than are open.
 * (Deriving it again on the next open hits ac_derive_key()'s cache.) */
void afs_content_put(struct afs_inode *inode)
{
	pthread_rwlock_wrlock(&inode->i_rw);
	if (inode->i_nopen && !--inode->i_nopen) {
		afs_content_forget(inode);
		afs_inode_set_open_fd(inode, -1);
	}
	pthread_rwlock_unlock(&inode->i_rw);
}

void afs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	int fd, err;

	fd = afs_open_content(fs, inode, fi->flags);
	if (fd < 0) {
		afs_reply_err(req, fd);
		return;
	}
	err = afs_content_get(fs, inode, fd, fi->flags & O_TRUNC);
	if (err) {
		close(fd);
		afs_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)fd;
	/* Only this daemon changes the files: what the kernel cached stays. */
	fi->keep_cache = 1;
	fi->noflush = 0;
	if (fuse_reply_open(req, fi)) {
		afs_content_put(inode);
		close(fd);
	}
}

void afs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	const uint8_t *data = NULL;
	ssize_t n;

	if (off < 0) {
		afs_reply_err(req, EINVAL);
		return;
	}
	pthread_rwlock_rdlock(&inode->i_rw);
	n = afs_content_read(fs, inode, (int)fi->fh, size, (uint64_t)off, &data);
	pthread_rwlock_unlock(&inode->i_rw);
	if (n < 0)
		afs_reply_err(req, (int)n);
	else
		fuse_reply_buf(req, (const char *)data, (size_t)n);
}

void afs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	ssize_t n;

	if (off < 0) {
		afs_reply_err(req, EINVAL);
		return;
	}
	pthread_rwlock_wrlock(&inode->i_rw);
	n = afs_content_write(fs, inode, (int)fi->fh, (const uint8_t *)buf, size,
			      (uint64_t)off);
	afs_content_restore_mtime(inode, (int)fi->fh);
	pthread_rwlock_unlock(&inode->i_rw);
	if (n < 0)
		afs_reply_err(req, (int)n);
	else
		fuse_reply_write(req, (size_t)n);
}

void afs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	/* Every write reached the backing file when it was answered. */
	fuse_reply_err(req, 0);
}

void afs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	afs_content_put(afs_inode_get(afs_req_fs(req), ino));
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

void afs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = (int)fi->fh, err;

	(void)ino;
	err = datasync ? fdatasync(fd) : fsync(fd);
	fuse_reply_err(req, err ? errno : 0);
}

void afs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
		      struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	int err;

	/* Only plain allocation: keeping the size would put bytes beyond the
	 * end on disk, and punching or zeroing ranges is not done (yet). */
	if (mode) {
		afs_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (off < 0 || len <= 0) {
		afs_reply_err(req, EINVAL);
		return;
	}
	pthread_rwlock_wrlock(&inode->i_rw);
	err = afs_content_allocate(fs, inode, (int)fi->fh, (uint64_t)off, (uint64_t)len);
	pthread_rwlock_unlock(&inode->i_rw);
	afs_reply_err(req, err);
}

void afs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		  struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	int64_t pos;

	/* With the writeback cache, data the kernel has not written back yet
	 * is invisible here, and the kernel does not flush it before asking:
	 * ENOSYS makes it answer itself, as POSIX allows (all data, one hole
	 * at the end), from its own view of the size. */
	if (fs->f_opts.writeback) {
		afs_reply_err(req, ENOSYS);
		return;
	}
	if ((whence != SEEK_DATA && whence != SEEK_HOLE) || off < 0) {
		afs_reply_err(req, EINVAL);
		return;
	}
	pthread_rwlock_rdlock(&inode->i_rw);
	pos = afs_content_seek(fs, (int)fi->fh, (uint64_t)off, whence);
	pthread_rwlock_unlock(&inode->i_rw);
	if (pos < 0)
		afs_reply_err(req, (int)pos);
	else
		fuse_reply_lseek(req, (off_t)pos);
}
