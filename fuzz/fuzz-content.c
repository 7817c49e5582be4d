// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-content - a regular file's ciphertext: the file header
 * (fs/format/header.c) and the framing of its blocks (fs/format/blocks.c).  Both formats
 * lay files out alike (header version AFS_HEADER_VERSION, 1) and differ
 * only in how the file's key is derived, so one fixed content key serves
 * both: there is no format to choose here.
 *
 * The first byte chooses a mode and the second a block size.
 *
 * Even first byte: the rest of the input is a whole ciphertext file.  Its
 * header is decoded, its size checked with afs_plain_size(), and its blocks
 * decrypted in one batch with afs_blocks_decrypt() and one by one with
 * afs_block_decrypt(), which must agree.  Without the key, only holes (all
 * zero blocks) pass authentication: this mode is for the framing.
 *
 * Odd first byte: a round trip through authentication.  The input gives a
 * first block index, a plaintext length, up to 8 changes to the ciphertext
 * afs_blocks_encrypt() writes (flip a byte, zero a block, truncate) and the
 * plaintext's pattern; afs_blocks_decrypt() must give back the plaintext
 * where nothing changed, zeros for an all-zero block, -EBADMSG with the
 * first changed block otherwise, and -EUCLEAN for a tail too short to be a
 * block.
 */
#include <errno.h>

#include "fuzz.h"
#include "format.h"

static struct ac_ctx *ctx;
static struct ac_key *key;
static const uint8_t file_id[AFS_FILE_ID_LEN] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
						 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = fuzz_ctx();
	key = fuzz_key(ctx, AC_ALG_GCM, 0x40);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Decode a whole file: header, size, blocks in a batch and one by one. */
static void fuzz_file(uint32_t bs, const uint8_t *data, size_t size)
{
	const size_t dlen = AFS_BLOCK_DISK_LEN(bs);
	uint8_t id[AFS_FILE_ID_LEN], hdr[AFS_HEADER_LEN], *in, *pt, *one;
	uint64_t psize, bad = UINT64_MAX, first_bad = UINT64_MAX;
	size_t inlen, n;
	ssize_t got;
	int err, perr;

	err = afs_header_decode(data, size, id);
	if (size < AFS_HEADER_LEN) {
		FUZZ_ASSERT(err == -EUCLEAN);
		return;
	}
	if (data[0] != 0 || data[1] != AFS_HEADER_VERSION) {
		FUZZ_ASSERT(err == -EPROTONOSUPPORT);
		return;
	}
	FUZZ_ASSERT(err == 0 && !memcmp(id, data + 2, AFS_FILE_ID_LEN));
	afs_header_encode(hdr, id);
	FUZZ_ASSERT(!memcmp(hdr, data, AFS_HEADER_LEN));

	perr = afs_plain_size(size, bs, &psize);
	FUZZ_ASSERT(perr == 0 || perr == -EUCLEAN);
	inlen = size - AFS_HEADER_LEN;
	/* Exactly the blocks' bytes, so that ASan sees a read past them. */
	in = malloc(inlen ? inlen : 1);
	pt = malloc(perr ? 1 : psize ? psize : 1);
	one = malloc(bs);
	FUZZ_ASSERT(in && pt && one);
	memcpy(in, data + AFS_HEADER_LEN, inlen);

	got = afs_blocks_decrypt(key, id, 0, in, inlen, bs, perr ? NULL : pt, &bad);
	if (perr) {
		/* A header alone is a damaged file, but no blocks to decrypt. */
		FUZZ_ASSERT(inlen ? got == -EUCLEAN : got == 0);
		goto out;
	}
	FUZZ_ASSERT(got == (ssize_t)psize || got == -EBADMSG);

	/* The same blocks one at a time. */
	n = inlen / dlen + !!(inlen % dlen);
	for (size_t i = 0; i < n; i++) {
		size_t len = i + 1 < n || !(inlen % dlen) ? dlen : inlen % dlen;
		int r = afs_block_decrypt(key, id, i, in + i * dlen, len, one);

		if (r == -EBADMSG) {
			if (first_bad == UINT64_MAX)
				first_bad = i;
			FUZZ_ASSERT(all_zero(pt + i * bs, len - AFS_BLOCK_OVERHEAD));
			continue;
		}
		FUZZ_ASSERT(r == (int)(len - AFS_BLOCK_OVERHEAD));
		FUZZ_ASSERT(!memcmp(one, pt + i * bs, (size_t)r));
	}
	if (got == -EBADMSG)
		FUZZ_ASSERT(first_bad != UINT64_MAX && bad == first_bad);
	else
		FUZZ_ASSERT(first_bad == UINT64_MAX);
out:
	free(in);
	free(pt);
	free(one);
}

enum block_state { B_OK, B_ZERO, B_BAD };

