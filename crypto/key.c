// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key.c - key handles, their references, and the cache of derived keys.
 *
 * A key handle is one algorithm keyed with one key: on the kernel backend a
 * bound, keyed AF_ALG parent socket with its pool of op fds, on the user
 * backend a copy in locked memory with a pool of keyed OpenSSL contexts.
 * Handles are reference counted because the derived-key cache and every open
 * file hold them.
 *
 * The derived-key cache has two levels, because what a handle costs differs
 * from what a derivation costs:
 *
 *   - Entries: (PRK, algorithm, HKDF info) -> the 32 derived bytes, in the
 *     locked arena (secmem.c), at most ac_options.cache_derived of them
 *     (default 131072: a tree of 100,000 files re-opens every file without
 *     an HMAC).  An entry costs about 170 bytes of heap (entry and hash
 *     bucket) and one 32-byte slot of locked memory, and no descriptor.
 *   - Handles: at most ac_options.cache_keys entries (default 256) also
 *     hold a live key handle, so that re-opening a recently used file costs
 *     no new transform.  On the kernel backend a handle is a socket plus its
 *     op fds, so this bound is what keeps the daemon's descriptors bounded;
 *     on the user backend a handle is a few OpenSSL contexts.
 *
 * Both are LRU lists through one hash table (SipHash-2-4 with a random key,
 * so that file IDs read from the backing directory cannot be chosen to
 * collide), which grows by doubling: a lookup, an insert and an eviction are
 * O(1).  A hit on a handle returns it; a hit on bytes only makes a handle
 * from them (no HMAC); a miss runs HKDF-Expand.  The HKDF and the new
 * transform run outside the cache's lock, and so do the puts of evicted
 * handles (closing a kernel handle is a system call).  Two threads deriving
 * the same key at once may both run the HKDF; the second one then takes the
 * first one's handle.
 *
 * Derived bytes are wiped when their entry is evicted or the context freed
 * (ac_secure_free()), and every stack copy is wiped before return.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secmem.h"

/* The longest HKDF info the cache keeps: label plus a 16-byte file ID. */
#define CACHE_INFO_MAX 64
#define CACHE_BUCKETS_MIN 256

struct ac_cache_entry {
	struct ac_cache_entry *ce_hnext; /* the hash chain */
	struct ac_cache_entry *ce_prev, *ce_next; /* every entry, newest first */
	struct ac_cache_entry *ce_kprev, *ce_knext; /* entries with a handle, newest first */
	uint64_t ce_hash;
	uint64_t ce_prk_id;
	enum ac_alg ce_alg;
	unsigned int ce_infolen;
	uint8_t *ce_bytes; /* AC_KEY_LEN derived bytes, ac_secure_alloc() memory */
	struct ac_key *ce_key; /* a handle and the cache's reference to it, or NULL */
	uint8_t ce_info[]; /* ce_infolen bytes */
};

/* An LRU list's ends. */
struct lru {
	struct ac_cache_entry *l_head, *l_tail;
	size_t l_count;
};

struct ac_key_cache {
	pthread_mutex_t kc_lock;
	struct ac_cache_entry **kc_buckets; /* kc_nbuckets, a power of two */
	size_t kc_nbuckets;
	struct lru kc_entries; /* every entry */
	struct lru kc_handles; /* entries with a handle */
	size_t kc_max_entries, kc_max_handles;
	uint64_t kc_sipkey[2];
	struct ac_cache_stats kc_stats; /* counters only; sizes are the lists' */
};

