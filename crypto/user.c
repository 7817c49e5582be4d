// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * user.c - the user-space backend: OpenSSL 3 libcrypto through EVP.
 *
 * It must give the same bytes as the kernel's AF_ALG transforms:
 *
 *   gcm(aes)        AES-GCM (NIST SP 800-38D), 12-byte nonce, 16-byte tag
 *                   appended to the ciphertext
 *   cts(cbc(aes))   AES-CBC with ciphertext stealing in the CS3 ordering
 *                   (NIST SP 800-38A addendum; RFC 3962 section 5): the last
 *                   two blocks are always swapped, also when the length is a
 *                   multiple of 16; exactly one block is plain CBC.  OpenSSL's
 *                   default is CS1, so CS3 is asked for on every init.
 *   ecb(aes)        AES on each 16-byte block, padding off (EME's passes)
 *   hmac(sha256)    HMAC-SHA256 (RFC 2104, FIPS 180-4)
 *
 * What is cached where:
 *   - The EVP_CIPHER, EVP_MAC and EVP_MD objects are fetched once, in
 *     user_init(), and hung on ac_ctx.c_priv (struct user_ctx): a fetch is a
 *     locked lookup in the provider store, too slow to do per operation.
 *     Each GCM, CTS or ECB key holds its own reference to its cipher.
 *   - A GCM, CTS or ECB key keeps its bytes in ac_secure_alloc() memory, and a
 *     small pool of keyed EVP_CIPHER_CTXs (struct ctx_pool): an operation
 *     takes one, sets only the nonce or IV, and gives it back, so that a
 *     block or a name costs neither an allocation nor a key expansion.  The
 *     pool is filled on demand, one context per thread that used the key at
 *     once, at most POOL_SLOTS; a context taken while the pool is empty and
 *     given back while it is full is freed.  GCM contexts serve both
 *     directions (GCM only ever runs AES forwards, and the init that sets the
 *     nonce also sets the direction); CTS and ECB keys have one pool per
 *     direction, since AES decryption uses another key schedule.
 *   - An HMAC key is a keyed EVP_MAC_CTX template, never used directly: its
 *     pool holds EVP_MAC_CTX_dup()s of it, which copy the precomputed inner
 *     and outer hash states instead of hashing the key again, and are reset
 *     for the next use by EVP_MAC_init() without a key.  The key's bytes live
 *     only inside OpenSSL's contexts (which OpenSSL cleanses when it frees
 *     them).
 *   - A context whose OpenSSL call failed is freed, never pooled.
 *
 * Threads: a key (struct user_key) and the user_ctx are written only while
 * they are created and freed; afterwards many threads read them at once.
 * A pooled context belongs to one thread from take to give: the pool's
 * slots are atomic pointers, taken with an exchange and given back with a
 * compare-and-swap, so no lock is needed.  Fetched EVP objects are reference
 * counted atomically by OpenSSL and may be shared between threads.
 *
 * Copies that OpenSSL makes inside its own contexts (key schedules, HMAC
 * pad states) are on OpenSSL's heap, not in locked memory; OpenSSL cleanses
 * them when the context is freed, which for pooled contexts is when the key
 * is freed.
 */
#include "crypto_i.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "log.h"
#include "secmem.h"

/* AES-128, -192 and -256, indexed by (key length - 16) / 8. */
#define AES_SIZES 3
/* The longest key a keyring key may hold for us (the HMAC limit). */
#define USER_KEY_MAX 128
/* EVP takes int lengths: longer inputs are fed in pieces of this size. */
#define EVP_CHUNK (1 << 30)

struct user_ctx {
	EVP_CIPHER *uc_gcm[AES_SIZES];
	EVP_CIPHER *uc_cts[AES_SIZES];
	EVP_CIPHER *uc_ecb[AES_SIZES];
	EVP_MAC *uc_hmac;
	EVP_MD *uc_sha256;
};

