/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdfcost.h - what a keyslot's Argon2id may cost: limits for new keyslots, the
 * floor below which a passphrase keyslot is warned about, and the vetting of
 * the costs in algfs.conf before any Argon2id runs.
 */
#ifndef ALGFS_TOOLS_KDFCOST_H
#define ALGFS_TOOLS_KDFCOST_H

#include "format.h"

/* Argon2id cost limits: those algfs.conf accepts (fs/format/config.c). */
#define TU_KDF_TIME_MAX 1000
#define TU_KDF_MEMORY_MIN 8 /* KiB per lane */
#define TU_KDF_MEMORY_MAX (4u << 20) /* KiB: 4 GiB */
#define TU_KDF_LANES_MAX 64
/* Time x memory of one Argon2id, in KiB-passes: 64 GiB-passes, 64 times the
 * default (4 passes of 256 MiB); about two minutes on the development machine
 * (the issue measured 31 s for 8 passes of 2 GiB). */
#define TU_KDF_WORK_MAX (64ull << 20)
/* The floor below which a new passphrase keyslot gets a warning: RFC 9106's
 * second recommended Argon2id setting (section 4: 3 passes of 64 MiB), as
 * memory of at least 64 MiB and time x memory of at least 3 x 64 MiB, so
 * that 1 pass of 192 MiB is above it too (mkfs.algfs.8 says why). */
#define TU_KDF_FLOOR_MEMORY (64u << 10) /* KiB */
#define TU_KDF_FLOOR_WORK (3ull * TU_KDF_FLOOR_MEMORY) /* KiB-passes */

/* Check @kdf as a whole (memory per lane, the caps of tu_kdf_vet()) for a
 * new keyslot.  Return: an exit status. */
int tu_kdf_check(const struct afs_kdf *kdf);
/* Warn, on standard error, when a new keyslot of @type is a passphrase one
 * whose costs are below the floor (TU_KDF_FLOOR_*).  A keyfile or recovery
 * key is taken to hold 256 random bits: no cost makes it easier to guess. */
void tu_kdf_floor_warn(const struct afs_kdf *kdf, enum afs_slot_type type);
/*
 * Before any Argon2id runs: the keyslots of @cfg of the @types (a mask of
 * 1u << enum afs_slot_type) must ask for at most half of this machine's
 * memory (and 4 GiB), and TU_KDF_WORK_MAX in all, or an edited algfs.conf
 * could exhaust the machine before its MAC can be checked.
 * Return: EXIT_OK, or EXIT_CONFIG (said which slot and why).
 */
int tu_kdf_vet(const struct afs_config *cfg, unsigned int types);

#endif /* ALGFS_TOOLS_KDFCOST_H */
