// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * meta.c - symlink targets and extended attributes on disk (docs/FORMAT.md,
 * "Symlinks" and "Extended attributes").
 *
 * Both are AES-256-GCM messages.  Format 1 keys every target (every value)
 * of a volume with one key and a random 96-bit nonce stored in front, so
 * GCM's bound of 2^32 messages per key is a bound per volume.  Format 2
 * stores a random 128-bit ID in front instead and keys the message with a
 * subkey of its own derived from that ID (the nonce is then zero: a key
 * encrypts one message only), which leaves no bound per key to reach.
 */
#include "format.h"

#include <errno.h>
#include <string.h>

static const uint8_t zero_iv[AFS_DIRIV_LEN];
static const uint8_t zero_nonce[AC_GCM_NONCE_LEN];

/* The bytes stored in front of a message: a nonce (1) or a key ID (2). */
static size_t fresh_len(unsigned int format)
{
	return format >= 2 ? AFS_KEY_CONTEXT_LEN : AC_GCM_NONCE_LEN;
}

size_t afs_meta_overhead(unsigned int format)
{
	return fresh_len(format) + AC_GCM_TAG_LEN;
}

size_t afs_symlink_max(unsigned int format)
{
	/* base64url of the target and its overhead fits in 4095 bytes */
	return (AFS_SYMLINK_ENC_BUF - 1) * 3 / 4 - afs_meta_overhead(format);
}

/*
 * The key and nonce of a message whose stored prefix is @fresh: the volume's
 * key for @which and @fresh as the nonce (format 1), or the subkey of @which
 * for the ID @fresh and a zero nonce (format 2).
 */
static int meta_key(const struct afs_volkey *vk, enum afs_subkey which, const uint8_t *fresh,
		    struct ac_key **keyp, const uint8_t **noncep)
{
	if (afs_subkey_has_context(vk, which)) {
		*noncep = zero_nonce;
		return afs_subkey(vk, which, fresh, keyp);
	}
	*noncep = fresh;
	return afs_subkey(vk, which, NULL, keyp);
}

/* GCM-encrypt @len bytes of @in into @out = @fresh || ciphertext || tag. */
static int meta_seal(const struct afs_volkey *vk, enum afs_subkey which, const uint8_t *fresh,
		     const char *aad, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t flen = fresh_len(vk->format);
	const uint8_t *nonce;
	struct ac_key *key;
	int err;

	err = meta_key(vk, which, fresh, &key, &nonce);
	if (err)
		return err;
	memcpy(out, fresh, flen);
	err = ac_gcm_encrypt(key, nonce, (const uint8_t *)aad, aad ? strlen(aad) : 0, in, len,
			     out + flen);
	ac_key_put(key);
	return err;
}

/* Check and decrypt what meta_seal() wrote: @len bytes, more than the
 * overhead. */
static int meta_open(const struct afs_volkey *vk, enum afs_subkey which, const char *aad,
		     const uint8_t *in, size_t len, uint8_t *out)
{
	size_t flen = fresh_len(vk->format);
	const uint8_t *nonce;
	struct ac_key *key;
	int err;

	err = meta_key(vk, which, in, &key, &nonce);
	if (err)
		return err;
	err = ac_gcm_decrypt(key, nonce, (const uint8_t *)aad, aad ? strlen(aad) : 0, in + flen,
			     len - flen - AC_GCM_TAG_LEN, out);
	ac_key_put(key);
	return err;
}

/* A fresh nonce or key ID for @vk's format. */
static int draw_fresh(const struct afs_volkey *vk, uint8_t fresh[AFS_META_FRESH_MAX])
{
	return ac_random_public(fresh, fresh_len(vk->format));
}

int afs_symlink_encrypt_fresh(const struct afs_volkey *vk, const char *target,
			      const uint8_t *fresh, char *out)
{
	uint8_t buf[AFS_SYMLINK_ENC_BUF / 4 * 3];
	size_t len = strlen(target), n = len + afs_meta_overhead(vk->format);
	int err;

	if (!len)
		return -EINVAL;
	if (len > afs_symlink_max(vk->format))
		return -ENAMETOOLONG;
	err = meta_seal(vk, AFS_KEY_SYMLINK, fresh, NULL, (const uint8_t *)target, len, buf);
	if (err)
		return err;
	return (int)afs_b64url_encode(buf, n, out);
}

int afs_symlink_encrypt(const struct afs_volkey *vk, const char *target, char *out)
{
	uint8_t fresh[AFS_META_FRESH_MAX];
	int err = draw_fresh(vk, fresh);

	return err ? err : afs_symlink_encrypt_fresh(vk, target, fresh, out);
}

int afs_symlink_decrypt(const struct afs_volkey *vk, const char *enc, char *out)
{
	uint8_t buf[AFS_SYMLINK_ENC_BUF / 4 * 3 + 3];
	size_t enclen = strlen(enc), over = afs_meta_overhead(vk->format);
	int n, err;

	if (enclen > AFS_SYMLINK_ENC_BUF - 1)
		return -EUCLEAN;
	n = afs_b64url_decode(enc, enclen, buf);
	if (n < 0)
		return n;
	if ((size_t)n <= over || (size_t)n > over + afs_symlink_max(vk->format))
		return -EUCLEAN;
	err = meta_open(vk, AFS_KEY_SYMLINK, NULL, buf, (size_t)n, (uint8_t *)out);
	if (err)
		return err;
	n -= (int)over;
	/* A target with a NUL in it cannot have been written by algfs. */
	if (memchr(out, '\0', (size_t)n)) {
		explicit_bzero(out, (size_t)n);
		return -EUCLEAN;
	}
	out[n] = '\0';
	return n;
}