/* Keyed contexts kept per key and kind: enough for the threads that use one
 * key at once (a FUSE request per thread), few enough to stay small. */
#define POOL_SLOTS 8

struct ctx_pool {
	_Atomic(void *) cp_slot[POOL_SLOTS];
};

struct user_key {
	enum ac_alg uk_alg;
	EVP_CIPHER *uk_cipher; /* GCM, CTS, ECB: a reference of our own */
	uint8_t *uk_bytes; /* GCM, CTS, ECB: the key, in ac_secure_alloc() memory */
	size_t uk_len;
	EVP_MAC_CTX *uk_mac; /* HMAC: the keyed template, only ever duplicated */
	/* GCM: [0] for both directions; CTS, ECB: [0] decrypt, [1] encrypt;
	 * HMAC: [0]. */
	struct ctx_pool uk_pool[2];
};

static const char *const gcm_names[AES_SIZES] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" };
static const char *const cts_names[AES_SIZES] = { "AES-128-CBC-CTS", "AES-192-CBC-CTS",
						  "AES-256-CBC-CTS" };
static const char *const ecb_names[AES_SIZES] = { "AES-128-ECB", "AES-192-ECB", "AES-256-ECB" };

/* OSSL_PARAM wants non-const strings; OpenSSL only reads them. */
static char cts_mode_cs3[] = OSSL_CIPHER_CTS_MODE_CS3;
static char digest_sha256[] = "SHA256";

/*
 * Log an OpenSSL failure of @what with OpenSSL's reason and empty this
 * thread's error queue, so that a later failure reports its own reason.
 * Return: -ENOMEM for an allocation failure, else -EIO.
 */
static int ossl_err(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256] = "no detail from OpenSSL";
	int err = -EIO;

	if (e) {
		ERR_error_string_n(e, reason, sizeof(reason));
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			err = -ENOMEM;
	}
	ERR_clear_error();
	log_err("user crypto backend: %s failed: %s", what, reason);
	return err;
}

static int aes_index(size_t len)
{
	switch (len) {
	case 16:
		return 0;
	case 24:
		return 1;
	case 32:
		return 2;
	}
	return -1;
}

static bool key_len_ok(enum ac_alg alg, size_t len)
{
	switch (alg) {
	case AC_ALG_GCM:
	case AC_ALG_CTS:
	case AC_ALG_ECB:
		return aes_index(len) >= 0;
	case AC_ALG_HMAC:
		return len >= 1 && len <= USER_KEY_MAX;
	}
	return false;
}

static const char *alg_name(enum ac_alg alg)
{
	switch (alg) {
	case AC_ALG_GCM:
		return "AES-GCM";
	case AC_ALG_CTS:
		return "AES-CBC-CTS";
	case AC_ALG_HMAC:
		return "HMAC-SHA256";
	case AC_ALG_ECB:
		return "AES-ECB";
	}
	return "?";
}

static const char *alg_lengths(enum ac_alg alg)
{
	return alg == AC_ALG_HMAC ? "1 to 128 bytes" : "16, 24 or 32 bytes";
}

static void user_ctx_free(struct user_ctx *uc)
{
	int i;

	if (!uc)
		return;
	for (i = 0; i < AES_SIZES; i++) {
		EVP_CIPHER_free(uc->uc_gcm[i]);
		EVP_CIPHER_free(uc->uc_cts[i]);
		EVP_CIPHER_free(uc->uc_ecb[i]);
	}
	EVP_MAC_free(uc->uc_hmac);
	EVP_MD_free(uc->uc_sha256);
	free(uc);
}

