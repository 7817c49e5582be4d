// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-kat - known-answer tests of crypto/'s public API on one backend.
 *
 *   crypto-kat --backend kernel|user [--io auto|uring|sendmsg|splice]
 *
 * Every primitive algfs uses, through crypto.h only, against published
 * vectors:
 *
 *   gcm(aes)       McGrew & Viega, "The Galois/Counter Mode of Operation
 *                  (GCM)", test cases 4 (AES-128) and 13-16 (AES-256), the
 *                  vectors NIST SP 800-38D's validation refers to (also in the
 *                  kernel's crypto/testmgr.h, aes_gcm_tv_template); a flipped
 *                  tag, ciphertext or AAD bit must give EBADMSG and a wiped
 *                  output; the batch functions with one forged request
 *   hkdf-sha256    RFC 5869 appendix A.1-A.3, Expand only, from the RFC's PRK
 *   cts(cbc(aes))  RFC 3962 appendix B, all six vectors (CS3 ordering)
 *   hmac(sha256)   RFC 4231 test cases 1-4, 6, 7 (5 is truncated output)
 *   sha256         FIPS 180-2 appendix B ("abc", the 448-bit message, a
 *                  million 'a'), and the empty string
 *
 * plus the argument checks crypto.h documents (key lengths, short CTS input,
 * HKDF output lengths).  One line per check on standard output, the same for
 * both backends, so that tests compare it with one golden output; details of
 * a failure go to standard error.
 *
 * Exit status: 0 every check passed, 1 a wrong answer or an unexpected
 * error, 77 AF_ALG is not available (kernel backend), 64 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "crypto.h"
#include "testutil.h"
#include "log.h"

#define MAX_VEC 256 /* bytes of any vector's field */
#define CANARY 0xa5 /* fills output buffers, to see what a call wrote */

/*
 * The call for @what returned @err and wrote @got, a buffer of @size bytes
 * filled with CANARY before; it should have returned 0 and written exactly
 * @want, @len bytes.
 */
static void check_bytes(const char *what, int err, const uint8_t *got, size_t size,
			const uint8_t *want, size_t len)
{
	size_t i;

	if (err) {
		wrong(what, errname(err));
		return;
	}
	if (memcmp(got, want, len)) {
		wrong(what, "wrong bytes");
		hexdump("got", got, len);
		hexdump("want", want, len);
		return;
	}
	for (i = len; i < size; i++) {
		if (got[i] != CANARY) {
			wrong(what, "wrote past the end of its output");
			return;
		}
	}
	printf("%s: ok\n", what);
}

/* The call for @what should have failed with @want_err. */
static void check_err(const char *what, int err, int want_err)
{
	char why[64];

	if (err == want_err) {
		printf("%s: %s\n", what, errname(want_err));
		return;
	}
	snprintf(why, sizeof(why), "%s, expected %s", err ? errname(err) : "success",
		 errname(want_err));
	wrong(what, why);
}

/* A decryption for @what should have been refused, its output wiped. */
static void check_rejected(const char *what, int err, const uint8_t *out, size_t len)
{
	if (err != -EBADMSG) {
		check_err(what, err, -EBADMSG);
		return;
	}
	if (!is_zero(out, len)) {
		wrong(what, "EBADMSG, but the output was not wiped");
		hexdump("out", out, len);
		return;
	}
	printf("%s: EBADMSG, output wiped\n", what);
}

/* ---- gcm(aes) ---------------------------------------------------------- */

struct gcm_vec {
	const char *name;
	const char *key, *iv, *aad, *pt, *ct, *tag;
};

/*
 * McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (revised
 * 2005), appendix B; the same in the kernel's crypto/testmgr.h.  Test cases
 * 15 and 16, and 4, share their plaintext; 16 and 4 encrypt its first 60
 * bytes with 20 bytes of AAD.
 */
#define GCM_KEY128 "feffe9928665731c6d6a8f9467308308"
#define GCM_IV "cafebabefacedbaddecaf888"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_PT60                                                           \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_CT256_60                                                       \
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"

