// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkfs.algfs - create an algfs volume in an empty directory (docs/FORMAT.md,
 * docs/mkfs.algfs.8).
 *
 * The master key is 32 bytes from getrandom(2), wrapped in one keyslot for
 * the passphrase or keyfile and, unless --no-recovery-key, a second one for
 * a recovery key that is shown once.  With --keyring the master key is a key
 * the user already put in the kernel keyring: the volume has no keyslot.
 *
 * Order of work: check everything that can be checked (options, the
 * directory) before asking for a secret; derive every keyslot before
 * touching the disk; write algfs.diriv, then algfs.conf, the file that makes
 * the directory a volume.  Any failure, or a signal, undoes what was
 * written, so a failed mkfs.algfs leaves the directory as it found it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "format.h"
#include "kdfcost.h"
#include "log.h"
#include "options.h"
#include "process.h"
#include "recovery.h"
#include "secmem.h"
#include "secret.h"
#include "version.h"

#define PROG "mkfs.algfs"

enum {
	OPT_PASSFILE = 256,
	OPT_EXTPASS,
	OPT_KEYFILE,
	OPT_KEYRING,
	OPT_BLOCK_SIZE,
	OPT_FORMAT,
	OPT_PLAINTEXT_NAMES,
	OPT_ARGON2_TIME,
	OPT_ARGON2_MEMORY,
	OPT_ARGON2_LANES,
	OPT_NO_RECOVERY_KEY,
	OPT_CRYPTO,
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
};

/* Every option, once: getopt_long() and --help are made from this table,
 * and docs/mkfs.algfs.8 lists the same (tests/044 compares them). */
