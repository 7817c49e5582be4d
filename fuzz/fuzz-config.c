// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-config - algfs.conf and its keyslots (fs/format/config.c, fs/format/keyslot.c).
 *
 * An input that starts with '#' is a file: afs_config_parse() reads it as
 * afs_config_read() would, in format 1 or 2; what it accepts must format
 * back to the very same bytes (the reader takes only the canonical text),
 * and then goes on to afs_config_verify() under the master key of
 * tests/fixtures/format-v1-vector.conf and format-v2-vector.conf (the same
 * key; format 2 adds the UUID to the key check and MAC key) and, when its
 * Argon2id costs are small, to afs_unlock() with those files' passphrase.
 *
 * Any other input describes a configuration, field by field, some fields
 * possibly out of range: afs_config_format() writes it, in format 2 when
 * its flags byte has 0x08 set and in format 1 otherwise, and the parser
 * must give back the same configuration when every field is in range, and
 * refuse it with -EUCLEAN when one is not.
 */
#include <errno.h>

#include "fuzz.h"
#include "format.h"

/* docs/FORMAT.md's test vectors, both formats: master key 00 01 .. 1f. */
static const char passphrase[] = "algfs test passphrase";
static struct ac_ctx *ctx;
static struct ac_key *mk;

#define CONF_MAX (64 * 1024) /* as afs_config_read() */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = fuzz_ctx();
	mk = fuzz_key(ctx, AC_ALG_HMAC, 0);
	return 0;
}

static bool cfg_equal(const struct afs_config *a, const struct afs_config *b)
{
	if (a->format != b->format || memcmp(a->uuid, b->uuid, AFS_UUID_LEN) ||
	    a->block_size != b->block_size || a->names != b->names ||
	    a->keyring_only != b->keyring_only || memcmp(a->key_check, b->key_check, AFS_KCV_LEN) ||
	    a->nslots != b->nslots || memcmp(a->mac, b->mac, AFS_MAC_LEN))
		return false;
	for (unsigned int i = 0; i < a->nslots; i++) {
		const struct afs_slot *s = &a->slots[i], *t = &b->slots[i];

		if (s->type != t->type || s->kdf.t_cost != t->kdf.t_cost ||
		    s->kdf.m_cost != t->kdf.m_cost || s->kdf.lanes != t->kdf.lanes ||
		    memcmp(s->salt, t->salt, AFS_SALT_LEN) ||
		    memcmp(s->nonce, t->nonce, AC_GCM_NONCE_LEN) ||
		    memcmp(s->wrapped, t->wrapped, AFS_WRAPPED_LEN))
			return false;
	}
	return true;
}

static void check_why(const char *why, size_t len, int err)
{
	size_t n = strnlen(why, len);

	FUZZ_ASSERT(n < len);
	FUZZ_ASSERT(err ? n > 0 : n == 0);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	struct afs_config cfg;
	char why[256], desc[AFS_KEYDESC_LEN + 1], *text;
	uint8_t *key;
	bool cheap = true;
	char *buf;
	int err, slot = -1;

	if (size > CONF_MAX)
		return;
	/* Exactly @size bytes, no NUL after them: ASan sees any over-read. */
	buf = malloc(size);
	FUZZ_ASSERT(buf);
	memcpy(buf, data, size);
	memset(why, 'x', sizeof(why));
	err = afs_config_parse(buf, size, &cfg, why, sizeof(why));
	FUZZ_ASSERT(err == 0 || err == -EUCLEAN || err == -EPROTONOSUPPORT || err == -ENOMEM);
	check_why(why, sizeof(why), err);
	if (err)
		goto out;

	FUZZ_ASSERT(cfg.format >= AFS_FORMAT_MIN && cfg.format <= AFS_FORMAT_MAX);
	FUZZ_ASSERT(afs_block_size_ok(cfg.block_size));
	FUZZ_ASSERT(cfg.nslots <= AFS_MAX_SLOTS && cfg.keyring_only == !cfg.nslots);
	text = afs_config_format(&cfg);
	FUZZ_ASSERT(text && strlen(text) == size && !memcmp(text, buf, size));
	free(text);
	afs_key_description(&cfg, desc);
	FUZZ_ASSERT(strlen(desc) == AFS_KEYDESC_LEN);

	err = afs_config_verify(&cfg, mk);
	FUZZ_ASSERT(err == 0 || err == -EKEYREJECTED || err == -EBADMSG);

	/* Argon2id at the costs the file asks for, when they are small. */
	for (unsigned int i = 0; i < cfg.nslots; i++) {
		const struct afs_kdf *k = &cfg.slots[i].kdf;

		FUZZ_ASSERT(k->t_cost >= 1 && k->lanes >= 1 && k->m_cost >= 8 * k->lanes);
		if (k->t_cost > 2 || k->m_cost > 256 || k->lanes > 4)
			cheap = false;
	}
	if (!cheap)
		goto out;
	key = malloc(AC_KEY_LEN);
	FUZZ_ASSERT(key);
	err = afs_unlock(ctx, &cfg, 1u << AFS_SLOT_PASSPHRASE, (const uint8_t *)passphrase,
			 strlen(passphrase), key, &slot);
	FUZZ_ASSERT(err == 0 || err == -EKEYREJECTED || err == -ENOKEY);
	if (!err) {
		FUZZ_ASSERT(slot >= 0 && (unsigned int)slot < cfg.nslots);
		/* Only the vectors' own slots open: their key is 00 01 .. 1f. */
		for (unsigned int i = 0; i < AC_KEY_LEN; i++)
			FUZZ_ASSERT(key[i] == i);
	}
	free(key);
out:
	free(buf);
}

