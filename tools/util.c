// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - what mkfs.algfs and algfsctl share (see util.h).
 *
 * Secrets are read straight into locked memory (crypto/secmem.h) and never
 * pass through stdio, whose buffers nobody wipes.  A passphrase on the
 * terminal is read from /dev/tty with echo off, so that a redirected
 * standard input cannot be mistaken for a person.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "exitcodes.h"
#include "keyring.h"
#include "log.h"
#include "secmem.h"

extern char **environ;

/* A recovery key file holds one line of text; allow comments and blanks. */
#define RECOVERY_FILE_MAX 4096

void tu_secret_free(struct tu_secret *s)
{
	ac_secure_free(s->s_buf); /* wipes it */
	s->s_buf = NULL;
	s->s_len = 0;
}

/* --- interruption --- */

static volatile sig_atomic_t caught_signal;
static volatile sig_atomic_t go_at_once;

/* Async-signal-safe: write(2), signal(2) and raise(3) only. */
static void leave_now(int sig)
{
	static const char msg[] = ": interrupted: nothing was changed\n";
	const char *p = program_invocation_short_name;

	/* Nothing to do if stderr is gone: the signal says it all. */
	if (write(STDERR_FILENO, p, strlen(p)) > 0)
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	signal(sig, SIG_DFL);
	raise(sig); /* delivered when the handler returns */
}

static void on_signal(int sig)
{
	if (!caught_signal)
		caught_signal = sig;
	if (go_at_once)
		leave_now(sig);
}

void tu_signals_at_once(bool on)
{
	go_at_once = on;
	if (on && caught_signal) {
		leave_now(caught_signal);
		tu_die_of_signal();
	}
}