static const struct gcm_vec gcm_vecs[] = {
	{
		.name = "NIST test case 4",
		.key = GCM_KEY128,
		.iv = GCM_IV,
		.aad = GCM_AAD,
		.pt = GCM_PT60,
		.ct = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
		      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		.tag = "5bc94fbc3221a5db94fae95ae7121a47",
	},
	{
		.name = "NIST test case 13",
		.key = "0000000000000000000000000000000000000000000000000000000000000000",
		.iv = "000000000000000000000000",
		.aad = "",
		.pt = "",
		.ct = "",
		.tag = "530f8afbc74536b9a963b4f1c4cb738b",
	},
	{
		.name = "NIST test case 14",
		.key = "0000000000000000000000000000000000000000000000000000000000000000",
		.iv = "000000000000000000000000",
		.aad = "",
		.pt = "00000000000000000000000000000000",
		.ct = "cea7403d4d606b6e074ec5d3baf39d18",
		.tag = "d0d1c8a799996bf0265b98b5d48ab919",
	},
	{
		.name = "NIST test case 15",
		.key = GCM_KEY128 GCM_KEY128,
		.iv = GCM_IV,
		.aad = "",
		.pt = GCM_PT60 "1aafd255",
		.ct = GCM_CT256_60 "898015ad",
		.tag = "b094dac5d93471bdec1a502270e3cc6c",
	},
	{
		.name = "NIST test case 16",
		.key = GCM_KEY128 GCM_KEY128,
		.iv = GCM_IV,
		.aad = GCM_AAD,
		.pt = GCM_PT60,
		.ct = GCM_CT256_60,
		.tag = "76fc6ece0f4e1768cddf8853bb2d551b",
	},
};

/* A GCM vector, decoded. */
struct gcm_data {
	uint8_t key[32], iv[AC_GCM_NONCE_LEN], aad[MAX_VEC], pt[MAX_VEC];
	uint8_t ct_tag[MAX_VEC + AC_GCM_TAG_LEN]; /* ciphertext || tag */
	size_t keylen, aadlen, len;
};

static void gcm_decode(const struct gcm_vec *v, struct gcm_data *d)
{
	d->keylen = unhex(v->key, d->key, sizeof(d->key));
	unhex(v->iv, d->iv, sizeof(d->iv));
	d->aadlen = unhex(v->aad, d->aad, sizeof(d->aad));
	d->len = unhex(v->pt, d->pt, sizeof(d->pt));
	unhex(v->ct, d->ct_tag, MAX_VEC);
	unhex(v->tag, d->ct_tag + d->len, AC_GCM_TAG_LEN);
}

/* Decrypt @d's ciphertext with bit @bit of @in (ct || tag) or of the AAD flipped. */
static void gcm_forged(struct ac_key *key, const struct gcm_data *d, const char *what, bool aad,
		       size_t bit)
{
	uint8_t in[sizeof(d->ct_tag)], a[sizeof(d->aad)], out[MAX_VEC];
	int err;

	memcpy(in, d->ct_tag, d->len + AC_GCM_TAG_LEN);
	memcpy(a, d->aad, d->aadlen);
	if (aad)
		a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	else
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	memset(out, CANARY, sizeof(out));
	err = ac_gcm_decrypt(key, d->iv, a, d->aadlen, in, d->len, out);
	check_rejected(what, err, out, d->len);
}

