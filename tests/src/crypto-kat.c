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
 *   ecb(aes)       NIST SP 800-38A F.1.5/F.1.6 (ECB-AES256, four blocks)
 *   eme            EME over AES-256, the four vectors of rfjakob/eme (16,
 *                  512 and 2048 bytes); round trips of every length from 16
 *                  to 2048 bytes; one flipped input or tweak bit changes
 *                  every output block, both directions
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

/* ---- ecb(aes) and EME -------------------------------------------------- */

/* NIST SP 800-38A appendix F.1.5 and F.1.6: ECB-AES256, four blocks. */
static const char ecb_key256[] =
	"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
static const char ecb_pt[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
			     "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const char ecb_ct[] = "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870"
			     "b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7";

static void test_ecb(struct ac_ctx *ctx)
{
	uint8_t key_bytes[32], pt[64], ct[64], out[MAX_VEC];
	struct ac_key *key;
	int err;

	unhex(ecb_key256, key_bytes, sizeof(key_bytes));
	unhex(ecb_pt, pt, sizeof(pt));
	unhex(ecb_ct, ct, sizeof(ct));
	err = ac_key_new(ctx, AC_ALG_ECB, key_bytes, sizeof(key_bytes), &key);
	if (err) {
		wrong("ecb(aes) SP 800-38A key", errname(err));
		return;
	}
	memset(out, CANARY, sizeof(out));
	err = ac_ecb_encrypt(key, pt, sizeof(pt), out);
	check_bytes("ecb(aes) SP 800-38A F.1.5 AES-256 encrypt, 4 blocks", err, out, sizeof(out),
		    ct, sizeof(ct));
	memset(out, CANARY, sizeof(out));
	err = ac_ecb_decrypt(key, ct, sizeof(ct), out);
	check_bytes("ecb(aes) SP 800-38A F.1.6 AES-256 decrypt, 4 blocks", err, out, sizeof(out),
		    pt, sizeof(pt));
	memset(out, CANARY, sizeof(out));
	memcpy(out, pt, sizeof(pt));
	err = ac_ecb_encrypt(key, out, sizeof(pt), out);
	check_bytes("ecb(aes) SP 800-38A F.1.5 AES-256 encrypt in place", err, out, sizeof(out),
		    ct, sizeof(ct));
	check_err("ecb(aes) 15 bytes encrypt", ac_ecb_encrypt(key, pt, 15, out), -EINVAL);
	check_err("ecb(aes) 17 bytes decrypt", ac_ecb_decrypt(key, ct, 17, out), -EINVAL);
	check_err("ecb(aes) 0 bytes encrypt", ac_ecb_encrypt(key, pt, 0, out), -EINVAL);
	check_err("cts(cbc(aes)) encrypt with an ecb(aes) key",
		  ac_cts_encrypt(key, pt, pt, sizeof(pt), out), -EINVAL);
	ac_key_put(key);
}

/*
 * EME over AES-256: the vectors of github.com/rfjakob/eme (the
 * implementation gocryptfs uses), eme32_test.go TestEnc512 and TestDec512
 * and eme_test.go TestEnc16 and TestEnc2048.  All have an all-zero key,
 * tweak and input; the Dec512 vector is the decryption of 512 zero bytes.
 */
static const char eme_enc512[] =
	"9f2e6c3daecae79e8839b0588ff378cd0668970b95691cb00182b9e34cd658ed"
	"3c9c276838cc5e1411fcb8cf3da1c0f30875804c9df51157b0791100d2551334"
	"834cf4024f6b718fbc7daba07d14eb7cbc79c261b1eb036d0c9f85b914385840"
	"727284005f06a9c1627c0b7fb12a1f81fa83c4b035db006cce846d0756db9fb2"
	"448ee5628d2376ee13954213db3dca725f2c67950eaf2cdac8a27a0433a14c96"
	"927d9145dd93e0b46e670f6c4db8add014b8880efb9a97bec5cd05bba43dcc35"
	"058045ae8168df6e67779198fcc72808ce29c7b5aefdbc9e3ee65117283bfa2e"
	"195f82ce1962dd8112cb57e8040d776733d3bb331ea6300f91dee0cbeb2fc9af"
	"d341f5515e22371e442b86e70287546a166ec2aef89f291be62afc2a96891e44"
	"6ef6f162735574d10cff4a183de2760b5e145deaad3efde1da4b2836c665c5ec"
	"4b54cb989d277311c42db4862db2920c3942958e54f64e365e52190ed81a02d7"
	"3bf78a8ae5cc83e03203ef421614b79ae984b67ee93483d5eb1ea7b4fd954cc3"
	"5059bd4d932ef34271825045d73effef2ed3489871fda2cc73924b4d459d1c6e"
	"e525421e0550d3ab876f615395ac4a54d20478a442d85c9a3c9c7fa148f2b9dc"
	"adaa83cf40e9e464da6036a55cdb873b50c1060ecc27b48dc0afc76ef73f1489"
	"281c08efce7fec47edd823f2f562b333ac209c2cd3cc577c28eedaafcedd89a6";
static const char eme_dec512[] =
	"080905dee8ebcc89f68bd1af635db3f5b60c2f13f7c768fceb1220f6c227fd83"
	"5f293e85f1eaa8ee2322f54291bf051e7b15af84c7eaa4e85158af7f4e6ff24a"
	"62bacff6dbf91f433f3bd564dffbe9fe1b0e14d27687589498d5e8ca11acba2b"
	"c6016d7823e3036c61ce9777ec2445890779027f7d494893d92f19bdfe160ef8"
	"2c36069ca887d84ea00ccc40130cf7c4118c5d0822a5e1f493cdae96f5752031"
	"b453e4cb8608c8f2ba2c78c941124c18e39f50ab74b83147aa3fb800537eb9ac"
	"55d737552e050375f607c59b4213d87e58e8da6e23029c9cb807ac63133b9fdd"
	"dad8712bd7821137d9f8fdc3e28aeb08ee2fae3ec1f80d9126a3d2d0e4e4f1c6"
	"424ce6b5e973e52703afb31cee7990da82b316189ad16fe059921c60a95a1208"
	"71065b9ed649d2117dfb0ce5b53595119f2177bea462f76660c6a07c810d21e1"
	"85e2dae559c27f14093f21a96d4e2a8141d76a3f964aa70bf7e929e73224bd9f"
	"1719fdff96bf4ca5db516627225760f3d2d8670a4b82e16a8b4358ecd781b0ee"
	"a22a29d0764424e91e3dc7a6a1cedd148c4bbb1b524b9c8dd3f3d15340775fe9"
	"c98eec220b524a8d9595d2f43c6783e603a35b8df96a168975acf5ac4ea47e02"
	"b73a8ce6aff8e52dad768979bd7392b3050dd3b4e4790e25e9a34ee607db5a58"
	"5d16ca6b16aa76372ab49e31df4865073af804a5c9dab34420f260e4bd840829";
static const char eme_enc2048[] =
	"630500884158a8d41216aaa6351e92ea7ca540a949e73f1d6069afef372eae22"
	"6d426d8f4dbbce505051fcd596e7b32cdd1e44a40bcce0887ebbc160f779dafb"
	"b68bc25a40040987cdb5aba19b956e11dd69d7ce74d1d8788903254217300f3a"
	"fd9a92cea395a89fd842256d3919ac303c1d1a21ec44cb2898acabb3d0e04e05"
	"845e9183a64b4148f9614f62f79fa971799c896c58cd2b285cb00e40720b5c11"
	"8ef1c0dbf5e51f09cd10db672b9c22c53d4bf5dabf16cfcbc382e3209e7ba279"
	"55b2afa055924d2155319205f964492e0e88172f4ffadca35cd3e694fd3d803f"
	"610edc1696113996749bdb2a2dfb8fbd92f0ef723146f93d969d1de4cc1c19ef"
	"a33785f135a1203005ba2208fcd6b9f0d0e942993671b0c5baefe7ed0bbfe070"
	"a9e1d26eed37228ceda64b70c25a59fd040703acc385c6e4093a8e258984371c"
	"2d811c01723b87c820a55470501b245d97a0c7564c44e1e31a89457c1125198d"
	"27ac2dec67f7237c781f9f622e420da471af577fa6ad8014bb1dad52dc450e37"
	"ebeeb1f1b7ba3c3d5796c6646bd052fe66cf61d22f6e58efcbf0328d3b6e1088"
	"603e54bfd2da241c970fec58c7d21fc2b2f1b4b79552a92500a7e6848a22ec47"
	"ee362cef9787af3b26439470992c8d103997395aefeff10802673d4630009e4e"
	"5ed26038d5f05c589e64046274d5ff133398e4bab08ca71c0ce93dbd0657785b"
	"150c9e418339e8e47d02ae7322b5b55364dfe10dd02d54dc5f2dbe82e55bcf05"
	"03b30d709301fc7f63cd15e7e1245189405b1364b6074c0e493f7beb27385986"
	"4e95643c7d914279d95f220247618b7a5c896d604e9ce88e0a3ab434cfe97cab"
	"c520b20e2fffee958972e82e98b952cbf3567be560a8385e520b636829252cae"
	"16ac882d1d3dde447a90af52be7967f357a36382c9672a659ed0ffae9ee7b969"
	"c8c788f982fbd524efb6b852f65be5f371032691e9ef6e5a217607cf990e5351"
	"b251f841834045d9bd54633e8bb0d19569377f805857a503a2642dfc06e2063d"
	"fd465dcae83b1e362394cdf20bd6a6d5dd0bacad7f2d407e597b004e90683bfc"
	"23b92796bb0cdf67752765dbba2d1332848adcb83e60b7f3f8c397a3aa5de08b"
	"f491676a18ee4a6ed9b342b33c081794365a72668f273a655e150fa36686aa5d"
	"fbc87ccda9cbe7982e531044cd9fcea68ca1a5034ee64e0558b7c6af56808c03"
	"43506dccf39e4ca8634518e6420c107b7d5fe89943e9f40044b2ae7f047d9727"
	"5ec4763b41416fb3faff897e6ee0047f97b215b02ee09a3f533cba2ee131a0aa"
	"68772860759325ea4dc7ab86528d0aff55f96d00a908ea32f9fa8bd0640d632b"
	"f0d812f43beb03e6c6d4a654b41f27143fde4aa7ed16ae4bba939fbed8ae28da"
	"ce83fcb49fd3ca910512902fc696419968e260901796f3af75d059c6e93a8f53"
	"b445f921e60d9429007c78107309a86102b923dbb2f1fa04f84539c7c58ed45b"
	"40d4b267541d8f2f932ae75dfc13ef906089e1c847635aaada201e32301f326a"
	"733f4a99caa56fa00ccd6de2752a4495408bb4c930eaf84c97a28767a036f656"
	"27efa868adeee1cf47840e67ac4489381da1513dd3d1707a5ad91ac4ba1c3571"
	"4b1cd77e05551612cdfb88187a5a39afd5b2a54f88aeb9605c1e01cd7a976a16"
	"8c6e40eddcb20f09fe54a07a7c971eda08789b41e450f46a30c2b3494f30a060"
	"73631d151ae048793fe32ff08a08b8693d1da71451f7ff2438d7a521f8c97e4b"
	"c8ee744c1574d296c799d3f94e81522ce81def780660cee061d3110c1f18133d"
	"ca1daabb2268aad76327f3cb6ae8c96fc66b5506f5644f2652d022d7b6162099"
	"70f78b8e5c9a74f5d1fc31037d01733bff097a661d4331adc087b84e32afb9d8"
	"2a0614ea459022918f8ca60e74b7c6865d3e86e6ae4acf9546985dc5ccf242dd"
	"9ab0486bde99a1e656499cbfceef8de5beafda89965bf208c70f4a0f8f677792"
	"962b09e0a355d53bbacb4a7acc16e50aa483994d85ca7e28a34ee52843d4f27a"
	"cfb3b5347b89099fd01642b605f87f82283bb146aa319048462fe11a71d0fa06"
	"4e825f69a502ae539240b13a2568383f80c30ebb9a29d2de4c45e6405bd8d158"
	"6fe5eef0477d3c21434b3471c0f864dd4c2f135278645ef1b1ebb4d6954f9276"
	"3d787ad3d0bb48409782cd803a877027ae105511cdaefe0110f9f6c65f2a34ad"
	"12532f4715c0341346dc06bcc4bb0e5c04ffdfd3f625e7e3811a760a2cfa9cbe"
	"1c2914882c192b793aeeb3ab8b03fd8be7e248fc9e5aa0c651d4bb5318c8a266"
	"b735ddc167d837499a3b38dcdfe188e25172eb974eb0eff20cc5c6e42e505fea"
	"7a3b6edfdf93b7062737ea00f72a415c4dfd3cd4fab2dad812d88d02690f606b"
	"52dcfb0ab220dc65a7dee6f31e951324a1c442adfe9cf672646876bedc2c2cb7"
	"1bac583f3cf4ea6769eb54d22bf22b0d908a297caa13767ed14c44b738799e82"
	"1885b2b2988a9b88a2f35bf8d307543af9007fadcfcc273f8029c2fe3d59449c"
	"5f193ca7f8986ca7451d9a3ee14335b10868421b64ea1605d48d4fc22e378f82"
	"b7fe3e88aada30b4c545408b87b24511e371f25d1a94e7b78a6a7aec848e6f82"
	"614f96ef5ed8705e0adec0f889c1860cf8211d716fddf319862290019a4387fb"
	"77c89a5ae7d0074fa72024f2e5096d39ebac8e8ed02191879585394987fea3a0"
	"7a720d6880910629cdcd83a02ffd98830d2f57ee6c53b5cfedb42ec7c3d925cf"
	"3080c343f21711a90f117e9eaf91402d09b83e83bd18d1c4e3d165a8b9bac7ad"
	"ca12cb0147bfc4c6e2166c57b8182e63fbc698881ed5b329eb491eb98050a922"
	"c15804021013bf08942db9ee6d8f2a2c4eb93771340ed9e323d09e4256b7e5ac";
static const char eme_enc16[] = "f1b9ce8ca15a4ba9fb476905434b9fd3";

struct eme_vec {
	const char *name;
	bool decrypt; /* the vector is the decryption of zeros */
	const char *out; /* hex */
};

static const struct eme_vec eme_vecs[] = {
	{ "TestEnc16", false, eme_enc16 },
	{ "TestEnc512", false, eme_enc512 },
	{ "TestDec512", true, eme_dec512 },
	{ "TestEnc2048", false, eme_enc2048 },
};

typedef int (*eme_fn)(struct ac_key *, const uint8_t *, const uint8_t *, size_t, uint8_t *);

/* Deterministic test data, the same on every run and backend. */
static uint64_t kat_rand_state = 0x9e3779b97f4a7c15ull;

static void kat_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kat_rand_state ^= kat_rand_state << 13;
		kat_rand_state ^= kat_rand_state >> 7;
		kat_rand_state ^= kat_rand_state << 17;
		p[i] = (uint8_t)(kat_rand_state >> 32);
	}
}

