// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * afalg-probe - a small, independent AF_ALG client for the test suite.
 *
 * It talks to the kernel crypto API directly, with none of algfs's own code,
 * so that the tests can tell "the kernel does X" apart from "algfs does X":
 *
 *   afalg-probe bind TYPE NAME      can TYPE (aead, skcipher, hash) NAME be bound?
 *   afalg-probe kat                 known answers of gcm(aes), cts(cbc(aes)) and
 *                                   hmac(sha256), and a forged GCM tag
 *   afalg-probe hmac-key HEXKEY MSG          HMAC-SHA256 keyed with ALG_SET_KEY
 *   afalg-probe hmac-serial SERIAL MSG       keyed with ALG_SET_KEY_BY_KEY_SERIAL
 *
 * Vectors: NIST SP 800-38D / McGrew-Viega GCM test case 16 (AES-256, 96-bit
 * IV, 20 bytes of AAD), RFC 3962 appendix B (AES-CTS, CS3 ordering as the
 * kernel's cts(cbc(aes)) and OpenSSL's CS3 produce), RFC 4231 test cases 1
 * and 2 (HMAC-SHA256).
 *
 * Exit status: 0 success, 1 a wrong answer or an unexpected error, 2 AF_ALG
 * is not available, 3 the algorithm is not available, 4 the kernel refuses
 * ALG_SET_KEY_BY_KEY_SERIAL (ENOPROTOOPT), 5 the keyring key was refused,
 * 64 usage error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_alg.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef SOL_ALG
#define SOL_ALG 279
#endif
/* Linux 6.2; older kernels answer ENOPROTOOPT. */
#ifndef ALG_SET_KEY_BY_KEY_SERIAL
#define ALG_SET_KEY_BY_KEY_SERIAL 7
#endif

enum {
	EXIT_WRONG = 1,
	EXIT_NO_AFALG = 2,
	EXIT_NO_ALG = 3,
	EXIT_NO_SERIAL = 4,
	EXIT_KEY_REFUSED = 5,
	EXIT_USAGE = 64,
};

#define GCM_IV_LEN 12
#define GCM_TAG_LEN 16
#define CTS_IV_LEN 16
#define SHA256_LEN 32
#define MAX_DATA 256

static int hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = (uint8_t)b;
	}
	return (int)(n / 2);
}

static void hex_print(const uint8_t *p, size_t n)
{
	while (n--)
		printf("%02x", *p++);
	printf("\n");
}

/* Map a failed socket()/bind() to the probe's exit status, with a reason. */
static int alg_unavailable(int err, const char *type, const char *name)
{
	if (err == EAFNOSUPPORT) {
		fprintf(stderr, "AF_ALG not available: socket(AF_ALG): %s\n", strerror(err));
		return EXIT_NO_AFALG;
	}
	fprintf(stderr, "%s %s: bind: %s\n", type, name, strerror(err));
	return EXIT_NO_ALG;
}

/*
 * Open and bind a transform socket.  Returns the fd, or -(exit status) with
 * the reason printed.
 */
static int tfm_open(const char *type, const char *name)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int fd, err;

	snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s", type);
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -alg_unavailable(errno, type, name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		return -alg_unavailable(err, type, name);
	}
	return fd;
}

static int op_accept(int tfm)
{
	int op = accept4(tfm, NULL, NULL, SOCK_CLOEXEC);

	if (op < 0)
		fprintf(stderr, "accept: %s\n", strerror(errno));
	return op;
}

/*
 * One cipher operation on an op fd: sendmsg with the operation, the IV and
 * (for AEAD) the AAD length, then one read of exactly @outlen bytes.
 * Returns 0, or -errno of the failing call.
 */
