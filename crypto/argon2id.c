// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * argon2id.c - Argon2id (RFC 9106), the password hash that turns a keyslot's
 * secret into its key-encryption key, from libargon2.  It is the same code
 * for both backends: the kernel has no Argon2.
 */
#include "crypto.h"

#include <argon2.h>
#include <errno.h>

#include "log.h"

int ac_argon2id(uint32_t t_cost, uint32_t m_cost, uint32_t lanes, const void *secret, size_t len,
		const void *salt, size_t saltlen, uint8_t *out, size_t outlen)
{
	int rc;

	rc = argon2id_hash_raw(t_cost, m_cost, lanes, secret, len, salt, saltlen, out, outlen);
	if (rc == ARGON2_OK)
		return 0;
	log_err("argon2id (time %u, memory %u KiB, lanes %u): %s", t_cost, m_cost, lanes,
		argon2_error_message(rc));
	return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? -ENOMEM : -EINVAL;
}
