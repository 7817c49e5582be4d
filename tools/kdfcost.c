// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kdfcost.c - what a keyslot's Argon2id may cost (kdfcost.h): limits for new
 * keyslots, the floor a passphrase keyslot is warned below, and the vetting
 * of algfs.conf's costs before any Argon2id runs.
 */
#include "kdfcost.h"

#include <stdio.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"

/* The most memory an Argon2id may take here, in KiB. */
static uint64_t kdf_memory_cap(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t half = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize / 2048 : 0;

	return half && half < TU_KDF_MEMORY_MAX ? half : TU_KDF_MEMORY_MAX;
}

/* Why @kdf costs too much, in @why; false if it does not. */
static bool kdf_too_costly(const struct afs_kdf *kdf, char *why, size_t len)
{
	uint64_t cap = kdf_memory_cap(), work = (uint64_t)kdf->t_cost * kdf->m_cost;

	if (kdf->m_cost > cap) {
		snprintf(why, len, "Argon2id memory %u MiB, more than half of this machine's "
			 "memory (at most %llu MiB here)",
			 kdf->m_cost >> 10, (unsigned long long)(cap >> 10));
		return true;
	}
	if (work > TU_KDF_WORK_MAX) {
		snprintf(why, len, "Argon2id time %u x memory %u MiB, more than %llu GiB-passes",
			 kdf->t_cost, kdf->m_cost >> 10,
			 (unsigned long long)(TU_KDF_WORK_MAX >> 20));
		return true;
	}
	return false;
}

int tu_kdf_check(const struct afs_kdf *kdf)
{
	char why[200];

	if (kdf->m_cost < TU_KDF_MEMORY_MIN * kdf->lanes) {
		log_err("--argon2-memory %u KiB is too small for %u lanes: Argon2id needs at "
			"least %u KiB per lane",
			kdf->m_cost, kdf->lanes, TU_KDF_MEMORY_MIN);
		return EXIT_USAGE;
	}
	if (kdf_too_costly(kdf, why, sizeof(why))) {
		log_err("%s: algfs would refuse to open such a keyslot", why);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* @kib as "N MiB" when it is whole MiB, else as "N KiB". */
static void kib_str(uint64_t kib, char *out, size_t len)
{
	if (kib % 1024)
		snprintf(out, len, "%llu KiB", (unsigned long long)kib);
	else
		snprintf(out, len, "%llu MiB", (unsigned long long)(kib >> 10));
}

void tu_kdf_floor_warn(const struct afs_kdf *kdf, enum afs_slot_type type)
{
	char mem[32], floor[32], work[32];

	if (type != AFS_SLOT_PASSPHRASE ||
	    (kdf->m_cost >= TU_KDF_FLOOR_MEMORY &&
	     (uint64_t)kdf->t_cost * kdf->m_cost >= TU_KDF_FLOOR_WORK))
		return;
	kib_str(kdf->m_cost, mem, sizeof(mem));
	kib_str(TU_KDF_FLOOR_MEMORY, floor, sizeof(floor));
	kib_str(TU_KDF_FLOOR_WORK, work, sizeof(work));
	log_warn("Argon2id time %u, memory %s is below the floor for a passphrase keyslot "
		 "(memory %s, and time x memory %s-passes, after RFC 9106): whoever gets a "
		 "copy of algfs.conf can try passphrases cheaply",
		 kdf->t_cost, mem, floor, work);
}

int tu_kdf_vet(const struct afs_config *cfg, unsigned int types)
{
	char why[200];

	for (unsigned int i = 0; i < cfg->nslots; i++) {
		if (!(types & (1u << cfg->slots[i].type)) ||
		    !kdf_too_costly(&cfg->slots[i].kdf, why, sizeof(why)))
			continue;
		log_err("keyslot %u of algfs.conf asks for %s: not tried (no algfs makes such a "
			"keyslot; was the file edited?)",
			i, why);
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}