/* How many of the @len/16 blocks of @a and @b are equal. */
static size_t equal_blocks(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t n = 0;

	for (size_t j = 0; j < len; j += AC_AES_BLOCK_LEN)
		n += !memcmp(a + j, b + j, AC_AES_BLOCK_LEN);
	return n;
}

static void eme_vectors(struct ac_key *key)
{
	static const uint8_t tweak[AC_EME_TWEAK_LEN];
	static uint8_t zero[AC_EME_MAX_LEN], want[AC_EME_MAX_LEN], out[AC_EME_MAX_LEN + 16];
	char what[128];
	size_t len;
	int err;

	for (size_t i = 0; i < sizeof(eme_vecs) / sizeof(eme_vecs[0]); i++) {
		const struct eme_vec *v = &eme_vecs[i];
		eme_fn fwd = v->decrypt ? ac_eme_decrypt : ac_eme_encrypt;
		eme_fn back = v->decrypt ? ac_eme_encrypt : ac_eme_decrypt;

		len = unhex(v->out, want, sizeof(want));
		snprintf(what, sizeof(what), "eme rfjakob/eme %s, %zu bytes, %s", v->name, len,
			 v->decrypt ? "decrypt" : "encrypt");
		memset(out, CANARY, sizeof(out));
		err = fwd(key, tweak, zero, len, out);
		check_bytes(what, err, out, sizeof(out), want, len);

		snprintf(what, sizeof(what), "eme rfjakob/eme %s, %zu bytes, %s back", v->name, len,
			 v->decrypt ? "encrypt" : "decrypt");
		memset(out, CANARY, sizeof(out));
		err = back(key, tweak, want, len, out);
		check_bytes(what, err, out, sizeof(out), zero, len);

		snprintf(what, sizeof(what), "eme rfjakob/eme %s, %zu bytes, in place", v->name,
			 len);
		memset(out, CANARY, sizeof(out));
		memset(out, 0, len);
		err = fwd(key, tweak, out, len, out);
		check_bytes(what, err, out, sizeof(out), want, len);
	}
}

