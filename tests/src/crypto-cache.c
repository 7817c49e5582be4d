// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-cache - the derived-key cache of ac_derive_key() (crypto/key.c).
 *
 *   crypto-cache --backend kernel|user [-f FILES] [-t THREADS] [-n OPS]
 *
 * Every key the cache hands out is checked against one derived without it
 * (ac_hkdf_expand(), then ac_key_new()): both must encrypt a block to the
 * same ciphertext.  Then:
 *
 *   1. A small cache (4 handles, 16 entries of bytes) walked through by hand:
 *      misses, hits on handles, hits on bytes, which handles and which
 *      entries are evicted (the least recently used), and that a handle
 *      evicted from the cache still works for whoever holds it.
 *   2. The defaults with FILES file keys (default 100,000): every one derived,
 *      then every one derived again, which must cost no HKDF at all.
 *   3. THREADS threads (default 8) x OPS derivations (default 20,000) of 64
 *      file keys through the small cache, at random: no wrong key, the
 *      counters add up, the bounds hold.
 *
 * The number of entries of /proc/self/fd is the same before ac_ctx_new()
 * and after ac_ctx_free(): handles evicted from the cache closed their
 * sockets (kernel backend).
 *
 * Exit status: 0 ok, 1 a check failed, 77 AF_ALG not available, 64 usage.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secmem.h"
#include "testutil.h"

#define NIDS 64 /* file keys of parts 1 and 3 */
#define SMALL_HANDLES 4
#define SMALL_ENTRIES 16
#define BLOCK_LEN 64

static const char label[] = "algfs-v1 content"; /* as fs/format/keys.c, NUL included */
static const uint8_t nonce[AC_GCM_NONCE_LEN] = "crypto-cache";
static uint8_t block[BLOCK_LEN];
static uint8_t expected[NIDS][BLOCK_LEN + AC_GCM_TAG_LEN];
static struct ac_key *prk;
static unsigned long nthreads = 8, nops = 20000;
static atomic_ulong wrong_keys;

static size_t make_info(uint64_t id, uint8_t *info)
{
	memset(info, 0, sizeof(label) + 16);
	memcpy(info, label, sizeof(label));
	memcpy(info + sizeof(label), &id, sizeof(id));
	return sizeof(label) + 16;
}

static int encrypt_with(struct ac_key *key, uint8_t *ct)
{
	return ac_gcm_encrypt(key, nonce, NULL, 0, block, sizeof(block), ct);
}

/* The ciphertext of file key @id derived without the cache. */
static int reference(struct ac_ctx *ctx, uint64_t id, uint8_t *ct)
{
	uint8_t info[sizeof(label) + 16], bytes[AC_KEY_LEN];
	size_t len = make_info(id, info);
	struct ac_key *key;
	int err;

	err = ac_hkdf_expand(prk, info, len, bytes, sizeof(bytes));
	if (!err)
		err = ac_key_new(ctx, AC_ALG_GCM, bytes, sizeof(bytes), &key);
	ac_wipe(bytes, sizeof(bytes));
	if (!err) {
		err = encrypt_with(key, ct);
		ac_key_put(key);
	}
	return err;
}

/* Derive file key @id through the cache; *@keyp keeps it if not NULL. */
static bool derive_ok(uint64_t id, const uint8_t *want, struct ac_key **keyp)
{
	uint8_t info[sizeof(label) + 16], ct[BLOCK_LEN + AC_GCM_TAG_LEN];
	size_t len = make_info(id, info);
	struct ac_key *key;
	bool ok;

	if (ac_derive_key(prk, AC_ALG_GCM, info, len, &key))
		return false;
	ok = !encrypt_with(key, ct) && !memcmp(ct, want, sizeof(ct));
	if (keyp)
		*keyp = key;
	else
		ac_key_put(key);
	return ok;
}

static void derive_range(uint64_t from, uint64_t to, const char *what)
{
	for (uint64_t id = from; id <= to; id++)
		if (!derive_ok(id, expected[id], NULL)) {
			wrong(what, "a derived key encrypts differently from HKDF's");
			return;
		}
}

