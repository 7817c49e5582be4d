// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * algfs - mount an algfs volume: CIPHERDIR (ciphertext) on MOUNTPOINT
 * (plaintext), served through libfuse's low-level API by fs/.
 *
 * Start-up, in order: options (libfuse checks its own at once), the
 * volume's config, then, unless -f, a fork whose parent waits until the
 * child reports the mount ready or fails (so that the exit status says
 * whether the volume is mounted); the child finds the key, unlocks,
 * mounts, detaches and serves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "exitcodes.h"
#include "fuse_i.h"
#include "keyring.h"
#include "log.h"
#include "secmem.h"
#include "util.h"

struct options {
	char *cipherdir;
	char *mountpoint;
	char *passfile;
	char *keyfile;
	char *extpass;
	char *keydesc;
	char *crypto;
	double timeout;
	int no_writeback;
	int foreground;
	int debug;
	int single;
	int help;
	int version;
	int allow_other;
	int read_only;
	int nargs;
};

enum {
	KEY_FOREGROUND,
	KEY_DEBUG,
	KEY_SINGLE,
	KEY_HELP,
	KEY_VERSION,
	KEY_ALLOW_OTHER,
	KEY_RO,
};

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
static const struct fuse_opt opt_spec[] = {
	OPT("passfile=%s", passfile),
	OPT("keyfile=%s", keyfile),
	OPT("extpass=%s", extpass),
	OPT("keydesc=%s", keydesc),
	OPT("crypto=%s", crypto),
	OPT("timeout=%lf", timeout),
	OPT("no_writeback", no_writeback),
	FUSE_OPT_KEY("-f", KEY_FOREGROUND),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("-s", KEY_SINGLE),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_END,
};

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
		"  -o keyfile=FILE      use every byte of FILE as the key (a keyfile slot)\n"
		"  -o extpass=CMD       run CMD with /bin/sh -c; its first line is the\n"
		"                       passphrase\n"
		"  -o keydesc=DESC      use the keyring key DESC (default algfs:<uuid>)\n"
		"  -o crypto=MODE       crypto backend: auto (default), kernel (AF_ALG) or\n"
		"                       user (OpenSSL)\n"
		"  -o ro                mount read-only\n"
		"  -o allow_other       let other users in (as root: each creates files as\n"
		"                       themselves; permissions are checked by the kernel)\n"
		"  -o timeout=SECONDS   how long the kernel caches names and attributes\n"
		"                       (default 1)\n"
		"  -o no_writeback      no kernel writeback cache (each write goes to the\n"
		"                       daemon at once)\n"
		"  -o OPTION            other FUSE mount options (fsname=, max_read=, ...)\n"
		"  -f                   stay in the foreground, log to standard error\n"
		"  -d                   debug: -f and every FUSE request logged\n"
		"  -s                   one thread\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Exit status: 0 mounted (without -f) or unmounted cleanly (with -f);\n"
		"2 usage; 6 CIPHERDIR is not a volume; 7 corrupt config; 8 config\n"
		"changed; 12 wrong key; 13 keyring; 15 no passphrase; 16 no crypto\n"
		"backend; 17 the mount failed; 1 other errors.  Unmount with\n"
		"fusermount3 -u MOUNTPOINT.  See algfs(8).\n");
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
		o->read_only = 1;
		return 1;
	default:
		return 1;
	}
}

/* The key for @cfg: from the keyring, or a secret that opens a keyslot. */
static int get_key(const struct options *o, const struct afs_config *cfg, struct ac_ctx *ctx,
		   struct ac_key **keyp)
{
	struct tu_keysrc ks = { 0 };
	struct tu_secret secret = { 0 };
	char desc[AFS_KEYDESC_LEN + 1], what[600];
	uint8_t *mk = NULL;
	int err, rc = EXIT_OK, slot;

