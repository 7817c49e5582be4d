// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * options.c - the command line (options.h): option tables that drive both
 * getopt_long() and --help, and the numbers and names options take.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "log.h"

void tu_getopt_init(const struct tu_option *opts, size_t n, unsigned int mask, struct tu_getopt *g)
{
	size_t nl = 0, ns = 0;

	memset(g, 0, sizeof(*g));
	/* A leading ':' reports a missing argument as ':', not '?'. */
	g->g_short[ns++] = ':';
	for (size_t i = 0; i < n && nl < TU_MAX_OPTIONS; i++) {
		if (!(opts[i].o_cmds & mask))
			continue;
		/* A short option only (fsck.algfs's -a, -f, -o, -t) has no name. */
		if (opts[i].o_name) {
			g->g_long[nl].name = opts[i].o_name;
			g->g_long[nl].has_arg = opts[i].o_arg ? required_argument : no_argument;
			g->g_long[nl].val = opts[i].o_key;
			nl++;
		}
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
		if (opts[i].o_short && !opts[i].o_name)
			len = snprintf(head, sizeof(head), "  -%c", opts[i].o_short);
		else if (opts[i].o_short)
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
