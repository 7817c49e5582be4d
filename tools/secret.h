/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * secret.h - key sources and secrets: where a tool's passphrase, keyfile or
 * recovery key comes from, reading it into locked memory, refusing key
 * files that others could read, and checking a master key in the keyring.
 */
#ifndef ALGFS_TOOLS_SECRET_H
#define ALGFS_TOOLS_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

/* The longest passphrase (the first line of a passfile or of --extpass). */
#define TU_PASS_MAX 1024
/* The largest keyfile. */
#define TU_KEYFILE_MAX (1024 * 1024)

/* A secret in locked memory (ac_secure_alloc); tu_secret_free() wipes it. */
struct tu_secret {
	uint8_t *s_buf;
	size_t s_len;
};

void tu_secret_free(struct tu_secret *s);

/* Where a secret comes from. */
enum tu_source {
	TU_SRC_TTY, /* a passphrase typed on /dev/tty (the default) */
	TU_SRC_PASSFILE, /* the first line of a file */
	TU_SRC_EXTPASS, /* the first line a command prints */
	TU_SRC_KEYFILE, /* every byte of a file */
	TU_SRC_RECOVERY_TTY, /* a recovery key typed on /dev/tty */
	TU_SRC_RECOVERY_FILE, /* a recovery key in a file */
	TU_SRC_KEYRING, /* mkfs.algfs --keyring: no secret at all */
};

struct tu_keysrc {
	enum tu_source ks_src;
	const char *ks_arg; /* the file, command or key description */
	const char *ks_opt; /* the option that set it, for messages */
	bool ks_set;
};

/**
 * tu_keysrc_set() - record the secret source an option names
 * @opt: the option, as the user wrote it ("--passfile")
 *
 * Return: an exit status: EXIT_USAGE when a source was already given.
 */
int tu_keysrc_set(struct tu_keysrc *ks, enum tu_source src, const char *arg, const char *opt);

/* The keyslot type a secret from @ks opens or creates. */
enum afs_slot_type tu_keysrc_slot_type(const struct tu_keysrc *ks);

/* The slot types a secret from @ks may open (a mask for afs_unlock()). */
unsigned int tu_keysrc_slot_mask(const struct tu_keysrc *ks);

/* "passphrase", "keyfile" or "recovery key", for messages. */
const char *tu_keysrc_noun(const struct tu_keysrc *ks);

/**
 * tu_secret_read() - read a secret from its source
 * @what: what is asked for, in prompts and messages ("passphrase for vol")
 * @confirm: on a terminal, ask twice and compare
 * @alternatives: the options that avoid the terminal, for the message shown
 *                when there is none ("--passfile or --extpass")
 *
 * Passphrases (terminal, passfile, extpass) and keyfiles must not be empty.
 * A recovery key is parsed into its TU_RECOVERY_LEN bytes.
 *
 * Return: an exit status: EXIT_PASSPHRASE (nothing could be read, an empty
 * secret, two different entries), EXIT_WRONG_KEY (text that is not a
 * recovery key), EXIT_ERROR (out of memory), or 128 + the signal when
 * interrupted.
 */
int tu_secret_read(const struct tu_keysrc *ks, const char *what, bool confirm,
		   const char *alternatives, struct tu_secret *s);

/**
 * tu_check_private_file() - refuse a key file that others could read or change
 * @path: the file's name, for messages
 * @fd: the file, open: checked with fstat(), so that it is the file read
 * @what: what named the file, for messages ("--key-blob"), or NULL
 *
 * A regular file must be owned by the caller or root and give no read or
 * write permission to its group or others.  Anything else (a pipe,
 * /dev/stdin on a terminal) is not checked: it holds no lasting copy.
 *
 * Return: an exit status: EXIT_OK, or EXIT_INSECURE with a message.
 */
int tu_check_private_file(const char *path, int fd, const char *what);

/*
 * From format 2 on, a master key from the keyring must hold at least 32
 * bytes (docs/FORMAT.md, "Keys"): refuse the key @desc if it is shorter.
 * An "encrypted" or "trusted" key, whose length the kernel does not tell,
 * passes.  Return: EXIT_OK, or EXIT_KEYRING (said why).
 */
int tu_keyring_key_vet(const char *desc, unsigned int format);

#endif /* ALGFS_TOOLS_SECRET_H */
