// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secmem.c - memory for secrets.
 *
 * Small secrets (up to ARENA_SLOT_MAX bytes: keys, derived keys, keyring
 * payloads) live in an arena: anonymous mappings of ARENA_CHUNK bytes, each
 * locked (mlock) and left out of core dumps (MADV_DONTDUMP) once, when it is
 * mapped, and carved into slots of one size class (32, 64, 128 or 256
 * bytes).  A new file key is then a slot taken from a free list, not a
 * mapping of its own: no system call at all, where one mapping per key cost
 * mmap, madvise, mlock, munlock and munmap.  A freed slot is wiped at once.
 * A chunk whose slots are all free is unmapped, except one spare per class,
 * so that a workload that frees and allocates around a chunk boundary does
 * not map and unmap it again and again.
 *
 * Larger secrets (passphrases) get their own mapping, rounded up to whole
 * pages, so that locking, dump exclusion and the final wipe cover exactly the
 * secret and never a neighbour's data (as mbroz/cryptsetup's
 * lib/utils_safe_memory.c does with its own size header).  A small header at
 * the start of the mapping remembers the mapping's length; the caller gets
 * the bytes after it.
 *
 * RLIMIT_MEMLOCK (often 64 KiB or 8 MiB for unprivileged users; root with
 * CAP_IPC_LOCK has no limit) may run out.  Then the memory is handed out
 * unlocked, still left out of core dumps and still wiped when freed, and one
 * warning per process says so with the limit; each later chunk tries to lock
 * again, since freed chunks give the limit back.
 *
 * Locked pages are not inherited by a child of fork(2): a fork handler locks
 * the child's arena chunks again.  A large secret's own mapping is not
 * relocked: a process that forks to detach should read its passphrase
 * afterwards.
 */
#include "secmem.h"

#include <errno.h>
#include <pthread.h>
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

/* One arena chunk: 16 pages, 2048 slots of 32 bytes (64 KiB of keys). */
#define ARENA_CHUNK (64 * 1024)
#define ARENA_CLASSES 4
#define ARENA_SLOT_MIN 32 /* a power of two, at least alignof(max_align_t) */
#define ARENA_SLOT_MAX (ARENA_SLOT_MIN << (ARENA_CLASSES - 1))

/* A chunk's bookkeeping lives on the ordinary heap, never in the chunk:
 * the locked pages hold secrets and nothing else. */
struct chunk {
	uint8_t *ch_base; /* ARENA_CHUNK bytes */
	unsigned int ch_class;
	unsigned int ch_nslots;
	unsigned int ch_used; /* slots handed out */
	unsigned int ch_fresh; /* slots [ch_fresh, ch_nslots) never handed out */
	unsigned int ch_nfree; /* freed slots, on ch_free */
	uint16_t *ch_free; /* a stack of freed slot indices */
	uint64_t ch_live[ARENA_CHUNK / ARENA_SLOT_MIN / 64]; /* a bit per slot handed out */
	bool ch_locked;
	struct chunk *ch_prev, *ch_next; /* the class's chunks with room */
};

struct arena {
	pthread_mutex_t a_lock;
	struct chunk **a_chunks; /* every chunk, sorted by ch_base */
	size_t a_nchunks, a_cap;
	struct chunk *a_room[ARENA_CLASSES]; /* chunks with a free slot */
	unsigned int a_spare[ARENA_CLASSES]; /* chunks with no slot in use */
	size_t a_slots_used;
	size_t a_big; /* secrets in a mapping of their own */
};

static struct arena arena = { .a_lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

/* Warn once per process, not once per allocation. */
static atomic_bool warned_mlock;
static atomic_bool warned_dontdump;

static void warn_once(atomic_bool *flag, const char *what, int err)
{
	struct rlimit rl;

	if (atomic_exchange_explicit(flag, true, memory_order_relaxed))
		return;
	if (flag == &warned_dontdump) {
		log_warn("%s failed (%s): secrets may be written to core dumps", what,
			 strerror(err));
		return;
	}
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur != RLIM_INFINITY)
		log_warn("%s failed (%s; RLIMIT_MEMLOCK is %llu KiB): secrets may be swapped "
			 "to disk (they are still wiped when freed and left out of core dumps)",
			 what, strerror(err), (unsigned long long)rl.rlim_cur / 1024);
	else
		log_warn("%s failed (%s): secrets may be swapped to disk (they are still wiped "
			 "when freed and left out of core dumps)",
			 what, strerror(err));
}

/*
 * mmap, MADV_DONTDUMP and mlock: zero-filled memory, locked if the limit
 * allows.  *@locked says whether it is.  Return: the mapping or NULL (errno).
 */
