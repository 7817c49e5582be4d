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
 * (a write-only file of a daemon not run as root): add it for the open.
 * Under the inode's i_rw, which a chmod through the mount also takes, so
 * that the mode put back is never one that a chmod has replaced. */
static int open_write_only(const char *path, int flags)
{
	struct stat st;
	int fd, err;

	if (stat(path, &st) || st.st_uid != geteuid() || (st.st_mode & S_IRUSR))
		return -EACCES;
	if (chmod(path, (st.st_mode & 07777) | S_IRUSR))
		return -errno;
	fd = afs_openat_noatime(AT_FDCWD, path, flags);
	err = fd < 0 ? -errno : fd;
	chmod(path, st.st_mode & 07777);
	return err;
}

int afs_open_content(struct afs_fs *fs, struct afs_inode *inode, struct stat *st)
{
	/* Appending, truncation, direct and synchronous I/O are done here,
	 * over blocks, for all handles of the file at once (the kernel sends
	 * the fsync that O_SYNC asks for). */
	int flags = O_CLOEXEC | O_NOFOLLOW | (fs->f_opts.read_only ? O_RDONLY : O_RDWR);
	char path[AFS_LOC_PATH_MAX];
	struct afs_loc l;
	int fd, err;

	err = afs_loc_get(fs, inode, &l);
	if (err)
		return err;
	if (l.l_fd >= 0) { /* an O_PATH descriptor: reopened through /proc */
		afs_loc_path(&l, path);
		fd = afs_openat_noatime(AT_FDCWD, path, flags & ~O_NOFOLLOW);
	} else {
		fd = afs_openat_noatime(l.l_dirfd, l.l_name, flags);
	}
	if (fd < 0 && errno == EACCES && !fs->f_opts.read_only) {
		afs_loc_path(&l, path);
		fd = open_write_only(path, flags & ~O_NOFOLLOW);
	} else if (fd < 0) {
		fd = errno == ENOENT && l.l_fd < 0 ? -ESTALE : -errno;
	}
	afs_loc_put(fs, &l);
	if (fd < 0)
		return fd;
	err = fstat(fd, st) ? -errno : 0;
	if (!err && (st->st_ino != inode->i_ino || st->st_dev != inode->i_dev))
		err = -ESTALE; /* the name holds another file now */
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int afs_content_get(struct afs_fs *fs, struct afs_inode *inode, int fd, const struct stat *st,
		    bool truncate)
{
	struct stat st2;
	int err = 0;

	pthread_rwlock_wrlock(&inode->i_rw);
	if (inode->i_nopen) {
		/* Open already: every handle shares that descriptor. */
		if (fd >= 0)
			close(fd);
		fd = inode->i_ofd;
	} else {
		if (fd < 0) {
			fd = afs_open_content(fs, inode, &st2);
			st = &st2;
		}
		if (fd < 0) {
			pthread_rwlock_unlock(&inode->i_rw);
			return fd;
		}
		/* Shared, other daemons change the size (content.c). */
		atomic_store(&inode->i_csize,
			     fs->f_opts.shared ? AFS_CSIZE_UNKNOWN : (uint64_t)st->st_size);
		inode->i_sparse = (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size;
		/* A damaged header (EIO) is reported by reads and writes, not
		 * by open: the file can still be truncated or removed.  What
		 * else fails here (no memory, or no descriptor, for its key)
		 * fails the open, rather than every later read. */
		err = afs_content_load(fs, inode, fd);
		if (err && err != -EIO) {
			atomic_store(&inode->i_csize, AFS_CSIZE_UNKNOWN);
			pthread_rwlock_unlock(&inode->i_rw);
			close(fd);
			return err;
		}
		err = 0;
		pthread_mutex_lock(&inode->i_lock);
		inode->i_ofd = fd;
		pthread_mutex_unlock(&inode->i_lock);
	}
	inode->i_nopen++;
	if (truncate)
		err = afs_content_truncate(fs, inode, fd, 0);
	pthread_rwlock_unlock(&inode->i_rw);
	if (err) {
		afs_content_put(inode);
		return err;
	}
	return fd;
}

/* The file key stays only while the file is open: a kernel backend key is
 * a socket, and the kernel may remember many more inodes than are open.
 * (Deriving it again on the next open hits ac_derive_key()'s cache.) */
void afs_content_put(struct afs_inode *inode)
{
	int fd = -1;

	pthread_rwlock_wrlock(&inode->i_rw);
	if (inode->i_nopen && !--inode->i_nopen) {
		afs_content_forget(inode);
		inode->i_nospace = 0;
		inode->i_nospace_logged = false;
		atomic_store(&inode->i_csize, AFS_CSIZE_UNKNOWN);
		pthread_mutex_lock(&inode->i_lock);
		fd = inode->i_ofd;
		inode->i_ofd = -1;
		pthread_mutex_unlock(&inode->i_lock);
	}
	pthread_rwlock_unlock(&inode->i_rw);
	if (fd >= 0) {
		/* The OFD locks taken through its handles, which the kernel
		 * does not announce, go with the last one (locks.c). */
		afs_locks_drop_all(inode);
		close(fd);
	}
}

/*
 * How the kernel caches what a new handle reads and writes.  Only this
 * daemon changes the files: what the kernel cached stays.  Shared, the
 * cache is dropped at each open (as NFS does), and the kernel drops it too
 * when a getattr finds another size or mtime.
 *
 * Shared, appends go where the other daemons left the end, and O_DIRECT
 * reads go where the program asked, both of which the kernel may not know
 * yet (it cuts a read of its page-cache path at the size it last saw, for
 * the attribute timeout): so such a handle does not go through the page
 * cache at all (FOPEN_DIRECT_IO), as O_DIRECT on NFS.  For O_DIRECT only
 * where the kernel then writes back and drops the other handles' cached
 * pages of the range, mapped ones too, before each write (Linux 6.6);
 * before, they would keep older data until a getattr finds the new mtime,
 * and so for appends the daemon drops them after each write there.
 * Otherwise O_DIRECT takes the kernel's own direct path, which writes back
 * and drops the pages of the range around each read and write: the daemon
 * reads and writes whole blocks either way, so no alignment is needed.
 */
static bool uncached(const struct afs_fs *fs, int flags)
{
	return fs->f_opts.shared &&
	       ((flags & O_APPEND) || (fs->f_direct_uncached && (flags & O_DIRECT)));
}

void afs_open_cache(const struct afs_fs *fs, struct fuse_file_info *fi)
{
	fi->keep_cache = !fs->f_opts.shared;
	fi->direct_io = uncached(fs, fi->flags);
}

void afs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	int fd;

	fd = afs_content_get(fs, inode, -1, NULL, fi->flags & O_TRUNC);
	if (fd < 0) {
		afs_reply_err(req, fd);
		return;
	}
	fi->fh = (uint64_t)fd;
	afs_open_cache(fs, fi);
	/* Reads served from the kernel's cache do not reach the daemon: when
	 * a read would move the atime, the first read of this open does. */
	if (fi->keep_cache && (fi->flags & O_ACCMODE) != O_WRONLY &&
	    afs_atime_due_inode(fs, inode, fd))
		fi->keep_cache = 0;
	fi->noflush = 0;
	if (fuse_reply_open(req, fi))
		afs_content_put(inode);
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
	if (n == -EAGAIN) {
		/* Shared: another daemon changed the file meanwhile; read it
		 * again as a change would, under the header lock. */
		pthread_rwlock_wrlock(&inode->i_rw);
		n = afs_content_shared_begin(fs, inode, (int)fi->fh);
		if (!n)
			n = afs_content_read(fs, inode, (int)fi->fh, size, (uint64_t)off, &data);
		afs_content_shared_end(fs, inode, (int)fi->fh);
		pthread_rwlock_unlock(&inode->i_rw);
	}
	if (n < 0) {
		afs_reply_err(req, (int)n);
		return;
	}
	/* Before the reply, after which the kernel may ask for the atime. */
	afs_atime_read(fs, inode, (int)fi->fh, false);
	fuse_reply_buf(req, (const char *)data, (size_t)n);
}

/*
 * With the writeback cache the kernel queues a file's dirty pages in order,
 * but the daemon's threads may serve them out of order.  A write past the
 * end could then go down before the write that fills the gap below it; if
 * that one found the disk full, or the daemon were killed while writing
 * it, the file would keep zeros or a torn block there that no program
 * wrote.  So a write that starts past the end first waits until every
 * request queued before it has been read (order.c): another thread may
 * still be copying a lower write from /dev/fuse, as the kernel copies
 * 1 MiB in the time a one-page write is read and served.  A write is in
 * flight from the moment the loop read it, before its number counts as
 * read (loop.c); so then the write waits while a write below it is in
 * flight.  It waits holding no lock, and only for lower writes, which do
 * not wait for it; the first wait gives up on a request that never comes,
 * after AFS_ORDER_GIVEUP_MS.  If it did give up on a lower write that was
 * still being read, the gaps that writes past the end leave are also
 * remembered with the kernel's number of each write's request; a write
 * that then finds no space where it was to fill a gap left by a write
 * queued after it cuts the file back to where the gap begins
 * (overtaken()).  (Without the writeback cache, the writes are the
 * program's own, in its order; with algfs -s, libfuse's loop reads the
 * requests, their numbers are not known, and writes wait only for the
 * lower writes in flight.)
 */
static int wflight_enter(struct afs_fs *fs, struct afs_inode *inode, uint64_t off)
{
	int i, slot = -1;

	pthread_mutex_lock(&fs->f_wlock);
	for (i = 0; i < AFS_WFLIGHT && slot < 0; i++)
		if (!inode->i_wflight[i]) {
			inode->i_wflight[i] = off + 1;
			slot = i;
		}
	pthread_mutex_unlock(&fs->f_wlock);
	return slot;
}

static void wflight_leave(struct afs_fs *fs, struct afs_inode *inode, int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&fs->f_wlock);
	inode->i_wflight[slot] = 0;
	pthread_cond_broadcast(&fs->f_wdone);
	pthread_mutex_unlock(&fs->f_wlock);
}