void tu_signals_init(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction old;

	/* No SA_RESTART: a read from the terminal must return at Ctrl-C. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* A signal the caller ignores (nohup) stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int tu_interrupted(void)
{
	return caught_signal;
}

void tu_die_of_signal(void)
{
	int sig = caught_signal;
	sigset_t set;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

/* --- secret sources --- */

int tu_keysrc_set(struct tu_keysrc *ks, enum tu_source src, const char *arg, const char *opt)
{
	if (ks->ks_set) {
		log_err("%s and %s both name the key: give one of them", ks->ks_opt, opt);
		return EXIT_USAGE;
	}
	ks->ks_src = src;
	ks->ks_arg = arg;
	ks->ks_opt = opt;
	ks->ks_set = true;
	return EXIT_OK;
}

enum afs_slot_type tu_keysrc_slot_type(const struct tu_keysrc *ks)
{
	switch (ks->ks_src) {
	case TU_SRC_KEYFILE:
		return AFS_SLOT_KEYFILE;
	case TU_SRC_RECOVERY_TTY:
	case TU_SRC_RECOVERY_FILE:
		return AFS_SLOT_RECOVERY;
	default:
		return AFS_SLOT_PASSPHRASE;
	}
}

unsigned int tu_keysrc_slot_mask(const struct tu_keysrc *ks)
{
	/* A keyfile is a long passphrase, and a passfile may hold what a
	 * keyfile slot was made from: try both kinds of slot with either. */
	if (tu_keysrc_slot_type(ks) == AFS_SLOT_RECOVERY)
		return 1u << AFS_SLOT_RECOVERY;
	return 1u << AFS_SLOT_PASSPHRASE | 1u << AFS_SLOT_KEYFILE;
}

const char *tu_keysrc_noun(const struct tu_keysrc *ks)
{
	switch (tu_keysrc_slot_type(ks)) {
	case AFS_SLOT_KEYFILE:
		return "keyfile";
	case AFS_SLOT_RECOVERY:
		return "recovery key";
	default:
		return "passphrase";
	}
}

static int secret_alloc(struct tu_secret *s, size_t cap)
{
	s->s_buf = ac_secure_alloc(cap);
	s->s_len = 0;
	if (!s->s_buf) {
		log_err("cannot allocate locked memory for a secret: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

/*
 * Read the first line of @fd (without its newline) into @s, at most
 * TU_PASS_MAX bytes.  With @drain, read on to the end and discard the
 * rest, so that a command writing more is not killed by SIGPIPE.
 * Return: 0, -EFBIG (a longer line), -EINTR, or -errno of read().
 */
static int read_line(int fd, bool drain, struct tu_secret *s)
{
	const size_t cap = TU_PASS_MAX + 1;
	uint8_t scratch[256];
	bool have_line = false;
	int err = 0;

	for (;;) {
		uint8_t *dst = have_line ? scratch : s->s_buf + s->s_len;
		size_t room = have_line ? sizeof(scratch) : cap - s->s_len;
		ssize_t n = read(fd, dst, room);
		uint8_t *nl;

		if (n < 0) {
			if (errno == EINTR && !tu_interrupted())
				continue;
			err = errno == EINTR ? -EINTR : -errno;
			break;
		}
		if (n == 0)
			break;
		if (have_line)
			continue;
		nl = memchr(dst, '\n', (size_t)n);
		if (nl) {
			/* Keep the line, wipe what followed it in the buffer. */
			s->s_len = (size_t)(nl - s->s_buf);
			ac_wipe(nl, (size_t)(dst + n - nl));
			have_line = true;
		} else {
			s->s_len += (size_t)n;
			if (s->s_len == cap) {
				err = -EFBIG;
				if (!drain)
					break;
				have_line = true;
			}
		}
		if (have_line && !drain)
			break;
	}
	ac_wipe(scratch, sizeof(scratch));
	return err;
}

/*
 * Read all of @fd into @s, growing the locked buffer as needed, at most
 * @max bytes.  Return: 0, -EFBIG, -ENOMEM, or -errno of read().
 */
static int read_all(int fd, size_t max, struct tu_secret *s)
{
	size_t cap = 4096;
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < max)
		cap = (size_t)st.st_size + 1;
	s->s_buf = ac_secure_alloc(cap);
	s->s_len = 0;
	if (!s->s_buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (s->s_len == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			uint8_t *nb;

			if (cap > max)
				return -EFBIG;
			nb = ac_secure_alloc(ncap);
			if (!nb)
				return -ENOMEM;
			memcpy(nb, s->s_buf, s->s_len);
			ac_secure_free(s->s_buf);
			s->s_buf = nb;
			cap = ncap;
		}
		n = read(fd, s->s_buf + s->s_len, cap - s->s_len);
		if (n < 0) {
			if (errno == EINTR && !tu_interrupted())
				continue;
			return errno == EINTR ? -EINTR : -errno;
		}
		if (n == 0)
			break;
		s->s_len += (size_t)n;
	}
	return s->s_len > max ? -EFBIG : 0;
}

static int interrupted_status(void)
{
	return 128 + (tu_interrupted() ? tu_interrupted() : SIGINT);
}

/* Open @path for a secret; say which option named it when that fails. */
static int open_secret_file(const struct tu_keysrc *ks, int *fdp)
{
	struct stat st;
	int rc, fd = open(ks->ks_arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		log_err("%s %s: %s", ks->ks_opt, ks->ks_arg, strerror(errno));
		return EXIT_PASSPHRASE;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_err("%s %s: %s", ks->ks_opt, ks->ks_arg, strerror(EISDIR));
		close(fd);
		return EXIT_PASSPHRASE;
	}
	/* As ssh refuses a private key others can read. */
	rc = tu_check_private_file(ks->ks_arg, fd, ks->ks_opt);
	if (rc) {
		close(fd);
		return rc;
	}
	*fdp = fd;
	return EXIT_OK;
}

static int read_passfile(const struct tu_keysrc *ks, struct tu_secret *s)
{
	int fd, err, rc;

	rc = open_secret_file(ks, &fd);
	if (rc)
		return rc;
	rc = secret_alloc(s, TU_PASS_MAX + 1);
	if (rc) {
		close(fd);
		return rc;
	}
	err = read_line(fd, false, s);
	close(fd);
	if (err == -EINTR)
		return interrupted_status();
	if (err == -EFBIG) {
		log_err("%s %s: the first line is longer than %d bytes: not a passphrase",
			ks->ks_opt, ks->ks_arg, TU_PASS_MAX);
		return EXIT_PASSPHRASE;
	}
	if (err) {
		log_err("%s %s: %s", ks->ks_opt, ks->ks_arg, strerror(-err));
		return EXIT_PASSPHRASE;
	}
	/* Kept, as always (volumes were made with it), but said. */
	if (s->s_len && s->s_buf[s->s_len - 1] == '\r')
		log_warn("%s %s: the passphrase ends in a carriage return (the file has "
			 "CRLF line endings); it is part of the passphrase",
			 ks->ks_opt, ks->ks_arg);
	return EXIT_OK;
}

/* Wait for @pid; its exit status, or -1 after a signal. */
static int wait_child(pid_t pid, int *wstatus)
{
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (tu_interrupted())
			kill(pid, SIGTERM);
	}
	return 0;
}

static int run_extpass(const struct tu_keysrc *ks, struct tu_secret *s)
{
	char *argv[] = { "sh", "-c", (char *)ks->ks_arg, NULL };
	posix_spawn_file_actions_t fa;
	int pfd[2], err, rc, wstatus = 0;
	pid_t pid;

	rc = secret_alloc(s, TU_PASS_MAX + 1);
	if (rc)
		return rc;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_err("%s: cannot create a pipe: %s", ks->ks_opt, strerror(errno));
		return EXIT_ERROR;
	}
	/* Standard input and error stay the caller's: a command may prompt. */
	err = posix_spawn_file_actions_init(&fa);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	if (!err)
		err = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		log_err("%s: cannot run /bin/sh: %s", ks->ks_opt, strerror(err));
		return EXIT_PASSPHRASE;
	}
	err = read_line(pfd[0], true, s);
	close(pfd[0]);
	/* Interrupted while it still runs: a TERM sent to us alone would
	 * leave it running, and us waiting for it. */
	if (tu_interrupted())
		kill(pid, SIGTERM);
	rc = wait_child(pid, &wstatus);
	if (tu_interrupted())
		return interrupted_status();
	if (rc < 0) {
		log_err("%s: cannot wait for the command: %s", ks->ks_opt, strerror(-rc));
		return EXIT_PASSPHRASE;
	}
	if (WIFSIGNALED(wstatus)) {
		log_err("%s: the command was killed by signal %d (%s)", ks->ks_opt,
			WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
		return EXIT_PASSPHRASE;
	}
	if (WEXITSTATUS(wstatus) != 0) {
		log_err("%s: the command failed with exit status %d", ks->ks_opt,
			WEXITSTATUS(wstatus));
		return EXIT_PASSPHRASE;
	}
	if (err == -EFBIG) {
		log_err("%s: the command's first line is longer than %d bytes: not a passphrase",
			ks->ks_opt, TU_PASS_MAX);
		return EXIT_PASSPHRASE;
	}
	if (err) {
		log_err("%s: reading the command's output: %s", ks->ks_opt, strerror(-err));
		return EXIT_PASSPHRASE;
	}
	return EXIT_OK;
}

static int read_keyfile(const struct tu_keysrc *ks, struct tu_secret *s)
{
	int fd, err, rc;

	rc = open_secret_file(ks, &fd);
	if (rc)
		return rc;
	err = read_all(fd, TU_KEYFILE_MAX, s);
	close(fd);
	if (err == -EINTR)
		return interrupted_status();
	if (err == -EFBIG) {
		log_err("%s %s: larger than %d bytes (%d MiB), the most a keyfile may hold",
			ks->ks_opt, ks->ks_arg, TU_KEYFILE_MAX, TU_KEYFILE_MAX >> 20);
		return EXIT_PASSPHRASE;
	}
	if (err) {
		log_err("%s %s: %s", ks->ks_opt, ks->ks_arg, strerror(-err));
		return err == -ENOMEM ? EXIT_ERROR : EXIT_PASSPHRASE;
	}
	return EXIT_OK;
}

/*
 * The terminal.  Echo is switched off before the prompt is shown, so that
 * nothing typed after the prompt appears; TCSAFLUSH drops what was typed
 * before it, which was echoed.  ECHONL keeps the newline visible.
 */
static int tty_ask(int fd, const char *prompt, struct tu_secret *s)
{
	struct termios old, quiet;
	int err = 0;

	if (tcgetattr(fd, &old) < 0)
		return -errno;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		return -errno;
	if (write(fd, prompt, strlen(prompt)) < 0)
		err = -errno;
	while (!err) {
		uint8_t c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0) {
			if (errno == EINTR && !tu_interrupted())
				continue;
			err = errno == EINTR ? -EINTR : -errno;
		} else if (n == 0) {
			/* Ctrl-D: end the line here; nothing typed is an error below. */
			if (write(fd, "\n", 1) < 0)
				err = -errno;
			break;
		} else if (c == '\n') {
			break;
		} else if (s->s_len == TU_PASS_MAX) {
			err = -EFBIG;
		} else {
			s->s_buf[s->s_len++] = c;
		}
	}
	/* Restore even after Ctrl-C: the flag approach lets us get here. */
	tcsetattr(fd, TCSAFLUSH, &old);
	return err;
}

