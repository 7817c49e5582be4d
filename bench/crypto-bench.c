// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-bench - throughput of one crypto backend's primitives.
 *
 *   crypto-bench [--backend kernel|user] [--io sendmsg|splice] [--size BYTES]
 *                [--threads N] [--ops N] [--decrypt] [--batch N]
 *                [--op gcm|cts|hmac|derive] [--keys N] [--cache-keys N]
 *
 * --op gcm (the default): each thread encrypts (or decrypts) --ops blocks of
 * --size bytes with one shared per-file key, from page-aligned buffers, the
 * way the filesystem does: a 12-byte random nonce and a 24-byte AAD (file ID
 * and block number) per block.  With --batch N each operation is one batch
 * of N such blocks (ac_gcm_encrypt_batch(): a 1 MiB FUSE request is
 * --size 4096 --batch 256).
 *
 * --op cts: encrypt (or decrypt) a name of --size bytes (at least 16) with
 * AES-CBC-CTS, as every create and lookup does.  --op hmac: an HMAC-SHA256 of
 * --size bytes.  --op derive: ac_derive_key() of a file key, cycling through
 * --keys distinct file IDs (default: a new one every time), so that the
 * derived-key cache hits or misses as --keys and --cache-keys say.
 *
 * --batch-threads N|online and --batch-min BYTES set
 * ac_options.batch_threads and batch_min_bytes: how many threads share one
 * large batch (user backend; 1, the default: the caller alone; online: one
 * per online CPU) and from what size on.
 *
 * Prints one line of key=value pairs.  Times are wall-clock and mean
 * something only on real hardware; bench/crypto-bench.sh adds system call
 * counts (strace -c), which are what the test bed can measure.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "log.h"

#define AAD_LEN 24
#define PAGE 4096

enum op { OP_GCM, OP_CTS, OP_HMAC, OP_DERIVE };

struct bench {
	struct ac_key *key;
	enum op op;
	size_t size;
	unsigned long ops;
	unsigned long batch; /* gcm: blocks per operation; 0: single calls */
	unsigned long keys; /* derive: distinct file IDs; 0: all distinct */
	unsigned long seq; /* derive: this thread's first file ID */
	bool decrypt;
	int error;
};

/* --batch N: each operation is one batch of N blocks of b->size bytes. */
static void *batch_worker(void *arg)
{
	struct bench *b = arg;
	size_t n = b->batch, ctlen = b->size + AC_GCM_TAG_LEN;
	uint8_t nonce[AC_GCM_NONCE_LEN], *aad = NULL, *pt = NULL, *ct = NULL;
	struct ac_gcm_req *reqs = NULL;
	int err = -ENOMEM;

	reqs = calloc(n, sizeof(*reqs));
	aad = calloc(n, AAD_LEN);
	if (!reqs || !aad || posix_memalign((void **)&pt, PAGE, n * b->size) ||
	    posix_memalign((void **)&ct, PAGE, n * ctlen))
		goto out;
	memset(pt, 0x5a, n * b->size);
	err = ac_random(nonce, sizeof(nonce));
	for (size_t i = 0; i < n; i++) {
		memcpy(aad + i * AAD_LEN + 16, &i, sizeof(i));
		reqs[i] = (struct ac_gcm_req){ .nonce = nonce,
					       .aad = aad + i * AAD_LEN,
					       .aadlen = AAD_LEN,
					       .in = pt + i * b->size,
					       .out = ct + i * ctlen,
					       .len = b->size };
	}
	if (!err && b->decrypt)
		err = ac_gcm_encrypt_batch(b->key, reqs, n);
	if (!err && b->decrypt)
		for (size_t i = 0; i < n; i++) {
			reqs[i].in = ct + i * ctlen;
			reqs[i].out = pt + i * b->size;
		}
	for (unsigned long i = 0; !err && i < b->ops; i++)
		err = b->decrypt ? ac_gcm_decrypt_batch(b->key, reqs, n)
				 : ac_gcm_encrypt_batch(b->key, reqs, n);
out:
	b->error = err;
	free(reqs);
	free(aad);
	free(pt);
	free(ct);
	return NULL;
}

static void *cts_worker(void *arg)
{
	struct bench *b = arg;
	uint8_t iv[AC_CTS_IV_LEN] = { 0 }, *in, *out;
	int err = -ENOMEM;

	in = calloc(1, b->size);
	out = calloc(1, b->size);
	if (in && out) {
		memset(in, 'n', b->size);
		err = 0;
	}
	for (unsigned long i = 0; !err && i < b->ops; i++) {
		memcpy(iv, &i, sizeof(i));
		err = b->decrypt ? ac_cts_decrypt(b->key, iv, in, b->size, out)
				 : ac_cts_encrypt(b->key, iv, in, b->size, out);
	}
	b->error = err;
	free(in);
	free(out);
	return NULL;
}