static void *map_secret(size_t maplen, bool *locked)
{
	void *map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		return NULL;
	if (madvise(map, maplen, MADV_DONTDUMP))
		warn_once(&warned_dontdump, "madvise(MADV_DONTDUMP)", errno);

	/* Running out of RLIMIT_MEMLOCK must not stop the program: any other
	 * failure is a real error. */
	*locked = true;
	if (mlock(map, maplen)) {
		int err = errno;

		if (err != EPERM && err != ENOMEM && err != EAGAIN) {
			munmap(map, maplen);
			errno = err;
			return NULL;
		}
		warn_once(&warned_mlock, "mlock", err);
		*locked = false;
	}
	return map;
}

/* ---- the arena ------------------------------------------------------- */

static void arena_prepare(void)
{
	pthread_mutex_lock(&arena.a_lock);
}

static void arena_parent(void)
{
	pthread_mutex_unlock(&arena.a_lock);
}

/* The child of fork() inherits the chunks but not their locks. */
static void arena_child(void)
{
	size_t i;

	for (i = 0; i < arena.a_nchunks; i++) {
		struct chunk *ch = arena.a_chunks[i];

		if (ch->ch_locked && mlock(ch->ch_base, ARENA_CHUNK))
			ch->ch_locked = false;
	}
	pthread_mutex_unlock(&arena.a_lock);
}

static void arena_init(void)
{
	/* Without the handler a child's keys would silently be unlocked. */
	if (pthread_atfork(arena_prepare, arena_parent, arena_child))
		log_warn("pthread_atfork failed: a child process's keys will not be locked");
}

static int size_class(size_t len)
{
	int c = 0;

	while ((size_t)ARENA_SLOT_MIN << c < len)
		c++;
	return c;
}

static size_t slot_size(const struct chunk *ch)
{
	return (size_t)ARENA_SLOT_MIN << ch->ch_class;
}

static void room_add(struct chunk *ch)
{
	struct chunk **head = &arena.a_room[ch->ch_class];

	ch->ch_prev = NULL;
	ch->ch_next = *head;
	if (*head)
		(*head)->ch_prev = ch;
	*head = ch;
}

static void room_del(struct chunk *ch)
{
	if (ch->ch_prev)
		ch->ch_prev->ch_next = ch->ch_next;
	else
		arena.a_room[ch->ch_class] = ch->ch_next;
	if (ch->ch_next)
		ch->ch_next->ch_prev = ch->ch_prev;
	ch->ch_prev = ch->ch_next = NULL;
}

/* The index in a_chunks of the chunk holding @p, or where one at @p goes. */
static size_t chunk_search(const void *p, bool *found)
{
	size_t lo = 0, hi = arena.a_nchunks;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint8_t *base = arena.a_chunks[mid]->ch_base;

		if ((uintptr_t)p < (uintptr_t)base) {
			hi = mid;
		} else if ((uintptr_t)p >= (uintptr_t)base + ARENA_CHUNK) {
			lo = mid + 1;
		} else {
			*found = true;
			return mid;
		}
	}
	return lo;
}

static struct chunk *chunk_new(int cls)
{
	unsigned int nslots = ARENA_CHUNK / ((size_t)ARENA_SLOT_MIN << cls);
	struct chunk *ch;
	bool found;
	size_t at;

