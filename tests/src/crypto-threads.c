// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-threads - one context, one key, many threads.
 *
 *   crypto-threads --backend kernel|user [--io METHOD] [-t THREADS] [-n OPS] [-p POOL]
 *                  [-s SEED]
 *
 * The filesystem serves FUSE requests from several threads with one key per
 * file, so the backend must hand out its op fds (kernel) or cipher contexts
 * (user) without mixing up the requests.  THREADS threads (default 8) each
 * run OPS operations (default 3000) on one shared AES-256-GCM key and one
 * shared HMAC key:
 *
 *   - encrypt random data of 0..65536 bytes under a nonce of their own and
 *     decrypt it again (mostly), or the same as a batch of up to 8 requests;
 *   - re-check one of a table of known answers computed single-threaded
 *     before the threads started (GCM ciphertexts, HMACs), so that a result
 *     that went to the wrong thread is seen even where a round trip would
 *     hide it;
 *   - derive one of four keys from the HMAC key with ac_derive_key() and
 *     check its ciphertext against the table: the cache holds only two
 *     (cache_keys = 2), so keys are evicted while other threads use them.
 *
 * The kernel backend gets max_ops_per_key = POOL (default 4, half the
 * threads), so threads must wait for op fds; ac_key_stats() then shows that
 * the pool never grew past the bound (the kernel backend only).  The number
 * of entries of /proc/self/fd is the same before ac_ctx_new() and after
 * ac_ctx_free(), so no op fd or transform socket leaked.
 *
 * Standard output, the same for every run that passes:
 *   op fds per key: within the bound of 4        (kernel backend only)
 *   threads: 8, operations: 24000, wrong results: 0
 *   fd count after: same as before
 *
 * Exit status: 0 ok, 1 a wrong result, an error or a leaked fd, 77 AF_ALG is
 * not available (kernel backend), 64 usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "testutil.h"
#include "log.h"

#define MAX_LEN 65536
#define MAX_THREADS 256
#define BATCH_MAX 8
#define BATCH_MAX_LEN 8192 /* per request */
#define NREF 16 /* known answers for GCM and HMAC */
#define NDERIVED 4 /* derived keys, twice what the cache holds */
#define DERIVED_LEN 100 /* bytes encrypted with each derived key */

/* ---- the PRNG: splitmix64, one state per thread ------------------------ */

static uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t rnd_below(uint64_t *state, size_t n)
{
	return n ? (size_t)(rnd(state) % n) : 0;
}

