// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-tool - the crypto layer's key handling and backend selection,
 * driven from test scripts.
 *
 *   crypto-tool [--backend auto|kernel|user] info
 *       the backend auto mode (or the named one) picked, its capabilities,
 *       and why auto mode fell back, if it did
 *   crypto-tool [--backend ...] hmac-keyring DESCRIPTION MESSAGE
 *   crypto-tool [--backend ...] hmac-serial SERIAL MESSAGE
 *   crypto-tool [--backend ...] hmac-key HEXKEY MESSAGE
 *       HMAC-SHA256 of MESSAGE, keyed from the keyring or from bytes
 *   crypto-tool [--backend ...] derive HEXPRK HEXINFO
 *       HKDF-Expand twice through the derived-key cache; says whether the
 *       second derivation came from the cache
 *   crypto-tool harden
 *       ac_harden_process(), then the dumpable flag and core limit
 *
 * The library's log lines go to standard error.  Exit status: 0, 1 an error
 * (the errno name is printed), 64 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "crypto.h"
#include "testutil.h"
#include "log.h"
#include "secmem.h"

static int cmd_info(struct ac_ctx *ctx)
{
	unsigned int caps = ac_caps(ctx);
	const char *why = ac_ctx_fallback_reason(ctx);

	printf("backend: %s\n", ac_backend_name(ctx));
	printf("keys stay in the kernel: %s\n", caps & AC_CAP_KEYS_IN_KERNEL ? "yes" : "no");
	printf("kernel implementations: %s\n", caps & AC_CAP_KERNEL_IMPL ? "yes" : "no");
	if (why)
		printf("fell back because: %s\n", why);
	return 0;
}

static int print_hmac(struct ac_key *key, const char *msg)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	uint8_t mac[AC_SHA256_LEN];
	int err = ac_hmac_sha256(key, &iov, 1, mac);

	if (err)
		return err;
	print_hex(mac, sizeof(mac));
	return 0;
}

static int cmd_hmac(struct ac_ctx *ctx, const char *how, const char *arg, const char *msg)
{
	struct ac_key *key = NULL;
	uint8_t *bytes;
	int err, len;

	if (!strcmp(how, "hmac-keyring")) {
		err = ac_key_from_keyring_desc(ctx, AC_ALG_HMAC, arg, &key);
	} else if (!strcmp(how, "hmac-serial")) {
		err = ac_key_from_keyring(ctx, AC_ALG_HMAC, (int32_t)strtol(arg, NULL, 0), &key);
	} else {
		bytes = ac_secure_alloc(128);
		if (!bytes)
			return -ENOMEM;
		len = hex_decode(arg, bytes, 128);
		err = len < 0 ? -EINVAL : ac_key_new(ctx, AC_ALG_HMAC, bytes, (size_t)len, &key);
		ac_secure_free(bytes);
	}
	if (!err)
		err = print_hmac(key, msg);
	ac_key_put(key);
	return err;
}

static int cmd_derive(struct ac_ctx *ctx, const char *hexprk, const char *hexinfo)
{
	uint8_t prkb[64], info[64], nonce[AC_GCM_NONCE_LEN] = { 0 }, ct[AC_GCM_TAG_LEN];
	struct ac_key *prk = NULL, *k1 = NULL, *k2 = NULL;
	int plen = hex_decode(hexprk, prkb, sizeof(prkb));
	int ilen = hex_decode(hexinfo, info, sizeof(info));
	int err;

	if (plen <= 0 || ilen < 0)
		return -EINVAL;
	err = ac_key_new(ctx, AC_ALG_HMAC, prkb, (size_t)plen, &prk);
	ac_wipe(prkb, sizeof(prkb));
	if (!err)
		err = ac_derive_key(prk, AC_ALG_GCM, info, (size_t)ilen, &k1);
	if (!err)
		err = ac_derive_key(prk, AC_ALG_GCM, info, (size_t)ilen, &k2);
	if (!err) {
		/* The derived key, shown by what it does: the GCM tag of nothing. */
		err = ac_gcm_encrypt(k1, nonce, NULL, 0, NULL, 0, ct);
		if (!err) {
			printf("tag of an empty message under the derived key: ");
			print_hex(ct, sizeof(ct));
			printf("second derivation from the cache: %s\n", k1 == k2 ? "yes" : "no");
		}
	}
	ac_key_put(k1);
	ac_key_put(k2);
	ac_key_put(prk);
	return err;
}

static int cmd_harden(void)
{
	struct rlimit rl;
	int err = ac_harden_process();

	if (err)
		return err;
	if (getrlimit(RLIMIT_CORE, &rl) != 0)
		return -errno;
	printf("dumpable: %d\n", prctl(PR_GET_DUMPABLE));
	printf("core size limit: %llu\n", (unsigned long long)rl.rlim_cur);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "Usage: crypto-tool [--backend auto|kernel|user] info\n"
			"       crypto-tool [--backend ...] hmac-keyring|hmac-serial|hmac-key "
			"KEY MESSAGE\n"
			"       crypto-tool [--backend ...] derive HEXPRK HEXINFO\n"
			"       crypto-tool harden\n");
	return 64;
}

int main(int argc, char **argv)
{
	struct ac_options opts = { .mode = AC_BACKEND_AUTO };
	struct ac_ctx *ctx;
	int i = 1, err;

	ac_log_set_ident("crypto-tool");
	if (argc > 2 && !strcmp(argv[1], "--backend")) {
		if (!strcmp(argv[2], "kernel"))
			opts.mode = AC_BACKEND_KERNEL;
		else if (!strcmp(argv[2], "user"))
			opts.mode = AC_BACKEND_USER;
		else if (strcmp(argv[2], "auto"))
			return usage();
		i = 3;
	}
	if (i >= argc)
		return usage();
	if (!strcmp(argv[i], "harden"))
		err = cmd_harden();
	else if ((err = ac_ctx_new(&opts, &ctx)) == 0) {
		if (!strcmp(argv[i], "info") && argc == i + 1)
			err = cmd_info(ctx);
		else if (!strncmp(argv[i], "hmac-", 5) && argc == i + 3)
			err = cmd_hmac(ctx, argv[i], argv[i + 1], argv[i + 2]);
		else if (!strcmp(argv[i], "derive") && argc == i + 3)
			err = cmd_derive(ctx, argv[i + 1], argv[i + 2]);
		else
			err = 64;
		ac_ctx_free(ctx);
		if (err == 64)
			return usage();
	}
	if (err) {
		printf("error: %s\n", errname(err));
		return 1;
	}
	return 0;
}
