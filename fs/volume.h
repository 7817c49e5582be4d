/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * volume.h - an algfs volume's configuration, keyslots and key hierarchy
 * (format version 1, docs/FORMAT.md).
 *
 * The configuration is the text file algfs.conf at the root of the
 * ciphertext directory.  It names the format, the volume's UUID, the cipher
 * suite, the block size and name mode, a key-check value, the keyslots that
 * wrap the master key, and ends with a MAC under a key derived from the
 * master key, so that after unlocking, any edit (a weaker suite, another
 * block size, a removed slot) is refused.
 */
#ifndef ALGFS_VOLUME_H
#define ALGFS_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "format.h"

/* The one cipher suite of each format: content, names, key derivation. */
#define AFS_SUITE_V1 "aes256-gcm+aes256-cts+hkdf-sha256"
#define AFS_SUITE_V2 "aes256-gcm+aes256-eme+hkdf-sha256"
#define AFS_UUID_STR_LEN 36 /* 8-4-4-4-12 lowercase hex */
#define AFS_KCV_LEN 16
#define AFS_MAC_LEN 32
#define AFS_SALT_LEN 16
#define AFS_MAX_SLOTS 8
#define AFS_WRAPPED_LEN (AC_KEY_LEN + AC_GCM_TAG_LEN)
/* "algfs:" and the UUID: the master key's description in the keyring. */
#define AFS_KEYDESC_LEN (6 + AFS_UUID_STR_LEN)

enum afs_slot_type {
	AFS_SLOT_PASSPHRASE,
	AFS_SLOT_KEYFILE,
	AFS_SLOT_RECOVERY,
};

enum afs_names_mode {
	AFS_NAMES_ENCRYPTED,
	AFS_NAMES_PLAINTEXT,
};

/* Argon2id costs: passes, memory in KiB, lanes. */
struct afs_kdf {
	uint32_t t_cost;
	uint32_t m_cost;
	uint32_t lanes;
};

/* Unlocking takes about a second on a 2-core machine of 2026 (0.9 s). */
#define AFS_KDF_DEFAULT ((struct afs_kdf){ .t_cost = 4, .m_cost = 262144, .lanes = 2 })

struct afs_slot {
	enum afs_slot_type type;
	struct afs_kdf kdf;
	uint8_t salt[AFS_SALT_LEN];
	uint8_t nonce[AC_GCM_NONCE_LEN];
	uint8_t wrapped[AFS_WRAPPED_LEN]; /* the master key, AES-256-GCM under the KEK */
};

struct afs_config {
	unsigned int format;
	uint8_t uuid[AFS_UUID_LEN];
	uint32_t block_size;
	enum afs_names_mode names;
	/* Volumes made from a key already in the keyring have no keyslot. */
	bool keyring_only;
	uint8_t key_check[AFS_KCV_LEN];
	unsigned int nslots;
	struct afs_slot slots[AFS_MAX_SLOTS];
	uint8_t mac[AFS_MAC_LEN];
};

/* config.c */

/**
 * afs_config_read() - read and parse CIPHERDIR/algfs.conf
 * @why: on failure, one line naming the problem (line number, field)
 *
 * Checks syntax and ranges only; the MAC can be checked once the master key
 * is known, with afs_config_verify().
 *
 * Return: 0, -ENOENT (no algfs.conf: not a volume), -EUCLEAN (corrupt or
 * truncated: @why says where), -EPROTONOSUPPORT (a format version or suite
 * this build does not know), or the error of reading the file.
 */
int afs_config_read(const char *cipherdir, struct afs_config *cfg, char *why, size_t whylen);

/**
 * afs_config_parse() - parse the @len bytes of an algfs.conf at @buf
 *
 * What afs_config_read() does once it has read the file (which must not be
 * empty or above 64 KiB); @buf need not be NUL-terminated.
 *
 * Return: 0, -EUCLEAN, -EPROTONOSUPPORT, -ENOMEM, with @why as there.
 */
