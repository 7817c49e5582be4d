// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto-crosscheck - the kernel and the user backend give the same bytes.
 *
 *   crypto-crosscheck [-n COUNT] [-s SEED]
 *
 * COUNT rounds (default 3000) with random keys and data from a PRNG seeded
 * with SEED (default: from the clock; printed on standard error, so that a
 * failure can be repeated with -s).  Each round, through crypto.h only:
 *
 *   gcm     a random AES-256 key, nonce, 0..64 bytes of AAD and 0..70000
 *           bytes of data: both backends encrypt to the same bytes, each
 *           decrypts the other's output; every other round as a batch of
 *           4 KiB blocks; every fourth round one flipped bit in AAD,
 *           ciphertext or tag is refused by both (EBADMSG, output wiped)
 *   cts     a random AES-256 key and IV, 16..4096 bytes: the same both
 *           ways
 *   eme     a random AES-256 ecb(aes) key and tweak, 1..128 blocks: the
 *           same both ways (EME's ECB passes, both directions, with L)
 *   hmac    a random key of 1..128 bytes, 0..5000 bytes split differently
 *           into iovecs for each backend: the same MAC
 *   hkdf    a random PRK and info, L of 1..8160: the same output
 *   sha256  0..70000 bytes: the same digest
 *
 * Lengths are drawn a quarter of the time from a list of edges (0, 1, block
 * size +-1, page size +-1, 64 KiB +-16, ...), an eighth uniformly, and else
 * log-uniformly, so that short inputs are common and 2000 rounds take less
 * than a minute in the emulated test bed.
 *
 * Standard output is one line, the same for every seed; the first mismatch
 * ends the run with a line naming the primitive, the lengths and the seed.
 *
 * Exit status: 0 every round agreed, 1 a mismatch or an unexpected error,
 * 77 AF_ALG is not available, 64 usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
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

#define GCM_MAX_LEN 70000
#define GCM_MAX_AAD 64
#define GCM_BLOCK 4096 /* batch rounds: one request per 4 KiB, as the filesystem does */
#define GCM_MAX_REQS ((GCM_MAX_LEN + GCM_BLOCK - 1) / GCM_BLOCK)
#define GCM_BUF (GCM_MAX_LEN + GCM_MAX_REQS * AC_GCM_TAG_LEN)
#define CTS_MAX_LEN 4096
#define HMAC_MAX_KEY 128
#define HMAC_MAX_LEN 5000
#define HMAC_MAX_IOV 8
#define HKDF_MAX_INFO 256
#define SHA_MAX_LEN 70000

/* ---- the PRNG: splitmix64, deterministic for a seed -------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 0 .. @n - 1; the bias of % is irrelevant here. */
static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t r = rnd();
		size_t k = n < 8 ? n : 8;

		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

/*
 * A length in [@min, @max]: an edge from @edges (those in range) a quarter
 * of the time, uniform an eighth, else log-uniform (uniform below a random
 * power of two).
 */
static size_t rnd_len(size_t min, size_t max, const size_t *edges, size_t nedges)
{
	size_t bits, v;

	switch (rnd_below(8)) {
	case 0:
	case 1:
		v = edges[rnd_below(nedges)];
		if (v >= min && v <= max)
			return v;
		/* fall through */
	case 2:
		return min + rnd_below(max - min + 1);
	default:
		for (bits = 0; (max >> bits) > 1; bits++)
			;
		v = rnd_below((size_t)2 << rnd_below(bits + 1));
		return v < min ? min : v > max ? max : v;
	}
}

static const size_t gcm_edges[] = {
	0,   1,	   15,	 16,   17,   31,   32,	 33,	63,    64,    255,
	256, 4095, 4096, 4097, 4112, 8191, 8192, 65535, 65536, 65552, GCM_MAX_LEN,
};
static const size_t cts_edges[] = { 16, 17, 31, 32, 33, 47, 48, 255, 256, 4095, 4096 };
static const size_t eme_edges[] = { 1, 2, 3, 127, 128 }; /* blocks */
static const size_t hmac_edges[] = { 0, 1, 55, 56, 63, 64, 65, 119, 128, 4096, HMAC_MAX_LEN };
static const size_t hkdf_edges[] = { 1, 31, 32, 33, 64, 65, 8159, AC_HKDF_MAX_LEN };
static const size_t sha_edges[] = { 0, 1, 55, 56, 63, 64, 65, 4096, 65536, SHA_MAX_LEN };
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reporting --------------------------------------------------------- */

static uint64_t seed;
static unsigned long round_no;

/* The first mismatch or error ends the run: say what, and how to repeat it. */
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("round %lu failed: %s (seed 0x%016" PRIx64 ")\n", round_no, msg, seed);
	fprintf(stderr, "crypto-crosscheck: round %lu: %s; repeat with -s 0x%016" PRIx64 "\n",
		round_no, msg, seed);
	exit(EXIT_WRONG);
}