static int user_init(struct ac_ctx *ctx, char *why, size_t whylen)
{
	struct user_ctx *uc;
	const char *missing;
	unsigned long e;
	char reason[256] = "no detail from OpenSSL";
	int i;

	uc = calloc(1, sizeof(*uc));
	if (!uc) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < AES_SIZES; i++) {
		missing = gcm_names[i];
		uc->uc_gcm[i] = EVP_CIPHER_fetch(NULL, missing, NULL);
		if (!uc->uc_gcm[i])
			goto err_fetch;
		missing = cts_names[i];
		uc->uc_cts[i] = EVP_CIPHER_fetch(NULL, missing, NULL);
		if (!uc->uc_cts[i])
			goto err_fetch;
		missing = ecb_names[i];
		uc->uc_ecb[i] = EVP_CIPHER_fetch(NULL, missing, NULL);
		if (!uc->uc_ecb[i])
			goto err_fetch;
	}
	missing = "HMAC";
	uc->uc_hmac = EVP_MAC_fetch(NULL, missing, NULL);
	if (!uc->uc_hmac)
		goto err_fetch;
	missing = "SHA256";
	uc->uc_sha256 = EVP_MD_fetch(NULL, missing, NULL);
	if (!uc->uc_sha256)
		goto err_fetch;
	ctx->c_priv = uc;
	return 0;

err_fetch:
	e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(why, whylen, "%s has no %s: %s", OpenSSL_version(OPENSSL_VERSION), missing,
		 reason);
	user_ctx_free(uc);
	return -ENOENT;
}

static void user_fini(struct ac_ctx *ctx)
{
	user_ctx_free(ctx->c_priv);
	ctx->c_priv = NULL;
}

static unsigned int user_caps(const struct ac_ctx *ctx)
{
	(void)ctx;
	return 0; /* keys are in this process, and OpenSSL does the work */
}

/* A pooled context, or NULL when the pool is empty. */
static void *pool_take(struct ctx_pool *pool)
{
	int i;

	for (i = 0; i < POOL_SLOTS; i++) {
		void *c;

		if (!atomic_load_explicit(&pool->cp_slot[i], memory_order_relaxed))
			continue;
		c = atomic_exchange_explicit(&pool->cp_slot[i], NULL, memory_order_acquire);
		if (c)
			return c;
	}
	return NULL;
}

/* Return: true if @c went back into the pool, false if the pool is full. */
static bool pool_give(struct ctx_pool *pool, void *c)
{
	int i;

	for (i = 0; i < POOL_SLOTS; i++) {
		void *expected = NULL;

		if (atomic_compare_exchange_strong_explicit(&pool->cp_slot[i], &expected, c,
							    memory_order_release,
							    memory_order_relaxed))
			return true;
	}
	return false;
}

static void cipher_give(struct ctx_pool *pool, EVP_CIPHER_CTX *c)
{
	if (c && !pool_give(pool, c))
		EVP_CIPHER_CTX_free(c);
}

static void user_key_free(void *priv)
{
	struct user_key *uk = priv;
	void *c;
	int i;

	if (!uk)
		return;
	for (i = 0; i < 2; i++) {
		while ((c = pool_take(&uk->uk_pool[i]))) {
			if (uk->uk_alg == AC_ALG_HMAC)
				EVP_MAC_CTX_free(c);
			else
				EVP_CIPHER_CTX_free(c);
		}
	}
	EVP_MAC_CTX_free(uk->uk_mac);
	EVP_CIPHER_free(uk->uk_cipher);
	ac_secure_free(uk->uk_bytes);
	free(uk);
}

static int cipher_key_set(struct user_ctx *uc, struct user_key *uk, const uint8_t *bytes,
			  size_t len)
{
	EVP_CIPHER *const *ciphers = uc->uc_gcm;
	EVP_CIPHER *cipher;

	if (uk->uk_alg == AC_ALG_CTS)
		ciphers = uc->uc_cts;
	else if (uk->uk_alg == AC_ALG_ECB)
		ciphers = uc->uc_ecb;
	cipher = ciphers[aes_index(len)];

	if (!EVP_CIPHER_up_ref(cipher))
		return ossl_err("taking a cipher reference");
	uk->uk_cipher = cipher;
	uk->uk_bytes = ac_secure_alloc(len);
	if (!uk->uk_bytes)
		return -errno;
	memcpy(uk->uk_bytes, bytes, len);
	uk->uk_len = len;
	return 0;
}