static void gcm_vector(struct ac_ctx *ctx, const struct gcm_vec *v)
{
	uint8_t out[MAX_VEC + AC_GCM_TAG_LEN], buf[MAX_VEC + AC_GCM_TAG_LEN];
	struct gcm_data d;
	struct ac_key *key;
	char what[128];
	int err;

	gcm_decode(v, &d);
	snprintf(what, sizeof(what), "gcm(aes) %s key", v->name);
	err = ac_key_new(ctx, AC_ALG_GCM, d.key, d.keylen, &key);
	if (err) {
		wrong(what, errname(err));
		return;
	}

	snprintf(what, sizeof(what), "gcm(aes) %s encrypt", v->name);
	memset(out, CANARY, sizeof(out));
	err = ac_gcm_encrypt(key, d.iv, d.aad, d.aadlen, d.pt, d.len, out);
	check_bytes(what, err, out, sizeof(out), d.ct_tag, d.len + AC_GCM_TAG_LEN);

	snprintf(what, sizeof(what), "gcm(aes) %s decrypt", v->name);
	memset(out, CANARY, sizeof(out));
	err = ac_gcm_decrypt(key, d.iv, d.aad, d.aadlen, d.ct_tag, d.len, out);
	check_bytes(what, err, out, sizeof(out), d.pt, d.len);

	/* The tag's first bit, then a bit in the middle of the ciphertext. */
	snprintf(what, sizeof(what), "gcm(aes) %s decrypt, tag bit flipped", v->name);
	gcm_forged(key, &d, what, false, d.len * 8);
	if (d.len) {
		snprintf(what, sizeof(what), "gcm(aes) %s decrypt, ciphertext bit flipped",
			 v->name);
		gcm_forged(key, &d, what, false, d.len * 4 + 3);
	}
	if (d.aadlen) {
		snprintf(what, sizeof(what), "gcm(aes) %s decrypt, AAD bit flipped", v->name);
		gcm_forged(key, &d, what, true, d.aadlen * 8 - 1);
	}

	/* crypto.h: @in and @out may be the same buffer. */
	if (d.len) {
		snprintf(what, sizeof(what), "gcm(aes) %s encrypt in place", v->name);
		memset(buf, CANARY, sizeof(buf));
		memcpy(buf, d.pt, d.len);
		err = ac_gcm_encrypt(key, d.iv, d.aad, d.aadlen, buf, d.len, buf);
		check_bytes(what, err, buf, sizeof(buf), d.ct_tag, d.len + AC_GCM_TAG_LEN);

		snprintf(what, sizeof(what), "gcm(aes) %s decrypt in place", v->name);
		memcpy(buf, d.ct_tag, d.len + AC_GCM_TAG_LEN);
		err = ac_gcm_decrypt(key, d.iv, d.aad, d.aadlen, buf, d.len, buf);
		/* The tag is still behind the plaintext: compare only @len. */
		check_bytes(what, err, buf, d.len, d.pt, d.len);
	}
	ac_key_put(key);
}

#define GCM_BATCH 8
#define GCM_BATCH_BAD 5 /* the request with the forged tag */

/*
 * Eight requests with one key, alternately test cases 15 and 16 (which share
 * the key and the nonce), so that a backend that spreads them over several
 * op fds, or mixes up their buffers, is seen.
 */
static void gcm_batch(struct ac_ctx *ctx)
{
	static uint8_t in[GCM_BATCH][MAX_VEC + AC_GCM_TAG_LEN];
	static uint8_t out[GCM_BATCH][MAX_VEC + AC_GCM_TAG_LEN];
	struct ac_gcm_req reqs[GCM_BATCH];
	struct gcm_data d[2];
	struct ac_key *key;
	const char *what;
	bool ok;
	int err, i;

	gcm_decode(&gcm_vecs[3], &d[0]);
	gcm_decode(&gcm_vecs[4], &d[1]);
	err = ac_key_new(ctx, AC_ALG_GCM, d[0].key, d[0].keylen, &key);
	if (err) {
		wrong("gcm(aes) batch key", errname(err));
		return;
	}

	what = "gcm(aes) batch of 8 encrypt";
	memset(out, CANARY, sizeof(out));
	for (i = 0; i < GCM_BATCH; i++) {
		const struct gcm_data *v = &d[i % 2];

		reqs[i] = (struct ac_gcm_req){
			.nonce = v->iv,
			.aad = v->aad,
			.aadlen = v->aadlen,
			.in = v->pt,
			.out = out[i],
			.len = v->len,
			.result = 1, /* neither 0 nor -errno: must be set */
		};
	}
	err = ac_gcm_encrypt_batch(key, reqs, GCM_BATCH);
	ok = !err;
	for (i = 0; i < GCM_BATCH; i++) {
		const struct gcm_data *v = &d[i % 2];

		if (reqs[i].result || memcmp(out[i], v->ct_tag, v->len + AC_GCM_TAG_LEN) ||
		    out[i][v->len + AC_GCM_TAG_LEN] != CANARY) {
			fprintf(stderr, "%s: request %d: result %d\n", what, i, reqs[i].result);
			ok = false;
		}
	}
	if (ok)
		printf("%s: ok\n", what);
	else
		wrong(what, err ? errname(err) : "a request went wrong");

	memset(out, CANARY, sizeof(out));
	for (i = 0; i < GCM_BATCH; i++) {
		const struct gcm_data *v = &d[i % 2];

		memcpy(in[i], v->ct_tag, v->len + AC_GCM_TAG_LEN);
		reqs[i].in = in[i];
		reqs[i].result = 1;
	}
	in[GCM_BATCH_BAD][d[GCM_BATCH_BAD % 2].len + 7] ^= 0x04;
	err = ac_gcm_decrypt_batch(key, reqs, GCM_BATCH);
	check_err("gcm(aes) batch of 8 decrypt, one forged tag: batch", err, -EBADMSG);
	check_rejected("gcm(aes) batch of 8 decrypt, one forged tag: that request",
		       reqs[GCM_BATCH_BAD].result, out[GCM_BATCH_BAD], d[GCM_BATCH_BAD % 2].len);
	what = "gcm(aes) batch of 8 decrypt, one forged tag: the 7 others";
	ok = true;
	for (i = 0; i < GCM_BATCH; i++) {
		const struct gcm_data *v = &d[i % 2];

		if (i == GCM_BATCH_BAD)
			continue;
		if (reqs[i].result || memcmp(out[i], v->pt, v->len) || out[i][v->len] != CANARY) {
			fprintf(stderr, "%s: request %d: result %d\n", what, i, reqs[i].result);
			ok = false;
		}
	}
	if (ok)
		printf("%s: ok\n", what);
	else
		wrong(what, "a request went wrong");
	ac_key_put(key);
}

