// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * algfsctl - the keys of an algfs volume: unlock into and lock out of the
 * kernel keyring, change, add and remove keyslots, show the configuration
 * (docs/algfsctl.8).
 *
 * Every command that needs the master key opens it the same way: read
 * algfs.conf (syntax only), read the secret, open a keyslot with it, then
 * authenticate the whole file with the key (key-check value, then MAC), so
 * that nothing is done on the word of a file someone edited.  Commands that
 * change keyslots rewrite algfs.conf atomically (fs/format/config.c); the master
 * key never changes, so the data stays readable.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cipherdir.h"
#include "exitcodes.h"
#include "format.h"
#include "kdfcost.h"
#include "keyring.h"
#include "log.h"
#include "options.h"
#include "process.h"
#include "recovery.h"
#include "secmem.h"
#include "secret.h"
#include "version.h"

#define PROG "algfsctl"

enum cmd {
	CMD_UNLOCK,
	CMD_LOCK,
	CMD_PASSWD,
	CMD_ADD_KEY,
	CMD_REMOVE_KEY,
	CMD_INFO,
	NCMDS,
};

#define C(x) (1u << CMD_##x)
/* The commands that need the current secret, and those that make a new one. */
#define C_SECRET (C(UNLOCK) | C(PASSWD) | C(ADD_KEY) | C(REMOVE_KEY))
#define C_NEW (C(PASSWD) | C(ADD_KEY))
#define C_ALL ((1u << NCMDS) - 1)
/* "algfsctl --help", without a command. */
#define C_NONE (1u << NCMDS)

enum {
	OPT_PASSFILE = 256,
	OPT_EXTPASS,
	OPT_KEYFILE,
	OPT_RECOVERY,
	OPT_RECOVERY_FILE,
	OPT_KEYRING,
	OPT_KEY_BLOB,
	OPT_NEW_PASSFILE,
	OPT_NEW_EXTPASS,
	OPT_NEW_KEYFILE,
	OPT_NEW_RECOVERY_KEY,
	OPT_ARGON2_TIME,
	OPT_ARGON2_MEMORY,
	OPT_ARGON2_LANES,
	OPT_SLOT,
	OPT_CRYPTO,
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
};

/* Every option, once, with the commands that take it: getopt_long() and
 * --help are made from this table; docs/algfsctl.8 lists the same. */
