// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-keycost - what new per-file keys cost, for counting under strace.
 *
 *   crypto-keycost --backend kernel|user [--io METHOD] [-n KEYS] [-c CACHE]
 *
 * Derives KEYS per-file GCM keys (default 100) from one HMAC master key, as
 * the daemon does for new files, through a derived-key cache of CACHE entries
 * (default 8, so that keys are evicted as on a busy volume), and seals one
 * 4 KiB block with each.  Run it under `strace -c -f` with two values of
 * KEYS: the difference of the counts over the difference of KEYS is what one
 * more key costs (derivation, transform, the first operation, the eviction
 * of an older key), start-up excluded.  Each block is opened again with the
 * key derived a second time, and must match.
 *
 * Exit status: 0 ok, 1 an error or a wrong result, 77 AF_ALG not available,
 * 64 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "testutil.h"

#define BLOCK 4096

static void usage(FILE *f)
{
	fprintf(f, "Usage: crypto-keycost --backend kernel|user [--io METHOD] [-n KEYS] [-c CACHE]\n"
		   "Derive KEYS per-file keys and seal a 4 KiB block with each.\n"
		   "Exit status: 0 ok, 1 an error, 77 AF_ALG not available, 64 usage error.\n");
}

/* Seal a block with the key for file @i, then open it with the same key
 * derived again.  Return: 0, or -errno / -EBADMSG. */
static int one_key(struct ac_key *prk, unsigned long i, uint8_t *pt, uint8_t *ct, uint8_t *back)
{
	uint8_t info[32], nonce[AC_GCM_NONCE_LEN] = { 0 };
	struct ac_key *key = NULL;
	int len, err;

	len = snprintf((char *)info, sizeof(info), "algfs-keycost %lu", i);
	memcpy(nonce, &i, sizeof(i) < sizeof(nonce) ? sizeof(i) : sizeof(nonce));
	err = ac_derive_key(prk, AC_ALG_GCM, info, (size_t)len, &key);
	if (err)
		return err;
	memset(pt, (int)(i & 0xff), BLOCK);
	err = ac_gcm_encrypt(key, nonce, info, (size_t)len, pt, BLOCK, ct);
	ac_key_put(key);
	if (err)
		return err;
	/* From the cache this time: the key must be the same one. */
	err = ac_derive_key(prk, AC_ALG_GCM, info, (size_t)len, &key);
	if (err)
		return err;
	err = ac_gcm_decrypt(key, nonce, info, (size_t)len, ct, BLOCK, back);
	ac_key_put(key);
	if (!err && memcmp(pt, back, BLOCK))
		err = -EIO;
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "io", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ac_options opts = { .mode = AC_BACKEND_USER, .cache_keys = 8 };
	uint8_t mk[AC_KEY_LEN], *buf = NULL;
	unsigned long keys = 100, v;
	struct ac_key *prk = NULL;
	struct ac_ctx *ctx = NULL;
	bool have_backend = false;
	const char *io = NULL;
	char *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "b:i:n:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "kernel") && strcmp(optarg, "user"))
				goto usage;
			opts.mode = !strcmp(optarg, "kernel") ? AC_BACKEND_KERNEL : AC_BACKEND_USER;
			have_backend = true;
			break;
		case 'i':
			if (!test_parse_io(optarg, &opts.io))
				goto usage;
			io = optarg;
			break;
		case 'n':
		case 'c':
			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || *end || !*optarg || v > 1000000 || (c == 'c' && !v))
				goto usage;
			if (c == 'n')
				keys = v;
			else
				opts.cache_keys = (unsigned int)v;
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
	ac_log_set_ident("crypto-keycost");
	err = ac_ctx_new(&opts, &ctx);
	if (err == -EAFNOSUPPORT) {
		fprintf(stderr, "AF_ALG not available\n");
		return EXIT_SKIP;
	}
	if (err) {
		fprintf(stderr, "crypto-keycost: ac_ctx_new: %s\n", strerror(-err));
		return EXIT_WRONG;
	}
	if (!test_io_is(ctx, "crypto-keycost", io)) {
		ac_ctx_free(ctx);
		return EXIT_WRONG;
	}
	for (size_t i = 0; i < sizeof(mk); i++)
		mk[i] = (uint8_t)(0x5a ^ i);
	err = ac_key_new(ctx, AC_ALG_HMAC, mk, sizeof(mk), &prk);
	buf = malloc(3 * BLOCK + AC_GCM_TAG_LEN);
	if (!err && !buf)
		err = -ENOMEM;
	for (unsigned long i = 0; !err && i < keys; i++) {
		err = one_key(prk, i, buf, buf + BLOCK, buf + 2 * BLOCK + AC_GCM_TAG_LEN);
		if (err)
			fprintf(stderr, "crypto-keycost: key %lu: %s\n", i, errname(err));
	}
	free(buf);
	ac_key_put(prk);
	ac_ctx_free(ctx);
	if (err)
		return EXIT_WRONG;
	printf("%lu keys\n", keys);
	return 0;

usage:
	usage(stderr);
	return EXIT_USAGE;
}
