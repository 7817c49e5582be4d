// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * locks.c - fcntl and flock locks of a volume mounted with -o sharedstorage,
 * forwarded to the backing files, so that a lock taken through one mount
 * is seen through every other mount of the volume, on this machine or,
 * over NFS, on others.  (Without -o sharedstorage the kernel keeps locks itself:
 * fuse_fs.c asks for neither kind.)
 *
 * The kernel names the owner of each lock request (fi->lock_owner): for a
 * POSIX lock the process's file table, for an OFD lock or flock the open
 * file.  This daemon is one process: its own POSIX locks would all have one
 * owner.  So each (inode, owner) gets a descriptor of the backing file of
 * its own, on which the daemon takes open-file-description locks: two
 * descriptions conflict with each other, here, in another daemon, and on
 * an NFS server, whose clients send them on.  A flock request becomes such
 * a lock on the whole file too (past the header), not a flock() of the
 * backing file: an NFS client turns flock() into a lock of every byte,
 * which would also hold the header bytes that the daemons lock for each
 * change of the file (content.c), and the process that holds a flock lock
 * could then never write the file.  So, as over NFS, a flock lock and a
 * record lock of the file conflict.  (A read-only daemon changes nothing
 * and uses flock(): a descriptor open for reading takes no write lock.)
 *
 * Ranges are shifted by the file header (AFS_HEADER_LEN), so that the
 * ciphertext bytes [0, AFS_HEADER_LEN) stay free for the daemons' own use;
 * an end past the largest offset becomes "to the end of the file".
 *
 * An owner's descriptor is closed, and so its locks released, when the
 * kernel says the owner's locks are gone: a FLUSH (every close(2) of the
 * file by the process drops its POSIX locks), a RELEASE of a file that
 * took flock locks; OFD locks are not announced, so what is left goes
 * with the file's last handle (afs_content_put()).
 *
 * A request that would wait never waits in a thread of the loop: the
 * holder's unlock must still be served.  It waits in a thread of its own,
 * which an INTERRUPT (the waiting process got a signal) wakes with
 * AFS_LK_SIGNAL, whose handler does nothing, so that the call fails with
 * EINTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"

#define AFS_LK_SIGNAL SIGURG
#define AFS_OFF_MAX INT64_MAX

/* One lock owner of one inode: the backing descriptor that holds its locks. */
struct afs_lkown {
	struct afs_lkown *o_next;
	uint64_t o_owner;
	int o_fd;
	/* The inode's list holds one; each request using o_fd one more. */
	unsigned int o_refs;
};

/* A request waiting in a thread of its own. */
struct afs_lkwait {
	struct afs_lkwait *w_next; /* under afs_fs.f_lk_lock */
	fuse_req_t w_req;
	struct afs_fs *w_fs;
	struct afs_inode *w_inode;
	struct afs_lkown *w_own;
	bool w_flock;
	int w_op; /* flock: LOCK_SH or LOCK_EX */
	struct flock w_fl; /* fcntl: the backing range */
	pthread_t w_thread;
	atomic_bool w_started; /* w_thread is set */
	atomic_bool w_interrupted;
	atomic_bool w_returned; /* it no longer waits */
};

/* --- Owners -------------------------------------------------------------- */

static void own_put(struct afs_inode *inode, struct afs_lkown *o)
{
	bool last;

	pthread_mutex_lock(&inode->i_lock);
	last = !--o->o_refs;
	pthread_mutex_unlock(&inode->i_lock);
	if (!last)
		return;
	/* Closing the description releases its OFD and flock locks. */
	close(o->o_fd);
	free(o);
}

/* @owner's entry of @inode, held; created, with a new descriptor of the
 * backing file, when @create.  Return: 0 (*@op NULL when there is none and
 * not @create), or -errno. */
static int own_get(struct afs_fs *fs, struct afs_inode *inode, uint64_t owner, bool create,
		   struct afs_lkown **op)
{
	struct afs_lkown *o, *n = NULL;
	struct stat st;
	int fd = -1;

