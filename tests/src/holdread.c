// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * holdread - hold the daemon's thread that read a file's first write from
 * /dev/fuse right after its read() returned, as a thread preempted there
 * would be: the moment in which another thread can read, and serve, a
 * write that the kernel queued after it (test 111).
 *
 *   holdread PID HOLD_MS FILE
 *
 * Traces the system calls of every thread of the process PID.  The first
 * thread whose read() returns a FUSE WRITE at offset 0 is held there for
 * HOLD_MS milliseconds; then "size while held: N" gives the size of FILE
 * (the backing file), the thread goes on and the tracer ends, which lets
 * every thread go.  "tracing" says that every thread is traced.  Only on
 * x86-64.
 *
 * Exit status: 0 done, 1 an error or no such write within 30 s, 77 not
 * possible here (not x86-64, or ptrace not allowed).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUSE_WRITE_OP 16 /* <linux/fuse.h>: FUSE_WRITE */

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Trace every thread of @pid.  Return: 0, or an exit status. */
static int trace_all(pid_t pid)
{
	char dir[64];
	struct dirent *e;
	DIR *d;
	pid_t tid;
	int st, n = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "holdread: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		tid = (pid_t)atoi(e->d_name);
		if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD) ||
		    ptrace(PTRACE_INTERRUPT, tid, 0, 0)) {
			fprintf(stderr, "holdread: ptrace %d: %s\n", (int)tid, strerror(errno));
			closedir(d);
			return errno == EPERM ? 77 : 1;
		}
		if (waitpid(tid, &st, __WALL) != tid || !WIFSTOPPED(st) ||
		    ptrace(PTRACE_SYSCALL, tid, 0, 0)) {
			fprintf(stderr, "holdread: thread %d did not stop\n", (int)tid);
			closedir(d);
			return 1;
		}
		n++;
	}
	closedir(d);
	return n ? 0 : 1;
}

/* Whether @tid, stopped at the return of a system call, has just read a
 * FUSE WRITE at offset 0. */
static bool read_first_write(pid_t tid)
{
#ifdef __x86_64__
	struct __ptrace_syscall_info info;
	struct user_regs_struct regs;
	unsigned char msg[64];
	struct iovec local = { msg, sizeof(msg) }, remote;
	uint32_t opcode;
	uint64_t off;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_EXIT || info.exit.is_error ||
	    info.exit.rval < (int64_t)sizeof(msg) || ptrace(PTRACE_GETREGS, tid, 0, &regs) ||
	    regs.orig_rax != SYS_read)
		return false;
	remote = (struct iovec){ (void *)regs.rsi, sizeof(msg) };
	if (process_vm_readv(tid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(msg))
		return false;
	/* fuse_in_header (40 bytes): len, opcode, ...; fuse_write_in: fh,
	 * offset, ... */
	memcpy(&opcode, msg + 4, sizeof(opcode));
	memcpy(&off, msg + 48, sizeof(off));
	return opcode == FUSE_WRITE_OP && off == 0;
#else
	(void)tid;
	return false;
#endif
}

int main(int argc, char **argv)
{
	double hold_ms, until = 0, give_up;
	struct timespec wait_for;
	struct stat st_file;
	pid_t pid, t, held = 0;
	sigset_t chld;
	int st, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: holdread PID HOLD_MS FILE\n");
		return 64;
	}
#ifndef __x86_64__
	fprintf(stderr, "holdread: only on x86-64\n");
	return 77;
#endif
	pid = (pid_t)atoi(argv[1]);
	hold_ms = atof(argv[2]);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	rc = trace_all(pid);
	if (rc)
		return rc;
	printf("tracing\n");
	fflush(stdout);
	give_up = now_ms() + 30000;
	for (;;) {
		t = waitpid(-1, &st, __WALL | WNOHANG);
		if (t > 0 && WIFSTOPPED(st)) {
			if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
				if (!held && read_first_write(t)) {
					held = t;
					until = now_ms() + hold_ms;
					continue;
				}
				ptrace(PTRACE_SYSCALL, t, 0, 0);
			} else if (st >> 16 == PTRACE_EVENT_STOP || WSTOPSIG(st) == SIGTRAP) {
				ptrace(PTRACE_SYSCALL, t, 0, 0);
			} else {
				ptrace(PTRACE_SYSCALL, t, 0, WSTOPSIG(st));
			}
			continue;
		}
		if (t > 0)
			continue; /* a thread ended */
		if (t < 0) {
			fprintf(stderr, "holdread: the process ended\n");
			return 1;
		}
		if (held && now_ms() >= until) {
			if (stat(argv[3], &st_file)) {
				fprintf(stderr, "holdread: %s: %s\n", argv[3], strerror(errno));
				return 1;
			}
			printf("size while held: %lld\n", (long long)st_file.st_size);
			/* Ending lets every traced thread go. */
			return 0;
		}
		if (!held && now_ms() >= give_up) {
			fprintf(stderr, "holdread: no write at offset 0 within 30 s\n");
			return 1;
		}
		wait_for = (struct timespec){ 0, 2000000 }; /* 2 ms */
		sigtimedwait(&chld, NULL, &wait_for);
	}
}