static const struct tu_option options[] = {
	{ "passfile", 0, "FILE", OPT_PASSFILE, C_SECRET,
	  "the passphrase is the first line of FILE (without its newline)" },
	{ "extpass", 0, "CMD", OPT_EXTPASS, C_SECRET,
	  "run CMD with /bin/sh -c; the passphrase is the first line it prints" },
	{ "keyfile", 0, "FILE", OPT_KEYFILE, C_SECRET, "open with the keyfile FILE" },
	{ "recovery", 0, NULL, OPT_RECOVERY, C_SECRET, "ask for the recovery key on the terminal" },
	{ "recovery-file", 0, "FILE", OPT_RECOVERY_FILE, C_SECRET,
	  "read the recovery key from FILE" },
	{ "keyring", 0, "KEYRING", OPT_KEYRING, C(UNLOCK),
	  "the keyring to add the key to: @u (the user keyring, default), @s, @us, @p, @t or "
	  "a keyring's serial number" },
	{ "key-blob", 0, "FILE", OPT_KEY_BLOB, C(UNLOCK),
	  "load the \"encrypted\" or \"trusted\" kernel key saved in FILE (keyctl pipe): the "
	  "master key of a volume made with mkfs.algfs --keyring" },
	{ "new-passfile", 0, "FILE", OPT_NEW_PASSFILE, C_NEW,
	  "the new passphrase is the first line of FILE" },
	{ "new-extpass", 0, "CMD", OPT_NEW_EXTPASS, C_NEW,
	  "run CMD with /bin/sh -c; the new passphrase is the first line it prints" },
	{ "new-keyfile", 0, "FILE", OPT_NEW_KEYFILE, C(ADD_KEY),
	  "add a keyfile keyslot for FILE (at most 1 MiB)" },
	{ "new-recovery-key", 0, NULL, OPT_NEW_RECOVERY_KEY, C(ADD_KEY),
	  "add a recovery keyslot with a new recovery key, shown once" },
	{ "argon2-time", 0, "N", OPT_ARGON2_TIME, C_NEW,
	  "Argon2id passes of the new keyslot (passwd: the old keyslot's; add-key: 4)" },
	{ "argon2-memory", 0, "SIZE", OPT_ARGON2_MEMORY, C_NEW,
	  "Argon2id memory of the new keyslot, in KiB or with a K, M or G suffix (add-key: "
	  "256M)" },
	{ "argon2-lanes", 0, "N", OPT_ARGON2_LANES, C_NEW,
	  "Argon2id lanes of the new keyslot (add-key: 2)" },
	{ "slot", 0, "N", OPT_SLOT, C(REMOVE_KEY), "the keyslot to remove (see algfsctl info)" },
	{ "crypto", 0, "MODE", OPT_CRYPTO, C_SECRET | C(INFO),
	  "crypto backend: auto (default), kernel (AF_ALG) or user (OpenSSL)" },
	{ "quiet", 'q', NULL, OPT_QUIET, C_ALL, "print only errors and what the command is for" },
	{ "verbose", 'v', NULL, OPT_VERBOSE, C_ALL,
	  "also say which crypto backend is used, and why" },
	{ "help", 'h', NULL, OPT_HELP, C_ALL | C_NONE, "show this help and exit" },
	{ "version", 'V', NULL, OPT_VERSION, C_NONE, "show the version and exit" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

struct ctl;

static const struct command {
	const char *name;
	const char *synopsis;
	const char *summary;
	int (*run)(struct ctl *c);
} commands[NCMDS];

struct ctl {
	const struct command *cmd;
	unsigned int cmdbit;
	const char *dir;
	struct tu_keysrc ks; /* the current secret */
	struct tu_keysrc newks; /* the new one: passwd, add-key */
	const char *key_blob; /* unlock --key-blob FILE */
	bool new_recovery;
	uint32_t t_cost, m_cost, lanes; /* given on the command line, or 0 */
	const char *keyring_spec;
	int32_t keyring;
	int slot;
	enum ac_backend_mode mode;
	bool quiet;

	struct afs_config cfg;
	struct ac_ctx *ctx;
	uint8_t *mk; /* AC_KEY_LEN bytes of locked memory */
	struct ac_key *key; /* the master key, AC_ALG_HMAC */
	int opened; /* the keyslot that opened */
};

/* --- opening the volume --- */

/* Type and number of every keyslot, "0 passphrase, 1 recovery". */
static void slot_list(const struct afs_config *cfg, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < cfg->nslots && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%u %s", i ? ", " : "", i,
				      afs_slot_type_name(cfg->slots[i].type));
}

static int has_slot_type(const struct afs_config *cfg, unsigned int mask)
{
	for (unsigned int i = 0; i < cfg->nslots; i++)
		if (mask & (1u << cfg->slots[i].type))
			return (int)i;
	return -1;
}

static int refuse_keyring_only(const struct ctl *c)
{
	char desc[AFS_KEYDESC_LEN + 1];

	afs_key_description(&c->cfg, desc);
	log_err("%s has no keyslots: it was made from a key in the kernel keyring "
		"(mkfs.algfs --keyring), and that key is its master key; to mount it, put "
		"that key into the keyring as '%s'",
		c->dir, desc);
	return EXIT_REFUSED;
}

static int read_current_secret(struct ctl *c, struct tu_secret *s)
{
	char what[512];

	snprintf(what, sizeof(what), "%s for %s",
		 c->ks.ks_src == TU_SRC_RECOVERY_TTY ? "Recovery key" : "Passphrase", c->dir);
	return tu_secret_read(&c->ks, what, false,
			      "--passfile, --extpass, --keyfile or --recovery-file", s);
}

static void report_wrong(const struct ctl *c, int err)
{
	if (err == -ENOKEY)
		log_err("%s has no %s keyslot", c->dir,
			tu_keysrc_slot_type(&c->ks) == AFS_SLOT_RECOVERY ? "recovery"
									 : "passphrase or keyfile");
	else
		log_err("wrong %s: no keyslot of %s opened (if it is right, %s/%s may be "
			"damaged: restore a copy of it)",
			tu_keysrc_noun(&c->ks), c->dir, c->dir, AFS_CONF_NAME);
}

/*
 * Open the master key with @secret, trying the keyslots of @search (c->cfg,
 * or a copy without the slot remove-key removes), then authenticate c->cfg
 * with it.  c->opened is an index into @search.  With @quiet, a secret that
 * opens no slot is not reported: the caller has more to say.
 */
static int open_with(struct ctl *c, const struct afs_config *search, const struct tu_secret *secret,
		     bool quiet)
{
	int err, rc;

	if (!c->ctx) {
		rc = tu_crypto_init(c->mode, &c->ctx);
		if (rc)
			return rc;
	}
	if (!c->mk) {
		c->mk = ac_secure_alloc(AC_KEY_LEN);
		if (!c->mk) {
			log_err("cannot allocate locked memory for the key: %s", strerror(errno));
			return EXIT_ERROR;
		}
	}
	rc = tu_kdf_vet(search, tu_keysrc_slot_mask(&c->ks));
	if (rc)
		return rc;
	tu_signals_at_once(true); /* Argon2id: long, and nothing to undo */
	err = afs_unlock(c->ctx, search, tu_keysrc_slot_mask(&c->ks), secret->s_buf, secret->s_len,
			 c->mk, &c->opened);
	tu_signals_at_once(false);
	switch (err) {
	case 0:
		break;
	case -ENOKEY:
	case -EKEYREJECTED:
		if (!quiet)
			report_wrong(c, err);
		return EXIT_WRONG_KEY;
	case -ENOMEM:
		log_err("cannot open the keyslots of %s: Argon2id could not get the memory "
			"they ask for",
			c->dir);
		return EXIT_ERROR;
	default:
		log_err("cannot open the keyslots of %s: %s", c->dir, strerror(-err));
		return tu_exit_status(err);
	}
	err = ac_key_new(c->ctx, AC_ALG_HMAC, c->mk, AC_KEY_LEN, &c->key);
	if (!err)
		err = afs_config_verify(&c->cfg, c->key);
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EBADMSG:
		log_err("%s/%s failed its authentication: it was changed after it was written",
			c->dir, AFS_CONF_NAME);
		return EXIT_TAMPERED;
	case -EKEYREJECTED:
		log_err("%s/%s: a keyslot opened, but its key is not this volume's (the "
			"key-check value differs): the file was changed after it was written",
			c->dir, AFS_CONF_NAME);
		return EXIT_TAMPERED;
	default:
		log_err("cannot authenticate %s/%s: %s", c->dir, AFS_CONF_NAME, strerror(-err));
		return tu_exit_status(err);
	}
}

/* Read the current secret and open the volume with any of its keyslots. */
static int open_volume(struct ctl *c)
{
	struct tu_secret secret = { 0 };
	int rc;

	rc = read_current_secret(c, &secret);
	if (!rc)
		rc = open_with(c, &c->cfg, &secret, false);
	tu_secret_free(&secret);
	return rc;
}

/* The Argon2id costs of a new keyslot: given ones over @base. */
static int new_kdf(const struct ctl *c, const struct afs_kdf *base, struct afs_kdf *kdf)
{
	*kdf = *base;
	if (c->t_cost)
		kdf->t_cost = c->t_cost;
	if (c->m_cost)
		kdf->m_cost = c->m_cost;
	if (c->lanes)
		kdf->lanes = c->lanes;
	return tu_kdf_check(kdf);
}

