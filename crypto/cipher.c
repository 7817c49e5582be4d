// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cipher.c - the cipher, MAC and hash entry points: argument checks that
 * both backends share, then one call into the backend.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdint.h>

/* Decryption always reads a tag from @in, even of an empty message. */
static bool gcm_req_ok(const struct ac_gcm_req *r, bool encrypt)
{
	return r->nonce && (r->aad || !r->aadlen) && (r->in || (encrypt && !r->len)) &&
	       (r->out || (!encrypt && !r->len)) && r->len <= SIZE_MAX - AC_GCM_TAG_LEN;
}

static int gcm_batch(struct ac_key *key, bool encrypt, struct ac_gcm_req *reqs, size_t n)
{
	size_t i;

	if (key->k_alg != AC_ALG_GCM)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!gcm_req_ok(&reqs[i], encrypt))
			return -EINVAL;
	if (!n)
		return 0;
	return key->k_ctx->c_be->gcm(key->k_priv, encrypt, reqs, n);
}

int ac_gcm_encrypt_batch(struct ac_key *key, struct ac_gcm_req *reqs, size_t n)
{
	return gcm_batch(key, true, reqs, n);
}

int ac_gcm_decrypt_batch(struct ac_key *key, struct ac_gcm_req *reqs, size_t n)
{
	return gcm_batch(key, false, reqs, n);
}

static int gcm_one(struct ac_key *key, bool encrypt, const uint8_t *nonce, const uint8_t *aad,
		   size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	struct ac_gcm_req req = {
		.nonce = nonce,
		.aad = aad,
		.aadlen = aadlen,
		.in = in,
		.out = out,
		.len = len,
	};

	return gcm_batch(key, encrypt, &req, 1);
}

int ac_gcm_encrypt(struct ac_key *key, const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
		   const uint8_t *in, size_t len, uint8_t *out)
{
	return gcm_one(key, true, nonce, aad, aadlen, in, len, out);
}

int ac_gcm_decrypt(struct ac_key *key, const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
		   const uint8_t *in, size_t len, uint8_t *out)
{
	return gcm_one(key, false, nonce, aad, aadlen, in, len, out);
}

static int cts(struct ac_key *key, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len,
	       uint8_t *out)
{
	if (key->k_alg != AC_ALG_CTS || !iv || !in || !out || len < AC_CTS_MIN_LEN)
		return -EINVAL;
	return key->k_ctx->c_be->cts(key->k_priv, encrypt, iv, in, len, out);
}

int ac_cts_encrypt(struct ac_key *key, const uint8_t *iv, const uint8_t *in, size_t len,
		   uint8_t *out)
{
	return cts(key, true, iv, in, len, out);
}

int ac_cts_decrypt(struct ac_key *key, const uint8_t *iv, const uint8_t *in, size_t len,
		   uint8_t *out)
{
	return cts(key, false, iv, in, len, out);
}

int ac_hmac_sha256(struct ac_key *key, const struct iovec *iov, int iovcnt, uint8_t *mac)
{
	if (key->k_alg != AC_ALG_HMAC || iovcnt < 0 || (iovcnt && !iov) || !mac)
		return -EINVAL;
	return key->k_ctx->c_be->hmac(key->k_priv, iov, iovcnt, mac);
}

int ac_sha256(struct ac_ctx *ctx, const void *data, size_t len, uint8_t *digest)
{
	if ((!data && len) || !digest)
		return -EINVAL;
	return ctx->c_be->sha256(ctx, data, len, digest);
}
