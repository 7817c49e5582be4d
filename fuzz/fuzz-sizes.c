// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-sizes - the arithmetic between plaintext and ciphertext sizes and
 * offsets (fs/format/blocks.c), and the size the daemon gives a file whose size on
 * disk no algfs file has, a torn tail (afs_content_plain_size()).
 *
 * Input: a block size selector, then two 64-bit values (big-endian), used
 * as sizes, offsets and block indexes.  Every result is checked against
 * the others: UBSan catches an overflow, FUZZ_ASSERT a wrong answer.
 */
#include <errno.h>
#include <stdint.h>

#include "fuzz.h"
#include "format.h"
#include "fuse_i.h"

static struct afs_fs fs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ac_log_set_level(LOG_CRIT);
	return 0;
}

/* A valid block size mostly, any 32-bit value sometimes. */
static uint32_t block_size(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	if (b < 0xf0)
		return AFS_BLOCK_SIZE_MIN << (b % 5);
	return (uint32_t)fuzz_u64(in, 4);
}

static void check_cipher_size(uint32_t bs, uint64_t max, uint64_t p)
{
	uint64_t c, back;
	int err = afs_cipher_size(p, bs, &c);

	if (p > max) {
		FUZZ_ASSERT(err == -EFBIG);
		return;
	}
	FUZZ_ASSERT(err == 0);
	FUZZ_ASSERT(c <= INT64_MAX);
	FUZZ_ASSERT(p ? c > p + AFS_HEADER_LEN : c == 0);
	FUZZ_ASSERT(afs_plain_size(c, bs, &back) == 0 && back == p);
}

static void check_plain_size(uint32_t bs, uint64_t max, uint64_t c)
{
	const uint64_t dlen = AFS_BLOCK_DISK_LEN(bs);
	uint64_t p, back, rem;
	int err = afs_plain_size(c, bs, &p), rc;

	rem = c > AFS_HEADER_LEN ? (c - AFS_HEADER_LEN) % dlen : 0;
	if (c > INT64_MAX) {
		FUZZ_ASSERT(err == -EFBIG);
	} else if (c && (c <= AFS_HEADER_LEN || (rem && rem <= AFS_BLOCK_OVERHEAD))) {
		FUZZ_ASSERT(err == -EUCLEAN);
	} else if (!err) {
		FUZZ_ASSERT(p <= max);
		FUZZ_ASSERT(afs_cipher_size(p, bs, &back) == 0 && back == c);
	} else {
		FUZZ_ASSERT(err == -EFBIG);
	}

	/* The daemon's view: a torn tail reads as one byte past the whole
	 * blocks, so that reading it fails and the rest stays readable. */
	rc = afs_content_plain_size(&fs, c, &p);
	if (err == -EUCLEAN) {
		FUZZ_ASSERT(rc == 0 || rc == 1);
		if (c == AFS_HEADER_LEN) {
			FUZZ_ASSERT(rc == 0 && p == 0);
		} else {
			FUZZ_ASSERT(rc == 1 && p >= 1 && (p - 1) % bs == 0);
			FUZZ_ASSERT(afs_cipher_size(p - 1, bs, &back) == 0 && back < c);
		}
	} else {
		FUZZ_ASSERT(rc == err);
	}
}

static void check_offsets(uint32_t bs, uint64_t max, uint64_t x)
{
	const uint64_t dlen = AFS_BLOCK_DISK_LEN(bs), blocks = max / bs;
	uint64_t index, coff, i2;
	uint32_t in_block, in2;
	int err;

	FUZZ_ASSERT(afs_block_locate(x, bs, &index, &in_block) == 0);
	FUZZ_ASSERT(in_block < bs && index == x / bs && index * bs + in_block == x);

	err = afs_block_cipher_off(x, bs, &coff);
	if (x > blocks) {
		FUZZ_ASSERT(err == -EFBIG);
	} else {
		FUZZ_ASSERT(err == 0 && coff <= INT64_MAX);
		FUZZ_ASSERT(afs_cipher_off_locate(coff, bs, &i2, &in2) == 0);
		FUZZ_ASSERT(i2 == x && in2 == 0);
	}

	err = afs_cipher_off_locate(x, bs, &index, &in_block);
	if (x < AFS_HEADER_LEN) {
		FUZZ_ASSERT(err == -EINVAL);
	} else {
		FUZZ_ASSERT(err == 0 && in_block < dlen);
		if (index <= blocks) {
			FUZZ_ASSERT(afs_block_cipher_off(index, bs, &coff) == 0);
			FUZZ_ASSERT(coff + in_block == x);
		}
	}
}

static void check_range(uint32_t bs, uint64_t max, uint64_t off, uint64_t len)
{
	struct afs_range r;
	uint64_t coff, last;
	int err = afs_block_range(off, len, bs, &r);

	if (len > UINT64_MAX - off || off + len > max) {
		FUZZ_ASSERT(err == -EFBIG);
		return;
	}
	FUZZ_ASSERT(err == 0);
	FUZZ_ASSERT(r.first == off / bs && r.head == off % bs);
	FUZZ_ASSERT(afs_block_cipher_off(r.first, bs, &coff) == 0 && coff == r.coff);
	if (!len) {
		FUZZ_ASSERT(r.count == 0 && r.tail == 0 && r.clen == 0);
		return;
	}
	FUZZ_ASSERT(r.count >= 1 && r.tail >= 1 && r.tail <= bs);
	last = r.first + r.count - 1;
	FUZZ_ASSERT(last * bs + r.tail == off + len);
	FUZZ_ASSERT(r.clen == r.count * AFS_BLOCK_DISK_LEN(bs));
	FUZZ_ASSERT(r.coff + r.clen <= INT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint32_t bs = block_size(&in);
	uint64_t a = fuzz_u64(&in, 8), b = fuzz_u64(&in, 8), max, dummy;
	uint32_t d32;
	struct afs_range r;

	if (!afs_block_size_ok(bs)) {
		FUZZ_ASSERT(afs_plain_size_max(bs, &max) == -EINVAL);
		FUZZ_ASSERT(afs_plain_size(a, bs, &dummy) == -EINVAL);
		FUZZ_ASSERT(afs_cipher_size(a, bs, &dummy) == -EINVAL);
		FUZZ_ASSERT(afs_block_locate(a, bs, &dummy, &d32) == -EINVAL);
		FUZZ_ASSERT(afs_block_cipher_off(a, bs, &dummy) == -EINVAL);
		FUZZ_ASSERT(afs_cipher_off_locate(a, bs, &dummy, &d32) == -EINVAL);
		FUZZ_ASSERT(afs_block_range(a, b, bs, &r) == -EINVAL);
		return 0;
	}
	FUZZ_ASSERT(bs >= AFS_BLOCK_SIZE_MIN && bs <= AFS_BLOCK_SIZE_MAX && !(bs & (bs - 1)));
	FUZZ_ASSERT(afs_plain_size_max(bs, &max) == 0);
	FUZZ_ASSERT(max % bs == 0);
	FUZZ_ASSERT(afs_cipher_size(max, bs, &dummy) == 0 && dummy <= INT64_MAX);
	FUZZ_ASSERT(afs_cipher_size(max + bs, bs, &dummy) == -EFBIG);
	fs.f_bs = bs;

	check_cipher_size(bs, max, a);
	check_cipher_size(bs, max, b);
	check_plain_size(bs, max, a);
	check_plain_size(bs, max, b);
	check_offsets(bs, max, a);
	check_range(bs, max, a, b);
	return 0;
}