static int read_tty(const struct tu_keysrc *ks, const char *what, bool confirm,
		    const char *alternatives, struct tu_secret *s)
{
	struct tu_secret again = { 0 };
	char prompt[512];
	int fd, err, rc;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || !isatty(fd)) {
		log_err("no terminal to ask for the %s on (%s): use %s", tu_keysrc_noun(ks),
			fd < 0 ? strerror(errno) : "/dev/tty is not a terminal", alternatives);
		if (fd >= 0)
			close(fd);
		return EXIT_PASSPHRASE;
	}
	rc = secret_alloc(s, TU_PASS_MAX);
	if (rc)
		goto out_close;
	snprintf(prompt, sizeof(prompt), "%s: ", what);
	err = tty_ask(fd, prompt, s);
	/* Nothing typed: say so now rather than after a second prompt. */
	if (!err && confirm && s->s_len) {
		rc = secret_alloc(&again, TU_PASS_MAX);
		if (rc)
			goto out_close;
		snprintf(prompt, sizeof(prompt), "Repeat the %s: ", tu_keysrc_noun(ks));
		err = tty_ask(fd, prompt, &again);
		if (!err &&
		    (again.s_len != s->s_len || !ac_memeq(again.s_buf, s->s_buf, s->s_len))) {
			log_err("the two %ss differ: nothing was changed", tu_keysrc_noun(ks));
			rc = EXIT_PASSPHRASE;
		}
		tu_secret_free(&again);
	}
	if (err == -EINTR)
		rc = interrupted_status();
	else if (err == -EFBIG)
		log_err("the %s is longer than %d bytes", tu_keysrc_noun(ks), TU_PASS_MAX);
	else if (err)
		log_err("cannot read the %s from the terminal: %s", tu_keysrc_noun(ks),
			strerror(-err));
	if (err && !rc)
		rc = EXIT_PASSPHRASE;
