// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * random.c - random bytes from the kernel (getrandom(2)).
 *
 * Nonces, file IDs, salts and master keys all come from here, never from
 * anything an attacker who controls the ciphertext directory could choose.
 */
#include "crypto.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* Public random values are drawn from a buffer of each thread's, filled
 * by one getrandom() for dozens of draws (a file ID and a write's nonce
 * cost a system call each otherwise).  Larger draws go to the kernel. */
#define PUBLIC_BUF 512
#define PUBLIC_MAX 64

static __thread uint8_t pub_buf[PUBLIC_BUF];
static __thread size_t pub_left;

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

int ac_random_public(void *buf, size_t len)
{
	int err;

	if (len > PUBLIC_MAX)
		return ac_random(buf, len);
	if (pub_left < len) {
		err = ac_random(pub_buf, sizeof(pub_buf));
		if (err)
			return err;
		pub_left = sizeof(pub_buf);
	}
	/* Taken from the end, and wiped, so no value is handed out twice. */
	pub_left -= len;
	memcpy(buf, pub_buf + pub_left, len);
	memset(pub_buf + pub_left, 0, len);
	return 0;
}
