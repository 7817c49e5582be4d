// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * order.c - which of the kernel's requests the daemon's loop has read
 * (loop.c), so that a write can wait until every request queued before it
 * was read (ops_file.c).
 *
 * The kernel numbers each request as it queues it (the header's unique),
 * under the same lock as it appends the request to its queue, and hands
 * the queue out from the head: the numbers grow in the order the requests
 * are queued and taken.  They grow by a step: 2 (FUSE_REQ_ID_STEP in
 * Linux 6.1; a mount on 6.18 numbers INIT 2, then 4, 6, ...).  An
 * INTERRUPT carries the odd number of the request it interrupts, and a
 * FORGET takes its number when it is read.  But a request is taken from
 * the queue before the kernel copies it into the reader's buffer, and the
 * copy of a 1 MiB write takes longer than another thread needs to take,
 * read and serve a one-page write queued after it.  So a number read by
 * one thread says that every lower number has been taken, not that it has
 * been read.
 *
 * Here is a mark below which every number was read, and a bitmap of the
 * numbers read above it, AFS_ORDER_SPAN numbers wide.  Each request read
 * costs one uncontended lock; no one is woken unless someone waits.  The
 * step is learnt as the smallest difference between a number and the
 * highest read before it (the mark starts again there each time it is
 * smaller, which happens only in a mount's first requests); odd numbers
 * are left out (interrupts).  A number that comes AFS_ORDER_SPAN or more
 * above the mark gives up on the oldest missing ones: some 1024 requests
 * were taken after them.
 *
 * A number can be missing for good: the kernel drops a queued request
 * whose caller is killed before it is read (never a write of the writeback
 * cache), and one that does not fit the reader's buffer.  So a wait ends
 * AFS_ORDER_GIVEUP_MS after the lowest missing number was first waited
 * for, giving up on every number below the waiter's: one wait per lost
 * number, shared by every waiter, never one per later write.  100 ms is
 * about a thousand times what the kernel takes to copy 1 MiB here (the
 * waits seen with four writers took 0.3 to 3 ms), and longer than a
 * thread preempted in that copy waits for a CPU on a loaded machine or in
 * an emulated guest; yet a lost request costs one write a tenth of a
 * second, once.  A write that gives up on a request still being read falls
 * back on what ops_file.c does for a write that went down early.
 *
 * The wait cannot deadlock, even with every thread of the loop waiting: a
 * write waits only for numbers below its own, and each of them was taken
 * from the kernel's queue before its own was (a FORGET's when it was
 * numbered): it is being copied by a thread inside read(), which returns
 * without the help of any other thread, or it is lost, and the wait gives
 * up on it.  None of it waits for a thread to be free.  A write then waits
 * for the lower writes of its file in flight (ops_file.c), which were read
 * and so are served; they wait only for writes lower still.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "order.h"

int afs_order_init(struct afs_order *o)
{
	pthread_condattr_t ca;
	int err;

	memset(o, 0, sizeof(*o));
	err = pthread_condattr_init(&ca);
	if (err)
		return -err;
	err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&o->o_up, &ca);
	pthread_condattr_destroy(&ca);
	if (err)
		return -err;
	pthread_mutex_init(&o->o_lock, NULL);
	return 0;
}

void afs_order_destroy(struct afs_order *o)
{
	pthread_mutex_destroy(&o->o_lock);
	pthread_cond_destroy(&o->o_up);
}

static bool is_read(const struct afs_order *o, uint64_t n)
{
	n &= AFS_ORDER_SPAN - 1;
	return o->o_read[n / 64] >> (n % 64) & 1;
}

static void set_read(struct afs_order *o, uint64_t n, bool read)
{
	uint64_t bit;

	n &= AFS_ORDER_SPAN - 1;
	bit = (uint64_t)1 << (n % 64);
	if (read)
		o->o_read[n / 64] |= bit;
	else
		o->o_read[n / 64] &= ~bit;
}

/* Move the mark over the numbers read just above it. */
static void climb(struct afs_order *o)
{
	while (is_read(o, o->o_mark + o->o_step)) {
		o->o_mark += o->o_step;
		set_read(o, o->o_mark, false);
	}
}