static int check_key_len(enum ac_alg alg, size_t len)
{
	switch (alg) {
	case AC_ALG_GCM:
	case AC_ALG_CTS:
	case AC_ALG_ECB:
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
	atomic_init(&key->k_eme_l, NULL);
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
	ac_eme_key_free(key);
	key->k_ctx->c_be->key_free(key->k_priv);
	free(key);
}

enum ac_alg ac_key_alg(const struct ac_key *key)
{
	return key->k_alg;
}

int ac_key_ready(struct ac_key *key)
{
	const struct ac_backend *be = key->k_ctx->c_be;

	return be->key_ready ? be->key_ready(key->k_priv) : 0;
}

int ac_key_stats(struct ac_key *key, struct ac_key_stats *st)
{
	const struct ac_backend *be = key->k_ctx->c_be;

	return be->key_stats ? be->key_stats(key->k_priv, st) : -EOPNOTSUPP;
}

/* ---- SipHash-2-4 (Aumasson and Bernstein), 64-bit output ------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t siphash(const uint64_t key[2], const uint8_t *in, size_t len)
{
	uint64_t v[4] = { key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
			  key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL };
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load_le64(in + i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	for (size_t j = 0; j < tail; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t cache_hash(const struct ac_key_cache *kc, uint64_t prk_id, enum ac_alg alg,
			   const uint8_t *info, size_t infolen)
{
	uint8_t buf[sizeof(prk_id) + 1 + CACHE_INFO_MAX];

	memcpy(buf, &prk_id, sizeof(prk_id));
	buf[sizeof(prk_id)] = (uint8_t)alg;
	memcpy(buf + sizeof(prk_id) + 1, info, infolen);
	return siphash(kc->kc_sipkey, buf, sizeof(prk_id) + 1 + infolen);
}

/* ---- the two LRU lists ---------------------------------------------- */

static void lru_push(struct lru *l, struct ac_cache_entry *e, bool handles)
{
	struct ac_cache_entry **prev = handles ? &e->ce_kprev : &e->ce_prev;
	struct ac_cache_entry **next = handles ? &e->ce_knext : &e->ce_next;

	*prev = NULL;
	*next = l->l_head;
	if (l->l_head) {
		if (handles)
			l->l_head->ce_kprev = e;
		else
			l->l_head->ce_prev = e;
	} else {
		l->l_tail = e;
	}
	l->l_head = e;
	l->l_count++;
}

static void lru_del(struct lru *l, struct ac_cache_entry *e, bool handles)
{
	struct ac_cache_entry *prev = handles ? e->ce_kprev : e->ce_prev;
	struct ac_cache_entry *next = handles ? e->ce_knext : e->ce_next;

	if (prev) {
		if (handles)
			prev->ce_knext = next;
		else
			prev->ce_next = next;
	} else {
		l->l_head = next;
	}
	if (next) {
		if (handles)
			next->ce_kprev = prev;
		else
			next->ce_prev = prev;
	} else {
		l->l_tail = prev;
	}
	l->l_count--;
}

/* Most recently used: the front of the entries and, with a handle, of the
 * handles. */
static void cache_touch(struct ac_key_cache *kc, struct ac_cache_entry *e)
{
	if (kc->kc_entries.l_head != e) {
		lru_del(&kc->kc_entries, e, false);
		lru_push(&kc->kc_entries, e, false);
	}
	if (e->ce_key && kc->kc_handles.l_head != e) {
		lru_del(&kc->kc_handles, e, true);
		lru_push(&kc->kc_handles, e, true);
	}
}

/* ---- the hash table ------------------------------------------------- */

static struct ac_cache_entry *cache_find(struct ac_key_cache *kc, uint64_t hash, uint64_t prk_id,
					 enum ac_alg alg, const uint8_t *info, size_t infolen)
{
	struct ac_cache_entry *e = kc->kc_buckets[hash & (kc->kc_nbuckets - 1)];

	for (; e; e = e->ce_hnext)
		if (e->ce_hash == hash && e->ce_prk_id == prk_id && e->ce_alg == alg &&
		    e->ce_infolen == infolen && !memcmp(e->ce_info, info, infolen))
			return e;
	return NULL;
}

static void bucket_unlink(struct ac_key_cache *kc, struct ac_cache_entry *e)
{
	struct ac_cache_entry **pp = &kc->kc_buckets[e->ce_hash & (kc->kc_nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->ce_hnext;
	*pp = e->ce_hnext;
}

/* Double the table when it holds more entries than buckets; a failed
 * allocation only leaves the chains longer. */
static void cache_grow(struct ac_key_cache *kc)
{
	size_t n = kc->kc_nbuckets * 2, i;
	struct ac_cache_entry **b, *e, *next;

	if (kc->kc_entries.l_count <= kc->kc_nbuckets || n > SIZE_MAX / sizeof(*b))
		return;
	b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < kc->kc_nbuckets; i++) {
		for (e = kc->kc_buckets[i]; e; e = next) {
			next = e->ce_hnext;
			e->ce_hnext = b[e->ce_hash & (n - 1)];
			b[e->ce_hash & (n - 1)] = e;
		}
	}
	free(kc->kc_buckets);
	kc->kc_buckets = b;
	kc->kc_nbuckets = n;
}

/* Drop @e's handle; returns the reference to put after unlocking. */
static struct ac_key *entry_drop_handle(struct ac_key_cache *kc, struct ac_cache_entry *e)
{
	struct ac_key *key = e->ce_key;

	if (key) {
		lru_del(&kc->kc_handles, e, true);
		e->ce_key = NULL;
	}
	return key;
}

/* Remove and free @e; returns its handle's reference to put after unlocking. */
static struct ac_key *entry_evict(struct ac_key_cache *kc, struct ac_cache_entry *e)
{
	struct ac_key *key = entry_drop_handle(kc, e);

	bucket_unlink(kc, e);
	lru_del(&kc->kc_entries, e, false);
	ac_secure_free(e->ce_bytes); /* wipes them */
	free(e);
	return key;
}

/* Give @e the handle @key (a reference the cache now owns); the least
 * recently used handle over the bound goes to *@put. */
static void entry_set_handle(struct ac_key_cache *kc, struct ac_cache_entry *e, struct ac_key *key,
			     struct ac_key **put)
{
	e->ce_key = key;
	lru_push(&kc->kc_handles, e, true);
	if (kc->kc_handles.l_count > kc->kc_max_handles) {
		*put = entry_drop_handle(kc, kc->kc_handles.l_tail);
		kc->kc_stats.evicted_handles++;
	}
}

/* ---- the cache ------------------------------------------------------ */

int ac_cache_init(struct ac_ctx *ctx)
{
	struct ac_key_cache *kc = calloc(1, sizeof(*kc));
	int err;

	if (!kc)
		return -ENOMEM;
	kc->kc_max_handles = ctx->c_opts.cache_keys;
	/* Every handle hangs on an entry. */
	kc->kc_max_entries = ctx->c_opts.cache_derived > ctx->c_opts.cache_keys
				     ? ctx->c_opts.cache_derived
				     : ctx->c_opts.cache_keys;
	kc->kc_nbuckets = CACHE_BUCKETS_MIN;
	kc->kc_buckets = calloc(kc->kc_nbuckets, sizeof(*kc->kc_buckets));
	err = kc->kc_buckets ? ac_random(kc->kc_sipkey, sizeof(kc->kc_sipkey)) : -ENOMEM;
	if (!err)
		err = -pthread_mutex_init(&kc->kc_lock, NULL);
	if (err) {
		free(kc->kc_buckets);
		free(kc);
		return err;
	}
	ctx->c_cache = kc;
	return 0;
}

void ac_cache_free(struct ac_ctx *ctx)
{
	struct ac_key_cache *kc = ctx->c_cache;
	struct ac_cache_stats st;

	if (!kc)
		return;
	ac_cache_stats(ctx, &st);
	log_dbg("derived-key cache: %zu entries (at most %zu), %zu with a handle (at most %zu); "
		"%llu hits on handles, %llu on bytes, %llu derived; evicted %llu handles, "
		"%llu entries",
		st.entries, st.max_entries, st.handles, st.max_handles,
		(unsigned long long)st.hits_handle, (unsigned long long)st.hits_bytes,
		(unsigned long long)st.misses, (unsigned long long)st.evicted_handles,
		(unsigned long long)st.evicted_entries);
	while (kc->kc_entries.l_head)
		ac_key_put(entry_evict(kc, kc->kc_entries.l_head));
	pthread_mutex_destroy(&kc->kc_lock);
	free(kc->kc_buckets);
	free(kc);
	ctx->c_cache = NULL;
}

void ac_cache_stats(struct ac_ctx *ctx, struct ac_cache_stats *st)
{
	struct ac_key_cache *kc = ctx->c_cache;

	pthread_mutex_lock(&kc->kc_lock);
	*st = kc->kc_stats;
	st->entries = kc->kc_entries.l_count;
	st->handles = kc->kc_handles.l_count;
	st->max_entries = kc->kc_max_entries;
	st->max_handles = kc->kc_max_handles;
	pthread_mutex_unlock(&kc->kc_lock);
}

/*
 * After a miss or a hit on bytes: put @key (our reference) and @bytes in the
 * cache, unless another thread did meanwhile; *@keyp gets the handle to
 * return.  Returns the references to put after unlocking in @put.
 */
static void cache_install(struct ac_key_cache *kc, uint64_t hash, uint64_t prk_id, enum ac_alg alg,
			  const uint8_t *info, size_t infolen, const uint8_t *bytes,
			  struct ac_key *key, struct ac_key **keyp, struct ac_key *put[2])
{
	struct ac_cache_entry *e;

	*keyp = key;
	e = cache_find(kc, hash, prk_id, alg, info, infolen);
	if (e && e->ce_key) {
		/* Raced: use the handle that is there, drop ours. */
		*keyp = ac_key_get(e->ce_key);
		put[0] = key;
		cache_touch(kc, e);
		return;
	}
	if (!e) {
		e = calloc(1, sizeof(*e) + infolen);
		if (!e)
			return; /* still a good key, just not cached */
		e->ce_bytes = ac_secure_alloc(AC_KEY_LEN);
		if (!e->ce_bytes) {
			free(e);
			return;
		}
		memcpy(e->ce_bytes, bytes, AC_KEY_LEN);
		e->ce_hash = hash;
		e->ce_prk_id = prk_id;
		e->ce_alg = alg;
		e->ce_infolen = (unsigned int)infolen;
		memcpy(e->ce_info, info, infolen);
		e->ce_hnext = kc->kc_buckets[hash & (kc->kc_nbuckets - 1)];
		kc->kc_buckets[hash & (kc->kc_nbuckets - 1)] = e;
		lru_push(&kc->kc_entries, e, false);
		if (kc->kc_entries.l_count > kc->kc_max_entries) {
			put[1] = entry_evict(kc, kc->kc_entries.l_tail);
			kc->kc_stats.evicted_entries++;
		}
		cache_grow(kc);
	} else {
		cache_touch(kc, e);
	}
	entry_set_handle(kc, e, ac_key_get(key), &put[0]);
}

int ac_derive_key(struct ac_key *prk, enum ac_alg alg, const uint8_t *info, size_t infolen,
		  struct ac_key **keyp)
{
	struct ac_ctx *ctx = prk->k_ctx;
	struct ac_key_cache *kc = ctx->c_cache;
	struct ac_key *key = NULL, *put[2] = { NULL, NULL };
	struct ac_cache_entry *e;
	uint8_t bytes[AC_KEY_LEN];
	bool cached = false;
	uint64_t hash = 0;
	int err;

	*keyp = NULL;
	if (prk->k_alg != AC_ALG_HMAC)
		return -EINVAL;
	if (infolen <= CACHE_INFO_MAX && kc->kc_max_handles) {
		hash = cache_hash(kc, prk->k_id, alg, info, infolen);
		pthread_mutex_lock(&kc->kc_lock);
		e = cache_find(kc, hash, prk->k_id, alg, info, infolen);
		if (e) {
			cache_touch(kc, e);
			if (e->ce_key) {
				kc->kc_stats.hits_handle++;
				*keyp = ac_key_get(e->ce_key);
				pthread_mutex_unlock(&kc->kc_lock);
				return 0;
			}
			kc->kc_stats.hits_bytes++;
			memcpy(bytes, e->ce_bytes, AC_KEY_LEN);
			cached = true;
		} else {
			kc->kc_stats.misses++;
		}
		pthread_mutex_unlock(&kc->kc_lock);
	}

	err = cached ? 0 : ac_hkdf_expand(prk, info, infolen, bytes, sizeof(bytes));
	if (!err)
		err = ac_key_new(ctx, alg, bytes, sizeof(bytes), &key);
	if (!err && infolen <= CACHE_INFO_MAX && kc->kc_max_handles) {
		pthread_mutex_lock(&kc->kc_lock);
		cache_install(kc, hash, prk->k_id, alg, info, infolen, bytes, key, &key, put);
		pthread_mutex_unlock(&kc->kc_lock);
	}
	ac_wipe(bytes, sizeof(bytes));
	ac_key_put(put[0]);
	ac_key_put(put[1]);
	if (err)
		return err;
	*keyp = key;
	return 0;
}
