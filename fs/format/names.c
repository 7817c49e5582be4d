// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * names.c - file names (docs/FORMAT.md, "Names"): encrypted names, long
 * names and the names algfs reserves.
 *
 * An encrypted name is, in format 1 and format 2:
 *
 *   base64url(AES-256-CBC-CTS(names key, dir IV, name || NUL padding))
 *   base64url(EME-AES-256(names key, tweak = dir IV, name || NUL padding))
 *
 * The names key's type says which: AC_ALG_CTS or AC_ALG_ECB (EME's block
 * cipher).  EME enciphers the padded name as one wide block, so that two
 * names of a directory show only whether they are equal, where CBC-CTS
 * shows which begin with the same 16 bytes.
 *
 * with CTS in the CS3 ordering (the kernel's cts(cbc(aes)), OpenSSL's "CS3"),
 * the name padded with 0 to 15 NUL bytes to a multiple of 16, and base64url
 * from RFC 4648 section 5 without '=' padding.  The dir IV is the 16 random
 * bytes of the directory's algfs.diriv.  The same name in the same
 * directory always encrypts the same way: that is what makes a lookup one
 * encryption instead of a scan.  What it shows: every name's length to 16
 * bytes and, in format 1, which names of one directory begin with the same
 * 16 bytes.
 *
 * Decryption accepts exactly what encryption can produce (canonical
 * base64url, minimal padding, a valid name), so that one plaintext name has
 * one on-disk name and a forged entry cannot smuggle in "..", '/' or NUL.
 *
 * Long names: an encoded name longer than 255 bytes (plaintext names of
 * more than 176 bytes) cannot be a directory entry.  It is stored under
 * algfs.longname.<base64url(SHA-256(encoded name))>, and the encoded name
 * itself in the sidecar file algfs.longname.<same>.name beside it.
 */
#include "format.h"

#include <errno.h>
#include <string.h>

/* One padded name, whole 16-byte blocks, by the names key's mode. */
static int name_cipher(struct ac_key *key, bool enc, const uint8_t iv[AFS_DIRIV_LEN],
		       const uint8_t *in, size_t len, uint8_t *out)
{
	if (ac_key_alg(key) == AC_ALG_ECB)
		return enc ? ac_eme_encrypt(key, iv, in, len, out)
			   : ac_eme_decrypt(key, iv, in, len, out);
	return enc ? ac_cts_encrypt(key, iv, in, len, out) : ac_cts_decrypt(key, iv, in, len, out);
}

/*
 * Whether @name (@len bytes, no NUL among them) may be a directory entry,
 * or with @any, an extended attribute's name after "user.": any bytes.
 */
static int name_check_any(const char *name, size_t len, bool any)
{
	if (!len)
		return -EINVAL;
	if (!any && ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2))))
		return -EINVAL;
	if (len > AFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (!any && memchr(name, '/', len))
		return -EINVAL;
	return 0;
}

static int name_check(const char *name, size_t len)
{
	return name_check_any(name, len, false);
}

static int name_encrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			const char *plain, char out[AFS_ENC_NAME_BUF], bool any)
{
	uint8_t buf[AFS_NAME_PADDED_MAX] = { 0 };
	uint8_t ct[AFS_NAME_PADDED_MAX];
	size_t len, padded;
	int err;

	len = strnlen(plain, AFS_NAME_MAX + 1);
	err = name_check_any(plain, len, any);
	if (err)
		return err;
	padded = (len + AFS_NAME_PAD - 1) / AFS_NAME_PAD * AFS_NAME_PAD;
	memcpy(buf, plain, len);
	err = name_cipher(names_key, true, iv, buf, padded, ct);
	explicit_bzero(buf, sizeof(buf));
	if (err)
		return err;
	return (int)afs_b64url_encode(ct, padded, out);
}

int afs_name_encrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN], const char *plain,
		     char out[AFS_ENC_NAME_BUF])
{
	return name_encrypt(names_key, iv, plain, out, false);
}

int afs_name_encrypt_any(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			 const char *plain, char out[AFS_ENC_NAME_BUF])
{
	return name_encrypt(names_key, iv, plain, out, true);
}

