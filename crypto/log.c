// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - the one logging entry point, a level filter and a replaceable sink.
 *
 * Modelled on libfuse's lib/fuse_log.c.  The message is formatted here, once,
 * into a bounded stack buffer, so a sink only ever sees one finished line
 * (without a trailing newline).  The default sink writes "IDENT: message\n"
 * to standard error in a single write(2): lines from different threads do
 * not interleave, because a write of at most PIPE_BUF bytes to a pipe is
 * atomic and a terminal or file gets each line whole in practice.
 *
 * Threads: the ident, level and sink are meant to be set once, early, but
 * they are atomics (relaxed: each is one independent word), so setting them
 * while other threads log is not a data race.  A sink may be called from
 * many threads at once and must be thread-safe itself.  ac_log() keeps errno,
 * so that "log, then return -errno" is safe.
 */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The longest message; longer ones are cut and end in "...". */
#define LOG_MSG_MAX 1024
/* The most of the ident that the default sink prints. */
#define LOG_IDENT_MAX 64

#define LOG_DEFAULT_IDENT "algfs"

static _Atomic(const char *) log_ident = LOG_DEFAULT_IDENT;
static atomic_int log_level = LOG_INFO;
static _Atomic(ac_log_sink_fn) log_sink; /* NULL: standard error */

/*
 * @ident is kept by reference, as openlog(3) keeps its ident: it must stay
 * valid while the program logs (argv[0], a string literal).  NULL restores
 * the default.
 */
void ac_log_set_ident(const char *ident)
{
	atomic_store_explicit(&log_ident, ident ? ident : LOG_DEFAULT_IDENT, memory_order_relaxed);
}

void ac_log_set_level(int level)
{
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
}

void ac_log_set_sink(ac_log_sink_fn sink)
{
	atomic_store_explicit(&log_sink, sink, memory_order_relaxed);
}

static void log_stderr(int level, const char *msg)
{
	char line[LOG_IDENT_MAX + 2 + LOG_MSG_MAX + 1];
	const char *ident = atomic_load_explicit(&log_ident, memory_order_relaxed);
	size_t off = 0;
	int n;

	(void)level;
	/* Leave room for the newline: snprintf writes at most sizeof - 2 chars. */
	n = snprintf(line, sizeof(line) - 1, "%.*s: %s", LOG_IDENT_MAX, ident, msg);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';

	/* One write is the rule; the loop only covers signals and a full pipe. */
	while (off < (size_t)n) {
		ssize_t w = write(STDERR_FILENO, line + off, (size_t)n - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		off += (size_t)w;
	}
}

void ac_log(int level, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	ac_log_sink_fn sink;
	int saved_errno = errno;
	va_list ap;
	size_t len;
	int n;

	if (level > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "(cannot format log message \"%.64s\")", fmt);
		n = (int)strlen(msg);
	} else if ((size_t)n >= sizeof(msg)) {
		/* Truncated: say so rather than end mid-word silently. */
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	}

	/* Sinks add their own line end; drop the caller's, if any. */
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';

	sink = atomic_load_explicit(&log_sink, memory_order_relaxed);
	if (!sink)
		sink = log_stderr;
	sink(level, msg);
	errno = saved_errno;
}