static int hmac_key_set(struct user_ctx *uc, struct user_key *uk, const uint8_t *bytes, size_t len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_sha256, 0),
		OSSL_PARAM_construct_end(),
	};

	uk->uk_mac = EVP_MAC_CTX_new(uc->uc_hmac);
	if (!uk->uk_mac)
		return -ENOMEM;
	if (!EVP_MAC_init(uk->uk_mac, bytes, len, params))
		return ossl_err("HMAC-SHA256 key setup");
	return 0;
}

static int user_key_new(struct ac_ctx *ctx, enum ac_alg alg, const uint8_t *bytes, size_t len,
			void **privp)
{
	struct user_ctx *uc = ctx->c_priv;
	struct user_key *uk;
	int err = -EINVAL;

	*privp = NULL;
	if (!bytes || !key_len_ok(alg, len))
		return -EINVAL;
	uk = calloc(1, sizeof(*uk));
	if (!uk)
		return -ENOMEM;
	uk->uk_alg = alg;
	switch (alg) {
	case AC_ALG_GCM:
	case AC_ALG_CTS:
	case AC_ALG_ECB:
		err = cipher_key_set(uc, uk, bytes, len);
		break;
	case AC_ALG_HMAC:
		err = hmac_key_set(uc, uk, bytes, len);
		break;
	}
	if (err) {
		user_key_free(uk);
		return err;
	}
	*privp = uk;
	return 0;
}

/*
 * A keyring key's bytes must be read into this process, which works for a
 * "user" key only: a "logon" key's payload cannot be read from user space
 * at all, by design.
 */
static int user_key_from_serial(struct ac_ctx *ctx, enum ac_alg alg, int32_t serial, void **privp)
{
	enum ac_keytype type;
	char desc[256];
	uint8_t *buf;
	int n, err;

	*privp = NULL;
	err = ac_keyring_describe(serial, &type, desc, sizeof(desc));
	if (err) {
		/* The caller reports the error; this says where it came from. */
		log_dbg("user crypto backend: cannot describe key %d: %s", (int)serial,
			strerror(-err));
		return err;
	}
	switch (type) {
	case AC_KEYTYPE_LOGON:
		log_err("key %d ('%s') is a \"logon\" key, which the user crypto backend cannot "
			"use: its payload cannot be read from user space. Add the key as a "
			"\"user\" key instead, or use the kernel crypto backend (AF_ALG)",
			(int)serial, desc);
		return -ENOPROTOOPT;
	case AC_KEYTYPE_OTHER:
		log_err("key %d ('%s') is neither a \"user\" nor a \"logon\" key: the user "
			"crypto backend can only use \"user\" keys",
			(int)serial, desc);
		return -EINVAL;
	case AC_KEYTYPE_USER:
		break;
	}

	buf = ac_secure_alloc(USER_KEY_MAX);
	if (!buf)
		return -errno;
	n = ac_keyring_read(serial, buf, USER_KEY_MAX);
	if (n == -EMSGSIZE) {
		log_err("key %d ('%s') is longer than %d bytes: not an %s key (%s)", (int)serial,
			desc, USER_KEY_MAX, alg_name(alg), alg_lengths(alg));
		err = -EINVAL;
		goto out_free;
	}
	if (n < 0) {
		log_dbg("user crypto backend: cannot read key %d ('%s'): %s", (int)serial, desc,
			strerror(-n));
		err = n;
		goto out_free;
	}
	if (!key_len_ok(alg, (size_t)n)) {
		log_err("key %d ('%s') is %d bytes long: not an %s key (%s)", (int)serial, desc, n,
			alg_name(alg), alg_lengths(alg));
		err = -EINVAL;
		goto out_free;
	}
	err = user_key_new(ctx, alg, buf, (size_t)n, privp);
out_free:
	ac_secure_free(buf); /* wipes it */
	return err;
}

