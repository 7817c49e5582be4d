// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * meta.c - symlink targets and extended attributes on disk (docs/FORMAT.md,
 * "Symlinks" and "Extended attributes").
 */
#include "format.h"

#include <errno.h>
#include <string.h>

static const uint8_t zero_iv[AFS_DIRIV_LEN];

int afs_symlink_encrypt_nonce(struct ac_key *key, const char *target, const uint8_t *nonce,
			      char *out)
{
	uint8_t buf[AC_GCM_NONCE_LEN + AFS_SYMLINK_MAX + AC_GCM_TAG_LEN];
	size_t len = strlen(target);
	int err;

	if (!len)
		return -EINVAL;
	if (len > AFS_SYMLINK_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, nonce, AC_GCM_NONCE_LEN);
	err = ac_gcm_encrypt(key, nonce, NULL, 0, (const uint8_t *)target, len,
			     buf + AC_GCM_NONCE_LEN);
	if (err)
		return err;
	return (int)afs_b64url_encode(buf, AC_GCM_NONCE_LEN + len + AC_GCM_TAG_LEN, out);
}

int afs_symlink_encrypt(struct ac_key *key, const char *target, char *out)
{
	uint8_t nonce[AC_GCM_NONCE_LEN];
	int err = ac_random_public(nonce, sizeof(nonce));

	return err ? err : afs_symlink_encrypt_nonce(key, target, nonce, out);
}

int afs_symlink_decrypt(struct ac_key *key, const char *enc, char *out)
{
	uint8_t buf[AC_GCM_NONCE_LEN + AFS_SYMLINK_MAX + AC_GCM_TAG_LEN + 3];
	size_t enclen = strlen(enc);
	int n, err;

	if (enclen > AFS_SYMLINK_ENC_BUF - 1)
		return -EUCLEAN;
	n = afs_b64url_decode(enc, enclen, buf);
	if (n < 0)
		return n;
	if (n <= AC_GCM_NONCE_LEN + AC_GCM_TAG_LEN ||
	    n > AC_GCM_NONCE_LEN + AFS_SYMLINK_MAX + AC_GCM_TAG_LEN)
		return -EUCLEAN;
	n -= AC_GCM_NONCE_LEN + AC_GCM_TAG_LEN;
	err = ac_gcm_decrypt(key, buf, NULL, 0, buf + AC_GCM_NONCE_LEN, (size_t)n, (uint8_t *)out);
	if (err)
		return err;
	/* A target with a NUL in it cannot have been written by algfs. */
	if (memchr(out, '\0', (size_t)n)) {
		explicit_bzero(out, (size_t)n);
		return -EUCLEAN;
	}
	out[n] = '\0';
	return n;
}

int afs_xattr_name_encrypt(struct ac_key *key, const char *name, char out[AFS_XATTR_NAME_BUF])
{
	const size_t plen = sizeof(AFS_XATTR_PREFIX) - 1;
	int n;

	if (strncmp(name, AFS_XATTR_PREFIX, plen) != 0)
		return -EOPNOTSUPP;
	memcpy(out, AFS_XATTR_PREFIX, plen);
	n = afs_name_encrypt(key, zero_iv, name + plen, out + plen);
	return n < 0 ? n : (int)plen + n;
}

int afs_xattr_name_decrypt(struct ac_key *key, const char *disk_name, char *out)
{
	const size_t plen = sizeof(AFS_XATTR_PREFIX) - 1;
	int n;

	if (strncmp(disk_name, AFS_XATTR_PREFIX, plen) != 0)
		return -EUCLEAN;
	memcpy(out, AFS_XATTR_PREFIX, plen);
	n = afs_name_decrypt(key, zero_iv, disk_name + plen, out + plen);
	return n < 0 ? n : (int)plen + n;
}

int afs_xattr_value_encrypt_nonce(struct ac_key *key, const char *disk_name, const uint8_t *value,
				  size_t len, const uint8_t *nonce, uint8_t *out)
{
	int err;

	memcpy(out, nonce, AC_GCM_NONCE_LEN);
	err = ac_gcm_encrypt(key, nonce, (const uint8_t *)disk_name, strlen(disk_name), value, len,
			     out + AC_GCM_NONCE_LEN);
	return err ? err : (int)(len + AFS_XATTR_OVERHEAD);
}

int afs_xattr_value_encrypt(struct ac_key *key, const char *disk_name, const uint8_t *value,
			    size_t len, uint8_t *out)
{
	uint8_t nonce[AC_GCM_NONCE_LEN];
	int err = ac_random_public(nonce, sizeof(nonce));

	return err ? err : afs_xattr_value_encrypt_nonce(key, disk_name, value, len, nonce, out);
}

int afs_xattr_value_decrypt(struct ac_key *key, const char *disk_name, const uint8_t *in,
			    size_t len, uint8_t *out)
{
	int err;

	if (len < AFS_XATTR_OVERHEAD)
		return -EUCLEAN;
	len -= AFS_XATTR_OVERHEAD;
	err = ac_gcm_decrypt(key, in, (const uint8_t *)disk_name, strlen(disk_name),
			     in + AC_GCM_NONCE_LEN, len, out);
	return err ? err : (int)len;
}
