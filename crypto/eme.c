// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * eme.c - EME, a wide-block enciphering mode, from AES-ECB passes.
 *
 * Halevi and Rogaway, "A Parallelizable Enciphering Mode" (CT-RSA 2004), the
 * variant gocryptfs uses for names (github.com/rfjakob/eme), for m = len/16
 * blocks, 1 <= m <= 128, tweak T, key K, E = AES-ECB under K in the
 * direction asked for (encrypt: forwards, decrypt: the inverse cipher), and
 * L = 2 * AES_K(0) always forwards:
 *
 *   PPP_j = E(P_j ^ 2^j L)                        pass 1, j = 0..m-1
 *   MP    = T ^ PPP_0 ^ ... ^ PPP_{m-1}
 *   MC    = E(MP)                                 one block
 *   M     = MP ^ MC
 *   CCC_j = PPP_j ^ 2^j M                         j = 1..m-1
 *   CCC_0 = MC ^ T ^ CCC_1 ^ ... ^ CCC_{m-1}
 *   C_j   = E(CCC_j) ^ 2^j L                      pass 2, j = 0..m-1
 *
 * Decryption is the same with E the inverse cipher.  "2 x" is doubling in
 * GF(2^128) with the 16 bytes read little-endian: byte 0 holds the lowest
 * bits, a carry moves from the top bit of byte i to the bottom of byte i+1,
 * and the top bit of byte 15 folds back as 0x87 into byte 0 (the EME-32
 * draft's byte order and rfjakob/eme's multByTwo).
 *
 * Each pass is one ECB call over all m blocks, so on the kernel backend a
 * call costs three AF_ALG operations (pass 1, MC, pass 2), each a sendmsg
 * and a read, or one io_uring_enter; L costs one more, once per key: it is
 * kept with the key in locked memory.  ECB is safe here because no block
 * is enciphered bare: pass 1 masks each block with a multiple of L unique to
 * its position, and pass 2's inputs depend on the whole input and T.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "secmem.h"

#define BLK AC_AES_BLOCK_LEN

/* @out = 2 * @in in GF(2^128), EME's byte order; @out may be @in.  No branch
 * and no table on the (secret) value. */
static void gf_double(uint8_t out[BLK], const uint8_t in[BLK])
{
	uint8_t carry = in[BLK - 1] >> 7;

	for (int j = BLK - 1; j > 0; j--)
		out[j] = (uint8_t)(in[j] << 1 | in[j - 1] >> 7);
	out[0] = (uint8_t)(in[0] << 1 ^ (0x87 & (0u - carry)));
}

static void xor_block(uint8_t *out, const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < BLK; i++)
		out[i] = a[i] ^ b[i];
}

/* @key's L, made with one ECB encryption on first use.  Return: 0 or -errno. */
static int eme_l(struct ac_key *key, uint8_t l[BLK])
{
	uint8_t *kept = atomic_load_explicit(&key->k_eme_l, memory_order_acquire);
	uint8_t *expected = NULL;
	int err;

	if (kept) {
		memcpy(l, kept, BLK);
		return 0;
	}
	memset(l, 0, BLK);
	err = ac_ecb_encrypt(key, l, BLK, l);
	if (err)
		return err;
	gf_double(l, l);
	kept = ac_secure_alloc(BLK);
	if (!kept)
		return 0; /* no room to keep it: made again next time */
	memcpy(kept, l, BLK);
	/* Two threads may both make it; both made the same bytes. */
	if (!atomic_compare_exchange_strong_explicit(&key->k_eme_l, &expected, kept,
						     memory_order_acq_rel, memory_order_acquire))
		ac_secure_free(kept);
	return 0;
}

void ac_eme_key_free(struct ac_key *key)
{
	ac_secure_free(atomic_exchange(&key->k_eme_l, NULL)); /* wipes it */
}

/* buf[j] ^= 2^j L for every block j < @m. */
static void mask_blocks(uint8_t *buf, size_t m, const uint8_t l[BLK])
{
	uint8_t lj[BLK];

	memcpy(lj, l, BLK);
	for (size_t j = 0; j < m; j++) {
		xor_block(buf + j * BLK, buf + j * BLK, lj);
		gf_double(lj, lj);
	}
	ac_wipe(lj, sizeof(lj));
}

static int eme(struct ac_key *key, bool encrypt, const uint8_t *tweak, const uint8_t *in,
	       size_t len, uint8_t *out)
{
	int (*ecb)(struct ac_key *, const uint8_t *, size_t, uint8_t *) =
		encrypt ? ac_ecb_encrypt : ac_ecb_decrypt;
	uint8_t buf[AC_EME_MAX_LEN], l[BLK], mp[BLK], mc[BLK], m_j[BLK];
	size_t m = len / BLK;
	int err;

	if (key->k_alg != AC_ALG_ECB || !tweak || !in || !out || len < AC_EME_MIN_LEN ||
	    len > AC_EME_MAX_LEN || len % BLK)
		return -EINVAL;
	err = eme_l(key, l);
	if (err)
		goto out;

	/* Pass 1: PPP_j = E(P_j ^ 2^j L), all blocks in one call. */
	memcpy(buf, in, len);
	mask_blocks(buf, m, l);
	err = ecb(key, buf, len, buf);
	if (err)
		goto out;

	/* The mix: MP, MC = E(MP), then CCC_j.  (@in is read: @out may be it.) */
	memcpy(mp, tweak, BLK);
	for (size_t j = 0; j < m; j++)
		xor_block(mp, mp, buf + j * BLK);
	err = ecb(key, mp, BLK, mc);
	if (err)
		goto out;
	xor_block(m_j, mp, mc);
	xor_block(mp, mc, tweak); /* mp is now the running sum for CCC_0 */
	for (size_t j = 1; j < m; j++) {
		gf_double(m_j, m_j);
		xor_block(buf + j * BLK, buf + j * BLK, m_j);
		xor_block(mp, mp, buf + j * BLK);
	}
	memcpy(buf, mp, BLK);

	/* Pass 2: C_j = E(CCC_j) ^ 2^j L. */
	err = ecb(key, buf, len, buf);
	if (err)
		goto out;
	mask_blocks(buf, m, l);
	memcpy(out, buf, len);
out:
	if (err)
		ac_wipe(out, len);
	ac_wipe(buf, len);
	ac_wipe(l, sizeof(l));
	ac_wipe(mp, sizeof(mp));
	ac_wipe(mc, sizeof(mc));
	ac_wipe(m_j, sizeof(m_j));
	return err;
}

int ac_eme_encrypt(struct ac_key *ecb_key, const uint8_t tweak[AC_EME_TWEAK_LEN], const uint8_t *in,
		   size_t len, uint8_t *out)
{
	return eme(ecb_key, true, tweak, in, len, out);
}

int ac_eme_decrypt(struct ac_key *ecb_key, const uint8_t tweak[AC_EME_TWEAK_LEN], const uint8_t *in,
		   size_t len, uint8_t *out)
{
	return eme(ecb_key, false, tweak, in, len, out);
}