	if (arena.a_nchunks == arena.a_cap) {
		size_t cap = arena.a_cap ? 2 * arena.a_cap : 16;
		struct chunk **v = realloc(arena.a_chunks, cap * sizeof(*v));

		if (!v)
			return NULL;
		arena.a_chunks = v;
		arena.a_cap = cap;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	ch->ch_free = malloc(nslots * sizeof(*ch->ch_free));
	if (!ch->ch_free)
		goto err;
	ch->ch_base = map_secret(ARENA_CHUNK, &ch->ch_locked);
	if (!ch->ch_base)
		goto err;
	ch->ch_class = (unsigned int)cls;
	ch->ch_nslots = nslots;

	at = chunk_search(ch->ch_base, &found);
	memmove(&arena.a_chunks[at + 1], &arena.a_chunks[at],
		(arena.a_nchunks - at) * sizeof(*arena.a_chunks));
	arena.a_chunks[at] = ch;
	arena.a_nchunks++;
	arena.a_spare[cls]++;
	room_add(ch);
	return ch;

err:
	free(ch->ch_free);
	free(ch);
	return NULL;
}

/* Unmap a chunk with no slot in use; its slots were wiped when freed. */
static void chunk_release(size_t at)
{
	struct chunk *ch = arena.a_chunks[at];

	room_del(ch);
	arena.a_spare[ch->ch_class]--;
	memmove(&arena.a_chunks[at], &arena.a_chunks[at + 1],
		(arena.a_nchunks - at - 1) * sizeof(*arena.a_chunks));
	arena.a_nchunks--;
	if (ch->ch_locked)
		munlock(ch->ch_base, ARENA_CHUNK);
	munmap(ch->ch_base, ARENA_CHUNK);
	free(ch->ch_free);
	free(ch);
}

static void *arena_alloc(size_t len)
{
	int cls = size_class(len);
	struct chunk *ch;
	unsigned int idx;
	void *p;

	pthread_once(&arena_once, arena_init);
	pthread_mutex_lock(&arena.a_lock);
	ch = arena.a_room[cls];
	if (!ch)
		ch = chunk_new(cls);
	if (!ch) {
		pthread_mutex_unlock(&arena.a_lock);
		errno = ENOMEM;
		return NULL;
	}
	idx = ch->ch_nfree ? ch->ch_free[--ch->ch_nfree] : ch->ch_fresh++;
	ch->ch_live[idx / 64] |= 1ULL << (idx % 64);
	if (!ch->ch_used++)
		arena.a_spare[cls]--;
	if (ch->ch_used == ch->ch_nslots)
		room_del(ch);
	arena.a_slots_used++;
	p = ch->ch_base + (size_t)idx * slot_size(ch);
	pthread_mutex_unlock(&arena.a_lock);
	return p; /* zero: fresh from mmap, or wiped when freed */
}

/* Return: false if @p is not in the arena. */
static bool arena_free(void *p)
{
	struct chunk *ch;
	size_t at, off, idx;
	bool found;

	pthread_mutex_lock(&arena.a_lock);
	at = chunk_search(p, &found);
	if (!found) {
		pthread_mutex_unlock(&arena.a_lock);
		return false;
	}
	ch = arena.a_chunks[at];
	off = (size_t)((uint8_t *)p - ch->ch_base);
	idx = off / slot_size(ch);
	/* Not a slot we handed out, or freed twice: going on would corrupt
	 * the arena. */
	if (off % slot_size(ch) || !(ch->ch_live[idx / 64] & (1ULL << (idx % 64))))
		abort();
	ch->ch_live[idx / 64] &= ~(1ULL << (idx % 64));
	explicit_bzero(p, slot_size(ch));
	if (ch->ch_used-- == ch->ch_nslots)
		room_add(ch);
	ch->ch_free[ch->ch_nfree++] = (uint16_t)idx;
	arena.a_slots_used--;
	/* Keep one empty chunk per class; unmap the others. */
	if (!ch->ch_used && arena.a_spare[ch->ch_class]++)
		chunk_release(at);
	pthread_mutex_unlock(&arena.a_lock);
	return true;
}

/* ---- secrets of their own mapping ------------------------------------ */

static void *big_alloc(size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	union secmem_hdr *hdr;
	size_t maplen;
	bool locked;
	void *map;

	if (page <= 0)
		page = 4096;
	if (len > SIZE_MAX - SECMEM_HDR_LEN - (size_t)page) {
		errno = ENOMEM;
		return NULL;
	}
	maplen = (SECMEM_HDR_LEN + len + (size_t)page - 1) & ~((size_t)page - 1);
	map = map_secret(maplen, &locked);
	if (!map)
		return NULL;
	hdr = map;
	hdr->s.sh_magic = SECMEM_MAGIC;
	hdr->s.sh_maplen = maplen;
	pthread_mutex_lock(&arena.a_lock);
	arena.a_big++;
	pthread_mutex_unlock(&arena.a_lock);
	return (uint8_t *)map + SECMEM_HDR_LEN;
}

static void big_free(void *p)
{
	union secmem_hdr *hdr = (union secmem_hdr *)((uint8_t *)p - SECMEM_HDR_LEN);
	size_t maplen;

	/* Unmapping a length we did not map would corrupt memory: stop here. */
	if (hdr->s.sh_magic != SECMEM_MAGIC)
		abort();
	maplen = hdr->s.sh_maplen;

	/* The header too: the whole mapping is wiped, then released. */
	explicit_bzero(hdr, maplen);
	munlock(hdr, maplen);
	munmap(hdr, maplen);
	pthread_mutex_lock(&arena.a_lock);
	arena.a_big--;
	pthread_mutex_unlock(&arena.a_lock);
}

void *ac_secure_alloc(size_t len)
{
	return len <= ARENA_SLOT_MAX ? arena_alloc(len ? len : 1) : big_alloc(len);
}

void ac_secure_free(void *p)
{
	int saved_errno = errno;

	if (!p)
		return;
	if (!arena_free(p))
		big_free(p);
	errno = saved_errno;
}

void ac_secure_stats(struct ac_secure_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&arena.a_lock);
	st->chunks = arena.a_nchunks;
	for (i = 0; i < arena.a_nchunks; i++)
		st->chunks_locked += arena.a_chunks[i]->ch_locked;
	st->chunk_size = ARENA_CHUNK;
	st->slots_used = arena.a_slots_used;
	st->big = arena.a_big;
	pthread_mutex_unlock(&arena.a_lock);
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
