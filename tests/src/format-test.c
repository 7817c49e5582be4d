// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format-test - unit tests of fs/'s on-disk format (fs/format/format.h),
 * on one crypto backend.
 *
 *   format-test --backend kernel|user
 *
 *   offsets   plaintext <-> ciphertext sizes and offsets for 4 KiB and 64 KiB
 *             blocks: named edge cases (empty file, one block, bs - 1, bs + 1,
 *             a partial last block, offsets inside the header, sizes no file
 *             can have, the largest file), and every size up to four blocks
 *             against a naive model
 *   header    encoding, decoding and what decoding refuses
 *   blocks    fixed vectors (fixed key, file ID and nonces), round trips,
 *             tampering (a flipped byte, a block moved to another index or
 *             file, a truncated block, another key) refused with the
 *             plaintext wiped, holes, and batches across the batch size
 *   names     fixed vectors, round trips of every length from 1 to 255,
 *             and every way a name or an encoded name is refused: format 1
 *             (CBC-CTS), then format 2 (EME)
 *   longnames the on-disk and sidecar names of long names
 *   reserved  reserved names and plaintext-names checks
 *
 * The vectors' expected bytes were computed independently, in Python with
 * the "cryptography" package (AES-GCM, and AES-CBC under a hand-written CS3
 * ciphertext stealing, checked against RFC 3962; EME in
 * tests/fixtures/format-v2-vector.py, checked against rfjakob/eme's vectors)
 * and Python's base64 and hashlib; docs/FORMAT.md lists the same vectors.  One line per check on
 * standard output, the same for both backends; details of a failure go to
 * standard error.
 *
 * Exit status: 0 every check passed, 1 a wrong answer or an unexpected
 * error, 77 AF_ALG is not available (kernel backend), 64 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "format.h"
#include "testutil.h"
#include "log.h"

#define CANARY 0xa5 /* fills output buffers, to see what a call wrote */
#define BS 4096u /* the vectors' block size */
#define DLEN AFS_BLOCK_DISK_LEN(BS)

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "format-test: out of memory\n");
		exit(EXIT_WRONG);
	}
	return p;
}

static void ok(const char *what)
{
	printf("%s: ok\n", what);
}

/* A check of something true or false. */
static void check(const char *what, bool good)
{
	if (good)
		ok(what);
	else
		wrong(what, "false");
}

/* The call for @what should have returned @want: a value or -errno. */
static void check_ret(const char *what, long long got, long long want)
{
	char why[96];

	if (got == want) {
		if (want < 0)
			printf("%s: %s\n", what, errname((int)want));
		else
			ok(what);
		return;
	}
	if (got < 0)
		snprintf(why, sizeof(why), "%s, expected %lld", errname((int)got), want);
	else if (want < 0)
		snprintf(why, sizeof(why), "%lld, expected %s", got, errname((int)want));
	else
		snprintf(why, sizeof(why), "%lld, expected %lld", got, want);
	wrong(what, why);
}

/* The call for @what returned @err and wrote @got; it should have written @want. */
static void check_bytes(const char *what, long long err, const uint8_t *got, const uint8_t *want,
			size_t len)
{
	if (err < 0) {
		wrong(what, errname((int)err));
		return;
	}
	if (memcmp(got, want, len)) {
		wrong(what, "wrong bytes");
		hexdump("got", got, len);
		hexdump("want", want, len);
		return;
	}
	ok(what);
}

static void check_hex(const char *what, long long err, const uint8_t *got, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));

	check_bytes(what, err, got, want, n);
}

static void check_str(const char *what, long long err, const char *got, const char *want)
{
	if (err < 0) {
		wrong(what, errname((int)err));
		return;
	}
	if (strcmp(got, want)) {
		wrong(what, "wrong string");
		fprintf(stderr, "  got    %s\n  want   %s\n", got, want);
		return;
	}
	if (err != (long long)strlen(want) && err != 0) {
		wrong(what, "wrong length returned");
		return;
	}
	ok(what);
}

/* A decryption for @what should have been refused with @want, @len bytes of @out wiped. */
static void check_refused(const char *what, long long err, long long want, const uint8_t *out,
			  size_t len)
{
	char why[96];

	if (err != want) {
		check_ret(what, err, want);
		return;
	}
	if (!is_zero(out, len)) {
		snprintf(why, sizeof(why), "%s, but the output was not wiped", errname((int)want));
		wrong(what, why);
		return;
	}
	printf("%s: %s, output wiped\n", what, errname((int)want));
}

/* ---- offsets ------------------------------------------------------------ */

/* The naive model: every block costs its plaintext, a nonce and a tag. */
static uint64_t model_cipher_size(uint64_t p, uint32_t bs)
{
	return p ? AFS_HEADER_LEN + p + AFS_BLOCK_OVERHEAD * ((p + bs - 1) / bs) : 0;
}

struct size_case {
	const char *name;
	uint64_t in;
	long long want; /* a size, or -errno */
};

static void run_size_cases(uint32_t bs, bool to_plain, const struct size_case *c, size_t n)
{
	char what[160];
	uint64_t out = 0;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (to_plain)
			err = afs_plain_size(c[i].in, bs, &out);
		else
			err = afs_cipher_size(c[i].in, bs, &out);
		if (c[i].want >= 0)
			snprintf(what, sizeof(what),
				 "bs %" PRIu32 ": %s size %" PRIu64 " (%s) is %s size %lld", bs,
				 to_plain ? "cipher" : "plain", c[i].in, c[i].name,
				 to_plain ? "plain" : "cipher", c[i].want);
		else
			snprintf(what, sizeof(what), "bs %" PRIu32 ": %s size %" PRIu64 " (%s)", bs,
				 to_plain ? "cipher" : "plain", c[i].in, c[i].name);
		check_ret(what, err ? err : (long long)out, c[i].want);
	}
}

struct range_case {
	uint64_t off, len;
	int err;
	uint64_t first, count;
	uint32_t head, tail;
};