/* A configuration from the input; whether each field is in range. */
static bool cfg_from(struct fuzz_in *in, struct afs_config *cfg)
{
	uint8_t flags = fuzz_u8(in), b;
	size_t n;
	bool ok = true;

	memset(cfg, 0, sizeof(*cfg));
	cfg->format = flags & 8 ? 2 : 1;
	memcpy(cfg->uuid, fuzz_bytes(in, AFS_UUID_LEN, &n), n);
	b = fuzz_u8(in);
	if (flags & 1) {
		cfg->block_size = (uint32_t)fuzz_u64(in, 4);
		ok = afs_block_size_ok(cfg->block_size);
	} else {
		cfg->block_size = AFS_BLOCK_SIZE_MIN << (b % 5);
	}
	cfg->names = b & 0x80 ? AFS_NAMES_PLAINTEXT : AFS_NAMES_ENCRYPTED;
	memcpy(cfg->key_check, fuzz_bytes(in, AFS_KCV_LEN, &n), n);
	cfg->nslots = fuzz_u8(in) % (AFS_MAX_SLOTS + 1);
	cfg->keyring_only = !cfg->nslots;
	if (flags & 2) {
		/* A keyring volume with slots, or one without either. */
		cfg->keyring_only = !cfg->keyring_only;
		ok = false;
	}
	for (unsigned int i = 0; i < cfg->nslots; i++) {
		struct afs_slot *s = &cfg->slots[i];

		s->type = (enum afs_slot_type)(fuzz_u8(in) % 3);
		if (flags & 4) {
			s->kdf.t_cost = (uint32_t)fuzz_u64(in, 4);
			s->kdf.m_cost = (uint32_t)fuzz_u64(in, 4);
			s->kdf.lanes = (uint32_t)fuzz_u64(in, 4);
			if (s->kdf.t_cost < 1 || s->kdf.t_cost > 1000 || s->kdf.lanes < 1 ||
			    s->kdf.lanes > 64 || s->kdf.m_cost > 4u << 20 ||
			    s->kdf.m_cost < 8 * s->kdf.lanes)
				ok = false;
		} else {
			s->kdf.t_cost = 1 + (uint32_t)fuzz_u64(in, 2) % 1000;
			s->kdf.lanes = 1 + fuzz_u8(in) % 64;
			s->kdf.m_cost = 8 * s->kdf.lanes +
					(uint32_t)fuzz_u64(in, 3) % ((4u << 20) - 8 * s->kdf.lanes + 1);
		}
		memcpy(s->salt, fuzz_bytes(in, AFS_SALT_LEN, &n), n);
		memcpy(s->nonce, fuzz_bytes(in, AC_GCM_NONCE_LEN, &n), n);
		memcpy(s->wrapped, fuzz_bytes(in, AFS_WRAPPED_LEN, &n), n);
	}
	memcpy(cfg->mac, fuzz_bytes(in, AFS_MAC_LEN, &n), n);
	return ok;
}

static void fuzz_struct(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct afs_config cfg, back;
	char why[256], *text;
	bool ok = cfg_from(&in, &cfg);
	int err;

	text = afs_config_format(&cfg);
	FUZZ_ASSERT(text);
	err = afs_config_parse(text, strlen(text), &back, why, sizeof(why));
	check_why(why, sizeof(why), err);
	if (ok)
		FUZZ_ASSERT(err == 0 && cfg_equal(&cfg, &back));
	else
		FUZZ_ASSERT(err == -EUCLEAN);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] == '#')
		fuzz_file(data, size);
	else
		fuzz_struct(data, size);
	return 0;
}