static int cipher_op(int op, uint32_t dir, const uint8_t *iv, uint32_t ivlen, int aead,
		     uint32_t assoclen, const uint8_t *in, size_t inlen, uint8_t *out,
		     size_t outlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) +
			 CMSG_SPACE(sizeof(struct af_alg_iv) + CTS_IV_LEN) +
			 CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)in, .iov_len = inlen };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = CMSG_SPACE(sizeof(uint32_t)) +
				  CMSG_SPACE(sizeof(struct af_alg_iv) + ivlen) +
				  (aead ? CMSG_SPACE(sizeof(uint32_t)) : 0),
	};
	struct cmsghdr *c;
	struct af_alg_iv *aiv;
	ssize_t n;

	memset(ctl.buf, 0, sizeof(ctl.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &dir, sizeof(dir));

	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + ivlen);
	aiv = (struct af_alg_iv *)CMSG_DATA(c);
	aiv->ivlen = ivlen;
	memcpy(aiv->iv, iv, ivlen);

	if (aead) {
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = SOL_ALG;
		c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
		c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(c), &assoclen, sizeof(assoclen));
	}

	n = sendmsg(op, &msg, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n != inlen)
		return -EIO;
	n = read(op, out, outlen);
	if (n < 0)
		return -errno;
	if ((size_t)n != outlen)
		return -EIO;
	return 0;
}

static int check(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
	int ok = memcmp(got, want, n) == 0;

	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	return ok ? 0 : EXIT_WRONG;
}

/* McGrew-Viega GCM test case 16, as in NIST SP 800-38D's validation set. */
static const uint8_t gcm_key[32] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f,
	0x94, 0x67, 0x30, 0x83, 0x08, 0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65,
	0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static const uint8_t gcm_iv[GCM_IV_LEN] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static const uint8_t gcm_aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
	0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
};
static const uint8_t gcm_pt[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
	0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
	0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
	0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const uint8_t gcm_ct_tag[60 + GCM_TAG_LEN] = {
	0x52,
	0x2d,
	0xc1,
	0xf0,
	0x99,
	0x56,
	0x7d,
	0x07,
	0xf4,
	0x7f,
	0x37,
	0xa3,
	0x2a,
	0x84,
	0x42,
	0x7d,
	0x64,
	0x3a,
	0x8c,
	0xdc,
	0xbf,
	0xe5,
	0xc0,
	0xc9,
	0x75,
	0x98,
	0xa2,
	0xbd,
	0x25,
	0x55,
	0xd1,
	0xaa,
	0x8c,
	0xb0,
	0x8e,
	0x48,
	0x59,
	0x0d,
	0xbb,
	0x3d,
	0xa7,
	0xb0,
	0x8b,
	0x10,
	0x56,
	0x82,
	0x88,
	0x38,
	0xc5,
	0xf6,
	0x1e,
	0x63,
	0x93,
	0xba,
	0x7a,
	0x0a,
	0xbc,
	0xc9,
	0xf6,
	0x62,
	/* tag */
	0x76,
	0xfc,
	0x6e,
	0xce,
	0x0f,
	0x4e,
	0x17,
	0x68,
	0xcd,
	0xdf,
	0x88,
	0x53,
	0xbb,
	0x2d,
	0x55,
	0x1b,
};

static int kat_gcm(void)
{
	const size_t alen = sizeof(gcm_aad), plen = sizeof(gcm_pt);
	uint8_t in[MAX_DATA], out[MAX_DATA];
	int tfm, op, err, ret = 0;

	tfm = tfm_open("aead", "gcm(aes)");
	if (tfm < 0)
		return -tfm;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, gcm_key, sizeof(gcm_key)) < 0 ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, GCM_TAG_LEN) < 0) {
		fprintf(stderr, "gcm(aes): setsockopt: %s\n", strerror(errno));
		ret = EXIT_WRONG;
		goto out_close_tfm;
	}
	op = op_accept(tfm);
	if (op < 0) {
		ret = EXIT_WRONG;
		goto out_close_tfm;
	}

	/* Encrypt: AAD || PT in, AAD || CT || TAG out. */
	memcpy(in, gcm_aad, alen);
	memcpy(in + alen, gcm_pt, plen);
	err = cipher_op(op, ALG_OP_ENCRYPT, gcm_iv, GCM_IV_LEN, 1, alen, in, alen + plen, out,
			alen + plen + GCM_TAG_LEN);
	if (err) {
		fprintf(stderr, "gcm(aes) encrypt: %s\n", strerror(-err));
		ret = EXIT_WRONG;
	} else {
		ret |= check("gcm(aes) encrypt, NIST test case 16", out + alen, gcm_ct_tag,
			     sizeof(gcm_ct_tag));
	}

	/* Decrypt: AAD || CT || TAG in, AAD || PT out. */
	memcpy(in + alen, gcm_ct_tag, sizeof(gcm_ct_tag));
	err = cipher_op(op, ALG_OP_DECRYPT, gcm_iv, GCM_IV_LEN, 1, alen, in,
			alen + sizeof(gcm_ct_tag), out, alen + plen);
	if (err) {
		fprintf(stderr, "gcm(aes) decrypt: %s\n", strerror(-err));
		ret = EXIT_WRONG;
	} else {
		ret |= check("gcm(aes) decrypt, NIST test case 16", out + alen, gcm_pt, plen);
	}

	/* A forged tag must fail with EBADMSG, and the fd must stay usable. */
	in[alen + sizeof(gcm_ct_tag) - 1] ^= 0x01;
	err = cipher_op(op, ALG_OP_DECRYPT, gcm_iv, GCM_IV_LEN, 1, alen, in,
			alen + sizeof(gcm_ct_tag), out, alen + plen);
	printf("gcm(aes) decrypt, forged tag: %s\n", err == -EBADMSG ? "EBADMSG"
						     : err	     ? strerror(-err)
								     : "ACCEPTED");
	if (err != -EBADMSG)
		ret = EXIT_WRONG;
	in[alen + sizeof(gcm_ct_tag) - 1] ^= 0x01;
	err = cipher_op(op, ALG_OP_DECRYPT, gcm_iv, GCM_IV_LEN, 1, alen, in,
			alen + sizeof(gcm_ct_tag), out, alen + plen);
	if (err) {
		fprintf(stderr, "gcm(aes) decrypt after EBADMSG: %s\n", strerror(-err));
		ret = EXIT_WRONG;
	} else {
		ret |= check("gcm(aes) decrypt, same fd after EBADMSG", out + alen, gcm_pt, plen);
	}

	close(op);