struct backend {
	const char *name;
	struct ac_ctx *ctx;
};

static struct ac_key *key_new(const struct backend *be, enum ac_alg alg, const uint8_t *bytes,
			      size_t len)
{
	struct ac_key *key;
	int err;

	err = ac_key_new(be->ctx, alg, bytes, len, &key);
	if (err)
		fail("%s: ac_key_new(alg %d, %zu bytes): %s", be->name, alg, len, errname(err));
	return key;
}

/* ---- gcm --------------------------------------------------------------- */

struct gcm_case {
	uint8_t nonce[AC_GCM_NONCE_LEN];
	uint8_t aad[GCM_MAX_AAD];
	size_t aadlen, len;
	bool batch;
};

/* The nonce of block @i of a batch: the round's nonce, @i XORed into its end. */
static void block_nonce(const struct gcm_case *c, size_t i, uint8_t *nonce)
{
	memcpy(nonce, c->nonce, AC_GCM_NONCE_LEN);
	nonce[AC_GCM_NONCE_LEN - 1] ^= (uint8_t)i;
	nonce[AC_GCM_NONCE_LEN - 2] ^= (uint8_t)(i >> 8);
}

/*
 * Encrypt or decrypt @c's data from @in to @out: one call, or in a batch
 * round one request per GCM_BLOCK bytes, laid out as block || tag, ...
 * Return the first error; in a batch the other requests still ran, and the
 * batch's return must be its first failing request's result.
 */
static int gcm_run(struct ac_key *key, const struct gcm_case *c, bool encrypt, const uint8_t *in,
		   uint8_t *out)
{
	static uint8_t nonces[GCM_MAX_REQS + 1][AC_GCM_NONCE_LEN];
	struct ac_gcm_req reqs[GCM_MAX_REQS + 1];
	size_t n = 0, off = 0, piece, i;
	int ret;

	if (!c->batch)
		return encrypt ? ac_gcm_encrypt(key, c->nonce, c->aad, c->aadlen, in, c->len, out)
			       : ac_gcm_decrypt(key, c->nonce, c->aad, c->aadlen, in, c->len, out);
	do {
		piece = c->len - off < GCM_BLOCK ? c->len - off : GCM_BLOCK;
		block_nonce(c, n, nonces[n]);
		reqs[n] = (struct ac_gcm_req){
			.nonce = nonces[n],
			.aad = c->aad,
			.aadlen = c->aadlen,
			.in = in + off + n * (encrypt ? 0 : AC_GCM_TAG_LEN),
			.out = out + off + n * (encrypt ? AC_GCM_TAG_LEN : 0),
			.len = piece,
			.result = 1,
		};
		n++;
		off += piece;
	} while (off < c->len);
	ret = encrypt ? ac_gcm_encrypt_batch(key, reqs, n) : ac_gcm_decrypt_batch(key, reqs, n);
	for (i = 0; i < n && !reqs[i].result; i++)
		;
	if (i < n ? ret != reqs[i].result : ret != 0)
		fail("gcm batch %s: returned %d, but request %zu of %zu has result %d, len %zu",
		     encrypt ? "encrypt" : "decrypt", ret, i, n, i < n ? reqs[i].result : 0,
		     c->len);
	return ret;
}

static size_t gcm_sealed_len(const struct gcm_case *c)
{
	size_t blocks = c->batch && c->len ? (c->len + GCM_BLOCK - 1) / GCM_BLOCK : 1;

	return c->len + blocks * AC_GCM_TAG_LEN;
}

/*
 * Flip one random bit of AAD || @ct (@sealed bytes): both backends must
 * refuse it with EBADMSG and wipe what they refused, which in a batch is the
 * forged block only (every block, when the AAD is forged); the other blocks
 * of a batch still decrypt to @pt.
 */
