// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-meta - symlink targets and extended attributes on disk
 * (fs/meta.c), under the keys of tests/fixtures/v1-populated.tar, so that
 * the seeds (targets, xattr names and values from that volume) decrypt.
 * The first byte chooses a mode (its value modulo 4):
 *
 *   0  an on-disk symlink target: afs_symlink_decrypt(); what it accepts
 *      must encrypt back, under the nonce it holds, to the same string
 *   1  a round trip past the tag: a nonce and any bytes (NULs, too long,
 *      empty) sealed as a target would be, then afs_symlink_decrypt(),
 *      which must refuse what algfs cannot have written
 *   2  an xattr: a length byte, the on-disk name, the on-disk value;
 *      afs_xattr_name_decrypt() and afs_xattr_value_decrypt() (what the
 *      name decryption accepts must encrypt back to the same name)
 *   3  a round trip: a nonce, a "user." name and a value, encrypted, maybe
 *      changed in one byte, then decrypted
 */
#include <errno.h>

#include "fuzz.h"
#include "format.h"
#include "volume.h"

static struct ac_ctx *ctx;
static struct ac_key *symlink_key, *xname_key, *xvalue_key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ac_key *mk;

	(void)argc;
	(void)argv;
	ctx = fuzz_ctx();
	mk = fuzz_populated_mk(ctx);
	fuzz_check(afs_subkey(mk, AFS_KEY_SYMLINK, NULL, &symlink_key), "afs_subkey");
	fuzz_check(afs_subkey(mk, AFS_KEY_XATTR_NAME, NULL, &xname_key), "afs_subkey");
	fuzz_check(afs_subkey(mk, AFS_KEY_XATTR_VALUE, NULL, &xvalue_key), "afs_subkey");
	ac_key_put(mk);
	return 0;
}

static void symlink_decode(struct fuzz_in *in)
{
	char *enc = malloc(in->left + 1), *out = malloc(AFS_SYMLINK_MAX + 1);
	char again[AFS_SYMLINK_ENC_BUF];
	uint8_t nonce[AC_GCM_NONCE_LEN + 3];
	int n;

	FUZZ_ASSERT(enc && out);
	memcpy(enc, in->p, in->left);
	enc[in->left] = '\0';
	n = afs_symlink_decrypt(symlink_key, enc, out);
	FUZZ_ASSERT(n == -EUCLEAN || n == -EBADMSG || n > 0);
	if (n > 0) {
		FUZZ_ASSERT(n <= AFS_SYMLINK_MAX && (size_t)n == strlen(out));
		/* The nonce is the first 16 characters' first 12 bytes. */
		FUZZ_ASSERT(afs_b64url_decode(enc, 16, nonce) == AC_GCM_NONCE_LEN);
		FUZZ_ASSERT(afs_symlink_encrypt_nonce(symlink_key, out, nonce, again) ==
			    (int)strlen(enc));
		FUZZ_ASSERT(!strcmp(again, enc));
	}
	free(enc);
	free(out);
}

static void symlink_round_trip(struct fuzz_in *in)
{
	uint8_t nonce[AC_GCM_NONCE_LEN] = { 0 }, *buf;
	const uint8_t *p = fuzz_bytes(in, AC_GCM_NONCE_LEN, &(size_t){ 0 }), *t;
	size_t len;
	char *enc, *out = malloc(AFS_SYMLINK_MAX + 1);
	int n;

	memcpy(nonce, p, (size_t)(in->p - p));
	t = fuzz_bytes(in, 2 * AFS_SYMLINK_MAX, &len);
	buf = malloc(AC_GCM_NONCE_LEN + len + AC_GCM_TAG_LEN);
	enc = malloc((AC_GCM_NONCE_LEN + len + AC_GCM_TAG_LEN) * 4 / 3 + 4);
	FUZZ_ASSERT(buf && enc && out);
	memcpy(buf, nonce, AC_GCM_NONCE_LEN);
	fuzz_check(ac_gcm_encrypt(symlink_key, nonce, NULL, 0, t, len, buf + AC_GCM_NONCE_LEN),
		   "ac_gcm_encrypt");
	afs_b64url_encode(buf, AC_GCM_NONCE_LEN + len + AC_GCM_TAG_LEN, enc);
	n = afs_symlink_decrypt(symlink_key, enc, out);
	if (!len || len > AFS_SYMLINK_MAX || memchr(t, '\0', len)) {
		FUZZ_ASSERT(n == -EUCLEAN);
	} else {
		FUZZ_ASSERT(n == (int)len && !memcmp(out, t, len) && out[len] == '\0');
	}
	free(buf);
	free(enc);
	free(out);
}

static void xattr_decode(struct fuzz_in *in)
{
	size_t nlen = fuzz_u8(in), vlen;
	const uint8_t *p = fuzz_bytes(in, nlen, &nlen), *v;
	char *name = malloc(nlen + 1), out[AFS_PLAIN_NAME_BUF + 5], again[AFS_XATTR_NAME_BUF];
	uint8_t *val, *pt;
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
	pt = malloc(vlen ? vlen : 1);
	FUZZ_ASSERT(val && pt);
	memcpy(val, v, vlen);
	n = afs_xattr_value_decrypt(xvalue_key, name, val, vlen, pt);
	if (vlen < AFS_XATTR_OVERHEAD)
		FUZZ_ASSERT(n == -EUCLEAN);
	else
		FUZZ_ASSERT(n == -EBADMSG || n == (int)(vlen - AFS_XATTR_OVERHEAD));
	free(name);
	free(val);
	free(pt);
}

static void xattr_round_trip(struct fuzz_in *in)
{
	uint8_t nonce[AC_GCM_NONCE_LEN] = { 0 }, flip = fuzz_u8(in), *ct, *pt;
	size_t nlen = fuzz_u8(in), vlen, at = (size_t)fuzz_u64(in, 2);
	const uint8_t *p = fuzz_bytes(in, AC_GCM_NONCE_LEN, &(size_t){ 0 }), *v;
	char name[256 + 6], disk[AFS_XATTR_NAME_BUF], back[AFS_PLAIN_NAME_BUF + 5];
	int n;

	memcpy(nonce, p, (size_t)(in->p - p));
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

	ct = malloc(vlen + AFS_XATTR_OVERHEAD);
	pt = malloc(vlen ? vlen : 1);
	FUZZ_ASSERT(ct && pt);
	n = afs_xattr_value_encrypt_nonce(xvalue_key, disk, v, vlen, nonce, ct);
	FUZZ_ASSERT(n == (int)(vlen + AFS_XATTR_OVERHEAD));
	if (flip)
		ct[at % (size_t)n] ^= flip;
	n = afs_xattr_value_decrypt(xvalue_key, disk, ct, (size_t)n, pt);
	if (flip)
		FUZZ_ASSERT(n == -EBADMSG);
	else
		FUZZ_ASSERT(n == (int)vlen && !memcmp(pt, v, vlen));
	free(ct);
	free(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	switch (fuzz_u8(&in) % 4) {
	case 0:
		symlink_decode(&in);
		break;
	case 1:
		symlink_round_trip(&in);
		break;
	case 2:
		xattr_decode(&in);
		break;
	default:
		xattr_round_trip(&in);
		break;
	}
	return 0;
}
