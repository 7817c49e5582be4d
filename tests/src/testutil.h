/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testutil.h - small helpers shared by the test programs over crypto/'s API
 * (tests/src/crypto-*.c).  afalg-probe keeps its own on purpose: it shares
 * nothing with algfs.
 */
#ifndef ALGFS_TESTUTIL_H
#define ALGFS_TESTUTIL_H

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"

/* The exit statuses of every test program. */
enum {
	EXIT_WRONG = 1, /* a wrong answer, or an error */
	EXIT_USAGE = 64,
	EXIT_SKIP = 77, /* the runner's "not run" */
};

/* Checks that went wrong; a program that counts them exits 1 unless 0. */
static int test_failures __attribute__((unused));

/* "EBADMSG" for -EBADMSG or EBADMSG. */
static inline const char *errname(int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);

	return name ? name : "unknown error";
}

static inline bool is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Decode @hex into @out.  Return: the length, or -1 for bad input. */
static inline int hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return (int)(n / 2);
}

/* Decode a test vector's hex string; a malformed one is a bug in the program. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	int n = hex_decode(hex, out, max);

	if (n < 0) {
		fprintf(stderr, "bad test vector \"%.20s...\"\n", hex);
		exit(EXIT_WRONG);
	}
	return (size_t)n;
}

static inline void hexdump(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %-6s ", label);
	while (n--)
		fprintf(stderr, "%02x", *p++);
	fprintf(stderr, "\n");
}

/* Report the check @what as wrong, on both outputs, and count it. */
static inline void wrong(const char *what, const char *why)
{
	printf("%s: WRONG (%s)\n", what, why);
	fprintf(stderr, "%s: WRONG (%s)\n", what, why);
	test_failures++;
}

static inline void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

/* "--io auto|uring|sendmsg|splice": the kernel backend's I/O method. */
static inline bool test_parse_io(const char *arg, enum ac_io_method *io)
{
	static const struct {
		const char *name;
		enum ac_io_method io;
	} methods[] = {
		{ "auto", AC_IO_AUTO },
		{ "uring", AC_IO_URING },
		{ "sendmsg", AC_IO_SENDMSG },
		{ "splice", AC_IO_SPLICE },
	};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (!strcmp(arg, methods[i].name)) {
			*io = methods[i].io;
			return true;
		}
	}
	return false;
}

/*
 * A test that asked for I/O method @asked ("uring", "sendmsg", "splice") on
 * the kernel backend must get it, or it tests something else: false (with a
 * message) if the context uses another.
 */
static inline bool test_io_is(const struct ac_ctx *ctx, const char *prog, const char *asked)
{
	const char *got = ac_io_name(ctx);

	fprintf(stderr, "%s: AF_ALG I/O %s\n", prog, got);
	if (!asked || !strcmp(asked, "auto") || !strcmp(ac_backend_name(ctx), "user") ||
	    !strcmp(got, asked))
		return true;
	fprintf(stderr, "%s: asked for AF_ALG I/O %s, got %s\n", prog, asked, got);
	return false;
}

/**
 * test_backend_ctx() - the "--backend kernel|user [--io METHOD]" command line that the
 * known-answer programs share, and the context for it
 * @usage: prints the program's usage to the stream it is given
 *
 * Return: 0 with *@ctxp set, or the status to exit with: 0 after --help,
 * EXIT_USAGE, EXIT_SKIP ("AF_ALG not available" on standard error) or
 * EXIT_WRONG.
 */
static inline int test_backend_ctx(int argc, char **argv, const char *prog, void (*usage)(FILE *),
				   struct ac_ctx **ctxp)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "io", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ac_options opts = { .mode = AC_BACKEND_USER };
	const char *io = NULL;
	bool have_backend = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "b:i:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == 'i' && test_parse_io(optarg, &opts.io)) {
			io = optarg;
			continue;
		}
		if (c != 'b' || (strcmp(optarg, "kernel") && strcmp(optarg, "user"))) {
			usage(stderr);
			return EXIT_USAGE;
		}
		opts.mode = !strcmp(optarg, "kernel") ? AC_BACKEND_KERNEL : AC_BACKEND_USER;
		have_backend = true;
	}
	if (!have_backend || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	ac_log_set_ident(prog);
	err = ac_ctx_new(&opts, ctxp);
	if (err == -EAFNOSUPPORT) {
		fprintf(stderr, "AF_ALG not available\n");
		return EXIT_SKIP;
	}
	if (err) {
		fprintf(stderr, "%s: ac_ctx_new: %s\n", prog, strerror(-err));
		return EXIT_WRONG;
	}
	fprintf(stderr, "%s: backend %s\n", prog, ac_backend_name(*ctxp));
	if (!test_io_is(*ctxp, prog, io)) {
		ac_ctx_free(*ctxp);
		*ctxp = NULL;
		return EXIT_WRONG;
	}
	return 0;
}

#endif /* ALGFS_TESTUTIL_H */