static void test_gcm(struct ac_ctx *ctx)
{
	static const uint8_t key20[20];
	struct ac_key *key = NULL;
	size_t i;

	for (i = 0; i < sizeof(gcm_vecs) / sizeof(gcm_vecs[0]); i++)
		gcm_vector(ctx, &gcm_vecs[i]);
	gcm_batch(ctx);
	check_err("gcm(aes) 20-byte key", ac_key_new(ctx, AC_ALG_GCM, key20, 20, &key), -EINVAL);
	ac_key_put(key);
}

/* ---- hkdf-sha256 ------------------------------------------------------- */

struct hkdf_vec {
	const char *name;
	const char *prk, *info, *okm; /* okm: L bytes */
};

/* RFC 5869 appendix A.1, A.2, A.3: PRK as the RFC prints it, after Extract. */
static const struct hkdf_vec hkdf_vecs[] = {
	{
		.name = "RFC 5869 test case 1",
		.prk = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
		.info = "f0f1f2f3f4f5f6f7f8f9",
		.okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
		       "34007208d5b887185865",
	},
	{
		.name = "RFC 5869 test case 2",
		.prk = "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
		.info = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
			"d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
			"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		.okm = "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
		       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
		       "cc30c58179ec3e87c14c01d5c1f3434f1d87",
	},
	{
		.name = "RFC 5869 test case 3",
		.prk = "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
		.info = "",
		.okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
		       "9d201395faa4b61a96c8",
	},
};

