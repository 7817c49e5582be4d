// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cipher.c - the cipher, MAC and hash entry points: argument checks that
 * both backends share, then one call into the backend.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdint.h>

#include "secmem.h"

/* Decryption always reads a tag from @in, even of an empty message. */
static bool gcm_req_ok(const struct ac_gcm_req *r, bool encrypt)
{
	return r->nonce && (r->aad || !r->aadlen) && (r->in || (encrypt && !r->len)) &&
	       (r->out || (!encrypt && !r->len)) && r->len <= SIZE_MAX - AC_GCM_TAG_LEN;
}

/* A batch's slices are about this many bytes: 16 blocks of 4 KiB. */
#define SLICE_BYTES (64 * 1024)

struct gcm_job {
	struct ac_key *key;
	bool encrypt;
	struct ac_gcm_req *reqs;
};

static void gcm_slice(void *arg, size_t begin, size_t end)
{
	struct gcm_job *job = arg;

	/* Each request gets its result; the batch's return is found later. */
	job->key->k_ctx->c_be->gcm(job->key->k_priv, job->encrypt, job->reqs + begin, end - begin);
}

/* Share a large batch with idle helper threads (workers.c).  Return: true
 * when it was done that way, every reqs[i].result set. */
static bool gcm_parallel(struct ac_key *key, bool encrypt, struct ac_gcm_req *reqs, size_t n,
			 size_t bytes)
{
	struct ac_ctx *ctx = key->k_ctx;
	struct gcm_job job = { .key = key, .encrypt = encrypt, .reqs = reqs };
	size_t slice;

	if (!ctx->c_be->parallel_batches || ctx->c_opts.batch_threads == 1 || n < 2 ||
	    bytes < ctx->c_opts.batch_min_bytes)
		return false;
	slice = SLICE_BYTES / (bytes / n ? bytes / n : 1);
	return ac_workers_run(ctx, n, slice ? slice : 1, gcm_slice, &job);
}

static int gcm_batch(struct ac_key *key, bool encrypt, struct ac_gcm_req *reqs, size_t n)
{
	size_t i, bytes = 0;

	if (key->k_alg != AC_ALG_GCM)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gcm_req_ok(&reqs[i], encrypt))
			return -EINVAL;
		bytes += reqs[i].len < SIZE_MAX - bytes ? reqs[i].len : SIZE_MAX - bytes;
	}
	if (!n)
		return 0;
	if (!gcm_parallel(key, encrypt, reqs, n, bytes))
		return key->k_ctx->c_be->gcm(key->k_priv, encrypt, reqs, n);
	for (i = 0; i < n; i++)
		if (reqs[i].result)
			return reqs[i].result;
	return 0;
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

static int ecb(struct ac_key *key, bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
	int err;

	if (key->k_alg != AC_ALG_ECB || !in || !out || !len || len % AC_AES_BLOCK_LEN)
		return -EINVAL;
	err = key->k_ctx->c_be->ecb(key->k_priv, encrypt, in, len, out);
	if (err)
		ac_wipe(out, len);
	return err;
}

int ac_ecb_encrypt(struct ac_key *key, const uint8_t *in, size_t len, uint8_t *out)
{
	return ecb(key, true, in, len, out);
}

int ac_ecb_decrypt(struct ac_key *key, const uint8_t *in, size_t len, uint8_t *out)
{
	return ecb(key, false, in, len, out);
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