	if (o->passfile)
		rc = tu_keysrc_set(&ks, TU_SRC_PASSFILE, o->passfile, "-o passfile");
	if (!rc && o->keyfile)
		rc = tu_keysrc_set(&ks, TU_SRC_KEYFILE, o->keyfile, "-o keyfile");
	if (!rc && o->extpass)
		rc = tu_keysrc_set(&ks, TU_SRC_EXTPASS, o->extpass, "-o extpass");
	if (rc)
		return rc;
	if (!ks.ks_set) {
		afs_key_description(cfg, desc);
		/* Look first, quietly: no key is no error when a passphrase
		 * can still be asked. */
		err = -ENOKEY;
		if (o->keydesc || cfg->keyring_only || ac_keyring_search(desc) >= 0)
			err = ac_key_from_keyring_desc(ctx, AC_ALG_HMAC,
						       o->keydesc ? o->keydesc : desc, keyp);
		if (!err)
			goto verify;
		if (err != -ENOKEY || o->keydesc || cfg->keyring_only) {
			log_err("the key %s in the kernel keyring cannot be used: %s%s",
				o->keydesc ? o->keydesc : desc, strerror(-err),
				err == -ENOKEY ? " (unlock the volume with algfsctl unlock, or add "
						 "the key)"
					       : "");
			return EXIT_KEYRING;
		}
		tu_keysrc_set(&ks, TU_SRC_TTY, NULL, "the terminal");
	}
	snprintf(what, sizeof(what), "Passphrase for %s", o->cipherdir);
	rc = tu_secret_read(&ks, what, false, "-o passfile=, -o extpass= or -o keyfile=", &secret);
	if (rc) {
		if (ks.ks_src == TU_SRC_TTY)
			log_err("nor is the key %s in the kernel keyring (algfsctl unlock puts it "
				"there)",
				desc);
		return rc;
	}
	mk = ac_secure_alloc(AC_KEY_LEN);
	if (!mk) {
		log_err("cannot allocate locked memory for the key: %s", strerror(errno));
		tu_secret_free(&secret);
		return EXIT_ERROR;
	}
	err = afs_unlock(ctx, cfg, tu_keysrc_slot_mask(&ks), secret.s_buf, secret.s_len, mk,
			 &slot);
	tu_secret_free(&secret);
	if (err == -ENOKEY || err == -EKEYREJECTED) {
		log_err("wrong %s: no keyslot of %s opened", tu_keysrc_noun(&ks), o->cipherdir);
		ac_secure_free(mk);
		return EXIT_WRONG_KEY;
	}
	if (!err)
		err = ac_key_new(ctx, AC_ALG_HMAC, mk, AC_KEY_LEN, keyp);
	ac_secure_free(mk);
	if (err) {
		log_err("cannot open the keyslots of %s: %s", o->cipherdir, strerror(-err));
		return tu_exit_status(err);
	}
verify:
	err = afs_config_verify(cfg, *keyp);
	if (!err)
		return EXIT_OK;
	ac_key_put(*keyp);
	*keyp = NULL;
	switch (err) {
	case -EKEYREJECTED:
		if (!ks.ks_set) {
			log_err("the key in the kernel keyring is not the key of %s", o->cipherdir);
			return EXIT_WRONG_KEY;
		}
		log_err("%s/%s: a keyslot opened, but its key is not this volume's: the file "
			"was changed after it was written",
			o->cipherdir, AFS_CONF_NAME);
		return EXIT_TAMPERED;
	case -EBADMSG:
		log_err("%s/%s failed its authentication: it was changed after it was written",
			o->cipherdir, AFS_CONF_NAME);
		return EXIT_TAMPERED;
	default:
		log_err("cannot authenticate %s/%s: %s", o->cipherdir, AFS_CONF_NAME,
			strerror(-err));
		return tu_exit_status(err);
	}
}

/* Daemon mode: the parent's end of the pipe on which the child reports. */
static int ready_fd = -1;

/* Fork; the parent exits with the child's report, or its exit status if it
 * died first.  Only the child returns. */
static void fork_and_wait(void)
{
	int pfd[2], status;
	uint8_t rc;
	pid_t pid;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC)) {
		log_err("pipe: %s", strerror(errno));
		exit(EXIT_ERROR);
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		exit(EXIT_ERROR);
	}
	if (pid == 0) {
		close(pfd[0]);
		ready_fd = pfd[1];
		return;
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &rc, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(rc);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	log_err("the daemon died of signal %d before mounting", WTERMSIG(status));
	_exit(EXIT_ERROR);
}

static void syslog_sink(int level, const char *msg)
{
	syslog(level, "%s", msg);
}

