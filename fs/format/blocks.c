// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blocks.c - content blocks, format version 1 (docs/FORMAT.md, "Content"):
 * the arithmetic between plaintext and ciphertext offsets, and AES-256-GCM
 * (NIST SP 800-38D) of one block or of a batch of consecutive blocks.
 *
 * Plaintext block i holds bytes [i * bs, (i + 1) * bs).  On disk it is
 *
 *   nonce (12) || ciphertext (1..bs) || tag (16)   at 18 + i * (bs + 28)
 *
 * with AAD = file_id || be64(i): the tag binds the block to its file and its
 * position, so a block copied from another file or to another index fails.
 * Only the last block may be short; an empty block is never written (an
 * empty file has no header and no blocks).  The nonce is 12 random bytes,
 * drawn anew every time the block is written; the key is the file's own
 * (derived from its ID), which moves GCM's limit of 2^32 random nonces per
 * key from the whole volume to each file.
 *
 * Holes: an on-disk block made only of zero bytes (12 + n + 16 of them)
 * reads as n zero bytes without decryption, so that sparse files and
 * truncate-extend need no writing.  The price, as in gocryptfs: whoever can
 * write the ciphertext can zero any block and it reads back as zeros
 * without an error; the tag does not protect against that.  Our writers
 * never draw the all-zero nonce, so a block they wrote is never all zeros.
 *
 * Sizes and offsets are uint64_t.  No ciphertext offset may exceed INT64_MAX
 * (off_t), so the largest plaintext is the most whole blocks that end at or
 * below it; beyond that is -EFBIG.  None of the arithmetic can overflow
 * within those bounds (each function says why).
 */
#include "format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Blocks per ac_gcm_*_batch() call: a 1 MiB FUSE request of 4 KiB blocks. */
#define BATCH_MAX 256

/* A batch's requests, with the AAD and (encryption) the nonce of each. */
struct batch {
	struct ac_gcm_req *reqs;
	uint8_t (*aad)[AFS_BLOCK_AAD_LEN];
	uint8_t (*nonce)[AFS_BLOCK_NONCE_LEN]; /* contiguous: one getrandom() */
};

bool afs_block_size_ok(uint32_t bs)
{
	return bs >= AFS_BLOCK_SIZE_MIN && bs <= AFS_BLOCK_SIZE_MAX && !(bs & (bs - 1));
}

/* The most blocks a file may have: the end of the last is at most INT64_MAX. */
static uint64_t blocks_max(uint32_t bs)
{
	return ((uint64_t)INT64_MAX - AFS_HEADER_LEN) / AFS_BLOCK_DISK_LEN(bs);
}

static uint64_t plain_max(uint32_t bs)
{
	/* Below INT64_MAX: each block's plaintext is shorter than its disk size. */
	return blocks_max(bs) * bs;
}

int afs_plain_size_max(uint32_t bs, uint64_t *max)
{
	if (!afs_block_size_ok(bs))
		return -EINVAL;
	*max = plain_max(bs);
	return 0;
}

int afs_plain_size(uint64_t csize, uint32_t bs, uint64_t *psize)
{
	uint64_t body, full, rem, p;

	if (!afs_block_size_ok(bs))
		return -EINVAL;
	if (!csize) {
		*psize = 0;
		return 0;
	}
	if (csize > INT64_MAX)
		return -EFBIG;
	/* A header alone is never written: the first block comes with it. */
	if (csize <= AFS_HEADER_LEN)
		return -EUCLEAN;
	body = csize - AFS_HEADER_LEN;
	full = body / AFS_BLOCK_DISK_LEN(bs);
	rem = body % AFS_BLOCK_DISK_LEN(bs);
	if (rem && rem <= AFS_BLOCK_OVERHEAD)
		return -EUCLEAN;
	p = full * bs + (rem ? rem - AFS_BLOCK_OVERHEAD : 0);
	/* Only a partial block after blocks_max() whole ones gets here. */
	if (p > plain_max(bs))
		return -EFBIG;
	*psize = p;
	return 0;
}

