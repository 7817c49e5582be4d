// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-meta - symlink targets and extended attributes on disk
 * (fs/meta.c), in both formats.  The first byte's FUZZ_FORMAT_V2 bit
 * (fuzz.h) picks format 2, under the master key and UUID of
 * tests/fixtures/format-v2-vector.conf: EME names, and in front of each
 * target and value a 16-byte ID whose own subkey seals it under a zero
 * nonce (32 bytes of overhead).  Clear, it picks format 1, under the keys of
 * tests/fixtures/v1-populated.tar: CBC-CTS names, a 12-byte nonce in front
 * and one key per volume (28 bytes).  So the seeds (targets, xattr names and
 * values from that volume and from format-v2-vector.py) decrypt.  The first
 * byte's value modulo 4 chooses a mode:
 *
 *   0  an on-disk symlink target: afs_symlink_decrypt(); what it accepts
 *      must encrypt back, under the nonce or ID it holds, to the same string
 *   1  a round trip past the tag: a nonce or ID and any bytes (NULs, too
 *      long, empty) sealed as docs/FORMAT.md says a target is (by the
 *      harness, not by meta.c), then afs_symlink_decrypt(), which must
 *      refuse what algfs cannot have written; what it may write,
 *      afs_symlink_encrypt_fresh() must write the same
 *   2  an xattr: a length byte, the on-disk name, the on-disk value;
 *      afs_xattr_name_decrypt() and afs_xattr_value_decrypt() (what either
 *      accepts must encrypt back to the same bytes, the value under the
 *      nonce or ID in front of it)
 *   3  a round trip: a nonce or ID, a "user." name and a value, encrypted
 *      (as the harness seals it, too), maybe changed in one byte, then
 *      decrypted
 */
#include <errno.h>

#include "fuzz.h"
#include "format.h"
#include "volume.h"

static struct ac_ctx *ctx;
static struct afs_volkey vks[3]; /* by format */
static struct ac_key *xname_keys[3]; /* by format: CTS (1), ECB for EME (2) */
static const uint8_t zero_nonce[AC_GCM_NONCE_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = fuzz_ctx();
	for (unsigned int format = 1; format <= 2; format++) {
		vks[format] = fuzz_volkey(ctx, format);
		fuzz_check(afs_subkey(&vks[format], AFS_KEY_XATTR_NAME, NULL, &xname_keys[format]),
			   "afs_subkey");
	}
	return 0;
}

/* What a target or value has in front: a nonce (1) or a key ID (2). */
static size_t fresh_len(const struct afs_volkey *vk)
{
	return afs_meta_overhead(vk->format) - AC_GCM_TAG_LEN;
}

/*
 * @out = @fresh || AES-256-GCM(@in) || tag as docs/FORMAT.md describes it,
 * apart from meta.c: format 1 under the volume's key of @which with @fresh
 * as the nonce, format 2 under the subkey of @which for the ID @fresh with
 * a zero nonce.
 */
static void seal(const struct afs_volkey *vk, enum afs_subkey which, const uint8_t *fresh,
		 const char *aad, const uint8_t *in, size_t len, uint8_t *out)
{
	bool per_message = vk->format == 2;
	struct ac_key *key;

	FUZZ_ASSERT(afs_subkey_has_context(vk, which) == per_message);
	fuzz_check(afs_subkey(vk, which, per_message ? fresh : NULL, &key), "afs_subkey");
	memcpy(out, fresh, fresh_len(vk));
	fuzz_check(ac_gcm_encrypt(key, per_message ? zero_nonce : fresh, (const uint8_t *)aad,
				  aad ? strlen(aad) : 0, in, len, out + fresh_len(vk)),
		   "ac_gcm_encrypt");
	ac_key_put(key);
}

