/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unlock.h - get a volume's master key as algfs does: from the kernel
 * keyring, or from a secret (passfile, keyfile, extpass, the terminal) that
 * opens a keyslot; then check algfs.conf's MAC with it.  algfs and
 * fsck.algfs both unlock through here, so that they take the same sources
 * in the same order.
 */
#ifndef ALGFS_TOOLS_UNLOCK_H
#define ALGFS_TOOLS_UNLOCK_H

#include <stdbool.h>

#include "crypto.h"
#include "format.h"

/* The key sources a command line named; NULL where it named none. */
struct tu_unlock_src {
	const char *passfile;
	const char *keyfile;
	const char *extpass;
	const char *keydesc; /* a keyring key other than algfs:<uuid> */
	/* How the options are spelled in messages: false "-o passfile" (algfs),
	 * true "--passfile" (fsck.algfs). */
	bool long_opts;
};

/* Whether a terminal can be opened to ask for a passphrase. */
bool tu_have_terminal(void);

/**
 * tu_unlock() - the master key of the volume in @cipherdir
 * @cfg: its configuration (tu_config_read())
 * @keyp: the key (AC_ALG_HMAC); ac_key_put() it
 *
 * With none of passfile, keyfile and extpass given: the keyring key
 * (@src->keydesc, or algfs:<uuid> when it is there), else the terminal.
 * Once a key is found, algfs.conf must pass afs_config_verify() with it.
 *
 * Return: an exit status (tools/exitcodes.h), and has said why it failed:
 * EXIT_TAMPERED means that algfs.conf failed its authentication with a key
 * that opened a keyslot (or came from the keyring).
 */
int tu_unlock(const char *cipherdir, const struct afs_config *cfg, struct ac_ctx *ctx,
	      const struct tu_unlock_src *src, struct ac_key **keyp);

#endif /* ALGFS_TOOLS_UNLOCK_H */