static int seal(struct ctl *c, enum afs_slot_type type, const struct afs_kdf *kdf,
		const uint8_t *secret, size_t len, struct afs_slot *slot)
{
	int err;

	tu_signals_at_once(true); /* Argon2id: nothing is written before commit() */
	err = afs_slot_seal(c->ctx, c->cfg.uuid, type, kdf, secret, len, c->mk, slot);
	tu_signals_at_once(false);

	if (err) {
		log_err("cannot make the new %s keyslot: %s", afs_slot_type_name(type),
			err == -ENOMEM ? "Argon2id could not get its memory (lower "
					 "--argon2-memory)"
				       : strerror(-err));
		return err == -ENOMEM ? EXIT_ERROR : tu_exit_status(err);
	}
	return EXIT_OK;
}

/* Write c->cfg back; a signal before this point has undone nothing yet. */
static int commit(struct ctl *c)
{
	int err;

	if (tu_interrupted())
		return 128 + tu_interrupted();
	err = afs_config_write(c->dir, &c->cfg, c->key);
	if (err) {
		log_err("cannot write %s/%s: %s; the old file is unchanged", c->dir, AFS_CONF_NAME,
			strerror(-err));
		return tu_exit_status(err);
	}
	return EXIT_OK;
}

/* Read the new secret of passwd or add-key. */
static int read_new_secret(struct ctl *c, struct tu_secret *s)
{
	char what[512];

	snprintf(what, sizeof(what), "New passphrase for %s", c->dir);
	return tu_secret_read(&c->newks, what, true, "--new-passfile or --new-extpass", s);
}

/* The daemon searches as this session does: say so if it would not find @desc. */
static void check_findable(const struct ctl *c, const char *desc)
{
	if (ac_keyring_search(desc) < 0)
		log_warn("this session cannot find the key in %s (its session keyring does not "
			 "link it): a mount started from here will not find it either; link it "
			 "(keyctl link %s @s) or use --keyring @s",
			 c->keyring_spec, c->keyring_spec);
}

/* --- unlock --key-blob: a saved "encrypted" or "trusted" kernel key --- */

/* The largest blob read: the kernel's largest encrypted key (4096 bytes) is
 * saved as about 8.3 KB of text, a trusted key as at most 1024 hex digits. */
#define KEY_BLOB_MAX 16384
#define LOAD_CMD "load "

struct key_blob {
	char *kb_buf; /* add_key()'s payload: LOAD_CMD and the blob, locked memory */
	size_t kb_len; /* without the blob's trailing blanks */
	const char *kb_type; /* "encrypted" or "trusted" */
	const char *kb_master; /* encrypted: its master key's description, in kb_buf */
	int kb_master_len;
};

/*
 * Which kernel key type the blob @b (@len bytes, NUL-terminated) was saved
 * from: an "encrypted" key's starts with its format and its master key
 * ("default user:kmk 32 HEX"), a "trusted" key's is hex digits only.
 */
static int parse_key_blob(const char *path, const char *b, size_t len, struct key_blob *kb)
{
	static const char *const formats[] = { "default ", "ecryptfs ", "enc32 " };
	const char *m = NULL;

	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)b[i]))
			goto bad;
	if (strspn(b, "0123456789abcdefABCDEF") == len) {
		kb->kb_type = "trusted";
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]) && !m; i++)
		if (!strncmp(b, formats[i], strlen(formats[i])))
			m = b + strlen(formats[i]);
	if (!m || (strncmp(m, "user:", 5) && strncmp(m, "trusted:", 8)))
		goto bad;
	if (!strncmp(b, "ecryptfs ", 9)) {
		log_err("--key-blob %s: an \"encrypted\" key of the ecryptfs format, which the "
			"kernel loads only under a description of 16 hex digits, never as an algfs "
			"key",
			path);
		return EXIT_WRONG_KEY;
	}
	kb->kb_type = "encrypted";
	kb->kb_master = m;
	kb->kb_master_len = (int)strcspn(m, " ");
	return EXIT_OK;
bad:
	log_err("--key-blob %s: not a saved \"encrypted\" or \"trusted\" kernel key (keyctl "
		"pipe writes an encrypted key as \"default user:NAME 32 HEX\", a trusted key as "
		"hex digits)",
		path);
	return EXIT_WRONG_KEY;
}

/* Read @path into kb->kb_buf, after LOAD_CMD, and tell its type.  The
 * file is read as a keyfile is: only a private one, into locked memory. */
static int read_key_blob(const char *path, struct key_blob *kb)
{
	const size_t off = strlen(LOAD_CMD);
	struct tu_keysrc ks = { 0 };
	struct tu_secret file = { 0 };
	size_t len;
	int rc;

	tu_keysrc_set(&ks, TU_SRC_KEYFILE, path, "--key-blob");
	rc = tu_secret_read(&ks, NULL, false, NULL, &file);
	if (rc)
		return rc;
	len = file.s_len;
	while (len && isspace((unsigned char)file.s_buf[len - 1]))
		len--;
	if (len > KEY_BLOB_MAX) {
		log_err("--key-blob %s: larger than %d bytes: not a saved kernel key", path,
			KEY_BLOB_MAX);
		rc = EXIT_WRONG_KEY;
	} else if (!len) {
		log_err("--key-blob %s: the file is empty", path);
		rc = EXIT_PASSPHRASE;
	} else {
		kb->kb_buf = ac_secure_alloc(off + len + 1);
		if (!kb->kb_buf) {
			log_err("cannot allocate locked memory for the key blob: %s",
				strerror(errno));
			rc = EXIT_ERROR;
		}
	}
	if (!rc) {
		memcpy(kb->kb_buf, LOAD_CMD, off);
		memcpy(kb->kb_buf + off, file.s_buf, len);
		kb->kb_len = off + len;
		kb->kb_buf[kb->kb_len] = '\0';
		rc = parse_key_blob(path, kb->kb_buf + off, len, kb);
	}
	tu_secret_free(&file);
	return rc;
}

/* An encrypted or trusted key's bytes cannot be read: only AF_ALG keyed by
 * serial can use it, here as in the daemon. */