static void test_offsets_bs(uint32_t bs, uint64_t pmax)
{
	const uint64_t d = AFS_BLOCK_DISK_LEN(bs);
	const uint64_t nmax = pmax / bs;
	const uint64_t cmax = AFS_HEADER_LEN + nmax * d;
	const uint64_t i64max = INT64_MAX;
	const struct size_case to_cipher[] = {
		{ "empty file", 0, 0 },
		{ "one byte", 1, 47 },
		{ "bs - 1", bs - 1, (long long)(bs + 45) },
		{ "exactly one block", bs, (long long)(18 + d) },
		{ "bs + 1", bs + 1, (long long)(18 + d + 29) },
		{ "two blocks", 2 * bs, (long long)(18 + 2 * d) },
		{ "partial last block", 3 * bs + 100, (long long)(18 + 3 * d + 128) },
		{ "the largest file", pmax, (long long)cmax },
		{ "the largest file + 1", pmax + 1, -EFBIG },
		{ "2^64 - 1", UINT64_MAX, -EFBIG },
	};
	const struct size_case to_plain[] = {
		{ "empty file", 0, 0 },
		{ "inside the header", 1, -EUCLEAN },
		{ "inside the header", 17, -EUCLEAN },
		{ "header only", 18, -EUCLEAN },
		{ "header and 1 byte", 19, -EUCLEAN },
		{ "header, nonce and tag", 46, -EUCLEAN },
		{ "one byte", 47, 1 },
		{ "bs - 1", 18 + d - 1, bs - 1 },
		{ "exactly one block", 18 + d, bs },
		{ "one block and 1 byte", 18 + d + 1, -EUCLEAN },
		{ "one block and 28 bytes", 18 + d + 28, -EUCLEAN },
		{ "bs + 1", 18 + d + 29, bs + 1 },
		{ "two blocks", 18 + 2 * d, 2 * bs },
		{ "partial last block", 18 + 3 * d + 128, 3 * bs + 100 },
		{ "the largest file", cmax, (long long)pmax },
		{ "the largest file and 28 bytes", cmax + 28, -EUCLEAN },
		{ "the largest file and 29 bytes", cmax + 29, -EFBIG },
		{ "2^63 - 1", i64max, -EFBIG },
		{ "2^63", i64max + 1, -EFBIG },
	};
	const struct range_case ranges[] = {
		{ 0, 0, 0, 0, 0, 0, 0 },
		{ 0, 1, 0, 0, 1, 0, 1 },
		{ 0, bs, 0, 0, 1, 0, bs },
		{ 0, bs + 1, 0, 0, 2, 0, 1 },
		{ bs - 1, 1, 0, 0, 1, bs - 1, bs },
		{ bs - 1, 2, 0, 0, 2, bs - 1, 1 },
		{ bs, bs, 0, 1, 1, 0, bs },
		{ bs + 1, 0, 0, 1, 0, 1, 0 },
		{ 3 * bs + 5, 2 * bs, 0, 3, 3, 5, 5 },
		{ 5, 10 * bs, 0, 0, 11, 5, 5 },
		{ pmax - 1, 1, 0, nmax - 1, 1, bs - 1, bs },
		{ pmax, 0, 0, nmax, 0, 0, 0 },
		{ pmax, 1, -EFBIG, 0, 0, 0, 0 },
		{ 1, UINT64_MAX, -EFBIG, 0, 0, 0, 0 },
		{ UINT64_MAX, 0, -EFBIG, 0, 0, 0, 0 },
	};
	const uint64_t coffs[][3] = {
		/* ciphertext offset, block, offset in the block */
		{ 18, 0, 0 },	    { 18 + 11, 0, 11 },
		{ 18 + 12, 0, 12 }, { 18 + d - 1, 0, d - 1 },
		{ 18 + d, 1, 0 },   { 18 + 5 * d + 7, 5, 7 },
	};
	char what[200];
	uint64_t idx, off, v, c, p, nvalid, limit;
	uint32_t in;
	struct afs_range r;
	uint8_t *valid;
	size_t i;
	bool good;
	int err;

	run_size_cases(bs, false, to_cipher, sizeof(to_cipher) / sizeof(to_cipher[0]));
	run_size_cases(bs, true, to_plain, sizeof(to_plain) / sizeof(to_plain[0]));

	err = afs_plain_size_max(bs, &v);
	snprintf(what, sizeof(what), "bs %" PRIu32 ": largest plaintext %" PRIu64, bs, pmax);
	check_ret(what, err ? err : (long long)v, (long long)pmax);

	/* Plaintext offsets to blocks. */
	{
		const uint64_t offs[][3] = {
			{ 0, 0, 0 },
			{ 1, 0, 1 },
			{ bs - 1, 0, bs - 1 },
			{ bs, 1, 0 },
			{ bs + 1, 1, 1 },
			{ 7 * bs + 9, 7, 9 },
			{ UINT64_MAX, UINT64_MAX / bs, bs - 1 },
		};

		for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			err = afs_block_locate(offs[i][0], bs, &idx, &in);
			snprintf(what, sizeof(what),
				 "bs %" PRIu32 ": plain offset %" PRIu64 " is block %" PRIu64
				 " + %" PRIu64,
				 bs, offs[i][0], offs[i][1], offs[i][2]);
			check(what, !err && idx == offs[i][1] && in == offs[i][2]);
		}
	}

	/* Blocks to ciphertext offsets. */
	{
		const uint64_t blks[][2] = {
			{ 0, 18 }, { 1, 18 + d }, { 2, 18 + 2 * d }, { nmax, cmax }
		};

		for (i = 0; i < sizeof(blks) / sizeof(blks[0]); i++) {
			err = afs_block_cipher_off(blks[i][0], bs, &off);
			snprintf(what, sizeof(what),
				 "bs %" PRIu32 ": block %" PRIu64 " starts at %" PRIu64, bs,
				 blks[i][0], blks[i][1]);
			check_ret(what, err ? err : (long long)off, (long long)blks[i][1]);
		}
		snprintf(what, sizeof(what), "bs %" PRIu32 ": block %" PRIu64, bs, nmax + 1);
		check_ret(what, afs_block_cipher_off(nmax + 1, bs, &off), -EFBIG);
		snprintf(what, sizeof(what), "bs %" PRIu32 ": block 2^64 - 1", bs);
		check_ret(what, afs_block_cipher_off(UINT64_MAX, bs, &off), -EFBIG);
	}

	/* Ciphertext offsets to blocks. */
	for (i = 0; i < sizeof(coffs) / sizeof(coffs[0]); i++) {
		err = afs_cipher_off_locate(coffs[i][0], bs, &idx, &in);
		snprintf(what, sizeof(what),
			 "bs %" PRIu32 ": cipher offset %" PRIu64 " is block %" PRIu64
			 " + %" PRIu64,
			 bs, coffs[i][0], coffs[i][1], coffs[i][2]);
		check(what, !err && idx == coffs[i][1] && in == coffs[i][2]);
	}
	snprintf(what, sizeof(what), "bs %" PRIu32 ": cipher offset 0 (inside the header)", bs);
	check_ret(what, afs_cipher_off_locate(0, bs, &idx, &in), -EINVAL);
	snprintf(what, sizeof(what), "bs %" PRIu32 ": cipher offset 17 (inside the header)", bs);
	check_ret(what, afs_cipher_off_locate(17, bs, &idx, &in), -EINVAL);

	/* Requests to ranges of blocks. */
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range_case *rc = &ranges[i];

		memset(&r, CANARY, sizeof(r));
		err = afs_block_range(rc->off, rc->len, bs, &r);
		snprintf(what, sizeof(what), "bs %" PRIu32 ": range (%" PRIu64 ", %" PRIu64 ")", bs,
			 rc->off, rc->len);
		if (rc->err || err) {
			check_ret(what, err, rc->err);
			continue;
		}
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " is blocks %" PRIu64 " + %" PRIu64 ", head %" PRIu32 ", tail %" PRIu32,
			 rc->first, rc->count, rc->head, rc->tail);
		good = r.first == rc->first && r.count == rc->count && r.head == rc->head &&
		       r.tail == rc->tail && r.coff == 18 + rc->first * d &&
		       r.clen == rc->count * d;
		if (!good)
			fprintf(stderr,
				"  got first %" PRIu64 " count %" PRIu64 " head %" PRIu32
				" tail %" PRIu32 " coff %" PRIu64 " clen %" PRIu64 "\n",
				r.first, r.count, r.head, r.tail, r.coff, r.clen);
		check(what, good);
	}

	/*
	 * Every size up to four blocks and a bit: each plaintext size maps to
	 * the model's ciphertext size and back, and exactly the ciphertext
	 * sizes the model can produce are accepted.
	 */
	limit = 4 * bs + 100;
	valid = xmalloc(model_cipher_size(limit, bs) + 1);
	memset(valid, 0, model_cipher_size(limit, bs) + 1);
	good = true;
	for (p = 0; p <= limit; p++) {
		c = model_cipher_size(p, bs);
		valid[c] = 1;
		if (afs_cipher_size(p, bs, &v) || v != c || afs_plain_size(c, bs, &v) || v != p) {
			fprintf(stderr, "  plain size %" PRIu64 " does not round trip\n", p);
			good = false;
		}
	}
	snprintf(what, sizeof(what),
		 "bs %" PRIu32 ": plain sizes 0 to %" PRIu64 " round trip through the model", bs,
		 limit);
	check(what, good);
	good = true;
	nvalid = 0;
	for (c = 0; c <= model_cipher_size(limit, bs); c++) {
		err = afs_plain_size(c, bs, &v);
		nvalid += !err;
		if (valid[c] ? err || model_cipher_size(v, bs) != c : err != -EUCLEAN) {
			fprintf(stderr, "  cipher size %" PRIu64 ": %s\n", c,
				err ? errname(err) : "accepted");
			good = false;
		}
	}
	snprintf(what, sizeof(what),
		 "bs %" PRIu32 ": cipher sizes 0 to %" PRIu64 ": %" PRIu64
		 " valid, the rest EUCLEAN",
		 bs, model_cipher_size(limit, bs), nvalid);
	check(what, good && nvalid == limit + 1);
	free(valid);

	/* Every offset of four blocks against division, and its range of 1 byte. */
	good = true;
	for (off = 0; off < 4 * (uint64_t)bs; off++) {
		if (afs_block_locate(off, bs, &idx, &in) || idx != off / bs || in != off % bs ||
		    afs_block_range(off, 1, bs, &r) || r.first != idx || r.count != 1 ||
		    r.head != in || r.tail != in + 1) {
			fprintf(stderr, "  plain offset %" PRIu64 " is wrong\n", off);
			good = false;
		}
		c = 18 + off / bs * d + 12 + off % bs;
		if (afs_cipher_off_locate(c, bs, &idx, &in) || idx != off / bs ||
		    in != 12 + off % bs) {
			fprintf(stderr, "  cipher offset %" PRIu64 " is wrong\n", c);
			good = false;
		}
	}
	snprintf(what, sizeof(what), "bs %" PRIu32 ": offsets 0 to %" PRIu64 " and back", bs,
		 4 * (uint64_t)bs - 1);
	check(what, good);
}