out_close_tfm:
	close(tfm);
	return ret;
}

/* RFC 3962 appendix B: key "chicken teriyaki", IV zero. */
static const uint8_t cts_key[16] = "chicken teriyaki";
static const char cts_pt[] = "I would like the General Gau's Chicken, please,";
static const uint8_t cts_ct31[31] = {
	0xfc, 0x00, 0x78, 0x3e, 0x0e, 0xfd, 0xb2, 0xc1, 0xd4, 0x45, 0xd4,
	0xc8, 0xef, 0xf7, 0xed, 0x22, 0x97, 0x68, 0x72, 0x68, 0xd6, 0xec,
	0xcc, 0xc0, 0xc0, 0x7b, 0x25, 0xe2, 0x5e, 0xcf, 0xe5,
};
static const uint8_t cts_ct47[47] = {
	0x97, 0x68, 0x72, 0x68, 0xd6, 0xec, 0xcc, 0xc0, 0xc0, 0x7b, 0x25, 0xe2,
	0x5e, 0xcf, 0xe5, 0x84, 0xb3, 0xff, 0xfd, 0x94, 0x0c, 0x16, 0xa1, 0x8c,
	0x1b, 0x55, 0x49, 0xd2, 0xf8, 0x38, 0x02, 0x9e, 0x39, 0x31, 0x25, 0x23,
	0xa7, 0x86, 0x62, 0xd5, 0xbe, 0x7f, 0xcb, 0xcc, 0x98, 0xeb, 0xf5,
};