int afs_cipher_size(uint64_t psize, uint32_t bs, uint64_t *csize)
{
	uint64_t full, rem;

	if (!afs_block_size_ok(bs))
		return -EINVAL;
	if (psize > plain_max(bs))
		return -EFBIG;
	if (!psize) {
		*csize = 0;
		return 0;
	}
	full = psize / bs;
	rem = psize % bs;
	/* At most blocks_max(bs) blocks, whole or not: no overflow. */
	*csize = AFS_HEADER_LEN + full * AFS_BLOCK_DISK_LEN(bs) +
		 (rem ? rem + AFS_BLOCK_OVERHEAD : 0);
	return 0;
}

int afs_block_locate(uint64_t off, uint32_t bs, uint64_t *index, uint32_t *in_block)
{
	if (!afs_block_size_ok(bs))
		return -EINVAL;
	*index = off / bs;
	*in_block = (uint32_t)(off % bs);
	return 0;
}

int afs_block_cipher_off(uint64_t index, uint32_t bs, uint64_t *coff)
{
	if (!afs_block_size_ok(bs))
		return -EINVAL;
	if (index > blocks_max(bs))
		return -EFBIG;
	*coff = AFS_HEADER_LEN + index * AFS_BLOCK_DISK_LEN(bs);
	return 0;
}

int afs_cipher_off_locate(uint64_t coff, uint32_t bs, uint64_t *index, uint32_t *in_block)
{
	if (!afs_block_size_ok(bs) || coff < AFS_HEADER_LEN)
		return -EINVAL;
	*index = (coff - AFS_HEADER_LEN) / AFS_BLOCK_DISK_LEN(bs);
	*in_block = (uint32_t)((coff - AFS_HEADER_LEN) % AFS_BLOCK_DISK_LEN(bs));
	return 0;
}

int afs_block_range(uint64_t off, uint64_t len, uint32_t bs, struct afs_range *r)
{
	uint64_t end, last;

	if (!afs_block_size_ok(bs))
		return -EINVAL;
	if (len > UINT64_MAX - off)
		return -EFBIG;
	end = off + len;
	if (end > plain_max(bs))
		return -EFBIG;

	r->first = off / bs;
	r->head = (uint32_t)(off % bs);
	/* first <= blocks_max(bs), and (last + 1) <= blocks_max(bs) below. */
	r->coff = AFS_HEADER_LEN + r->first * AFS_BLOCK_DISK_LEN(bs);
	if (!len) {
		r->count = 0;
		r->tail = 0;
		r->clen = 0;
		return 0;
	}
	last = (end - 1) / bs;
	r->count = last - r->first + 1;
	r->tail = (uint32_t)(end - last * bs);
	r->clen = r->count * AFS_BLOCK_DISK_LEN(bs);
	return 0;
}

void afs_block_aad(uint8_t aad[AFS_BLOCK_AAD_LEN], const uint8_t file_id[AFS_FILE_ID_LEN],
		   uint64_t index)
{
	int i;

	memcpy(aad, file_id, AFS_FILE_ID_LEN);
	for (i = 0; i < 8; i++)
		aad[AFS_FILE_ID_LEN + i] = (uint8_t)(index >> (56 - 8 * i));
}

bool afs_block_is_hole(const uint8_t *in, size_t inlen)
{
	/* The ciphertext is public: no need for constant time. */
	return inlen && !in[0] && !memcmp(in, in + 1, inlen - 1);
}

static bool is_zero_nonce(const uint8_t *nonce)
{
	return afs_block_is_hole(nonce, AFS_BLOCK_NONCE_LEN);
}

/*
 * Draw @n nonces, none of them all zeros (see the comment at the top): one
 * getrandom() for them all, and again for the rare (2^-96) zero nonce.
 */
static int draw_nonces(uint8_t (*nonce)[AFS_BLOCK_NONCE_LEN], size_t n)
{
	size_t i;
	int err;

	err = ac_random_public(nonce, n * AFS_BLOCK_NONCE_LEN);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		while (is_zero_nonce(nonce[i])) {
			err = ac_random_public(nonce[i], AFS_BLOCK_NONCE_LEN);
			if (err)
				return err;
		}
	}
	return 0;
}