/* Every length from 16 to 2048 bytes, random data and tweaks: decrypting
 * gives the input back, and the output is not the input. */
static void eme_round_trips(struct ac_key *key)
{
	static uint8_t in[AC_EME_MAX_LEN], ct[AC_EME_MAX_LEN], back[AC_EME_MAX_LEN];
	uint8_t tweak[AC_EME_TWEAK_LEN];
	const char *what = "eme round trip of random data, 16 to 2048 bytes in steps of 16";
	size_t len, lengths = 0;
	int err;

	for (len = AC_EME_MIN_LEN; len <= AC_EME_MAX_LEN; len += AC_AES_BLOCK_LEN) {
		kat_fill(in, len);
		kat_fill(tweak, sizeof(tweak));
		err = ac_eme_encrypt(key, tweak, in, len, ct);
		if (!err)
			err = ac_eme_decrypt(key, tweak, ct, len, back);
		if (err) {
			fprintf(stderr, "%zu bytes: %s\n", len, errname(err));
			wrong(what, errname(err));
			return;
		}
		if (memcmp(back, in, len) || equal_blocks(in, ct, len)) {
			fprintf(stderr, "%zu bytes\n", len);
			wrong(what, memcmp(back, in, len) ? "wrong bytes back"
							  : "a block came out unchanged");
			return;
		}
		lengths++;
	}
	printf("%s: ok, %zu lengths\n", what, lengths);
}

