/* SPDX-License-Identifier: GPL-2.0-or-later */
/* order.h - which of the kernel's requests the loop has read (order.c). */
#ifndef ALGFS_ORDER_H
#define ALGFS_ORDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Numbers remembered above the mark: 1024 requests, with the kernel's
 * step of 2.  A power of two. */
#define AFS_ORDER_SPAN 2048
/* How long a write waits for a request below it that was never read
 * (order.c says why this long). */
#define AFS_ORDER_GIVEUP_MS 100

struct afs_order {
	pthread_mutex_t o_lock;
	pthread_cond_t o_up; /* o_mark went up; signalled only while o_waiters */
	/* Every request numbered up to o_mark was read, or given up on; 0:
	 * none read yet.  The first number read (INIT's) starts it. */
	uint64_t o_mark;
	uint64_t o_step; /* between two requests' numbers; 0: not known yet */
	uint64_t o_top; /* the highest number read */
	/* The number waited for longest, and when to give up on it. */
	uint64_t o_hole;
	struct timespec o_giveup;
	unsigned int o_waiters;
	uint64_t o_gave_up; /* numbers given up on, for the log and tests */
	/* The numbers read above o_mark: bit n % AFS_ORDER_SPAN. */
	uint64_t o_read[AFS_ORDER_SPAN / 64];
};

int afs_order_init(struct afs_order *o);
void afs_order_destroy(struct afs_order *o);
/* The loop read the request the kernel numbered @unique (0: not known). */
void afs_order_read(struct afs_order *o, uint64_t unique);
/* Whether every request queued before the one numbered @unique was read
 * (true when that cannot be known: @unique 0, or the step not learnt). */
bool afs_order_before_read(struct afs_order *o, uint64_t unique);
/* Wait until afs_order_before_read(@o, @unique), giving up on a number
 * that has not come AFS_ORDER_GIVEUP_MS after it was first waited for. */
void afs_order_wait(struct afs_order *o, uint64_t unique);

#endif