int afs_block_encrypt_nonce(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN],
			    uint64_t index, const uint8_t nonce[AFS_BLOCK_NONCE_LEN],
			    const uint8_t *pt, size_t len, uint8_t *out)
{
	uint8_t aad[AFS_BLOCK_AAD_LEN];
	int err;

	if (!len || len > AFS_BLOCK_SIZE_MAX || is_zero_nonce(nonce))
		return -EINVAL;
	afs_block_aad(aad, file_id, index);
	memmove(out, nonce, AFS_BLOCK_NONCE_LEN);
	err = ac_gcm_encrypt(key, out, aad, sizeof(aad), pt, len, out + AFS_BLOCK_NONCE_LEN);
	if (err)
		explicit_bzero(out, len + AFS_BLOCK_OVERHEAD);
	return err;
}

int afs_block_encrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN], uint64_t index,
		      const uint8_t *pt, size_t len, uint8_t *out)
{
	uint8_t nonce[1][AFS_BLOCK_NONCE_LEN];
	int err;

	if (!len || len > AFS_BLOCK_SIZE_MAX)
		return -EINVAL;
	err = draw_nonces(nonce, 1);
	if (err)
		return err;
	return afs_block_encrypt_nonce(key, file_id, index, nonce[0], pt, len, out);
}

int afs_block_decrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN], uint64_t index,
		      const uint8_t *in, size_t inlen, uint8_t *pt)
{
	uint8_t aad[AFS_BLOCK_AAD_LEN];
	size_t len;
	int err;

	if (inlen <= AFS_BLOCK_OVERHEAD || inlen > AFS_BLOCK_DISK_LEN(AFS_BLOCK_SIZE_MAX))
		return -EUCLEAN;
	len = inlen - AFS_BLOCK_OVERHEAD;
	if (afs_block_is_hole(in, inlen)) {
		memset(pt, 0, len);
		return (int)len;
	}
	afs_block_aad(aad, file_id, index);
	err = ac_gcm_decrypt(key, in, aad, sizeof(aad), in + AFS_BLOCK_NONCE_LEN, len, pt);
	if (err) {
		/* crypto/ wipes after -EBADMSG; after any other error, so do we. */
		explicit_bzero(pt, len);
		return err;
	}
	return (int)len;
}

/*
 * Whether blocks @first .. of @plen plaintext bytes stay within
 * plain_max(@bs).  -EFBIG if not.
 */
static int check_extent(uint64_t first, uint64_t plen, uint32_t bs)
{
	if (first > blocks_max(bs) || plen > (blocks_max(bs) - first) * bs)
		return -EFBIG;
	return 0;
}

/* Room for a batch of @n requests.  Return: 0, -ENOMEM. */
static int batch_alloc(struct batch *b, size_t n)
{
	const size_t each = sizeof(*b->reqs) + sizeof(*b->aad) + sizeof(*b->nonce);

	/* calloc() checks n * each for overflow; the AADs and nonces are bytes. */
	b->reqs = calloc(n, each);
	if (!b->reqs)
		return -ENOMEM;
	b->aad = (void *)(b->reqs + n);
	b->nonce = (void *)(b->aad + n);
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->reqs);
}

