/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - the one way algfs prints diagnostics.
 *
 * Levels are syslog's.  The sink is standard error until a program sets
 * another (the daemon switches to syslog when it detaches).  Messages name
 * what they are about (volume, key description, algorithm, file and block)
 * and never carry key material, passphrases or plaintext.
 */
#ifndef ALGFS_LOG_H
#define ALGFS_LOG_H

#include <stdarg.h>
#include <syslog.h>

typedef void (*ac_log_sink_fn)(int level, const char *msg);

/* The program name prefixed on standard error ("mkfs.algfs: ..."). */
void ac_log_set_ident(const char *ident);
/* Messages above @level are dropped; the default is LOG_INFO. */
void ac_log_set_level(int level);
/* NULL restores standard error. */
void ac_log_set_sink(ac_log_sink_fn sink);

void ac_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) ac_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) ac_log(LOG_WARNING, __VA_ARGS__)
#define log_info(...) ac_log(LOG_INFO, __VA_ARGS__)
#define log_dbg(...) ac_log(LOG_DEBUG, __VA_ARGS__)

#endif /* ALGFS_LOG_H */
