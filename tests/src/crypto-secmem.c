// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-secmem - the locked arena that holds key bytes (crypto/secmem.c).
 *
 *   crypto-secmem
 *
 * Allocates 5000 secrets of 32 bytes (three arena chunks of 2048 slots),
 * then checks what crypto/secmem.c promises:
 *
 *   - every secret is zero when handed out, aligned for any type, and does
 *     not overlap another (each is filled with its own pattern, then all are
 *     checked);
 *   - the chunks are left out of core dumps ("dd" in /proc/self/smaps) and
 *     locked ("lo") as far as RLIMIT_MEMLOCK allows; how many were locked is
 *     printed, so the test can run this under a small limit too;
 *   - freeing every secret unmaps all chunks but one spare, and secrets
 *     handed out again are zero (freed slots were wiped);
 *   - sizes up to 256 bytes come from the arena, larger ones from mappings of
 *     their own;
 *   - a child of fork(2) has its inherited chunks locked again;
 *   - freeing a secret twice, or a pointer into one, aborts.
 *
 * Exit status: 0 every check passed, 1 a check failed.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secmem.h"
#include "testutil.h"

#define NSECRETS 5000
#define SECRET_LEN 32

/* The VmFlags of the mapping that holds @p, into @flags.  Return: 0 or -1. */
static int vmflags(const void *p, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		size_t tok = strcspn(line, " ");

		/* A mapping's line starts "lo-hi ", a field's "Name:". */
		if (memchr(line, '-', tok) && !memchr(line, ':', tok) &&
		    sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static bool has_flag(const char *flags, const char *flag)
{
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

static uint8_t pattern(size_t i, size_t j)
{
	return (uint8_t)(i * 131 + j * 7 + 1) | 1; /* never zero */
}

/* Every secret zero, aligned, then filled and checked for overlap. */
static void check_secrets(uint8_t **s, size_t n, const char *what)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!s[i]) {
			wrong(what, "ac_secure_alloc failed");
			return;
		}
		if ((uintptr_t)s[i] % alignof(max_align_t)) {
			wrong(what, "a secret is not aligned for max_align_t");
			return;
		}
		if (!is_zero(s[i], SECRET_LEN)) {
			wrong(what, "a secret was not zero when handed out");
			return;
		}
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < SECRET_LEN; j++)
			s[i][j] = pattern(i, j);
	for (i = 0; i < n; i++)
		for (j = 0; j < SECRET_LEN; j++)
			if (s[i][j] != pattern(i, j)) {
				wrong(what, "two secrets overlap");
				return;
			}
	printf("%s: %d secrets of %d bytes, zero, aligned, distinct\n", what, (int)n, SECRET_LEN);
}

/* How many of the chunks holding @s are locked, and are all left out of dumps? */
static void check_flags(uint8_t **s, size_t n, size_t *locked, bool *dontdump)
{
	char flags[512];
	size_t i;

	*locked = 0;
	*dontdump = true;
	/* One secret per chunk: chunks hold 2048 secrets of 32 bytes. */
	for (i = 0; i < n; i += 2048) {
		if (vmflags(s[i], flags, sizeof(flags))) {
			*dontdump = false;
			continue;
		}
		*locked += has_flag(flags, "lo");
		*dontdump &= has_flag(flags, "dd");
	}
}

static void check_sizes(void)
{
	static const size_t sizes[] = { 1, 31, 32, 33, 64, 100, 128, 200, 256, 257, 4096 };
	struct ac_secure_stats st;
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	size_t i, n = sizeof(sizes) / sizeof(sizes[0]), big = 0;
	bool ok = true;

	for (i = 0; i < n; i++) {
		p[i] = ac_secure_alloc(sizes[i]);
		if (!p[i] || !is_zero(p[i], sizes[i]) || (uintptr_t)p[i] % alignof(max_align_t))
			ok = false;
		else
			memset(p[i], 0xa5, sizes[i]);
	}
	ac_secure_stats(&st);
	big = st.big;
	for (i = 0; i < n; i++)
		ac_secure_free(p[i]);
	ac_secure_stats(&st);
	if (!ok)
		wrong("sizes", "a secret of some size was NULL, not zero or not aligned");
	else if (big != 2 || st.big != 0)
		wrong("sizes", "secrets above 256 bytes are not in mappings of their own");
	else
		printf("sizes 1 to 256 in the arena, 257 and 4096 in mappings of their own\n");
}

static void check_fork(uint8_t *s)
{
	char flags[512];
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		wrong("fork", "fork failed");
		return;
	}
	if (!pid)
		_exit(vmflags(s, flags, sizeof(flags)) || !has_flag(flags, "lo") ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		wrong("fork", "the child's chunk is not locked");
	else
		printf("child of fork: its chunk locked again\n");
}

/* @how in a child: it must die of SIGABRT, not corrupt the arena. */
static void check_abort(const char *what, int how)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		wrong(what, "fork failed");
		return;
	}
	if (!pid) {
		uint8_t *p = ac_secure_alloc(SECRET_LEN);

		ac_harden_process(); /* no core file */
		if (how == 0) {
			ac_secure_free(p);
			ac_secure_free(p);
		} else {
			ac_secure_free(p + 8);
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		wrong(what, "the process did not abort");
	else
		printf("%s: aborts\n", what);
}

int main(void)
{
	static uint8_t *s[NSECRETS];
	struct ac_secure_stats st;
	size_t i, locked;
	bool dontdump, was_locked;
	char flags[512];

	ac_log_set_ident("crypto-secmem");
	for (i = 0; i < NSECRETS; i++)
		s[i] = ac_secure_alloc(SECRET_LEN);
	check_secrets(s, NSECRETS, "first");
	ac_secure_stats(&st);
	check_flags(s, NSECRETS, &locked, &dontdump);
	printf("arena: %zu chunks of %zu KiB, %zu in use, %zu locked by the arena's count, "
	       "%zu by /proc/self/smaps, %s left out of core dumps\n",
	       st.chunks, st.chunk_size / 1024, st.slots_used, st.chunks_locked, locked,
	       dontdump ? "all" : "NOT ALL");
	if (!dontdump || locked != st.chunks_locked)
		test_failures++;

	/* The fork check needs a chunk that was locked in the parent. */
	was_locked = !vmflags(s[0], flags, sizeof(flags)) && has_flag(flags, "lo");
	if (was_locked)
		check_fork(s[0]);
	else
		printf("child of fork: skipped, the first chunk is not locked\n");

	for (i = 0; i < NSECRETS; i++)
		ac_secure_free(s[i]);
	ac_secure_stats(&st);
	printf("after freeing all: %zu in use, %zu chunk kept\n", st.slots_used, st.chunks);
	if (st.slots_used || st.chunks != 1)
		test_failures++;

	for (i = 0; i < NSECRETS; i++)
		s[i] = ac_secure_alloc(SECRET_LEN);
	check_secrets(s, NSECRETS, "again");
	for (i = 0; i < NSECRETS; i++)
		ac_secure_free(s[i]);

	check_sizes();
	check_abort("a secret freed twice", 0);
	check_abort("a pointer into a secret freed", 1);
	return test_failures ? EXIT_WRONG : 0;
}