/* Flip @bit of @p, run @fn, flip it back.  Return: 0 when every block of
 * the output differs from @base, -EAGAIN when one does not, or the error. */
static int eme_flip(struct ac_key *key, eme_fn fn, uint8_t *tweak, uint8_t *in, size_t len,
		    uint8_t *p, size_t bit, const uint8_t *base, uint8_t *out)
{
	int err;

	p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	err = fn(key, tweak, in, len, out);
	p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (!err && equal_blocks(base, out, len)) {
		fprintf(stderr, "bit %zu: %zu of %zu blocks unchanged\n", bit,
			equal_blocks(base, out, len), len / AC_AES_BLOCK_LEN);
		return -EAGAIN;
	}
	return err;
}

/*
 * The wide-block property: one flipped bit anywhere in the input (or the
 * tweak) changes every block of the output, in both directions.  Every bit
 * up to 4096 bits, else every 61st bit and the last.
 */
static void eme_diffusion(struct ac_key *key, bool decrypt, bool flip_tweak, size_t len)
{
	static uint8_t in[AC_EME_MAX_LEN], base[AC_EME_MAX_LEN], out[AC_EME_MAX_LEN];
	eme_fn fn = decrypt ? ac_eme_decrypt : ac_eme_encrypt;
	uint8_t tweak[AC_EME_TWEAK_LEN];
	uint8_t *p = flip_tweak ? tweak : in;
	size_t bits = flip_tweak ? 8 * sizeof(tweak) : 8 * len;
	size_t step = bits > 4096 ? 61 : 1, tried = 0, bit;
	char what[160];
	int err;

	snprintf(what, sizeof(what), "eme %s, %zu bytes: a flipped %s bit changes every block",
		 decrypt ? "decrypt" : "encrypt", len, flip_tweak ? "tweak" : "input");
	kat_fill(in, len);
	kat_fill(tweak, sizeof(tweak));
	err = fn(key, tweak, in, len, base);
	for (bit = 0; !err && bit < bits; bit += step, tried++)
		err = eme_flip(key, fn, tweak, in, len, p, bit, base, out);
	if (!err && bit - step != bits - 1) {
		err = eme_flip(key, fn, tweak, in, len, p, bits - 1, base, out);
		tried++;
	}
	if (err) {
		wrong(what, err == -EAGAIN ? "a block did not change" : errname(err));
		return;
	}
	printf("%s: ok, %zu bits tried\n", what, tried);
}