/* Under f_wlock: is a write below @off, other than @slot, in flight? */
static bool wflight_below(struct afs_inode *inode, uint64_t off, int slot)
{
	int i;

	for (i = 0; i < AFS_WFLIGHT; i++)
		if (i != slot && inode->i_wflight[i] && inode->i_wflight[i] - 1 < off)
			return true;
	return false;
}

/* The request this thread is serving, as the loop read it: the kernel's
 * number for it (0: not known, algfs -s), and a write it entered in flight
 * until afs_op_write() takes that over. */
static _Thread_local struct {
	uint64_t unique;
	struct afs_inode *inode;
	uint64_t off;
	int slot;
} received;

void afs_request_received(struct afs_fs *fs, uint64_t unique, fuse_ino_t write_ino,
			  uint64_t write_off)
{
	received.unique = unique;
	if (!fs->f_opts.writeback)
		return;
	if (write_ino) {
		received.inode = afs_inode_get(fs, write_ino);
		received.off = write_off;
		received.slot = wflight_enter(fs, received.inode, write_off);
	}
	/* Only now: a write that sees this number read sees this write. */
	afs_order_read(&fs->f_order, unique);
}

void afs_request_served(struct afs_fs *fs)
{
	received.unique = 0;
	if (!received.inode)
		return;
	wflight_leave(fs, received.inode, received.slot);
	received.inode = NULL;
}