static void gcm_forged(const struct backend *be, struct ac_key **key, struct gcm_case *c,
		       uint8_t *ct, size_t sealed, const uint8_t *pt, uint8_t *out)
{
	size_t bit = rnd_below((c->aadlen + sealed) * 8), byte = bit / 8;
	bool in_aad = byte < c->aadlen;
	size_t bad_off = 0, bad_len = c->len, off;
	uint8_t *p = in_aad ? c->aad + byte : ct + byte - c->aadlen;
	int i, err;

	if (c->batch && !in_aad) {
		/* Block b occupies [b * (GCM_BLOCK + tag), ...) of @ct. */
		bad_off = (byte - c->aadlen) / (GCM_BLOCK + AC_GCM_TAG_LEN) * GCM_BLOCK;
		bad_len = c->len - bad_off < GCM_BLOCK ? c->len - bad_off : GCM_BLOCK;
	}
	*p ^= (uint8_t)(1u << (bit % 8));
	for (i = 0; i < 2; i++) {
		memset(out, 0xa5, GCM_BUF);
		err = gcm_run(key[i], c, false, ct, out);
		if (err != -EBADMSG)
			fail("%s decrypt, %s, bit %zu of AAD || ciphertext || tag flipped: %s, "
			     "aadlen %zu, len %zu",
			     c->batch ? "gcm batch" : "gcm", be[i].name, bit,
			     err ? errname(err) : "accepted", c->aadlen, c->len);
		if (!is_zero(out + bad_off, bad_len))
			fail("%s decrypt, %s, bit %zu flipped: EBADMSG but output not wiped, "
			     "aadlen %zu, len %zu",
			     c->batch ? "gcm batch" : "gcm", be[i].name, bit, c->aadlen, c->len);
		for (off = 0; off < c->len; off += GCM_BLOCK) {
			size_t piece = c->len - off < GCM_BLOCK ? c->len - off : GCM_BLOCK;

			if (off == bad_off && piece == bad_len)
				continue;
			if (c->batch && !in_aad && memcmp(out + off, pt + off, piece))
				fail("gcm batch decrypt, %s, bit %zu flipped: a good block at %zu "
				     "went wrong, aadlen %zu, len %zu",
				     be[i].name, bit, off, c->aadlen, c->len);
		}
	}
	*p ^= (uint8_t)(1u << (bit % 8));
}

static void round_gcm(const struct backend *be)
{
	static uint8_t pt[GCM_MAX_LEN], ct[2][GCM_BUF], out[GCM_BUF];
	uint8_t keybytes[AC_KEY_LEN];
	struct ac_key *key[2];
	struct gcm_case c;
	const char *mode;
	size_t sealed;
	int i, err;

	rnd_bytes(keybytes, sizeof(keybytes));
	rnd_bytes(c.nonce, sizeof(c.nonce));
	c.aadlen = rnd_below(GCM_MAX_AAD + 1);
	rnd_bytes(c.aad, c.aadlen);
	c.len = rnd_len(0, GCM_MAX_LEN, gcm_edges, N(gcm_edges));
	rnd_bytes(pt, c.len);
	c.batch = round_no % 2;
	sealed = gcm_sealed_len(&c);
	mode = c.batch ? "gcm batch" : "gcm";

	for (i = 0; i < 2; i++) {
		key[i] = key_new(&be[i], AC_ALG_GCM, keybytes, sizeof(keybytes));
		err = gcm_run(key[i], &c, true, pt, ct[i]);
		if (err)
			fail("%s encrypt, %s: %s, aadlen %zu, len %zu", mode, be[i].name,
			     errname(err), c.aadlen, c.len);
	}
	if (memcmp(ct[0], ct[1], sealed))
		fail("%s encrypt: kernel and user differ, aadlen %zu, len %zu", mode, c.aadlen,
		     c.len);

	/* Each decrypts the other's. */
	for (i = 0; i < 2; i++) {
		memset(out, 0xa5, sizeof(out));
		err = gcm_run(key[i], &c, false, ct[!i], out);
		if (err || memcmp(out, pt, c.len))
			fail("%s decrypt, %s of %s's: %s, aadlen %zu, len %zu", mode, be[i].name,
			     be[!i].name, err ? errname(err) : "wrong bytes", c.aadlen, c.len);
	}

	/* A flipped bit anywhere in AAD || ciphertext || tag. */
	if (round_no % 4 == 3)
		gcm_forged(be, key, &c, ct[0], sealed, pt, out);
	ac_key_put(key[0]);
	ac_key_put(key[1]);
}

/* ---- cts --------------------------------------------------------------- */