static int check_backend(struct ctl *c, const char *type)
{
	const char *why;
	unsigned int caps;
	int rc;

	rc = tu_crypto_init(c->mode, &c->ctx);
	if (rc)
		return rc;
	caps = ac_caps(c->ctx);
	if (caps & AC_CAP_KEYS_IN_KERNEL)
		return EXIT_OK;
	why = caps & AC_CAP_KERNEL_IMPL
		      ? "this kernel lacks ALG_SET_KEY_BY_KEY_SERIAL"
		      : "the user crypto backend (OpenSSL) is in use (see --verbose)";
	log_err("a kernel \"%s\" key can only be used by the crypto backend keying AF_ALG by "
		"serial (ALG_SET_KEY_BY_KEY_SERIAL, Linux 6.2), and %s: neither algfsctl nor "
		"algfs can use the key here",
		type, why);
	return EXIT_CRYPTO;
}

/* Why the kernel would not add the key: @err from add_key(). */
static void report_load_error(const struct ctl *c, const struct key_blob *kb, const char *desc,
			      int err)
{
	const int n = kb->kb_master_len;
	const char *m = kb->kb_master;

	switch (err) {
	case -ENODEV:
	case -ENOPKG:
		log_err("cannot load --key-blob %s: this kernel has no \"%s\" keys (%s)",
			c->key_blob, kb->kb_type,
			m ? "CONFIG_ENCRYPTED_KEYS" : "CONFIG_TRUSTED_KEYS, and a TPM or TEE");
		return;
	case -ENOKEY:
	case -EKEYREVOKED:
	case -EKEYEXPIRED:
		if (!m)
			break;
		log_err("cannot load --key-blob %s: the master key '%.*s' that it names is %s",
			c->key_blob, n, m,
			err == -ENOKEY ? "not in the keyring (or not in one this session searches)"
			: err == -EKEYREVOKED ? "revoked"
					      : "expired");
		return;
	case -EINVAL:
		if (m)
			log_err("the kernel refused the \"encrypted\" key in --key-blob %s: the "
				"master key '%.*s' in the keyring is not the one it was saved "
				"with, or the blob is damaged (the kernel log says which)",
				c->key_blob, n, m);
		else
			log_err("the kernel refused the \"trusted\" key in --key-blob %s: it was "
				"sealed by another TPM or with other options, or the blob is "
				"damaged (the kernel log says which)",
				c->key_blob);
		return;
	}
	log_err("cannot add the \"%s\" key '%s' from --key-blob %s to the keyring %s: %s",
		kb->kb_type, desc, c->key_blob, c->keyring_spec, strerror(-err));
}

/* Is the key just added as @serial this volume's master key? */
static int verify_loaded(struct ctl *c, int32_t serial)
{
	int err;

	err = ac_key_from_keyring(c->ctx, AC_ALG_HMAC, serial, &c->key);
	if (err) {
		log_err("cannot use the key loaded from %s: %s", c->key_blob, strerror(-err));
		return tu_exit_status(err);
	}
	err = afs_config_verify(&c->cfg, c->key);
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EKEYREJECTED:
		log_err("--key-blob %s holds another key, not the master key of %s (the key-check "
			"value differs)",
			c->key_blob, c->dir);
		return EXIT_WRONG_KEY;
	case -EBADMSG:
		log_err("%s/%s failed its authentication with the key from %s: it was changed "
			"after it was written",
			c->dir, AFS_CONF_NAME, c->key_blob);
		return EXIT_TAMPERED;
	default:
		log_err("cannot authenticate %s/%s: %s", c->dir, AFS_CONF_NAME, strerror(-err));
		return tu_exit_status(err);
	}
}

/*
 * Add the key saved in c->key_blob as algfs:<uuid>, of its own type, and
 * keep it only if it authenticates algfs.conf.  The kernel decrypts or
 * unseals it; its bytes never reach this process.
 */
static int unlock_key_blob(struct ctl *c)
{
	char desc[AFS_KEYDESC_LEN + 1], list[256];
	struct key_blob kb = { 0 };
	int32_t serial;
	int err, rc;

	if (!c->cfg.keyring_only) {
		slot_list(&c->cfg, list, sizeof(list));
		log_err("--key-blob is for volumes made with mkfs.algfs --keyring, and %s has "
			"keyslots (%s): unlock it with a passphrase, keyfile or recovery key",
			c->dir, list);
		return EXIT_USAGE;
	}
	afs_key_description(&c->cfg, desc);
	rc = read_key_blob(c->key_blob, &kb);
	if (!rc)
		rc = check_backend(c, kb.kb_type);
	/* A "load" never replaces a key: say why rather than let it fail. */
	if (!rc && ac_keyring_search(desc) >= 0) {
		log_err("the key '%s' is already in the keyring: %s is unlocked (algfsctl lock "
			"removes the key)",
			desc, c->dir);
		rc = EXIT_REFUSED;
	}
	if (!rc && tu_interrupted())
		rc = 128 + tu_interrupted();
	if (rc)
		goto out;
	serial =
		ac_keyring_add(kb.kb_type, desc, (const uint8_t *)kb.kb_buf, kb.kb_len, c->keyring);
	if (serial < 0) {
		report_load_error(c, &kb, desc, serial);
		rc = EXIT_KEYRING;
		goto out;
	}
	rc = verify_loaded(c, serial);
	if (rc) {
		err = ac_keyring_invalidate(serial);
		if (err)
			log_err("cannot remove the key '%s' again: %s", desc, strerror(-err));
		goto out;
	}
	log_notice("added \"%s\" key %s from %s to %s: the kernel crypto backend uses it by "
		   "serial, so the master key's bytes never leave the kernel (its possessors "
		   "can use it)",
		   kb.kb_type, desc, c->key_blob, c->keyring_spec);
	check_findable(c, desc);
	printf("%s\n", desc);
out:
	ac_secure_free(kb.kb_buf);
	return rc;
}

/* --- the commands --- */