/* The write numbered @unique left the gap [@from, @to) in @inode's file. */
static void gap_note(struct afs_fs *fs, const struct afs_inode *inode, uint64_t from, uint64_t to,
		     uint64_t unique)
{
	pthread_mutex_lock(&fs->f_wlock);
	fs->f_gaps[fs->f_gaps_next] = (struct afs_gap){ inode, from, to, unique };
	fs->f_gaps_next = (fs->f_gaps_next + 1) % AFS_GAPS;
	pthread_mutex_unlock(&fs->f_wlock);
}

/* Whether a write queued after the write numbered @unique, [@off, @end),
 * left a gap that this one reaches into: went down first, though this one
 * was in flight.  If so, *@from (UINT64_MAX on entry) becomes where the
 * lowest such gap begins. */
static bool gap_under(struct afs_fs *fs, const struct afs_inode *inode, uint64_t off,
		      uint64_t end, uint64_t unique, uint64_t *from)
{
	const struct afs_gap *g;
	bool found = false;
	int i;

	pthread_mutex_lock(&fs->f_wlock);
	for (i = 0; i < AFS_GAPS; i++) {
		g = &fs->f_gaps[i];
		if (g->g_inode != inode || g->g_unique <= unique || off >= g->g_to ||
		    end <= g->g_from)
			continue;
		if (g->g_from < *from)
			*from = g->g_from;
		found = true;
	}
	pthread_mutex_unlock(&fs->f_wlock);
	return found;
}