/* An ECB key from ac_derive_key() enciphers as one made from the HKDF bytes. */
static void eme_derived(struct ac_ctx *ctx)
{
	static const uint8_t prk_bytes[32] = { 1, 2, 3 }, tweak[AC_EME_TWEAK_LEN] = { 7 };
	static const uint8_t info[] = "crypto-kat eme";
	const char *what = "eme with an ecb(aes) key from ac_derive_key";
	uint8_t bytes[32], in[64], want[64], out[64];
	struct ac_key *prk = NULL, *derived = NULL, *plain = NULL;
	int err;

	kat_fill(in, sizeof(in));
	err = ac_key_new(ctx, AC_ALG_HMAC, prk_bytes, sizeof(prk_bytes), &prk);
	if (!err)
		err = ac_derive_key(prk, AC_ALG_ECB, info, sizeof(info), &derived);
	if (!err)
		err = ac_hkdf_expand(prk, info, sizeof(info), bytes, sizeof(bytes));
	if (!err)
		err = ac_key_new(ctx, AC_ALG_ECB, bytes, sizeof(bytes), &plain);
	if (!err)
		err = ac_eme_encrypt(plain, tweak, in, sizeof(in), want);
	if (!err)
		err = ac_eme_encrypt(derived, tweak, in, sizeof(in), out);
	if (!err && ac_key_alg(derived) != AC_ALG_ECB)
		wrong(what, "not an ecb(aes) key");
	else
		check_bytes(what, err, out, sizeof(out), want, sizeof(want));
	ac_key_put(plain);
	ac_key_put(derived);
	ac_key_put(prk);
}