static void test_hkdf(struct ac_ctx *ctx)
{
	static uint8_t out[AC_HKDF_MAX_LEN + 64];
	uint8_t prk[32], info[MAX_VEC], okm[MAX_VEC];
	size_t prklen, infolen, len, i;
	struct ac_key *key;
	char what[128];
	int err;

	for (i = 0; i < sizeof(hkdf_vecs) / sizeof(hkdf_vecs[0]); i++) {
		const struct hkdf_vec *v = &hkdf_vecs[i];

		prklen = unhex(v->prk, prk, sizeof(prk));
		infolen = unhex(v->info, info, sizeof(info));
		len = unhex(v->okm, okm, sizeof(okm));
		snprintf(what, sizeof(what), "hkdf-sha256 expand %s, L=%zu", v->name, len);
		err = ac_key_new(ctx, AC_ALG_HMAC, prk, prklen, &key);
		if (err) {
			wrong(what, errname(err));
			continue;
		}
		memset(out, CANARY, sizeof(out));
		err = ac_hkdf_expand(key, info, infolen, out, len);
		check_bytes(what, err, out, sizeof(out), okm, len);
		ac_key_put(key);
	}

	/*
	 * HKDF's output for a longer L starts with that for a shorter one: the
	 * longest L the API allows, with test case 1's PRK and info.  And the
	 * two lengths it refuses.
	 */
	prklen = unhex(hkdf_vecs[0].prk, prk, sizeof(prk));
	infolen = unhex(hkdf_vecs[0].info, info, sizeof(info));
	len = unhex(hkdf_vecs[0].okm, okm, sizeof(okm));
	snprintf(what, sizeof(what), "hkdf-sha256 expand %s, L=%d, first %zu bytes",
		 hkdf_vecs[0].name, AC_HKDF_MAX_LEN, len);
	err = ac_key_new(ctx, AC_ALG_HMAC, prk, prklen, &key);
	if (err) {
		wrong(what, errname(err));
		return;
	}
	memset(out, CANARY, sizeof(out));
	err = ac_hkdf_expand(key, info, infolen, out, AC_HKDF_MAX_LEN);
	/* Past @len the bytes are not known here: check the canary by hand. */
	if (!err && out[AC_HKDF_MAX_LEN] != CANARY)
		wrong(what, "wrote past the end of its output");
	else
		check_bytes(what, err, out, len, okm, len);

	check_err("hkdf-sha256 expand L=0", ac_hkdf_expand(key, info, infolen, out, 0), -EINVAL);
	snprintf(what, sizeof(what), "hkdf-sha256 expand L=%d", AC_HKDF_MAX_LEN + 1);
	check_err(what, ac_hkdf_expand(key, info, infolen, out, AC_HKDF_MAX_LEN + 1), -EINVAL);
	ac_key_put(key);
}

/* ---- cts(cbc(aes)) ----------------------------------------------------- */

/*
 * RFC 3962 appendix B: AES-128 key "chicken teriyaki", IV zero, the first
 * 17, 31, 32, 47, 48 and 64 bytes of one plaintext.  The RFC's output is the
 * CS3 ordering (the last two blocks swapped, always), as the kernel's
 * cts(cbc(aes)) and algfs produce it.
 */
static const char cts_key[] = "chicken teriyaki";
static const char cts_pt[] = "I would like the General Gau's Chicken, please, and wonton soup.";

static const char *const cts_ct[] = {
	"c6353568f2bf8cb4d8a580362da7ff7f97",
	"fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5",
	"39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584",
	"97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e"
	"39312523a78662d5be7fcbcc98ebf5",
	"97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd8"
	"39312523a78662d5be7fcbcc98ebf5a8",
	"97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a8"
	"4807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8",
};

static void test_cts(struct ac_ctx *ctx)
{
	static const uint8_t iv[AC_CTS_IV_LEN];
	uint8_t ct[MAX_VEC], out[MAX_VEC];
	struct ac_key *key;
	char what[128];
	size_t len, i;
	int err;

	err = ac_key_new(ctx, AC_ALG_CTS, (const uint8_t *)cts_key, strlen(cts_key), &key);
	if (err) {
		wrong("cts(cbc(aes)) RFC 3962 key", errname(err));
		return;
	}
	for (i = 0; i < sizeof(cts_ct) / sizeof(cts_ct[0]); i++) {
		len = unhex(cts_ct[i], ct, sizeof(ct));

		snprintf(what, sizeof(what), "cts(cbc(aes)) RFC 3962 %zu bytes encrypt", len);
		memset(out, CANARY, sizeof(out));
		err = ac_cts_encrypt(key, iv, (const uint8_t *)cts_pt, len, out);
		check_bytes(what, err, out, sizeof(out), ct, len);

		snprintf(what, sizeof(what), "cts(cbc(aes)) RFC 3962 %zu bytes decrypt", len);
		memset(out, CANARY, sizeof(out));
		err = ac_cts_decrypt(key, iv, ct, len, out);
		check_bytes(what, err, out, sizeof(out), (const uint8_t *)cts_pt, len);
	}
	check_err("cts(cbc(aes)) 15 bytes encrypt",
		  ac_cts_encrypt(key, iv, (const uint8_t *)cts_pt, 15, out), -EINVAL);
	check_err("cts(cbc(aes)) 15 bytes decrypt", ac_cts_decrypt(key, iv, ct, 15, out), -EINVAL);
	ac_key_put(key);
}

