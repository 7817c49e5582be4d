// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unlock.c - a volume's master key from the keyring or a keyslot (unlock.h).
 */
#include "unlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "kdfcost.h"
#include "keyring.h"
#include "log.h"
#include "process.h"
#include "secmem.h"
#include "secret.h"

bool tu_have_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Record the secret sources @src names, spelled as its program spells them. */
static int set_sources(const struct tu_unlock_src *src, struct tu_keysrc *ks)
{
	int rc = EXIT_OK;

	if (src->passfile)
		rc = tu_keysrc_set(ks, TU_SRC_PASSFILE, src->passfile,
				   src->long_opts ? "--passfile" : "-o passfile");
	if (!rc && src->keyfile)
		rc = tu_keysrc_set(ks, TU_SRC_KEYFILE, src->keyfile,
				   src->long_opts ? "--keyfile" : "-o keyfile");
	if (!rc && src->extpass)
		rc = tu_keysrc_set(ks, TU_SRC_EXTPASS, src->extpass,
				   src->long_opts ? "--extpass" : "-o extpass");
	return rc;
}

/* The key from the keyring; EXIT_OK with *@keyp NULL when there is none and
 * a passphrase may still be asked for on the terminal. */
static int keyring_key(const char *cipherdir, const struct afs_config *cfg, struct ac_ctx *ctx,
		       const struct tu_unlock_src *src, struct ac_key **keyp)
{
	char desc[AFS_KEYDESC_LEN + 1];
	const char *use;
	int err;

	afs_key_description(cfg, desc);
	use = src->keydesc ? src->keydesc : desc;
	/* Look first, quietly: no key is no error when a passphrase can
	 * still be asked. */
	err = -ENOKEY;
	if (src->keydesc || cfg->keyring_only || ac_keyring_search(desc) >= 0)
		err = ac_key_from_keyring_desc(ctx, AC_ALG_HMAC, use, keyp);
	if (!err) {
		int rc = tu_keyring_key_vet(use, cfg->format);

		if (rc) {
			ac_key_put(*keyp);
			*keyp = NULL;
		}
		return rc;
	}
	if (err != -ENOKEY || src->keydesc || cfg->keyring_only) {
		log_err("the key %s in the kernel keyring cannot be used: %s%s", use,
			strerror(-err),
			err == -ENOKEY ? " (unlock the volume with algfsctl unlock, or add "
					 "the key)"
				       : "");
		return EXIT_KEYRING;
	}
	/* At boot, from mount -a or a script: say what is missing. */
	if (!tu_have_terminal()) {
		if (src->long_opts)
			log_err("no key for %s: %s is not in the kernel keyring (algfsctl unlock "
				"puts it there), and there is no terminal to ask for the "
				"passphrase on (--passfile, --keyfile or --extpass name other "
				"sources)",
				cipherdir, desc);
		else
			log_err("no key for %s: %s is not in the kernel keyring (algfsctl unlock "
				"or algfs-unlock@.service puts it there), and there is no "
				"terminal to ask for the passphrase on (-o passfile=, keyfile= "
				"or extpass= name other sources)",
				cipherdir, desc);
		return EXIT_KEYRING;
	}
	*keyp = NULL;
	return EXIT_OK;
}

/* Read the secret from @ks and open a keyslot of @cfg with it. */
static int slot_key(const char *cipherdir, const struct afs_config *cfg, struct ac_ctx *ctx,
		    const struct tu_unlock_src *src, const struct tu_keysrc *ks,
		    struct ac_key **keyp)
{
	struct tu_secret secret = { 0 };
	char what[600];
	uint8_t *mk;
	int err, rc, slot;

	/* Before anyone types a passphrase for nothing. */
	rc = tu_kdf_vet(cfg, tu_keysrc_slot_mask(ks));
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "Passphrase for %s", cipherdir);
	rc = tu_secret_read(ks, what, false,
			    src->long_opts ? "--passfile, --extpass or --keyfile"
					   : "-o passfile=, -o extpass= or -o keyfile=",
			    &secret);
	if (rc)
		return rc;
	mk = ac_secure_alloc(AC_KEY_LEN);
	if (!mk) {
		log_err("cannot allocate locked memory for the key: %s", strerror(errno));
		tu_secret_free(&secret);
		return EXIT_ERROR;
	}
	tu_signals_at_once(true); /* Argon2id: long, and nothing to undo */
	err = afs_unlock(ctx, cfg, tu_keysrc_slot_mask(ks), secret.s_buf, secret.s_len, mk,
			 &slot);
	tu_signals_at_once(false);
	tu_secret_free(&secret);
	if (err == -ENOKEY || err == -EKEYREJECTED) {
		log_err("wrong %s: no keyslot of %s opened (if it is right, %s/%s may be "
			"damaged: restore a copy of it)",
			tu_keysrc_noun(ks), cipherdir, cipherdir, AFS_CONF_NAME);
		ac_secure_free(mk);
		return EXIT_WRONG_KEY;
	}
	if (!err)
		err = ac_key_new(ctx, AC_ALG_HMAC, mk, AC_KEY_LEN, keyp);
	ac_secure_free(mk);
	if (err) {
		log_err("cannot open the keyslots of %s: %s", cipherdir, strerror(-err));
		return tu_exit_status(err);
	}
	return EXIT_OK;
}

/* Check algfs.conf with the key found; @from_keyring: it came from there. */
static int verify(const char *cipherdir, const struct afs_config *cfg, bool from_keyring,
		  struct ac_key **keyp)
{
	int err = afs_config_verify(cfg, *keyp);

	if (!err)
		return EXIT_OK;
	ac_key_put(*keyp);
	*keyp = NULL;
	switch (err) {
	case -EKEYREJECTED:
		if (from_keyring) {
			log_err("the key in the kernel keyring is not the key of %s", cipherdir);
			return EXIT_WRONG_KEY;
		}
		log_err("%s/%s: a keyslot opened, but its key is not this volume's: the file "
			"was changed after it was written",
			cipherdir, AFS_CONF_NAME);
		return EXIT_TAMPERED;
	case -EBADMSG:
		log_err("%s/%s failed its authentication: it was changed after it was written",
			cipherdir, AFS_CONF_NAME);
		return EXIT_TAMPERED;
	default:
		log_err("cannot authenticate %s/%s: %s", cipherdir, AFS_CONF_NAME,
			strerror(-err));
		return tu_exit_status(err);
	}
}

int tu_unlock(const char *cipherdir, const struct afs_config *cfg, struct ac_ctx *ctx,
	      const struct tu_unlock_src *src, struct ac_key **keyp)
{
	struct tu_keysrc ks = { 0 };
	int rc;

	*keyp = NULL;
	rc = set_sources(src, &ks);
	if (rc)
		return rc;
	if (!ks.ks_set) {
		rc = keyring_key(cipherdir, cfg, ctx, src, keyp);
		if (rc)
			return rc;
		if (*keyp)
			return verify(cipherdir, cfg, true, keyp);
		tu_keysrc_set(&ks, TU_SRC_TTY, NULL, "the terminal");
	}
	rc = slot_key(cipherdir, cfg, ctx, src, &ks, keyp);
	if (rc)
		return rc;
	return verify(cipherdir, cfg, false, keyp);
}
