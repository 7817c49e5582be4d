// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secret.c - key sources and secrets (secret.h).
 *
 * Secrets are read straight into locked memory (crypto/secmem.h) and never
 * pass through stdio, whose buffers nobody wipes.  A passphrase on the
 * terminal is read from /dev/tty with echo off, so that a redirected
 * standard input cannot be mistaken for a person.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "exitcodes.h"
#include "keyring.h"
#include "log.h"
#include "process.h"
#include "recovery.h"
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
		return tu_interrupted_status();
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
		return tu_interrupted_status();
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
		return tu_interrupted_status();
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
		rc = tu_interrupted_status();
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
			rc = tu_interrupted_status();
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
