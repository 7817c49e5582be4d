/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exitcodes.h - the exit statuses of mkfs.algfs and algfsctl.
 *
 * They are part of the interface: scripts and the systemd units test them,
 * and the man pages list them.  Never renumber; add new ones at the end.
 */
#ifndef ALGFS_EXITCODES_H
#define ALGFS_EXITCODES_H

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1, /* anything not listed below */
	EXIT_USAGE = 2, /* bad command line */
	EXIT_CIPHERDIR = 6, /* CIPHERDIR missing, not empty, or already/not a volume */
	EXIT_CONFIG = 7, /* algfs.conf corrupt, truncated or of an unknown format */
	EXIT_TAMPERED = 8, /* algfs.conf failed its MAC: edited since it was written */
	EXIT_WRONG_KEY = 12, /* wrong passphrase, keyfile or recovery key */
	EXIT_KEYRING = 13, /* the key is not in the keyring, or the keyring refused it */
	EXIT_REFUSED = 14, /* refused to do it: e.g. removing the last keyslot */
	EXIT_PASSPHRASE = 15, /* no passphrase could be read, or the two differ */
	EXIT_CRYPTO = 16, /* no usable crypto backend */
	EXIT_MOUNT = 17, /* algfs: the mount itself failed (mount point, FUSE) */
	EXIT_INSECURE = 18, /* a key or passphrase file that other users can read or change */
	EXIT_IN_USE = 19, /* another algfs has the volume mounted (the volume lock) */
};

#endif /* ALGFS_EXITCODES_H */