static void test_offsets(void)
{
	static const uint32_t bad_bs[] = { 0, 1, 2048, 4095, 4097, 6144, 131072, UINT32_MAX };
	char what[80];
	struct afs_range r;
	uint64_t v, idx;
	uint32_t in;
	size_t i;

	for (i = 0; i < sizeof(bad_bs) / sizeof(bad_bs[0]); i++) {
		uint32_t bs = bad_bs[i];
		int nbad = (afs_plain_size(47, bs, &v) == -EINVAL) +
			   (afs_cipher_size(1, bs, &v) == -EINVAL) +
			   (afs_plain_size_max(bs, &v) == -EINVAL) +
			   (afs_block_locate(1, bs, &idx, &in) == -EINVAL) +
			   (afs_block_cipher_off(1, bs, &v) == -EINVAL) +
			   (afs_cipher_off_locate(18, bs, &idx, &in) == -EINVAL) +
			   (afs_block_range(0, 1, bs, &r) == -EINVAL) + !afs_block_size_ok(bs);

		snprintf(what, sizeof(what), "block size %" PRIu32 " refused by every function",
			 bs);
		check(what, nbad == 8);
	}
	check("block sizes 4096 to 65536, powers of two",
	      afs_block_size_ok(4096) && afs_block_size_ok(8192) && afs_block_size_ok(16384) &&
		      afs_block_size_ok(32768) && afs_block_size_ok(65536));

	/* The largest plaintexts computed in Python, independently. */
	test_offsets_bs(4096, 9160749724286410752ull);
	test_offsets_bs(65536, 9219433070088945664ull);
}

/* ---- file header -------------------------------------------------------- */

