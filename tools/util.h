/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - what mkfs.algfs and algfsctl share: reading secrets, option
 * tables that drive both getopt_long() and --help, number parsing, recovery
 * keys, and turning errors into messages and exit statuses.
 *
 * Two conventions meet here and are kept apart by name.  Functions that
 * return "an exit status" have already printed why they failed (one line,
 * through crypto/log.h) and return EXIT_OK or one of tools/exitcodes.h;
 * the others return 0 or -errno, as everywhere else in algfs.
 */
#ifndef ALGFS_TOOLS_UTIL_H
#define ALGFS_TOOLS_UTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"
#include "format.h"

/* The longest passphrase (the first line of a passfile or of --extpass). */
#define TU_PASS_MAX 1024
/* The largest keyfile. */
#define TU_KEYFILE_MAX (1024 * 1024)
/* A recovery key: 32 random bytes, shown as 8 dash-separated groups of 8
 * lowercase hex digits. */
#define TU_RECOVERY_LEN 32
#define TU_RECOVERY_TEXT_LEN (2 * TU_RECOVERY_LEN + 7)

/* Argon2id cost limits: those algfs.conf accepts (fs/config.c). */
#define TU_KDF_TIME_MAX 1000
#define TU_KDF_MEMORY_MIN 8 /* KiB per lane */
#define TU_KDF_MEMORY_MAX (4u << 20) /* KiB: 4 GiB */
#define TU_KDF_LANES_MAX 64
/* Time x memory of one Argon2id, in KiB-passes: 64 GiB-passes, 64 times the
 * default (4 passes of 256 MiB); about two minutes on the development machine
 * (the issue measured 31 s for 8 passes of 2 GiB). */
#define TU_KDF_WORK_MAX (64ull << 20)
/* The floor below which a new passphrase keyslot gets a warning: RFC 9106's
 * second recommended Argon2id setting (section 4: 3 passes of 64 MiB), as
 * memory of at least 64 MiB and time x memory of at least 3 x 64 MiB, so
 * that 1 pass of 192 MiB is above it too (mkfs.algfs.8 says why). */
#define TU_KDF_FLOOR_MEMORY (64u << 10) /* KiB */
#define TU_KDF_FLOOR_WORK (3ull * TU_KDF_FLOOR_MEMORY) /* KiB-passes */

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

/* Recovery keys. */
void tu_recovery_format(const uint8_t key[TU_RECOVERY_LEN], char out[TU_RECOVERY_TEXT_LEN + 1]);
/* Hex digits in any case; dashes and blanks are ignored.  Return: 0, -EINVAL. */
int tu_recovery_parse(const char *text, size_t len, uint8_t key[TU_RECOVERY_LEN]);

/*
 * Option tables.  Each option is described once; the same table builds
 * the getopt_long() arrays and prints --help, so the two cannot disagree.
 */
struct tu_option {
	const char *o_name; /* the long name, without "--" */
	int o_short; /* a short option letter, or 0 */
	const char *o_arg; /* the argument's name in --help, or NULL: no argument */
	int o_key; /* what getopt_long() returns for it */
	unsigned int o_cmds; /* algfsctl: a mask of the commands that take it */
	const char *o_help;
};

#define TU_MAX_OPTIONS 40

struct tu_getopt {
	struct option g_long[TU_MAX_OPTIONS + 1];
	char g_short[2 * TU_MAX_OPTIONS + 2];
};

/* The getopt_long() arrays for the options of @opts whose o_cmds meets @mask. */
void tu_getopt_init(const struct tu_option *opts, size_t n, unsigned int mask, struct tu_getopt *g);
/* The --help lines for the same options. */
void tu_print_options(FILE *f, const struct tu_option *opts, size_t n, unsigned int mask);

/*
 * Numbers from the command line.  Each prints what is wrong with @arg,
 * naming @opt, and returns EXIT_USAGE, or returns EXIT_OK.
 */
int tu_parse_u32(const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *out);
/* A size: a number with an optional K, M or G (KiB, MiB, GiB); a bare number
 * counts @unit bytes.  The result is in bytes. */
int tu_parse_size(const char *opt, const char *arg, uint64_t unit, uint64_t *out);
int tu_parse_crypto_mode(const char *arg, enum ac_backend_mode *mode);
/* afalg_io=auto|uring|sendmsg|splice; the message names @opt. */
int tu_parse_io_method(const char *opt, const char *arg, enum ac_io_method *io);
/* crypto_threads=N|online (AC_BATCH_THREADS_ONLINE); the message names @opt. */
int tu_parse_threads(const char *opt, const char *arg, unsigned int *threads);

