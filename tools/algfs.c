// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * algfs - mount an algfs volume: CIPHERDIR (ciphertext) on MOUNTPOINT
 * (plaintext), served through libfuse's low-level API by fs/.
 *
 * Start-up, in order: options (every unknown one refused at once), the
 * volume's config and the mount point, then, unless -f, a fork whose
 * parent waits until the child reports the mount ready or fails (so that
 * the exit status, and so mount(8), says whether the volume is mounted);
 * the child finds the key, unlocks, mounts, detaches and serves
 * (daemon.c).  Run as mount.algfs, it first turns mount(8)'s command line
 * into its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cipherdir.h"
#include "daemon.h"
#include "exitcodes.h"
#include "fuse_fs.h"
#include "log.h"
#include "options.h"
#include "process.h"
#include "unlock.h"
#include "version.h"

struct options {
	char *cipherdir; /* as given */
	char *mountpoint;
	char *source; /* both made absolute and canonical */
	char *target;
	char *passfile;
	char *keyfile;
	char *extpass;
	char *keydesc;
	char *crypto;
	char *afalg_io;
	char *crypto_threads;
	char *idle;
	double timeout;
	double idle_s;
	int no_writeback;
	int shared;
	int atime; /* enum afs_atime */
	int nodiratime;
	int foreground;
	int debug;
	int single;
	int help;
	int version;
	int allow_other;
	int read_only;
	int nargs;
	bool helper; /* run by mount(8) as mount.algfs */
	bool sloppy; /* mount -s: unknown options are warnings */
	bool fake; /* mount -f: check everything, mount nothing */
	unsigned int unknown; /* unknown options seen */
};

enum {
	KEY_FOREGROUND,
	KEY_DEBUG,
	KEY_SINGLE,
	KEY_HELP,
	KEY_VERSION,
	KEY_ALLOW_OTHER,
	KEY_RO,
	KEY_RW,
	KEY_FUSE_SETS,
};

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
#define DISCARD(t) FUSE_OPT_KEY(t, FUSE_OPT_KEY_DISCARD)
static const struct fuse_opt opt_spec[] = {
	OPT("passfile=%s", passfile),
	OPT("keyfile=%s", keyfile),
	OPT("extpass=%s", extpass),
	OPT("keydesc=%s", keydesc),
	OPT("crypto=%s", crypto),
	OPT("afalg_io=%s", afalg_io),
	OPT("crypto_threads=%s", crypto_threads),
	OPT("timeout=%lf", timeout),
	OPT("idle=%s", idle),
	OPT("no_writeback", no_writeback),
	OPT("sharedstorage", shared),
	FUSE_OPT_KEY("-f", KEY_FOREGROUND),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("-s", KEY_SINGLE),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	/* Access times: the daemon moves them (the kernel leaves a FUSE
	 * file's atime to it); "noatime" also goes to the kernel, for the
	 * mount table (libfuse passes on no other of these). */
	{ "atime", offsetof(struct options, atime), AFS_ATIME_STRICT },
	{ "strictatime", offsetof(struct options, atime), AFS_ATIME_STRICT },
	{ "norelatime", offsetof(struct options, atime), AFS_ATIME_STRICT },
	{ "relatime", offsetof(struct options, atime), AFS_ATIME_RELATIME },
	{ "nostrictatime", offsetof(struct options, atime), AFS_ATIME_RELATIME },
	{ "noatime", offsetof(struct options, atime), AFS_ATIME_NONE },
	FUSE_OPT_KEY("noatime", FUSE_OPT_KEY_KEEP),
	{ "diratime", offsetof(struct options, nodiratime), 0 },
	{ "nodiratime", offsetof(struct options, nodiratime), 1 },
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_KEY("rw", KEY_RW),
	/* The mount table must name the volume: algfs sets these itself. */
	FUSE_OPT_KEY("fsname=", KEY_FUSE_SETS),
	FUSE_OPT_KEY("subtype=", KEY_FUSE_SETS),
	/*
	 * fstab words that mount(8) or systemd have acted on before algfs
	 * runs (when and by whom to mount, whether a failure matters), or
	 * that ask for what FUSE does anyway: accepted and dropped, so that
	 * one fstab line serves mount(8), mount.fuse3 and systemd alike.
	 * "x-*" and "comment=" (notes for other programs) go in opt_proc().
	 */
	DISCARD("defaults"),
	DISCARD("auto"),
	DISCARD("noauto"),
	DISCARD("user"),
	DISCARD("nouser"),
	DISCARD("users"),
	DISCARD("owner"),
	DISCARD("group"),
	DISCARD("nofail"),
	DISCARD("_netdev"),
	FUSE_OPT_END,
};