out_close:
	close(fd);
	return rc;
}

/* Replace the text in @s with the recovery key it spells. */
static int parse_recovery(const struct tu_keysrc *ks, struct tu_secret *s)
{
	struct tu_secret key = { 0 };
	int rc;

	rc = secret_alloc(&key, TU_RECOVERY_LEN);
	if (rc)
		return rc;
	if (tu_recovery_parse((const char *)s->s_buf, s->s_len, key.s_buf) < 0) {
		tu_secret_free(&key);
		if (ks->ks_src == TU_SRC_RECOVERY_FILE)
			log_err("%s %s: not a recovery key (64 hex digits, in groups of 8)",
				ks->ks_opt, ks->ks_arg);
		else
			log_err("not a recovery key: it has 64 hex digits, in groups of 8");
		return EXIT_WRONG_KEY;
	}
	key.s_len = TU_RECOVERY_LEN;
	tu_secret_free(s);
	*s = key;
	return EXIT_OK;
}

int tu_secret_read(const struct tu_keysrc *ks, const char *what, bool confirm,
		   const char *alternatives, struct tu_secret *s)
{
	int rc, fd;

	s->s_buf = NULL;
	s->s_len = 0;
	switch (ks->ks_src) {
	case TU_SRC_TTY:
	case TU_SRC_RECOVERY_TTY:
		rc = read_tty(ks, what, confirm, alternatives, s);
		break;
	case TU_SRC_PASSFILE:
		rc = read_passfile(ks, s);
		break;
	case TU_SRC_EXTPASS:
		rc = run_extpass(ks, s);
		break;
	case TU_SRC_KEYFILE:
		rc = read_keyfile(ks, s);
		break;
	case TU_SRC_RECOVERY_FILE:
		rc = open_secret_file(ks, &fd);
		if (rc)
			break;
		rc = read_all(fd, RECOVERY_FILE_MAX, s);
		close(fd);
		if (rc == -EINTR) {
			rc = interrupted_status();
		} else if (rc) {
			log_err("%s %s: %s", ks->ks_opt, ks->ks_arg,
				rc == -EFBIG ? "too large for a recovery key" : strerror(-rc));
			rc = EXIT_PASSPHRASE;
		}
		break;
	default:
		log_err("internal error: no secret to read from source %d", (int)ks->ks_src);
		rc = EXIT_ERROR;
		break;
	}
	if (!rc && !s->s_len) {
		if (ks->ks_src == TU_SRC_TTY || ks->ks_src == TU_SRC_RECOVERY_TTY)
			log_err("no %s entered", tu_keysrc_noun(ks));
		else if (ks->ks_src == TU_SRC_EXTPASS)
			log_err("%s: the command printed an empty passphrase", ks->ks_opt);
		else
			log_err("%s %s: the %s is empty", ks->ks_opt, ks->ks_arg,
				tu_keysrc_noun(ks));
		rc = EXIT_PASSPHRASE;
	}
	if (!rc && tu_keysrc_slot_type(ks) == AFS_SLOT_RECOVERY)
		rc = parse_recovery(ks, s);
	if (rc)
		tu_secret_free(s);
	return rc;
}

