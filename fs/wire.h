/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.h - a peek at a raw FUSE request (wire.c). */
#ifndef ALGFS_WIRE_H
#define ALGFS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether the request @msg (@len bytes, as read from /dev/fuse) is a WRITE;
 * if so, its node ID and file offset. */
bool afs_wire_write(const void *msg, size_t len, uint64_t *nodeid, uint64_t *off);

#endif
