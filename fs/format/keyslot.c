// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keyslot.c - keyslots: the master key wrapped under a key derived from a
 * passphrase, a keyfile or the recovery key (docs/FORMAT.md, "Keyslots").
 *
 * KEK = Argon2id(secret, salt, time, memory, lanes), 32 bytes.  The slot
 * holds AES-256-GCM(KEK, nonce, MK) with the slot's metadata and the volume
 * UUID as AAD, so a slot moved to another volume, or whose costs were
 * lowered by hand, does not open.  Every seal draws a new salt and nonce
 * (eCryptfs reused salts on passphrase change).
 */
#include "format.h"

#include <errno.h>
#include <string.h>

#include "secmem.h"

static const char slot_label[] = "algfs-v1 keyslot";

#define SLOT_AAD_LEN (sizeof(slot_label) + AFS_UUID_LEN + 1 + 3 * 4 + AFS_SALT_LEN)

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* label || 0x00 || uuid || type || be32 time || be32 memory || be32 lanes || salt */
static void slot_aad(const uint8_t uuid[AFS_UUID_LEN], const struct afs_slot *slot,
		     uint8_t aad[SLOT_AAD_LEN])
{
	uint8_t *p = aad;

	memcpy(p, slot_label, sizeof(slot_label)); /* with its NUL */
	p += sizeof(slot_label);
	memcpy(p, uuid, AFS_UUID_LEN);
	p += AFS_UUID_LEN;
	*p++ = (uint8_t)slot->type;
	put_be32(p, slot->kdf.t_cost);
	put_be32(p + 4, slot->kdf.m_cost);
	put_be32(p + 8, slot->kdf.lanes);
	p += 12;
	memcpy(p, slot->salt, AFS_SALT_LEN);
}

/* The slot's KEK as a GCM key handle. */
static int slot_kek(struct ac_ctx *ctx, const struct afs_slot *slot, const uint8_t *secret,
		    size_t len, struct ac_key **kekp)
{
	uint8_t *kek;
	int err;

	kek = ac_secure_alloc(AC_KEY_LEN);
	if (!kek)
		return -ENOMEM;
	err = ac_argon2id(slot->kdf.t_cost, slot->kdf.m_cost, slot->kdf.lanes, secret, len,
			  slot->salt, AFS_SALT_LEN, kek, AC_KEY_LEN);
	if (!err)
		err = ac_key_new(ctx, AC_ALG_GCM, kek, AC_KEY_LEN, kekp);
	ac_secure_free(kek);
	return err;
}

int afs_slot_seal(struct ac_ctx *ctx, const uint8_t uuid[AFS_UUID_LEN], enum afs_slot_type type,
		  const struct afs_kdf *kdf, const uint8_t *secret, size_t len,
		  const uint8_t mk[AC_KEY_LEN], struct afs_slot *slot)
{
	uint8_t aad[SLOT_AAD_LEN];
	struct ac_key *kek;
	int err;

	memset(slot, 0, sizeof(*slot));
	slot->type = type;
	slot->kdf = *kdf;
	err = ac_random(slot->salt, sizeof(slot->salt));
	if (!err)
		err = ac_random(slot->nonce, sizeof(slot->nonce));
	if (!err)
		err = slot_kek(ctx, slot, secret, len, &kek);
	if (err)
		return err;
	slot_aad(uuid, slot, aad);
	err = ac_gcm_encrypt(kek, slot->nonce, aad, sizeof(aad), mk, AC_KEY_LEN, slot->wrapped);
	ac_key_put(kek);
	return err;
}

int afs_slot_open(struct ac_ctx *ctx, const uint8_t uuid[AFS_UUID_LEN], const struct afs_slot *slot,
		  const uint8_t *secret, size_t len, uint8_t *mk)
{
	uint8_t aad[SLOT_AAD_LEN];
	struct ac_key *kek;
	int err;

	err = slot_kek(ctx, slot, secret, len, &kek);
	if (err)
		return err;
	slot_aad(uuid, slot, aad);
	err = ac_gcm_decrypt(kek, slot->nonce, aad, sizeof(aad), slot->wrapped, AC_KEY_LEN, mk);
	ac_key_put(kek);
	return err == -EBADMSG ? -EKEYREJECTED : err;
}

int afs_unlock(struct ac_ctx *ctx, const struct afs_config *cfg, unsigned int types,
	       const uint8_t *secret, size_t len, uint8_t *mk, int *slotp)
{
	int err = -ENOKEY;

	for (unsigned int i = 0; i < cfg->nslots; i++) {
		if (!(types & (1u << cfg->slots[i].type)))
			continue;
		err = afs_slot_open(ctx, cfg->uuid, &cfg->slots[i], secret, len, mk);
		if (!err) {
			if (slotp)
				*slotp = (int)i;
			return 0;
		}
		if (err != -EKEYREJECTED)
			return err;
	}
	return err;
}
