// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wire.c - what the daemon reads from a FUSE request before libfuse does:
 * its place in the kernel's queue, and whether it is a WRITE, to which
 * node and where (loop.c).  Apart from the rest of fs/ because
 * <linux/fuse.h> and libfuse's headers define some of the same names.
 */
#include <linux/fuse.h>
#include <stddef.h>
#include <string.h>

#include "wire.h"

int afs_wire_peek(const void *msg, size_t len, struct afs_wire *w)
{
	struct fuse_in_header in;
	struct fuse_write_in wr;

	if (len < sizeof(in))
		return -1;
	memcpy(&in, msg, sizeof(in));
	/* An INTERRUPT carries the number of the request it interrupts
	 * (made odd), a NOTIFY_REPLY the daemon's own: neither is a place
	 * in the queue. */
	w->unique = in.opcode == FUSE_INTERRUPT || in.opcode == FUSE_NOTIFY_REPLY ? 0 : in.unique;
	w->write = false;
	/* The offset is where it is in every protocol version's write_in. */
	if (in.opcode != FUSE_WRITE || len < sizeof(in) + offsetof(struct fuse_write_in, size))
		return 0;
	memcpy(&wr, (const char *)msg + sizeof(in), offsetof(struct fuse_write_in, size));
	w->write = true;
	w->nodeid = in.nodeid;
	w->off = wr.offset;
	return 0;
}
