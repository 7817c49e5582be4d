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
 */
#include "volume.h"

#include <errno.h>
#include <string.h>

#include "secmem.h"

#define LABEL_MAX 32

static const struct {
	const char *label;
	enum ac_alg alg;
	bool per_file;
} subkeys[] = {
	[AFS_KEY_CONTENT] = { "algfs-v1 content", AC_ALG_GCM, true },
	[AFS_KEY_NAMES] = { "algfs-v1 names", AC_ALG_CTS, false },
	[AFS_KEY_SYMLINK] = { "algfs-v1 symlink", AC_ALG_GCM, false },
	[AFS_KEY_XATTR_NAME] = { "algfs-v1 xattr-name", AC_ALG_CTS, false },
	[AFS_KEY_XATTR_VALUE] = { "algfs-v1 xattr-value", AC_ALG_GCM, false },
	[AFS_KEY_CONFIG_MAC] = { "algfs-v1 config-mac", AC_ALG_HMAC, false },
};

/* Not a key: 16 bytes stored in the config to recognise the right key. */
static const char key_check_label[] = "algfs-v1 key-check";

/* label || 0x00 || @context into @info; returns its length. */
static size_t make_info(const char *label, const uint8_t *context, size_t ctxlen,
			uint8_t info[LABEL_MAX + 1 + 16])
{
	size_t n = strlen(label);

	memcpy(info, label, n);
	info[n++] = 0;
	if (ctxlen)
		memcpy(info + n, context, ctxlen);
	return n + ctxlen;
}

int afs_subkey(struct ac_key *mk, enum afs_subkey which, const uint8_t *file_id,
	       struct ac_key **keyp)
{
	uint8_t info[LABEL_MAX + 1 + 16];
	size_t len;

	*keyp = NULL;
	if ((unsigned int)which >= sizeof(subkeys) / sizeof(subkeys[0]) ||
	    subkeys[which].per_file != (file_id != NULL))
		return -EINVAL;
	len = make_info(subkeys[which].label, file_id, file_id ? 16 : 0, info);
	return ac_derive_key(mk, subkeys[which].alg, info, len, keyp);
}

int afs_key_check_value(struct ac_key *mk, uint8_t kcv[AFS_KCV_LEN])
{
	uint8_t info[LABEL_MAX + 1 + 16];
	size_t len = make_info(key_check_label, NULL, 0, info);

	return ac_hkdf_expand(mk, info, len, kcv, AFS_KCV_LEN);
}