static void round_cts(const struct backend *be)
{
	static uint8_t pt[CTS_MAX_LEN], ct[2][CTS_MAX_LEN], out[CTS_MAX_LEN];
	uint8_t keybytes[AC_KEY_LEN], iv[AC_CTS_IV_LEN];
	struct ac_key *key[2];
	size_t len;
	int i, err;

	rnd_bytes(keybytes, sizeof(keybytes));
	rnd_bytes(iv, sizeof(iv));
	len = rnd_len(AC_CTS_MIN_LEN, CTS_MAX_LEN, cts_edges, N(cts_edges));
	rnd_bytes(pt, len);

	for (i = 0; i < 2; i++) {
		key[i] = key_new(&be[i], AC_ALG_CTS, keybytes, sizeof(keybytes));
		err = ac_cts_encrypt(key[i], iv, pt, len, ct[i]);
		if (err)
			fail("cts encrypt, %s: %s, len %zu", be[i].name, errname(err), len);
	}
	if (memcmp(ct[0], ct[1], len))
		fail("cts encrypt: kernel and user differ, len %zu", len);
	for (i = 0; i < 2; i++) {
		err = ac_cts_decrypt(key[i], iv, ct[!i], len, out);
		if (err || memcmp(out, pt, len))
			fail("cts decrypt, %s of %s's: %s, len %zu", be[i].name, be[!i].name,
			     err ? errname(err) : "wrong bytes", len);
	}
	ac_key_put(key[0]);
	ac_key_put(key[1]);
}

/* ---- eme --------------------------------------------------------------- */

static void round_eme(const struct backend *be)
{
	static uint8_t pt[AC_EME_MAX_LEN], ct[2][AC_EME_MAX_LEN], out[AC_EME_MAX_LEN];
	uint8_t keybytes[AC_KEY_LEN], tweak[AC_EME_TWEAK_LEN];
	struct ac_key *key[2];
	size_t len;
	int i, err;

	rnd_bytes(keybytes, sizeof(keybytes));
	rnd_bytes(tweak, sizeof(tweak));
	len = AC_AES_BLOCK_LEN *
	      rnd_len(1, AC_EME_MAX_LEN / AC_AES_BLOCK_LEN, eme_edges, N(eme_edges));
	rnd_bytes(pt, len);

	for (i = 0; i < 2; i++) {
		key[i] = key_new(&be[i], AC_ALG_ECB, keybytes, sizeof(keybytes));
		err = ac_eme_encrypt(key[i], tweak, pt, len, ct[i]);
		if (err)
			fail("eme encrypt, %s: %s, len %zu", be[i].name, errname(err), len);
	}
	if (memcmp(ct[0], ct[1], len))
		fail("eme encrypt: kernel and user differ, len %zu", len);
	for (i = 0; i < 2; i++) {
		err = ac_eme_decrypt(key[i], tweak, ct[!i], len, out);
		if (err || memcmp(out, pt, len))
			fail("eme decrypt, %s of %s's: %s, len %zu", be[i].name, be[!i].name,
			     err ? errname(err) : "wrong bytes", len);
	}
	ac_key_put(key[0]);
	ac_key_put(key[1]);
}

/* ---- hmac, hkdf, sha256 ------------------------------------------------ */

/* Cut @len bytes at @data into 1..HMAC_MAX_IOV pieces, some maybe empty. */
static int rnd_iov(uint8_t *data, size_t len, struct iovec *iov)
{
	int n = 1 + (int)rnd_below(HMAC_MAX_IOV), i;
	size_t off = 0, piece;

	for (i = 0; i < n; i++) {
		piece = i == n - 1 ? len - off : rnd_below(len - off + 1);
		iov[i].iov_base = data + off;
		iov[i].iov_len = piece;
		off += piece;
	}
	return n;
}

static void round_hmac(const struct backend *be)
{
	static uint8_t msg[HMAC_MAX_LEN];
	uint8_t keybytes[HMAC_MAX_KEY], mac[2][AC_SHA256_LEN];
	struct iovec iov[HMAC_MAX_IOV];
	size_t keylen, len;
	struct ac_key *key;
	int i, n, err;

	keylen = 1 + rnd_below(HMAC_MAX_KEY);
	rnd_bytes(keybytes, keylen);
	len = rnd_len(0, HMAC_MAX_LEN, hmac_edges, N(hmac_edges));
	rnd_bytes(msg, len);
	for (i = 0; i < 2; i++) {
		key = key_new(&be[i], AC_ALG_HMAC, keybytes, keylen);
		n = rnd_iov(msg, len, iov);
		err = ac_hmac_sha256(key, iov, n, mac[i]);
		if (err)
			fail("hmac, %s: %s, key %zu bytes, len %zu in %d iovecs", be[i].name,
			     errname(err), keylen, len, n);
		ac_key_put(key);
	}
	if (memcmp(mac[0], mac[1], AC_SHA256_LEN))
		fail("hmac: kernel and user differ, key %zu bytes, len %zu", keylen, len);
}