int tu_check_private_file(const char *path, int fd, const char *what)
{
	const char *sp = what ? " " : "";
	struct stat st;

	if (!what)
		what = "";
	if (fstat(fd, &st) < 0) {
		log_err("%s%s%s: cannot tell who may read it (%s); refusing it", what, sp, path,
			strerror(errno));
		return EXIT_INSECURE;
	}
	if (!S_ISREG(st.st_mode))
		return EXIT_OK;
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		log_err("%s%s%s: owned by uid %u, not by you or root: its owner can change it; "
			"refusing it",
			what, sp, path, (unsigned int)st.st_uid);
		return EXIT_INSECURE;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		log_err("%s%s%s: mode %04o lets other users read or change it; refusing it "
			"(chmod 600 %s)",
			what, sp, path, (unsigned int)(st.st_mode & 07777), path);
		return EXIT_INSECURE;
	}
	return EXIT_OK;
}

/* --- recovery keys --- */

void tu_recovery_format(const uint8_t key[TU_RECOVERY_LEN], char out[TU_RECOVERY_TEXT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < TU_RECOVERY_LEN; i++) {
		if (i && i % 4 == 0)
			*p++ = '-';
		*p++ = hex[key[i] >> 4];
		*p++ = hex[key[i] & 15];
	}
	*p = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int tu_recovery_parse(const char *text, size_t len, uint8_t key[TU_RECOVERY_LEN])
{
	size_t digits = 0;

	for (size_t i = 0; i < len; i++) {
		int v = hexval(text[i]);

		if (v < 0) {
			if (text[i] == '-' || isspace((unsigned char)text[i]))
				continue;
			goto bad;
		}
		if (digits == 2 * TU_RECOVERY_LEN)
			goto bad;
		if (digits % 2 == 0)
			key[digits / 2] = (uint8_t)(v << 4);
		else
			key[digits / 2] |= (uint8_t)v;
		digits++;
	}
	if (digits == 2 * TU_RECOVERY_LEN)
		return 0;
bad:
	ac_wipe(key, TU_RECOVERY_LEN);
	return -EINVAL;
}

/* --- option tables --- */

void tu_getopt_init(const struct tu_option *opts, size_t n, unsigned int mask, struct tu_getopt *g)
{
	size_t nl = 0, ns = 0;

	memset(g, 0, sizeof(*g));
	/* A leading ':' reports a missing argument as ':', not '?'. */
	g->g_short[ns++] = ':';
	for (size_t i = 0; i < n && nl < TU_MAX_OPTIONS; i++) {
		if (!(opts[i].o_cmds & mask))
			continue;
		g->g_long[nl].name = opts[i].o_name;
		g->g_long[nl].has_arg = opts[i].o_arg ? required_argument : no_argument;
		g->g_long[nl].val = opts[i].o_key;
		nl++;
		if (opts[i].o_short) {
			g->g_short[ns++] = (char)opts[i].o_short;
			if (opts[i].o_arg)
				g->g_short[ns++] = ':';
		}
	}
}

/* Print @text from column @col, wrapped before column 80. */
static void print_wrapped(FILE *f, const char *text, int col)
{
	const int width = 79;
	int pos = col;

	while (*text) {
		const char *sp = strchr(text, ' ');
		int wl = sp ? (int)(sp - text) : (int)strlen(text);

		if (pos > col && pos + 1 + wl > width) {
			fprintf(f, "\n%*s", col, "");
			pos = col;
		} else if (pos > col) {
			fputc(' ', f);
			pos++;
		}
		fprintf(f, "%.*s", wl, text);
		pos += wl;
		text += wl;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

void tu_print_options(FILE *f, const struct tu_option *opts, size_t n, unsigned int mask)
{
	const int col = 30;

	for (size_t i = 0; i < n; i++) {
		char head[64];
		int len;

		if (!(opts[i].o_cmds & mask))
			continue;
		if (opts[i].o_short)
			len = snprintf(head, sizeof(head), "  -%c, --%s", opts[i].o_short,
				       opts[i].o_name);
		else
			len = snprintf(head, sizeof(head), "      --%s", opts[i].o_name);
		if (opts[i].o_arg)
			len += snprintf(head + len, sizeof(head) - (size_t)len, " %s",
					opts[i].o_arg);
		if (len + 2 > col)
			fprintf(f, "%s\n%*s", head, col, "");
		else
			fprintf(f, "%-*s", col, head);
		print_wrapped(f, opts[i].o_help, col);
	}
}

/* --- numbers --- */

int tu_parse_u32(const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end || errno) {
		log_err("%s %s: not a number", opt, arg);
		return EXIT_USAGE;
	}
	if (v < min || v > max) {
		log_err("%s %s: out of range (%u to %u)", opt, arg, min, max);
		return EXIT_USAGE;
	}
	*out = (uint32_t)v;
	return EXIT_OK;
}

int tu_parse_size(const char *opt, const char *arg, uint64_t unit, uint64_t *out)
{
	unsigned long long v, mult = unit;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || errno)
		goto bad;
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 'k':
			mult = 1ull << 10;
			break;
		case 'm':
			mult = 1ull << 20;
			break;
		case 'g':
			mult = 1ull << 30;
			break;
		default:
			goto bad;
		}
		end++;
		/* "K", "KB", "KiB" all mean 1024. */
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			goto bad;
	}
	if (v > UINT64_MAX / mult) {
		log_err("%s %s: too large", opt, arg);
		return EXIT_USAGE;
	}
	*out = v * mult;
	return EXIT_OK;
