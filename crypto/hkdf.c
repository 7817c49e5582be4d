// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hkdf.c - HKDF-SHA256 Expand (RFC 5869 section 2.3), on top of the API's
 * HMAC, so it is the same code for both backends.
 *
 * Extract is not used: the PRK is the master key itself, 32 uniformly random
 * bytes, which RFC 5869 section 3.3 allows, and on the kernel backend a key
 * that stays in the keyring can key an HMAC but not be its message.
 */
#include "crypto.h"

#include <errno.h>
#include <string.h>

#include "secmem.h"

int ac_hkdf_expand(struct ac_key *prk, const uint8_t *info, size_t infolen, uint8_t *okm,
		   size_t okmlen)
{
	uint8_t t[AC_SHA256_LEN];
	size_t done = 0, tlen = 0;
	uint8_t counter = 0;
	int err = 0;

	if (okmlen == 0 || okmlen > AC_HKDF_MAX_LEN)
		return -EINVAL;

	/* T(i) = HMAC(PRK, T(i-1) || info || i), OKM = T(1) || T(2) || ... */
	while (done < okmlen) {
		struct iovec iov[3] = {
			{ .iov_base = t, .iov_len = tlen },
			{ .iov_base = (void *)info, .iov_len = infolen },
			{ .iov_base = &counter, .iov_len = 1 },
		};
		size_t n = okmlen - done < AC_SHA256_LEN ? okmlen - done : AC_SHA256_LEN;

		counter++;
		err = ac_hmac_sha256(prk, iov, 3, t);
		if (err)
			break;
		memcpy(okm + done, t, n);
		done += n;
		tlen = AC_SHA256_LEN;
	}
	ac_wipe(t, sizeof(t));
	if (err)
		ac_wipe(okm, okmlen);
	return err;
}
