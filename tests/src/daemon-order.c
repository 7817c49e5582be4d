// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon-order - unit tests of the record of the requests the daemon's
 * loop has read (fs/order.c), which a write past the end waits on.
 *
 *   daemon-order
 *
 * The numbers are fed as the kernel hands them out: from INIT's 2 up in
 * steps of 2, read out of order, with some never read.  Checks: the mark
 * climbs over what was read, and only that; odd numbers, 0 and late ones
 * change nothing; the step is learnt, also after a missing number; a wait
 * ends when the missing number is read, or gives up on it after
 * AFS_ORDER_GIVEUP_MS (never sooner); several missing numbers below one
 * write cost one wait, and a later write waits no more for them; two
 * writers waiting for one missing number share its time; a number far
 * above the mark gives up on the oldest.  Last, threads that take numbers
 * as the kernel's queue hands them out, "copy" them for a random time, and
 * wait for the ones below: no thread waits forever though all of them may
 * wait at once, and none goes on before every number below its own was
 * read.  One line per check on standard output; details of a failure go
 * to standard error.
 *
 * Exit status: 0 every check passed, 1 a wrong answer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "order.h"
#include "testutil.h"

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	if (!ok)
		test_failures++;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static struct afs_order o;

static void fresh(void)
{
	afs_order_destroy(&o);
	if (afs_order_init(&o)) {
		fprintf(stderr, "daemon-order: afs_order_init failed\n");
		exit(EXIT_WRONG);
	}
}

/* Wait for @unique; the milliseconds it took. */
static double timed_wait(uint64_t unique)
{
	double t0 = now_ms();

	afs_order_wait(&o, unique);
	return now_ms() - t0;
}

static void *read_later(void *arg)
{
	sleep_ms(30);
	afs_order_read(&o, (uint64_t)(uintptr_t)arg);
	return NULL;
}

struct waiter {
	uint64_t unique;
	unsigned int delay_ms;
	double took_ms;
};

static void *wait_later(void *arg)
{
	struct waiter *w = arg;

	sleep_ms(w->delay_ms);
	w->took_ms = timed_wait(w->unique);
	return NULL;
}

static void basics(void)
{
	char what[128];
	uint64_t m;

	fresh();
	check(afs_order_before_read(&o, 100), "nothing read: no write waits");
	afs_order_read(&o, 2);
	check(o.o_mark == 2 && !o.o_step, "INIT's 2 starts the mark");
	check(afs_order_before_read(&o, 100), "the step not known: no write waits");
	afs_order_read(&o, 4);
	check(o.o_step == 2 && o.o_mark == 4, "4 after 2: the step is 2");
	afs_order_read(&o, 8);
	check(o.o_mark == 4, "8 before 6: the mark stays at 4");
	check(!afs_order_before_read(&o, 8), "8 waits for 6");
	check(afs_order_before_read(&o, 6), "6 waits for nothing");
	afs_order_read(&o, 6);
	check(o.o_mark == 8, "6 read: the mark climbs to 8");
	afs_order_read(&o, 0);
	afs_order_read(&o, 11);
	afs_order_read(&o, 3);
	afs_order_read(&o, 8);
	check(o.o_mark == 8 && o.o_top == 8 && o.o_step == 2, "0, odd and late numbers: nothing");
	check(afs_order_before_read(&o, 0) && afs_order_before_read(&o, 13),
	      "numbers 0 and odd never wait");
	check(timed_wait(10) < AFS_ORDER_GIVEUP_MS, "a wait with nothing missing returns");

	/* A hole right after INIT teaches a step of 4 first. */
	fresh();
	afs_order_read(&o, 2);
	afs_order_read(&o, 6);
	check(o.o_step == 4, "6 after 2: a step of 4 for now");
	afs_order_read(&o, 8);
	check(o.o_step == 2 && o.o_mark == 8, "then 8: the step is 2, the mark starts at 8");
	afs_order_read(&o, 12);
	check(!afs_order_before_read(&o, 12), "12 waits for 10");
	afs_order_read(&o, 10);
	check(o.o_mark == 12, "10 read: the mark climbs to 12");

	/* The window: a number more than AFS_ORDER_SPAN above the mark. */
	afs_order_read(&o, 16);
	m = 14 + AFS_ORDER_SPAN;
	afs_order_read(&o, m);
	snprintf(what, sizeof(what), "%llu read with 14 missing: the mark passes 14 and 16",
		 (unsigned long long)m);
	check(o.o_mark == 16 && o.o_gave_up == 1 && !afs_order_before_read(&o, m), what);
	afs_order_read(&o, m + 1000000000);
	check(o.o_mark == m + 1000000000 - (AFS_ORDER_SPAN - 2) && o.o_gave_up == 1 + 500000000 - 1,
	      "a number far above: the oldest missing ones are given up on");
}

