// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keys.c - algfs's key hierarchy (docs/FORMAT.md, "Keys").
 *
 * Every subkey is HKDF-SHA256 Expand (RFC 5869) of the master key with an
 * info string that starts with its own domain label and a NUL byte.  The
 * labels are the only place where domains are separated: they must never
 * change (that would be a new format) and no two may be equal, so that no
 * key ever serves two purposes (the EncFS audit's first finding).  The NUL
 * ends the label, so no label's info can be another's with a suffix.
 *
 * Format 2 puts the volume's UUID after the NUL of every label, so that two
 * volumes made from one keyring key share no subkey, and gives symlink
 * targets and xattr values a key each, named by an ID stored with them.
 */
#include "format.h"

#include <errno.h>
#include <string.h>

#include "secmem.h"

#define LABEL_MAX 32
#define INFO_MAX (LABEL_MAX + 1 + AFS_UUID_LEN + AFS_KEY_CONTEXT_LEN)

struct subkey {
	const char *label;
	enum ac_alg alg;
	bool context; /* the info ends with a 16-byte ID */
};

static const struct subkey subkeys_v1[] = {
	[AFS_KEY_CONTENT] = { "algfs-v1 content", AC_ALG_GCM, true },
	[AFS_KEY_NAMES] = { "algfs-v1 names", AC_ALG_CTS, false },
	[AFS_KEY_SYMLINK] = { "algfs-v1 symlink", AC_ALG_GCM, false },
	[AFS_KEY_XATTR_NAME] = { "algfs-v1 xattr-name", AC_ALG_CTS, false },
	[AFS_KEY_XATTR_VALUE] = { "algfs-v1 xattr-value", AC_ALG_GCM, false },
	[AFS_KEY_CONFIG_MAC] = { "algfs-v1 config-mac", AC_ALG_HMAC, false },
};

static const struct subkey subkeys_v2[] = {
	[AFS_KEY_CONTENT] = { "algfs-v2 content", AC_ALG_GCM, true },
	[AFS_KEY_NAMES] = { "algfs-v2 names", AC_ALG_ECB, false },
	[AFS_KEY_SYMLINK] = { "algfs-v2 symlink", AC_ALG_GCM, true },
	[AFS_KEY_XATTR_NAME] = { "algfs-v2 xattr-name", AC_ALG_ECB, false },
	[AFS_KEY_XATTR_VALUE] = { "algfs-v2 xattr-value", AC_ALG_GCM, true },
	[AFS_KEY_CONFIG_MAC] = { "algfs-v2 config-mac", AC_ALG_HMAC, false },
};

/* Not keys: 16 bytes stored in the config to recognise the right key. */
static const char *const key_check_label[] = { [1] = "algfs-v1 key-check",
					       [2] = "algfs-v2 key-check" };

#define NSUBKEYS (sizeof(subkeys_v1) / sizeof(subkeys_v1[0]))

static const struct subkey *subkey_of(const struct afs_volkey *vk, enum afs_subkey which)
{
	if ((unsigned int)which >= NSUBKEYS)
		return NULL;
	switch (vk->format) {
	case 1:
		return &subkeys_v1[which];
	case 2:
		return &subkeys_v2[which];
	default:
		return NULL;
	}
}

/* label || 0x00 (|| uuid from format 2 on) || @context into @info; returns
 * its length. */
static size_t make_info(const struct afs_volkey *vk, const char *label, const uint8_t *context,
			uint8_t info[INFO_MAX])
{
	size_t n = strlen(label);

	memcpy(info, label, n);
	info[n++] = 0;
	if (vk->format >= 2) {
		memcpy(info + n, vk->uuid, AFS_UUID_LEN);
		n += AFS_UUID_LEN;
	}
	if (context) {
		memcpy(info + n, context, AFS_KEY_CONTEXT_LEN);
		n += AFS_KEY_CONTEXT_LEN;
	}
	return n;
}

bool afs_subkey_has_context(const struct afs_volkey *vk, enum afs_subkey which)
{
	const struct subkey *sk = subkey_of(vk, which);

	return sk && sk->context;
}

int afs_subkey(const struct afs_volkey *vk, enum afs_subkey which, const uint8_t *context,
	       struct ac_key **keyp)
{
	const struct subkey *sk = subkey_of(vk, which);
	uint8_t info[INFO_MAX];
	size_t len;

	*keyp = NULL;
	if (!sk || sk->context != (context != NULL))
		return -EINVAL;
	len = make_info(vk, sk->label, context, info);
	return ac_derive_key(vk->mk, sk->alg, info, len, keyp);
}

int afs_key_check_value(const struct afs_volkey *vk, uint8_t kcv[AFS_KCV_LEN])
{
	uint8_t info[INFO_MAX];
	size_t len;

	if (vk->format < AFS_FORMAT_MIN || vk->format > AFS_FORMAT_MAX)
		return -EINVAL;
	len = make_info(vk, key_check_label[vk->format], NULL, info);
	return ac_hkdf_expand(vk->mk, info, len, kcv, AFS_KCV_LEN);
}
