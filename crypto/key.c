// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key.c - key handles, their references, and the cache of derived keys.
 *
 * A key handle is one algorithm keyed with one key: on the kernel backend a
 * bound, keyed AF_ALG parent socket with its pool of op fds, on the user
 * backend a copy in locked memory.  Handles are reference counted because
 * the derived-key cache and every open file hold them.
 *
 * The cache maps (PRK, algorithm, HKDF info) to a handle, most recently used
 * first, bounded by ac_options.cache_keys.  A lookup is a walk of a short
 * list under one mutex; the HKDF and the new transform happen outside it.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secmem.h"

/* The longest HKDF info the cache keeps: label plus a 16-byte file ID. */
#define CACHE_INFO_MAX 64

struct ac_cache_entry {
	struct ac_cache_entry *ce_next;
	uint64_t ce_prk_id;
	enum ac_alg ce_alg;
	size_t ce_infolen;
	uint8_t ce_info[CACHE_INFO_MAX];
	struct ac_key *ce_key; /* one reference, the cache's */
};

static int check_key_len(enum ac_alg alg, size_t len)
{
	switch (alg) {
	case AC_ALG_GCM:
	case AC_ALG_CTS:
		return len == 16 || len == 24 || len == 32 ? 0 : -EINVAL;
	case AC_ALG_HMAC:
		return len >= 1 && len <= 128 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static int key_alloc(struct ac_ctx *ctx, enum ac_alg alg, struct ac_key **keyp)
{
	struct ac_key *key = calloc(1, sizeof(*key));

	if (!key)
		return -ENOMEM;
	key->k_ctx = ctx;
	key->k_alg = alg;
	atomic_init(&key->k_ref, 1);
	key->k_id = atomic_fetch_add(&ctx->c_next_key_id, 1);
	*keyp = key;
	return 0;
}

int ac_key_new(struct ac_ctx *ctx, enum ac_alg alg, const uint8_t *bytes, size_t len,
	       struct ac_key **keyp)
{
	struct ac_key *key;
	int err;

	*keyp = NULL;
	err = check_key_len(alg, len);
	if (err)
		return err;
	err = key_alloc(ctx, alg, &key);
	if (err)
		return err;
	err = ctx->c_be->key_new(ctx, alg, bytes, len, &key->k_priv);
	if (err) {
		free(key);
		return err;
	}
	*keyp = key;
	return 0;
}

int ac_key_from_keyring(struct ac_ctx *ctx, enum ac_alg alg, int32_t serial, struct ac_key **keyp)
{
	struct ac_key *key;
	int err;

	*keyp = NULL;
	err = key_alloc(ctx, alg, &key);
	if (err)
		return err;
	err = ctx->c_be->key_from_serial(ctx, alg, serial, &key->k_priv);
	if (err) {
		free(key);
		return err;
	}
	*keyp = key;
	return 0;
}

int ac_key_from_keyring_desc(struct ac_ctx *ctx, enum ac_alg alg, const char *desc,
			     struct ac_key **keyp)
{
	int32_t serial = ac_keyring_search(desc);

	*keyp = NULL;
	if (serial < 0) {
		if (serial == -ENOKEY)
			log_err("no key '%s' in the kernel keyring (searched logon, user, "
				"encrypted "
				"and trusted keys in the thread, process and session keyrings)",
				desc);
		else
			log_err("cannot search the kernel keyring for '%s': %s", desc,
				strerror(-serial));
		return serial;
	}
	return ac_key_from_keyring(ctx, alg, serial, keyp);
}

struct ac_key *ac_key_get(struct ac_key *key)
{
	atomic_fetch_add(&key->k_ref, 1);
	return key;
}

void ac_key_put(struct ac_key *key)
{
	if (!key || atomic_fetch_sub(&key->k_ref, 1) != 1)
		return;
	key->k_ctx->c_be->key_free(key->k_priv);
	free(key);
}

enum ac_alg ac_key_alg(const struct ac_key *key)
{
	return key->k_alg;
}

int ac_key_stats(struct ac_key *key, struct ac_key_stats *st)
{
	const struct ac_backend *be = key->k_ctx->c_be;

	return be->key_stats ? be->key_stats(key->k_priv, st) : -EOPNOTSUPP;
}

/* Find and move to the front; returns a new reference or NULL.  Caller holds
 * c_cache_lock. */
static struct ac_key *cache_lookup(struct ac_ctx *ctx, uint64_t prk_id, enum ac_alg alg,
				   const uint8_t *info, size_t infolen)
{
	struct ac_cache_entry **pp, *e;

	for (pp = &ctx->c_cache; (e = *pp); pp = &e->ce_next) {
		if (e->ce_prk_id != prk_id || e->ce_alg != alg || e->ce_infolen != infolen ||
		    memcmp(e->ce_info, info, infolen) != 0)
			continue;
		*pp = e->ce_next;
		e->ce_next = ctx->c_cache;
		ctx->c_cache = e;
		return ac_key_get(e->ce_key);
	}
	return NULL;
}

/*
 * Insert @key at the front, dropping the least recently used entry when
 * full.  Returns the entry's key to put after unlocking (the evicted one), or
 * NULL.  Caller holds c_cache_lock.
 */
static struct ac_key *cache_insert(struct ac_ctx *ctx, struct ac_cache_entry *ne)
{
	struct ac_cache_entry **pp, *e;
	struct ac_key *evicted = NULL;

	ne->ce_next = ctx->c_cache;
	ctx->c_cache = ne;
	if (++ctx->c_cache_count <= ctx->c_opts.cache_keys)
		return NULL;
	for (pp = &ctx->c_cache; (*pp)->ce_next; pp = &(*pp)->ce_next)
		;
	e = *pp;
	*pp = NULL;
	ctx->c_cache_count--;
	evicted = e->ce_key;
	free(e);
	return evicted;
}

int ac_derive_key(struct ac_key *prk, enum ac_alg alg, const uint8_t *info, size_t infolen,
		  struct ac_key **keyp)
{
	struct ac_ctx *ctx = prk->k_ctx;
	struct ac_cache_entry *ne = NULL;
	struct ac_key *key, *evicted = NULL, *raced;
	uint8_t bytes[AC_KEY_LEN];
	int err;

	*keyp = NULL;
	if (prk->k_alg != AC_ALG_HMAC)
		return -EINVAL;
	if (infolen <= CACHE_INFO_MAX) {
		pthread_mutex_lock(&ctx->c_cache_lock);
		key = cache_lookup(ctx, prk->k_id, alg, info, infolen);
		pthread_mutex_unlock(&ctx->c_cache_lock);
		if (key) {
			*keyp = key;
			return 0;
		}
	}

	err = ac_hkdf_expand(prk, info, infolen, bytes, sizeof(bytes));
	if (!err)
		err = ac_key_new(ctx, alg, bytes, sizeof(bytes), &key);
	ac_wipe(bytes, sizeof(bytes));
	if (err)
		return err;
	if (infolen > CACHE_INFO_MAX || !ctx->c_opts.cache_keys)
		goto out;

	ne = calloc(1, sizeof(*ne));
	if (!ne)
		goto out; /* still a good key, just not cached */
	ne->ce_prk_id = prk->k_id;
	ne->ce_alg = alg;
	ne->ce_infolen = infolen;
	memcpy(ne->ce_info, info, infolen);

	pthread_mutex_lock(&ctx->c_cache_lock);
	/* Another thread may have derived the same key meanwhile: use its. */
	raced = cache_lookup(ctx, prk->k_id, alg, info, infolen);
	if (!raced) {
		ne->ce_key = ac_key_get(key);
		evicted = cache_insert(ctx, ne);
		ne = NULL;
	}
	pthread_mutex_unlock(&ctx->c_cache_lock);
	free(ne);
	if (raced) {
		ac_key_put(key);
		key = raced;
	}
	ac_key_put(evicted);
out:
	*keyp = key;
	return 0;
}

void ac_cache_flush(struct ac_ctx *ctx)
{
	struct ac_cache_entry *e, *next;

	pthread_mutex_lock(&ctx->c_cache_lock);
	e = ctx->c_cache;
	ctx->c_cache = NULL;
	ctx->c_cache_count = 0;
	pthread_mutex_unlock(&ctx->c_cache_lock);
	for (; e; e = next) {
		next = e->ce_next;
		ac_key_put(e->ce_key);
		free(e);
	}
}