/* Options algfs leaves to libfuse and the kernel; anything else unknown is
 * refused before anything is unlocked or mounted. */
static const char *const fuse_mount_opts[] = {
	"allow_root", "auto_unmount", "default_permissions",
	"suid", "nosuid", "dev", "nodev", "exec", "noexec",
	"async", "sync", "dirsync",
	"max_read=", "blksize=", "context=", "fscontext=", "defcontext=", "rootcontext=",
};

static bool is_fuse_mount_opt(const char *arg)
{
	for (size_t i = 0; i < sizeof(fuse_mount_opts) / sizeof(fuse_mount_opts[0]); i++) {
		const char *t = fuse_mount_opts[i];
		size_t n = strlen(t);

		if (t[n - 1] == '=' ? !strncmp(arg, t, n) : !strcmp(arg, t))
			return true;
	}
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: algfs [OPTION]... CIPHERDIR MOUNTPOINT\n"
		"Mount the algfs volume in CIPHERDIR on MOUNTPOINT.\n"
		"\n"
		"The key is the volume's key in the kernel keyring (algfs:<uuid>, see\n"
		"algfsctl unlock), or else the passphrase, asked on the terminal, unless\n"
		"passfile, keyfile or extpass is given.\n"
		"\n"
		"Options:\n"
		"  -o passfile=FILE     read the passphrase from the first line of FILE\n"
		"                       (only its owner may read it)\n"
		"  -o keyfile=FILE      use every byte of FILE as the key (a keyfile slot;\n"
		"                       only its owner may read it)\n"
		"  -o extpass=CMD       run CMD with /bin/sh -c; its first line is the\n"
		"                       passphrase\n"
		"  -o keydesc=DESC      use the keyring key DESC (default algfs:<uuid>)\n"
		"  -o crypto=MODE       crypto backend: auto (default), kernel (AF_ALG) or\n"
		"                       user (OpenSSL)\n"
		"  -o afalg_io=METHOD   how the kernel backend hands data to AF_ALG: auto\n"
		"                       (default: uring where io_uring works, else\n"
		"                       sendmsg), uring, sendmsg or splice\n"
		"  -o crypto_threads=N  threads that share the cipher work of one large\n"
		"                       request (user backend): 1 (default) to 64, or\n"
		"                       online (one per CPU; only CPUs that are idle)\n"
		"  -o ro                mount read-only\n"
		"  -o rw                mount read-write (the default)\n"
		"  -o allow_other       let other users in (as root: each creates files as\n"
		"                       themselves; permissions are checked by the kernel)\n"
		"  -o idle=DURATION     unmount after DURATION without a request (90, 90s,\n"
		"                       15m, 2h, 1d), once nothing on it is in use\n"
		"  -o timeout=SECONDS   how long the kernel caches names and attributes\n"
		"                       (default 1; 0.1 with sharedstorage)\n"
		"  -o no_writeback      no kernel writeback cache (each write goes to the\n"
		"                       daemon at once)\n"
		"  -o sharedstorage     other daemons, here or on other machines, mount the\n"
		"                       volume too (network storage): no writeback cache,\n"
		"                       timeout 0.1, locks forwarded to the backing files\n"
		"  -o relatime          a read moves a file's access time when that is not\n"
		"                       after its mtime and ctime, or is a day old (the\n"
		"                       default)\n"
		"  -o strictatime       every read moves it (also: atime)\n"
		"  -o noatime           no read moves it\n"
		"  -o nodiratime        no listing moves a directory's\n"
		"  -o OPTION            FUSE mount options (nosuid, nodev, noexec,\n"
		"                       ...), and fstab's (defaults, noauto, nofail, user,\n"
		"                       _netdev, x-systemd.*, ...), which it ignores\n"
		"  -f                   stay in the foreground, log to standard error\n"
		"  -d                   debug: -f and every FUSE request logged\n"
		"  -s                   one thread\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Exit status: 0 mounted (without -f) or unmounted cleanly (with -f);\n"
		"2 usage; 6 CIPHERDIR is not a volume; 7 corrupt config; 8 config\n"
		"changed; 12 wrong key; 13 keyring; 15 no passphrase; 16 no crypto\n"
		"backend; 17 the mount failed or the volume is mounted there already;\n"
		"18 a key file that others can read; 1 other errors.  Unmount with\n"
		"umount MOUNTPOINT or fusermount3 -u MOUNTPOINT.  See algfs(8).\n");
}