static void round_hkdf(const struct backend *be)
{
	static uint8_t okm[2][AC_HKDF_MAX_LEN];
	uint8_t prk[AC_KEY_LEN], info[HKDF_MAX_INFO];
	size_t infolen, len;
	struct ac_key *key;
	int i, err;

	rnd_bytes(prk, sizeof(prk));
	infolen = rnd_below(HKDF_MAX_INFO + 1);
	rnd_bytes(info, infolen);
	len = rnd_len(1, AC_HKDF_MAX_LEN, hkdf_edges, N(hkdf_edges));
	for (i = 0; i < 2; i++) {
		key = key_new(&be[i], AC_ALG_HMAC, prk, sizeof(prk));
		err = ac_hkdf_expand(key, info, infolen, okm[i], len);
		if (err)
			fail("hkdf, %s: %s, info %zu bytes, L %zu", be[i].name, errname(err),
			     infolen, len);
		ac_key_put(key);
	}
	if (memcmp(okm[0], okm[1], len))
		fail("hkdf: kernel and user differ, info %zu bytes, L %zu", infolen, len);
}

static void round_sha256(const struct backend *be)
{
	static uint8_t data[SHA_MAX_LEN];
	uint8_t digest[2][AC_SHA256_LEN];
	size_t len;
	int i, err;

	len = rnd_len(0, SHA_MAX_LEN, sha_edges, N(sha_edges));
	rnd_bytes(data, len);
	for (i = 0; i < 2; i++) {
		err = ac_sha256(be[i].ctx, data, len, digest[i]);
		if (err)
			fail("sha256, %s: %s, len %zu", be[i].name, errname(err), len);
	}
	if (memcmp(digest[0], digest[1], AC_SHA256_LEN))
		fail("sha256: kernel and user differ, len %zu", len);
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "Usage: crypto-crosscheck [-i IO] [-n COUNT] [-s SEED]\n"
		   "Random inputs through both backends; their outputs must be identical.\n"
		   "IO: the kernel backend's I/O method (auto, uring, sendmsg, splice).\n"
		   "Exit status: 0 ok, 1 a mismatch or error, 77 AF_ALG not available,\n"
		   "64 usage error.\n");
}

int main(int argc, char **argv)
{
	struct ac_options kopts = { .mode = AC_BACKEND_KERNEL };
	struct ac_options uopts = { .mode = AC_BACKEND_USER };
	struct backend be[2] = { { .name = "kernel" }, { .name = "user" } };
	unsigned long count = 3000;
	const char *io = NULL;
	bool have_seed = false;
	struct timespec ts;
	char *end;
	int c, err;

	while ((c = getopt(argc, argv, "i:n:s:h")) != -1) {
		switch (c) {
		case 'i':
			if (!test_parse_io(optarg, &kopts.io)) {
				usage(stderr);
				return EXIT_USAGE;
			}
			io = optarg;
			break;
		case 'n':
			errno = 0;
			count = strtoul(optarg, &end, 0);
			if (errno || *end || !*optarg) {
				usage(stderr);
				return EXIT_USAGE;
			}
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg) {
				usage(stderr);
				return EXIT_USAGE;
			}
			have_seed = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!have_seed) {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		seed ^= (uint64_t)getpid() << 32;
	}
	rng = seed;
	fprintf(stderr, "crypto-crosscheck: %lu rounds, seed 0x%016" PRIx64 "\n", count, seed);
	ac_log_set_ident("crypto-crosscheck");

	err = ac_ctx_new(&kopts, &be[0].ctx);
	if (err == -EAFNOSUPPORT) {
		fprintf(stderr, "AF_ALG not available\n");
		return EXIT_SKIP;
	}
	if (err) {
		fprintf(stderr, "crypto-crosscheck: kernel backend: %s\n", strerror(-err));
		return EXIT_WRONG;
	}
	if (!test_io_is(be[0].ctx, "crypto-crosscheck", io)) {
		ac_ctx_free(be[0].ctx);
		return EXIT_WRONG;
	}
	err = ac_ctx_new(&uopts, &be[1].ctx);
	if (err) {
		fprintf(stderr, "crypto-crosscheck: user backend: %s\n", strerror(-err));
		ac_ctx_free(be[0].ctx);
		return EXIT_WRONG;
	}

	for (round_no = 0; round_no < count; round_no++) {
		round_gcm(be);
		round_cts(be);
		round_eme(be);
		round_hmac(be);
		round_hkdf(be);
		round_sha256(be);
	}
	printf("%lu rounds: gcm, cts, eme, hmac, hkdf, sha256 identical in both directions\n",
	       count);

	ac_ctx_free(be[1].ctx);
	ac_ctx_free(be[0].ctx);
	return 0;
}