static void test_eme(struct ac_ctx *ctx)
{
	static const size_t diffusion_lens[] = { 16, 48, 256, 2048 };
	static const uint8_t zero_key[32], tweak[AC_EME_TWEAK_LEN];
	static uint8_t buf[AC_EME_MAX_LEN + 16], out[AC_EME_MAX_LEN + 16];
	struct ac_key *key, *cts;
	int err;

	err = ac_key_new(ctx, AC_ALG_ECB, zero_key, sizeof(zero_key), &key);
	if (err) {
		wrong("eme all-zero ecb(aes) key", errname(err));
		return;
	}
	eme_vectors(key);
	eme_round_trips(key);
	for (size_t i = 0; i < sizeof(diffusion_lens) / sizeof(diffusion_lens[0]); i++) {
		eme_diffusion(key, false, false, diffusion_lens[i]);
		eme_diffusion(key, true, false, diffusion_lens[i]);
	}
	eme_diffusion(key, false, true, 64);
	eme_diffusion(key, true, true, 64);

	check_err("eme 0 bytes encrypt", ac_eme_encrypt(key, tweak, buf, 0, out), -EINVAL);
	check_err("eme 24 bytes encrypt", ac_eme_encrypt(key, tweak, buf, 24, out), -EINVAL);
	check_err("eme 2064 bytes encrypt", ac_eme_encrypt(key, tweak, buf, 2064, out), -EINVAL);
	check_err("eme 2064 bytes decrypt", ac_eme_decrypt(key, tweak, buf, 2064, out), -EINVAL);
	ac_key_put(key);

	eme_derived(ctx);

	err = ac_key_new(ctx, AC_ALG_CTS, zero_key, sizeof(zero_key), &cts);
	if (err) {
		wrong("eme with a cts(cbc(aes)) key", errname(err));
		return;
	}
	check_err("eme with a cts(cbc(aes)) key", ac_eme_encrypt(cts, tweak, buf, 16, out),
		  -EINVAL);
	ac_key_put(cts);
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
	test_ecb(ctx);
	test_eme(ctx);
	test_hmac(ctx);
	test_sha256(ctx);

	ac_ctx_free(ctx);
	if (test_failures)
		fprintf(stderr, "crypto-kat: %d checks failed\n", test_failures);
	return test_failures ? EXIT_WRONG : 0;
}
