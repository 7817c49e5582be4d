/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testutil.h - small helpers shared by the test programs over crypto/'s API
 * (tests/src/crypto-*.c).  afalg-probe keeps its own on purpose: it shares
 * nothing with algfs.
 */
#ifndef ALGFS_TESTUTIL_H
#define ALGFS_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

static inline void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

#endif /* ALGFS_TESTUTIL_H */