bool afs_is_longtarget(const char *name)
{
	const size_t plen = sizeof(AFS_LONGTARGET_PREFIX) - 1;
	uint8_t id[AFS_KEY_CONTEXT_LEN + 2];

	return strnlen(name, AFS_LONGTARGET_BUF) == AFS_LONGTARGET_LEN &&
	       !strncmp(name, AFS_LONGTARGET_PREFIX, plen) &&
	       afs_b64url_decode(name + plen, AFS_LONGTARGET_ID_CHARS, id) == AFS_KEY_CONTEXT_LEN;
}

int afs_longtarget_seal(const struct afs_volkey *vk, const char *target,
			const uint8_t id[AFS_KEY_CONTEXT_LEN], char name[AFS_LONGTARGET_BUF],
			uint8_t *out)
{
	const size_t plen = sizeof(AFS_LONGTARGET_PREFIX) - 1;
	size_t len = strlen(target);
	struct ac_key *key;
	int err;

	if (!len || vk->format < 2)
		return -EINVAL;
	if (len > AFS_TARGET_MAX)
		return -ENAMETOOLONG;
	err = afs_subkey(vk, AFS_KEY_SYMLINK, id, &key);
	if (err)
		return err;
	err = ac_gcm_encrypt(key, zero_nonce, NULL, 0, (const uint8_t *)target, len, out);
	ac_key_put(key);
	if (err)
		return err;
	memcpy(name, AFS_LONGTARGET_PREFIX, plen);
	afs_b64url_encode(id, AFS_KEY_CONTEXT_LEN, name + plen);
	return (int)(len + AC_GCM_TAG_LEN);
}

int afs_longtarget_open(const struct afs_volkey *vk, const char *name, const uint8_t *in,
			size_t len, char *out)
{
	const size_t plen = sizeof(AFS_LONGTARGET_PREFIX) - 1;
	uint8_t id[AFS_KEY_CONTEXT_LEN + 2];
	struct ac_key *key;
	size_t n;
	int err;

	if (vk->format < 2 || !afs_is_longtarget(name) || len <= AC_GCM_TAG_LEN ||
	    len > AFS_LONGTARGET_DATA_MAX)
		return -EUCLEAN;
	afs_b64url_decode(name + plen, AFS_LONGTARGET_ID_CHARS, id);
	err = afs_subkey(vk, AFS_KEY_SYMLINK, id, &key);
	if (err)
		return err;
	n = len - AC_GCM_TAG_LEN;
	err = ac_gcm_decrypt(key, zero_nonce, NULL, 0, in, n, (uint8_t *)out);
	ac_key_put(key);
	if (err)
		return err;
	if (memchr(out, '\0', n)) {
		explicit_bzero(out, n);
		return -EUCLEAN;
	}
	out[n] = '\0';
	return (int)n;
}

int afs_xattr_name_encrypt(struct ac_key *key, const char *name, char out[AFS_XATTR_NAME_BUF])
{
	const size_t plen = sizeof(AFS_XATTR_PREFIX) - 1;
	int n;

	if (strncmp(name, AFS_XATTR_PREFIX, plen) != 0)
		return -EOPNOTSUPP;
	memcpy(out, AFS_XATTR_PREFIX, plen);
	n = afs_name_encrypt_any(key, zero_iv, name + plen, out + plen);
	return n < 0 ? n : (int)plen + n;
}

int afs_xattr_name_decrypt(struct ac_key *key, const char *disk_name, char *out)
{
	const size_t plen = sizeof(AFS_XATTR_PREFIX) - 1;
	int n;

	if (strncmp(disk_name, AFS_XATTR_PREFIX, plen) != 0)
		return -EUCLEAN;
	memcpy(out, AFS_XATTR_PREFIX, plen);
	n = afs_name_decrypt_any(key, zero_iv, disk_name + plen, out + plen);
	return n < 0 ? n : (int)plen + n;
}

int afs_xattr_value_encrypt_fresh(const struct afs_volkey *vk, const char *disk_name,
				  const uint8_t *value, size_t len, const uint8_t *fresh,
				  uint8_t *out)
{
	int err = meta_seal(vk, AFS_KEY_XATTR_VALUE, fresh, disk_name, value, len, out);

	return err ? err : (int)(len + afs_meta_overhead(vk->format));
}

int afs_xattr_value_encrypt(const struct afs_volkey *vk, const char *disk_name,
			    const uint8_t *value, size_t len, uint8_t *out)
{
	uint8_t fresh[AFS_META_FRESH_MAX];
	int err = draw_fresh(vk, fresh);

	return err ? err : afs_xattr_value_encrypt_fresh(vk, disk_name, value, len, fresh, out);
}

int afs_xattr_value_decrypt(const struct afs_volkey *vk, const char *disk_name,
			    const uint8_t *in, size_t len, uint8_t *out)
{
	size_t over = afs_meta_overhead(vk->format);
	int err;

	if (len < over)
		return -EUCLEAN;
	err = meta_open(vk, AFS_KEY_XATTR_VALUE, disk_name, in, len, out);
	return err ? err : (int)(len - over);
}
