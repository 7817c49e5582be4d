/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.h - a tool's process: its start (logging, hardening, the crypto layer),
 * interruption by signals, and exit statuses.
 *
 * Two conventions meet in tools/ and are kept apart by name.  Functions that
 * return "an exit status" have already printed why they failed (one line,
 * through crypto/log.h) and return EXIT_OK or one of tools/exitcodes.h;
 * the others return 0 or -errno, as everywhere else in algfs.
 */
#ifndef ALGFS_TOOLS_PROCESS_H
#define ALGFS_TOOLS_PROCESS_H

#include <stdbool.h>

#include "crypto.h"
#include "log.h"

/* ac_ctx_new(); EXIT_CRYPTO when no backend is usable. */
int tu_crypto_init(enum ac_backend_mode mode, struct ac_ctx **ctxp);
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
/* The exit status of an interrupted tool: 128 + the signal (SIGINT if none
 * arrived). */
int tu_interrupted_status(void);
/* Die of the signal that arrived, as a shell expects (128 + N). */
void tu_die_of_signal(void);

/* Log with the level the tools use for remarks that --quiet hides. */
#define log_notice(...) ac_log(LOG_NOTICE, __VA_ARGS__)

#endif /* ALGFS_TOOLS_PROCESS_H */
