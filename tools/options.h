/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * options.h - the command line: option tables that drive both
 * getopt_long() and --help, and the numbers and names options take.  Each
 * returns an exit status (process.h) and has printed what was wrong.
 */
#ifndef ALGFS_TOOLS_OPTIONS_H
#define ALGFS_TOOLS_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"

/*
 * Option tables.  Each option is described once; the same table builds
 * the getopt_long() arrays and prints --help, so the two cannot disagree.
 */
struct tu_option {
	const char *o_name; /* the long name, without "--" */
	int o_short; /* a short option letter, or 0 */
	const char *o_arg; /* the argument's name in --help, or NULL: no argument */
	int o_key; /* what getopt_long() returns for it */
	unsigned int o_cmds; /* algfsctl: a mask of the commands that take it */
	const char *o_help;
};

#define TU_MAX_OPTIONS 40

struct tu_getopt {
	struct option g_long[TU_MAX_OPTIONS + 1];
	char g_short[2 * TU_MAX_OPTIONS + 2];
};

/* The getopt_long() arrays for the options of @opts whose o_cmds meets @mask. */
void tu_getopt_init(const struct tu_option *opts, size_t n, unsigned int mask, struct tu_getopt *g);
/* The --help lines for the same options. */
void tu_print_options(FILE *f, const struct tu_option *opts, size_t n, unsigned int mask);

/*
 * Numbers from the command line.  Each prints what is wrong with @arg,
 * naming @opt, and returns EXIT_USAGE, or returns EXIT_OK.
 */
int tu_parse_u32(const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *out);
/* A size: a number with an optional K, M or G (KiB, MiB, GiB); a bare number
 * counts @unit bytes.  The result is in bytes. */
int tu_parse_size(const char *opt, const char *arg, uint64_t unit, uint64_t *out);
int tu_parse_crypto_mode(const char *arg, enum ac_backend_mode *mode);
/* afalg_io=auto|uring|sendmsg|splice; the message names @opt. */
int tu_parse_io_method(const char *opt, const char *arg, enum ac_io_method *io);
/* crypto_threads=N|online (AC_BATCH_THREADS_ONLINE); the message names @opt. */
int tu_parse_threads(const char *opt, const char *arg, unsigned int *threads);

#endif /* ALGFS_TOOLS_OPTIONS_H */