/* Check @kdf as a whole (memory per lane, the caps of tu_kdf_vet()) for a
 * new keyslot.  Return: an exit status. */
int tu_kdf_check(const struct afs_kdf *kdf);
/* Warn, on standard error, when a new keyslot of @type is a passphrase one
 * whose costs are below the floor (TU_KDF_FLOOR_*).  A keyfile or recovery
 * key is taken to hold 256 random bits: no cost makes it easier to guess. */
void tu_kdf_floor_warn(const struct afs_kdf *kdf, enum afs_slot_type type);
/*
 * Before any Argon2id runs: the keyslots of @cfg of the @types (a mask of
 * 1u << enum afs_slot_type) must ask for at most half of this machine's
 * memory (and 4 GiB), and TU_KDF_WORK_MAX in all, or an edited algfs.conf
 * could exhaust the machine before its MAC can be checked.
 * Return: EXIT_OK, or EXIT_CONFIG (said which slot and why).
 */
int tu_kdf_vet(const struct afs_config *cfg, unsigned int types);

/*
 * From format 2 on, a master key from the keyring must hold at least 32
 * bytes (docs/FORMAT.md, "Keys"): refuse the key @desc if it is shorter.
 * An "encrypted" or "trusted" key, whose length the kernel does not tell,
 * passes.  Return: EXIT_OK, or EXIT_KEYRING (said why).
 */
int tu_keyring_key_vet(const char *desc, unsigned int format);

/*
 * The volume.  Each returns an exit status and has printed why it failed.
 */

/* afs_config_read(), with the message and status for each failure. */
int tu_config_read(const char *dir, struct afs_config *cfg);
/* ac_ctx_new(); EXIT_CRYPTO when no backend is usable. */
int tu_crypto_init(enum ac_backend_mode mode, struct ac_ctx **ctxp);
/*
 * tu_volume_lock() - take the volume lock of the algfs volume in @dir (whose
 * canonical path is @source): an exclusive flock on the directory, which
 * goes with the last descriptor of it, so with the process.  Keep *@fdp
 * open for as long as the volume is in use (across fork, too).  Where the
 * filesystem cannot lock, warn and go on (*@fdp is then -1).
 * Return: EXIT_OK, or EXIT_IN_USE (said which mount holds it), or another
 * exit status.
 */
int tu_volume_lock(const char *dir, const char *source, int *fdp);
/*
 * tu_config_lock() - serialise the writers of @dir/algfs.conf (algfsctl):
 * an exclusive flock on the file itself, taken before it is read.  The file
 * is replaced by a rename, so the lock is on the inode the path names now.
 * Close *@fdp after the new file is in place.
 * Return: EXIT_OK, EXIT_IN_USE (another writer holds it), or another exit
 * status.
 */
int tu_config_lock(const char *dir, int *fdp);
/* An algfs mount of @source (on @target, or anywhere if NULL); its mount
 * point in @mnt (if not NULL).  Return: 0, -ENOENT, or -errno. */
int tu_find_mount(const char *source, const char *target, char *mnt, size_t size);

/* The same, with every option of the crypto layer. */
int tu_crypto_init_opts(const struct ac_options *opts, struct ac_ctx **ctxp);
/* The exit status for an error that has no more specific one. */
int tu_exit_status(int err);

/*
 * Interruption: SIGINT, SIGTERM and SIGHUP only set a flag (and interrupt a
 * blocking read), so that a tool can undo what it did before it dies.
 */
void tu_signals_init(void);
/*
 * While on, a signal ends the process at once, as the signal, saying only
 * "interrupted: nothing was changed": for long key derivations (Argon2id,
 * which cannot be stopped half-way), during which nothing is on disk yet
 * and the secrets, in memory only, go with the process.
 */
void tu_signals_at_once(bool on);
/* What every tool does first: log as @prog at notice level, no core dumps,
 * the signal handlers. */
void tu_start(const char *prog);
/* The signal that arrived, or 0. */
int tu_interrupted(void);
/* Die of the signal that arrived, as a shell expects (128 + N). */
void tu_die_of_signal(void);

/* Log with the level the tools use for remarks that --quiet hides. */
#define log_notice(...) ac_log(LOG_NOTICE, __VA_ARGS__)

#endif /* ALGFS_TOOLS_UTIL_H */
