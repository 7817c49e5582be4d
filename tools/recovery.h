/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recovery.h - recovery-key text: a recovery key as people see and type it.
 */
#ifndef ALGFS_TOOLS_RECOVERY_H
#define ALGFS_TOOLS_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

/* A recovery key: 32 random bytes, shown as 8 dash-separated groups of 8
 * lowercase hex digits. */
#define TU_RECOVERY_LEN 32
#define TU_RECOVERY_TEXT_LEN (2 * TU_RECOVERY_LEN + 7)

void tu_recovery_format(const uint8_t key[TU_RECOVERY_LEN], char out[TU_RECOVERY_TEXT_LEN + 1]);
/* Hex digits in any case; dashes and blanks are ignored.  Return: 0, -EINVAL. */
int tu_recovery_parse(const char *text, size_t len, uint8_t key[TU_RECOVERY_LEN]);

#endif /* ALGFS_TOOLS_RECOVERY_H */