/* Feed @len bytes through @c (AAD when @out is NULL).  Return: 1 or 0. */
static int evp_update(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t len)
{
	while (len) {
		int chunk = len > EVP_CHUNK ? EVP_CHUNK : (int)len;
		int outl;

		if (!EVP_CipherUpdate(c, out, &outl, in, chunk))
			return 0;
		if (out) {
			if (outl != chunk)
				return 0;
			out += chunk;
		}
		in += chunk;
		len -= (size_t)chunk;
	}
	return 1;
}

/* Expand the key into @c and fix the nonce length; the nonce comes later. */
static int gcm_key_set(const struct user_key *uk, EVP_CIPHER_CTX *c, bool encrypt)
{
	size_t ivlen = AC_GCM_NONCE_LEN;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
		OSSL_PARAM_construct_end(),
	};

	if (!EVP_CipherInit_ex2(c, uk->uk_cipher, uk->uk_bytes, NULL, encrypt, params))
		return ossl_err("AES-GCM key setup");
	return 0;
}

static int gcm_encrypt_one(EVP_CIPHER_CTX *c, struct ac_gcm_req *r)
{
	uint8_t none[AC_GCM_TAG_LEN];
	int outl;

	/* With no cipher and no key, only the nonce changes: no key expansion. */
	if (!EVP_CipherInit_ex2(c, NULL, NULL, r->nonce, 1, NULL) ||
	    !evp_update(c, NULL, r->aad, r->aadlen) || !evp_update(c, r->out, r->in, r->len) ||
	    !EVP_CipherFinal_ex(c, none, &outl) || outl != 0 ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, AC_GCM_TAG_LEN, r->out + r->len))
		return ossl_err("AES-GCM encryption");
	return 0;
}

static int gcm_decrypt_one(EVP_CIPHER_CTX *c, struct ac_gcm_req *r)
{
	uint8_t tag[AC_GCM_TAG_LEN], none[AC_GCM_TAG_LEN];
	int outl;

	/* Copied first: in place, the plaintext overwrites the ciphertext. */
	memcpy(tag, r->in + r->len, AC_GCM_TAG_LEN);
	if (!EVP_CipherInit_ex2(c, NULL, NULL, r->nonce, 0, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, AC_GCM_TAG_LEN, tag) ||
	    !evp_update(c, NULL, r->aad, r->aadlen) || !evp_update(c, r->out, r->in, r->len))
		return ossl_err("AES-GCM decryption");
	/*
	 * OpenSSL compares the tag in constant time.  A mismatch is not
	 * logged here: the caller knows the file and block and rate-limits.
	 */
	if (EVP_CipherFinal_ex(c, none, &outl) <= 0) {
		ERR_clear_error();
		return -EBADMSG;
	}
	return 0;
}

static bool gcm_req_ok(const struct ac_gcm_req *r, bool encrypt)
{
	/* Decrypt always reads the tag from @in, even when @len is 0. */
	return r->nonce && r->out && (r->aad || !r->aadlen) && (r->in || (encrypt && !r->len));
}

/* One request on @c; *@keyed says whether @c holds the expanded key. */
static int gcm_one(const struct user_key *uk, EVP_CIPHER_CTX *c, bool *keyed, bool encrypt,
		   struct ac_gcm_req *r)
{
	int err;

	if (!gcm_req_ok(r, encrypt))
		return -EINVAL;
	if (!*keyed) {
		err = gcm_key_set(uk, c, encrypt);
		if (err)
			return err;
		*keyed = true;
	}
	err = encrypt ? gcm_encrypt_one(c, r) : gcm_decrypt_one(c, r);
	/* After an OpenSSL failure, key afresh rather than trust its state.
	 * A wrong tag leaves a clean state: the next nonce resets it. */
	if (err && err != -EBADMSG)
		*keyed = false;
	return err;
}

