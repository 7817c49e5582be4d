// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-batch - GCM batches shared between threads (crypto/workers.c).
 *
 *   crypto-batch [-t THREADS] [-n ROUNDS] [-s SEED]
 *
 * Two user-backend contexts with the same key: one shares every batch of
 * two blocks or more with two helper threads (batch_threads 3,
 * batch_min_bytes 1), the other never shares.  THREADS threads (default 4)
 * each run ROUNDS rounds (default 200) of a random batch (2 to 300 blocks of
 * 0 to 8192 bytes, random AAD and nonces):
 *
 *   - encrypted on both contexts: the same bytes and results;
 *   - decrypted on the sharing context with a few tags forged: the forged
 *     blocks fail with EBADMSG and their output is wiped (all zero), the
 *     others give the plaintext back, and the batch returns EBADMSG, the
 *     first failing block's error.
 *
 * Then: the helpers did take slices (ac_batch_stats()), the context that
 * never shares started no helper, and after both contexts are freed the
 * process has as many threads as before.
 *
 * Exit status: 0 ok, 1 a check failed, 64 usage.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_BLOCKS 300
#define MAX_LEN 8192
#define AAD_LEN 24

static struct ac_ctx *shared_ctx, *alone_ctx;
static struct ac_key *shared_key, *alone_key;
static unsigned long rounds = 200;
static uint64_t seed = 1;
static atomic_ulong wrong_rounds;

static uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct batch {
	size_t n;
	size_t len[MAX_BLOCKS];
	uint8_t nonce[MAX_BLOCKS][AC_GCM_NONCE_LEN];
	uint8_t aad[MAX_BLOCKS][AAD_LEN];
	uint8_t *pt[MAX_BLOCKS], *ct[MAX_BLOCKS], *ct2[MAX_BLOCKS], *out[MAX_BLOCKS];
	bool forged[MAX_BLOCKS];
	struct ac_gcm_req reqs[MAX_BLOCKS];
};

static void fill(uint64_t *state, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(state);
}

static void set_reqs(struct batch *b, uint8_t **in, uint8_t **out)
{
	for (size_t i = 0; i < b->n; i++)
		b->reqs[i] = (struct ac_gcm_req){ .nonce = b->nonce[i],
						  .aad = b->aad[i],
						  .aadlen = AAD_LEN,
						  .in = in[i],
						  .out = out[i],
						  .len = b->len[i],
						  .result = 12345 };
}

/* One round; returns a description of what went wrong, or NULL. */
static const char *one_round(uint64_t *state, struct batch *b)
{
	size_t i, nforged = 0, first_forged = SIZE_MAX;
	int err;

	b->n = 2 + rnd(state) % (MAX_BLOCKS - 1);
	for (i = 0; i < b->n; i++) {
		uint64_t r = rnd(state) % 8;

		/* Mostly whole 4 KiB blocks, as the filesystem's. */
		b->len[i] = r < 5 ? 4096 : r == 5 ? 0 : rnd(state) % (MAX_LEN + 1);
		fill(state, b->nonce[i], AC_GCM_NONCE_LEN);
		fill(state, b->aad[i], AAD_LEN);
		fill(state, b->pt[i], b->len[i]);
	}
	set_reqs(b, b->pt, b->ct);
	err = ac_gcm_encrypt_batch(shared_key, b->reqs, b->n);
	for (i = 0; i < b->n; i++)
		if (b->reqs[i].result)
			return "encrypt: a block failed";
	if (err)
		return "encrypt: the batch failed";
	set_reqs(b, b->pt, b->ct2);
	if (ac_gcm_encrypt_batch(alone_key, b->reqs, b->n))
		return "encrypt: the batch failed on the context that does not share";
	for (i = 0; i < b->n; i++)
		if (memcmp(b->ct[i], b->ct2[i], b->len[i] + AC_GCM_TAG_LEN))
			return "encrypt: shared and unshared batches differ";

	for (i = 0; i < b->n; i++) {
		b->forged[i] = rnd(state) % 16 == 0;
		if (b->forged[i]) {
			b->ct[i][b->len[i]] ^= 1; /* the tag's first byte */
			nforged++;
			if (first_forged == SIZE_MAX)
				first_forged = i;
		}
		memset(b->out[i], 0xee, b->len[i]);
	}
	set_reqs(b, b->ct, b->out);
	err = ac_gcm_decrypt_batch(shared_key, b->reqs, b->n);
	if (err != (nforged ? -EBADMSG : 0))
		return "decrypt: the batch returned the wrong error";
	for (i = 0; i < b->n; i++) {
		if (b->forged[i]) {
			if (b->reqs[i].result != -EBADMSG)
				return "decrypt: a forged block was not refused";
			if (!is_zero(b->out[i], b->len[i]))
				return "decrypt: a forged block's output was not wiped";
		} else {
			if (b->reqs[i].result)
				return "decrypt: a good block failed";
			if (memcmp(b->out[i], b->pt[i], b->len[i]))
				return "decrypt: a good block decrypted wrong";
		}
	}
	return NULL;
}

