// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * header.c - the file header, format version 1 (docs/FORMAT.md, "File
 * header"): be16 version || file_id, 18 bytes at the start of every
 * non-empty ciphertext file.
 *
 * The file ID is 16 random bytes drawn when the file gets its first byte.
 * It names the file's content key (HKDF info = label || file_id) and goes
 * into every block's AAD, so that a block cannot move to another file.  An
 * empty file has no header: truncating to 0 removes it, and the next write
 * draws a new ID.
 */
#include "format.h"

#include <errno.h>
#include <string.h>

void afs_header_encode(uint8_t out[AFS_HEADER_LEN], const uint8_t id[AFS_FILE_ID_LEN])
{
	out[0] = (uint8_t)(AFS_HEADER_VERSION >> 8);
	out[1] = (uint8_t)AFS_HEADER_VERSION;
	memcpy(out + 2, id, AFS_FILE_ID_LEN);
}

int afs_header_new(uint8_t out[AFS_HEADER_LEN], uint8_t id[AFS_FILE_ID_LEN])
{
	int err;

	err = ac_random_public(id, AFS_FILE_ID_LEN);
	if (err)
		return err;
	afs_header_encode(out, id);
	return 0;
}

int afs_header_decode(const uint8_t *buf, size_t len, uint8_t id[AFS_FILE_ID_LEN])
{
	unsigned int version;

	if (len < AFS_HEADER_LEN)
		return -EUCLEAN;
	version = (unsigned int)buf[0] << 8 | buf[1];
	if (version != AFS_HEADER_VERSION)
		return -EPROTONOSUPPORT;
	memcpy(id, buf + 2, AFS_FILE_ID_LEN);
	return 0;
}