ssize_t afs_blocks_encrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN],
			   uint64_t first, const uint8_t *pt, size_t ptlen, uint32_t bs,
			   uint8_t *out)
{
	size_t dlen, n, rem, outlen, done, k, i;
	struct batch b;
	int err;

	if (!afs_block_size_ok(bs))
		return -EINVAL;
	if (!ptlen)
		return 0;
	err = check_extent(first, ptlen, bs);
	if (err)
		return err;
	dlen = AFS_BLOCK_DISK_LEN(bs);
	rem = ptlen % bs;
	n = ptlen / bs + !!rem;
	/* ptlen <= plain_max(bs), so outlen < INT64_MAX: it fits in ssize_t. */
	outlen = ptlen + n * AFS_BLOCK_OVERHEAD;

	err = batch_alloc(&b, n < BATCH_MAX ? n : BATCH_MAX);
	if (err)
		return err;
	for (done = 0; done < n; done += k) {
		k = n - done < BATCH_MAX ? n - done : BATCH_MAX;
		err = draw_nonces(b.nonce, k);
		if (err)
			goto out_wipe;
		for (i = 0; i < k; i++) {
			size_t blk = done + i;
			uint8_t *dst = out + blk * dlen;

			memcpy(dst, b.nonce[i], AFS_BLOCK_NONCE_LEN);
			afs_block_aad(b.aad[i], file_id, first + blk);
			b.reqs[i] = (struct ac_gcm_req){
				.nonce = dst,
				.aad = b.aad[i],
				.aadlen = AFS_BLOCK_AAD_LEN,
				.in = pt + blk * bs,
				.out = dst + AFS_BLOCK_NONCE_LEN,
				.len = blk + 1 < n || !rem ? bs : rem,
			};
		}
		err = ac_gcm_encrypt_batch(key, b.reqs, k);
		if (err)
			goto out_wipe;
	}
	batch_free(&b);
	return (ssize_t)outlen;

out_wipe:
	explicit_bzero(out, outlen);
	batch_free(&b);
	return err;
}

ssize_t afs_blocks_decrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN],
			   uint64_t first, const uint8_t *in, size_t inlen, uint32_t bs,
			   uint8_t *pt, uint64_t *bad_index)
{
	size_t dlen, n, rem, ptlen, done, k, i, nreq, nbad;
	bool bad = false;
	struct batch b;
	int err;

	if (!afs_block_size_ok(bs))
		return -EINVAL;
	if (!inlen)
		return 0;
	dlen = AFS_BLOCK_DISK_LEN(bs);
	rem = inlen % dlen;
	if (rem && rem <= AFS_BLOCK_OVERHEAD)
		return -EUCLEAN;
	n = inlen / dlen + !!rem;
	ptlen = inlen - n * AFS_BLOCK_OVERHEAD;
	err = check_extent(first, ptlen, bs);
	if (err)
		return err;

	err = batch_alloc(&b, n < BATCH_MAX ? n : BATCH_MAX);
	if (err)
		return err;
	for (done = 0; done < n; done += k) {
		k = n - done < BATCH_MAX ? n - done : BATCH_MAX;
		nreq = 0;
		for (i = 0; i < k; i++) {
			size_t blk = done + i;
			size_t len = blk + 1 < n || !rem ? dlen : rem;
			const uint8_t *src = in + blk * dlen;
			uint8_t *dst = pt + blk * bs;

			if (afs_block_is_hole(src, len)) {
				memset(dst, 0, len - AFS_BLOCK_OVERHEAD);
				continue;
			}
			afs_block_aad(b.aad[nreq], file_id, first + blk);
			b.reqs[nreq] = (struct ac_gcm_req){
				.nonce = src,
				.aad = b.aad[nreq],
				.aadlen = AFS_BLOCK_AAD_LEN,
				.in = src + AFS_BLOCK_NONCE_LEN,
				.out = dst,
				.len = len - AFS_BLOCK_OVERHEAD,
			};
			nreq++;
		}
		if (!nreq)
			continue;
		err = ac_gcm_decrypt_batch(key, b.reqs, nreq);
		if (!err)
			continue;
		/* Every result, not just the first: an -EIO may follow an -EBADMSG. */
		nbad = 0;
		for (i = 0; i < nreq; i++) {
			if (b.reqs[i].result == -EBADMSG) {
				explicit_bzero(b.reqs[i].out, b.reqs[i].len);
				if (!bad && !nbad && bad_index)
					*bad_index = first + (size_t)(b.reqs[i].out - pt) / bs;
				nbad++;
			} else if (b.reqs[i].result) {
				err = b.reqs[i].result;
				goto out_wipe;
			}
		}
		/* An error of the batch as a whole, with no request's result. */
		if (!nbad)
			goto out_wipe;
		bad = true;
	}
	batch_free(&b);
	return bad ? -EBADMSG : (ssize_t)ptlen;

out_wipe:
	explicit_bzero(pt, ptlen);
	batch_free(&b);
	return err;
}
