// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secmem.c - memory for secrets.
 *
 * Every secret buffer is its own anonymous mapping, rounded up to whole
 * pages, so that locking, dump exclusion and the final wipe cover exactly
 * the secret and never a neighbour's data (as mbroz/cryptsetup's
 * lib/utils_safe_memory.c does with its own size header).  A small header
 * at the start of the mapping remembers the mapping's length; the caller
 * gets the bytes after it.
 *
 * Locked pages are not inherited by a child of fork(2): a process that
 * forks to detach should load its keys afterwards.
 */
#include "secmem.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

/* Marks a live mapping; ac_secure_free() of anything else is a bug. */
#define SECMEM_MAGIC 0x616c67667373656dULL /* "algfssem" */

/* Sized and aligned so that the caller's bytes are aligned for any type. */
union secmem_hdr {
	struct {
		uint64_t sh_magic;
		size_t sh_maplen; /* the whole mapping, this header included */
	} s;
	max_align_t sh_align;
};

#define SECMEM_HDR_LEN sizeof(union secmem_hdr)

/* Warn once per process, not once per allocation. */
static atomic_bool warned_mlock;
static atomic_bool warned_dontdump;

static void warn_once(atomic_bool *flag, const char *what, int err)
{
	if (atomic_exchange_explicit(flag, true, memory_order_relaxed))
		return;
	log_warn("%s failed (%s): secrets may be %s", what, strerror(err),
		 flag == &warned_mlock ? "swapped to disk" : "written to core dumps");
}

void *ac_secure_alloc(size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	union secmem_hdr *hdr;
	size_t maplen;
	void *map;

	if (page <= 0)
		page = 4096;
	if (len > SIZE_MAX - SECMEM_HDR_LEN - (size_t)page) {
		errno = ENOMEM;
		return NULL;
	}
	maplen = (SECMEM_HDR_LEN + len + (size_t)page - 1) & ~((size_t)page - 1);

	/* Anonymous mappings are zero-filled: no memset needed. */
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;

	if (madvise(map, maplen, MADV_DONTDUMP))
		warn_once(&warned_dontdump, "madvise(MADV_DONTDUMP)", errno);

	/*
	 * RLIMIT_MEMLOCK is small for unprivileged users (often 64 KiB or 8 MiB).
	 * Running out of it must not stop the program, so the memory is handed
	 * out unlocked with one warning; any other failure is a real error.
	 */
	if (mlock(map, maplen)) {
		int err = errno;

		if (err != EPERM && err != ENOMEM && err != EAGAIN) {
			munmap(map, maplen);
			errno = err;
			return NULL;
		}
		warn_once(&warned_mlock, "mlock", err);
	}

	hdr = map;
	hdr->s.sh_magic = SECMEM_MAGIC;
	hdr->s.sh_maplen = maplen;
	return (uint8_t *)map + SECMEM_HDR_LEN;
}

void ac_secure_free(void *p)
{
	union secmem_hdr *hdr;
	size_t maplen;
	int saved_errno = errno;

	if (!p)
		return;
	hdr = (union secmem_hdr *)((uint8_t *)p - SECMEM_HDR_LEN);
	/* Unmapping a length we did not map would corrupt memory: stop here. */
	if (hdr->s.sh_magic != SECMEM_MAGIC)
		abort();
	maplen = hdr->s.sh_maplen;

	/* The header too: the whole mapping is wiped, then released. */
	explicit_bzero(hdr, maplen);
	munlock(hdr, maplen);
	munmap(hdr, maplen);
	errno = saved_errno;
}

void ac_wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

int ac_memeq(const void *a, const void *b, size_t len)
{
	/* volatile: the loop must read every byte, with no early exit. */
	const volatile uint8_t *x = a, *y = b;
	unsigned int diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	/* diff is 0..255: 1 exactly when it is 0, without a branch. */
	return (int)((diff - 1) >> 31);
}

int ac_harden_process(void)
{
	const struct rlimit nocore = { .rlim_cur = 0, .rlim_max = 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return -errno;
	if (setrlimit(RLIMIT_CORE, &nocore))
		return -errno;
	return 0;
}