/*
 * The write [@off, @off + @size), numbered @unique, found no space (@err)
 * and was undone, and a write queued after it had already gone down past
 * it, leaving a gap that this one was to fill.  Cut the file back to where
 * the gap begins (or to @off, if the gap begins below it), so that it ends
 * with what was written in the kernel's order, not with zeros that no
 * program wrote.  Later writes past that end are refused as after any write
 * that found no space (content.c).  The program has seen the failure (at
 * fsync or close); the bytes cut off are ones the kernel would have written
 * after it.  Return: @err, or -EIO when the file could not be cut back.
 */
static int overtaken(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
		     size_t size, uint64_t unique, int err)
{
	uint64_t psize, cut = UINT64_MAX;
	char path[512];
	int cerr;

	if (!gap_under(fs, inode, off, off + size, unique, &cut) ||
	    afs_content_size(fs, inode, fd, &psize))
		return err;
	if (cut < off)
		cut = off;
	if (psize <= cut)
		return err;
	cerr = afs_content_truncate(fs, inode, fd, cut);
	inode->i_nospace = off + 1;
	inode->i_nospace_logged = true;
	afs_backing_path(fd, path, sizeof(path));
	if (cerr) {
		log_err("%s: the write at %llu found no space after later ones had gone down "
			"past it, and the file could not be cut back (%s): it reads as zeros "
			"from %llu to the later ones",
			path, (unsigned long long)off, strerror(-cerr), (unsigned long long)cut);
		return -EIO;
	}
	log_warn("%s: the write at %llu found no space after later ones had gone down past it: "
		 "the file is cut back to its %llu bytes written in order",
		 path, (unsigned long long)off, (unsigned long long)cut);
	return err;
}

/*
 * Answer a write of @n bytes at @at through a handle that bypasses the page
 * cache, before Linux 6.6, where the kernel leaves the other handles'
 * cached pages of the range (mapped ones too) as they were: they would show
 * older data until a getattr finds the new mtime.  So the daemon drops them,
 * before the answer, which the program may follow with a read at once.
 * Dropping a page waits for a read of it in flight, served by another
 * thread: one thread is always left to serve it, and a write past that
 * drops the pages just after its answer.
 */
static void direct_inval(struct afs_fs *fs, fuse_req_t req, fuse_ino_t ino, uint64_t at,
			 size_t n)
{
	bool first = atomic_fetch_add(&fs->f_inval_busy, 1) < AFS_LOOP_THREADS - 1;

	if (!first)
		fuse_reply_write(req, n);
	/* (ENOENT: the kernel no longer caches the inode, nor its pages.) */
	(void)fuse_lowlevel_notify_inval_inode(fs->f_se, ino, (off_t)at, (off_t)n);
	atomic_fetch_sub(&fs->f_inval_busy, 1);
	if (first)
		fuse_reply_write(req, n);
}