static void fuzz_round_trip(uint32_t bs, struct fuzz_in *in)
{
	const size_t dlen = AFS_BLOCK_DISK_LEN(bs);
	uint64_t first = fuzz_u64(in, 8), max, csize, bad = UINT64_MAX;
	size_t plen = (size_t)(fuzz_u64(in, 3) % (3 * (uint64_t)bs + 1)), clen, olen, n, patlen;
	uint8_t nops = fuzz_u8(in) % 9, *pt, *ct, *orig, *back;
	enum block_state st[4];
	uint64_t ops[8];
	const uint8_t *pat;
	ssize_t got;

	/* Mostly a first block near 0 or near the end of the largest file. */
	FUZZ_ASSERT(afs_plain_size_max(bs, &max) == 0);
	if ((first >> 56) == 0x00)
		first &= 0xffff;
	else if ((first >> 56) == 0xff)
		first = max / bs - (first & 0xf);
	for (uint8_t i = 0; i < nops; i++)
		ops[i] = fuzz_u64(in, 3);
	pat = fuzz_bytes(in, SIZE_MAX, &patlen);

	pt = malloc(plen ? plen : 1);
	FUZZ_ASSERT(pt);
	for (size_t i = 0; i < plen; i++)
		pt[i] = patlen ? pat[i % patlen] : (uint8_t)i;
	n = plen / bs + !!(plen % bs);
	clen = plen + n * AFS_BLOCK_OVERHEAD;
	olen = clen;
	ct = malloc(clen ? clen : 1);
	orig = malloc(clen ? clen : 1);
	back = malloc(plen ? plen : 1);
	FUZZ_ASSERT(ct && orig && back);

	got = afs_blocks_encrypt(key, file_id, first, pt, plen, bs, ct);
	if (first > max / bs || plen > (max / bs - first) * bs) {
		FUZZ_ASSERT(got == -EFBIG || (got == 0 && !plen));
		goto out;
	}
	FUZZ_ASSERT(got == (ssize_t)clen);
	if (plen)
		FUZZ_ASSERT(afs_cipher_size(plen, bs, &csize) == 0 &&
			    csize == AFS_HEADER_LEN + clen);

	memcpy(orig, ct, clen);
	for (uint8_t i = 0; i < nops && clen; i++) {
		uint64_t pos = ops[i] >> 2;

		if ((ops[i] & 3) < 2) { /* flip a byte */
			ct[pos % clen] ^= (uint8_t)(1 + (ops[i] & 1));
		} else if ((ops[i] & 3) == 2) { /* zero a block: a hole */
			size_t b = (size_t)(pos % n);

			memset(ct + b * dlen, 0, b + 1 < n ? dlen : clen - b * dlen);
		} else { /* truncate, and stop */
			clen = (size_t)(pos % clen);
			n = clen / dlen + !!(clen % dlen);
			if (clen % dlen && clen % dlen <= AFS_BLOCK_OVERHEAD) {
				got = afs_blocks_decrypt(key, file_id, first, ct, clen, bs, back,
							 &bad);
				FUZZ_ASSERT(got == -EUCLEAN);
				goto out;
			}
			plen = clen - n * AFS_BLOCK_OVERHEAD;
			break;
		}
	}
	/* What each block is now: as written, a hole, or anything else (a
	 * changed byte, or a last block cut short, its tag gone). */
	for (size_t b = 0; b < n; b++) {
		size_t len = b + 1 < n ? dlen : clen - b * dlen;

		if (all_zero(ct + b * dlen, len))
			st[b] = B_ZERO;
		else if (len == (olen - b * dlen < dlen ? olen - b * dlen : dlen) &&
			 !memcmp(ct + b * dlen, orig + b * dlen, len))
			st[b] = B_OK;
		else
			st[b] = B_BAD;
	}

	got = afs_blocks_decrypt(key, file_id, first, ct, clen, bs, back, &bad);
	FUZZ_ASSERT(got == (ssize_t)plen || got == -EBADMSG);
	for (size_t b = 0, expect_bad = SIZE_MAX; b < n; b++) {
		size_t off = b * bs, len = b + 1 < n ? bs : plen - off;

		if (st[b] == B_OK)
			FUZZ_ASSERT(!memcmp(back + off, pt + off, len));
		else
			FUZZ_ASSERT(all_zero(back + off, len));
		if (st[b] == B_BAD && expect_bad == SIZE_MAX) {
			expect_bad = b;
			FUZZ_ASSERT(got == -EBADMSG && bad == first + b);
		}
		if (b + 1 == n && expect_bad == SIZE_MAX)
			FUZZ_ASSERT(got == (ssize_t)plen);
	}
out:
	free(pt);
	free(ct);
	free(orig);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in);
	uint32_t bs = AFS_BLOCK_SIZE_MIN << (fuzz_u8(&in) % 5);

	if (mode & 1)
		fuzz_round_trip(bs, &in);
	else
		fuzz_file(bs, in.p, in.left);
	return 0;
}