static void *hmac_worker(void *arg)
{
	struct bench *b = arg;
	uint8_t mac[AC_SHA256_LEN], *in = calloc(1, b->size);
	struct iovec iov = { .iov_base = in, .iov_len = b->size };
	int err = in ? 0 : -ENOMEM;

	for (unsigned long i = 0; !err && i < b->ops; i++) {
		memcpy(in, &i, b->size < sizeof(i) ? b->size : sizeof(i));
		err = ac_hmac_sha256(b->key, &iov, 1, mac);
	}
	b->error = err;
	free(in);
	return NULL;
}

/* File keys as fs/format/keys.c derives them: "algfs-v1 content", NUL, a file ID. */
static void *derive_worker(void *arg)
{
	static const char label[] = "algfs-v1 content";
	struct bench *b = arg;
	uint8_t info[sizeof(label) + 16] = { 0 };
	struct ac_key *key;
	int err = 0;

	memcpy(info, label, sizeof(label));
	for (unsigned long i = 0; !err && i < b->ops; i++) {
		uint64_t id = b->keys ? (b->seq + i) % b->keys : b->seq + i;

		memcpy(info + sizeof(label), &id, sizeof(id));
		err = ac_derive_key(b->key, AC_ALG_GCM, info, sizeof(info), &key);
		ac_key_put(key);
	}
	b->error = err;
	return NULL;
}