static int cmd_unlock(struct ctl *c)
{
	char desc[AFS_KEYDESC_LEN + 1];
	unsigned int caps;
	const char *type;
	int32_t serial;
	int rc;

	if (c->key_blob)
		return unlock_key_blob(c);
	if (c->cfg.keyring_only)
		return refuse_keyring_only(c);
	rc = open_volume(c);
	if (rc)
		return rc;
	if (tu_interrupted())
		return 128 + tu_interrupted();
	afs_key_description(&c->cfg, desc);
	caps = ac_caps(c->ctx);
	type = caps & AC_CAP_KEYS_IN_KERNEL ? "logon" : "user";
	serial = ac_keyring_add(type, desc, c->mk, AC_KEY_LEN, c->keyring);
	if (serial < 0) {
		log_err("cannot add the key '%s' to the keyring %s: %s", desc, c->keyring_spec,
			strerror(-serial));
		return EXIT_KEYRING;
	}
	if (caps & AC_CAP_KEYS_IN_KERNEL)
		log_notice("keyslot %d opened; added \"logon\" key %s to %s: the kernel crypto "
			   "backend uses it by serial, so its bytes can never be read back (its "
			   "possessors can use it)",
			   c->opened, desc, c->keyring_spec);
	else if (caps & AC_CAP_KERNEL_IMPL)
		log_notice("keyslot %d opened; added \"user\" key %s to %s: this kernel cannot "
			   "key AF_ALG from a logon key (ALG_SET_KEY_BY_KEY_SERIAL, Linux 6.2), "
			   "so the key must be readable",
			   c->opened, desc, c->keyring_spec);
	else
		log_notice("keyslot %d opened; added \"user\" key %s to %s: the user crypto "
			   "backend (OpenSSL) must read the key, which a logon key forbids",
			   c->opened, desc, c->keyring_spec);
	check_findable(c, desc);
	printf("%s\n", desc);
	return EXIT_OK;
}

static int cmd_lock(struct ctl *c)
{
	char desc[AFS_KEYDESC_LEN + 1];
	unsigned int removed = 0;

	afs_key_description(&c->cfg, desc);
	/* A logon and a user key may both exist (unlocked with different
	 * backends): remove every key of that name this process can find. */
	for (int i = 0; i < 16; i++) {
		int32_t serial = ac_keyring_search(desc);
		int err;

		/* An invalidated key is found as revoked until the kernel's
		 * garbage collector has unlinked it: as good as gone. */
		if (serial == -ENOKEY || serial == -EKEYREVOKED || serial == -EKEYEXPIRED)
			break;
		if (serial < 0) {
			log_err("cannot search the keyring for '%s': %s", desc, strerror(-serial));
			return EXIT_KEYRING;
		}
		err = ac_keyring_invalidate(serial);
		if (err) {
			log_err("cannot remove the key '%s' from the keyring: %s", desc,
				strerror(-err));
			return EXIT_KEYRING;
		}
		removed++;
	}
	if (!removed) {
		log_err("no key '%s' in the keyring: %s is not unlocked (or not in a keyring "
			"this session can search)",
			desc, c->dir);
		return EXIT_KEYRING;
	}
	log_notice("removed the key '%s' from the keyring; a mount that uses it stays mounted "
		   "until it is unmounted",
		   desc);
	return EXIT_OK;
}

static int cmd_passwd(struct ctl *c)
{
	struct tu_secret secret = { 0 };
	struct afs_kdf kdf;
	struct afs_slot slot;
	int target, rc;

	if (c->cfg.keyring_only)
		return refuse_keyring_only(c);
	if (has_slot_type(&c->cfg, 1u << AFS_SLOT_PASSPHRASE) < 0) {
		char list[256];

		slot_list(&c->cfg, list, sizeof(list));
		log_err("%s has no passphrase keyslot to change (its keyslots: %s): add one with "
			"algfsctl add-key",
			c->dir, list);
		return EXIT_REFUSED;
	}
	rc = open_volume(c);
	if (rc)
		return rc;
	/* The passphrase that opened it, else the first passphrase slot. */
	target = c->cfg.slots[c->opened].type == AFS_SLOT_PASSPHRASE
			 ? c->opened
			 : has_slot_type(&c->cfg, 1u << AFS_SLOT_PASSPHRASE);
	rc = new_kdf(c, &c->cfg.slots[target].kdf, &kdf);
	if (rc)
		return rc;
	tu_kdf_floor_warn(&kdf, AFS_SLOT_PASSPHRASE);
	rc = read_new_secret(c, &secret);
	if (!rc)
		rc = seal(c, AFS_SLOT_PASSPHRASE, &kdf, secret.s_buf, secret.s_len, &slot);
	tu_secret_free(&secret);
	if (rc)
		return rc;
	c->cfg.slots[target] = slot;
	ac_wipe(&slot, sizeof(slot));
	rc = commit(c);
	if (!rc)
		log_notice("changed the passphrase of keyslot %d of %s", target, c->dir);
	return rc;
}