static int name_decrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			const char *enc, char out[AFS_PLAIN_NAME_BUF], bool any)
{
	uint8_t ct[AFS_NAME_PADDED_MAX], pt[AFS_NAME_PADDED_MAX];
	size_t enclen, len;
	int n, err;

	enclen = strnlen(enc, AFS_ENC_NAME_MAX + 1);
	if (enclen > AFS_ENC_NAME_MAX)
		return -EUCLEAN;
	n = afs_b64url_decode(enc, enclen, ct);
	if (n < 0)
		return n;
	if (n < AFS_NAME_PAD || n % AFS_NAME_PAD)
		return -EUCLEAN;
	err = name_cipher(names_key, false, iv, ct, (size_t)n, pt);
	if (err)
		goto out_wipe;

	len = (size_t)n;
	while (len && !pt[len - 1])
		len--;
	/*
	 * Padding is 0 to 15 bytes: an empty name and over-long padding are
	 * refused, as are NUL inside the name and a 256-byte name.
	 */
	err = -EUCLEAN;
	if ((size_t)n - len >= AFS_NAME_PAD || memchr(pt, '\0', len) ||
	    name_check_any((char *)pt, len, any))
		goto out_wipe;
	memcpy(out, pt, len);
	out[len] = '\0';
	err = (int)len;
out_wipe:
	explicit_bzero(pt, sizeof(pt));
	return err;
}

int afs_name_decrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN], const char *enc,
		     char out[AFS_PLAIN_NAME_BUF])
{
	return name_decrypt(names_key, iv, enc, out, false);
}

int afs_name_decrypt_any(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			 const char *enc, char out[AFS_PLAIN_NAME_BUF])
{
	return name_decrypt(names_key, iv, enc, out, true);
}

bool afs_name_needs_longname(const char *enc)
{
	return strnlen(enc, AFS_NAME_MAX + 1) > AFS_NAME_MAX;
}

int afs_longname_hash(struct ac_ctx *ctx, const char *enc, char out[AFS_LONGNAME_BUF])
{
	const size_t plen = sizeof(AFS_LONGNAME_PREFIX) - 1;
	uint8_t digest[AC_SHA256_LEN];
	int err;

	err = ac_sha256(ctx, enc, strlen(enc), digest);
	if (err)
		return err;
	memcpy(out, AFS_LONGNAME_PREFIX, plen);
	afs_b64url_encode(digest, sizeof(digest), out + plen);
	return 0;
}

/* The first @len bytes of @name are algfs.longname.<43 base64url>. */
static bool is_longname(const char *name, size_t len)
{
	const size_t plen = sizeof(AFS_LONGNAME_PREFIX) - 1;
	uint8_t digest[AC_SHA256_LEN + 1];

	return len == AFS_LONGNAME_LEN && !strncmp(name, AFS_LONGNAME_PREFIX, plen) &&
	       afs_b64url_decode(name + plen, AFS_LONGNAME_HASH_LEN, digest) == AC_SHA256_LEN;
}

bool afs_is_longname(const char *name)
{
	return is_longname(name, strnlen(name, AFS_LONGNAME_LEN + 1));
}

bool afs_is_longname_sidecar(const char *name)
{
	const size_t slen = sizeof(AFS_LONGNAME_SUFFIX) - 1;
	size_t len = strnlen(name, AFS_SIDECAR_LEN + 1);

	return len == AFS_SIDECAR_LEN && !strcmp(name + AFS_LONGNAME_LEN, AFS_LONGNAME_SUFFIX) &&
	       is_longname(name, len - slen);
}

int afs_longname_sidecar(const char *name, char out[AFS_SIDECAR_BUF])
{
	if (!afs_is_longname(name))
		return -EINVAL;
	memcpy(out, name, AFS_LONGNAME_LEN);
	memcpy(out + AFS_LONGNAME_LEN, AFS_LONGNAME_SUFFIX, sizeof(AFS_LONGNAME_SUFFIX));
	return 0;
}

bool afs_name_is_reserved(const char *name)
{
	return !strcmp(name, AFS_CONF_NAME) || !strcmp(name, AFS_DIRIV_NAME) ||
	       !strncmp(name, AFS_LONGNAME_PREFIX, sizeof(AFS_LONGNAME_PREFIX) - 1);
}

bool afs_name_is_nfs_silly(const char *name)
{
	size_t i;

	if (strncmp(name, ".nfs", 4) || strlen(name) != 4 + 24)
		return false;
	for (i = 4; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

int afs_plain_name_check(const char *plain)
{
	int err;

	err = name_check(plain, strnlen(plain, AFS_NAME_MAX + 1));
	if (err)
		return err;
	/* -EPERM: a valid name, but one this filesystem keeps for itself. */
	if (afs_name_is_reserved(plain))
		return -EPERM;
	return 0;
}