void afs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	uint64_t unique = received.unique, psize, gap_from = UINT64_MAX, at;
	int slot = -1, fd = (int)fi->fh;
	bool wait;
	ssize_t n;

	if (off < 0) {
		afs_reply_err(req, EINVAL);
		return;
	}
	if (received.inode == inode && received.off == (uint64_t)off) {
		slot = received.slot;
		received.inode = NULL;
	} else if (fs->f_opts.writeback) {
		slot = wflight_enter(fs, inode, (uint64_t)off); /* (algfs -s) */
	}
	for (;;) {
		pthread_rwlock_wrlock(&inode->i_rw);
		/* (A write that found no free slot still waits for lower ones.) */
		if (!fs->f_opts.writeback || !afs_content_past_end(fs, inode, fd, (uint64_t)off))
			break;
		if (afs_order_before_read(&fs->f_order, unique)) {
			pthread_mutex_lock(&fs->f_wlock);
			wait = wflight_below(inode, (uint64_t)off, slot);
			pthread_mutex_unlock(&fs->f_wlock);
			if (!wait)
				break;
		}
		pthread_rwlock_unlock(&inode->i_rw);
		afs_order_wait(&fs->f_order, unique);
		pthread_mutex_lock(&fs->f_wlock);
		while (wflight_below(inode, (uint64_t)off, slot))
			pthread_cond_wait(&fs->f_wdone, &fs->f_wlock);
		pthread_mutex_unlock(&fs->f_wlock);
	}
	if (fs->f_opts.writeback && unique && !afs_content_size(fs, inode, fd, &psize) &&
	    (uint64_t)off > psize)
		gap_from = psize;
	at = (uint64_t)off;
	n = afs_content_write(fs, inode, fd, (const uint8_t *)buf, size, &at, fi->flags & O_APPEND);
	if (n >= 0 && gap_from != UINT64_MAX)
		gap_note(fs, inode, gap_from, (uint64_t)off, unique);
	else if ((n == -ENOSPC || n == -EDQUOT) && fs->f_opts.writeback && unique)
		n = overtaken(fs, inode, fd, (uint64_t)off, size, unique, (int)n);
	afs_content_restore_mtime(inode, fd);
	afs_atime_recheck(inode);
	pthread_rwlock_unlock(&inode->i_rw);
	wflight_leave(fs, inode, slot);
	if (n < 0) {
		afs_reply_err(req, (int)n);
		return;
	}
	/* (The kernel does not send fi->direct_io back: the flags tell.) */
	if (fs->f_opts.shared && !fs->f_direct_uncached && uncached(fs, fi->flags) && n > 0)
		direct_inval(fs, req, ino, at, (size_t)n);
	else
		fuse_reply_write(req, (size_t)n);
}

void afs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);

	/* Every write reached the backing file when it was answered.  A
	 * close(2) drops the process's POSIX locks on the file (locks.c). */
	if (fs->f_opts.shared)
		afs_locks_flush(afs_inode_get(fs, ino), fi->lock_owner);
	fuse_reply_err(req, 0);
}

void afs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);

	/* The open file's flock locks go with it (locks.c).  Its descriptor
	 * is the file's, closed with the last handle. */
	if (fs->f_opts.shared && fi->flock_release)
		afs_locks_flush(inode, fi->lock_owner);
	afs_content_put(inode);
	fuse_reply_err(req, 0);
}

void afs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = (int)fi->fh, err;

	(void)ino;
	err = afs_durable_flush(afs_req_fs(req), fd);
	if (!err && (datasync ? fdatasync(fd) : fsync(fd)))
		err = -errno;
	afs_reply_err(req, err);
}

void afs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
		      struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	int err;

	afs_atime_recheck(inode); /* the ctime and mtime move */
	/* As vfs_fallocate() checks them, for a caller other than the
	 * kernel.  Collapsing or inserting a range would move blocks, and
	 * each block's index is authenticated with it (docs/FORMAT.md):
	 * everything after the range would have to be encrypted again. */
	if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) ||
	    (mode & FALLOC_FL_PUNCH_HOLE && mode & FALLOC_FL_ZERO_RANGE) ||
	    (mode & FALLOC_FL_PUNCH_HOLE && !(mode & FALLOC_FL_KEEP_SIZE))) {
		afs_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (off < 0 || len <= 0) {
		afs_reply_err(req, EINVAL);
		return;
	}
	pthread_rwlock_wrlock(&inode->i_rw);
	err = afs_content_allocate(fs, inode, (int)fi->fh, (uint64_t)off, (uint64_t)len, mode);
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
	pos = afs_content_seek(fs, inode, (int)fi->fh, (uint64_t)off, whence);
	pthread_rwlock_unlock(&inode->i_rw);
	if (pos < 0)
		afs_reply_err(req, (int)pos);
	else
		fuse_reply_lseek(req, (off_t)pos);
}