static int cmd_add_key(struct ctl *c)
{
	struct tu_secret secret = { 0 };
	enum afs_slot_type type = AFS_SLOT_PASSPHRASE;
	char text[TU_RECOVERY_TEXT_LEN + 1];
	struct afs_kdf kdf;
	struct afs_slot *slot;
	int rc;

	if (c->cfg.keyring_only)
		return refuse_keyring_only(c);
	if (c->cfg.nslots >= AFS_MAX_SLOTS) {
		log_err("%s has %u keyslots, the most a volume can have: remove one first "
			"(algfsctl remove-key)",
			c->dir, c->cfg.nslots);
		return EXIT_REFUSED;
	}
	rc = new_kdf(c, &AFS_KDF_DEFAULT, &kdf);
	if (!rc)
		rc = open_volume(c);
	if (rc)
		return rc;
	if (c->new_recovery) {
		type = AFS_SLOT_RECOVERY;
		secret.s_buf = ac_secure_alloc(TU_RECOVERY_LEN);
		if (!secret.s_buf) {
			log_err("cannot allocate locked memory: %s", strerror(errno));
			return EXIT_ERROR;
		}
		secret.s_len = TU_RECOVERY_LEN;
		rc = ac_random(secret.s_buf, secret.s_len);
		if (rc) {
			log_err("cannot make a recovery key: %s", strerror(-rc));
			rc = tu_exit_status(rc);
		}
	} else {
		type = tu_keysrc_slot_type(&c->newks);
		tu_kdf_floor_warn(&kdf, type);
		rc = read_new_secret(c, &secret);
	}
	slot = &c->cfg.slots[c->cfg.nslots];
	if (!rc)
		rc = seal(c, type, &kdf, secret.s_buf, secret.s_len, slot);
	/* A new recovery key is shown before it is added: never one nobody saw. */
	if (!rc && type == AFS_SLOT_RECOVERY) {
		tu_recovery_format(secret.s_buf, text);
		if (c->quiet)
			printf("%s\n", text);
		else
			printf("Recovery key (shown only now; it opens %s if every other key is "
			       "lost):\n\n    %s\n\nWrite it down and keep it safe, away from the "
			       "volume.\n",
			       c->dir, text);
		ac_wipe(text, sizeof(text));
		if (fflush(stdout) == EOF || ferror(stdout)) {
			log_err("cannot write to standard output (%s): the recovery key was not "
				"added",
				strerror(errno));
			rc = EXIT_ERROR;
		}
	}
	if (!rc) {
		c->cfg.nslots++;
		rc = commit(c);
		if (rc && type == AFS_SLOT_RECOVERY)
			log_err("the recovery key shown above was not added: do not keep it");
	}
	tu_secret_free(&secret);
	if (!rc)
		log_notice("added keyslot %u (%s) to %s", c->cfg.nslots - 1,
			   afs_slot_type_name(type), c->dir);
	return rc;
}

static int cmd_remove_key(struct ctl *c)
{
	struct tu_secret secret = { 0 };
	struct afs_config rest;
	unsigned int n = (unsigned int)c->slot;
	char list[256];
	int rc;

	if (c->cfg.keyring_only)
		return refuse_keyring_only(c);
	if (n >= c->cfg.nslots) {
		slot_list(&c->cfg, list, sizeof(list));
		log_err("%s has no keyslot %u (its keyslots: %s)", c->dir, n, list);
		return EXIT_REFUSED;
	}
	if (c->cfg.nslots == 1) {
		log_err("refusing to remove the last keyslot: the volume would be unreadable");
		return EXIT_REFUSED;
	}
	/* Open with a keyslot that stays, so that one is known to work. */
	rest = c->cfg;
	memmove(&rest.slots[n], &rest.slots[n + 1], (rest.nslots - n - 1) * sizeof(rest.slots[0]));
	rest.nslots--;
	rc = read_current_secret(c, &secret);
	if (!rc)
		rc = open_with(c, &rest, &secret, true);
	/* No keyslot that stays opened (and open_with() said nothing yet). */
	if (rc == EXIT_WRONG_KEY && secret.s_buf) {
		/* A secret that opens only the keyslot to remove deserves its own word. */
		if ((tu_keysrc_slot_mask(&c->ks) & (1u << c->cfg.slots[n].type)) &&
		    !afs_slot_open(c->ctx, c->cfg.uuid, &c->cfg.slots[n], secret.s_buf,
				   secret.s_len, c->mk)) {
			log_err("the %s given opens only keyslot %u, the one to remove: give the "
				"secret of a keyslot that stays",
				tu_keysrc_noun(&c->ks), n);
			rc = EXIT_REFUSED;
		} else {
			report_wrong(c, has_slot_type(&rest, tu_keysrc_slot_mask(&c->ks)) < 0
						? -ENOKEY
						: -EKEYREJECTED);
		}
	}
	tu_secret_free(&secret);
	ac_wipe(&rest, sizeof(rest));
	if (rc)
		return rc;
	if (c->opened >= (int)n)
		c->opened++;
	memmove(&c->cfg.slots[n], &c->cfg.slots[n + 1],
		(c->cfg.nslots - n - 1) * sizeof(c->cfg.slots[0]));
	c->cfg.nslots--;
	ac_wipe(&c->cfg.slots[c->cfg.nslots], sizeof(c->cfg.slots[0]));
	rc = commit(c);
	if (!rc) {
		slot_list(&c->cfg, list, sizeof(list));
		log_notice("removed keyslot %u of %s; its keyslots now: %s", n, c->dir, list);
	}
	return rc;
}

/* Whether the key in the keyring authenticates algfs.conf: a line of info. */
static int info_verify(struct ctl *c, const char *desc)
{
	struct ac_key *key = NULL;
	int err, rc;

	rc = tu_crypto_init(c->mode, &c->ctx);
	if (rc)
		return rc;
	err = ac_key_from_keyring_desc(c->ctx, AC_ALG_HMAC, desc, &key);
	if (err) {
		printf("Authenticated: not checked (the key in the keyring cannot be used: %s)\n",
		       strerror(-err));
		return EXIT_OK;
	}
	err = afs_config_verify(&c->cfg, key);
	ac_key_put(key);
	switch (err) {
	case 0:
		printf("Authenticated: yes, with the key in the keyring\n");
		return EXIT_OK;
	case -EBADMSG:
	case -EKEYREJECTED:
		printf("Authenticated: NO\n");
		fflush(stdout);
		log_err("%s/%s failed its authentication with the key in the keyring: %s", c->dir,
			AFS_CONF_NAME,
			err == -EBADMSG ? "it was changed after it was written"
					: "the key-check value differs (another volume's key, or "
					  "the file was changed)");
		return EXIT_TAMPERED;
	default:
		printf("Authenticated: not checked (%s)\n", strerror(-err));
		return EXIT_OK;
	}
}