static void helper_usage(FILE *f)
{
	fprintf(f,
		"Usage: mount.algfs CIPHERDIR MOUNTPOINT [-sfnv] [-o OPTIONS]\n"
		"The mount helper that mount(8) runs for fstab entries of type algfs;\n"
		"the OPTIONS are algfs's (algfs --help).  -s: warn about unknown options\n"
		"instead of failing; -f: check everything but do not mount; -n, -v:\n"
		"ignored.  See algfs(8).\n");
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct options *o = data;

	(void)outargs;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (o->nargs == 0)
			o->cipherdir = strdup(arg);
		else if (o->nargs == 1)
			o->mountpoint = strdup(arg);
		o->nargs++;
		return 0;
	case FUSE_OPT_KEY_OPT:
		/* x-systemd.*, x-gvfs-*, comment=: notes for other programs. */
		if (!strncmp(arg, "x-", 2) || !strncmp(arg, "comment=", 8))
			return 0;
		if (is_fuse_mount_opt(arg))
			return 1;
		if (o->sloppy) {
			log_warn("ignoring the unknown mount option '%s' (mount -s)", arg);
			return 0;
		}
		if (arg[0] == '-')
			log_err("unknown option '%s'", arg);
		else
			log_err("unknown mount option '%s' (algfs --help lists them)", arg);
		o->unknown++;
		return 0;
	case KEY_FOREGROUND:
		o->foreground = 1;
		return 0;
	case KEY_DEBUG:
		o->foreground = o->debug = 1;
		return 1; /* libfuse logs the requests */
	case KEY_SINGLE:
		o->single = 1;
		return 0;
	case KEY_HELP:
		o->help = 1;
		return 0;
	case KEY_VERSION:
		o->version = 1;
		return 0;
	case KEY_ALLOW_OTHER:
		o->allow_other = 1;
		return 1;
	case KEY_RO:
	case KEY_RW:
		o->read_only = key == KEY_RO;
		return 1;
	case KEY_FUSE_SETS:
		log_err("mount option '%s': algfs sets fsname (to CIPHERDIR) and subtype itself",
			arg);
		o->unknown++;
		return 0;
	default:
		log_err("internal error: option key %d for '%s'", key, arg);
		o->unknown++;
		return 0;
	}
}

/*
 * mount(8) runs "mount.algfs SOURCE TARGET [-sfnv] [-N NS] [-o OPTIONS]
 * [-t TYPE]": turn that into algfs's own command line in @args.  -f means
 * "fake" there, not "foreground".
 */
static int helper_args(int argc, char **argv, struct options *o, struct fuse_args *args)
{
	int c, rc = 0;

	o->helper = true;
	if (fuse_opt_add_arg(args, "mount.algfs"))
		return EXIT_ERROR;
	opterr = 0;
	while (!rc && (c = getopt(argc, argv, "sfnvN:o:t:hV")) != -1) {
		switch (c) {
		case 's':
			o->sloppy = true;
			break;
		case 'f':
			o->fake = true;
			break;
		case 'n': /* no /etc/mtab to keep: the kernel's table is the one */
		case 'v':
			break;
		case 'N':
			log_err("-N %s: mounting in another mount namespace is not supported",
				optarg);
			rc = EXIT_USAGE;
			break;
		case 'o':
			if (fuse_opt_add_arg(args, "-o") || fuse_opt_add_arg(args, optarg))
				rc = EXIT_ERROR;
			break;
		case 't':
			if (strcmp(optarg, "algfs") && strcmp(optarg, "fuse.algfs")) {
				log_err("-t %s: mount.algfs mounts only type algfs", optarg);
				rc = EXIT_USAGE;
			}
			break;
		case 'h':
			o->help = 1;
			break;
		case 'V':
			o->version = 1;
			break;
		default:
			log_err("unknown option '-%c'", optopt);
			rc = EXIT_USAGE;
			break;
		}
	}
	for (int i = optind; !rc && i < argc; i++)
		if (fuse_opt_add_arg(args, argv[i]))
			rc = EXIT_ERROR;
	return rc;
}

/* Make both paths absolute and canonical (the daemon leaves its working
 * directory; the mount table and mount(8) compare canonical paths) and
 * refuse a mount point that cannot be one, or that has this volume on it. */
