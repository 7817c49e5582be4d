/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - what makes algfs a well-behaved daemon, apart from the
 * filesystem: reporting readiness to the parent that mount(8) waits for,
 * detaching, syslog, the open-file limit, refusing a second mount, and a
 * control thread that turns signals and idleness into a clean unmount.
 *
 * Shutdown always goes through the kernel: the control thread unmounts,
 * the kernel writes back every dirty page through the still-running session
 * loop, and the loop ends when the kernel closes the connection.  Ending
 * the loop first would drop what the writeback cache still holds.
 */
#ifndef ALGFS_DAEMON_H
#define ALGFS_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "fuse_fs.h" /* struct fuse_session, fuse_session_exit() */

/* Fork; the parent waits for the child's td_ready() or exit and exits with
 * that status.  Only the child returns. */
void td_fork_and_wait(void);
/* Mounted: in daemon mode, leave the terminal and release the parent. */
void td_ready(void);
/* Log to syslog (ident "algfs", each message prefixed "@volume: "), and to
 * standard error as well until td_ready(). */
void td_log_to_syslog(const char *volume);

/* Raise the soft open-file limit to the hard one (the directory LRU is
 * sized from it); warn when it is low. */
void td_raise_fd_limit(void);


/* Parse "90", "90s", "15m", "2h", "1d" (also fractions: "0.5s") into
 * seconds; -EINVAL on anything else. */
int td_parse_duration(const char *arg, double *secs);

/* Unmount @mountpoint (absolute): as root with umount2(), otherwise with
 * fusermount3; @lazy detaches a busy mount.  0 or -errno. */
int td_unmount(const char *mountpoint, bool lazy);

struct td_control {
	struct fuse_session *se;
	const char *mountpoint; /* absolute */
	atomic_bool *active; /* set by requests, cleared here */
	double idle; /* seconds without requests before unmounting; 0: never */
	pthread_t thread;
	atomic_bool stop;
	/* This thread unmounted or detached the mount: the session's end,
	 * however the kernel reports it, is the one asked for. */
	atomic_bool unmounted;
	bool started;
};

/*
 * Block SIGINT, SIGTERM and SIGHUP in the caller (and so in the session
 * loop's threads, created later) and start the thread that waits for them:
 * on one it unmounts (lazily if the mount is busy); with @c->idle it also
 * unmounts after that long without a request once nothing is in use.
 * 0 or -errno.
 */
int td_control_start(struct td_control *c);
/* After the session loop has ended: stop and join the thread. */
void td_control_stop(struct td_control *c);

#endif /* ALGFS_DAEMON_H */