/* Mounted: detach from the terminal and tell the waiting parent. */
static void detach(void)
{
	uint8_t ok = EXIT_OK;
	int fd;

	if (ready_fd < 0)
		return;
	setsid();
	if (chdir("/"))
		log_warn("chdir /: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (write(ready_fd, &ok, 1) != 1)
		log_warn("cannot tell the parent that the mount is ready: %s", strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

/*
 * Every inode the kernel remembers holds an O_PATH descriptor here, and the
 * kernel remembers as many as its caches keep: raise the open-file limit as
 * far as allowed (as root, to fs.nr_open), or a big tree fails with EMFILE.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	f = fopen("/proc/sys/fs/nr_open", "r");
	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (geteuid() == 0 && nr_open > rl.rlim_max)
		rl.rlim_max = nr_open;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		log_info("open-file limit %llu: a tree with more files than that in the kernel's "
			 "cache makes lookups fail with EMFILE (raise the hard limit)",
			 (unsigned long long)rl.rlim_cur);
}

static int check_dirs(const struct options *o)
{
	struct stat st;

	if (stat(o->mountpoint, &st) || !S_ISDIR(st.st_mode)) {
		log_err("mount point %s: %s", o->mountpoint,
			errno ? strerror(errno) : "not a directory");
		return EXIT_MOUNT;
	}
	return EXIT_OK;
}

static int serve(struct options *o, struct fuse_args *args, const struct afs_config *cfg)
{
	struct afs_mount_opts mopts = {
		.timeout = o->timeout,
		.writeback = !o->no_writeback,
		.read_only = o->read_only,
		.multiuser = o->allow_other && geteuid() == 0,
		.default_permissions = true,
	};
	enum ac_backend_mode mode = AC_BACKEND_AUTO;
	struct fuse_loop_config *lcfg = NULL;
	struct fuse_session *se = NULL;
	struct ac_ctx *ctx = NULL;
	struct ac_key *mk = NULL;
	struct afs_fs fs;
	bool fs_ok = false, mounted = false, handlers = false;
	int rc, err;

	if (o->crypto) {
		rc = tu_parse_crypto_mode(o->crypto, &mode);
		if (rc)
			return rc;
	}
	se = fuse_session_new(args, &afs_fuse_ops, sizeof(afs_fuse_ops), &fs);
	if (!se) {
		log_err("bad FUSE options (see above)");
		return EXIT_USAGE;
	}
	rc = tu_crypto_init(mode, &ctx);
	if (!rc)
		rc = get_key(o, cfg, ctx, &mk);
	if (!rc) {
		err = afs_fs_init(&fs, o->cipherdir, ctx, mk, cfg, &mopts);
		fs_ok = true;
		rc = err ? EXIT_ERROR : EXIT_OK;
	}
	if (!rc && tu_interrupted()) {
		log_err("interrupted before mounting");
		rc = 128 + tu_interrupted();
	}
	if (!rc) {
		/* From now on a signal unmounts: libfuse's handlers end the
		 * session loop, and it installs them only over the defaults. */
		tu_signals_reset();
		handlers = fuse_set_signal_handlers(se) == 0;
		if (!handlers)
			log_warn("cannot install the signal handlers: SIGTERM will not unmount");
		if (fuse_session_mount(se, o->mountpoint)) {
			log_err("cannot mount %s on %s", o->cipherdir, o->mountpoint);
			rc = EXIT_MOUNT;
		} else {
			mounted = true;
		}
	}
	if (!rc) {
		if (!o->foreground) {
			openlog("algfs", LOG_PID, LOG_DAEMON);
			ac_log_set_sink(syslog_sink);
		}
		log_notice("%s mounted on %s (crypto backend: %s)", o->cipherdir, o->mountpoint,
			   ac_backend_name(ctx));
		detach();
		if (o->single) {
			err = fuse_session_loop(se);
		} else {
			lcfg = fuse_loop_cfg_create();
			if (lcfg) {
				fuse_loop_cfg_set_clone_fd(lcfg, 0);
				fuse_loop_cfg_set_idle_threads(lcfg, 10);
			}
			err = fuse_session_loop_mt(se, lcfg);
			fuse_loop_cfg_destroy(lcfg);
		}
		afs_content_thread_exit();
		if (err < 0) {
			log_err("the FUSE session ended with an error: %s", strerror(-err));
			rc = EXIT_ERROR;
		}
		log_notice("%s unmounted from %s", o->cipherdir, o->mountpoint);
	}
	if (mounted)
		fuse_session_unmount(se);
	if (handlers)
		fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	if (fs_ok)
		afs_fs_destroy(&fs);
	ac_key_put(mk);
	ac_ctx_free(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = { .timeout = 1.0 };
	struct afs_config cfg;
	char *fsname = NULL, *mountopts = NULL;
	int rc;

	tu_start("algfs");
	if (fuse_opt_parse(&args, &o, opt_spec, opt_proc)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.help) {
		usage(stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (o.version) {
		printf("algfs (format %d), libfuse %s\n", AFS_FORMAT_VERSION, fuse_pkgversion());
		rc = EXIT_OK;
		goto out;
	}
	if (o.nargs != 2) {
		log_err(o.nargs < 2 ? "CIPHERDIR and MOUNTPOINT are needed"
				    : "too many arguments: only CIPHERDIR and MOUNTPOINT");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.timeout < 0) {
		log_err("-o timeout: not a number of seconds");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = tu_config_read(o.cipherdir, &cfg);
	if (!rc)
		rc = check_dirs(&o);
	if (rc)
		goto out;
	/* What the mount table shows: the volume and our type, fuse.algfs. */
	if (fuse_opt_add_opt_escaped(&fsname, o.cipherdir) ||
	    asprintf(&mountopts, "-ofsname=%s,subtype=algfs,default_permissions", fsname) < 0 ||
	    fuse_opt_add_arg(&args, mountopts)) {
		log_err("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	raise_fd_limit();
	/* New files get the caller's mode and umask (fs/ops_dir.c), not ours. */
	umask(0);
	if (!o.foreground)
		fork_and_wait();
	rc = serve(&o, &args, &cfg);
out:
	free(fsname);
	free(mountopts);
	fuse_opt_free_args(&args);
	free(o.cipherdir);
	free(o.mountpoint);
	free(o.passfile);
	free(o.keyfile);
	free(o.extpass);
	free(o.keydesc);
	free(o.crypto);
	return rc;
}
