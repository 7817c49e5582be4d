// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wire.c - the one thing the daemon reads from a FUSE request before
 * libfuse does: whether it is a WRITE, to which node and where (loop.c).
 * Apart from the rest of fs/ because <linux/fuse.h> and libfuse's headers
 * define some of the same names.
 */
#include <linux/fuse.h>
#include <stddef.h>
#include <string.h>

#include "wire.h"

bool afs_wire_write(const void *msg, size_t len, uint64_t *nodeid, uint64_t *off)
{
	struct fuse_in_header in;
	struct fuse_write_in w;

	/* The offset is where it is in every protocol version's write_in. */
	if (len < sizeof(in) + offsetof(struct fuse_write_in, size))
		return false;
	memcpy(&in, msg, sizeof(in));
	if (in.opcode != FUSE_WRITE)
		return false;
	memcpy(&w, (const char *)msg + sizeof(in), offsetof(struct fuse_write_in, size));
	*nodeid = in.nodeid;
	*off = w.offset;
	return true;
}