int afs_config_parse(const char *buf, size_t len, struct afs_config *cfg, char *why, size_t whylen);

/**
 * afs_config_write() - write CIPHERDIR/algfs.conf atomically, with its MAC
 * @mk: the master key (AC_ALG_HMAC), for the MAC
 *
 * Writes a temporary file, fsyncs it, renames it over algfs.conf and fsyncs
 * the directory: a crash leaves either the old or the new file, never none.
 * @cfg->mac is set.
 *
 * Return: 0, or -errno of the failing step (the temporary file is removed).
 */
int afs_config_write(const char *cipherdir, struct afs_config *cfg, struct ac_key *mk);

/**
 * afs_config_verify() - is @mk this volume's master key, and is the file
 * unchanged since it was written with it?
 *
 * Return: 0, -EKEYREJECTED (the key-check value differs: another volume's or
 * a wrong key), -EBADMSG (the MAC differs: the file was edited).
 */
int afs_config_verify(const struct afs_config *cfg, struct ac_key *mk);

/* The text of the file, MAC line included (@cfg->mac as it is).  Free it. */
char *afs_config_format(const struct afs_config *cfg);

/* The suite string of @format (AFS_FORMAT_MIN..MAX), or NULL. */
const char *afs_suite(unsigned int format);

/* @mk as the master key of the volume @cfg describes. */
static inline struct afs_volkey afs_volkey_of(const struct afs_config *cfg, struct ac_key *mk)
{
	struct afs_volkey vk = { .mk = mk, .format = cfg->format };

	memcpy(vk.uuid, cfg->uuid, AFS_UUID_LEN);
	return vk;
}

/* "8-4-4-4-12" into @out (AFS_UUID_STR_LEN + 1 bytes). */
void afs_uuid_str(const uint8_t uuid[AFS_UUID_LEN], char *out);
/* "algfs:<uuid>" into @out (AFS_KEYDESC_LEN + 1 bytes). */
void afs_key_description(const struct afs_config *cfg, char *out);
const char *afs_slot_type_name(enum afs_slot_type type);

/* keyslot.c */

/**
 * afs_slot_seal() - fill @slot: fresh salt and nonce, Argon2id(@secret) as
 * the KEK, the master key wrapped with AES-256-GCM under it, the slot's
 * metadata and the volume UUID bound as AAD.
 *
 * Return: 0, -EINVAL (bad costs), -ENOMEM (Argon2id could not get its
 * memory), or a crypto error.
 */
int afs_slot_seal(struct ac_ctx *ctx, const uint8_t uuid[AFS_UUID_LEN], enum afs_slot_type type,
		  const struct afs_kdf *kdf, const uint8_t *secret, size_t len,
		  const uint8_t mk[AC_KEY_LEN], struct afs_slot *slot);

/**
 * afs_slot_open() - unwrap the master key from @slot with @secret
 * @mk: AC_KEY_LEN bytes of locked memory (ac_secure_alloc)
 *
 * Return: 0, -EKEYREJECTED (not this slot's secret, or the slot was edited).
 */
int afs_slot_open(struct ac_ctx *ctx, const uint8_t uuid[AFS_UUID_LEN], const struct afs_slot *slot,
		  const uint8_t *secret, size_t len, uint8_t *mk);

/**
 * afs_unlock() - try @secret on every slot of a type in @types
 * @types: a bit mask of (1u << enum afs_slot_type)
 * @slotp: the index of the slot that opened, or NULL
 *
 * Return: 0, -EKEYREJECTED (no slot opened), -ENOKEY (no slot of those types).
 */
int afs_unlock(struct ac_ctx *ctx, const struct afs_config *cfg, unsigned int types,
	       const uint8_t *secret, size_t len, uint8_t *mk, int *slotp);

#endif /* ALGFS_VOLUME_H */