static struct ac_cache_stats last;

/* The counters' changes since the last call, and the sizes now. */
static void print_step(struct ac_ctx *ctx, const char *what)
{
	struct ac_cache_stats st;

	ac_cache_stats(ctx, &st);
	printf("%-28s handle hits +%llu, bytes hits +%llu, derived +%llu, "
	       "evicted +%llu handles +%llu entries; now %zu entries, %zu handles\n",
	       what, (unsigned long long)(st.hits_handle - last.hits_handle),
	       (unsigned long long)(st.hits_bytes - last.hits_bytes),
	       (unsigned long long)(st.misses - last.misses),
	       (unsigned long long)(st.evicted_handles - last.evicted_handles),
	       (unsigned long long)(st.evicted_entries - last.evicted_entries), st.entries,
	       st.handles);
	last = st;
}

static void part_small(struct ac_ctx *ctx)
{
	struct ac_key *held;
	uint8_t ct[BLOCK_LEN + AC_GCM_TAG_LEN];

	printf("== 4 handles, 16 entries\n");
	memset(&last, 0, sizeof(last));
	derive_range(0, 15, "keys 0-15");
	print_step(ctx, "keys 0-15:");
	derive_range(12, 15, "keys 12-15 again");
	print_step(ctx, "keys 12-15 again:");
	derive_range(0, 3, "keys 0-3 again");
	print_step(ctx, "keys 0-3 again:");
	/* Least recently used now: 4, 5, 6, 7 (then 8 ... 11). */
	derive_range(16, 19, "keys 16-19");
	print_step(ctx, "keys 16-19:");
	derive_range(4, 4, "key 4 again");
	print_step(ctx, "key 4 again (evicted):");
	derive_range(11, 11, "key 11 again");
	print_step(ctx, "key 11 again (kept):");

	if (!derive_ok(0, expected[0], &held)) {
		wrong("held key", "a derived key encrypts differently from HKDF's");
		return;
	}
	derive_range(20, NIDS - 1, "keys 20-63");
	print_step(ctx, "key 0 held, keys 20-63:");
	if (encrypt_with(held, ct) || memcmp(ct, expected[0], sizeof(ct)))
		wrong("held key", "a key evicted from the cache stopped working");
	else
		printf("key 0, evicted from the cache but held: still the right key\n");
	ac_key_put(held);
}

static void part_files(struct ac_ctx *ctx, unsigned long files)
{
	struct ac_cache_stats st;
	uint8_t info[sizeof(label) + 16];
	struct ac_key *key;
	unsigned long i;
	int round;

	memset(&last, 0, sizeof(last));
	printf("== %lu file keys, default cache\n", files);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < files; i++) {
			size_t len = make_info(1000000 + i, info);

			if (ac_derive_key(prk, AC_ALG_GCM, info, len, &key)) {
				wrong("file keys", "ac_derive_key failed");
				return;
			}
			ac_key_put(key);
		}
		print_step(ctx, round ? "all again:" : "all derived:");
	}
	ac_cache_stats(ctx, &st);
	printf("bounds: %zu entries, %zu handles\n", st.max_entries, st.max_handles);
	/* Spot checks: the first, the last, and one that only has bytes. */
	for (i = 0; i < files; i += files / 3 + 1) {
		uint8_t want[BLOCK_LEN + AC_GCM_TAG_LEN];

		if (reference(ctx, 1000000 + i, want) || !derive_ok(1000000 + i, want, NULL))
			wrong("file keys", "a derived key encrypts differently from HKDF's");
	}
}

static uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *thread_main(void *arg)
{
	uint64_t state = (uintptr_t)arg;

	for (unsigned long i = 0; i < nops; i++) {
		uint64_t id = rnd(&state) % NIDS;

		if (!derive_ok(id, expected[id], NULL))
			atomic_fetch_add(&wrong_keys, 1);
	}
	return NULL;
}

