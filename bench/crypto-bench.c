// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-bench - AES-256-GCM block throughput of one crypto backend.
 *
 *   crypto-bench [--backend kernel|user] [--io sendmsg|splice] [--size BYTES]
 *                [--threads N] [--ops N] [--decrypt]
 *
 * Each thread encrypts (or decrypts) --ops blocks of --size bytes with one
 * shared per-file key, from page-aligned buffers, the way the filesystem
 * will: a 12-byte random nonce and a 24-byte AAD (file ID and block number)
 * per block.  Prints one line of key=value pairs.  Times are wall-clock and
 * mean something only on real hardware; bench/crypto-bench.sh adds system
 * call counts (strace -c), which are what the test bed can measure.
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

struct bench {
	struct ac_key *key;
	size_t size;
	unsigned long ops;
	bool decrypt;
	int error;
};

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
		   "                    [--size BYTES] [--threads N] [--ops N] [--decrypt]\n");
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ac_options opts = { .mode = AC_BACKEND_USER, .io = AC_IO_SENDMSG };
	unsigned long threads = 1, ops = 1000, size = 4096;
	bool decrypt = false;
	uint8_t keybytes[AC_KEY_LEN];
	struct timespec t0, t1;
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc || !threads || threads > 64 || !size || size > (1 << 20) || !ops)
		goto bad;

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
		err = ac_key_new(ctx, AC_ALG_GCM, keybytes, sizeof(keybytes), &key);
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
		b[i] = (struct bench){ .key = key, .size = size, .ops = ops, .decrypt = decrypt };
		if (pthread_create(&tids[i], NULL, worker, &b[i]) != 0) {
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
	printf("backend=%s io=%s op=%s size=%lu threads=%lu ops=%lu seconds=%.3f "
	       "ops_per_s=%.0f MiB_per_s=%.1f\n",
	       ac_backend_name(ctx),
	       !(ac_caps(ctx) & AC_CAP_KERNEL_IMPL) ? "-"
	       : opts.io == AC_IO_SPLICE	    ? "splice"
						    : "sendmsg",
	       decrypt ? "decrypt" : "encrypt", size, threads, ops * threads, secs,
	       (double)(ops * threads) / secs,
	       (double)(ops * threads) * (double)size / secs / (1024.0 * 1024.0));
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