static const char file_id_hex[] = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void test_header(void)
{
	uint8_t id[AFS_FILE_ID_LEN], got[AFS_FILE_ID_LEN], id2[AFS_FILE_ID_LEN];
	uint8_t hdr[64], hdr2[AFS_HEADER_LEN];
	int err;

	unhex(file_id_hex, id, sizeof(id));
	memset(hdr, CANARY, sizeof(hdr));
	afs_header_encode(hdr, id);
	check_hex("header encode", 0, hdr, "0001f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	check("header encode writes 18 bytes", hdr[AFS_HEADER_LEN] == CANARY);

	memset(got, 0, sizeof(got));
	err = afs_header_decode(hdr, AFS_HEADER_LEN, got);
	check_bytes("header decode", err, got, id, sizeof(id));
	memset(got, 0, sizeof(got));
	err = afs_header_decode(hdr, sizeof(hdr), got);
	check_bytes("header decode, more bytes after it", err, got, id, sizeof(id));
	check_ret("header decode, 17 bytes", afs_header_decode(hdr, 17, got), -EUCLEAN);
	check_ret("header decode, 0 bytes", afs_header_decode(hdr, 0, got), -EUCLEAN);

	hdr[1] = 0;
	check_ret("header decode, version 0", afs_header_decode(hdr, 18, got), -EPROTONOSUPPORT);
	hdr[1] = 2;
	check_ret("header decode, version 2", afs_header_decode(hdr, 18, got), -EPROTONOSUPPORT);
	hdr[0] = 1;
	hdr[1] = 0;
	check_ret("header decode, version 256 (1, little-endian)", afs_header_decode(hdr, 18, got),
		  -EPROTONOSUPPORT);
	memset(hdr, 0, sizeof(hdr));
	check_ret("header decode, all zeros", afs_header_decode(hdr, 18, got), -EPROTONOSUPPORT);

	err = afs_header_new(hdr, id);
	if (!err)
		err = afs_header_new(hdr2, id2);
	if (!err)
		err = afs_header_decode(hdr, 18, got);
	check("header new: version 1, random IDs that decode",
	      !err && hdr[0] == 0 && hdr[1] == 1 && !memcmp(got, id, sizeof(id)) &&
		      memcmp(id, id2, sizeof(id)));
}

/* ---- blocks ------------------------------------------------------------- */

/* The vectors (docs/FORMAT.md, "Test vectors"), computed in Python. */
static const char content_key_hex[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char nonce0_hex[] = "101112131415161718191a1b";
static const char nonce1_hex[] = "202122232425262728292a2b";
static const char nonce_hi_hex[] = "303132333435363738393a3b";
#define INDEX_HI 0x0102030405060708ull
static const char pt1[] = "hello, world\n"; /* block 1, the short last block */
static const char pt_hi[] = "algfs";
static const char b0_ct_first32_hex[] =
	"7dff9a154dcc3cb4c27c02160374675cc7415c1d0fd741a6ffe0f87c42494ac4";
static const char b0_tag_hex[] = "7ebc9c66aeaf0f7bcf90f3d513daca8e";
static const char b0_sha256_hex[] =
	"9fbd4d127e097bd00d5b2c301148a2dad09c67e8111cf5e2bddc275e1ea9a2a5";
static const char b1_hex[] = "202122232425262728292a2bba5fca1c03b43a79750e2eaacb9aa5f4c4"
			     "bac6fac66387cf0b3aefa19d";
static const char bhi_hex[] = "303132333435363738393a3bd25956a69a0204a770ee6b8fcfb1f85a9a"
			      "7cbffc23";
static const char file_sha256_hex[] =
	"d6b2790660721a8844a1c51ebf44151cbb427abe18ccf5d32c1aaadf14959deb";

/* Block 0's plaintext: byte i is i mod 256. */
static void fill_pattern(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i + seed * (i >> 8));
}

static struct ac_key *new_key(struct ac_ctx *ctx, enum ac_alg alg, const char *hex)
{
	uint8_t bytes[AC_KEY_LEN];
	struct ac_key *key;
	int err;

	unhex(hex, bytes, sizeof(bytes));
	err = ac_key_new(ctx, alg, bytes, sizeof(bytes), &key);
	if (err) {
		fprintf(stderr, "format-test: ac_key_new: %s\n", strerror(-err));
		exit(EXIT_WRONG);
	}
	return key;
}

static void test_block_vectors(struct ac_ctx *ctx, struct ac_key *key, const uint8_t *id)
{
	uint8_t nonce[AFS_BLOCK_NONCE_LEN], aad[AFS_BLOCK_AAD_LEN], digest[AC_SHA256_LEN];
	uint8_t pt0[BS], got[BS + 64], file[AFS_HEADER_LEN + DLEN + 64], bhi[33];
	uint8_t *b0 = file + AFS_HEADER_LEN, *b1 = b0 + DLEN;
	uint64_t v;
	ssize_t n;
	int err;

	afs_block_aad(aad, id, 0);
	check_hex("block 0 AAD", 0, aad, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0000000000000000");
	afs_block_aad(aad, id, 1);
	check_hex("block 1 AAD", 0, aad, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0000000000000001");
	afs_block_aad(aad, id, INDEX_HI);
	check_hex("block 0x0102030405060708 AAD", 0, aad,
		  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0102030405060708");

	fill_pattern(pt0, BS, 0);
	memset(file, CANARY, sizeof(file));
	afs_header_encode(file, id);

	unhex(nonce0_hex, nonce, sizeof(nonce));
	err = afs_block_encrypt_nonce(key, id, 0, nonce, pt0, BS, b0);
	check_bytes("block vector 0 (4096 bytes): nonce", err, b0, nonce, sizeof(nonce));
	check_hex("block vector 0 (4096 bytes): first 32 ciphertext bytes", err, b0 + 12,
		  b0_ct_first32_hex);
	check_hex("block vector 0 (4096 bytes): tag", err, b0 + 12 + BS, b0_tag_hex);
	if (!err)
		err = ac_sha256(ctx, b0, DLEN, digest);
	check_hex("block vector 0 (4096 bytes): sha256 of the 4124 on-disk bytes", err, digest,
		  b0_sha256_hex);

	unhex(nonce1_hex, nonce, sizeof(nonce));
	err = afs_block_encrypt_nonce(key, id, 1, nonce, (const uint8_t *)pt1, strlen(pt1), b1);
	check_hex("block vector 1 (short last block, 13 bytes)", err, b1, b1_hex);
	check("block vector 1 writes 41 bytes", b1[41] == CANARY);

	err = afs_cipher_size(BS + strlen(pt1), BS, &v);
	check_ret("file vector: cipher size of 4109 bytes", err ? err : (long long)v, 4183);
	err = afs_plain_size(4183, BS, &v);
	check_ret("file vector: plain size of 4183 bytes", err ? err : (long long)v, 4109);
	err = ac_sha256(ctx, file, 4183, digest);
	check_hex("file vector: sha256 of header || block 0 || block 1", err, digest,
		  file_sha256_hex);

	unhex(nonce_hi_hex, nonce, sizeof(nonce));
	memset(got, CANARY, sizeof(got));
	err = afs_block_encrypt_nonce(key, id, INDEX_HI, nonce, (const uint8_t *)pt_hi,
				      strlen(pt_hi), got);
	check_hex("block vector 0x0102030405060708 (5 bytes)", err, got, bhi_hex);

	memset(got, CANARY, sizeof(got));
	n = afs_block_decrypt(key, id, 0, b0, DLEN, got);
	check_bytes("block vector 0 decrypt", n == BS ? 0 : n < 0 ? n : -ERANGE, got, pt0, BS);
	memset(got, CANARY, sizeof(got));
	n = afs_block_decrypt(key, id, 1, b1, 41, got);
	check_bytes("block vector 1 decrypt",
		    n == 13 ? 0
		    : n < 0 ? n
			    : -ERANGE,
		    got, (const uint8_t *)pt1, 13);
	unhex(bhi_hex, bhi, sizeof(bhi));
	n = afs_block_decrypt(key, id, INDEX_HI, bhi, 33, got);
	check_bytes("block vector 0x0102030405060708 decrypt",
		    n == 5  ? 0
		    : n < 0 ? n
			    : -ERANGE,
		    got, (const uint8_t *)pt_hi, 5);

	memset(got, CANARY, sizeof(got));
	n = afs_blocks_decrypt(key, id, 0, b0, DLEN + 41, BS, got, NULL);
	check_ret("file vector: batch decrypt of both blocks, length", n, 4109);
	check("file vector: batch decrypt of both blocks, bytes",
	      !memcmp(got, pt0, BS) && !memcmp(got + BS, pt1, 13) && got[4109] == CANARY);

	/* A hole: 41 zero bytes on disk, 13 zero bytes of plaintext. */
	memset(file, 0, 41);
	memset(got, CANARY, sizeof(got));
	n = afs_block_decrypt(key, id, 1, file, 41, got);
	check("hole vector: 41 zero bytes read as 13 zero bytes",
	      n == 13 && is_zero(got, 13) && got[13] == CANARY);
}

static void test_block_tamper(struct ac_key *key, struct ac_key *key2, const uint8_t *id)
{
	uint8_t id2[AFS_FILE_ID_LEN], pt[BS], blk[DLEN + 1], bad[DLEN + 1], got[BS + 1];
	uint8_t nonce[AFS_BLOCK_NONCE_LEN] = { 0 };
	int err;

	memcpy(id2, id, sizeof(id2));
	id2[15] ^= 1;
	fill_pattern(pt, BS, 3);
	err = afs_block_encrypt(key, id, 3, pt, BS, blk);
	memset(got, CANARY, sizeof(got));
	if (!err)
		err = afs_block_decrypt(key, id, 3, blk, DLEN, got) == BS ? 0 : -EIO;
	check_bytes("block round trip, random nonce", err, got, pt, BS);
	check("block decrypt writes bs bytes", got[BS] == CANARY);

	memcpy(bad, blk, DLEN);
	err = afs_block_encrypt(key, id, 3, pt, BS, blk);
	check("block encrypted twice: two nonces, two ciphertexts",
	      !err && memcmp(bad, blk, 12) && memcmp(bad + 12, blk + 12, BS + 16));

	memcpy(bad, blk, DLEN);
	bad[5] ^= 0x01;
	memset(got, CANARY, sizeof(got));
	check_refused("block with a flipped nonce bit",
		      afs_block_decrypt(key, id, 3, bad, DLEN, got), -EBADMSG, got, BS);
	memcpy(bad, blk, DLEN);
	bad[12 + 1000] ^= 0x80;
	memset(got, CANARY, sizeof(got));
	check_refused("block with a flipped ciphertext bit",
		      afs_block_decrypt(key, id, 3, bad, DLEN, got), -EBADMSG, got, BS);
	memcpy(bad, blk, DLEN);
	bad[DLEN - 1] ^= 0x01;
	memset(got, CANARY, sizeof(got));
	check_refused("block with a flipped tag bit", afs_block_decrypt(key, id, 3, bad, DLEN, got),
		      -EBADMSG, got, BS);
	memset(got, CANARY, sizeof(got));
	check_refused("block 3 read as block 4", afs_block_decrypt(key, id, 4, blk, DLEN, got),
		      -EBADMSG, got, BS);
	memset(got, CANARY, sizeof(got));
	check_refused("block 3 read as block 3 + 2^32",
		      afs_block_decrypt(key, id, 3 + (1ull << 32), blk, DLEN, got), -EBADMSG, got,
		      BS);
	memset(got, CANARY, sizeof(got));
	check_refused("block read with another file ID",
		      afs_block_decrypt(key, id2, 3, blk, DLEN, got), -EBADMSG, got, BS);
	memset(got, CANARY, sizeof(got));
	check_refused("block read with another key", afs_block_decrypt(key2, id, 3, blk, DLEN, got),
		      -EBADMSG, got, BS);
	memset(got, CANARY, sizeof(got));
	check_refused("block truncated by 1 byte",
		      afs_block_decrypt(key, id, 3, blk, DLEN - 1, got), -EBADMSG, got, BS - 1);
	memcpy(bad, blk, DLEN);
	bad[DLEN] = 0;
	memset(got, CANARY, sizeof(got));
	check_refused("block extended by 1 byte", afs_block_decrypt(key, id, 3, bad, DLEN + 1, got),
		      -EBADMSG, got, BS + 1);

	/* Holes, and what is not one. */
	memset(bad, 0, DLEN);
	memset(got, CANARY, sizeof(got));
	check("whole block of zeros reads as 4096 zeros",
	      afs_block_decrypt(key, id, 3, bad, DLEN, got) == BS && is_zero(got, BS) &&
		      got[BS] == CANARY);
	memset(bad, 0, DLEN);
	memset(got, CANARY, sizeof(got));
	check("block of 29 zeros reads as 1 zero",
	      afs_block_decrypt(key, id, 0, bad, 29, got) == 1 && !got[0] && got[1] == CANARY);
	bad[DLEN - 1] = 1;
	memset(got, CANARY, sizeof(got));
	check_refused("zeros but the last byte", afs_block_decrypt(key, id, 3, bad, DLEN, got),
		      -EBADMSG, got, BS);
	memset(bad, 0, DLEN);
	memcpy(bad + 12, blk + 12, DLEN - 12);
	memset(got, CANARY, sizeof(got));
	check_refused("block with its nonce zeroed", afs_block_decrypt(key, id, 3, bad, DLEN, got),
		      -EBADMSG, got, BS);

	/* Lengths. */
	check_ret("block decrypt of 28 bytes", afs_block_decrypt(key, id, 0, blk, 28, got),
		  -EUCLEAN);
	check_ret("block decrypt of 0 bytes", afs_block_decrypt(key, id, 0, blk, 0, got), -EUCLEAN);
	check_ret("block decrypt of 65536 + 29 bytes",
		  afs_block_decrypt(key, id, 0, blk, AFS_BLOCK_DISK_LEN(65536) + 1, got), -EUCLEAN);
	check_ret("block encrypt of 0 bytes", afs_block_encrypt(key, id, 0, pt, 0, blk), -EINVAL);
	check_ret("block encrypt of 65537 bytes", afs_block_encrypt(key, id, 0, pt, 65537, blk),
		  -EINVAL);
	check_ret("block encrypt with the all-zero nonce",
		  afs_block_encrypt_nonce(key, id, 0, nonce, pt, 16, blk), -EINVAL);
}

/*
 * @nfull whole blocks and a last one of @last bytes (0: none) at index
 * @first, encrypted as a batch, then checked block by block: the nonce that
 * afs_blocks_encrypt() drew, given to afs_block_encrypt_nonce(), must give the
 * same bytes.  Return: the on-disk blocks (free them), NULL after a failure.
 */
static uint8_t *batch_encrypt(struct ac_key *key, const uint8_t *id, uint64_t first, uint32_t bs,
			      size_t nfull, size_t last, uint8_t **ptp, const char *what)
{
	const size_t dlen = AFS_BLOCK_DISK_LEN(bs);
	size_t ptlen = nfull * bs + last, n = nfull + !!last;
	size_t clen = ptlen + n * AFS_BLOCK_OVERHEAD, i;
	uint8_t *pt = xmalloc(ptlen), *ct = xmalloc(clen + 1), *one = xmalloc(dlen);
	bool good = true;
	ssize_t got;

	fill_pattern(pt, ptlen, 7);
	ct[clen] = CANARY;
	got = afs_blocks_encrypt(key, id, first, pt, ptlen, bs, ct);
	if (got != (ssize_t)clen || ct[clen] != CANARY) {
		fprintf(stderr, "  %s: afs_blocks_encrypt gave %zd\n", what, got);
		good = false;
	}
	for (i = 0; good && i < n; i++) {
		size_t len = i < nfull ? bs : last;

		if (afs_block_encrypt_nonce(key, id, first + i, ct + i * dlen, pt + i * bs, len,
					    one) ||
		    memcmp(one, ct + i * dlen, len + AFS_BLOCK_OVERHEAD)) {
			fprintf(stderr, "  %s: block %zu differs\n", what, i);
			good = false;
		}
		if (i && !memcmp(ct + i * dlen, ct + (i - 1) * dlen, AFS_BLOCK_NONCE_LEN))
			good = false;
	}
	check(what, good);
	free(one);
	if (!good) {
		free(pt);
		free(ct);
		return NULL;
	}
	*ptp = pt;
	return ct;
}

static void test_batches(struct ac_key *key, const uint8_t *id)
{
	const size_t nfull = 5, last = 100, ptlen = nfull * BS + last;
	const size_t clen = ptlen + (nfull + 1) * AFS_BLOCK_OVERHEAD;
	uint8_t *pt, *ct, *got, *bad;
	uint64_t bad_index;
	ssize_t n;
	bool good;

	ct = batch_encrypt(
		key, id, 7, BS, nfull, last, &pt,
		"batch encrypt of blocks 7 to 12 (last one 100 bytes) matches one by one");
	if (!ct)
		return;
	got = xmalloc(ptlen + 1);
	bad = xmalloc(clen);

	memset(got, CANARY, ptlen + 1);
	n = afs_blocks_decrypt(key, id, 7, ct, clen, BS, got, NULL);
	check("batch decrypt of blocks 7 to 12",
	      n == (ssize_t)ptlen && !memcmp(got, pt, ptlen) && got[ptlen] == CANARY);

	memset(got, CANARY, ptlen + 1);
	n = afs_blocks_decrypt(key, id, 9, ct + 2 * DLEN, clen - 2 * DLEN, BS, got, NULL);
	check("batch decrypt of blocks 9 to 12 only",
	      n == (ssize_t)(ptlen - 2 * BS) && !memcmp(got, pt + 2 * BS, ptlen - 2 * BS));

	/* Block 9 a hole, blocks 11 and 12 tampered with. */
	memcpy(bad, ct, clen);
	memset(bad + 2 * DLEN, 0, DLEN);
	bad[4 * DLEN + 100] ^= 1;
	bad[5 * DLEN + 3] ^= 1;
	memset(got, CANARY, ptlen + 1);
	bad_index = 0;
	n = afs_blocks_decrypt(key, id, 7, bad, clen, BS, got, &bad_index);
	check_ret("batch with a hole and two bad blocks", n, -EBADMSG);
	check_ret("batch with a hole and two bad blocks: first bad block", (long long)bad_index,
		  11);
	check("batch with a hole and two bad blocks: good blocks decrypted",
	      !memcmp(got, pt, 2 * BS) && !memcmp(got + 3 * BS, pt + 3 * BS, BS));
	check("batch with a hole and two bad blocks: the hole reads as zeros",
	      is_zero(got + 2 * BS, BS));
	check("batch with a hole and two bad blocks: bad blocks wiped",
	      is_zero(got + 4 * BS, BS + last) && got[ptlen] == CANARY);

	memcpy(bad, ct, clen);
	memset(bad + 5 * DLEN, 0, last + AFS_BLOCK_OVERHEAD);
	memset(got, CANARY, ptlen + 1);
	n = afs_blocks_decrypt(key, id, 7, bad, clen, BS, got, NULL);
	check("batch whose short last block is a hole", n == (ssize_t)ptlen &&
								!memcmp(got, pt, nfull * BS) &&
								is_zero(got + nfull * BS, last));

	memset(bad, 0, clen);
	memset(got, CANARY, ptlen + 1);
	n = afs_blocks_decrypt(key, id, 7, bad, clen, BS, got, NULL);
	check("batch of holes only", n == (ssize_t)ptlen && is_zero(got, ptlen));

	memset(got, CANARY, ptlen + 1);
	bad_index = 0;
	n = afs_blocks_decrypt(key, id, 8, ct, clen, BS, got, &bad_index);
	check("batch read one block off: EBADMSG at block 8, everything wiped",
	      n == -EBADMSG && bad_index == 8 && is_zero(got, ptlen));

	check_ret("batch decrypt, trailing 28 bytes",
		  afs_blocks_decrypt(key, id, 7, ct, 2 * DLEN + 28, BS, got, NULL), -EUCLEAN);
	check_ret("batch decrypt, trailing 1 byte",
		  afs_blocks_decrypt(key, id, 7, ct, 2 * DLEN + 1, BS, got, NULL), -EUCLEAN);
	check_ret("batch decrypt, trailing 29 bytes",
		  afs_blocks_decrypt(key, id, 7, ct, 2 * DLEN + 29, BS, got, NULL), -EBADMSG);
	check_ret("batch decrypt of 0 bytes", afs_blocks_decrypt(key, id, 7, ct, 0, BS, got, NULL),
		  0);
	check_ret("batch encrypt of 0 bytes", afs_blocks_encrypt(key, id, 7, pt, 0, BS, bad), 0);
	check_ret("batch decrypt, block size 1000",
		  afs_blocks_decrypt(key, id, 7, ct, clen, 1000, got, NULL), -EINVAL);
	check_ret("batch encrypt, block size 1000",
		  afs_blocks_encrypt(key, id, 7, pt, ptlen, 1000, bad), -EINVAL);
	check_ret("batch encrypt past the largest file",
		  afs_blocks_encrypt(key, id, 2236511163155861ull, pt, 2 * BS, BS, bad), -EFBIG);
	check_ret("batch decrypt past the largest file",
		  afs_blocks_decrypt(key, id, 2236511163155861ull, ct, 2 * DLEN, BS, got, NULL),
		  -EFBIG);
	check_ret("batch encrypt of the largest file's last block",
		  afs_blocks_encrypt(key, id, 2236511163155861ull, pt, BS, BS, bad),
		  (long long)DLEN);
	free(got);
	free(bad);
	free(pt);
	free(ct);

	/* More blocks than one batch call takes. */
	ct = batch_encrypt(key, id, 0, BS, 300, 1, &pt,
			   "batch encrypt of 301 blocks (last one 1 byte) matches one by one");
	if (ct) {
		size_t plen = 300 * BS + 1, len = plen + 301 * AFS_BLOCK_OVERHEAD;

		got = xmalloc(plen);
		n = afs_blocks_decrypt(key, id, 0, ct, len, BS, got, NULL);
		check("batch decrypt of 301 blocks", n == (ssize_t)plen && !memcmp(got, pt, plen));
		ct[290 * DLEN + 50] ^= 4;
		bad_index = 0;
		n = afs_blocks_decrypt(key, id, 0, ct, len, BS, got, &bad_index);
		good = n == -EBADMSG && bad_index == 290 && !memcmp(got, pt, 290 * BS) &&
		       is_zero(got + 290 * BS, BS) &&
		       !memcmp(got + 291 * BS, pt + 291 * BS, 9 * BS + 1);
		check("batch decrypt of 301 blocks, block 290 bad", good);
		free(got);
		free(pt);
		free(ct);
	}

	/* 64 KiB blocks. */
	ct = batch_encrypt(key, id, 1, 65536, 3, 65535, &pt,
			   "batch encrypt of 64 KiB blocks 1 to 4 matches one by one");
	if (ct) {
		size_t plen = 4 * 65536 - 1, len = plen + 4 * AFS_BLOCK_OVERHEAD;
		uint64_t v;

		got = xmalloc(plen);
		n = afs_blocks_decrypt(key, id, 1, ct, len, 65536, got, NULL);
		check("batch decrypt of 64 KiB blocks 1 to 4",
		      n == (ssize_t)plen && !memcmp(got, pt, plen));
		check("64 KiB block size: a file of these 4 blocks and a first one",
		      !afs_cipher_size(plen + 65536, 65536, &v) &&
			      v == AFS_HEADER_LEN + AFS_BLOCK_DISK_LEN(65536) + len);
		n = afs_block_decrypt(key, id, 4, ct + 3 * AFS_BLOCK_DISK_LEN(65536),
				      AFS_BLOCK_DISK_LEN(65536) - 1, got);
		check("64 KiB block size: the short last block alone",
		      n == 65535 && !memcmp(got, pt + 3 * 65536, 65535));
		free(got);
		free(pt);
		free(ct);
	}
}

static void test_blocks(struct ac_ctx *ctx)
{
	struct ac_key *key, *key2;
	uint8_t id[AFS_FILE_ID_LEN];

	unhex(file_id_hex, id, sizeof(id));
	key = new_key(ctx, AC_ALG_GCM, content_key_hex);
	key2 = new_key(ctx, AC_ALG_GCM,
		       "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	test_block_vectors(ctx, key, id);
	test_block_tamper(key, key2, id);
	test_batches(key, id);
	ac_key_put(key2);
	ac_key_put(key);
}

/* ---- names -------------------------------------------------------------- */

static const char names_key_hex[] =
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
static const char diriv_hex[] = "606162636465666768696a6b6c6d6e6f";

struct name_vec {
	const char *what, *plain, *enc, *longname;
};

/* Format 1: AES-256-CBC-CTS. */
static const struct name_vec name_vecs_v1[] = {
	{ "hello.txt", "hello.txt", "nGO9va-n2sXV7szQw9mktw", NULL },
	{ "16 bytes", "0123456789abcdef", "_tzZ-mJ4CMLXXDd_EZoh7w", NULL },
	{ "17 bytes", "0123456789abcdef0", "U92lPPLXPrUCDyoRzmhCRv7c2fpieAjC11w3fxGaIe8", NULL },
	{ "176 bytes",
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-",
	  "eCePd9DIoiq_n5xm8KWOb2sOsX6_kthCVNas438iD7EluTKiMaSSzq0LuZa46H0pmhNABYZwAWUwRQppgx7-"
	  "WbNPpMHO8b9-Rd8Q1eKBpM-xQap6J4SgrW_4ivj16XWexSN9c6AfQsDJJNxs6q4H1fBsxwXj3MsVEVxvZvA"
	  "Jxf_tXhg4TOvQ5FKZeGjbL6hzVdb69OxAUtOCXwcoZNiGhbsLEtpoUNJz6NPmR3rerBw",
	  NULL },
	{ "177 bytes",
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-a",
	  "eCePd9DIoiq_n5xm8KWOb2sOsX6_kthCVNas438iD7EluTKiMaSSzq0LuZa46H0pmhNABYZwAWUwRQppgx7-"
	  "WbNPpMHO8b9-Rd8Q1eKBpM-xQap6J4SgrW_4ivj16XWexSN9c6AfQsDJJNxs6q4H1fBsxwXj3MsVEVxvZvA"
	  "Jxf_tXhg4TOvQ5FKZeGjbL6hzuwsS2mhQ0nPo0-ZHet6sHEjYIw9QPGPKBt2Hr54eDXFV1vr07EBS04JfByh"
	  "k2IaF",
	  "algfs.longname.2F3BPPtWqRE5JBJXH_Q6pVaQKUJmI6G3J6yFNLsoyRY" },
	{ "255 bytes",
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name",
	  "eCePd9DIoiq_n5xm8KWOb2sOsX6_kthCVNas438iD7EluTKiMaSSzq0LuZa46H0pmhNABYZwAWUwRQppgx7-"
	  "WbNPpMHO8b9-Rd8Q1eKBpM-xQap6J4SgrW_4ivj16XWexSN9c6AfQsDJJNxs6q4H1fBsxwXj3MsVEVxvZvA"
	  "Jxf_tXhg4TOvQ5FKZeGjbL6hzuwsS2mhQ0nPo0-ZHet6sHFXW-vTsQFLTgl8HKGTYhoUUQMgH-bqU-J1hp3"
	  "KVEhhkR2SYur4c13uF7vcsVrrLNupwkaN7GLkFBv_Ny1ztMXKIO_sHXh3RBrTDm3Ypi1-Bhywmzw_aAjQLkv"
	  "zIGlUQ9w",
	  "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw" },
};

/* Format 2: EME, the same key and the IV as tweak (format-v2-vector.py). */
static const struct name_vec name_vecs_v2[] = {
	{ "hello.txt", "hello.txt", "XtaOoeioZd71rpKGW5By5Q", NULL },
	{ "16 bytes", "0123456789abcdef", "Xtxw308P8wY1sN19enXKtw", NULL },
	{ "17 bytes", "0123456789abcdef0", "6KzwBooC1ziS5adsxnGp9K6y3FbOKwXZvmCahAfRzp4", NULL },
	/* Two names with a common first 16 bytes share nothing on disk. */
	{ "IMG_20240101_120001.jpg", "IMG_20240101_120001.jpg",
	  "AX1NpOQqL920Up8A9jpp83644ZcMOyIPjpwTDKWY5XE", NULL },
	{ "IMG_20240101_120002.jpg", "IMG_20240101_120002.jpg",
	  "ocolVNItOYIwgGgcgP91CDrHsNQay2cYxs0zXO9bQo8", NULL },
	{ "176 bytes",
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-",
	  "BunlgVJDb2NlbnsAO8BA2wtMBz3ueEu7vE208IVZNLrsDNmHZ4cBxSh024fg2DZmFfMqg-fC4xkoBI89Z1PI9FN3"
	  "4B6GaJbbAe4tpob-OnMMUYquDSw0pqZLJU7tzHTan627bH2omX5JFM_dfiiAoSi8rB2pPLVhBhE2HW6TEgCBzPy0"
	  "D47PfUUwN-5WiYE5S4hdtOzvY7KY2AI5agsleOdWrYYzVGCCrqckQmGDfCA",
	  NULL },
	{ "177 bytes",
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-a",
	  "Tj2WNTz8-ysHy1zyiehWWMUz1AQ5diFdpL6zJom9tlA3sSDZyPqUZ-bjCm-QfWQUliKa5FKRBtzfmfdDBtJSCrLT"
	  "R1EkWw9nLMf_mdFvn58JrgAEiHPjuHYvCB0HcjPNtr78NVU8mInyKe8PhN7owmIHi92UEU5K7V-wiEtfiNOhZ4yz"
	  "hNOOyVNG45HWmHq56WsoKYdZ5_Xjh8BIl_Cl08dq-iina0KKzsh-bizlWK3lbwI87ml9MWIktoa97urf",
	  "algfs.longname.FUAFw3sWUUFlxSUX5CiOpkSdOEde5F3jmdE7mzFF5Qg" },
	{ "255 bytes",
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name-"
	  "algfs-long-name-algfs-long-name-algfs-long-name-algfs-long-name",
	  "IHXpaDu9r5QqB7XJuNy78sxpi5-7xUdAsSSHP7CAwCRqIkmM834xuL7znax5KyrGf5Fj2cWba7rO4OCvHXAT28a-"
	  "lkuP97qyqGlmY4_cSygrzJ4PSgPWfLb6Qx-4wsTps4CKRemETWFr37dmLo9F0w9w_2LN47Cm31id-CHNW8fhDHr3"
	  "Edcq399tnegHU85Nn4auyJg1zZU4OF1CQu7OKA1sJzNc-L3XyI8BXJHn6zjHCBAWDNuYXFiFyP61jYsg3ZuuodHU"
	  "Ul4itseFI4KrhBXCUSygDM-wGlOumBICJEEWAqh7Bn68Iu0Okfy59-9XTFJDzINy_nuQn6Q-umuHaA",
	  "algfs.longname.BhJPCV2kMr7VEzoSlEgCZO1-oWLWXB-fnw08nAdKM18" },
};

/* An independent base64url encoder, to build encoded names by hand. */
static void b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t bit;

	for (bit = 0; bit < n * 8; bit += 6) {
		unsigned int v = 0, j;

		for (j = 0; j < 6; j++) {
			size_t b = bit + j;

			v = v << 1 | (b < n * 8 ? in[b / 8] >> (7 - b % 8) & 1 : 0);
		}
		*out++ = a[v];
	}
	*out = '\0';
}

/* Encrypt @n raw bytes (padding included) in @key's mode and encode them. */
static void craft_name(struct ac_key *key, const uint8_t *iv, const void *raw, size_t n, char *out)
{
	uint8_t ct[512];
	int err = ac_key_alg(key) == AC_ALG_ECB ? ac_eme_encrypt(key, iv, raw, n, ct)
						 : ac_cts_encrypt(key, iv, raw, n, ct);

	if (err) {
		fprintf(stderr, "format-test: encrypting a name failed\n");
		exit(EXIT_WRONG);
	}
	b64url(ct, n, out);
}

static void test_names(struct ac_key *key, const struct name_vec *name_vecs, size_t nvecs)
{
	char enc[AFS_ENC_NAME_BUF + 8], enc2[AFS_ENC_NAME_BUF], plain[AFS_PLAIN_NAME_BUF + 8];
	char name[300], what[100], raw[300];
	uint8_t iv[AFS_DIRIV_LEN], iv2[AFS_DIRIV_LEN];
	size_t i, len;
	bool good;
	int n, n2;

	unhex(diriv_hex, iv, sizeof(iv));
	for (i = 0; i < nvecs; i++) {
		snprintf(what, sizeof(what), "name vector %zu (%s) encrypt", i + 1,
			 name_vecs[i].what);
		n = afs_name_encrypt(key, iv, name_vecs[i].plain, enc);
		check_str(what, n, enc, name_vecs[i].enc);
		snprintf(what, sizeof(what), "name vector %zu (%s) decrypt", i + 1,
			 name_vecs[i].what);
		n = afs_name_decrypt(key, iv, name_vecs[i].enc, plain);
		check_str(what, n, plain, name_vecs[i].plain);
		snprintf(what, sizeof(what), "name vector %zu (%s) is %sa long name", i + 1,
			 name_vecs[i].what, name_vecs[i].longname ? "" : "not ");
		check(what, afs_name_needs_longname(name_vecs[i].enc) == !!name_vecs[i].longname);
	}

	/*
	 * Every length, with bytes from 1 to 255 but '/': the name comes back,
	 * the encoded length is that of the padded length, and names over 176
	 * bytes are long.
	 */
	good = true;
	for (len = 1; len <= AFS_NAME_MAX; len++) {
		size_t padded = (len + 15) / 16 * 16;

		for (i = 0; i < len; i++) {
			name[i] = (char)(1 + (len * 7 + i * 13) % 255);
			if (name[i] == '/')
				name[i] = '+';
		}
		name[len] = '\0';
		if (len == 1)
			name[0] = '!';
		n = afs_name_encrypt(key, iv, name, enc);
		n2 = afs_name_decrypt(key, iv, enc, plain);
		if (n != (int)(padded * 4 + 2) / 3 || (size_t)n2 != len || strcmp(plain, name) ||
		    afs_name_needs_longname(enc) != (len > 176)) {
			fprintf(stderr, "  name of %zu bytes: %d, %d\n", len, n, n2);
			good = false;
		}
	}
	check("names of 1 to 255 bytes round trip", good);

	memcpy(iv2, iv, sizeof(iv2));
	iv2[0] ^= 1;
	n = afs_name_encrypt(key, iv, "hello.txt", enc);
	n2 = afs_name_encrypt(key, iv2, "hello.txt", enc2);
	check("the same name in another directory encrypts differently",
	      n > 0 && n2 > 0 && strcmp(enc, enc2));
	n2 = afs_name_encrypt(key, iv, "hello.txt", enc2);
	check("the same name in the same directory encrypts the same",
	      n2 > 0 && !strcmp(enc, enc2));

	/* Names that may not be encrypted. */
	check_ret("encrypt \"\"", afs_name_encrypt(key, iv, "", enc), -EINVAL);
	check_ret("encrypt \".\"", afs_name_encrypt(key, iv, ".", enc), -EINVAL);
	check_ret("encrypt \"..\"", afs_name_encrypt(key, iv, "..", enc), -EINVAL);
	check_ret("encrypt \"a/b\"", afs_name_encrypt(key, iv, "a/b", enc), -EINVAL);
	check_ret("encrypt \"/\"", afs_name_encrypt(key, iv, "/", enc), -EINVAL);
	memset(name, 'x', 256);
	name[256] = '\0';
	check_ret("encrypt a 256-byte name", afs_name_encrypt(key, iv, name, enc), -ENAMETOOLONG);
	n = afs_name_encrypt(key, iv, "...", enc);
	n2 = n > 0 ? afs_name_decrypt(key, iv, enc, plain) : n;
	check_str("encrypt \"...\" and back", n2, plain, "...");

	/* Encoded names that are not base64url in its canonical form. */
	check_ret("decrypt \"\"", afs_name_decrypt(key, iv, "", plain), -EUCLEAN);
	check_ret("decrypt 21 characters (15 bytes)",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mkt", plain), -EUCLEAN);
	check_ret("decrypt 23 characters (4k + 3, 17 bytes)",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mktwA", plain), -EUCLEAN);
	check_ret("decrypt 25 characters (4k + 1)",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mktwAAA", plain), -EUCLEAN);
	check_ret("decrypt with '=' padding",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mktw==", plain), -EUCLEAN);
	check_ret("decrypt with '+' (standard base64)",
		  afs_name_decrypt(key, iv, "nGO9va+n2sXV7szQw9mktw", plain), -EUCLEAN);
	check_ret("decrypt with '/' (standard base64)",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mk/w", plain), -EUCLEAN);
	check_ret("decrypt with a space",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mk w", plain), -EUCLEAN);
	check_ret("decrypt with non-zero unused bits (last 'w' as 'x')",
		  afs_name_decrypt(key, iv, "nGO9va-n2sXV7szQw9mktx", plain), -EUCLEAN);
	memset(enc, 'A', 344);
	enc[344] = '\0';
	check_ret("decrypt 344 characters (258 bytes)", afs_name_decrypt(key, iv, enc, plain),
		  -EUCLEAN);

	/* Decryptions that are not a name afs_name_encrypt() writes. */
	memset(raw, 0, sizeof(raw));
	memcpy(raw, "ok", 2);
	craft_name(key, iv, raw, 16, enc);
	check_str("decrypt a hand-made \"ok\"", afs_name_decrypt(key, iv, enc, plain), plain, "ok");
	memset(raw, 0, sizeof(raw));
	craft_name(key, iv, raw, 16, enc);
	check_ret("decrypt 16 NUL bytes (an empty name)", afs_name_decrypt(key, iv, enc, plain),
		  -EUCLEAN);
	raw[0] = 'a';
	craft_name(key, iv, raw, 32, enc);
	check_ret("decrypt \"a\" padded to 32 bytes", afs_name_decrypt(key, iv, enc, plain),
		  -EUCLEAN);
	memcpy(raw, "a\0b", 3);
	craft_name(key, iv, raw, 16, enc);
	check_ret("decrypt \"a\\0b\"", afs_name_decrypt(key, iv, enc, plain), -EUCLEAN);
	memcpy(raw, "a/b", 3);
	craft_name(key, iv, raw, 16, enc);
	check_ret("decrypt \"a/b\"", afs_name_decrypt(key, iv, enc, plain), -EUCLEAN);
	memset(raw, 0, sizeof(raw));
	raw[0] = '.';
	craft_name(key, iv, raw, 16, enc);
	check_ret("decrypt \".\"", afs_name_decrypt(key, iv, enc, plain), -EUCLEAN);
	raw[1] = '.';
	craft_name(key, iv, raw, 16, enc);
	check_ret("decrypt \"..\"", afs_name_decrypt(key, iv, enc, plain), -EUCLEAN);
	memset(raw, 'x', 256);
	craft_name(key, iv, raw, 256, enc);
	check_ret("decrypt a 256-byte name", afs_name_decrypt(key, iv, enc, plain), -EUCLEAN);

	/* Extended attribute names: any bytes but NUL; a file name's as before. */
	good = true;
	for (i = 0; i < nvecs; i++)
		good = good && afs_name_encrypt_any(key, iv, name_vecs[i].plain, enc) >= 0 &&
		       !strcmp(enc, name_vecs[i].enc);
	check("any-byte names: the vectors encrypt as file names", good);
	{
		static const char *const odd[] = { "a/b", "/", ".", "..", "\n\x01\x7f\x80\xff" };

		for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
			snprintf(what, sizeof(what), "any-byte name %zu: round trip", i + 1);
			n = afs_name_encrypt_any(key, iv, odd[i], enc);
			n2 = n > 0 ? afs_name_decrypt_any(key, iv, enc, plain) : n;
			check_str(what, n2, plain, odd[i]);
			snprintf(what, sizeof(what), "any-byte name %zu: not a file name", i + 1);
			check_ret(what, afs_name_decrypt(key, iv, enc, plain),
				  i < 4 ? -EUCLEAN : (long long)strlen(odd[i]));
		}
	}
	check_ret("any-byte name \"\"", afs_name_encrypt_any(key, iv, "", enc), -EINVAL);
	memset(name, 'x', 256);
	name[256] = '\0';
	check_ret("any-byte name of 256 bytes", afs_name_encrypt_any(key, iv, name, enc),
		  -ENAMETOOLONG);
	memset(raw, 0, sizeof(raw));
	memcpy(raw, "a\0b", 3);
	craft_name(key, iv, raw, 16, enc);
	check_ret("any-byte name: decrypt \"a\\0b\"", afs_name_decrypt_any(key, iv, enc, plain),
		  -EUCLEAN);
	memset(raw, 0, sizeof(raw));
	raw[0] = 'a';
	craft_name(key, iv, raw, 32, enc);
	check_ret("any-byte name: decrypt \"a\" padded to 32 bytes",
		  afs_name_decrypt_any(key, iv, enc, plain), -EUCLEAN);
}

/* A long name vector's on-disk and sidecar names. */
static void check_longname(struct ac_ctx *ctx, const struct name_vec *v, const char *fmt)
{
	char out[AFS_LONGNAME_BUF + 8], side[AFS_SIDECAR_BUF + 8], what[100];
	int err;

	if (!v->longname)
		return;
	snprintf(what, sizeof(what), "long name vector (%s%s): on-disk name", v->what, fmt);
	memset(out, CANARY, sizeof(out));
	err = afs_longname_hash(ctx, v->enc, out);
	check_str(what, err, out, v->longname);
	snprintf(what, sizeof(what), "long name vector (%s%s): sidecar name", v->what, fmt);
	if (!err)
		err = afs_longname_sidecar(out, side);
	snprintf(out + AFS_LONGNAME_LEN, sizeof(out) - AFS_LONGNAME_LEN, ".name");
	check_str(what, err, side, out);
}

static void test_longnames(struct ac_ctx *ctx)
{
	const struct {
		const char *what, *name;
		bool longname, sidecar;
	} shapes[] = {
		{ "a long name", "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw", true,
		  false },
		{ "its sidecar", "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw.name",
		  false, true },
		{ "the prefix alone", "algfs.longname.", false, false },
		{ "42 hash characters", "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmru",
		  false, false },
		{ "44 hash characters",
		  "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruwA", false, false },
		{ "a '+' in the hash", "algfs.longname.pZ3YR9K+SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw",
		  false, false },
		{ "non-zero unused bits",
		  "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmrux", false, false },
		{ "another suffix",
		  "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw.nam", false, false },
		{ "an encoded name", "nGO9va-n2sXV7szQw9mktw", false, false },
	};
	char side[AFS_SIDECAR_BUF + 8], what[100];
	size_t i;

	for (i = 0; i < sizeof(name_vecs_v1) / sizeof(name_vecs_v1[0]); i++)
		check_longname(ctx, &name_vecs_v1[i], "");
	for (i = 0; i < sizeof(name_vecs_v2) / sizeof(name_vecs_v2[0]); i++)
		check_longname(ctx, &name_vecs_v2[i], ", format 2");
	check("long name lengths: 58 and 63",
	      AFS_LONGNAME_LEN == 58 && AFS_SIDECAR_LEN == 63 && AFS_ENC_NAME_MAX == 342);

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		snprintf(what, sizeof(what), "%s: long name %s, sidecar %s", shapes[i].what,
			 shapes[i].longname ? "yes" : "no", shapes[i].sidecar ? "yes" : "no");
		check(what, afs_is_longname(shapes[i].name) == shapes[i].longname &&
				    afs_is_longname_sidecar(shapes[i].name) == shapes[i].sidecar);
	}
	check_ret("sidecar of a sidecar", afs_longname_sidecar(shapes[1].name, side), -EINVAL);
	check_ret("sidecar of an encoded name", afs_longname_sidecar(shapes[8].name, side),
		  -EINVAL);
}

static void test_reserved(void)
{
	const struct {
		const char *name;
		bool reserved;
		int plain_err;
	} cases[] = {
		{ "algfs.conf", true, -EPERM },
		{ "algfs.diriv", true, -EPERM },
		{ "algfs.longname.", true, -EPERM },
		{ "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw", true, -EPERM },
		{ "algfs.longname.pZ3YR9K_SroiVLguhq1a2gALiw_gr4GVv5Xi9XMmruw.name", true, -EPERM },
		{ "algfs.longname.anything", true, -EPERM },
		{ "algfs.longname", false, 0 },
		{ "algfs.conf.bak", false, 0 },
		{ "algfs.diri", false, 0 },
		{ "Algfs.conf", false, 0 },
		{ "nGO9va-n2sXV7szQw9mktw", false, 0 },
		{ "notes.txt", false, 0 },
		{ "...", false, 0 },
		{ "", false, -EINVAL },
		{ ".", false, -EINVAL },
		{ "..", false, -EINVAL },
		{ "a/b", false, -EINVAL },
	};
	char what[120], name[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "\"%s\" is %sreserved", cases[i].name,
			 cases[i].reserved ? "" : "not ");
		check(what, afs_name_is_reserved(cases[i].name) == cases[i].reserved);
		snprintf(what, sizeof(what), "plaintext name \"%s\"", cases[i].name);
		check_ret(what, afs_plain_name_check(cases[i].name), cases[i].plain_err);
	}
	memset(name, 'a', 256);
	name[255] = '\0';
	check_ret("plaintext name of 255 bytes", afs_plain_name_check(name), 0);
	name[255] = 'a';
	name[256] = '\0';
	check_ret("plaintext name of 256 bytes", afs_plain_name_check(name), -ENAMETOOLONG);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: format-test --backend kernel|user\n");
}

int main(int argc, char **argv)
{
	struct ac_key *names_key;
	struct ac_ctx *ctx = NULL;
	int rc = test_backend_ctx(argc, argv, "format-test", usage, &ctx);

	if (rc || !ctx)
		return rc;

	test_offsets();
	test_header();
	test_blocks(ctx);
	names_key = new_key(ctx, AC_ALG_CTS, names_key_hex);
	test_names(names_key, name_vecs_v1, sizeof(name_vecs_v1) / sizeof(name_vecs_v1[0]));
	ac_key_put(names_key);
	printf("-- names, format 2 (EME)\n");
	names_key = new_key(ctx, AC_ALG_ECB, names_key_hex);
	test_names(names_key, name_vecs_v2, sizeof(name_vecs_v2) / sizeof(name_vecs_v2[0]));
	ac_key_put(names_key);
	test_longnames(ctx);
	test_reserved();

	ac_ctx_free(ctx);
	if (test_failures)
		fprintf(stderr, "format-test: %d checks failed\n", test_failures);
	return test_failures ? EXIT_WRONG : 0;
}
