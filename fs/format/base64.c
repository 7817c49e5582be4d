// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * base64.c - base64url without padding (RFC 4648 section 5), the encoding of
 * every encrypted name and symlink target on disk.
 */
#include "format.h"

#include <errno.h>
#include <string.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The base64url encoding of @n bytes, no padding; @out gets a NUL. */
size_t afs_b64url_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode @len characters of base64url without padding into @out, which has
 * room for @len * 3 / 4 bytes.  Only the canonical form is accepted: the
 * unused low bits of the last character must be zero, so that no two
 * strings decode to the same bytes.
 *
 * Return: the number of bytes, -EUCLEAN (a character outside the alphabet,
 * '=' included, a length of 4k + 1, or non-zero unused bits).
 */
int afs_b64url_decode(const char *in, size_t len, uint8_t *out)
{
	uint32_t v = 0;
	size_t i, o = 0;
	int bits = 0, c;

	if (len % 4 == 1)
		return -EUCLEAN;
	for (i = 0; i < len; i++) {
		c = b64url_value(in[i]);
		if (c < 0)
			return -EUCLEAN;
		v = (v << 6 | (uint32_t)c) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(v >> bits);
		}
	}
	/* 2 or 4 bits left over; they must be zero. */
	if (v & ((1u << bits) - 1))
		return -EUCLEAN;
	return (int)o;
}