static void *thread_main(void *arg)
{
	uint64_t state = seed * 1000 + (uintptr_t)arg;
	struct batch *b = calloc(1, sizeof(*b));
	const char *why = NULL;
	size_t i;

	if (!b) {
		atomic_fetch_add(&wrong_rounds, 1);
		return NULL;
	}
	for (i = 0; i < MAX_BLOCKS; i++) {
		b->pt[i] = malloc(MAX_LEN);
		b->ct[i] = malloc(MAX_LEN + AC_GCM_TAG_LEN);
		b->ct2[i] = malloc(MAX_LEN + AC_GCM_TAG_LEN);
		b->out[i] = malloc(MAX_LEN);
		if (!b->pt[i] || !b->ct[i] || !b->ct2[i] || !b->out[i])
			why = "out of memory";
	}
	for (unsigned long r = 0; !why && r < rounds; r++) {
		why = one_round(&state, b);
		if (why) {
			fprintf(stderr, "thread %lu, round %lu: %s\n",
				(unsigned long)(uintptr_t)arg, r, why);
			atomic_fetch_add(&wrong_rounds, 1);
		}
	}
	for (i = 0; i < MAX_BLOCKS; i++) {
		free(b->pt[i]);
		free(b->ct[i]);
		free(b->ct2[i]);
		free(b->out[i]);
	}
	free(b);
	return NULL;
}

static int count_threads(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

static int make_ctx(unsigned int threads, struct ac_ctx **ctxp, struct ac_key **keyp)
{
	struct ac_options opts = { .mode = AC_BACKEND_USER,
				   .batch_threads = threads,
				   .batch_min_bytes = 1 };
	static const uint8_t kb[AC_KEY_LEN] = "crypto-batch's 32-byte GCM key.";
	int err = ac_ctx_new(&opts, ctxp);

	if (!err)
		err = ac_key_new(*ctxp, AC_ALG_GCM, kb, sizeof(kb), keyp);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long nthreads = 4, i, started;
	struct ac_batch_stats sst, ast;
	pthread_t tids[64];
	int c, before, err;

	while ((c = getopt(argc, argv, "t:n:s:h")) != -1) {
		switch (c) {
		case 't':
			nthreads = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			rounds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			printf("Usage: crypto-batch [-t THREADS] [-n ROUNDS] [-s SEED]\n");
			return 0;
		default:
			fprintf(stderr, "Usage: crypto-batch [-t THREADS] [-n ROUNDS] [-s SEED]\n");
			return EXIT_USAGE;
		}
	}
	if (!nthreads || nthreads > 64 || !rounds)
		return EXIT_USAGE;
	ac_log_set_ident("crypto-batch");
	before = count_threads();
	err = make_ctx(3, &shared_ctx, &shared_key);
	if (!err)
		err = make_ctx(1, &alone_ctx, &alone_key);
	if (err) {
		fprintf(stderr, "crypto-batch: setup: %s\n", strerror(-err));
		return EXIT_WRONG;
	}
	for (started = 0; started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, thread_main, (void *)(uintptr_t)started))
			break;
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (started != nthreads)
		wrong("threads", "pthread_create failed");
	printf("threads: %lu, rounds: %lu, wrong rounds: %lu\n", nthreads, nthreads * rounds,
	       (unsigned long)atomic_load(&wrong_rounds));
	if (atomic_load(&wrong_rounds))
		test_failures++;

	ac_batch_stats(shared_ctx, &sst);
	ac_batch_stats(alone_ctx, &ast);
	printf("sharing context: %u helpers, %s\n", sst.helpers,
	       sst.shared && sst.helper_slices ? "helpers took slices" : "HELPERS TOOK NO SLICE");
	if (sst.helpers != 2 || !sst.shared || !sst.helper_slices)
		test_failures++;
	printf("context with batch_threads 1: %u helpers\n", ast.helpers);
	if (ast.helpers || ast.shared)
		test_failures++;
	fprintf(stderr, "shared batches %llu, helper slices %llu\n", (unsigned long long)sst.shared,
		(unsigned long long)sst.helper_slices);

	ac_key_put(shared_key);
	ac_key_put(alone_key);
	ac_ctx_free(shared_ctx);
	ac_ctx_free(alone_ctx);
	if (count_threads() != before)
		wrong("threads after", "helper threads outlived their context");
	else
		printf("threads after: as many as before\n");
	return test_failures ? EXIT_WRONG : 0;
}
