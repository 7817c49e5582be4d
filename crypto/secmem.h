/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * secmem.h - memory for secrets: keys, passphrases, derived material.
 *
 * Secret buffers are locked (mlock, so never swapped), left out of core
 * dumps (MADV_DONTDUMP), and wiped when freed.  Small ones (keys) are slots
 * of a locked arena, large ones (passphrases) mappings of their own (see
 * secmem.c).  Processes that handle secrets also call ac_harden_process()
 * first thing.
 */
#ifndef ALGFS_SECMEM_H
#define ALGFS_SECMEM_H

#include <stddef.h>

/* A zeroed, locked buffer of @len bytes, or NULL (errno set). */
void *ac_secure_alloc(size_t len);
/* Wipe and release; NULL is fine. */
void ac_secure_free(void *p);

/* What the arena holds (tests, diagnostics). */
struct ac_secure_stats {
	size_t chunks; /* arena chunks mapped */
	size_t chunks_locked; /* of which mlock succeeded */
	size_t chunk_size; /* bytes per chunk */
	size_t slots_used; /* small secrets live now */
	size_t big; /* large secrets live now, each its own mapping */
};
void ac_secure_stats(struct ac_secure_stats *st);

/* A wipe the compiler cannot drop. */
void ac_wipe(void *p, size_t len);
/* Constant-time comparison: 1 when equal, 0 otherwise. */
int ac_memeq(const void *a, const void *b, size_t len);
/* No core dumps, no ptrace attach by other users (PR_SET_DUMPABLE 0,
 * RLIMIT_CORE 0).  Return: 0 or -errno. */
int ac_harden_process(void);

#endif /* ALGFS_SECMEM_H */