static void part_threads(struct ac_ctx *ctx)
{
	struct ac_cache_stats st;
	pthread_t tids[64];
	unsigned long i, started;

	printf("== %lu threads, 4 handles, 16 entries, 64 keys\n", nthreads);
	ac_cache_stats(ctx, &last);
	for (started = 0; started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, thread_main,
				   (void *)(uintptr_t)(started + 1)))
			break;
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (started != nthreads)
		wrong("threads", "pthread_create failed");
	ac_cache_stats(ctx, &st);
	printf("derivations: %lu, wrong keys: %lu\n", nthreads * nops,
	       (unsigned long)atomic_load(&wrong_keys));
	if (st.hits_handle + st.hits_bytes + st.misses -
		    (last.hits_handle + last.hits_bytes + last.misses) !=
	    nthreads * nops)
		wrong("threads", "hits and misses do not add up to the derivations");
	else
		printf("hits and misses add up\n");
	if (st.entries > SMALL_ENTRIES || st.handles > SMALL_HANDLES)
		wrong("threads", "the cache grew past its bounds");
	else
		printf("within the bounds\n");
	if (atomic_load(&wrong_keys))
		test_failures++;
}

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* A context with the cache's bounds and the PRK, and the expected table. */
static struct ac_ctx *setup(enum ac_backend_mode mode, unsigned int handles, unsigned int entries,
			    int *status)
{
	struct ac_options opts = { .mode = mode, .cache_keys = handles, .cache_derived = entries };
	static const uint8_t mk[AC_KEY_LEN] = "crypto-cache's master key 32 B";
	struct ac_ctx *ctx;
	int err;

	*status = EXIT_WRONG;
	err = ac_ctx_new(&opts, &ctx);
	if (err) {
		fprintf(stderr, "crypto-cache: ac_ctx_new: %s\n", strerror(-err));
		if (err == -EAFNOSUPPORT)
			*status = EXIT_SKIP;
		return NULL;
	}
	err = ac_key_new(ctx, AC_ALG_HMAC, mk, sizeof(mk), &prk);
	for (uint64_t id = 0; !err && id < NIDS; id++)
		err = reference(ctx, id, expected[id]);
	if (err) {
		fprintf(stderr, "crypto-cache: setup: %s\n", strerror(-err));
		ac_key_put(prk);
		ac_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

static void teardown(struct ac_ctx *ctx)
{
	ac_key_put(prk);
	prk = NULL;
	ac_ctx_free(ctx);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: crypto-cache --backend kernel|user [-f FILES] [-t THREADS] [-n OPS]\n");
}

int main(int argc, char **argv)
{
	enum ac_backend_mode mode = AC_BACKEND_USER;
	unsigned long files = 100000;
	bool have_backend = false;
	struct ac_ctx *ctx;
	int c, status, fds;

	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "b:f:t:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "kernel") && strcmp(optarg, "user"))
				goto bad;
			mode = strcmp(optarg, "kernel") ? AC_BACKEND_USER : AC_BACKEND_KERNEL;
			have_backend = true;
			break;
		case 'f':
			files = strtoul(optarg, NULL, 0);
			break;
		case 't':
			nthreads = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			nops = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!have_backend || optind != argc || !files || !nthreads || nthreads > 64 || !nops)
		goto bad;
	ac_log_set_ident("crypto-cache");
	memset(block, 0x42, sizeof(block));
	fds = count_fds();

	ctx = setup(mode, SMALL_HANDLES, SMALL_ENTRIES, &status);
	if (!ctx)
		return status;
	part_small(ctx);
	teardown(ctx);

	ctx = setup(mode, 0, 0, &status);
	if (!ctx)
		return status;
	part_files(ctx, files);
	teardown(ctx);

	ctx = setup(mode, SMALL_HANDLES, SMALL_ENTRIES, &status);
	if (!ctx)
		return status;
	part_threads(ctx);
	teardown(ctx);

	if (count_fds() != fds)
		wrong("fds", "the fd count changed");
	else
		printf("fd count after: same as before\n");
	return test_failures ? EXIT_WRONG : 0;
bad:
	usage(stderr);
	return EXIT_USAGE;
}
