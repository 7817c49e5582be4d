// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * random.c - random bytes from the kernel (getrandom(2)).
 *
 * Nonces, file IDs, salts and master keys all come from here, never from
 * anything an attacker who controls the ciphertext directory could choose.
 */
#include "crypto.h"

#include <errno.h>
#include <sys/random.h>

int ac_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