static int kat_cts_one(int op, const uint8_t *ct, size_t len)
{
	static const uint8_t zero_iv[CTS_IV_LEN];
	uint8_t out[MAX_DATA];
	char what[64];
	int err, ret = 0;

	err = cipher_op(op, ALG_OP_ENCRYPT, zero_iv, CTS_IV_LEN, 0, 0, (const uint8_t *)cts_pt, len,
			out, len);
	snprintf(what, sizeof(what), "cts(cbc(aes)) encrypt, RFC 3962 %zu bytes", len);
	if (err) {
		fprintf(stderr, "%s: %s\n", what, strerror(-err));
		return EXIT_WRONG;
	}
	ret |= check(what, out, ct, len);

	err = cipher_op(op, ALG_OP_DECRYPT, zero_iv, CTS_IV_LEN, 0, 0, ct, len, out, len);
	snprintf(what, sizeof(what), "cts(cbc(aes)) decrypt, RFC 3962 %zu bytes", len);
	if (err) {
		fprintf(stderr, "%s: %s\n", what, strerror(-err));
		return EXIT_WRONG;
	}
	return ret | check(what, out, (const uint8_t *)cts_pt, len);
}

static int kat_cts(void)
{
	int tfm, op, ret;

	tfm = tfm_open("skcipher", "cts(cbc(aes))");
	if (tfm < 0)
		return -tfm;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, cts_key, sizeof(cts_key)) < 0) {
		fprintf(stderr, "cts(cbc(aes)): setsockopt: %s\n", strerror(errno));
		close(tfm);
		return EXIT_WRONG;
	}
	op = op_accept(tfm);
	if (op < 0) {
		close(tfm);
		return EXIT_WRONG;
	}
	ret = kat_cts_one(op, cts_ct31, sizeof(cts_ct31));
	ret |= kat_cts_one(op, cts_ct47, sizeof(cts_ct47));
	close(op);
	close(tfm);
	return ret;
}

/*
 * HMAC-SHA256 of @msg on a bound "hmac(sha256)" socket whose key is already
 * set.  Returns 0 or -errno.
 */
static int hmac_run(int tfm, const void *msg, size_t len, uint8_t mac[SHA256_LEN])
{
	int op, err = 0;
	ssize_t n;

	op = accept4(tfm, NULL, NULL, SOCK_CLOEXEC);
	if (op < 0)
		return -errno;
	n = send(op, msg, len, 0);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (!err) {
		n = read(op, mac, SHA256_LEN);
		if (n < 0)
			err = -errno;
		else if (n != SHA256_LEN)
			err = -EIO;
	}
	close(op);
	return err;
}

static int hmac_with_key(const uint8_t *key, size_t keylen, const void *msg, size_t len,
			 uint8_t mac[SHA256_LEN])
{
	int tfm, err;

	tfm = tfm_open("hash", "hmac(sha256)");
	if (tfm < 0)
		return tfm;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, keylen) < 0) {
		err = errno;
		fprintf(stderr, "hmac(sha256): ALG_SET_KEY: %s\n", strerror(err));
		close(tfm);
		return -EXIT_WRONG;
	}
	err = hmac_run(tfm, msg, len, mac);
	close(tfm);
	if (err) {
		fprintf(stderr, "hmac(sha256): %s\n", strerror(-err));
		return -EXIT_WRONG;
	}
	return 0;
}

static int kat_hmac(void)
{
	static const uint8_t mac1[SHA256_LEN] = {
		0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf,
		0xce, 0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83,
		0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7,
	};
	static const uint8_t mac2[SHA256_LEN] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
		0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
		0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	static const char msg2[] = "what do ya want for nothing?";
	uint8_t key1[20], mac[SHA256_LEN];
	int err, ret = 0;

	memset(key1, 0x0b, sizeof(key1));
	err = hmac_with_key(key1, sizeof(key1), "Hi There", 8, mac);
	if (err)
		return -err;
	ret |= check("hmac(sha256), RFC 4231 test case 1", mac, mac1, SHA256_LEN);
	err = hmac_with_key((const uint8_t *)"Jefe", 4, msg2, strlen(msg2), mac);
	if (err)
		return -err;
	return ret | check("hmac(sha256), RFC 4231 test case 2", mac, mac2, SHA256_LEN);
}