bad:
	log_err("%s %s: not a size (a number, optionally followed by K, M or G)", opt, arg);
	return EXIT_USAGE;
}

int tu_parse_crypto_mode(const char *arg, enum ac_backend_mode *mode)
{
	if (!strcmp(arg, "auto"))
		*mode = AC_BACKEND_AUTO;
	else if (!strcmp(arg, "kernel"))
		*mode = AC_BACKEND_KERNEL;
	else if (!strcmp(arg, "user"))
		*mode = AC_BACKEND_USER;
	else {
		log_err("--crypto %s: not a crypto backend (auto, kernel or user)", arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int tu_parse_io_method(const char *opt, const char *arg, enum ac_io_method *io)
{
	if (!strcmp(arg, "auto"))
		*io = AC_IO_AUTO;
	else if (!strcmp(arg, "uring"))
		*io = AC_IO_URING;
	else if (!strcmp(arg, "sendmsg"))
		*io = AC_IO_SENDMSG;
	else if (!strcmp(arg, "splice"))
		*io = AC_IO_SPLICE;
	else {
		log_err("%s%s: not an AF_ALG I/O method (auto, uring, sendmsg or splice)", opt, arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int tu_parse_threads(const char *opt, const char *arg, unsigned int *threads)
{
	unsigned long n;
	char *end;

	if (!strcmp(arg, "online")) {
		*threads = AC_BATCH_THREADS_ONLINE;
		return EXIT_OK;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || n < 1 || n > AC_BATCH_THREADS_MAX) {
		log_err("%s%s: not a number of threads (1 to %u, or online)", opt, arg,
			AC_BATCH_THREADS_MAX);
		return EXIT_USAGE;
	}
	*threads = (unsigned int)n;
	return EXIT_OK;
}

/* The most memory an Argon2id may take here, in KiB. */
static uint64_t kdf_memory_cap(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t half = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize / 2048 : 0;

	return half && half < TU_KDF_MEMORY_MAX ? half : TU_KDF_MEMORY_MAX;
}

/* Why @kdf costs too much, in @why; false if it does not. */
static bool kdf_too_costly(const struct afs_kdf *kdf, char *why, size_t len)
{
	uint64_t cap = kdf_memory_cap(), work = (uint64_t)kdf->t_cost * kdf->m_cost;

	if (kdf->m_cost > cap) {
		snprintf(why, len, "Argon2id memory %u MiB, more than half of this machine's "
			 "memory (at most %llu MiB here)",
			 kdf->m_cost >> 10, (unsigned long long)(cap >> 10));
		return true;
	}
	if (work > TU_KDF_WORK_MAX) {
		snprintf(why, len, "Argon2id time %u x memory %u MiB, more than %llu GiB-passes",
			 kdf->t_cost, kdf->m_cost >> 10,
			 (unsigned long long)(TU_KDF_WORK_MAX >> 20));
		return true;
	}
	return false;
}

int tu_kdf_check(const struct afs_kdf *kdf)
{
	char why[200];

	if (kdf->m_cost < TU_KDF_MEMORY_MIN * kdf->lanes) {
		log_err("--argon2-memory %u KiB is too small for %u lanes: Argon2id needs at "
			"least %u KiB per lane",
			kdf->m_cost, kdf->lanes, TU_KDF_MEMORY_MIN);
		return EXIT_USAGE;
	}
	if (kdf_too_costly(kdf, why, sizeof(why))) {
		log_err("%s: algfs would refuse to open such a keyslot", why);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* @kib as "N MiB" when it is whole MiB, else as "N KiB". */
static void kib_str(uint64_t kib, char *out, size_t len)
{
	if (kib % 1024)
		snprintf(out, len, "%llu KiB", (unsigned long long)kib);
	else
		snprintf(out, len, "%llu MiB", (unsigned long long)(kib >> 10));
}

void tu_kdf_floor_warn(const struct afs_kdf *kdf, enum afs_slot_type type)
{
	char mem[32], floor[32], work[32];

	if (type != AFS_SLOT_PASSPHRASE ||
	    (kdf->m_cost >= TU_KDF_FLOOR_MEMORY &&
	     (uint64_t)kdf->t_cost * kdf->m_cost >= TU_KDF_FLOOR_WORK))
		return;
	kib_str(kdf->m_cost, mem, sizeof(mem));
	kib_str(TU_KDF_FLOOR_MEMORY, floor, sizeof(floor));
	kib_str(TU_KDF_FLOOR_WORK, work, sizeof(work));
	log_warn("Argon2id time %u, memory %s is below the floor for a passphrase keyslot "
		 "(memory %s, and time x memory %s-passes, after RFC 9106): whoever gets a "
		 "copy of algfs.conf can try passphrases cheaply",
		 kdf->t_cost, mem, floor, work);
}

int tu_kdf_vet(const struct afs_config *cfg, unsigned int types)
{
	char why[200];

	for (unsigned int i = 0; i < cfg->nslots; i++) {
		if (!(types & (1u << cfg->slots[i].type)) ||
		    !kdf_too_costly(&cfg->slots[i].kdf, why, sizeof(why)))
			continue;
		log_err("keyslot %u of algfs.conf asks for %s: not tried (no algfs makes such a "
			"keyslot; was the file edited?)",
			i, why);
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

/* --- the volume --- */

int tu_config_read(const char *dir, struct afs_config *cfg)
{
	char why[512];
	struct stat st;
	int err;

	if (stat(dir, &st) < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s: not a directory", dir);
		return EXIT_CIPHERDIR;
	}
	err = afs_config_read(dir, cfg, why, sizeof(why));
	if (!err)
		return EXIT_OK;
	/* The parser names the file by its base name, or by its path. */
	if (!strncmp(why, AFS_CONF_NAME, strlen(AFS_CONF_NAME)))
		log_err("%s/%s", dir, why);
	else if (err != -ENOENT && why[0])
		log_err("%s", why);
	switch (err) {
	case -ENOENT:
		log_err("%s: not an algfs volume (no %s)", dir, AFS_CONF_NAME);
		return EXIT_CIPHERDIR;
	case -EUCLEAN:
	case -EPROTONOSUPPORT:
		return EXIT_CONFIG;
	case -ENAMETOOLONG:
		log_err("%s: %s", dir, strerror(-err));
		return EXIT_CIPHERDIR;
	default:
		if (!why[0])
			log_err("%s/%s: %s", dir, AFS_CONF_NAME, strerror(-err));
		return tu_exit_status(err);
	}
}

int tu_find_mount(const char *source, const char *target, char *mnt, size_t size)
{
	struct mntent ent, *m;
	char buf[3 * 4096];
	int found = -ENOENT;
	FILE *f;

	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	while ((m = getmntent_r(f, &ent, buf, sizeof(buf))))
		if (!strcmp(m->mnt_type, "fuse.algfs") && !strcmp(m->mnt_fsname, source) &&
		    (!target || !strcmp(m->mnt_dir, target))) {
			if (mnt)
				snprintf(mnt, size, "%s", m->mnt_dir);
			found = 0;
		}
	endmntent(f);
	return found;
}

int tu_volume_lock(const char *dir, const char *source, int *fdp)
{
	char other[4096];
	int fd;

	*fdp = -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		*fdp = fd;
		return EXIT_OK;
	}
	if (errno != EWOULDBLOCK) {
		/* NFS without lock support, for one: go on, and say so. */
		log_warn("%s: cannot lock the volume (%s); a second mount of it will not "
			    "be noticed, and two daemons on one volume damage it",
			    dir, strerror(errno));
		close(fd);
		return EXIT_OK;
	}
	close(fd);
	if (!tu_find_mount(source, NULL, other, sizeof(other)))
		log_err("%s is mounted already, on %s: one volume takes one algfs daemon "
			"(two would damage it); unmount it first",
			dir, other);
	else
		log_err("%s is in use by another algfs process (a mount, or one being set up "
			"or checked); one volume takes one daemon at a time",
			dir);
	return EXIT_IN_USE;
}

int tu_config_lock(const char *dir, int *fdp)
{
	struct stat held, now;
	char path[4096];
	int fd;

	*fdp = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, AFS_CONF_NAME) >= sizeof(path)) {
		log_err("%s: %s", dir, strerror(ENAMETOOLONG));
		return EXIT_CIPHERDIR;
	}
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			return EXIT_OK; /* tu_config_read() says it is no volume */
		if (fd < 0) {
			log_err("%s: %s", path, strerror(errno));
			return EXIT_ERROR;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK) {
				log_err("%s: another algfsctl is changing its keyslots; try again "
					"when it has finished",
					dir);
				return EXIT_IN_USE;
			}
			log_warn("%s: cannot lock it (%s); going on without the lock", path,
				 strerror(e));
			return EXIT_OK;
		}
		/* The file is replaced, never rewritten: is this still it? */
		if (fstat(fd, &held) || stat(path, &now) || held.st_ino != now.st_ino ||
		    held.st_dev != now.st_dev) {
			close(fd);
			continue;
		}
		*fdp = fd;
		return EXIT_OK;
	}
}

int tu_crypto_init(enum ac_backend_mode mode, struct ac_ctx **ctxp)
{
	struct ac_options opts = { .mode = mode };

	return tu_crypto_init_opts(&opts, ctxp);
}

int tu_crypto_init_opts(const struct ac_options *opts, struct ac_ctx **ctxp)
{
	enum ac_backend_mode mode = opts->mode;
	int err = ac_ctx_new(opts, ctxp);

	if (err == -ENOMEM) {
		log_err("cannot start the crypto layer: %s", strerror(-err));
		return EXIT_ERROR;
	}
	if (err) {
		/* The crypto layer has said why. */
		log_err("no usable crypto backend (--crypto %s)",
			mode == AC_BACKEND_KERNEL ? "kernel"
			: mode == AC_BACKEND_USER ? "user"
						  : "auto");
		return EXIT_CRYPTO;
	}
	log_info("crypto backend: %s (AF_ALG I/O: %s)", ac_backend_name(*ctxp), ac_io_name(*ctxp));
	return EXIT_OK;
}

int tu_exit_status(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EKEYREJECTED:
		return EXIT_WRONG_KEY;
	case -EBADMSG:
		return EXIT_TAMPERED;
	case -ENOKEY:
	case -EKEYREVOKED:
	case -EKEYEXPIRED:
	case -EDQUOT:
		return EXIT_KEYRING;
	case -EINTR:
		return interrupted_status();
	default:
		return EXIT_ERROR;
	}
}

void tu_start(const char *prog)
{
	int err;

	ac_log_set_ident(prog);
	ac_log_set_level(LOG_NOTICE);
	err = ac_harden_process();
	if (err)
		log_warn("cannot harden the process: %s", strerror(-err));
	tu_signals_init();
}

int tu_keyring_key_vet(const char *desc, unsigned int format)
{
	int32_t serial;
	int len;

	if (format < 2)
		return EXIT_OK;
	serial = ac_keyring_search(desc);
	len = serial < 0 ? -ENODATA : ac_keyring_key_len(serial);
	if (len < 0 || len >= AC_KEY_LEN)
		return EXIT_OK;
	log_err("the keyring key '%s' holds %d bytes: a format %u volume's master key must hold "
		"at least %d (32 random bytes: head -c 32 /dev/urandom | keyctl padd user NAME "
		"@u, or logon for the kernel crypto backend)",
		desc, len, format, AC_KEY_LEN);
	return EXIT_KEYRING;
}