static int user_gcm(void *priv, bool encrypt, struct ac_gcm_req *reqs, size_t n)
{
	struct user_key *uk = priv;
	EVP_CIPHER_CTX *c = NULL;
	bool keyed = false;
	int setup_err = 0, first = 0;
	size_t i;

	/* A pooled context is keyed already: the batch only sets nonces.
	 * Threads working on the same key never share a context. */
	if (uk->uk_alg != AC_ALG_GCM) {
		setup_err = -EINVAL;
	} else {
		c = pool_take(&uk->uk_pool[0]);
		keyed = c != NULL;
		if (!c)
			c = EVP_CIPHER_CTX_new();
		if (!c)
			setup_err = -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct ac_gcm_req *r = &reqs[i];

		r->result = setup_err ? setup_err : gcm_one(uk, c, &keyed, encrypt, r);
		if (!r->result)
			continue;
		/* Unverified or partial plaintext never reaches the caller. */
		if (!encrypt && r->out)
			ac_wipe(r->out, r->len);
		if (!first)
			first = r->result;
	}
	/* A context that failed was unkeyed by gcm_one(): not pooled. */
	if (keyed)
		cipher_give(&uk->uk_pool[0], c);
	else
		EVP_CIPHER_CTX_free(c);
	return first ? first : setup_err;
}