static int cmd_kat(void)
{
	int ret, r;

	/* An unavailable AF_ALG or algorithm stops at once with its status. */
	ret = kat_gcm();
	if (ret > EXIT_WRONG)
		return ret;
	r = kat_cts();
	if (r > EXIT_WRONG)
		return r;
	ret |= r;
	r = kat_hmac();
	if (r > EXIT_WRONG)
		return r;
	return ret | r;
}

static int cmd_bind(const char *type, const char *name)
{
	int fd = tfm_open(type, name);

	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

static int cmd_hmac_key(const char *hexkey, const char *msg)
{
	uint8_t key[MAX_DATA], mac[SHA256_LEN];
	int len = hex_decode(hexkey, key, sizeof(key)), err;

	if (len < 0) {
		fprintf(stderr, "afalg-probe: bad hex key\n");
		return EXIT_USAGE;
	}
	err = hmac_with_key(key, (size_t)len, msg, strlen(msg), mac);
	memset(key, 0, sizeof(key));
	if (err)
		return -err;
	hex_print(mac, sizeof(mac));
	return 0;
}

static int cmd_hmac_serial(const char *serial_arg, const char *msg)
{
	uint8_t mac[SHA256_LEN];
	char *end;
	long v = strtol(serial_arg, &end, 0);
	int32_t serial = (int32_t)v;
	int tfm, err, ret = 0;

	if (*serial_arg == '\0' || *end != '\0' || v != serial) {
		fprintf(stderr, "afalg-probe: bad key serial '%s'\n", serial_arg);
		return EXIT_USAGE;
	}
	tfm = tfm_open("hash", "hmac(sha256)");
	if (tfm < 0)
		return -tfm;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, &serial, sizeof(serial)) < 0) {
		err = errno;
		fprintf(stderr, "hmac(sha256): ALG_SET_KEY_BY_KEY_SERIAL: %s\n", strerror(err));
		if (err == ENOPROTOOPT)
			ret = EXIT_NO_SERIAL;
		else if (err == ENOKEY || err == EKEYREJECTED || err == EKEYREVOKED ||
			 err == EKEYEXPIRED || err == EACCES || err == EPERM)
			ret = EXIT_KEY_REFUSED;
		else
			ret = EXIT_WRONG;
		goto out_close;
	}
	err = hmac_run(tfm, msg, strlen(msg), mac);
	if (err) {
		fprintf(stderr, "hmac(sha256): %s\n", strerror(-err));
		ret = EXIT_WRONG;
		goto out_close;
	}
	hex_print(mac, sizeof(mac));
out_close:
	close(tfm);
	return ret;
}

static int usage(FILE *f)
{
	fprintf(f, "Usage: afalg-probe bind TYPE NAME\n"
		   "       afalg-probe kat\n"
		   "       afalg-probe hmac-key HEXKEY MESSAGE\n"
		   "       afalg-probe hmac-serial SERIAL MESSAGE\n"
		   "Exit status: 0 ok, 1 wrong answer or error, 2 no AF_ALG, 3 algorithm\n"
		   "not available, 4 no ALG_SET_KEY_BY_KEY_SERIAL, 5 key refused, 64 usage.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return usage(stdout);
	if (argc == 4 && !strcmp(argv[1], "bind"))
		ret = cmd_bind(argv[2], argv[3]);
	else if (argc == 2 && !strcmp(argv[1], "kat"))
		ret = cmd_kat();
	else if (argc == 4 && !strcmp(argv[1], "hmac-key"))
		ret = cmd_hmac_key(argv[2], argv[3]);
	else if (argc == 4 && !strcmp(argv[1], "hmac-serial"))
		ret = cmd_hmac_serial(argv[2], argv[3]);
	else
		ret = usage(stderr);
	return ret;
}
