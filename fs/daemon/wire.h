/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.h - a look at a raw FUSE request (wire.c). */
#ifndef ALGFS_WIRE_H
#define ALGFS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct afs_wire {
	/* The kernel's ID of the request: IDs grow in the order requests are
	 * queued, which is the order they are taken from the queue (order.c);
	 * 0 for a request that has no place in the queue. */
	uint64_t unique;
	bool write; /* a WRITE: then */
	uint64_t nodeid;
	uint64_t off;
};

/* Look at the request @msg (@len bytes, as read from /dev/fuse).
 * Return: 0, or -1 when it is too short to be one. */
int afs_wire_peek(const void *msg, size_t len, struct afs_wire *w);

#endif