static int cmd_info(struct ctl *c)
{
	const struct afs_config *cfg = &c->cfg;
	char uuid[AFS_UUID_STR_LEN + 1], desc[AFS_KEYDESC_LEN + 1];
	int32_t serial;

	afs_uuid_str(cfg->uuid, uuid);
	afs_key_description(cfg, desc);
	serial = ac_keyring_search(desc);
	if (serial == -EKEYREVOKED || serial == -EKEYEXPIRED)
		serial = -ENOKEY; /* locked a moment ago: see cmd_lock() */
	printf("Volume:        %s\n", c->dir);
	printf("Format:        %u\n", cfg->format);
	/* The volume does not record what made it: this is who read it. */
	printf("Read by:       " PROG " (algfs) " ALGFS_VERSION "\n");
	printf("UUID:          %s\n", uuid);
	printf("Suite:         %s\n", afs_suite(cfg->format));
	printf("Block size:    %u bytes\n", cfg->block_size);
	printf("File names:    %s\n",
	       cfg->names == AFS_NAMES_PLAINTEXT ? "plaintext" : "encrypted");
	printf("Key:           %s (%s)\n", desc,
	       serial >= 0	   ? "in the keyring: unlocked"
	       : serial == -ENOKEY ? "not in the keyring: locked"
				   : "the keyring cannot be searched");
	if (cfg->keyring_only) {
		printf("Keyslots:      none: the master key is a kernel keyring key "
		       "(mkfs.algfs --keyring)\n");
	} else {
		printf("Keyslots:      %u (at most %d)\n", cfg->nslots, AFS_MAX_SLOTS);
		for (unsigned int i = 0; i < cfg->nslots; i++) {
			const struct afs_slot *s = &cfg->slots[i];

			printf("  %u: %-10s  Argon2id time %u, memory %u KiB, lanes %u\n", i,
			       afs_slot_type_name(s->type), s->kdf.t_cost, s->kdf.m_cost,
			       s->kdf.lanes);
		}
	}
	if (serial < 0) {
		printf("Authenticated: not checked (needs the key)\n");
		return EXIT_OK;
	}
	return info_verify(c, desc);
}

static const struct command commands[NCMDS] = {
	[CMD_UNLOCK] = { "unlock",
			 "[--keyring KEYRING] [SECRET OPTION | --key-blob FILE] CIPHERDIR",
			 "put the master key into the kernel keyring, for mounting", cmd_unlock },
	[CMD_LOCK] = { "lock", "CIPHERDIR", "remove the master key from the kernel keyring",
		       cmd_lock },
	[CMD_PASSWD] = { "passwd", "[SECRET OPTION] [NEW SECRET OPTION] CIPHERDIR",
			 "change a passphrase; the master key and the data stay", cmd_passwd },
	[CMD_ADD_KEY] = { "add-key", "[SECRET OPTION] [NEW SECRET OPTION] CIPHERDIR",
			  "add a keyslot: a passphrase, a keyfile or a recovery key", cmd_add_key },
	[CMD_REMOVE_KEY] = { "remove-key", "--slot N [SECRET OPTION] CIPHERDIR",
			     "remove a keyslot, opening the volume with another one",
			     cmd_remove_key },
	[CMD_INFO] = { "info", "CIPHERDIR", "show the format, settings and keyslots; needs no key",
		       cmd_info },
};