static void rnd_bytes(uint64_t *state, uint8_t *p, size_t n)
{
	while (n) {
		uint64_t r = rnd(state);
		size_t k = n < 8 ? n : 8;

		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

/*
 * 0..@max: an edge a quarter of the time, uniform an eighth, else
 * log-uniform, so that most operations are short and a few are long.
 */
static size_t rnd_len(uint64_t *state, size_t max)
{
	static const size_t edges[] = { 0, 1, 15, 16, 17, 4095, 4096, 4097, 65535, 65536 };
	size_t bits, v;

	switch (rnd_below(state, 8)) {
	case 0:
	case 1:
		v = edges[rnd_below(state, sizeof(edges) / sizeof(edges[0]))];
		if (v <= max)
			return v;
		/* fall through */
	case 2:
		return rnd_below(state, max + 1);
	default:
		for (bits = 0; (max >> bits) > 1; bits++)
			;
		v = rnd_below(state, (size_t)2 << rnd_below(state, bits + 1));
		return v > max ? max : v;
	}
}

/* ---- shared state ------------------------------------------------------ */

struct ref {
	uint8_t nonce[AC_GCM_NONCE_LEN];
	uint8_t aad[16];
	size_t aadlen, len;
	uint8_t *pt, *ct; /* ct: len + tag */
	uint8_t mac[AC_SHA256_LEN];
};

static struct ac_ctx *ctx;
static struct ac_key *gcm_key, *hmac_key;
static struct ref refs[NREF];
/* Known answers of the derived keys: DERIVED_LEN bytes of derived_pt each. */
static uint8_t derived_pt[DERIVED_LEN];
static uint8_t derived_ct[NDERIVED][DERIVED_LEN + AC_GCM_TAG_LEN];
static const uint8_t derived_nonce[AC_GCM_NONCE_LEN] = "algfs-thrds";

static unsigned long ops_per_thread = 3000;
static atomic_ulong wrong_results;
static atomic_uint threads_done;

/* One wrong result: count it, and say what on standard error. */
static void wrong_result(unsigned int thread, const char *what, int err)
{
	atomic_fetch_add(&wrong_results, 1);
	fprintf(stderr, "crypto-threads: thread %u: %s: %s\n", thread, what,
		err ? errname(err) : "wrong bytes");
}

static void derived_info(unsigned int i, uint8_t *info, size_t *len)
{
	*len = (size_t)snprintf((char *)info, 32, "crypto-threads derived key %u", i);
}

/* The tables, single-threaded, before the threads start. */
static int make_refs(uint64_t *state)
{
	static const size_t lens[NREF] = { 0, 1, 15, 16, 17, 255, 4095, 4096, 4097, 65536 };
	struct iovec iov;
	unsigned int i;
	int err;

	for (i = 0; i < NREF; i++) {
		struct ref *r = &refs[i];

		r->len = i < 10 ? lens[i] : rnd_len(state, MAX_LEN);
		r->pt = malloc(r->len + 1);
		r->ct = malloc(r->len + AC_GCM_TAG_LEN);
		if (!r->pt || !r->ct)
			return -ENOMEM;
		rnd_bytes(state, r->nonce, sizeof(r->nonce));
		/* The threads' own nonces start with 0xff; these never do. */
		r->nonce[0] &= 0x7f;
		r->aadlen = rnd_below(state, sizeof(r->aad) + 1);
		rnd_bytes(state, r->aad, r->aadlen);
		rnd_bytes(state, r->pt, r->len);
		err = ac_gcm_encrypt(gcm_key, r->nonce, r->aad, r->aadlen, r->pt, r->len, r->ct);
		if (err)
			return err;
		iov.iov_base = r->pt;
		iov.iov_len = r->len;
		err = ac_hmac_sha256(hmac_key, &iov, 1, r->mac);
		if (err)
			return err;
	}

	rnd_bytes(state, derived_pt, sizeof(derived_pt));
	for (i = 0; i < NDERIVED; i++) {
		uint8_t info[32];
		struct ac_key *key;
		size_t infolen;

		derived_info(i, info, &infolen);
		err = ac_derive_key(hmac_key, AC_ALG_GCM, info, infolen, &key);
		if (err)
			return err;
		err = ac_gcm_encrypt(key, derived_nonce, NULL, 0, derived_pt, DERIVED_LEN,
				     derived_ct[i]);
		ac_key_put(key);
		if (err)
			return err;
	}
	return 0;
}

static void free_refs(void)
{
	unsigned int i;

	for (i = 0; i < NREF; i++) {
		free(refs[i].pt);
		free(refs[i].ct);
	}
}

/* ---- the threads ------------------------------------------------------- */

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	uint64_t counter; /* nonces: 0xff, the thread's id, then this counter */
	uint8_t *pt, *ct, *out;
};

static void next_nonce(struct worker *w, uint8_t *nonce)
{
	nonce[0] = 0xff;
	nonce[1] = (uint8_t)(w->id >> 8);
	nonce[2] = (uint8_t)w->id;
	nonce[3] = 0;
	memcpy(nonce + 4, &w->counter, 8);
	w->counter++;
}

/* Encrypt random data under a fresh nonce, decrypt it, compare. */
static void op_roundtrip(struct worker *w)
{
	uint8_t nonce[AC_GCM_NONCE_LEN], aad[32];
	size_t len = rnd_len(&w->rng, MAX_LEN), aadlen = rnd_below(&w->rng, sizeof(aad) + 1);
	int err;

	next_nonce(w, nonce);
	rnd_bytes(&w->rng, aad, aadlen);
	rnd_bytes(&w->rng, w->pt, len);
	err = ac_gcm_encrypt(gcm_key, nonce, aad, aadlen, w->pt, len, w->ct);
	if (err) {
		wrong_result(w->id, "gcm encrypt", err);
		return;
	}
	err = ac_gcm_decrypt(gcm_key, nonce, aad, aadlen, w->ct, len, w->out);
	if (err || memcmp(w->out, w->pt, len))
		wrong_result(w->id, "gcm decrypt of its own ciphertext", err);
}

/* The same, as one batch of 1..BATCH_MAX requests. */
static void op_batch(struct worker *w)
{
	uint8_t nonces[BATCH_MAX][AC_GCM_NONCE_LEN];
	struct ac_gcm_req reqs[BATCH_MAX];
	size_t n = 1 + rnd_below(&w->rng, BATCH_MAX), i, off = 0, len;
	int err;

	for (i = 0; i < n; i++) {
		len = rnd_len(&w->rng, BATCH_MAX_LEN);
		next_nonce(w, nonces[i]);
		rnd_bytes(&w->rng, w->pt + off, len);
		reqs[i] = (struct ac_gcm_req){
			.nonce = nonces[i],
			.in = w->pt + off,
			.out = w->ct + off + i * AC_GCM_TAG_LEN,
			.len = len,
			.result = 1,
		};
		off += len;
	}
	err = ac_gcm_encrypt_batch(gcm_key, reqs, n);
	for (i = 0, off = 0; i < n; off += reqs[i].len, i++) {
		if (reqs[i].result)
			err = err ? err : -EIO;
		reqs[i].in = reqs[i].out;
		reqs[i].out = w->out + off;
		reqs[i].result = 1;
	}
	if (err) {
		wrong_result(w->id, "gcm batch encrypt", err);
		return;
	}
	err = ac_gcm_decrypt_batch(gcm_key, reqs, n);
	for (i = 0; i < n; i++)
		if (reqs[i].result)
			err = err ? err : -EIO;
	if (err || memcmp(w->out, w->pt, off))
		wrong_result(w->id, "gcm batch decrypt of its own ciphertext", err);
}

/* Re-check a known answer of the tables. */
static void op_ref(struct worker *w)
{
	const struct ref *r = &refs[rnd_below(&w->rng, NREF)];
	uint8_t mac[AC_SHA256_LEN];
	struct iovec iov[2];
	int err;

	switch (rnd_below(&w->rng, 3)) {
	case 0:
		err = ac_gcm_encrypt(gcm_key, r->nonce, r->aad, r->aadlen, r->pt, r->len, w->ct);
		if (err || memcmp(w->ct, r->ct, r->len + AC_GCM_TAG_LEN))
			wrong_result(w->id, "gcm encrypt of a known answer", err);
		break;
	case 1:
		err = ac_gcm_decrypt(gcm_key, r->nonce, r->aad, r->aadlen, r->ct, r->len, w->out);
		if (err || memcmp(w->out, r->pt, r->len))
			wrong_result(w->id, "gcm decrypt of a known answer", err);
		break;
	default:
		iov[0].iov_base = r->pt;
		iov[0].iov_len = r->len / 2;
		iov[1].iov_base = r->pt + r->len / 2;
		iov[1].iov_len = r->len - r->len / 2;
		err = ac_hmac_sha256(hmac_key, iov, 2, mac);
		if (err || memcmp(mac, r->mac, sizeof(mac)))
			wrong_result(w->id, "hmac of a known answer", err);
		break;
	}
}

/* Derive a key through the (too small) cache and check its ciphertext. */
static void op_derive(struct worker *w)
{
	unsigned int i = (unsigned int)rnd_below(&w->rng, NDERIVED);
	struct ac_key *key;
	uint8_t info[32];
	size_t infolen;
	int err;

	derived_info(i, info, &infolen);
	err = ac_derive_key(hmac_key, AC_ALG_GCM, info, infolen, &key);
	if (err) {
		wrong_result(w->id, "ac_derive_key", err);
		return;
	}
	err = ac_gcm_encrypt(key, derived_nonce, NULL, 0, derived_pt, DERIVED_LEN, w->ct);
	if (err || memcmp(w->ct, derived_ct[i], DERIVED_LEN + AC_GCM_TAG_LEN))
		wrong_result(w->id, "gcm encrypt with a derived key", err);
	ac_key_put(key);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long i;

	for (i = 0; i < ops_per_thread; i++) {
		switch (rnd_below(&w->rng, 8)) {
		case 0:
			op_ref(w);
			break;
		case 1:
			op_batch(w);
			break;
		case 2:
			op_derive(w);
			break;
		default:
			op_roundtrip(w);
			break;
		}
	}
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

/* ---- main -------------------------------------------------------------- */

/* Entries of /proc/self/fd, the directory's own fd included (every time). */
static int count_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: crypto-threads --backend kernel|user [--io METHOD] [-t THREADS]\n"
		   "                      [-n OPS] [-p POOL] [-s SEED]\n"
		   "Many threads on one context and key; results must not mix up.\n"
		   "Exit status: 0 ok, 1 wrong results or leaked fds, 77 AF_ALG not available,\n"
		   "64 usage error.\n");
}

