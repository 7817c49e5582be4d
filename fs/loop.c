// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop.c - the daemon's request loop: a fixed set of threads that take
 * turns reading /dev/fuse, each then serving what it read.
 *
 * libfuse's own multi-threaded loop lets its threads read at once.  But
 * reading a request is work too: the kernel copies a 1 MiB write into the
 * reader's buffer, a one-page write in a fraction of that time.  With the
 * writeback cache, a file's dirty pages are queued in order, and the last
 * page of an append, read by a second thread, could then reach the daemon
 * before the megabyte below it.  Were the disk full when that megabyte
 * went down, the file would keep zeros that no program wrote (ops_file.c
 * makes a write past the end wait only for lower writes it knows of).  So
 * here a write is entered as in flight before the next request is read,
 * in the order the kernel queued them.  Reading in turn costs a lock
 * handed from thread to thread; the requests are served in parallel as
 * before.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_i.h"
#include "log.h"
#include "wire.h"

/* As many as libfuse's loop starts at most (its max_threads). */
#define AFS_LOOP_THREADS 10

struct loop {
	struct afs_fs *fs;
	struct fuse_session *se;
	pthread_mutex_t turn; /* the right to read /dev/fuse */
	int err; /* the first error reading it, under turn */
};

static void *loop_thread(void *arg)
{
	struct loop *l = arg;
	struct fuse_buf buf = { 0 };
	uint64_t nodeid, off;
	int n;

	for (;;) {
		pthread_mutex_lock(&l->turn);
		if (fuse_session_exited(l->se)) {
			pthread_mutex_unlock(&l->turn);
			break;
		}
		/* 0: unmounted, or the session was ended; -EINTR: a request
		 * was interrupted before it was read. */
		n = fuse_session_receive_buf(l->se, &buf);
		if (n > 0 && !(buf.flags & FUSE_BUF_IS_FD) &&
		    afs_wire_write(buf.mem, (size_t)n, &nodeid, &off))
			afs_write_received(l->fs, (fuse_ino_t)nodeid, off);
		if (n < 0 && n != -EINTR && n != -EAGAIN) {
			if (!l->err)
				l->err = n;
			fuse_session_exit(l->se);
		}
		pthread_mutex_unlock(&l->turn);
		if (n > 0) {
			fuse_session_process_buf(l->se, &buf);
			afs_write_unclaimed(l->fs);
		}
	}
	free(buf.mem);
	afs_content_thread_exit();
	return NULL;
}

int afs_session_loop(struct afs_fs *fs, struct fuse_session *se)
{
	struct loop l = { .fs = fs, .se = se, .turn = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[AFS_LOOP_THREADS];
	sigset_t all, old;
	int i, n = 0, err = 0;

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
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&l.turn);
	return l.err;
}
