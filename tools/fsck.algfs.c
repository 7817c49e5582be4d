// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsck.algfs - check an algfs volume, and repair what can be repaired.
 *
 * In order: options, the volume's config, the key (unlock.c, as algfs
 * finds it), the volume lock (or, with -n on a mounted volume, a warning),
 * the walk over the ciphertext tree with the content checks
 * (tools/fsck/walk.c, content.c), the repairs the mode allows (repair.c),
 * the report (report.c) and fsck(8)'s exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cipherdir.h"
#include "exitcodes.h"
#include "fsck/fsck.h"
#include "options.h"
#include "process.h"
#include "unlock.h"
#include "version.h"

#define PROG "fsck.algfs"

enum {
	OPT_FAST = 256,
	OPT_JSON,
	OPT_ZERO_DAMAGED,
	OPT_PASSFILE,
	OPT_KEYFILE,
	OPT_EXTPASS,
	OPT_KEYDESC,
	OPT_CRYPTO,
	OPT_NO = 'n',
	OPT_YES = 'y',
	OPT_PREEN = 'p',
	OPT_AUTO = 'a',
	OPT_FORCE = 'f',
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_MOUNTOPTS = 'o',
	OPT_TYPE = 't',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
};

/* Every option, once: getopt_long() and --help are made from this table. */
static const struct tu_option options[] = {
	{ "no", 'n', NULL, OPT_NO, 1, "check only: change nothing (allowed on a mounted volume)" },
	{ "yes", 'y', NULL, OPT_YES, 1, "repair everything that can be repaired, without asking" },
	{ "preen", 'p', NULL, OPT_PREEN, 1, "repair only what is always safe, without asking" },
	{ NULL, 'a', NULL, OPT_AUTO, 1, "the same as -p" },
	{ "fast", 0, NULL, OPT_FAST, 1,
	  "do not check the content blocks' tags (everything else is checked)" },
	{ "json", 0, NULL, OPT_JSON, 1, "print the report as one JSON object on standard output" },
	{ "zero-damaged", 0, NULL, OPT_ZERO_DAMAGED, 1,
	  "with a repair: make damaged blocks into holes (zeros), after saving their "
	  "ciphertext in the quarantine, instead of moving the file there" },
	{ "passfile", 0, "FILE", OPT_PASSFILE, 1,
	  "read the passphrase from the first line of FILE (only its owner may read it)" },
	{ "keyfile", 0, "FILE", OPT_KEYFILE, 1,
	  "use every byte of FILE as the key (a keyfile slot; only its owner may read it)" },
	{ "extpass", 0, "CMD", OPT_EXTPASS, 1,
	  "run CMD with /bin/sh -c; its first line is the passphrase" },
	{ "key-desc", 0, "DESC", OPT_KEYDESC, 1,
	  "use the keyring key DESC (default algfs:<uuid>)" },
	{ "crypto", 0, "MODE", OPT_CRYPTO, 1,
	  "crypto backend: auto (default), kernel (AF_ALG) or user (OpenSSL)" },
	{ NULL, 'o', "OPTIONS", OPT_MOUNTOPTS, 1,
	  "algfs's key options as in fstab: passfile=FILE, keyfile=FILE, extpass=CMD, "
	  "keydesc=DESC (others are ignored)" },
	{ NULL, 'f', NULL, OPT_FORCE, 1, "accepted and ignored (fsck(8) passes it)" },
	{ NULL, 't', "TYPE", OPT_TYPE, 1, "accepted when TYPE is algfs or fuse.algfs" },
	{ "quiet", 'q', NULL, OPT_QUIET, 1, "no progress line and no summary" },
	{ "verbose", 'v', NULL, OPT_VERBOSE, 1,
	  "also name each directory as it is checked (on standard error)" },
	{ "help", 'h', NULL, OPT_HELP, 1, "show this help and exit" },
	{ "version", 'V', NULL, OPT_VERSION, 1, "show the version and exit" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

struct fsck_args {
	struct tu_unlock_src src;
	enum ac_backend_mode crypto;
	struct fk_opts opts;
	bool mode_given;
	const char *dir;
	char *mountopts[8]; /* copies of -o's arguments, which src points into */
	unsigned int nmountopts;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [OPTION]... CIPHERDIR\n"
		"Check the algfs volume in CIPHERDIR: its configuration, every directory's IV,\n"
		"every name, symlink target and xattr, every file's header and size, and every\n"
		"content block's tag; repair what can be repaired.\n"
		"\n"
		"The key is found as algfs finds it: --passfile, --keyfile or --extpass if\n"
		"given, else the volume's key in the kernel keyring (algfs:<uuid>), else the\n"
		"passphrase asked on the terminal.  Without -n, -y or -p, each repair is asked\n"
		"for on the terminal; with no terminal nothing is changed, as with -n.\n"
		"\n"
		"Options:\n");
	tu_print_options(f, options, NOPTIONS, 1);
	fprintf(f, "\n"
		   "Exit status (fsck(8)): 0 no damage; 1 damage found and all of it repaired;\n"
		   "4 damage left; 8 operational error (no key, unreadable volume, volume\n"
		   "mounted without -n); 16 usage; 32 cancelled.  See fsck.algfs(8).\n");
}

static int set_mode(struct fsck_args *a, enum fk_mode mode, int opt)
{
	if (a->mode_given && a->opts.mode != mode) {
		log_err("-%c: only one of -n, -y and -p may be given", opt);
		return EXIT_USAGE;
	}
	a->mode_given = true;
	a->opts.mode = mode;
	return EXIT_OK;
}

/* -o passfile=F,keyfile=F,extpass=CMD,keydesc=D: fstab's words for the key. */
static int mount_options(struct fsck_args *a, const char *arg)
{
	char *save = NULL, *opt, *copy;

	if (a->nmountopts == sizeof(a->mountopts) / sizeof(a->mountopts[0])) {
		log_err("-o %s: too many -o options", arg);
		return EXIT_USAGE;
	}
	copy = strdup(arg);
	if (!copy) {
		log_err("out of memory");
		return EXIT_USAGE;
	}
	a->mountopts[a->nmountopts++] = copy;
	for (opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		if (!strncmp(opt, "passfile=", 9))
			a->src.passfile = opt + 9;
		else if (!strncmp(opt, "keyfile=", 8))
			a->src.keyfile = opt + 8;
		else if (!strncmp(opt, "extpass=", 8))
			a->src.extpass = opt + 8;
		else if (!strncmp(opt, "keydesc=", 8))
			a->src.keydesc = opt + 8;
	}
	return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct fsck_args *a)
{
	struct tu_getopt g;
	int c, rc = EXIT_OK;

	tu_getopt_init(options, NOPTIONS, 1, &g);
	while (!rc && (c = getopt_long(argc, argv, g.g_short, g.g_long, NULL)) != -1) {
		switch (c) {
		case OPT_NO:
			rc = set_mode(a, FK_MODE_CHECK, c);
			break;
		case OPT_YES:
			rc = set_mode(a, FK_MODE_YES, c);
			break;
		case OPT_PREEN:
		case OPT_AUTO:
			rc = set_mode(a, FK_MODE_PREEN, c);
			break;
		case OPT_FAST:
			a->opts.fast = true;
			break;
		case OPT_JSON:
			a->opts.json = true;
			break;
		case OPT_ZERO_DAMAGED:
			a->opts.zero_damaged = true;
			break;
		case OPT_PASSFILE:
			a->src.passfile = optarg;
			break;
		case OPT_KEYFILE:
			a->src.keyfile = optarg;
			break;
		case OPT_EXTPASS:
			a->src.extpass = optarg;
			break;
		case OPT_KEYDESC:
			a->src.keydesc = optarg;
			break;
		case OPT_CRYPTO:
			rc = tu_parse_crypto_mode(optarg, &a->crypto);
			break;
		case OPT_MOUNTOPTS:
			rc = mount_options(a, optarg);
			break;
		case OPT_FORCE:
			break;
		case OPT_TYPE:
			if (strcmp(optarg, "algfs") && strcmp(optarg, "fuse.algfs")) {
				log_err("-t %s: " PROG " checks only type algfs", optarg);
				rc = EXIT_USAGE;
			}
			break;
		case OPT_QUIET:
			a->opts.quiet = true;
			break;
		case OPT_VERBOSE:
			a->opts.verbose = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(FK_EXIT_OK);
		case OPT_VERSION:
			printf(PROG " (algfs) " ALGFS_VERSION ", volume formats %d to %d\n",
			       AFS_FORMAT_MIN, AFS_FORMAT_MAX);
			exit(FK_EXIT_OK);
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
	a->dir = argv[optind];
	/* Without a mode the questions decide (settle_mode()). */
	if (a->opts.zero_damaged && a->mode_given && a->opts.mode != FK_MODE_YES) {
		log_err("--zero-damaged changes files: it needs -y, or the questions on a "
			"terminal (not -n or -p)");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Without -n, -y or -p: ask on the terminal, or only check where there is none. */
static void settle_mode(struct fsck_args *a)
{
	if (a->mode_given)
		return;
	a->opts.mode = tu_have_terminal() && isatty(STDIN_FILENO) ? FK_MODE_ASK : FK_MODE_CHECK;
	if (a->opts.mode == FK_MODE_CHECK && a->opts.zero_damaged)
		log_warn("no terminal to ask on: checking only, --zero-damaged does nothing");
}

/* The volume lock, or, with -n on a mounted volume, a warning.
 * Return: an fsck exit status. */
static int lock_volume(struct fk_vol *v, struct tu_vlock *lock)
{
	char mnt[4096];
	int rc;

	if (v->opts.mode == FK_MODE_CHECK && !tu_find_mount(v->cipherdir, NULL, mnt, sizeof(mnt))) {
		log_warn("%s is mounted on %s: the result may be stale", v->cipherdir, mnt);
		v->opts.mounted = true;
		return FK_EXIT_OK;
	}
	rc = tu_volume_lock(v->cipherdir, v->cipherdir, false, lock);
	return rc ? FK_EXIT_OPERATIONAL : FK_EXIT_OK;
}

/* The keys the walk needs, from the master key. */
static int derive_keys(struct fk_vol *v)
{
	int err = 0;

	v->vk = afs_volkey_of(v->cfg, v->mk);
	if (v->cfg->names == AFS_NAMES_ENCRYPTED)
		err = afs_subkey(&v->vk, AFS_KEY_NAMES, NULL, &v->names_key);
	if (!err)
		err = afs_subkey(&v->vk, AFS_KEY_XATTR_NAME, NULL, &v->xattr_key);
	if (err)
		log_err("cannot derive the volume's keys: %s", strerror(-err));
	return err;
}

/* Check, repair, report.  Return: the exit status. */
static int run(struct fk_vol *v)
{
	int err, status;

	fk_progress_start(v);
	err = fk_walk(v);
	if (err) {
		log_err("%s: the check could not go on: %s", v->cipherdir, strerror(-err));
		fk_problems_sort(v);
		fk_report_print(v, stdout, FK_EXIT_OPERATIONAL);
		return FK_EXIT_OPERATIONAL;
	}
	fk_problems_sort(v);
	if (tu_interrupted())
		v->cancelled = true;
	if (!v->cancelled && v->opts.mode != FK_MODE_CHECK) {
		err = fk_repair_all(v);
		if (err)
			log_err("%s: cannot repair: %s", v->cipherdir, strerror(-err));
	}
	if (tu_interrupted())
		v->cancelled = true;
	status = fk_exit_status(v);
	if (status != FK_EXIT_CANCELLED && (v->io_error || err))
		status = FK_EXIT_OPERATIONAL;
	fk_report_print(v, stdout, status);
	if (status == FK_EXIT_CANCELLED)
		log_err("interrupted: the check is incomplete, and nothing was repaired after it");
	return status;
}

/* algfs.conf failed its MAC: one problem, nothing else can be trusted. */
static int tampered(struct fk_vol *v)
{
	if (!fk_problem_add(v, FK_CONFIG_TAMPERED, NULL, AFS_CONF_NAME,
			    "%s fails its MAC: it was changed after it was written",
			    AFS_CONF_NAME))
		return FK_EXIT_OPERATIONAL;
	fk_report_print(v, stdout, FK_EXIT_UNCORRECTED);
	return FK_EXIT_UNCORRECTED;
}

int main(int argc, char **argv)
{
	struct fsck_args a = { .src.long_opts = true, .crypto = AC_BACKEND_AUTO };
	/* The checking threads keep every CPU busy; the crypto layer's batch
	 * helpers only slowed them (1 GiB: 0.72 s without, 1.0 s with). */
	struct ac_options copts = { .io = AC_IO_AUTO, .batch_threads = 1 };
	struct afs_config cfg;
	struct fk_vol v;
	char *dir = NULL;
	struct tu_vlock lock = { -1, -1 };
	int rc;

	memset(&v, 0, sizeof(v));
	v.rootfd = -1;
	pthread_mutex_init(&v.lock, NULL);
	tu_start(PROG);
	rc = parse_args(argc, argv, &a);
	if (rc) {
		rc = FK_EXIT_USAGE;
		goto out;
	}
	settle_mode(&a);
	v.opts = a.opts;
	v.cfg = &cfg;
	rc = FK_EXIT_OPERATIONAL;
	dir = realpath(a.dir, NULL);
	if (!dir) {
		log_err("%s: %s", a.dir, strerror(errno));
		goto out;
	}
	v.cipherdir = dir;
	if (tu_config_read(dir, &cfg))
		goto out;
	if (lock_volume(&v, &lock))
		goto out;
	copts.mode = a.crypto;
	if (tu_crypto_init_opts(&copts, &v.ctx))
		goto out;
	rc = tu_unlock(dir, &cfg, v.ctx, &a.src, &v.mk);
	if (rc == EXIT_TAMPERED) {
		rc = tampered(&v);
		goto out;
	}
	if (rc || tu_interrupted()) {
		rc = tu_interrupted() ? FK_EXIT_CANCELLED : FK_EXIT_OPERATIONAL;
		goto out;
	}
	rc = FK_EXIT_OPERATIONAL;
	if (derive_keys(&v))
		goto out;
	v.rootfd = fk_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v.rootfd < 0) {
		log_err("%s: %s", dir, strerror(errno));
		goto out;
	}
	rc = run(&v);
out:
	if (v.rootfd >= 0)
		close(v.rootfd);
	tu_volume_unlock(&lock);
	fk_problems_free(&v);
	ac_key_put(v.names_key);
	ac_key_put(v.xattr_key);
	ac_key_put(v.mk);
	ac_ctx_free(v.ctx);
	for (unsigned int i = 0; i < a.nmountopts; i++)
		free(a.mountopts[i]);
	free(dir);
	return rc;
}