static int check_dirs(struct options *o)
{
	struct stat st;
	int err;

	o->target = realpath(o->mountpoint, NULL);
	err = !o->target || stat(o->target, &st) ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (err == ENOTCONN) {
		/* The mount of a daemon that was killed: the kernel still has it. */
		log_err("mount point %s: a dead FUSE mount is there (its daemon is gone); "
			"clear it with \"fusermount3 -u %s\" (as root: umount -l), then "
			"mount again",
			o->mountpoint, o->mountpoint);
		return EXIT_MOUNT;
	}
	if (err) {
		log_err("mount point %s: %s", o->mountpoint, strerror(err));
		return EXIT_MOUNT;
	}
	o->source = realpath(o->cipherdir, NULL);
	if (!o->source) {
		log_err("%s: %s", o->cipherdir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	err = tu_find_mount(o->source, o->target, NULL, 0);
	if (!err) {
		log_err("%s is already mounted on %s", o->source, o->target);
		return EXIT_MOUNT;
	}
	if (err && err != -ENOENT)
		log_warn("cannot read the mount table: %s", strerror(-err));
	return EXIT_OK;
}

/* Unlocked: mount, serve until the kernel ends the session, unmount. */
static int run_session(struct options *o, struct fuse_session *se, struct afs_fs *fs,
		       struct ac_ctx *ctx)
{
	struct td_control ctl = {
		.se = se,
		.mountpoint = o->target,
		.active = afs_fs_active(fs),
		.idle = o->idle_s,
	};
	int err, rc = EXIT_OK;

	if (fuse_session_mount(se, o->target)) {
		log_err("cannot mount %s on %s", o->cipherdir, o->mountpoint);
		return EXIT_MOUNT;
	}
	err = td_control_start(&ctl);
	if (err) {
		log_err("cannot start the control thread: %s", strerror(-err));
		fuse_session_unmount(se);
		return EXIT_ERROR;
	}
	/* A signal that came while mounting: handle it as any later one. */
	if (tu_interrupted())
		kill(getpid(), tu_interrupted());
	if (ac_ctx_fallback_reason(ctx))
		log_notice("mounted on %s (crypto backend: %s, because the kernel's is "
			   "unusable: %s)",
			   o->target, ac_backend_name(ctx), ac_ctx_fallback_reason(ctx));
	else
		log_notice("mounted on %s (crypto backend: %s)", o->target, ac_backend_name(ctx));
	td_ready();
	if (o->single)
		err = fuse_session_loop(se);
	else
		err = afs_session_loop(fs, se);
	afs_content_thread_exit();
	td_control_stop(&ctl);
	/* A detached mount ends when its last file is closed; some kernels
	 * (6.1) then report the connection as aborted rather than gone. */
	if (err == -ECONNABORTED && atomic_load(&ctl.unmounted))
		err = 0;
	if (err < 0) {
		log_err("the FUSE session ended with an error: %s", strerror(-err));
		rc = EXIT_ERROR;
	}
	/* Normally the kernel has unmounted already and this does nothing. */
	fuse_session_unmount(se);
	log_notice("unmounted from %s", o->target);
	if (o->crypto_threads) {
		struct ac_batch_stats bs;

		ac_batch_stats(ctx, &bs);
		log_notice("crypto_threads: helpers %u, large requests shared %" PRIu64
			   ", slices done by helpers %" PRIu64,
			   bs.helpers, bs.shared, bs.helper_slices);
	}
	return rc;
}

static int serve(struct options *o, struct fuse_args *args, const struct afs_config *cfg)
{
	struct afs_mount_opts mopts = {
		.timeout = o->timeout,
		.writeback = !o->no_writeback && !o->shared,
		.atime = (enum afs_atime)o->atime,
		.nodiratime = o->nodiratime,
		.shared = o->shared,
		.read_only = o->read_only,
		.multiuser = o->allow_other && geteuid() == 0,
		.default_permissions = true,
	};
	struct ac_options copts = { .mode = AC_BACKEND_AUTO, .io = AC_IO_AUTO };
	struct fuse_session *se = NULL;
	struct ac_ctx *ctx = NULL;
	struct ac_key *mk = NULL;
	struct afs_fs *fs;
	bool fs_ok = false;
	int rc, err;

	if (o->crypto) {
		rc = tu_parse_crypto_mode(o->crypto, &copts.mode);
		if (rc)
			return rc;
	}
	if (o->afalg_io) {
		rc = tu_parse_io_method("-o afalg_io=", o->afalg_io, &copts.io);
		if (rc)
			return rc;
	}
	if (o->crypto_threads) {
		rc = tu_parse_threads("-o crypto_threads=", o->crypto_threads,
				      &copts.batch_threads);
		if (rc)
			return rc;
	}
	fs = afs_fs_alloc();
	if (!fs) {
		log_err("out of memory");
		return EXIT_ERROR;
	}
	se = fuse_session_new(args, &afs_fuse_ops, sizeof(afs_fuse_ops), fs);
	if (!se) {
		log_err("bad FUSE options (see above)");
		afs_fs_free(fs);
		return EXIT_USAGE;
	}
	rc = tu_crypto_init_opts(&copts, &ctx);
	if (!rc)
		rc = tu_unlock(o->cipherdir, cfg, ctx,
			       &(struct tu_unlock_src){ .passfile = o->passfile,
							.keyfile = o->keyfile,
							.extpass = o->extpass,
							.keydesc = o->keydesc },
			       &mk);
	if (!rc) {
		err = afs_fs_init(fs, o->source, ctx, mk, cfg, &mopts);
		fs_ok = true;
		rc = err == -EUCLEAN ? EXIT_CIPHERDIR : err ? EXIT_ERROR : EXIT_OK;
	}
	if (!rc && tu_interrupted()) {
		log_err("interrupted before mounting");
		rc = 128 + tu_interrupted();
	}
	if (!rc) {
		signal(SIGPIPE, SIG_IGN);
		rc = run_session(o, se, fs, ctx);
	}
	fuse_session_destroy(se);
	if (fs_ok)
		afs_fs_destroy(fs);
	afs_fs_free(fs);
	ac_key_put(mk);
	ac_ctx_free(ctx);
	return rc;
}

/* After parsing: everything that can be refused before touching a key. */
static int check_options(struct options *o)
{
	if (o->unknown)
		return EXIT_USAGE;
	if (o->nargs != 2) {
		log_err(o->nargs < 2 ? "CIPHERDIR and MOUNTPOINT are needed"
				    : "too many arguments: only CIPHERDIR and MOUNTPOINT");
		if (o->helper)
			helper_usage(stderr);
		else
			usage(stderr);
		return EXIT_USAGE;
	}
	if (isnan(o->timeout)) /* not given: a shared volume changes behind our back */
		o->timeout = o->shared ? 0.1 : 1.0;
	else if (o->timeout < 0 || isinf(o->timeout)) {
		log_err("-o timeout: not a number of seconds");
		return EXIT_USAGE;
	}
	if (o->idle && td_parse_duration(o->idle, &o->idle_s)) {
		log_err("-o idle=%s: not a duration (90, 90s, 15m, 2h or 1d)", o->idle);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = { .timeout = NAN };
	struct afs_config cfg;
	char *fsname = NULL, *mountopts = NULL;
	const char *prog = strrchr(argv[0], '/');
	struct tu_vlock lock = { -1, -1 };
	int rc;

	prog = prog ? prog + 1 : argv[0];
	tu_start(strncmp(prog, "mount.", 6) ? "algfs" : "mount.algfs");
	if (!strncmp(prog, "mount.", 6)) {
		args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
		rc = helper_args(argc, argv, &o, &args);
		if (rc)
			goto out;
	}
	if (fuse_opt_parse(&args, &o, opt_spec, opt_proc)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.help) {
		o.helper ? helper_usage(stdout) : usage(stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (o.version) {
		printf("algfs " ALGFS_VERSION " (formats %d to %d), libfuse %s\n", AFS_FORMAT_MIN, AFS_FORMAT_MAX,
		       fuse_pkgversion());
		rc = EXIT_OK;
		goto out;
	}
	rc = check_options(&o);
	if (!rc)
		rc = tu_config_read(o.cipherdir, &cfg);
	if (!rc)
		rc = check_dirs(&o);
	/* One daemon per volume, or shared ones only; held until we exit (the
	 * daemon inherits it). */
	if (!rc)
		rc = tu_volume_lock(o.source, o.source, o.shared, &lock);
	if (rc || o.fake)
		goto out;
	/* What the mount table shows: the volume and our type, fuse.algfs. */
	if (fuse_opt_add_opt_escaped(&fsname, o.source) ||
	    asprintf(&mountopts, "-ofsname=%s,subtype=algfs,default_permissions", fsname) < 0 ||
	    fuse_opt_add_arg(&args, mountopts)) {
		log_err("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	td_raise_fd_limit();
	/* New files get the caller's mode and umask (fs/daemon/ops_dir.c), not ours. */
	umask(0);
	if (!o.foreground) {
		td_log_to_syslog(o.source);
		td_fork_and_wait();
	}
	rc = serve(&o, &args, &cfg);
out:
	tu_volume_unlock(&lock);
	free(fsname);
	free(mountopts);
	fuse_opt_free_args(&args);
	free(o.cipherdir);
	free(o.mountpoint);
	free(o.source);
	free(o.target);
	free(o.passfile);
	free(o.keyfile);
	free(o.extpass);
	free(o.keydesc);
	free(o.crypto);
	free(o.afalg_io);
	free(o.crypto_threads);
	free(o.idle);
	return rc;
}