static const struct tu_option options[] = {
	{ "passfile", 0, "FILE", OPT_PASSFILE, 1,
	  "read the passphrase from the first line of FILE (without its newline)" },
	{ "extpass", 0, "CMD", OPT_EXTPASS, 1,
	  "run CMD with /bin/sh -c and read the passphrase from the first line it prints" },
	{ "keyfile", 0, "FILE", OPT_KEYFILE, 1,
	  "use every byte of FILE as the key (a keyfile keyslot; at most 1 MiB)" },
	{ "keyring", 0, "DESC", OPT_KEYRING, 1,
	  "use the key DESC already in the kernel keyring (a user, logon, encrypted or trusted "
	  "key) as the master key: no keyslot, no recovery key" },
	{ "block-size", 0, "SIZE", OPT_BLOCK_SIZE, 1,
	  "content block size in bytes, a power of two from 4096 to 65536 (4K to 64K; "
	  "default 4096)" },
	{ "format", 0, "N", OPT_FORMAT, 1,
	  "the on-disk format: 2 (default) or 1, which algfs 1.1 and older read" },
	{ "plaintext-names", 0, NULL, OPT_PLAINTEXT_NAMES, 1,
	  "store file names in plaintext (default: encrypted)" },
	{ "argon2-time", 0, "N", OPT_ARGON2_TIME, 1,
	  "Argon2id passes (default 4; together with the defaults below about 0.9 s to "
	  "unlock)" },
	{ "argon2-memory", 0, "SIZE", OPT_ARGON2_MEMORY, 1,
	  "Argon2id memory, in KiB or with a K, M or G suffix (default 256M)" },
	{ "argon2-lanes", 0, "N", OPT_ARGON2_LANES, 1, "Argon2id lanes (default 2)" },
	{ "no-recovery-key", 0, NULL, OPT_NO_RECOVERY_KEY, 1,
	  "do not create a recovery key (then a lost passphrase loses the data)" },
	{ "crypto", 0, "MODE", OPT_CRYPTO, 1,
	  "crypto backend: auto (default), kernel (AF_ALG) or user (OpenSSL)" },
	{ "quiet", 'q', NULL, OPT_QUIET, 1, "print only errors and the recovery key itself" },
	{ "verbose", 'v', NULL, OPT_VERBOSE, 1, "also say which crypto backend is used, and why" },
	{ "help", 'h', NULL, OPT_HELP, 1, "show this help and exit" },
	{ "version", 'V', NULL, OPT_VERSION, 1, "show the version and exit" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

struct mkfs_opts {
	const char *dir;
	struct tu_keysrc ks;
	uint32_t block_size;
	unsigned int format;
	enum afs_names_mode names;
	struct afs_kdf kdf;
	bool kdf_given;
	bool recovery;
	bool quiet;
	enum ac_backend_mode mode;
};

/* What this run created, so that a failure can remove it again. */
struct undo {
	const char *dir;
	bool made_dir;
	bool wrote_diriv;
	bool wrote_conf;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " CIPHERDIR [OPTION]...\n"
		"Create an algfs volume in CIPHERDIR, an empty or new directory.\n"
		"\n"
		"The key is a passphrase asked twice on the terminal, unless one of --passfile,\n"
		"--extpass, --keyfile or --keyring is given.\n"
		"\n"
		"Options:\n");
	tu_print_options(f, options, NOPTIONS, 1);
	fprintf(f, "\n"
		   "Exit status: 0 created; 2 usage; 6 CIPHERDIR not empty or already a volume;\n"
		   "13 keyring; 15 no passphrase; 16 no crypto backend; 18 a passfile or keyfile\n"
		   "others can read; 1 other errors.\n"
		   "See mkfs.algfs(8).\n");
}

static int parse_options(int argc, char **argv, struct mkfs_opts *o)
{
	struct tu_getopt g;
	uint64_t size;
	int c, rc = EXIT_OK;

	tu_getopt_init(options, NOPTIONS, 1, &g);
	while (!rc && (c = getopt_long(argc, argv, g.g_short, g.g_long, NULL)) != -1) {
		switch (c) {
		case OPT_PASSFILE:
			rc = tu_keysrc_set(&o->ks, TU_SRC_PASSFILE, optarg, "--passfile");
			break;
		case OPT_EXTPASS:
			rc = tu_keysrc_set(&o->ks, TU_SRC_EXTPASS, optarg, "--extpass");
			break;
		case OPT_KEYFILE:
			rc = tu_keysrc_set(&o->ks, TU_SRC_KEYFILE, optarg, "--keyfile");
			break;
		case OPT_KEYRING:
			rc = tu_keysrc_set(&o->ks, TU_SRC_KEYRING, optarg, "--keyring");
			break;
		case OPT_BLOCK_SIZE:
			rc = tu_parse_size("--block-size", optarg, 1, &size);
			if (!rc && (size < AFS_BLOCK_SIZE_MIN || size > AFS_BLOCK_SIZE_MAX ||
				    (size & (size - 1)))) {
				log_err("--block-size %s: not a power of two from 4096 to 65536 "
					"(4K to 64K)",
					optarg);
				rc = EXIT_USAGE;
			}
			o->block_size = (uint32_t)size;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "1") || !strcmp(optarg, "2")) {
				o->format = (unsigned int)(optarg[0] - '0');
			} else {
				log_err("--format %s: this mkfs.algfs makes format 1 or 2", optarg);
				rc = EXIT_USAGE;
			}
			break;
		case OPT_PLAINTEXT_NAMES:
			o->names = AFS_NAMES_PLAINTEXT;
			break;
		case OPT_ARGON2_TIME:
			rc = tu_parse_u32("--argon2-time", optarg, 1, TU_KDF_TIME_MAX,
					  &o->kdf.t_cost);
			o->kdf_given = true;
			break;
		case OPT_ARGON2_MEMORY:
			rc = tu_parse_size("--argon2-memory", optarg, 1024, &size);
			if (!rc && (size % 1024 || size / 1024 < TU_KDF_MEMORY_MIN ||
				    size / 1024 > TU_KDF_MEMORY_MAX)) {
				log_err("--argon2-memory %s: out of range (8K to 4G, whole KiB)",
					optarg);
				rc = EXIT_USAGE;
			}
			o->kdf.m_cost = (uint32_t)(size / 1024);
			o->kdf_given = true;
			break;
		case OPT_ARGON2_LANES:
			rc = tu_parse_u32("--argon2-lanes", optarg, 1, TU_KDF_LANES_MAX,
					  &o->kdf.lanes);
			o->kdf_given = true;
			break;
		case OPT_NO_RECOVERY_KEY:
			o->recovery = false;
			break;
		case OPT_CRYPTO:
			rc = tu_parse_crypto_mode(optarg, &o->mode);
			break;
		case OPT_QUIET:
			o->quiet = true;
			ac_log_set_level(LOG_WARNING);
			break;
		case OPT_VERBOSE:
			ac_log_set_level(LOG_INFO);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(EXIT_OK);
		case OPT_VERSION:
			printf(PROG " (algfs) " ALGFS_VERSION ", volume formats %d to %d (default %d)\n",
			       AFS_FORMAT_MIN, AFS_FORMAT_MAX, AFS_FORMAT_DEFAULT);
			exit(EXIT_OK);
		case ':':
			log_err("option %s needs an argument (see --help)", argv[optind - 1]);
			rc = EXIT_USAGE;
			break;
		default:
			log_err("unknown option %s (see --help)", argv[optind - 1]);
			rc = EXIT_USAGE;
			break;
		}
	}
	if (rc)
		return rc;
	if (optind != argc - 1) {
		log_err(optind == argc ? "no CIPHERDIR given (see --help)"
				       : "only one CIPHERDIR may be given (see --help)");
		return EXIT_USAGE;
	}
	o->dir = argv[optind];
	if (o->ks.ks_src == TU_SRC_KEYRING && o->kdf_given) {
		log_err("--keyring makes no keyslot: the --argon2-* options do not apply");
		return EXIT_USAGE;
	}
	if (o->ks.ks_src == TU_SRC_KEYRING)
		o->recovery = false;
	return tu_kdf_check(&o->kdf);
}

