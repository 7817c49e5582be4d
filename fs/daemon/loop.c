// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop.c - the daemon's request loop: a fixed set of threads, each reading
 * a request from /dev/fuse and serving it, as libfuse's multi-threaded
 * loop does.  It is the daemon's own for what it learns before libfuse
 * dispatches a request (wire.c): the kernel's number for it, that is its
 * place in the kernel's queue, and whether it is a write.  With the
 * writeback cache, a write is entered as in flight at once, and then the
 * number is recorded as read (ops_file.c, order.c): a write past the end
 * waits until every request queued before it was read, and so until every
 * lower write of the file is known to be in flight.  The threads read at
 * once, each without waiting for the others: only such a write ever waits,
 * and only for threads that are inside read() already (order.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_i.h"
#include "log.h"
#include "wire.h"

struct loop {
	struct afs_fs *fs;
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t ended; /* a thread left the loop */
	bool over; /* under lock, as: */
	int err; /* the first error reading /dev/fuse */
};

static void loop_over(struct loop *l, int err)
{
	fuse_session_exit(l->se);
	pthread_mutex_lock(&l->lock);
	if (err < 0 && !l->err)
		l->err = err;
	l->over = true;
	pthread_cond_signal(&l->ended);
	pthread_mutex_unlock(&l->lock);
}

static void free_buf(void *buf)
{
	free(((struct fuse_buf *)buf)->mem);
}

/* Read requests and serve them until the loop is over. */
static void serve(struct loop *l, struct fuse_buf *buf)
{
	struct afs_wire w;
	int n = 0;

	while (!fuse_session_exited(l->se)) {
		/* 0: unmounted, or the session was ended; -EINTR: a request
		 * was interrupted before it was read. */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		n = fuse_session_receive_buf(l->se, buf);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n <= 0)
			break;
		if ((buf->flags & FUSE_BUF_IS_FD) || afs_wire_peek(buf->mem, (size_t)n, &w))
			w = (struct afs_wire){ 0 };
		afs_request_received(l->fs, w.unique, w.write ? (fuse_ino_t)w.nodeid : 0, w.off);
		fuse_session_process_buf(l->se, buf);
		afs_request_served(l->fs);
	}
	loop_over(l, n);
}

static void *loop_thread(void *arg)
{
	struct fuse_buf buf = { 0 };

	/* When the loop is over, the threads still waiting for a request are
	 * cancelled there, and only there. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_cleanup_push(free_buf, &buf);
	serve(arg, &buf);
	pthread_cleanup_pop(1);
	afs_content_thread_exit();
	return NULL;
}

int afs_session_loop(struct afs_fs *fs, struct fuse_session *se)
{
	struct loop l = {
		.fs = fs,
		.se = se,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.ended = PTHREAD_COND_INITIALIZER,
	};
	pthread_t t[AFS_LOOP_THREADS];
	sigset_t all, old;
	int i, n = 0, err = 0;

	fs->f_se = se;
	/* Signals are the control thread's (daemon.c). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < AFS_LOOP_THREADS; i++) {
		err = pthread_create(&t[i], NULL, loop_thread, &l);
		if (err)
			break;
		n++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n == 0) {
		log_err("cannot start a thread to serve requests: %s", strerror(err));
		return -err;
	}
	if (err)
		log_warn("serving requests with %d threads, not %d: %s", n, AFS_LOOP_THREADS,
			 strerror(err));
	/* Unmounted, or ended (daemon.c): the first thread to see it ends
	 * the loop; the others may wait for a request that never comes. */
	pthread_mutex_lock(&l.lock);
	while (!l.over)
		pthread_cond_wait(&l.ended, &l.lock);
	pthread_mutex_unlock(&l.lock);
	for (i = 0; i < n; i++)
		pthread_cancel(t[i]);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_cond_destroy(&l.ended);
	pthread_mutex_destroy(&l.lock);
	return l.err;
}