/* ---- hmac(sha256) ------------------------------------------------------ */

struct hmac_vec {
	const char *name;
	const char *key; /* hex */
	const char *data; /* hex */
	const char *mac;
	int split; /* hand the message over in this many iovecs */
};

/* 131 bytes of 0xaa: longer than SHA-256's block, and than crypto.h's 128. */
#define AA131                                                              \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaa"
#define DD50                                                               \
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" \
	"dddddddddddddddddddddddddddddddddddd"
#define CD50                                                               \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

/* RFC 4231 section 4; test case 5 truncates the MAC and is left out. */
static const struct hmac_vec hmac_vecs[] = {
	{
		.name = "RFC 4231 test case 1",
		.key = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		.data = "4869205468657265", /* "Hi There" */
		.mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		.split = 1,
	},
	{
		.name = "RFC 4231 test case 2",
		.key = "4a656665", /* "Jefe" */
		/* "what do ya want for nothing?" */
		.data = "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		.mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		.split = 2,
	},
	{
		.name = "RFC 4231 test case 3",
		.key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.data = DD50,
		.mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
		.split = 1,
	},
	{
		.name = "RFC 4231 test case 4",
		.key = "0102030405060708090a0b0c0d0e0f10111213141516171819",
		.data = CD50,
		.mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
		.split = 3,
	},
	{
		.name = "RFC 4231 test case 6",
		.key = AA131,
		/* "Test Using Larger Than Block-Size Key - Hash Key First" */
		.data = "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
			"65204b6579202d2048617368204b6579204669727374",
		.mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		.split = 1,
	},
	{
		.name = "RFC 4231 test case 7",
		.key = AA131,
		/* "This is a test using a larger than block-size key and a larger t"
		 * "han block-size data. The key needs to be hashed before being use"
		 * "d by the HMAC algorithm." */
		.data = "5468697320697320612074657374207573696e672061206c6172676572207468"
			"616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
			"68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
			"647320746f20626520686173686564206265666f7265206265696e6720757365"
			"642062792074686520484d414320616c676f726974686d2e",
		.mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
		.split = 4,
	},
};

/*
 * crypto.h takes HMAC keys of 1 to 128 bytes, so test cases 6 and 7, with
 * their 131-byte key, use the key HMAC itself uses for a key longer than the
 * block: its SHA-256 (RFC 2104 section 2).  That the 131 bytes are refused
 * is checked too.
 */
static void hmac_vector(struct ac_ctx *ctx, const struct hmac_vec *v)
{
	uint8_t key[MAX_VEC], data[MAX_VEC], mac[AC_SHA256_LEN], out[AC_SHA256_LEN + 16];
	uint8_t hashed[AC_SHA256_LEN];
	size_t keylen, len, off;
	struct iovec iov[4];
	struct ac_key *k;
	char what[128];
	int err, i;

	keylen = unhex(v->key, key, sizeof(key));
	len = unhex(v->data, data, sizeof(data));
	unhex(v->mac, mac, sizeof(mac));
	if (keylen > 128) {
		err = ac_sha256(ctx, key, keylen, hashed);
		if (err) {
			snprintf(what, sizeof(what), "hmac(sha256) %s, hashing the key", v->name);
			wrong(what, errname(err));
			return;
		}
		memcpy(key, hashed, sizeof(hashed));
		keylen = sizeof(hashed);
		snprintf(what, sizeof(what), "hmac(sha256) %s, key hashed first", v->name);
	} else {
		snprintf(what, sizeof(what), "hmac(sha256) %s", v->name);
	}
	if (v->split > 1) {
		size_t n = strlen(what);

		snprintf(what + n, sizeof(what) - n, ", %d iovecs", v->split);
	}
	err = ac_key_new(ctx, AC_ALG_HMAC, key, keylen, &k);
	if (err) {
		wrong(what, errname(err));
		return;
	}

	/* Equal pieces; with 4, the third is empty. */
	for (i = 0, off = 0; i < v->split; i++) {
		size_t piece = len / (size_t)v->split;

		if (v->split == 4 && i == 2)
			piece = 0;
		if (i == v->split - 1)
			piece = len - off;
		iov[i].iov_base = data + off;
		iov[i].iov_len = piece;
		off += piece;
	}
	memset(out, CANARY, sizeof(out));
	err = ac_hmac_sha256(k, iov, v->split, out);
	check_bytes(what, err, out, sizeof(out), mac, sizeof(mac));
	ac_key_put(k);
}