static void symlink_decode(const struct afs_volkey *vk, struct fuzz_in *in)
{
	/* What the decoder may write: the longest target and its NUL. */
	char *enc = malloc(in->left + 1), *out = malloc(afs_symlink_max(vk->format) + 1);
	uint8_t *raw = malloc(in->left * 3 / 4 + 3);
	char again[AFS_SYMLINK_ENC_BUF];
	int n;

	FUZZ_ASSERT(enc && out && raw);
	memcpy(enc, in->p, in->left);
	enc[in->left] = '\0';
	n = afs_symlink_decrypt(vk, enc, out);
	FUZZ_ASSERT(n == -EUCLEAN || n == -EBADMSG || n > 0);
	if (n > 0) {
		FUZZ_ASSERT((size_t)n <= afs_symlink_max(vk->format) && (size_t)n == strlen(out));
		/* The nonce or ID is the decoded target's first bytes. */
		FUZZ_ASSERT(afs_b64url_decode(enc, strlen(enc), raw) ==
			    (int)(n + afs_meta_overhead(vk->format)));
		FUZZ_ASSERT(afs_symlink_encrypt_fresh(vk, out, raw, again) == (int)strlen(enc));
		FUZZ_ASSERT(!strcmp(again, enc));
	}
	free(enc);
	free(out);
	free(raw);
}

static void symlink_round_trip(const struct afs_volkey *vk, struct fuzz_in *in)
{
	const size_t flen = fresh_len(vk), over = afs_meta_overhead(vk->format);
	const size_t max = afs_symlink_max(vk->format);
	uint8_t fresh[AFS_META_FRESH_MAX] = { 0 }, *buf;
	const uint8_t *p = fuzz_bytes(in, flen, &(size_t){ 0 }), *t;
	size_t len;
	char *enc, *again, *out = malloc(max + 1);
	int n;

	memcpy(fresh, p, (size_t)(in->p - p));
	t = fuzz_bytes(in, 2 * AFS_SYMLINK_MAX, &len);
	buf = malloc(len + over);
	enc = malloc((len + over) * 4 / 3 + 4);
	again = malloc(AFS_SYMLINK_ENC_BUF);
	FUZZ_ASSERT(buf && enc && again && out);
	seal(vk, AFS_KEY_SYMLINK, fresh, NULL, t, len, buf);
	afs_b64url_encode(buf, len + over, enc);
	n = afs_symlink_decrypt(vk, enc, out);
	if (!len || len > max || memchr(t, '\0', len)) {
		FUZZ_ASSERT(n == -EUCLEAN);
	} else {
		FUZZ_ASSERT(n == (int)len && !memcmp(out, t, len) && out[len] == '\0');
		/* meta.c writes what docs/FORMAT.md says, byte for byte. */
		FUZZ_ASSERT(afs_symlink_encrypt_fresh(vk, out, fresh, again) == (int)strlen(enc));
		FUZZ_ASSERT(!strcmp(again, enc));
	}
	free(buf);
	free(enc);
	free(again);
	free(out);
}

static void xattr_decode(const struct afs_volkey *vk, struct fuzz_in *in)
{
	struct ac_key *xname_key = xname_keys[vk->format];
	const size_t over = afs_meta_overhead(vk->format);
	size_t nlen = fuzz_u8(in), vlen;
	const uint8_t *p = fuzz_bytes(in, nlen, &nlen), *v;
	char *name = malloc(nlen + 1), out[AFS_PLAIN_NAME_BUF + 5], again[AFS_XATTR_NAME_BUF];
	uint8_t *val, *pt, *back;
	int n;

	FUZZ_ASSERT(name);
	memcpy(name, p, nlen);
	name[nlen] = '\0';
	n = afs_xattr_name_decrypt(xname_key, name, out);
	FUZZ_ASSERT(n == -EUCLEAN || n > 5);
	if (n > 0) {
		FUZZ_ASSERT((size_t)n == strlen(out) && !strncmp(out, AFS_XATTR_PREFIX, 5));
		FUZZ_ASSERT(afs_xattr_name_encrypt(xname_key, out, again) == (int)strlen(name));
		FUZZ_ASSERT(!strcmp(again, name));
	}
	v = fuzz_bytes(in, SIZE_MAX, &vlen);
	val = malloc(vlen ? vlen : 1);
	/* Exactly what the decoder may write: @vlen less the overhead. */
	pt = malloc(vlen > over ? vlen - over : 1);
	back = malloc(vlen ? vlen : 1);
	FUZZ_ASSERT(val && pt && back);
	memcpy(val, v, vlen);
	n = afs_xattr_value_decrypt(vk, name, val, vlen, pt);
	if (vlen < over) {
		FUZZ_ASSERT(n == -EUCLEAN);
	} else {
		FUZZ_ASSERT(n == -EBADMSG || n == (int)(vlen - over));
		if (n >= 0) {
			FUZZ_ASSERT(afs_xattr_value_encrypt_fresh(vk, name, pt, (size_t)n, val,
								  back) == (int)vlen);
			FUZZ_ASSERT(!memcmp(back, val, vlen));
		}
	}
	free(name);
	free(val);
	free(pt);
	free(back);
}

