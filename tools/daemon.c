// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon.c - algfs's life as a daemon; see daemon.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "exitcodes.h"
#include "log.h"
#include "process.h"

extern char **environ;

/* Daemon mode: the child's end of the pipe the parent waits on. */
static int ready_fd = -1;

void td_fork_and_wait(void)
{
	bool forwarded = false;
	int pfd[2], status;
	uint8_t rc;
	pid_t pid;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC)) {
		log_err("pipe: %s", strerror(errno));
		exit(EXIT_ERROR);
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		exit(EXIT_ERROR);
	}
	if (pid == 0) {
		close(pfd[0]);
		ready_fd = pfd[1];
		return;
	}
	close(pfd[1]);
	/* A signal for us (a TERM from systemd or timeout(1) reaches only
	 * the process it started) is the child's too: it may be waiting for
	 * an extpass command, or hashing, and must stop as if it had it. */
	do {
		n = read(pfd[0], &rc, 1);
		if (n < 0 && errno == EINTR && tu_interrupted() && !forwarded) {
			kill(pid, tu_interrupted());
			forwarded = true;
		}
	} while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(rc);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	/* It died of the signal we passed on: so do we, as it said why. */
	if (forwarded && WTERMSIG(status) == tu_interrupted())
		tu_die_of_signal();
	log_err("the daemon died of signal %d before mounting", WTERMSIG(status));
	_exit(EXIT_ERROR);
}

static const char *log_volume;
static atomic_bool log_stderr_too;

static void syslog_sink(int level, const char *msg)
{
	syslog(level, "%s: %s", log_volume, msg);
	/* The terminal hears of problems only, as from any mount. */
	if (level <= LOG_WARNING && atomic_load_explicit(&log_stderr_too, memory_order_relaxed))
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);
}

void td_log_to_syslog(const char *volume)
{
	log_volume = volume;
	atomic_store(&log_stderr_too, true);
	openlog("algfs", LOG_PID, LOG_DAEMON);
	ac_log_set_sink(syslog_sink);
}

void td_ready(void)
{
	uint8_t ok = EXIT_OK;
	int fd;

	if (ready_fd < 0)
		return;
	atomic_store(&log_stderr_too, false);
	setsid();
	if (chdir("/"))
		log_warn("chdir /: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (write(ready_fd, &ok, 1) != 1)
		log_warn("cannot tell the parent that the mount is ready: %s", strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

void td_raise_fd_limit(void)
{
	struct rlimit rl;

	/* Up to the hard limit only: the daemon's descriptors are bounded
	 * (directories through an LRU sized from this limit, fs/daemon/inode.c), so
	 * a lower hard limit set on purpose is respected. */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024)
		log_warn("open-file limit %llu: directories are opened again more often, and "
			 "fewer files can be open at once (raise the hard limit)",
			 (unsigned long long)rl.rlim_cur);
}

int td_parse_duration(const char *arg, double *secs)
{
	static const struct {
		char unit;
		double secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	double v;
	char *end;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end == '\0') {
		*secs = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (end[0] == units[i].unit && end[1] == '\0') {
			*secs = v * units[i].secs;
			return 0;
		}
	}
	return -EINVAL;
}

int td_unmount(const char *mountpoint, bool lazy)
{
	char *argv[7] = { "fusermount3", "-u", "-q" }, **a = argv + 3;
	int status, err;
	pid_t pid;

	if (geteuid() == 0)
		return umount2(mountpoint, UMOUNT_NOFOLLOW | (lazy ? MNT_DETACH : 0)) ? -errno : 0;
	/* fusermount3 is setuid root and checks that the mount is ours. */
	if (lazy)
		*a++ = "-z";
	*a++ = "--";
	*a = (char *)mountpoint;
	err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (err)
		return -err;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* It does not say why; busy is by far the likeliest. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EBUSY;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void control_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1); /* td_control_stop() */
}

/* SIGTERM and friends: unmount, so that the kernel flushes through us. */
static void shut_down(struct td_control *c, int sig)
{
	int err;

	log_notice("SIG%s: unmounting %s", sigabbrev_np(sig), c->mountpoint);
	err = td_unmount(c->mountpoint, false);
	if (err == -EBUSY) {
		err = td_unmount(c->mountpoint, true);
		if (!err)
			log_notice("%s is in use: detached it; algfs exits when the last file "
				   "on it is closed",
				   c->mountpoint);
	}
	if (!err)
		atomic_store(&c->unmounted, true);
	if (err) {
		/* Not mounted there any more (someone detached it), or not
		 * allowed: end the loop at its next request. */
		log_err("cannot unmount %s: %s; the session ends at its next request",
			c->mountpoint, strerror(-err));
		fuse_session_exit(c->se);
	}
}

static void *control_main(void *arg)
{
	struct td_control *c = arg;
	struct timespec period, *timeout = NULL;
	double last_active = now(), wait;
	bool unmounted = false, busy_said = false;
	sigset_t set;

	control_signals(&set);
	if (c->idle > 0) {
		/* Check ten times per idle period, at least every minute. */
		wait = c->idle / 10;
		wait = wait < 0.1 ? 0.1 : wait > 60 ? 60 : wait;
		period.tv_sec = (time_t)wait;
		period.tv_nsec = (long)((wait - (double)period.tv_sec) * 1e9);
		timeout = &period;
	}
	for (;;) {
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, timeout);

		if (atomic_load(&c->stop))
			break;
		if (sig == SIGUSR1)
			continue;
		if (sig > 0) {
			shut_down(c, sig);
			continue;
		}
		if (errno != EAGAIN || unmounted)
			continue;
		if (atomic_exchange_explicit(c->active, false, memory_order_relaxed)) {
			last_active = now();
			continue;
		}
		if (now() - last_active < c->idle)
			continue;
		/* Not lazy: a file open or a process inside keeps it mounted. */
		if (td_unmount(c->mountpoint, false) == 0) {
			atomic_store(&c->unmounted, true);
			log_notice("no request for %g s: unmounted %s", c->idle, c->mountpoint);
			unmounted = true;
		} else if (!busy_said) {
			log_info("idle, but %s is in use: it stays mounted until nothing is open "
				 "there",
				 c->mountpoint);
			busy_said = true;
		}
	}
	return NULL;
}

int td_control_start(struct td_control *c)
{
	sigset_t set;
	int err;

	control_signals(&set);
	err = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!err)
		err = pthread_create(&c->thread, NULL, control_main, c);
	c->started = !err;
	return -err;
}

void td_control_stop(struct td_control *c)
{
	if (!c->started)
		return;
	atomic_store(&c->stop, true);
	pthread_kill(c->thread, SIGUSR1);
	pthread_join(c->thread, NULL);
	c->started = false;
}