	for (;;) {
		pthread_mutex_lock(&inode->i_lock);
		for (o = inode->i_lkowners; o && o->o_owner != owner; o = o->o_next)
			;
		if (o) {
			o->o_refs++;
		} else if (n) {
			n->o_next = inode->i_lkowners;
			inode->i_lkowners = n;
			o = n;
			n = NULL;
		}
		pthread_mutex_unlock(&inode->i_lock);
		if (o || !create)
			break;
		/* Opened outside the inode's lock, which finding it takes. */
		fd = afs_open_content(fs, inode, &st);
		if (fd < 0)
			return fd == -ENFILE || fd == -EMFILE ? -ENOLCK : fd;
		n = calloc(1, sizeof(*n));
		if (!n) {
			close(fd);
			return -ENOLCK;
		}
		n->o_owner = owner;
		n->o_fd = fd;
		n->o_refs = 2; /* the list's and ours */
	}
	if (n) { /* another request of the owner added one first */
		close(n->o_fd);
		free(n);
	}
	*op = o;
	return 0;
}

/* Take @owner's entry off @inode's list (all of them, with @all). */
static void own_drop(struct afs_inode *inode, uint64_t owner, bool all)
{
	struct afs_lkown *o, **pp, *gone = NULL;

	pthread_mutex_lock(&inode->i_lock);
	for (pp = &inode->i_lkowners; (o = *pp);) {
		if (all || o->o_owner == owner) {
			*pp = o->o_next;
			o->o_next = gone;
			gone = o;
		} else {
			pp = &o->o_next;
		}
	}
	pthread_mutex_unlock(&inode->i_lock);
	while ((o = gone)) {
		gone = o->o_next;
		own_put(inode, o);
	}
}

void afs_locks_flush(struct afs_inode *inode, uint64_t owner)
{
	own_drop(inode, owner, false);
}

void afs_locks_drop_all(struct afs_inode *inode)
{
	own_drop(inode, 0, true);
}

/* --- Ranges -------------------------------------------------------------- */

/* The plaintext range of @fl (l_whence SEEK_SET, as libfuse gives it) on
 * the backing file: start and end shifted by the header; an end past
 * AFS_OFF_MAX becomes the end of the file (l_len 0). */
static void range_to_backing(const struct flock *fl, struct flock *out)
{
	int64_t start = fl->l_start, end;

	memset(out, 0, sizeof(*out));
	out->l_type = fl->l_type;
	out->l_whence = SEEK_SET;
	if (start < 0)
		start = 0;
	/* end: the last byte, or AFS_OFF_MAX for "to the end". */
	if (fl->l_len <= 0 || fl->l_len - 1 > AFS_OFF_MAX - start)
		end = AFS_OFF_MAX;
	else
		end = start + (fl->l_len - 1);
	out->l_start = start > AFS_OFF_MAX - AFS_HEADER_LEN ? AFS_OFF_MAX : start + AFS_HEADER_LEN;
	if (end > AFS_OFF_MAX - AFS_HEADER_LEN)
		out->l_len = 0;
	else
		out->l_len = end + AFS_HEADER_LEN - out->l_start + 1;
}

/* The other way, for F_GETLK's answer: a conflicting lock on the backing
 * file as a plaintext range.  Its owner's pid is not known across daemons:
 * 0. */
static void range_to_plain(const struct flock *fl, struct flock *out)
{
	int64_t start = fl->l_start, end;

	memset(out, 0, sizeof(*out));
	out->l_type = fl->l_type;
	out->l_whence = SEEK_SET;
	if (fl->l_type == F_UNLCK)
		return;
	end = fl->l_len == 0 ? AFS_OFF_MAX : start + fl->l_len - 1;
	out->l_start = start > AFS_HEADER_LEN ? start - AFS_HEADER_LEN : 0;
	if (end == AFS_OFF_MAX)
		out->l_len = 0;
	else if (end < AFS_HEADER_LEN) /* the header's (never overlaps a request) */
		out->l_len = 1;
	else
		out->l_len = end - AFS_HEADER_LEN - out->l_start + 1;
	out->l_pid = 0;
}

/* What a failed lock call on the backing file says, as the kernel would
 * say it for a local file. */
/* A flock request (@how: LOCK_SH, LOCK_EX or LOCK_UN) on the backing
 * descriptor @fd, waiting with @wait.  Return: 0 or an errno. */