static void usage(FILE *f, const struct command *cmd, unsigned int mask)
{
	if (!cmd) {
		fprintf(f, "Usage: " PROG " COMMAND [OPTION]... CIPHERDIR\n"
			   "Manage the keys of an algfs volume.\n"
			   "\n"
			   "Commands:\n");
		for (int i = 0; i < NCMDS; i++)
			fprintf(f, "  %-12s%s\n", commands[i].name, commands[i].summary);
		fprintf(f, "\nOptions:\n");
	} else {
		fprintf(f, "Usage: " PROG " %s %s\n%c%s.\n\nOptions:\n", cmd->name, cmd->synopsis,
			toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	}
	tu_print_options(f, options, NOPTIONS, mask);
	if (!cmd)
		fprintf(f, "\n\"" PROG " COMMAND --help\" lists the options of a command.\n");
	fprintf(f, "\n"
		   "Exit status: 0 done; 2 usage; 6 not a volume; 7 algfs.conf damaged;\n"
		   "8 algfs.conf tampered with; 12 wrong key; 13 keyring; 14 refused;\n"
		   "15 no passphrase; 16 no crypto backend; 18 a key or passphrase file\n"
		   "others can read; 1 other errors.\n"
		   "See algfsctl(8).\n");
}

static int parse_kdf_option(struct ctl *c, int opt, const char *arg)
{
	uint64_t size;
	int rc;

	switch (opt) {
	case OPT_ARGON2_TIME:
		return tu_parse_u32("--argon2-time", arg, 1, TU_KDF_TIME_MAX, &c->t_cost);
	case OPT_ARGON2_LANES:
		return tu_parse_u32("--argon2-lanes", arg, 1, TU_KDF_LANES_MAX, &c->lanes);
	default:
		rc = tu_parse_size("--argon2-memory", arg, 1024, &size);
		if (!rc && (size % 1024 || size / 1024 < TU_KDF_MEMORY_MIN ||
			    size / 1024 > TU_KDF_MEMORY_MAX)) {
			log_err("--argon2-memory %s: out of range (8K to 4G, whole KiB)", arg);
			rc = EXIT_USAGE;
		}
		c->m_cost = (uint32_t)(size / 1024);
		return rc;
	}
}

static int parse_option(struct ctl *c, int opt, const char *arg, char **argv)
{
	int rc;

	switch (opt) {
	case OPT_PASSFILE:
		return tu_keysrc_set(&c->ks, TU_SRC_PASSFILE, arg, "--passfile");
	case OPT_EXTPASS:
		return tu_keysrc_set(&c->ks, TU_SRC_EXTPASS, arg, "--extpass");
	case OPT_KEYFILE:
		return tu_keysrc_set(&c->ks, TU_SRC_KEYFILE, arg, "--keyfile");
	case OPT_RECOVERY:
		return tu_keysrc_set(&c->ks, TU_SRC_RECOVERY_TTY, NULL, "--recovery");
	case OPT_RECOVERY_FILE:
		return tu_keysrc_set(&c->ks, TU_SRC_RECOVERY_FILE, arg, "--recovery-file");
	case OPT_NEW_PASSFILE:
		return tu_keysrc_set(&c->newks, TU_SRC_PASSFILE, arg, "--new-passfile");
	case OPT_NEW_EXTPASS:
		return tu_keysrc_set(&c->newks, TU_SRC_EXTPASS, arg, "--new-extpass");
	case OPT_NEW_KEYFILE:
		return tu_keysrc_set(&c->newks, TU_SRC_KEYFILE, arg, "--new-keyfile");
	case OPT_NEW_RECOVERY_KEY:
		c->new_recovery = true;
		return tu_keysrc_set(&c->newks, TU_SRC_TTY, NULL, "--new-recovery-key");
	case OPT_KEYRING:
		if (ac_keyring_parse(arg, &c->keyring) < 0) {
			log_err("--keyring %s: not a keyring (@u, @s, @us, @p, @t or a serial "
				"number)",
				arg);
			return EXIT_USAGE;
		}
		c->keyring_spec = arg;
		return EXIT_OK;
	case OPT_KEY_BLOB:
		if (c->key_blob) {
			log_err("--key-blob given twice: give one key blob");
			return EXIT_USAGE;
		}
		c->key_blob = arg;
		return EXIT_OK;
	case OPT_ARGON2_TIME:
	case OPT_ARGON2_MEMORY:
	case OPT_ARGON2_LANES:
		return parse_kdf_option(c, opt, arg);
	case OPT_SLOT: {
		uint32_t v;

		rc = tu_parse_u32("--slot", arg, 0, AFS_MAX_SLOTS - 1, &v);
		c->slot = (int)v;
		return rc;
	}
	case OPT_CRYPTO:
		return tu_parse_crypto_mode(arg, &c->mode);
	case OPT_QUIET:
		c->quiet = true;
		ac_log_set_level(LOG_WARNING);
		return EXIT_OK;
	case OPT_VERBOSE:
		ac_log_set_level(LOG_INFO);
		return EXIT_OK;
	case OPT_HELP:
		usage(stdout, c->cmd, c->cmdbit);
		exit(EXIT_OK);
	case OPT_VERSION:
		printf(PROG " (algfs) " ALGFS_VERSION ", volume formats %d to %d\n", AFS_FORMAT_MIN,
		       AFS_FORMAT_MAX);
		exit(EXIT_OK);
	case ':':
		log_err("option %s needs an argument (see --help)", argv[optind - 1]);
		return EXIT_USAGE;
	default:
		/* An option of another command, or none at all. */
		if (c->cmd)
			log_err("%s: no option %s (see " PROG " %s --help)", c->cmd->name,
				argv[optind - 1], c->cmd->name);
		else
			log_err("unknown option %s: the command comes first (see " PROG " --help)",
				argv[optind - 1]);
		return EXIT_USAGE;
	}
}

static int parse_args(int argc, char **argv, struct ctl *c)
{
	struct tu_getopt g;
	int opt, rc = EXIT_OK;

	/* Without a command only --help and --version make sense. */
	c->cmdbit = C_NONE;
	if (argc > 1) {
		for (int i = 0; i < NCMDS; i++) {
			if (!strcmp(argv[1], commands[i].name)) {
				c->cmd = &commands[i];
				c->cmdbit = 1u << i;
			}
		}
	}
	if (!c->cmd && argc > 1 && argv[1][0] != '-') {
		log_err("unknown command '%s' (see " PROG " --help)", argv[1]);
		return EXIT_USAGE;
	}
	if (c->cmd) {
		argc--;
		argv++;
	}
	tu_getopt_init(options, NOPTIONS, c->cmdbit, &g);
	while (!rc && (opt = getopt_long(argc, argv, g.g_short, g.g_long, NULL)) != -1)
		rc = parse_option(c, opt, optarg, argv);
	if (rc)
		return rc;
	if (c->key_blob && c->ks.ks_set) {
		log_err("--key-blob and %s both name the key: give one of them", c->ks.ks_opt);
		return EXIT_USAGE;
	}
	if (!c->cmd) {
		log_err("no command given (see " PROG " --help)");
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		log_err(optind == argc ? "%s: no CIPHERDIR given (see --help)"
				       : "%s: only one CIPHERDIR may be given (see --help)",
			c->cmd->name);
		return EXIT_USAGE;
	}
	c->dir = argv[optind];
	if (c->cmdbit == C(REMOVE_KEY) && c->slot < 0) {
		log_err("remove-key: which keyslot? Give --slot N (see algfsctl info)");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl c = {
		.keyring_spec = "@u",
		.slot = -1,
		.opened = -1,
		.mode = AC_BACKEND_AUTO,
	};
	int lock_fd = -1;
	int rc;

	tu_start(PROG);

	rc = parse_args(argc, argv, &c);
	if (rc)
		return rc;
	if (ac_keyring_parse(c.keyring_spec, &c.keyring) < 0)
		return EXIT_USAGE;
	/* Commands that rewrite algfs.conf read it under its lock. */
	if (c.cmd->run == cmd_passwd || c.cmd->run == cmd_add_key || c.cmd->run == cmd_remove_key)
		rc = tu_config_lock(c.dir, &lock_fd);
	/* Before any secret is asked for: is this a volume at all? */
	if (!rc)
		rc = tu_config_read(c.dir, &c.cfg);
	if (!rc)
		rc = c.cmd->run(&c);
	if (lock_fd >= 0)
		close(lock_fd);

	ac_key_put(c.key);
	ac_ctx_free(c.ctx);
	ac_secure_free(c.mk);
	ac_wipe(&c.cfg, sizeof(c.cfg));
	if (rc && tu_interrupted()) {
		log_err("interrupted: nothing was changed");
		tu_die_of_signal();
	}
	return rc;
}