static void test_hmac(struct ac_ctx *ctx)
{
	static const uint8_t key131[131], gcmkey[32];
	struct ac_key *key = NULL;
	uint8_t mac[AC_SHA256_LEN];
	struct iovec iov;
	size_t i;
	int err;

	for (i = 0; i < sizeof(hmac_vecs) / sizeof(hmac_vecs[0]); i++)
		hmac_vector(ctx, &hmac_vecs[i]);

	check_err("hmac(sha256) 131-byte key", ac_key_new(ctx, AC_ALG_HMAC, key131, 131, &key),
		  -EINVAL);
	ac_key_put(key);
	key = NULL;
	check_err("hmac(sha256) empty key", ac_key_new(ctx, AC_ALG_HMAC, key131, 0, &key), -EINVAL);
	ac_key_put(key);
	key = NULL;

	err = ac_key_new(ctx, AC_ALG_GCM, gcmkey, sizeof(gcmkey), &key);
	if (err) {
		wrong("hmac(sha256) with a gcm(aes) key", errname(err));
		return;
	}
	iov.iov_base = (void *)gcmkey;
	iov.iov_len = sizeof(gcmkey);
	check_err("hmac(sha256) with a gcm(aes) key", ac_hmac_sha256(key, &iov, 1, mac), -EINVAL);
	ac_key_put(key);
}

/* ---- sha256 ------------------------------------------------------------ */

static void test_sha256(struct ac_ctx *ctx)
{
	/* FIPS 180-2 appendix B.1, B.2, B.3, and SHA-256 of nothing. */
	static const struct {
		const char *name, *msg, *digest;
		size_t repeat;
	} v[] = {
		{ "sha256 FIPS 180-2 \"abc\"", "abc",
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 1 },
		{ "sha256 FIPS 180-2 448-bit message",
		  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", 1 },
		{ "sha256 FIPS 180-2 one million \"a\"", "a",
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", 1000000 },
		{ "sha256 empty message", "",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 1 },
	};
	uint8_t want[AC_SHA256_LEN], out[AC_SHA256_LEN + 16];
	size_t i, len;
	char *msg;
	int err;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		len = strlen(v[i].msg) * v[i].repeat;
		msg = malloc(len + 1);
		if (!msg) {
			wrong(v[i].name, "out of memory");
			continue;
		}
		if (v[i].repeat > 1)
			memset(msg, v[i].msg[0], len);
		else
			memcpy(msg, v[i].msg, len);
		unhex(v[i].digest, want, sizeof(want));
		memset(out, CANARY, sizeof(out));
		err = ac_sha256(ctx, msg, len, out);
		check_bytes(v[i].name, err, out, sizeof(out), want, sizeof(want));
		free(msg);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: crypto-kat --backend kernel|user [--io auto|uring|sendmsg|splice]\n"
		   "Known-answer tests of algfs's crypto API on one backend.\n"
		   "Exit status: 0 ok, 1 a wrong answer or error, 77 AF_ALG not available,\n"
		   "64 usage error.\n");
}

int main(int argc, char **argv)
{
	struct ac_ctx *ctx = NULL;
	int rc = test_backend_ctx(argc, argv, "crypto-kat", usage, &ctx);

	if (rc || !ctx)
		return rc;

	test_gcm(ctx);
	test_hkdf(ctx);
	test_cts(ctx);
	test_hmac(ctx);
	test_sha256(ctx);

	ac_ctx_free(ctx);
	if (test_failures)
		fprintf(stderr, "crypto-kat: %d checks failed\n", test_failures);
	return test_failures ? EXIT_WRONG : 0;
}
