// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-meta - symlink targets and extended attributes on disk
 * (fs/format/meta.c), in both formats, and format 2's long-target files.  The
 * first byte's FUZZ_FORMAT_V2 bit (fuzz.h) picks format 2, under the master
 * key and UUID of tests/fixtures/format-v2-vector.conf: EME names, and in
 * front of each target and value a 16-byte ID whose own subkey seals it
 * under a zero nonce (32 bytes of overhead).  Clear, it picks format 1,
 * under the keys of tests/fixtures/v1-populated.tar: CBC-CTS names, a
 * 12-byte nonce in front and one key per volume (28 bytes).  So the seeds
 * (targets, xattr names and values from that volume and from
 * format-v2-vector.py) decrypt.  The first byte's low three bits choose a
 * mode (0 to 3 laid out as before there were long-target modes, so the
 * seeds starting 00 to 03 and 80 to 83 reach what they did):
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
 *   4, 6  a long-target file (docs/FORMAT.md, "Long symlink targets"): a
 *      length byte, the file's name, its content; afs_longtarget_open()
 *      under both formats' keys (format 1 refuses everything, -EUCLEAN).
 *      afs_is_longtarget() must agree with the harness's own reading of the
 *      name (the prefix and 22 canonical base64url characters), a name it
 *      takes must be no symlink target afs_symlink_decrypt() takes, and
 *      afs_longtarget_open() must give what the harness's own GCM open of
 *      the content gives: -EUCLEAN for a length out of range or a NUL in
 *      the target, -EBADMSG (with the output wiped) for a wrong tag, else
 *      the target, which afs_longtarget_seal() must seal back, under the
 *      name's ID, to the same content and name
 *   5, 7  a long-target round trip: a flip byte, a 2-byte position, a
 *      16-byte ID and up to AFS_TARGET_MAX + 1 bytes of target (NULs too),
 *      sealed by the harness; afs_longtarget_open() must give the target
 *      back when it is one algfs can write (1 to AFS_TARGET_MAX bytes, no
 *      NUL) and refuse it (-EUCLEAN) when not; afs_longtarget_seal() must
 *      write the same name and content (format 1: -EINVAL); then one byte
 *      of the content or of the ID (the name made anew) flipped, -EBADMSG
 *
 * The long-target modes ignore FUZZ_FORMAT_V2 and bit 1: both formats are
 * tried on every input.  Their output buffers have exactly the size the
 * API promises (AFS_TARGET_MAX + 1 for a target, AFS_LONGTARGET_DATA_MAX
 * for a content, the input's length for what is read), so that ASan sees
 * any write or read past them.
 */
#include <errno.h>

#include "fuzz.h"
#include "format.h"

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

/*
 * Long-target files.  The harness's own reading of a name (not meta.c's nor
 * base64.c's): "algfs.longtarget." and 22 base64url characters whose last
 * has its 4 unused low bits zero, and the 16-byte ID they encode.
 */
static int b64url_char(char c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

static bool longtarget_shape(const char *name, uint8_t id[AFS_KEY_CONTEXT_LEN])
{
	const char prefix[] = "algfs.longtarget.";
	const size_t plen = sizeof(prefix) - 1;
	unsigned int acc = 0, bits = 0, o = 0;

	if (strlen(name) != plen + 22 || memcmp(name, prefix, plen))
		return false;
	for (size_t i = plen; i < plen + 22; i++) {
		int v = b64url_char(name[i]);

		if (v < 0)
			return false;
		acc = (acc << 6 | (unsigned int)v) & 0xfff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			id[o++] = (uint8_t)(acc >> bits);
		}
	}
	FUZZ_ASSERT(o == AFS_KEY_CONTEXT_LEN && bits == 4);
	return !(acc & 0xf);
}

/* The name of the ID @id, as docs/FORMAT.md says, apart from meta.c. */
static void longtarget_name(const uint8_t id[AFS_KEY_CONTEXT_LEN], char name[AFS_LONGTARGET_BUF])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const size_t plen = sizeof(AFS_LONGTARGET_PREFIX) - 1;
	unsigned int acc = 0, bits = 0;
	size_t o = plen;

	FUZZ_ASSERT(AFS_LONGTARGET_LEN == plen + 22);
	memcpy(name, AFS_LONGTARGET_PREFIX, plen);
	for (size_t i = 0; i < AFS_KEY_CONTEXT_LEN; i++) {
		acc = (acc << 8 | id[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			name[o++] = alphabet[acc >> bits & 63];
		}
	}
	name[o++] = alphabet[acc << (6 - bits) & 63];
	name[o] = '\0';
	FUZZ_ASSERT(o == AFS_LONGTARGET_LEN);
}

/*
 * The content of a long-target file of @len bytes of @t under the ID @id, or
 * its opening, as docs/FORMAT.md says, apart from meta.c: AES-256-GCM under
 * the symlink subkey of @id, zero nonce, no AAD.  Return: 0 or -EBADMSG.
 */
static int longtarget_gcm(bool encrypt, const uint8_t id[AFS_KEY_CONTEXT_LEN],
			  const uint8_t *in, size_t len, uint8_t *out)
{
	struct ac_key *key;
	int err;

	fuzz_check(afs_subkey(&vks[2], AFS_KEY_SYMLINK, id, &key), "afs_subkey");
	err = encrypt ? ac_gcm_encrypt(key, zero_nonce, NULL, 0, in, len, out)
		      : ac_gcm_decrypt(key, zero_nonce, NULL, 0, in, len, out);
	ac_key_put(key);
	FUZZ_ASSERT(!err || (!encrypt && err == -EBADMSG));
	return err;
}

/* @n bytes of @p all zero. */
static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void longtarget_decode(struct fuzz_in *in)
{
	size_t nlen = fuzz_u8(in), clen;
	const uint8_t *p = fuzz_bytes(in, nlen, &nlen), *c;
	char *name = malloc(nlen + 1), *out = malloc(AFS_TARGET_MAX + 1);
	char *sym = malloc(afs_symlink_max(2) + 1), again[AFS_LONGTARGET_BUF];
	uint8_t id[AFS_KEY_CONTEXT_LEN], *content, *pt, *back = malloc(AFS_LONGTARGET_DATA_MAX);
	bool shape;
	int n, ref;

	FUZZ_ASSERT(name && out && sym && back);
	memcpy(name, p, nlen);
	name[nlen] = '\0';
	c = fuzz_bytes(in, SIZE_MAX, &clen);
	content = malloc(clen ? clen : 1);
	pt = malloc(clen > AC_GCM_TAG_LEN ? clen - AC_GCM_TAG_LEN : 1);
	FUZZ_ASSERT(content && pt);
	memcpy(content, c, clen);

	shape = longtarget_shape(name, id);
	FUZZ_ASSERT(afs_is_longtarget(name) == shape);
	/* A long-target name is never an encoded target: readlink tells them
	 * apart by their form alone. */
	if (shape)
		FUZZ_ASSERT(afs_symlink_decrypt(&vks[2], name, sym) == -EUCLEAN);

	FUZZ_ASSERT(afs_longtarget_open(&vks[1], name, content, clen, out) == -EUCLEAN);

	memset(out, 0xa5, AFS_TARGET_MAX + 1);
	n = afs_longtarget_open(&vks[2], name, content, clen, out);
	if (!shape || clen <= AC_GCM_TAG_LEN || clen > AFS_LONGTARGET_DATA_MAX) {
		FUZZ_ASSERT(n == -EUCLEAN);
		goto out;
	}
	clen -= AC_GCM_TAG_LEN;
	ref = longtarget_gcm(false, id, content, clen, pt);
	if (ref) {
		FUZZ_ASSERT(n == -EBADMSG && all_zero(out, clen));
	} else if (memchr(pt, '\0', clen)) {
		/* algfs cannot have written it. */
		FUZZ_ASSERT(n == -EUCLEAN && all_zero(out, clen));
	} else {
		FUZZ_ASSERT(n == (int)clen && !memcmp(out, pt, clen) && out[clen] == '\0');
		FUZZ_ASSERT((size_t)n <= AFS_TARGET_MAX && strlen(out) == (size_t)n);
		FUZZ_ASSERT(afs_longtarget_seal(&vks[2], out, id, again, back) ==
			    (int)(clen + AC_GCM_TAG_LEN));
		FUZZ_ASSERT(!memcmp(back, content, clen + AC_GCM_TAG_LEN));
		FUZZ_ASSERT(!strcmp(again, name));
		FUZZ_ASSERT(afs_longtarget_seal(&vks[1], out, id, again, back) == -EINVAL);
	}
out:
	free(name);
	free(out);
	free(sym);
	free(back);
	free(content);
	free(pt);
}

static void longtarget_round_trip(struct fuzz_in *in)
{
	uint8_t flip = fuzz_u8(in), id[AFS_KEY_CONTEXT_LEN] = { 0 }, *ref, *back;
	size_t at = (size_t)fuzz_u64(in, 2), len, clen;
	const uint8_t *p = fuzz_bytes(in, sizeof(id), &(size_t){ 0 }), *t;
	char name[AFS_LONGTARGET_BUF], again[AFS_LONGTARGET_BUF];
	char *target, *out = malloc(AFS_TARGET_MAX + 1);
	bool valid;
	int n;

	memcpy(id, p, (size_t)(in->p - p));
	t = fuzz_bytes(in, AFS_TARGET_MAX + 1, &len);
	clen = len + AC_GCM_TAG_LEN;
	target = malloc(len + 1);
	ref = malloc(clen);
	back = malloc(AFS_LONGTARGET_DATA_MAX);
	FUZZ_ASSERT(target && ref && back && out);
	memcpy(target, t, len);
	target[len] = '\0';
	valid = len && len <= AFS_TARGET_MAX && !memchr(t, '\0', len);

	longtarget_name(id, name);
	FUZZ_ASSERT(afs_is_longtarget(name));
	longtarget_gcm(true, id, t, len, ref);

	/* The harness's sealing, read by meta.c. */
	FUZZ_ASSERT(afs_longtarget_open(&vks[1], name, ref, clen, out) == -EUCLEAN);
	memset(out, 0xa5, AFS_TARGET_MAX + 1);
	n = afs_longtarget_open(&vks[2], name, ref, clen, out);
	if (valid) {
		FUZZ_ASSERT(n == (int)len && !memcmp(out, t, len) && out[len] == '\0');
	} else {
		FUZZ_ASSERT(n == -EUCLEAN);
		if (len && len <= AFS_TARGET_MAX)
			FUZZ_ASSERT(all_zero(out, len));
	}

	/* meta.c's sealing of the target as a string (cut at a NUL), byte
	 * for byte the harness's. */
	FUZZ_ASSERT(afs_longtarget_seal(&vks[1], target, id, again, back) == -EINVAL);
	n = afs_longtarget_seal(&vks[2], target, id, again, back);
	if (!*target) {
		FUZZ_ASSERT(n == -EINVAL);
	} else if (strlen(target) > AFS_TARGET_MAX) {
		FUZZ_ASSERT(n == -ENAMETOOLONG);
	} else {
		FUZZ_ASSERT(n == (int)(strlen(target) + AC_GCM_TAG_LEN));
		FUZZ_ASSERT(!strcmp(again, name));
		if (valid)
			FUZZ_ASSERT(!memcmp(back, ref, clen));
	}

	/* One byte changed, of the content or of the ID in the name. */
	if (flip && len && len <= AFS_TARGET_MAX) {
		size_t i = at % (clen + sizeof(id));

		if (i < clen) {
			ref[i] ^= flip;
		} else {
			id[i - clen] ^= flip;
			longtarget_name(id, name);
		}
		n = afs_longtarget_open(&vks[2], name, ref, clen, out);
		FUZZ_ASSERT(n == -EBADMSG && all_zero(out, len));
	}
	free(target);
	free(ref);
	free(back);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in);
	const struct afs_volkey *vk = &vks[fuzz_format(mode)];

	switch (mode & 7) {
	case 4:
	case 6:
		longtarget_decode(&in);
		return 0;
	case 5:
	case 7:
		longtarget_round_trip(&in);
		return 0;
	}
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