/* Give up on the numbers up to @to that were not read, and climb. */
static void give_up_to(struct afs_order *o, uint64_t to)
{
	uint64_t read = 0;
	size_t i;

	if (to - o->o_mark >= AFS_ORDER_SPAN) {
		/* Every number remembered is below @to. */
		for (i = 0; i < AFS_ORDER_SPAN / 64; i++)
			read += (uint64_t)__builtin_popcountll(o->o_read[i]);
		o->o_gave_up += (to - o->o_mark) / o->o_step - read;
		memset(o->o_read, 0, sizeof(o->o_read));
		o->o_mark = to;
	} else {
		while (o->o_mark < to) {
			o->o_mark += o->o_step;
			if (!is_read(o, o->o_mark))
				o->o_gave_up++;
			set_read(o, o->o_mark, false);
		}
	}
	climb(o);
}

void afs_order_read(struct afs_order *o, uint64_t unique)
{
	uint64_t mark;

	if (!unique || (unique & 1))
		return;
	pthread_mutex_lock(&o->o_lock);
	mark = o->o_mark;
	if (!o->o_top) {
		o->o_mark = o->o_top = unique;
	} else if (unique > o->o_top && (!o->o_step || unique - o->o_top < o->o_step)) {
		/* A smaller step: what was counted with the larger one is
		 * given up on (only the first requests of a mount). */
		o->o_step = unique - o->o_top;
		o->o_mark = o->o_top = unique;
		memset(o->o_read, 0, sizeof(o->o_read));
	} else if (o->o_step && unique > o->o_mark && (unique - o->o_mark) % o->o_step == 0) {
		if (unique > o->o_top)
			o->o_top = unique;
		if (unique - o->o_mark >= AFS_ORDER_SPAN)
			give_up_to(o, unique - (AFS_ORDER_SPAN - 1) / o->o_step * o->o_step);
		set_read(o, unique, true);
		climb(o);
	}
	if (o->o_mark != mark && o->o_waiters)
		pthread_cond_broadcast(&o->o_up);
	pthread_mutex_unlock(&o->o_lock);
}

/* Under o_lock. */
static bool before_read(const struct afs_order *o, uint64_t unique)
{
	return !unique || (unique & 1) || !o->o_step || unique <= o->o_mark + o->o_step;
}

bool afs_order_before_read(struct afs_order *o, uint64_t unique)
{
	bool done;

	pthread_mutex_lock(&o->o_lock);
	done = before_read(o, unique);
	pthread_mutex_unlock(&o->o_lock);
	return done;
}

void afs_order_wait(struct afs_order *o, uint64_t unique)
{
	uint64_t lost;

	pthread_mutex_lock(&o->o_lock);
	o->o_waiters++;
	while (!before_read(o, unique)) {
		if (o->o_hole != o->o_mark + o->o_step) {
			/* A number not waited for yet: its own time. */
			o->o_hole = o->o_mark + o->o_step;
			clock_gettime(CLOCK_MONOTONIC, &o->o_giveup);
			o->o_giveup.tv_nsec += AFS_ORDER_GIVEUP_MS * 1000000L;
			if (o->o_giveup.tv_nsec >= 1000000000L) {
				o->o_giveup.tv_sec++;
				o->o_giveup.tv_nsec -= 1000000000L;
			}
		}
		if (pthread_cond_timedwait(&o->o_up, &o->o_lock, &o->o_giveup) != ETIMEDOUT ||
		    before_read(o, unique) || o->o_hole != o->o_mark + o->o_step)
			continue;
		lost = o->o_gave_up;
		give_up_to(o, unique - o->o_step);
		log_dbg("gave up waiting for %llu request(s) numbered from %llu, before %llu",
			(unsigned long long)(o->o_gave_up - lost), (unsigned long long)o->o_hole,
			(unsigned long long)unique);
		pthread_cond_broadcast(&o->o_up);
	}
	o->o_waiters--;
	pthread_mutex_unlock(&o->o_lock);
}