static void *worker(void *arg)
{
	struct bench *b = arg;
	uint8_t nonce[AC_GCM_NONCE_LEN], aad[AAD_LEN] = { 0 };
	uint8_t *pt = NULL, *ct = NULL;
	int err;

	if (posix_memalign((void **)&pt, PAGE, b->size + PAGE) ||
	    posix_memalign((void **)&ct, PAGE, b->size + AC_GCM_TAG_LEN + PAGE)) {
		b->error = -ENOMEM;
		goto out;
	}
	memset(pt, 0x5a, b->size);
	err = ac_random(nonce, sizeof(nonce));
	/* Decryption needs one valid block to decrypt again and again. */
	if (!err && b->decrypt)
		err = ac_gcm_encrypt(b->key, nonce, aad, sizeof(aad), pt, b->size, ct);
	for (unsigned long i = 0; !err && i < b->ops; i++) {
		if (b->decrypt) {
			err = ac_gcm_decrypt(b->key, nonce, aad, sizeof(aad), ct, b->size, pt);
		} else {
			memcpy(aad + 16, &i, sizeof(i));
			err = ac_gcm_encrypt(b->key, nonce, aad, sizeof(aad), pt, b->size, ct);
		}
	}
	b->error = err;
out:
	free(pt);
	free(ct);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: crypto-bench [--backend kernel|user] [--io sendmsg|splice]\n"
		   "                    [--size BYTES] [--threads N] [--ops N] [--decrypt]\n"
		   "                    [--batch N] [--op gcm|cts|hmac|derive] [--keys N]\n"
		   "                    [--cache-keys N] [--batch-threads N|online]\n"
		   "                    [--batch-min BYTES]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "io", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'n' },
		{ "decrypt", no_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'B' },
		{ "op", required_argument, NULL, 'o' },
		{ "keys", required_argument, NULL, 'k' },
		{ "cache-keys", required_argument, NULL, 'c' },
		{ "batch-threads", required_argument, NULL, 'T' },
		{ "batch-min", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ac_options opts = { .mode = AC_BACKEND_USER, .io = AC_IO_SENDMSG };
	static const char *const op_names[] = { "gcm", "cts", "hmac", "derive" };
	unsigned long threads = 1, ops = 1000, size = 4096, batch = 0, keys = 0;
	enum op op = OP_GCM;
	void *(*fn)(void *) = worker;
	bool decrypt = false;
	uint8_t keybytes[AC_KEY_LEN];
	struct timespec t0, t1;
	char opname[32];
	struct ac_batch_stats bst;
	struct ac_ctx *ctx;
	struct ac_key *key = NULL;
	struct bench *b;
	pthread_t *tids;
	double secs;
	int c, err, ret = 1;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "kernel"))
				opts.mode = AC_BACKEND_KERNEL;
			else if (!strcmp(optarg, "user"))
				opts.mode = AC_BACKEND_USER;
			else
				goto bad;
			break;
		case 'i':
			if (!strcmp(optarg, "sendmsg"))
				opts.io = AC_IO_SENDMSG;
			else if (!strcmp(optarg, "splice"))
				opts.io = AC_IO_SPLICE;
			else
				goto bad;
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			ops = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			decrypt = true;
			break;
		case 'B':
			batch = strtoul(optarg, NULL, 0);
			if (!batch || batch > 4096)
				goto bad;
			break;
		case 'o':
			for (op = OP_GCM; op <= OP_DERIVE; op++)
				if (!strcmp(optarg, op_names[op]))
					break;
			if (op > OP_DERIVE)
				goto bad;
			break;
		case 'k':
			keys = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			opts.cache_keys = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'T':
			opts.batch_threads = !strcmp(optarg, "online")
						     ? AC_BATCH_THREADS_ONLINE
						     : (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'M':
			opts.batch_min_bytes = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc || !threads || threads > 64 || !size || size > (1 << 20) || !ops ||
	    (op == OP_CTS && size < AC_CTS_MIN_LEN) || (batch && op != OP_GCM))
		goto bad;
	if (op == OP_GCM && batch)
		fn = batch_worker;
	else if (op == OP_CTS)
		fn = cts_worker;
	else if (op == OP_HMAC || op == OP_DERIVE)
		fn = op == OP_HMAC ? hmac_worker : derive_worker;

	ac_log_set_ident("crypto-bench");
	opts.max_ops_per_key = (unsigned int)threads;
	err = ac_ctx_new(&opts, &ctx);
	if (err) {
		fprintf(stderr, "crypto-bench: no %s backend: %s\n",
			opts.mode == AC_BACKEND_KERNEL ? "kernel" : "user", strerror(-err));
		return err == -EAFNOSUPPORT ? 77 : 1;
	}
	err = ac_random(keybytes, sizeof(keybytes));
	if (!err)
		err = ac_key_new(ctx,
				 op == OP_CTS			    ? AC_ALG_CTS
				 : op == OP_HMAC || op == OP_DERIVE ? AC_ALG_HMAC
								    : AC_ALG_GCM,
				 keybytes, sizeof(keybytes), &key);
	if (err) {
		fprintf(stderr, "crypto-bench: key: %s\n", strerror(-err));
		goto out_free_ctx;
	}

	b = calloc(threads, sizeof(*b));
	tids = calloc(threads, sizeof(*tids));
	if (!b || !tids)
		goto out_free;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < threads; i++) {
		b[i] = (struct bench){ .key = key,
				       .op = op,
				       .size = size,
				       .ops = ops,
				       .batch = batch,
				       .keys = keys,
				       .decrypt = decrypt,
				       /* disjoint file IDs unless --keys shares them */
				       .seq = keys ? 0 : i * ops };
		if (pthread_create(&tids[i], NULL, fn, &b[i]) != 0) {
			threads = i;
			b[0].error = -EAGAIN;
			break;
		}
	}
	for (unsigned long i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (unsigned long i = 0; i < threads; i++) {
		if (b[i].error) {
			fprintf(stderr, "crypto-bench: thread %lu: %s\n", i, strerror(-b[i].error));
			goto out_free;
		}
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ac_batch_stats(ctx, &bst);
	snprintf(opname, sizeof(opname), "%s%s%s", op == OP_GCM ? "" : op_names[op],
		 op == OP_CTS ? "-" : "",
		 op == OP_HMAC || op == OP_DERIVE ? ""
		 : decrypt			  ? "decrypt"
						  : "encrypt");
	printf("backend=%s io=%s op=%s size=%lu batch=%lu threads=%lu ops=%lu seconds=%.3f "
	       "ops_per_s=%.0f us_per_op=%.2f MiB_per_s=%.1f shared=%llu helper_slices=%llu\n",
	       ac_backend_name(ctx),
	       !(ac_caps(ctx) & AC_CAP_KERNEL_IMPL) ? "-"
	       : opts.io == AC_IO_SPLICE	    ? "splice"
						    : "sendmsg",
	       opname, size, batch ? batch : 1, threads, ops * threads, secs,
	       (double)(ops * threads) / secs, secs * 1e6 / (double)ops,
	       op == OP_DERIVE ? 0.0
			       : (double)(ops * threads) * (double)size *
					 (double)(batch ? batch : 1) / secs / (1024.0 * 1024.0),
	       (unsigned long long)bst.shared, (unsigned long long)bst.helper_slices);
	ret = 0;
out_free:
	free(b);
	free(tids);
	ac_key_put(key);
out_free_ctx:
	ac_ctx_free(ctx);
	return ret;
bad:
	usage(stderr);
	return 64;
}