static void xattr_round_trip(const struct afs_volkey *vk, struct fuzz_in *in)
{
	struct ac_key *xname_key = xname_keys[vk->format];
	const size_t flen = fresh_len(vk), over = afs_meta_overhead(vk->format);
	uint8_t fresh[AFS_META_FRESH_MAX] = { 0 }, flip = fuzz_u8(in), *ct, *ref, *pt;
	size_t nlen = fuzz_u8(in), vlen, at = (size_t)fuzz_u64(in, 2);
	const uint8_t *p = fuzz_bytes(in, flen, &(size_t){ 0 }), *v;
	char name[256 + 6], disk[AFS_XATTR_NAME_BUF], back[AFS_PLAIN_NAME_BUF + 5];
	int n;

	memcpy(fresh, p, (size_t)(in->p - p));
	memcpy(name, "user.", 5);
	p = fuzz_bytes(in, nlen, &nlen);
	memcpy(name + 5, p, nlen);
	name[5 + nlen] = '\0';
	v = fuzz_bytes(in, SIZE_MAX, &vlen);

	n = afs_xattr_name_encrypt(xname_key, name, disk);
	if (n < 0) {
		FUZZ_ASSERT(n == -EINVAL || n == -ENAMETOOLONG);
		return;
	}
	FUZZ_ASSERT(afs_xattr_name_decrypt(xname_key, disk, back) == (int)strlen(name));
	FUZZ_ASSERT(!strcmp(back, name));

	ct = malloc(vlen + over);
	ref = malloc(vlen + over);
	pt = malloc(vlen ? vlen : 1);
	FUZZ_ASSERT(ct && ref && pt);
	n = afs_xattr_value_encrypt_fresh(vk, disk, v, vlen, fresh, ct);
	FUZZ_ASSERT(n == (int)(vlen + over));
	/* meta.c writes what docs/FORMAT.md says, byte for byte. */
	seal(vk, AFS_KEY_XATTR_VALUE, fresh, disk, v, vlen, ref);
	FUZZ_ASSERT(!memcmp(ct, ref, vlen + over));
	if (flip)
		ct[at % (size_t)n] ^= flip;
	n = afs_xattr_value_decrypt(vk, disk, ct, (size_t)n, pt);
	if (flip)
		FUZZ_ASSERT(n == -EBADMSG);
	else
		FUZZ_ASSERT(n == (int)vlen && !memcmp(pt, v, vlen));
	free(ct);
	free(ref);
	free(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in);
	const struct afs_volkey *vk = &vks[fuzz_format(mode)];

	switch (mode % 4) {
	case 0:
		symlink_decode(vk, &in);
		break;
	case 1:
		symlink_round_trip(vk, &in);
		break;
	case 2:
		xattr_decode(vk, &in);
		break;
	default:
		xattr_round_trip(vk, &in);
		break;
	}
	return 0;
}