static int flock_backing(struct afs_fs *fs, int fd, int how, bool wait)
{
	struct flock fl = { .l_whence = SEEK_SET, .l_start = AFS_HEADER_LEN, .l_len = 0 };

	if (fs->f_opts.read_only)
		return flock(fd, how | (wait ? 0 : LOCK_NB)) ? errno : 0;
	fl.l_type = how == LOCK_SH ? F_RDLCK : how == LOCK_EX ? F_WRLCK : F_UNLCK;
	return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) ? errno : 0;
}

static int lock_err(int err, bool flock)
{
	if (err == EACCES || err == EAGAIN)
		return flock ? EWOULDBLOCK : EAGAIN;
	return err;
}

/* --- Waiting ------------------------------------------------------------- */

static void on_lk_signal(int sig)
{
	(void)sig; /* only to make the waiting call fail with EINTR */
}

static void lk_signal_init(void)
{
	struct sigaction sa = { .sa_handler = on_lk_signal }; /* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(AFS_LK_SIGNAL, &sa, NULL))
		log_err("cannot set up lock waits: %s", strerror(errno));
}

static pthread_once_t lk_signal_once = PTHREAD_ONCE_INIT;

/* Make @w stop waiting: signal its thread until its call has returned (a
 * signal sent just before it entered the call would be lost). */
static void wait_kick(struct afs_lkwait *w)
{
	const struct timespec ms = { 0, 1000000 };

	atomic_store(&w->w_interrupted, true);
	if (!atomic_load(&w->w_started) || pthread_equal(w->w_thread, pthread_self()))
		return; /* it checks w_interrupted before it waits */
	while (!atomic_load(&w->w_returned)) {
		pthread_kill(w->w_thread, AFS_LK_SIGNAL);
		nanosleep(&ms, NULL);
	}
}

/* libfuse's INTERRUPT of a waiting request; it holds the request's lock,
 * which wait_thread() takes before it frees @data. */
static void wait_interrupt(fuse_req_t req, void *data)
{
	(void)req;
	wait_kick(data);
}

static void *wait_thread(void *arg)
{
	struct afs_lkwait *w = arg, **pp;
	struct afs_fs *fs = w->w_fs;
	sigset_t set;
	int err;

	w->w_thread = pthread_self();
	pthread_mutex_lock(&fs->f_lk_lock);
	w->w_next = fs->f_lk_waiters;
	fs->f_lk_waiters = w;
	atomic_store(&w->w_started, true);
	if (fs->f_lk_over)
		atomic_store(&w->w_interrupted, true);
	pthread_mutex_unlock(&fs->f_lk_lock);
	sigemptyset(&set);
	sigaddset(&set, AFS_LK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	fuse_req_interrupt_func(w->w_req, wait_interrupt, w);
	for (;;) {
		if (atomic_load(&w->w_interrupted)) {
			err = EINTR;
			break;
		}
		if (w->w_flock)
			err = flock_backing(w->w_fs, w->w_own->o_fd, w->w_op, true);
		else
			err = fcntl(w->w_own->o_fd, F_OFD_SETLKW, &w->w_fl) ? errno : 0;
		if (err != EINTR)
			break;
	}
	atomic_store(&w->w_returned, true);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* After this, wait_interrupt() is neither running nor called. */
	fuse_req_interrupt_func(w->w_req, NULL, NULL);
	afs_reply_err(w->w_req, lock_err(err, w->w_flock));
	own_put(w->w_inode, w->w_own);

	pthread_mutex_lock(&fs->f_lk_lock);
	for (pp = &fs->f_lk_waiters; *pp != w; pp = &(*pp)->w_next)
		;
	*pp = w->w_next;
	fs->f_lk_nwait--;
	pthread_cond_broadcast(&fs->f_lk_done);
	pthread_mutex_unlock(&fs->f_lk_lock);
	free(w);
	return NULL;
}

/* Wait for the lock in a thread of its own, which answers @req; it keeps
 * the hold on @o.  Return: 0, or -ENOLCK (then the caller answers). */
static int wait_start(struct afs_fs *fs, fuse_req_t req, struct afs_inode *inode,
		      struct afs_lkown *o, bool is_flock, int op, const struct flock *fl)
{
	struct afs_lkwait *w;
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int err;

	pthread_once(&lk_signal_once, lk_signal_init);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOLCK;
	w->w_req = req;
	w->w_fs = fs;
	w->w_inode = inode;
	w->w_own = o;
	w->w_flock = is_flock;
	w->w_op = op;
	if (fl)
		w->w_fl = *fl;
	pthread_mutex_lock(&fs->f_lk_lock);
	fs->f_lk_nwait++;
	pthread_mutex_unlock(&fs->f_lk_lock);
	err = pthread_attr_init(&attr);
	if (!err) {
		/* Signals are the control thread's: the thread starts with
		 * all blocked, and unblocks AFS_LK_SIGNAL only. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		err = pthread_create(&t, &attr, wait_thread, w);
		pthread_attr_destroy(&attr);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!err)
		return 0;
	pthread_mutex_lock(&fs->f_lk_lock);
	fs->f_lk_nwait--;
	pthread_cond_broadcast(&fs->f_lk_done);
	pthread_mutex_unlock(&fs->f_lk_lock);
	free(w);
	log_warn("cannot start a thread to wait for a lock: %s", strerror(err));
	return -ENOLCK;
}

void afs_locks_end(struct afs_fs *fs)
{
	struct afs_lkwait *w;

	pthread_mutex_lock(&fs->f_lk_lock);
	fs->f_lk_over = true;
	while (fs->f_lk_nwait) {
		for (w = fs->f_lk_waiters; w; w = w->w_next)
			if (!atomic_load(&w->w_returned))
				wait_kick(w);
		pthread_cond_wait(&fs->f_lk_done, &fs->f_lk_lock);
	}
	pthread_mutex_unlock(&fs->f_lk_lock);
}

/* --- The operations ------------------------------------------------------ */

void afs_op_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	struct afs_lkown *o = NULL;
	struct flock bl, pl;
	int err, fd;

	err = own_get(fs, inode, fi->lock_owner, false, &o);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	/* An owner without a descriptor holds no lock: the file's shared
	 * descriptor, which holds none, sees every other one. */
	fd = o ? o->o_fd : (int)fi->fh;
	range_to_backing(lock, &bl);
	err = fcntl(fd, F_OFD_GETLK, &bl) ? -errno : 0;
	if (o)
		own_put(inode, o);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	range_to_plain(&bl, &pl);
	fuse_reply_lock(req, &pl);
}

void afs_op_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		  int sleep)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	struct afs_lkown *o = NULL;
	struct flock bl;
	int err;

	if (lock->l_type != F_RDLCK && lock->l_type != F_WRLCK && lock->l_type != F_UNLCK) {
		afs_reply_err(req, EINVAL);
		return;
	}
	err = own_get(fs, inode, fi->lock_owner, lock->l_type != F_UNLCK, &o);
	if (err || !o) { /* nothing to unlock without one */
		afs_reply_err(req, err);
		return;
	}
	range_to_backing(lock, &bl);
	err = fcntl(o->o_fd, F_OFD_SETLK, &bl) ? errno : 0;
	if ((err == EAGAIN || err == EACCES) && sleep) {
		err = -wait_start(fs, req, inode, o, false, 0, &bl);
		if (!err)
			return;
	}
	own_put(inode, o);
	afs_reply_err(req, lock_err(err, false));
}

void afs_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	struct afs_lkown *o = NULL;
	int err, how = op & (LOCK_SH | LOCK_EX | LOCK_UN);

	if (how != LOCK_SH && how != LOCK_EX && how != LOCK_UN) {
		afs_reply_err(req, EINVAL);
		return;
	}
	err = own_get(fs, inode, fi->lock_owner, how != LOCK_UN, &o);
	if (err || !o) {
		afs_reply_err(req, err);
		return;
	}
	err = flock_backing(fs, o->o_fd, how, false);
	if ((err == EWOULDBLOCK || err == EAGAIN || err == EACCES) && !(op & LOCK_NB)) {
		err = -wait_start(fs, req, inode, o, true, how, NULL);
		if (!err)
			return;
	}
	own_put(inode, o);
	afs_reply_err(req, lock_err(err, true));
}