/*
 * Whether @dir can become a volume: a directory that is empty, or a name
 * that does not exist yet in an existing directory.  Lists up to three
 * names (the first in sort order, so that messages are stable) of what is
 * in the way.
 */
static int check_dir(const char *dir, bool *exists)
{
	char first[3][256] = { "" }, *copy, *parent;
	unsigned int count = 0;
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (stat(dir, &st) < 0) {
		if (errno != ENOENT) {
			log_err("%s: %s", dir, strerror(errno));
			return EXIT_CIPHERDIR;
		}
		*exists = false;
		copy = strdup(dir);
		if (!copy) {
			log_err("%s", strerror(ENOMEM));
			return EXIT_ERROR;
		}
		parent = dirname(copy);
		if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
			log_err("cannot create %s: %s %s", dir, parent,
				errno == ENOENT ? "does not exist" : "is not a directory");
			free(copy);
			return EXIT_CIPHERDIR;
		}
		free(copy);
		return EXIT_OK;
	}
	*exists = true;
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s exists and is not a directory", dir);
		return EXIT_CIPHERDIR;
	}
	d = opendir(dir);
	if (!d) {
		log_err("%s: %s", dir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, AFS_CONF_NAME)) {
			closedir(d);
			log_err("%s is already an algfs volume (it holds %s): nothing was changed",
				dir, AFS_CONF_NAME);
			return EXIT_CIPHERDIR;
		}
		count++;
		/* Keep the three smallest names, sorted. */
		for (int i = 0; i < 3; i++) {
			if (first[i][0] && strcmp(e->d_name, first[i]) >= 0)
				continue;
			for (int j = 2; j > i; j--)
				memcpy(first[j], first[j - 1], sizeof(first[j]));
			snprintf(first[i], sizeof(first[i]), "%s", e->d_name);
			break;
		}
	}
	closedir(d);
	if (count) {
		char list[1024];
		int n = 0;

		for (unsigned int i = 0; i < count && i < 3; i++)
			n += snprintf(list + n, sizeof(list) - (size_t)n, "%s'%s'",
				      i == 0 ? "" : (i + 1 == count ? " and " : ", "), first[i]);
		if (count > 3)
			snprintf(list + n, sizeof(list) - (size_t)n, " and %u more", count - 3);
		log_err("%s is not empty (it holds %s): a volume is made only in an empty "
			"directory",
			dir, list);
		return EXIT_CIPHERDIR;
	}
	return EXIT_OK;
}