static bool parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return !errno && *s && !*end && *v >= min && *v <= max;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "io", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ac_options opts = { .max_ops_per_key = 4, .cache_keys = 2 };
	struct timespec ts, tick = { .tv_nsec = 2000000 };
	unsigned long threads = 8, v;
	int fds_before, fds_after, fds_peak, n, c, err, ret = EXIT_WRONG;
	bool pool_ok = true;
	uint8_t keybytes[AC_KEY_LEN];
	struct worker *workers = NULL;
	bool have_backend = false;
	const char *io = NULL;
	unsigned long i, started = 0;
	uint64_t seed;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	while ((c = getopt_long(argc, argv, "b:i:t:n:p:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!test_parse_io(optarg, &opts.io))
				goto usage;
			io = optarg;
			break;
		case 'b':
			if (!strcmp(optarg, "kernel"))
				opts.mode = AC_BACKEND_KERNEL;
			else if (!strcmp(optarg, "user"))
				opts.mode = AC_BACKEND_USER;
			else
				goto usage;
			have_backend = true;
			break;
		case 't':
			if (!parse_ulong(optarg, 1, MAX_THREADS, &threads))
				goto usage;
			break;
		case 'n':
			if (!parse_ulong(optarg, 0, 100000000, &ops_per_thread))
				goto usage;
			break;
		case 'p':
			if (!parse_ulong(optarg, 1, 1024, &v))
				goto usage;
			opts.max_ops_per_key = (unsigned int)v;
			break;
		case 's':
			if (!parse_ulong(optarg, 0, ULONG_MAX, &v))
				goto usage;
			seed = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (!have_backend || optind != argc)
		goto usage;
	ac_log_set_ident("crypto-threads");
	fprintf(stderr,
		"crypto-threads: %lu threads x %lu operations, max_ops_per_key %u, "
		"seed 0x%016" PRIx64 "\n",
		threads, ops_per_thread, opts.max_ops_per_key, seed);

	fds_before = count_fds();
	if (fds_before < 0) {
		fprintf(stderr, "crypto-threads: /proc/self/fd: %s\n", strerror(-fds_before));
		return EXIT_WRONG;
	}
	err = ac_ctx_new(&opts, &ctx);
	if (err == -EAFNOSUPPORT) {
		fprintf(stderr, "AF_ALG not available\n");
		return EXIT_SKIP;
	}
	if (err) {
		fprintf(stderr, "crypto-threads: ac_ctx_new: %s\n", strerror(-err));
		return EXIT_WRONG;
	}
	fprintf(stderr, "crypto-threads: backend %s\n", ac_backend_name(ctx));
	if (!test_io_is(ctx, "crypto-threads", io)) {
		ac_ctx_free(ctx);
		return EXIT_WRONG;
	}

	rnd_bytes(&seed, keybytes, sizeof(keybytes));
	err = ac_key_new(ctx, AC_ALG_GCM, keybytes, sizeof(keybytes), &gcm_key);
	if (err)
		goto out_err;
	rnd_bytes(&seed, keybytes, sizeof(keybytes));
	err = ac_key_new(ctx, AC_ALG_HMAC, keybytes, sizeof(keybytes), &hmac_key);
	if (err)
		goto out_err;
	err = make_refs(&seed);
	if (err)
		goto out_err;

	workers = calloc(threads, sizeof(*workers));
	if (!workers) {
		err = -ENOMEM;
		goto out_err;
	}
	for (i = 0; i < threads; i++) {
		struct worker *w = &workers[i];

		w->id = (unsigned int)i;
		w->rng = rnd(&seed);
		w->pt = malloc(MAX_LEN);
		w->ct = malloc(MAX_LEN + BATCH_MAX * AC_GCM_TAG_LEN);
		w->out = malloc(MAX_LEN);
		if (!w->pt || !w->ct || !w->out) {
			err = -ENOMEM;
			goto out_join;
		}
	}
	for (i = 0; i < threads; i++) {
		err = -pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (err)
			goto out_join;
		started++;
	}

	/* While they run, sample the fds: the peak shows the pool at work. */
	fds_peak = fds_before;
	while (atomic_load(&threads_done) < threads) {
		n = count_fds();
		if (n > fds_peak)
			fds_peak = n;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "crypto-threads: fds: %d before, %d at the peak of the run\n", fds_before,
		fds_peak);

out_join:
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	if (!err) {
		/* The kernel backend's pool: never more op fds than the bound. */
		struct ac_key_stats st;

		if (ac_key_stats(gcm_key, &st) == 0) {
			fprintf(stderr,
				"crypto-threads: gcm key: %u op fds open, peak %u, bound %u\n",
				st.ops_open, st.ops_peak, st.ops_limit);
			if (st.ops_peak <= st.ops_limit)
				printf("op fds per key: within the bound of %u\n", st.ops_limit);
			else
				printf("op fds per key: %u, above the bound of %u\n", st.ops_peak,
				       st.ops_limit);
			pool_ok = st.ops_peak <= st.ops_limit;
		}
	}
	for (i = 0; workers && i < threads; i++) {
		free(workers[i].pt);
		free(workers[i].ct);
		free(workers[i].out);
	}
	free(workers);
out_err:
	if (err)
		fprintf(stderr, "crypto-threads: setting up: %s\n", errname(err));
	free_refs();
	ac_key_put(hmac_key);
	ac_key_put(gcm_key);
	ac_ctx_free(ctx);
	if (err)
		return EXIT_WRONG;

	fds_after = count_fds();
	fprintf(stderr, "crypto-threads: fds: %d after ac_ctx_free\n", fds_after);
	printf("threads: %lu, operations: %lu, wrong results: %lu\n", threads,
	       threads * ops_per_thread, atomic_load(&wrong_results));
	if (fds_after == fds_before)
		printf("fd count after: same as before\n");
	else
		printf("fd count after: %d %s than before\n", abs(fds_after - fds_before),
		       fds_after > fds_before ? "more" : "fewer");
	if (!atomic_load(&wrong_results) && fds_after == fds_before && pool_ok)
		ret = 0;
	return ret;

usage:
	usage(stderr);
	return EXIT_USAGE;
}