/* A CTS context keyed for @encrypt with @iv set: from the pool, or new. */
static EVP_CIPHER_CTX *cts_take(struct user_key *uk, bool encrypt, const uint8_t *iv)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_CIPHER_PARAM_CTS_MODE, cts_mode_cs3, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_CIPHER_CTX *c = pool_take(&uk->uk_pool[encrypt]);

	/* The CS3 mode stays set in a pooled context: only the IV changes. */
	if (c) {
		if (EVP_CipherInit_ex2(c, NULL, NULL, iv, encrypt, NULL))
			return c;
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	c = EVP_CIPHER_CTX_new();
	if (c && !EVP_CipherInit_ex2(c, uk->uk_cipher, uk->uk_bytes, iv, encrypt, params)) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

static int user_cts(void *priv, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len,
		    uint8_t *out)
{
	struct user_key *uk = priv;
	uint8_t none[2 * AC_CTS_IV_LEN];
	const char *what = encrypt ? "AES-CBC-CTS encryption" : "AES-CBC-CTS decryption";
	EVP_CIPHER_CTX *c;
	int outl;

	/* CTS is one-shot in OpenSSL: the whole input goes in one update. */
	if (uk->uk_alg != AC_ALG_CTS || !iv || !in || !out || len < AC_CTS_MIN_LEN || len > INT_MAX)
		return -EINVAL;
	c = cts_take(uk, encrypt, iv);
	if (!c)
		return ossl_err(what);
	if (!EVP_CipherUpdate(c, out, &outl, in, (int)len) || outl != (int)len ||
	    !EVP_CipherFinal_ex(c, none, &outl) || outl != 0) {
		EVP_CIPHER_CTX_free(c);
		ac_wipe(out, len);
		return ossl_err(what);
	}
	cipher_give(&uk->uk_pool[encrypt], c);
	return 0;
}

/* An ECB context keyed for @encrypt, padding off: from the pool, or new. */
static EVP_CIPHER_CTX *ecb_take(struct user_key *uk, bool encrypt)
{
	EVP_CIPHER_CTX *c = pool_take(&uk->uk_pool[encrypt]);

	if (c) {
		/* A pooled context keeps its key schedule: no key expansion. */
		if (EVP_CipherInit_ex2(c, NULL, NULL, NULL, encrypt, NULL) &&
		    EVP_CIPHER_CTX_set_padding(c, 0))
			return c;
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	c = EVP_CIPHER_CTX_new();
	if (c && (!EVP_CipherInit_ex2(c, uk->uk_cipher, uk->uk_bytes, NULL, encrypt, NULL) ||
		  !EVP_CIPHER_CTX_set_padding(c, 0))) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

static int user_ecb(void *priv, bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
	struct user_key *uk = priv;
	const char *what = encrypt ? "AES-ECB encryption" : "AES-ECB decryption";
	uint8_t none[AC_AES_BLOCK_LEN];
	EVP_CIPHER_CTX *c;
	int outl;

	if (uk->uk_alg != AC_ALG_ECB || !in || !out || !len || len % AC_AES_BLOCK_LEN)
		return -EINVAL;
	c = ecb_take(uk, encrypt);
	if (!c)
		return ossl_err(what);
	/* Padding off: every whole block comes out of the update, none is held. */
	if (!evp_update(c, out, in, len) || !EVP_CipherFinal_ex(c, none, &outl) || outl != 0) {
		EVP_CIPHER_CTX_free(c);
		ac_wipe(out, len);
		return ossl_err(what);
	}
	cipher_give(&uk->uk_pool[encrypt], c);
	return 0;
}

/* An HMAC context ready for its first update: pooled (reset after its last
 * use) or a new copy of the keyed template. */
static EVP_MAC_CTX *hmac_take(struct user_key *uk)
{
	EVP_MAC_CTX *m = pool_take(&uk->uk_pool[0]);

	/* The template is only read here, so threads may dup it at once. */
	if (!m)
		m = EVP_MAC_CTX_dup(uk->uk_mac);
	return m;
}

/* Reset @m for its next use (the same key, no key expansion) and pool it. */
static void hmac_give(struct user_key *uk, EVP_MAC_CTX *m)
{
	if (!EVP_MAC_init(m, NULL, 0, NULL)) {
		ERR_clear_error();
		EVP_MAC_CTX_free(m);
		return;
	}
	if (!pool_give(&uk->uk_pool[0], m))
		EVP_MAC_CTX_free(m);
}

static int user_hmac(void *priv, const struct iovec *iov, int iovcnt, uint8_t *mac)
{
	struct user_key *uk = priv;
	EVP_MAC_CTX *m;
	size_t outl = 0;
	int i, err = 0;

	if (uk->uk_alg != AC_ALG_HMAC || !mac || iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EINVAL;
	m = hmac_take(uk);
	if (!m) {
		ERR_clear_error();
		return -ENOMEM;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len && !EVP_MAC_update(m, iov[i].iov_base, iov[i].iov_len))
			goto err_ossl;
	}
	if (!EVP_MAC_final(m, mac, &outl, AC_SHA256_LEN) || outl != AC_SHA256_LEN)
		goto err_ossl;
	hmac_give(uk, m);
	return 0;

err_ossl:
	err = ossl_err("HMAC-SHA256");
	EVP_MAC_CTX_free(m);
	/* An HMAC may be key material (HKDF): never leave half of one. */
	ac_wipe(mac, AC_SHA256_LEN);
	return err;
}

static int user_sha256(struct ac_ctx *ctx, const void *data, size_t len, uint8_t *digest)
{
	const struct user_ctx *uc = ctx->c_priv;
	unsigned int outl = 0;

	if (!digest || (!data && len))
		return -EINVAL;
	if (!EVP_Digest(data, len, digest, &outl, uc->uc_sha256, NULL) || outl != AC_SHA256_LEN)
		return ossl_err("SHA-256");
	return 0;
}

const struct ac_backend ac_user_backend = {
	.name = "user",
	.init = user_init,
	.fini = user_fini,
	.caps = user_caps,
	.key_new = user_key_new,
	.key_from_serial = user_key_from_serial,
	.key_free = user_key_free,
	.gcm = user_gcm,
	.cts = user_cts,
	.ecb = user_ecb,
	.hmac = user_hmac,
	.sha256 = user_sha256,
	/* .key_stats: no op fds here; the generic layer answers -EOPNOTSUPP. */
	.parallel_batches = true,
};
