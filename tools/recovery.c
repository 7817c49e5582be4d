// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * recovery.c - recovery-key text (recovery.h).
 */
#include "recovery.h"

#include <ctype.h>
#include <errno.h>

#include "secmem.h"

void tu_recovery_format(const uint8_t key[TU_RECOVERY_LEN], char out[TU_RECOVERY_TEXT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < TU_RECOVERY_LEN; i++) {
		if (i && i % 4 == 0)
			*p++ = '-';
		*p++ = hex[key[i] >> 4];
		*p++ = hex[key[i] & 15];
	}
	*p = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int tu_recovery_parse(const char *text, size_t len, uint8_t key[TU_RECOVERY_LEN])
{
	size_t digits = 0;

	for (size_t i = 0; i < len; i++) {
		int v = hexval(text[i]);

		if (v < 0) {
			if (text[i] == '-' || isspace((unsigned char)text[i]))
				continue;
			goto bad;
		}
		if (digits == 2 * TU_RECOVERY_LEN)
			goto bad;
		if (digits % 2 == 0)
			key[digits / 2] = (uint8_t)(v << 4);
		else
			key[digits / 2] |= (uint8_t)v;
		digits++;
	}
	if (digits == 2 * TU_RECOVERY_LEN)
		return 0;
bad:
	ac_wipe(key, TU_RECOVERY_LEN);
	return -EINVAL;
}
