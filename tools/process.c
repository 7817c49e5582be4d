// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * process.c - a tool's process (process.h): its start, interruption by
 * signals, the crypto layer, exit statuses.
 */
#include "process.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"
#include "secmem.h"

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

int tu_interrupted_status(void)
{
	return 128 + (tu_interrupted() ? tu_interrupted() : SIGINT);
}

/* --- start-up and ends --- */

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
		return tu_interrupted_status();
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