static void waits(void)
{
	struct waiter a = { .unique = 42, .delay_ms = 0 }, b = { .unique = 44, .delay_ms = 50 };
	pthread_t t, tb;
	double ms;

	fresh();
	afs_order_read(&o, 2);
	afs_order_read(&o, 4);
	afs_order_read(&o, 8);
	pthread_create(&t, NULL, read_later, (void *)(uintptr_t)6);
	ms = timed_wait(8);
	pthread_join(t, NULL);
	check(ms >= 20 && o.o_gave_up == 0 && o.o_mark == 8,
	      "a wait for 6 ends when 6 is read, and gives up nothing");

	afs_order_read(&o, 12);
	ms = timed_wait(12);
	if (ms < AFS_ORDER_GIVEUP_MS)
		fprintf(stderr, "gave up on 10 after %.1f ms\n", ms);
	check(ms >= AFS_ORDER_GIVEUP_MS && o.o_gave_up == 1 && o.o_mark == 12,
	      "10 never read: the wait gives up on it after AFS_ORDER_GIVEUP_MS, not sooner");
	afs_order_read(&o, 10);
	check(o.o_mark == 12, "10 read late: nothing changes");

	afs_order_read(&o, 20);
	ms = timed_wait(20);
	check(ms >= AFS_ORDER_GIVEUP_MS && ms < 2 * AFS_ORDER_GIVEUP_MS && o.o_gave_up == 4,
	      "14, 16 and 18 never read: one wait gives up on all three");
	afs_order_read(&o, 22);
	check(timed_wait(22) < AFS_ORDER_GIVEUP_MS, "a later write waits no more for them");

	/* Two waiters for the missing 26: the second shares the first's time. */
	afs_order_read(&o, 24);
	afs_order_read(&o, 42);
	afs_order_read(&o, 44);
	for (uint64_t n = 28; n < 42; n += 2)
		afs_order_read(&o, n);
	pthread_create(&t, NULL, wait_later, &a);
	pthread_create(&tb, NULL, wait_later, &b);
	pthread_join(t, NULL);
	pthread_join(tb, NULL);
	if (b.took_ms >= AFS_ORDER_GIVEUP_MS)
		fprintf(stderr, "the second waiter took %.1f ms\n", b.took_ms);
	check(a.took_ms >= AFS_ORDER_GIVEUP_MS && b.took_ms < AFS_ORDER_GIVEUP_MS &&
		      o.o_gave_up == 5 && o.o_mark == 44,
	      "two writers wait for 26: one time, from the first wait");
}

/* The kernel's queue, and readers that take from it. */
#define STRESS_THREADS 10
#define STRESS_NUMBERS 20000

static atomic_uint_fast64_t queue_next;
static atomic_bool seen[STRESS_NUMBERS + 1];
static atomic_int waiting, most_waiting, went_early;

static void *reader(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	uint64_t u, n;
	int w, m;

	for (;;) {
		u = atomic_fetch_add(&queue_next, 2); /* taken from the queue */
		if (u > STRESS_NUMBERS)
			return NULL;
		if (rand_r(&seed) % 8 == 0) /* a long copy */
			usleep((unsigned int)(rand_r(&seed) % 2000));
		atomic_store(&seen[u], true);
		afs_order_read(&o, u);
		if (rand_r(&seed) % 3)
			continue;
		/* A write past the end. */
		w = atomic_fetch_add(&waiting, 1) + 1;
		m = atomic_load(&most_waiting);
		while (w > m && !atomic_compare_exchange_weak(&most_waiting, &m, w))
			;
		afs_order_wait(&o, u);
		atomic_fetch_sub(&waiting, 1);
		for (n = 4; n < u; n += 2)
			if (!atomic_load(&seen[n]))
				atomic_fetch_add(&went_early, 1);
	}
}

static void stress(void)
{
	pthread_t t[STRESS_THREADS];
	char what[160];
	int i;

	fresh();
	afs_order_read(&o, 2);
	atomic_store(&seen[2], true);
	atomic_store(&queue_next, 4);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, reader, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	if (o.o_gave_up || atomic_load(&went_early))
		fprintf(stderr, "gave up on %llu, %d went on early, at most %d waiting\n",
			(unsigned long long)o.o_gave_up, atomic_load(&went_early),
			atomic_load(&most_waiting));
	snprintf(what, sizeof(what),
		 "%d threads read %d numbers out of order, a third of them waiting: all end, "
		 "none goes on early",
		 STRESS_THREADS, STRESS_NUMBERS / 2 - 1);
	/* A give-up is allowed only for a copy slower than the bound. */
	check(o.o_mark == STRESS_NUMBERS && (o.o_gave_up || !atomic_load(&went_early)), what);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: daemon-order\n");
		return EXIT_USAGE;
	}
	if (afs_order_init(&o)) {
		fprintf(stderr, "daemon-order: afs_order_init failed\n");
		return EXIT_WRONG;
	}
	basics();
	waits();
	stress();
	afs_order_destroy(&o);
	return test_failures ? EXIT_WRONG : 0;
}