/* Remove what this run wrote, newest first. */
static void undo_all(const struct undo *u)
{
	char path[4096];

	if (u->wrote_conf) {
		snprintf(path, sizeof(path), "%s/%s", u->dir, AFS_CONF_NAME);
		unlink(path);
	}
	if (u->wrote_diriv) {
		snprintf(path, sizeof(path), "%s/%s", u->dir, AFS_DIRIV_NAME);
		unlink(path);
	}
	if (u->made_dir && rmdir(u->dir) < 0)
		log_warn("could not remove %s again: %s", u->dir, strerror(errno));
}

/* The root directory's IV.  Read-only, as algfs.conf: it must never change. */
static int write_diriv(const char *dir, struct undo *u)
{
	uint8_t iv[AFS_DIRIV_LEN];
	int dfd, err;

	err = ac_random(iv, sizeof(iv));
	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	err = afs_write_atomic(dfd, AFS_DIRIV_NAME, iv, sizeof(iv), 0400);
	close(dfd);
	/* The directory was empty: whatever algfs.diriv is there now is ours,
	 * even after a failed fsync of the directory. */
	u->wrote_diriv = true;
	return err;
}

/* RFC 9562 version 4: random, with the version and variant bits set. */
static void uuid_set_v4(uint8_t uuid[AFS_UUID_LEN])
{
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

/* Seal one keyslot, with the message a failure deserves. */
static int seal_slot(struct ac_ctx *ctx, struct afs_config *cfg, enum afs_slot_type type,
		     const struct afs_kdf *kdf, const uint8_t *secret, size_t len,
		     const uint8_t *mk)
{
	int err =
		afs_slot_seal(ctx, cfg->uuid, type, kdf, secret, len, mk, &cfg->slots[cfg->nslots]);

	if (err) {
		log_err("cannot make the %s keyslot: %s", afs_slot_type_name(type),
			err == -ENOMEM ? "Argon2id could not get its memory (lower "
					 "--argon2-memory)"
				       : strerror(-err));
		return err == -ENOMEM ? EXIT_ERROR : tu_exit_status(err);
	}
	cfg->nslots++;
	return EXIT_OK;
}

static void print_summary(const struct mkfs_opts *o, const struct afs_config *cfg)
{
	char uuid[AFS_UUID_STR_LEN + 1];

	afs_uuid_str(cfg->uuid, uuid);
	printf("Created algfs volume %s in %s\n", uuid, o->dir);
	printf("  format:      %u\n", cfg->format);
	printf("  block size:  %u bytes\n", cfg->block_size);
	printf("  file names:  %s\n",
	       cfg->names == AFS_NAMES_PLAINTEXT ? "plaintext" : "encrypted");
	if (cfg->keyring_only) {
		char desc[AFS_KEYDESC_LEN + 1];

		afs_key_description(cfg, desc);
		printf("  keyslots:    none: the master key is the keyring key '%s'\n",
		       o->ks.ks_arg);
		printf("To mount, that key must be in the kernel keyring as '%s';\n"
		       "keep it safe: without it the volume cannot be read.\n",
		       desc);
		return;
	}
	printf("  keyslots:   ");
	for (unsigned int i = 0; i < cfg->nslots; i++)
		printf("%s %u %s", i ? "," : "", i, afs_slot_type_name(cfg->slots[i].type));
	printf(" (Argon2id t=%u m=%u KiB p=%u)\n", cfg->slots[0].kdf.t_cost,
	       cfg->slots[0].kdf.m_cost, cfg->slots[0].kdf.lanes);
}

static void print_recovery(const struct mkfs_opts *o, const uint8_t *rk)
{
	char text[TU_RECOVERY_TEXT_LEN + 1];

	tu_recovery_format(rk, text);
	if (o->quiet) {
		printf("%s\n", text);
	} else {
		printf("\nRecovery key (shown only now; it opens the volume if the %s is lost):\n"
		       "\n    %s\n\n"
		       "Write it down and keep it safe, away from the volume: anyone who has it\n"
		       "can read the data.  Unlock with it: algfsctl unlock --recovery %s\n",
		       tu_keysrc_noun(&o->ks), text, o->dir);
	}
	ac_wipe(text, sizeof(text));
}

/* The master key, its handle, and the keyslots, all before any write. */
static int make_keys(const struct mkfs_opts *o, struct ac_ctx *ctx, struct afs_config *cfg,
		     const struct tu_secret *secret, uint8_t *mk, uint8_t *rk, struct ac_key **keyp)
{
	struct afs_volkey vk;
	int err, rc;

	if (o->ks.ks_src == TU_SRC_KEYRING) {
		err = ac_key_from_keyring_desc(ctx, AC_ALG_HMAC, o->ks.ks_arg, keyp);
		if (err) {
			/* For these the crypto layer has named the key and the cause. */
			if (err != -ENOKEY && err != -ENOPROTOOPT && err != -EINVAL)
				log_err("cannot use the keyring key '%s' as the master key: %s",
					o->ks.ks_arg, strerror(-err));
			return EXIT_KEYRING;
		}
		rc = tu_keyring_key_vet(o->ks.ks_arg, o->format);
		if (rc)
			return rc;
	} else {
		err = ac_random(mk, AC_KEY_LEN);
		if (!err)
			err = ac_key_new(ctx, AC_ALG_HMAC, mk, AC_KEY_LEN, keyp);
		if (err) {
			log_err("cannot make a master key: %s", strerror(-err));
			return tu_exit_status(err);
		}
	}
	vk = afs_volkey_of(cfg, *keyp);
	err = afs_key_check_value(&vk, cfg->key_check);
	if (err) {
		log_err("cannot compute the key-check value: %s", strerror(-err));
		return tu_exit_status(err);
	}
	if (o->ks.ks_src == TU_SRC_KEYRING)
		return EXIT_OK;
	rc = seal_slot(ctx, cfg, tu_keysrc_slot_type(&o->ks), &o->kdf, secret->s_buf, secret->s_len,
		       mk);
	if (!rc && o->recovery) {
		err = ac_random(rk, TU_RECOVERY_LEN);
		if (err) {
			log_err("cannot make a recovery key: %s", strerror(-err));
			return tu_exit_status(err);
		}
		rc = seal_slot(ctx, cfg, AFS_SLOT_RECOVERY, &o->kdf, rk, TU_RECOVERY_LEN, mk);
	}
	return rc;
}

/* Write the volume; on failure, @u says what to remove. */
static int write_volume(const struct mkfs_opts *o, bool exists, struct afs_config *cfg,
			struct ac_key *key, struct undo *u)
{
	int err;

	if (!exists) {
		if (mkdir(o->dir, 0700) < 0) {
			log_err("cannot create %s: %s", o->dir, strerror(errno));
			return EXIT_CIPHERDIR;
		}
		u->made_dir = true;
	}
	if (cfg->names == AFS_NAMES_ENCRYPTED) {
		err = write_diriv(o->dir, u);
		if (err) {
			log_err("cannot write %s/%s: %s", o->dir, AFS_DIRIV_NAME, strerror(-err));
			return EXIT_ERROR;
		}
	}
	if (tu_interrupted())
		return 128 + tu_interrupted();
	err = afs_config_write(o->dir, cfg, key);
	if (err) {
		log_err("cannot write %s/%s: %s", o->dir, AFS_CONF_NAME, strerror(-err));
		return EXIT_ERROR;
	}
	u->wrote_conf = true;
	if (tu_interrupted())
		return 128 + tu_interrupted();
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct mkfs_opts o = {
		.block_size = AFS_BLOCK_SIZE_DEFAULT,
		.format = AFS_FORMAT_DEFAULT,
		.names = AFS_NAMES_ENCRYPTED,
		.kdf = AFS_KDF_DEFAULT,
		.recovery = true,
		.mode = AC_BACKEND_AUTO,
	};
	struct afs_config cfg = { 0 };
	struct tu_secret secret = { 0 };
	struct undo u = { 0 };
	struct ac_ctx *ctx = NULL;
	struct ac_key *key = NULL;
	uint8_t *mk = NULL, *rk = NULL;
	bool exists;
	int err, rc;

	tu_start(PROG);

	rc = parse_options(argc, argv, &o);
	if (rc)
		return rc;
	rc = check_dir(o.dir, &exists);
	if (rc)
		return rc;
	u.dir = o.dir;

	if (o.ks.ks_src != TU_SRC_KEYRING) {
		char what[512];

		/* Before the passphrase is asked for: it can still be stopped. */
		tu_kdf_floor_warn(&o.kdf, tu_keysrc_slot_type(&o.ks));
		snprintf(what, sizeof(what), "New passphrase for %s", o.dir);
		rc = tu_secret_read(&o.ks, what, true, "--passfile, --extpass or --keyfile",
				    &secret);
		if (rc)
			goto out;
	}
	rc = tu_crypto_init(o.mode, &ctx);
	if (rc)
		goto out;

	mk = ac_secure_alloc(AC_KEY_LEN);
	rk = ac_secure_alloc(TU_RECOVERY_LEN);
	if (!mk || !rk) {
		log_err("cannot allocate locked memory for the keys: %s", strerror(errno));
		rc = EXIT_ERROR;
		goto out;
	}
	err = ac_random(cfg.uuid, sizeof(cfg.uuid));
	if (err) {
		log_err("cannot draw a UUID: %s", strerror(-err));
		rc = EXIT_ERROR;
		goto out;
	}
	uuid_set_v4(cfg.uuid);
	cfg.format = o.format;
	cfg.block_size = o.block_size;
	cfg.names = o.names;
	cfg.keyring_only = o.ks.ks_src == TU_SRC_KEYRING;

	tu_signals_at_once(true); /* nothing is on disk yet */
	rc = make_keys(&o, ctx, &cfg, &secret, mk, rk, &key);
	tu_signals_at_once(false);
	/* The secret and the master key's bytes are no longer needed. */
	tu_secret_free(&secret);
	ac_secure_free(mk);
	mk = NULL;
	if (!rc && tu_interrupted())
		rc = 128 + tu_interrupted();
	if (!rc)
		rc = write_volume(&o, exists, &cfg, key, &u);
	if (rc) {
		undo_all(&u);
		goto out;
	}

	if (!o.quiet)
		print_summary(&o, &cfg);
	if (o.recovery)
		print_recovery(&o, rk);
	/* A recovery key nobody saw is worse than no volume. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_err("cannot write to standard output (%s): the volume was removed again",
			strerror(errno));
		undo_all(&u);
		rc = EXIT_ERROR;
	}
out:
	ac_key_put(key);
	ac_ctx_free(ctx);
	tu_secret_free(&secret);
	ac_secure_free(mk);
	ac_secure_free(rk);
	ac_wipe(&cfg, sizeof(cfg));
	/* Once the volume is complete, a late signal no longer undoes it. */
	if (rc && tu_interrupted()) {
		log_err("interrupted: nothing was created");
		tu_die_of_signal();
	}
	return rc;
}
