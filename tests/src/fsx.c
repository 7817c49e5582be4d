// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copyright (c) 2026 The algfs authors
 *
 * fsx - random file operations on a filesystem under test, each done the
 * same way on a plain mirror directory, with both trees compared after every
 * one.
 *
 *   fsx [-n OPS] [-S SEED] [-t THREADS] [-F FILES] [-l MAXLEN] [-U] [-D] [-v] TESTDIR MIRRORDIR
 *
 * THREADS threads (default 1) share OPS operations (default 10000).  Thread
 * k owns the names t<k>-f<j> (j < FILES, default 4) in TESTDIR and in its
 * subdirectories t<k>-d0 .. t<k>-d2, which it creates and removes itself,
 * so what each tree must hold is known per thread whatever the interleaving.
 * A thread keeps a model of its names (which name is which file, the link
 * counts, which files it holds open) to choose its next operation; the
 * mirror is the reference for everything else.
 *
 * The operations, by weight: pwrite at random offsets and lengths (unaligned,
 * across 4 KiB and 64 KiB boundaries, past the end of the file to leave
 * holes), pread of random ranges (the bytes and the length returned),
 * ftruncate up and down, fallocate mode 0, FALLOC_FL_PUNCH_HOLE,
 * FALLOC_FL_ZERO_RANGE with and without FALLOC_FL_KEEP_SIZE, and
 * FALLOC_FL_KEEP_SIZE alone (inside and past the end, over whole 4 KiB and
 * 64 KiB blocks and parts of them), appends through O_APPEND, fsync,
 * fdatasync and a directory fsync, dropping the page cache of a file
 * (POSIX_FADV_DONTNEED), mmap reads compared with the mirror, lseek
 * SEEK_DATA/SEEK_HOLE (checked only for what POSIX guarantees), direct I/O
 * (a pwrite or pread through a second descriptor opened O_DIRECT, or through
 * the file's own with O_DIRECT set by fcntl for the call, mixed with the
 * buffered ones; -D leaves it out), close and reopen (sometimes with
 * O_TRUNC), create, rename (within and across
 * directories, over another file, onto another link of the same file),
 * link (then a write through the new name, read back through the old),
 * unlink (sometimes of an open file, which then lives on unnamed), mkdir,
 * rmdir and rename of the subdirectories.
 *
 * After every operation the files it touched are compared: size, type and
 * link count by fstat, content by pread of the whole file; after a namespace
 * operation also the thread's names in each directory listing and, for each
 * name, whether it exists, its type, link count and size, and that names of
 * one file share an inode number and names of different files do not.
 *
 * On the first difference fsx prints, on standard error, the thread, the
 * operation number and what it did, the first differing offset with a hex
 * dump of both sides around it, the thread's last operations and the command
 * line that repeats the run, and exits 1.  Each thread's operations depend
 * only on SEED (printed at the start, default from the clock) and its
 * number; with several threads the interleaving does not repeat.
 *
 * If the filesystem under test answers fallocate (or one of its modes) with
 * EOPNOTSUPP, mmap with ENODEV, an O_DIRECT open with EINVAL, or link with
 * EPERM, ENOSYS or EOPNOTSUPP (no hard links: sshfs -o disable_hardlink), fsx
 * says so once and leaves that operation out.
 *
 * Self-test: FSX_INJECT_BUG=[KIND:]N in the environment leaves out the
 * mirror's side of thread 0's N-th operation of KIND (write, the default,
 * truncate, unlink or rename), so that fsx must report a difference.
 *
 * Standard output: one line with the seed at the start, and one line that
 * counts the operations of each kind at the end.  Exit status: 0 the trees
 * stayed the same, 1 a difference or an error, 2 usage error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_FILES 64
#define NSUBDIRS 3
#define NDIRS (NSUBDIRS + 1) /* dir 0 is TESTDIR itself */
#define NSLOTS (NDIRS * MAX_FILES) /* names a thread may use */
#define MAX_ORPHANS 2 /* unlinked files a thread keeps open */
#define NOBJS (NSLOTS + MAX_ORPHANS + 1)
#define RING 24 /* log lines kept per thread */
#define DESC_LEN 160
#define MAX_IO (320 * 1024) /* the longest single read or write */
#define CHUNK (128 * 1024) /* whole-file comparisons read this much at a time */
#define MAX_LIST 256 /* directory entries compared */
#define NAME_LEN 64
#define PATH_LEN 4096

#define EXIT_DIFF 1
#define EXIT_USAGE 2

enum side { TEST, MIRROR };

enum op {
	OP_WRITE,
	OP_READ,
	OP_TRUNCATE,
	OP_FALLOCATE,
	OP_PUNCH,
	OP_ZERO,
	OP_KEEPSIZE,
	OP_APPEND,
	OP_MMAP,
	OP_SEEK,
	OP_SYNC,
	OP_DROP,
	OP_REOPEN,
	OP_CREATE,
	OP_RENAME,
	OP_LINK,
	OP_UNLINK,
	OP_MKDIR,
	OP_RMDIR,
	OP_RENAMEDIR,
	OP_DIRECT,
	OP_COUNT,
};

struct thread;

/* The operations, their names and weights; the table is at the end. */
struct op_desc {
	const char *name;
	int weight;
	bool (*fn)(struct thread *th); /* false: does not fit the thread's state now */
};

static const struct op_desc op_info[OP_COUNT];

static struct {
	const char *root[2]; /* TESTDIR, MIRRORDIR */
	uint64_t seed;
	long nops;
	int nthreads;
	int nfiles;
	off_t maxlen;
	bool verbose;
	bool hidden_orphans; /* -U */
	bool nfs; /* -N */
	bool no_direct; /* -D */
	enum op inject; /* self-test */
	long inject_n; /* 0: none */
} cfg = {
	.nops = 10000,
	.nthreads = 1,
	.nfiles = 4,
	.maxlen = 1024 * 1024,
};

/* What was found missing on the test filesystem, said once for all threads. */
static atomic_bool noted_fallocate, noted_mmap, noted_seek, noted_link, noted_direct;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

/* A file of the thread's: the same file in both trees. */
struct object {
	bool used;
	int nlink; /* 0: unlinked, but still open */
	int fd[2]; /* -1 while closed */
};

struct thread {
	int id;
	uint64_t rng;
	long nops;
	long opno; /* the current operation, from 1 */
	bool no_fallocate, no_mmap, no_seek, no_link, no_direct;
	bool no_mode[3]; /* OP_PUNCH, OP_ZERO, OP_KEEPSIZE: EOPNOTSUPP on the test side */
	long inject_seen;
	bool dir_exists[NDIRS];
	int slot_obj[NSLOTS]; /* slot d * nfiles + j: t<k>-f<j> in dir d; -1: none */
	struct object obj[NOBJS];
	long count[OP_COUNT];
	char cur[DESC_LEN]; /* what the current operation does */
	char ring[RING][DESC_LEN];
	long ring_opno[RING];
	unsigned int ring_next;
	uint8_t *wbuf, *buf[2];
	pthread_t tid;
};

/* ---- the PRNG: splitmix64, one state per thread ------------------------ */

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(struct thread *th, uint64_t n)
{
	return n ? splitmix(&th->rng) % n : 0;
}

static bool one_in(struct thread *th, uint64_t n)
{
	return below(th, n) == 0;
}

static void fill_random(struct thread *th, uint8_t *p, size_t n)
{
	while (n) {
		uint64_t r = splitmix(&th->rng);
		size_t k = n < sizeof(r) ? n : sizeof(r);

		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

/* ---- names ------------------------------------------------------------- */

static const char *side_name(enum side s)
{
	return s == TEST ? "test" : "mirror";
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "unknown error";
}

static int slot_dir(int slot)
{
	return slot / cfg.nfiles;
}

/* The name of @slot relative to the root, e.g. "t0-d1/t0-f2" or "t0-f2". */
static void slot_rel(const struct thread *th, int slot, char *buf, size_t size)
{
	int d = slot_dir(slot), j = slot % cfg.nfiles;

	if (d)
		snprintf(buf, size, "t%d-d%d/t%d-f%d", th->id, d - 1, th->id, j);
	else
		snprintf(buf, size, "t%d-f%d", th->id, j);
}

static void slot_path(const struct thread *th, enum side s, int slot, char *buf, size_t size)
{
	char rel[NAME_LEN * 2];

	slot_rel(th, slot, rel, sizeof(rel));
	snprintf(buf, size, "%s/%s", cfg.root[s], rel);
}

static void dir_rel(const struct thread *th, int d, char *buf, size_t size)
{
	if (d)
		snprintf(buf, size, "t%d-d%d", th->id, d - 1);
	else
		snprintf(buf, size, ".");
}

static void dir_path(const struct thread *th, enum side s, int d, char *buf, size_t size)
{
	if (d)
		snprintf(buf, size, "%s/t%d-d%d", cfg.root[s], th->id, d - 1);
	else
		snprintf(buf, size, "%s", cfg.root[s]);
}

/* ---- the log and failures ---------------------------------------------- */

static void logline(struct thread *th, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logline(struct thread *th, const char *fmt, ...)
{
	unsigned int i = th->ring_next++ % RING;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(th->ring[i], DESC_LEN, fmt, ap);
	va_end(ap);
	th->ring_opno[i] = th->opno;
	if (cfg.verbose)
		fprintf(stderr, "t%d #%ld %s\n", th->id, th->opno, th->ring[i]);
}

/* Start an operation: it is described, logged, and named in a failure. */
static void begin(struct thread *th, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void begin(struct thread *th, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(th->cur, DESC_LEN, fmt, ap);
	va_end(ap);
	logline(th, "%s", th->cur);
}

/*
 * A failure: fail_begin() prints what went wrong, the caller may add
 * details, fail_end() prints the log and exits.  The first thread to fail
 * keeps fail_lock until the process exits, so the others stay quiet.
 */
static void fail_begin(struct thread *th, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_begin(struct thread *th, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	fprintf(stderr, "fsx: MISMATCH in thread %d, operation #%ld, seed %" PRIu64 "\n", th->id,
		th->opno, cfg.seed);
	fprintf(stderr, "  operation: %s\n  ", th->cur);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) fail_end(struct thread *th)
{
	unsigned int n = th->ring_next < RING ? th->ring_next : RING;

	fprintf(stderr, "  last operations of thread %d, oldest first:\n", th->id);
	for (unsigned int i = th->ring_next - n; i != th->ring_next; i++)
		fprintf(stderr, "    #%-6ld %s\n", th->ring_opno[i % RING], th->ring[i % RING]);
	fprintf(stderr,
		"  to repeat: fsx -S %" PRIu64 " -n %ld -t %d -F %d -l %jd%s%s TESTDIR MIRRORDIR\n",
		cfg.seed, cfg.nops, cfg.nthreads, cfg.nfiles, (intmax_t)cfg.maxlen,
		cfg.hidden_orphans ? " -U" : "", cfg.nfs ? " -N" : "");
	if (cfg.nthreads > 1)
		fprintf(stderr, "  (each thread repeats its operations, but not their "
				"interleaving with the other threads')\n");
	fflush(stderr);
	printf("fsx: FAILED at thread %d operation #%ld, seed %" PRIu64 "\n", th->id, th->opno,
	       cfg.seed);
	fflush(stdout);
	exit(EXIT_DIFF);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(struct thread *th, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_begin(th, "%s", msg);
	fail_end(th);
}

/* The self-test: is this the operation whose mirror side is to be left out? */
static bool injected(struct thread *th, enum op op)
{
	if (th->id != 0 || !cfg.inject_n || cfg.inject != op || ++th->inject_seen != cfg.inject_n)
		return false;
	logline(th, "(self-test: the mirror's side of this %s left out)", op_info[op].name);
	fprintf(stderr, "fsx: self-test: the mirror's side of thread 0's %s #%ld left out\n",
		op_info[op].name, cfg.inject_n);
	return true;
}

/* ---- results of both sides --------------------------------------------- */

struct res {
	long rc;
	int err;
};

static struct res res_of(long rc)
{
	return (struct res){ .rc = rc, .err = rc < 0 ? errno : 0 };
}

static void format_res(struct res r, char *buf, size_t size)
{
	if (r.rc < 0)
		snprintf(buf, size, "-1 (%s)", errname(r.err));
	else
		snprintf(buf, size, "%ld", r.rc);
}

/* Both sides must give the same result. */
static void same_res(struct thread *th, const char *what, struct res t, struct res m)
{
	char bt[64], bm[64];

	if (t.rc == m.rc && t.err == m.err)
		return;
	format_res(t, bt, sizeof(bt));
	format_res(m, bm, sizeof(bm));
	fail(th, "%s: the test filesystem returned %s, the mirror %s", what, bt, bm);
}

/* Both sides must succeed, with the same result. */
static void both_ok(struct thread *th, const char *what, struct res t, struct res m)
{
	same_res(th, what, t, m);
	if (m.rc < 0)
		fail(th,
		     "%s failed on both sides: %s (trouble with the mirror, or fsx's model "
		     "is wrong)",
		     what, errname(m.err));
}

/* ---- hex dumps and whole-file comparisons ------------------------------ */

/*
 * Rows of 16 bytes around @diff, from the file offset @base: @tb holds @tn
 * bytes of the test side, @mb @mn of the mirror; "--" past their ends.
 */
static void dump_around(off_t base, const uint8_t *tb, size_t tn, const uint8_t *mb, size_t mn,
			size_t diff)
{
	size_t n = tn > mn ? tn : mn;
	size_t start = diff >= 32 ? (diff - 32) & ~(size_t)15 : 0;
	size_t end = diff + 48 < n ? diff + 48 : n;

	fprintf(stderr, "  first difference at offset %jd (0x%jx):\n", (intmax_t)(base + diff),
		(uintmax_t)(base + diff));
	for (size_t row = start; row < end; row += 16) {
		char line[2][16 * 3 + 1], mark[16 * 3 + 1];
		bool any = false;

		for (size_t i = 0; i < 16; i++) {
			size_t at = row + i;
			bool in_t = at < tn, in_m = at < mn;
			bool differs = at < end && (in_t != in_m || (in_t && tb[at] != mb[at]));

			if (at < end && in_t)
				snprintf(line[0] + 3 * i, 4, "%02x ", tb[at]);
			else
				snprintf(line[0] + 3 * i, 4, "%s ", at < end ? "--" : "  ");
			if (at < end && in_m)
				snprintf(line[1] + 3 * i, 4, "%02x ", mb[at]);
			else
				snprintf(line[1] + 3 * i, 4, "%s ", at < end ? "--" : "  ");
			snprintf(mark + 3 * i, 4, "%s ", differs ? "^^" : "  ");
			any |= differs;
		}
		fprintf(stderr, "    %08jx test   %s\n", (uintmax_t)(base + row), line[0]);
		fprintf(stderr, "    %8s mirror %s\n", "", line[1]);
		if (any)
			fprintf(stderr, "    %8s        %s\n", "", mark);
	}
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* A pread of the test file at @off returned @t, the same on the mirror @m,
 * into the thread's buffers: the same result and the same bytes. */
static void same_read(struct thread *th, off_t off, struct res t, struct res m)
{
	size_t n = t.rc < 0 ? 0 : (size_t)t.rc;

	same_res(th, "pread", t, m);
	if (memcmp(th->buf[TEST], th->buf[MIRROR], n)) {
		fail_begin(th, "pread returned different bytes");
		dump_around(off, th->buf[TEST], n, th->buf[MIRROR], n,
			    first_diff(th->buf[TEST], th->buf[MIRROR], n));
		fail_end(th);
	}
}

/* pread until @len bytes or the end of the file.  Return: bytes, or -1. */
static ssize_t pread_full(int fd, uint8_t *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/*
 * Compare the file open as @tfd on the test side with @mfd on the mirror's:
 * type, size and link count by fstat, then every byte.  @what names it.
 */
static void compare_fds(struct thread *th, const char *what, int tfd, int mfd)
{
	struct stat ts, ms;
	off_t end, off;

	if (fstat(tfd, &ts))
		fail(th, "fstat %s on the test filesystem: %s", what, errname(errno));
	if (fstat(mfd, &ms))
		fail(th, "fstat %s on the mirror: %s", what, errname(errno));
	if ((ts.st_mode & S_IFMT) != (ms.st_mode & S_IFMT))
		fail(th, "%s: file type 0%o on the test filesystem, 0%o on the mirror", what,
		     ts.st_mode & S_IFMT, ms.st_mode & S_IFMT);
	if (ts.st_nlink != ms.st_nlink && !cfg.nfs)
		fail(th, "%s: fstat link count %ju on the test filesystem, %ju on the mirror", what,
		     (uintmax_t)ts.st_nlink, (uintmax_t)ms.st_nlink);

	end = ts.st_size > ms.st_size ? ts.st_size : ms.st_size;
	for (off = 0; off <= end; off += CHUNK) {
		ssize_t tn = pread_full(tfd, th->buf[TEST], CHUNK, off);
		ssize_t mn = pread_full(mfd, th->buf[MIRROR], CHUNK, off);
		size_t n, d;

		if (tn < 0)
			fail(th, "pread %s at %jd on the test filesystem: %s", what, (intmax_t)off,
			     errname(errno));
		if (mn < 0)
			fail(th, "pread %s at %jd on the mirror: %s", what, (intmax_t)off,
			     errname(errno));
		n = (size_t)(tn < mn ? tn : mn);
		d = first_diff(th->buf[TEST], th->buf[MIRROR], n);
		if (d < n || tn != mn) {
			fail_begin(th, "%s: content differs (size by fstat: test %jd, mirror %jd)",
				   what, (intmax_t)ts.st_size, (intmax_t)ms.st_size);
			if (tn != mn)
				fprintf(stderr,
					"  pread of %d bytes at %jd returned %zd on the test "
					"filesystem, %zd on the mirror\n",
					CHUNK, (intmax_t)off, tn, mn);
			dump_around(off, th->buf[TEST], (size_t)tn, th->buf[MIRROR], (size_t)mn, d);
			fail_end(th);
		}
		if ((size_t)tn < CHUNK)
			break;
	}
	if (ts.st_size != ms.st_size)
		fail(th,
		     "%s: fstat size %jd on the test filesystem, %jd on the mirror (the "
		     "bytes read are the same)",
		     what, (intmax_t)ts.st_size, (intmax_t)ms.st_size);
}

/* ---- the model --------------------------------------------------------- */

static int nslots(void)
{
	return NDIRS * cfg.nfiles;
}

/* The slots naming object @o; returns how many. */
static int obj_slots(const struct thread *th, int o, int *slots)
{
	int n = 0;

	for (int s = 0; s < nslots(); s++)
		if (th->slot_obj[s] == o)
			slots[n++] = s;
	return n;
}

static bool obj_open(const struct thread *th, int o)
{
	return th->obj[o].fd[TEST] >= 0;
}

static int norphans(const struct thread *th)
{
	int n = 0;

	for (int o = 0; o < NOBJS; o++)
		n += th->obj[o].used && th->obj[o].nlink == 0;
	return n;
}

/* A random object, or -1 when there is none; @named: only ones with a name. */
static int pick_obj(struct thread *th, bool named)
{
	int cand[NOBJS], n = 0;

	for (int o = 0; o < NOBJS; o++)
		if (th->obj[o].used && (!named || th->obj[o].nlink > 0))
			cand[n++] = o;
	return n ? cand[below(th, (uint64_t)n)] : -1;
}

/* A random slot that names a file, or -1. */
static int pick_used_slot(struct thread *th)
{
	int cand[NSLOTS], n = 0;

	for (int s = 0; s < nslots(); s++)
		if (th->slot_obj[s] >= 0)
			cand[n++] = s;
	return n ? cand[below(th, (uint64_t)n)] : -1;
}

/* A random slot in an existing directory; @free: only unused ones.  -1: none. */
static int pick_slot(struct thread *th, bool free)
{
	int cand[NSLOTS], n = 0;

	for (int s = 0; s < nslots(); s++)
		if (th->dir_exists[slot_dir(s)] && (!free || th->slot_obj[s] < 0))
			cand[n++] = s;
	return n ? cand[below(th, (uint64_t)n)] : -1;
}

static bool dir_empty(const struct thread *th, int d)
{
	for (int j = 0; j < cfg.nfiles; j++)
		if (th->slot_obj[d * cfg.nfiles + j] >= 0)
			return false;
	return true;
}

/* A name of @o for messages: its first slot, or "(unlinked file N)". */
static void obj_name(const struct thread *th, int o, char *buf, size_t size)
{
	int slots[NSLOTS];

	if (obj_slots(th, o, slots) > 0)
		slot_rel(th, slots[0], buf, size);
	else
		snprintf(buf, size, "(unlinked file %d of t%d)", o, th->id);
}

static void close_obj(struct thread *th, int o)
{
	struct res t, m;

	if (!obj_open(th, o))
		return;
	t = res_of(close(th->obj[o].fd[TEST]));
	m = res_of(close(th->obj[o].fd[MIRROR]));
	th->obj[o].fd[TEST] = th->obj[o].fd[MIRROR] = -1;
	both_ok(th, "close", t, m);
}

/* Open @slot on both sides with @flags; fds into @fds. */
static void open_slot(struct thread *th, int slot, int flags, int fds[2])
{
	char path[PATH_LEN];
	struct res r[2];

	for (int s = TEST; s <= MIRROR; s++) {
		slot_path(th, (enum side)s, slot, path, sizeof(path));
		fds[s] = open(path, flags | O_CLOEXEC, 0644);
		r[s] = res_of(fds[s]);
	}
	if (fds[TEST] >= 0 && fds[MIRROR] >= 0)
		return;
	/* Not the fd numbers: only whether both failed the same way. */
	if (fds[TEST] >= 0)
		r[TEST].rc = 0;
	if (fds[MIRROR] >= 0)
		r[MIRROR].rc = 0;
	both_ok(th, "open", r[TEST], r[MIRROR]);
}

/* Open @o through one of its names, unless it is open. */
static void ensure_open(struct thread *th, int o)
{
	int slots[NSLOTS], n, slot;
	char rel[NAME_LEN * 2];

	if (obj_open(th, o))
		return;
	n = obj_slots(th, o, slots);
	slot = slots[below(th, (uint64_t)n)];
	slot_rel(th, slot, rel, sizeof(rel));
	logline(th, "  (open %s O_RDWR)", rel);
	open_slot(th, slot, O_RDWR, th->obj[o].fd);
}

/*
 * Compare object @o on both sides: through its fds if it is open, else
 * through fresh read-only fds opened by one of its names.
 */
static void compare_obj(struct thread *th, int o)
{
	char name[NAME_LEN * 2];
	int slots[NSLOTS], fds[2], slot;

	if (obj_open(th, o)) {
		obj_name(th, o, name, sizeof(name));
		compare_fds(th, name, th->obj[o].fd[TEST], th->obj[o].fd[MIRROR]);
		return;
	}
	slot = slots[below(th, (uint64_t)obj_slots(th, o, slots))];
	slot_rel(th, slot, name, sizeof(name));
	open_slot(th, slot, O_RDONLY, fds);
	compare_fds(th, name, fds[TEST], fds[MIRROR]);
	close(fds[TEST]);
	close(fds[MIRROR]);
}

/* The size of @o, which is open, by the mirror. */
static off_t obj_size(struct thread *th, int o)
{
	struct stat st;

	if (fstat(th->obj[o].fd[MIRROR], &st))
		fail(th, "fstat on the mirror: %s", errname(errno));
	return st.st_size;
}

/* One link of @o is gone: forget it, close it, or keep it open unnamed. */
static void drop_link(struct thread *th, int o)
{
	struct object *ob = &th->obj[o];

	if (--ob->nlink > 0)
		return;
	if (obj_open(th, o) && norphans(th) <= MAX_ORPHANS && one_in(th, 3)) {
		logline(th, "  (keeps the unlinked file open as object %d)", o);
		return;
	}
	close_obj(th, o);
	ob->used = false;
}

/*
 * -U: close the thread's unlinked open files.  Network filesystems keep such a
 * file as a hidden name in its directory until it is closed (sshfs:
 * .fuse_hidden*, NFS: .nfs*), so that the directory cannot be removed or
 * renamed over meanwhile (ENOTEMPTY).
 */
static void close_orphans(struct thread *th)
{
	if (!cfg.hidden_orphans)
		return;
	for (int o = 0; o < NOBJS; o++) {
		if (!th->obj[o].used || th->obj[o].nlink > 0)
			continue;
		logline(th, "  (closes the unlinked object %d first: -U)", o);
		close_obj(th, o);
		th->obj[o].used = false;
	}
}

/*
 * -U: the hidden name of a closed file goes when the backing filesystem
 * closes it, which may come a little after close() returns (FUSE sends the
 * release asynchronously).  Whether the @tries-th removal of an empty
 * directory, which gave @t, is to be tried again, after a pause: for up to
 * 5 seconds while it fails with ENOTEMPTY.
 */
static bool hidden_left(struct thread *th, struct res t, int tries)
{
	if (!cfg.hidden_orphans || t.rc == 0 || t.err != ENOTEMPTY || tries >= 50)
		return false;
	if (tries == 0)
		logline(th, "  (ENOTEMPTY: tried again while hidden names go: -U)");
	usleep(100 * 1000);
	return true;
}

static int new_obj(struct thread *th)
{
	for (int o = 0; o < NOBJS; o++) {
		if (!th->obj[o].used) {
			th->obj[o] = (struct object){ .used = true, .nlink = 1, .fd = { -1, -1 } };
			return o;
		}
	}
	fprintf(stderr, "fsx: internal error: out of objects\n");
	exit(EXIT_DIFF);
}

/* ---- namespace checks -------------------------------------------------- */

struct listing {
	int n;
	char name[MAX_LIST][NAME_MAX + 1];
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The entries of @dir (those starting with @prefix), sorted, into @l. */
static void list_dir(struct thread *th, enum side s, const char *dir, const char *prefix,
		     struct listing *l)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		fail(th, "opendir %s on the %s side: %s", dir, side_name(s), errname(errno));
	l->n = 0;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		if (l->n == MAX_LIST)
			fail(th, "readdir %s on the %s side: more than %d entries", dir,
			     side_name(s), MAX_LIST);
		snprintf(l->name[l->n++], NAME_MAX + 1, "%s", de->d_name);
	}
	if (errno)
		fail(th, "readdir %s on the %s side: %s", dir, side_name(s), errname(errno));
	closedir(d);
	qsort(l->name, (size_t)l->n, NAME_MAX + 1, cmp_names);
}

static void print_listing(const char *label, const struct listing *l)
{
	fprintf(stderr, "    %-7s", label);
	for (int i = 0; i < l->n; i++)
		fprintf(stderr, " %s", l->name[i]);
	fprintf(stderr, "%s\n", l->n ? "" : " (none)");
}

static void compare_listing(struct thread *th, int d)
{
	static __thread struct listing l[2];
	char path[PATH_LEN], rel[NAME_LEN], prefix[NAME_LEN];
	bool same;

	/* In TESTDIR only our own names; in our subdirectories everything. */
	if (d)
		prefix[0] = '\0';
	else
		snprintf(prefix, sizeof(prefix), "t%d-", th->id);
	for (int s = TEST; s <= MIRROR; s++) {
		dir_path(th, (enum side)s, d, path, sizeof(path));
		list_dir(th, (enum side)s, path, prefix, &l[s]);
	}
	/* A backing directory that other threads change meanwhile may list
	 * a name twice (tmpfs before 6.6 reads on from a cursor that their
	 * renames move; NFS over tmpfs too), which POSIX allows: once is
	 * enough in the directory the threads share. */
	if (cfg.nthreads > 1 && !d) {
		int n = 0;

		for (int i = 0; i < l[TEST].n; i++)
			if (!n || strcmp(l[TEST].name[n - 1], l[TEST].name[i]))
				memmove(l[TEST].name[n++], l[TEST].name[i], NAME_MAX + 1);
		l[TEST].n = n;
	}
	same = l[TEST].n == l[MIRROR].n;
	for (int i = 0; same && i < l[TEST].n; i++)
		same = !strcmp(l[TEST].name[i], l[MIRROR].name[i]);
	for (int i = 1; same && i < l[TEST].n; i++)
		same = strcmp(l[TEST].name[i - 1], l[TEST].name[i]) != 0;
	if (same)
		return;
	dir_rel(th, d, rel, sizeof(rel));
	fail_begin(th, "directory listing of %s%s differs:", rel,
		   d ? "" : " (this thread's names)");
	print_listing("test", &l[TEST]);
	print_listing("mirror", &l[MIRROR]);
	fail_end(th);
}

static void lstat_both(struct thread *th, const char *what, const char *tpath, const char *mpath,
		       struct stat st[2], bool exist[2])
{
	struct res r[2];

	r[TEST] = res_of(lstat(tpath, &st[TEST]));
	r[MIRROR] = res_of(lstat(mpath, &st[MIRROR]));
	exist[TEST] = r[TEST].rc == 0;
	exist[MIRROR] = r[MIRROR].rc == 0;
	if (r[MIRROR].rc < 0 && r[MIRROR].err != ENOENT)
		fail(th, "lstat %s on the mirror: %s", what, errname(r[MIRROR].err));
	same_res(th, what, r[TEST], r[MIRROR]);
}

/*
 * Everything about the thread's names: the listings of TESTDIR and of its
 * subdirectories; for every name whether it exists, its type, link count and
 * size; and the inode numbers of names of the same and of different files.
 */
static void check_names(struct thread *th)
{
	char tpath[PATH_LEN], mpath[PATH_LEN], what[NAME_LEN * 3];
	ino_t ino[NSLOTS];
	struct stat st[2];
	bool exist[2];

	compare_listing(th, 0);
	for (int d = 1; d < NDIRS; d++) {
		char rel[NAME_LEN];

		dir_rel(th, d, rel, sizeof(rel));
		dir_path(th, TEST, d, tpath, sizeof(tpath));
		dir_path(th, MIRROR, d, mpath, sizeof(mpath));
		snprintf(what, sizeof(what), "lstat %s", rel);
		lstat_both(th, what, tpath, mpath, st, exist);
		if (exist[MIRROR] != th->dir_exists[d])
			fail(th, "fsx's model has %s %s, the mirror not", rel,
			     th->dir_exists[d] ? "existing" : "gone");
		if (!exist[MIRROR])
			continue;
		if (!S_ISDIR(st[TEST].st_mode))
			fail(th, "%s is not a directory on the test filesystem (mode 0%o)", rel,
			     st[TEST].st_mode);
		compare_listing(th, d);
	}

	for (int s = 0; s < nslots(); s++) {
		char rel[NAME_LEN * 2];
		int o = th->slot_obj[s];

		if (!th->dir_exists[slot_dir(s)])
			continue;
		slot_rel(th, s, rel, sizeof(rel));
		slot_path(th, TEST, s, tpath, sizeof(tpath));
		slot_path(th, MIRROR, s, mpath, sizeof(mpath));
		snprintf(what, sizeof(what), "lstat %s", rel);
		lstat_both(th, what, tpath, mpath, st, exist);
		if (exist[MIRROR] != (o >= 0))
			fail(th, "fsx's model has %s %s, the mirror not", rel,
			     o >= 0 ? "existing" : "gone");
		if (o < 0)
			continue;
		if (!S_ISREG(st[TEST].st_mode))
			fail(th, "%s: not a regular file on the test filesystem (mode 0%o)", rel,
			     st[TEST].st_mode);
		if (st[TEST].st_nlink != st[MIRROR].st_nlink && !cfg.nfs)
			fail(th, "%s: link count %ju on the test filesystem, %ju on the mirror",
			     rel, (uintmax_t)st[TEST].st_nlink, (uintmax_t)st[MIRROR].st_nlink);
		if (st[TEST].st_size != st[MIRROR].st_size)
			fail(th, "%s: size %jd on the test filesystem, %jd on the mirror", rel,
			     (intmax_t)st[TEST].st_size, (intmax_t)st[MIRROR].st_size);
		ino[s] = st[TEST].st_ino;
		for (int s2 = 0; s2 < s; s2++) {
			char rel2[NAME_LEN * 2];
			int o2 = th->slot_obj[s2];

			if (o2 < 0 || !th->dir_exists[slot_dir(s2)])
				continue;
			if ((o2 == o) == (ino[s2] == ino[s]))
				continue;
			slot_rel(th, s2, rel2, sizeof(rel2));
			fail(th,
			     "%s and %s are %s file but have inode numbers %ju and %ju on the "
			     "test filesystem",
			     rel2, rel, o2 == o ? "the same" : "not the same", (uintmax_t)ino[s2],
			     (uintmax_t)ino[s]);
		}
	}
}

/* ---- data operations --------------------------------------------------- */

/* An offset near a multiple of @bs, within the size limit. */
static off_t near_boundary(struct thread *th, off_t bs)
{
	off_t k = (off_t)below(th, (uint64_t)(cfg.maxlen / bs + 1));

	return k * bs + (off_t)below(th, 17) - 8;
}

/* A random range to write, for a file of @size: @off + @len <= maxlen. */
static void pick_write(struct thread *th, off_t size, off_t *offp, size_t *lenp)
{
	off_t off, max = cfg.maxlen;
	size_t len;

	switch (below(th, 10)) {
	case 0:
	case 1:
		off = (off_t)below(th, (uint64_t)max);
		break;
	case 2:
		off = near_boundary(th, 4096);
		break;
	case 3:
		off = near_boundary(th, 65536);
		break;
	case 4:
		off = size + (off_t)below(th, 33) - 16; /* around the end */
		break;
	case 5:
		off = size + 1 + (off_t)below(th, 256 * 1024); /* past it: a hole */
		break;
	default:
		off = (off_t)below(th, (uint64_t)size + 1);
		break;
	}
	if (off < 0)
		off = 0;
	if (off >= max)
		off = (off_t)below(th, (uint64_t)max);

	switch (below(th, 10)) {
	case 0:
	case 1:
		len = 1 + below(th, 16);
		break;
	case 2:
	case 3:
	case 4:
		len = 1 + below(th, 4096);
		break;
	case 5:
		len = one_in(th, 2) ? 4096 : 65536;
		break;
	case 6:
	case 7:
		len = 1 + below(th, 65536 + 4096);
		break;
	case 8: /* to just past the next 64 KiB boundary */
		len = (size_t)(65536 - off % 65536) + below(th, 9);
		break;
	default:
		len = 1 + below(th, MAX_IO);
		break;
	}
	if ((off_t)len > max - off)
		len = (size_t)(max - off);
	*offp = off;
	*lenp = len;
}

/* pwrite the same bytes on both sides, unless the self-test leaves one out. */
static void write_both(struct thread *th, const int fds[2], const uint8_t *p, size_t len, off_t off,
		       enum op op)
{
	struct res t, m;

	t = res_of(pwrite(fds[TEST], p, len, off));
	if (injected(th, op))
		m = t;
	else
		m = res_of(pwrite(fds[MIRROR], p, len, off));
	both_ok(th, "pwrite", t, m);
	if ((size_t)t.rc != len)
		fail(th, "pwrite of %zu bytes wrote %ld", len, t.rc);
}

static bool op_write(struct thread *th)
{
	int o = pick_obj(th, false);
	char name[NAME_LEN * 2];
	off_t size, off;
	size_t len;

	if (o < 0)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	pick_write(th, size, &off, &len);
	obj_name(th, o, name, sizeof(name));
	begin(th, "write %s off 0x%jx len 0x%zx (size 0x%jx)", name, (intmax_t)off, len,
	      (intmax_t)size);
	fill_random(th, th->wbuf, len);
	write_both(th, th->obj[o].fd, th->wbuf, len, off, OP_WRITE);
	compare_obj(th, o);
	return true;
}

static bool op_read(struct thread *th)
{
	int o = pick_obj(th, false);
	char name[NAME_LEN * 2];
	struct res t, m;
	off_t size, off;
	size_t len;

	if (o < 0)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	switch (below(th, 4)) {
	case 0:
		off = near_boundary(th, one_in(th, 2) ? 4096 : 65536);
		break;
	case 1:
		off = size + (off_t)below(th, 8193) - 4096;
		break;
	default:
		off = (off_t)below(th, (uint64_t)size + 1);
		break;
	}
	if (off < 0)
		off = 0;
	len = one_in(th, 2) ? 1 + below(th, 8192) : 1 + below(th, MAX_IO);
	obj_name(th, o, name, sizeof(name));
	begin(th, "read %s off 0x%jx len 0x%zx (size 0x%jx)", name, (intmax_t)off, len,
	      (intmax_t)size);
	t = res_of(pread(th->obj[o].fd[TEST], th->buf[TEST], len, off));
	m = res_of(pread(th->obj[o].fd[MIRROR], th->buf[MIRROR], len, off));
	if (m.rc >= 0 && (size_t)m.rc != len && off + m.rc < size)
		fail(th, "pread on the mirror returned %ld bytes, short of the end", m.rc);
	same_read(th, off, t, m);
	compare_obj(th, o);
	return true;
}

static off_t pick_size(struct thread *th, off_t size)
{
	off_t max = cfg.maxlen, n;

	switch (below(th, 8)) {
	case 0:
		n = 0;
		break;
	case 1:
		n = (off_t)below(th, (uint64_t)max + 1) | 1; /* odd */
		break;
	case 2:
		n = near_boundary(th, 4096);
		break;
	case 3:
		n = near_boundary(th, 65536);
		break;
	case 4:
		n = size + (off_t)below(th, 65) - 32;
		break;
	case 5:
		n = size + (off_t)below(th, 256 * 1024); /* up, leaving a hole */
		break;
	case 6:
		n = (off_t)below(th, (uint64_t)size + 1); /* down */
		break;
	default:
		n = (off_t)below(th, (uint64_t)max + 1);
		break;
	}
	if (n < 0)
		n = 0;
	return n > max ? max : n;
}

static bool op_truncate(struct thread *th)
{
	int o = pick_obj(th, false);
	char name[NAME_LEN * 2];
	struct res t, m;
	off_t size, n;

	if (o < 0)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	n = pick_size(th, size);
	obj_name(th, o, name, sizeof(name));
	begin(th, "truncate %s 0x%jx -> 0x%jx (%s)", name, (intmax_t)size, (intmax_t)n,
	      n > size	 ? "up"
	      : n < size ? "down"
			 : "same");
	t = res_of(ftruncate(th->obj[o].fd[TEST], n));
	m = injected(th, OP_TRUNCATE) ? t : res_of(ftruncate(th->obj[o].fd[MIRROR], n));
	both_ok(th, "ftruncate", t, m);
	compare_obj(th, o);
	return true;
}

static bool op_fallocate(struct thread *th)
{
	int o = pick_obj(th, false);
	char name[NAME_LEN * 2];
	struct res t, m;
	off_t size, off, len;

	if (o < 0 || th->no_fallocate)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	off = one_in(th, 2) ? (off_t)below(th, (uint64_t)size + 1)
			    : (off_t)below(th, (uint64_t)cfg.maxlen);
	len = 1 + (off_t)below(th, 256 * 1024);
	if (len > cfg.maxlen - off)
		len = cfg.maxlen - off;
	if (len <= 0)
		return false;
	obj_name(th, o, name, sizeof(name));
	begin(th, "fallocate %s off 0x%jx len 0x%jx (size 0x%jx)", name, (intmax_t)off,
	      (intmax_t)len, (intmax_t)size);
	t = res_of(fallocate(th->obj[o].fd[TEST], 0, off, len));
	if (t.rc < 0 && t.err == EOPNOTSUPP) {
		th->no_fallocate = true;
		if (!atomic_exchange(&noted_fallocate, true))
			fprintf(stderr, "fsx: fallocate: EOPNOTSUPP on the test filesystem; "
					"left out from now on\n");
		compare_obj(th, o);
		return true;
	}
	m = res_of(fallocate(th->obj[o].fd[MIRROR], 0, off, len));
	if (m.rc < 0 && m.err == EOPNOTSUPP) {
		/* Mode 0 on the mirror by hand: extend, keep the data. */
		m = (struct res){ 0, 0 };
		if (off + len > size)
			m = res_of(ftruncate(th->obj[o].fd[MIRROR], off + len));
	}
	both_ok(th, "fallocate", t, m);
	compare_obj(th, o);
	return true;
}

/* What a fallocate @mode does to a file of @size, done by hand on the mirror
 * where its filesystem lacks that mode: zeros over the range inside the
 * file, and for FALLOC_FL_ZERO_RANGE without FALLOC_FL_KEEP_SIZE the size. */
static struct res falloc_by_hand(int fd, int mode, off_t off, off_t len, off_t size)
{
	static const uint8_t zeros[65536];
	off_t end = off + len < size ? off + len : size, pos;
	ssize_t n;

	if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)))
		return (struct res){ 0, 0 };
	for (pos = off; pos < end; pos += n) {
		n = pwrite(fd, zeros,
			   end - pos < (off_t)sizeof(zeros) ? (size_t)(end - pos) : sizeof(zeros),
			   pos);
		if (n <= 0)
			return res_of(-1);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > size)
		return res_of(ftruncate(fd, off + len));
	return (struct res){ 0, 0 };
}

/*
 * OP_PUNCH, OP_ZERO, OP_KEEPSIZE: fallocate with FALLOC_FL_PUNCH_HOLE, with
 * FALLOC_FL_ZERO_RANGE (with or without FALLOC_FL_KEEP_SIZE), or with
 * FALLOC_FL_KEEP_SIZE alone, over whole 4 KiB or 64 KiB blocks, parts of
 * blocks, or any range, inside the file or past its end.
 */
static bool falloc_mode(struct thread *th, enum op op)
{
	static const char *const mname[] = { "punch hole", "zero range", "zero range keep size",
					     "keep size" };
	int o = pick_obj(th, false), mode, k;
	off_t size, off, len, bs = one_in(th, 2) ? 4096 : 65536;
	char name[NAME_LEN * 2];
	struct res t, m;
	bool *no = &th->no_mode[op - OP_PUNCH];

	if (o < 0 || *no)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	if (op == OP_PUNCH)
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, k = 0;
	else if (op == OP_KEEPSIZE)
		mode = FALLOC_FL_KEEP_SIZE, k = 3;
	else if (one_in(th, 2))
		mode = FALLOC_FL_ZERO_RANGE, k = 1;
	else
		mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, k = 2;
	switch (below(th, 4)) {
	case 0: /* whole blocks */
		off = (off_t)below(th, (uint64_t)size / bs + 2) * bs;
		len = (1 + (off_t)below(th, 8)) * bs;
		break;
	case 1: /* inside a block, or across an edge */
		off = near_boundary(th, bs);
		len = 1 + (off_t)below(th, bs);
		break;
	case 2: /* up to the end or past it */
		off = (off_t)below(th, (uint64_t)size + 1);
		len = size - off + (off_t)below(th, 2 * bs);
		break;
	default:
		off = one_in(th, 2) ? (off_t)below(th, (uint64_t)size + 1)
				    : (off_t)below(th, (uint64_t)cfg.maxlen);
		len = 1 + (off_t)below(th, 256 * 1024);
		break;
	}
	if (off < 0)
		off = 0;
	if (len > cfg.maxlen - off)
		len = cfg.maxlen - off;
	if (len <= 0)
		return false;
	obj_name(th, o, name, sizeof(name));
	begin(th, "fallocate %s %s off 0x%jx len 0x%jx (size 0x%jx)", mname[k], name,
	      (intmax_t)off, (intmax_t)len, (intmax_t)size);
	t = res_of(fallocate(th->obj[o].fd[TEST], mode, off, len));
	if (t.rc < 0 && t.err == EOPNOTSUPP) {
		*no = true;
		fprintf(stderr,
			"fsx: fallocate %s: EOPNOTSUPP on the test filesystem; left out "
			"from now on in thread %d\n",
			mname[k], th->id);
		compare_obj(th, o);
		return true;
	}
	m = res_of(fallocate(th->obj[o].fd[MIRROR], mode, off, len));
	if (m.rc < 0 && m.err == EOPNOTSUPP)
		m = falloc_by_hand(th->obj[o].fd[MIRROR], mode, off, len, size);
	both_ok(th, "fallocate", t, m);
	compare_obj(th, o);
	return true;
}

static bool op_punch(struct thread *th)
{
	return falloc_mode(th, OP_PUNCH);
}

static bool op_zero(struct thread *th)
{
	return falloc_mode(th, OP_ZERO);
}

static bool op_keepsize(struct thread *th)
{
	return falloc_mode(th, OP_KEEPSIZE);
}

static bool op_append(struct thread *th)
{
	int o = pick_obj(th, true), slots[NSLOTS], n, nslot, slot, fds[2];
	char name[NAME_LEN * 2];
	off_t size, pos[2];
	size_t len[3], total = 0;
	struct res t, m;

	if (o < 0)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	n = 1 + (int)below(th, 3);
	for (int i = 0; i < n; i++) {
		size_t room = (size_t)(cfg.maxlen - size) - total;

		len[i] = one_in(th, 4) ? 1 + below(th, 70000) : 1 + below(th, 5000);
		if (len[i] > room)
			len[i] = room;
		if (!len[i]) {
			n = i;
			break;
		}
		total += len[i];
	}
	if (!n)
		return false;
	nslot = obj_slots(th, o, slots);
	slot = slots[below(th, (uint64_t)nslot)];
	slot_rel(th, slot, name, sizeof(name));
	begin(th, "append %s, %d writes, 0x%zx bytes (size 0x%jx)", name, n, total, (intmax_t)size);
	open_slot(th, slot, O_WRONLY | O_APPEND, fds);
	for (int i = 0; i < n; i++) {
		fill_random(th, th->wbuf, len[i]);
		t = res_of(write(fds[TEST], th->wbuf, len[i]));
		m = res_of(write(fds[MIRROR], th->wbuf, len[i]));
		both_ok(th, "write O_APPEND", t, m);
		if ((size_t)t.rc != len[i])
			fail(th, "write O_APPEND of %zu bytes wrote %ld", len[i], t.rc);
	}
	pos[TEST] = lseek(fds[TEST], 0, SEEK_CUR);
	pos[MIRROR] = lseek(fds[MIRROR], 0, SEEK_CUR);
	if (pos[TEST] != pos[MIRROR])
		fail(th,
		     "after the appends the file offset is %jd on the test filesystem, %jd "
		     "on the mirror",
		     (intmax_t)pos[TEST], (intmax_t)pos[MIRROR]);
	t = res_of(close(fds[TEST]));
	m = res_of(close(fds[MIRROR]));
	both_ok(th, "close", t, m);
	compare_obj(th, o);
	return true;
}

static bool op_mmap(struct thread *th)
{
	int o = pick_obj(th, false);
	long page = sysconf(_SC_PAGESIZE);
	char name[NAME_LEN * 2];
	off_t size, off;
	size_t len, d;
	ssize_t mn;
	uint8_t *map;

	if (o < 0 || th->no_mmap)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	if (size == 0)
		return false;
	off = (off_t)below(th, (uint64_t)size) & ~((off_t)page - 1);
	len = 1 + below(th, (uint64_t)(size - off < MAX_IO ? size - off : MAX_IO));
	obj_name(th, o, name, sizeof(name));
	begin(th, "mmap read %s off 0x%jx len 0x%zx (size 0x%jx)", name, (intmax_t)off, len,
	      (intmax_t)size);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, th->obj[o].fd[TEST], off);
	if (map == MAP_FAILED && errno == ENODEV) {
		th->no_mmap = true;
		if (!atomic_exchange(&noted_mmap, true))
			fprintf(stderr, "fsx: mmap: ENODEV on the test filesystem; left out "
					"from now on\n");
		return true;
	}
	if (map == MAP_FAILED)
		fail(th, "mmap on the test filesystem: %s", errname(errno));
	mn = pread_full(th->obj[o].fd[MIRROR], th->buf[MIRROR], len, off);
	if (mn != (ssize_t)len)
		fail(th, "pread on the mirror: %s", mn < 0 ? errname(errno) : "short");
	d = first_diff(map, th->buf[MIRROR], len);
	if (d < len) {
		fail_begin(th, "the mapped bytes differ from the mirror's");
		dump_around(off, map, len, th->buf[MIRROR], len, d);
		fail_end(th);
	}
	munmap(map, len);
	compare_obj(th, o);
	return true;
}

/* O_DIRECT is refused (EINVAL): say so once, leave it out from now on. */
static bool direct_refused(struct thread *th)
{
	th->no_direct = true;
	if (!atomic_exchange(&noted_direct, true))
		fprintf(stderr, "fsx: O_DIRECT: EINVAL on the test filesystem; left out from "
				"now on\n");
	return true;
}

/*
 * Direct I/O mixed with the buffered descriptors: a pwrite or a pread of a
 * file on the test side through a second descriptor opened O_DIRECT, or
 * through the file's own with O_DIRECT set by fcntl for the call, at any
 * offset and length (FUSE asks for no alignment; the buffers are aligned);
 * plain I/O on the mirror.  Then compare_obj() reads it all back through
 * the buffered descriptor: the page cache must hold what was written.
 */
static bool op_direct(struct thread *th)
{
	int o = pick_obj(th, true), slots[NSLOTS], slot, fd, fl = -1;
	bool write = one_in(th, 2), own = one_in(th, 3);
	char name[NAME_LEN * 2], path[PATH_LEN];
	struct res t, m;
	off_t size, off;
	size_t len;

	if (o < 0 || th->no_direct || cfg.no_direct)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	if (write) {
		pick_write(th, size, &off, &len);
	} else {
		off = one_in(th, 4) ? near_boundary(th, 65536) :
				      (off_t)below(th, (uint64_t)size + 1);
		len = 1 + below(th, MAX_IO);
	}
	slot = slots[below(th, (uint64_t)obj_slots(th, o, slots))];
	slot_rel(th, slot, name, sizeof(name));
	begin(th, "O_DIRECT %s %s off 0x%jx len 0x%zx (size 0x%jx)%s", write ? "write" : "read",
	      name, (intmax_t)off, len, (intmax_t)size, own ? ", fcntl on its descriptor" : "");
	if (own) {
		fd = th->obj[o].fd[TEST];
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			fail(th, "fcntl F_GETFL: %s", errname(errno));
		if (fcntl(fd, F_SETFL, fl | O_DIRECT)) {
			if (errno == EINVAL)
				return direct_refused(th);
			fail(th, "fcntl F_SETFL O_DIRECT: %s", errname(errno));
		}
	} else {
		slot_path(th, TEST, slot, path, sizeof(path));
		fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (fd < 0 && errno == EINVAL)
			return direct_refused(th);
		if (fd < 0)
			fail(th, "open O_DIRECT on the test filesystem: %s", errname(errno));
	}
	if (write) {
		fill_random(th, th->wbuf, len);
		t = res_of(pwrite(fd, th->wbuf, len, off));
		m = res_of(pwrite(th->obj[o].fd[MIRROR], th->wbuf, len, off));
		both_ok(th, "pwrite", t, m);
		if ((size_t)t.rc != len)
			fail(th, "pwrite of %zu bytes wrote %ld", len, t.rc);
	} else {
		t = res_of(pread(fd, th->buf[TEST], len, off));
		m = res_of(pread(th->obj[o].fd[MIRROR], th->buf[MIRROR], len, off));
		same_read(th, off, t, m);
	}
	if (own ? fcntl(fd, F_SETFL, fl) : close(fd))
		fail(th, "%s: %s", own ? "fcntl F_SETFL" : "close", errname(errno));
	compare_obj(th, o);
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Are the mirror's bytes of @o in [@from, @to) all zero? */
static bool mirror_zero(struct thread *th, int o, off_t from, off_t to)
{
	while (from < to) {
		size_t n = to - from < CHUNK ? (size_t)(to - from) : CHUNK;

		if (pread_full(th->obj[o].fd[MIRROR], th->buf[MIRROR], n, from) != (ssize_t)n)
			fail(th, "pread on the mirror at %jd: short or failed", (intmax_t)from);
		if (!all_zero(th->buf[MIRROR], n))
			return false;
		from += (off_t)n;
	}
	return true;
}

/*
 * SEEK_DATA and SEEK_HOLE from @off < size, checked only for what they
 * promise: a result in [off, size) (SEEK_DATA) or [off, size] (SEEK_HOLE),
 * and zeros where SEEK_DATA skipped a hole (up to the end of the file if it
 * found no data, ENXIO) or where SEEK_HOLE found one (up to the next data).
 */
static bool op_seek(struct thread *th)
{
	int o = pick_obj(th, false), whence = one_in(th, 2) ? SEEK_DATA : SEEK_HOLE;
	const char *wname = whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE";
	char name[NAME_LEN * 2];
	off_t size, off, r;

	if (o < 0 || th->no_seek)
		return false;
	ensure_open(th, o);
	size = obj_size(th, o);
	if (size == 0)
		return false;
	off = (off_t)below(th, (uint64_t)size);
	obj_name(th, o, name, sizeof(name));
	begin(th, "lseek %s 0x%jx %s (size 0x%jx)", name, (intmax_t)off, wname, (intmax_t)size);
	r = lseek(th->obj[o].fd[TEST], off, whence);
	if (r < 0 && (errno == EINVAL || errno == EOPNOTSUPP)) {
		th->no_seek = true;
		if (!atomic_exchange(&noted_seek, true))
			fprintf(stderr,
				"fsx: lseek %s: %s on the test filesystem; left out "
				"from now on\n",
				wname, errname(errno));
		return true;
	}
	if (r < 0 && !(errno == ENXIO && whence == SEEK_DATA))
		fail(th, "lseek %s from %jd < size %jd: %s", wname, (intmax_t)off, (intmax_t)size,
		     errname(errno));
	if (r < 0) {
		if (!mirror_zero(th, o, off, size))
			fail(th,
			     "lseek SEEK_DATA from %jd: ENXIO (no data up to the end), but "
			     "the mirror has data before the end at %jd",
			     (intmax_t)off, (intmax_t)size);
	} else if (r < off || r > size || (whence == SEEK_DATA && r == size)) {
		fail(th, "lseek %s from %jd returned %jd, outside [%jd, %jd%c", wname,
		     (intmax_t)off, (intmax_t)r, (intmax_t)off, (intmax_t)size,
		     whence == SEEK_DATA ? ')' : ']');
	} else if (whence == SEEK_DATA && !mirror_zero(th, o, off, r)) {
		fail(th,
		     "lseek SEEK_DATA from %jd skipped to %jd, but the mirror has data "
		     "between",
		     (intmax_t)off, (intmax_t)r);
	} else if (whence == SEEK_HOLE && r < size) {
		/* The hole found, up to the next data, reads as zeros. */
		off_t d = lseek(th->obj[o].fd[TEST], r, SEEK_DATA);

		if (d < 0 && errno != ENXIO)
			fail(th, "lseek SEEK_DATA from %jd: %s", (intmax_t)r, errname(errno));
		if (d < 0 || d > size)
			d = size;
		if (d <= r || !mirror_zero(th, o, r, d))
			fail(th,
			     "lseek SEEK_HOLE from %jd found a hole at %jd up to %jd (SEEK_DATA), "
			     "but the mirror has data there",
			     (intmax_t)off, (intmax_t)r, (intmax_t)d);
	}
	compare_obj(th, o);
	return true;
}

static bool op_sync(struct thread *th)
{
	int o = pick_obj(th, false), kind = (int)below(th, 3), slots[NSLOTS], fds[2];
	static const char *const names[] = { "fsync", "fdatasync", "fsync of the directory" };
	char name[NAME_LEN * 2], path[PATH_LEN];
	struct res r[2];

	if (o < 0)
		return false;
	if (kind == 2 && th->obj[o].nlink == 0)
		kind = 0;
	ensure_open(th, o);
	obj_name(th, o, name, sizeof(name));
	begin(th, "%s %s", names[kind], name);
	if (kind == 2) {
		obj_slots(th, o, slots);
		for (int s = TEST; s <= MIRROR; s++) {
			dir_path(th, (enum side)s, slot_dir(slots[0]), path, sizeof(path));
			fds[s] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fds[s] < 0)
				fail(th, "open %s: %s", path, errname(errno));
		}
	} else {
		fds[TEST] = th->obj[o].fd[TEST];
		fds[MIRROR] = th->obj[o].fd[MIRROR];
	}
	for (int s = TEST; s <= MIRROR; s++)
		r[s] = res_of(kind == 1 ? fdatasync(fds[s]) : fsync(fds[s]));
	if (kind == 2) {
		close(fds[TEST]);
		close(fds[MIRROR]);
	}
	both_ok(th, names[kind], r[TEST], r[MIRROR]);
	compare_obj(th, o);
	return true;
}

/* Drop the page cache of a file, so that the comparison reads the filesystem. */
static bool op_drop(struct thread *th)
{
	int o = pick_obj(th, false), e[2];
	char name[NAME_LEN * 2];

	if (o < 0)
		return false;
	ensure_open(th, o);
	obj_name(th, o, name, sizeof(name));
	begin(th, "fdatasync + POSIX_FADV_DONTNEED %s", name);
	for (int s = TEST; s <= MIRROR; s++) {
		if (fdatasync(th->obj[o].fd[s]))
			fail(th, "fdatasync on the %s side: %s", side_name((enum side)s),
			     errname(errno));
		e[s] = posix_fadvise(th->obj[o].fd[s], 0, 0, POSIX_FADV_DONTNEED);
	}
	if (e[TEST] != e[MIRROR])
		fail(th, "posix_fadvise: %s on the test filesystem, %s on the mirror",
		     e[TEST] ? errname(e[TEST]) : "0", e[MIRROR] ? errname(e[MIRROR]) : "0");
	compare_obj(th, o);
	return true;
}

static bool op_reopen(struct thread *th)
{
	int o = pick_obj(th, false), slots[NSLOTS], n, slot, flags = O_RDWR;
	char name[NAME_LEN * 2];

	if (o < 0)
		return false;
	obj_name(th, o, name, sizeof(name));
	if (th->obj[o].nlink == 0) {
		begin(th, "close %s", name);
		close_obj(th, o);
		th->obj[o].used = false;
		return true;
	}
	if (obj_open(th, o) && one_in(th, 3)) {
		begin(th, "close %s", name);
		close_obj(th, o);
		compare_obj(th, o);
		return true;
	}
	n = obj_slots(th, o, slots);
	slot = slots[below(th, (uint64_t)n)];
	if (one_in(th, 8))
		flags |= O_TRUNC;
	slot_rel(th, slot, name, sizeof(name));
	begin(th, "%sreopen %s%s", obj_open(th, o) ? "close and " : "", name,
	      flags & O_TRUNC ? " O_TRUNC" : "");
	close_obj(th, o);
	open_slot(th, slot, flags, th->obj[o].fd);
	compare_obj(th, o);
	return true;
}

/* ---- namespace operations ---------------------------------------------- */

static bool op_create(struct thread *th)
{
	int slot = pick_slot(th, true), o;
	char name[NAME_LEN * 2];

	if (slot < 0)
		return false;
	slot_rel(th, slot, name, sizeof(name));
	begin(th, "create %s", name);
	o = new_obj(th);
	open_slot(th, slot, O_RDWR | O_CREAT | O_EXCL, th->obj[o].fd);
	th->slot_obj[slot] = o;
	check_names(th);
	compare_obj(th, o);
	return true;
}

/* Call @fn(@a, @b) with the paths of @from and @to on both sides. */
static void path2_both(struct thread *th, const char *what, int (*fn)(const char *, const char *),
		       int from, int to, bool skip_mirror)
{
	char tfrom[PATH_LEN], tto[PATH_LEN], mfrom[PATH_LEN], mto[PATH_LEN];
	struct res t, m;

	slot_path(th, TEST, from, tfrom, sizeof(tfrom));
	slot_path(th, TEST, to, tto, sizeof(tto));
	slot_path(th, MIRROR, from, mfrom, sizeof(mfrom));
	slot_path(th, MIRROR, to, mto, sizeof(mto));
	t = res_of(fn(tfrom, tto));
	m = skip_mirror ? t : res_of(fn(mfrom, mto));
	both_ok(th, what, t, m);
}

static bool op_rename(struct thread *th)
{
	int from = pick_used_slot(th), to = pick_slot(th, !one_in(th, 3)), o, o2;
	char a[NAME_LEN * 2], b[NAME_LEN * 2];

	if (from < 0 || to < 0 || to == from)
		return false;
	o = th->slot_obj[from];
	o2 = th->slot_obj[to];
	slot_rel(th, from, a, sizeof(a));
	slot_rel(th, to, b, sizeof(b));
	begin(th, "rename %s -> %s%s", a, b,
	      o2 == o	? " (two links of one file: nothing happens)"
	      : o2 >= 0 ? " (over another file)"
			: "");
	path2_both(th, "rename", rename, from, to, injected(th, OP_RENAME));
	if (o2 != o) {
		th->slot_obj[to] = o;
		th->slot_obj[from] = -1;
		if (o2 >= 0)
			drop_link(th, o2);
	}
	check_names(th);
	compare_obj(th, o);
	return true;
}

/* link(), then a write through the new name, read back through the old. */
static bool op_link(struct thread *th)
{
	int from = pick_used_slot(th), to = pick_slot(th, true), o, fds[2];
	char a[NAME_LEN * 2], b[NAME_LEN * 2];
	char tfrom[PATH_LEN], tto[PATH_LEN], mfrom[PATH_LEN], mto[PATH_LEN];
	struct res t, m;
	off_t size, off;
	size_t len;

	if (from < 0 || to < 0 || th->no_link)
		return false;
	o = th->slot_obj[from];
	slot_rel(th, from, a, sizeof(a));
	slot_rel(th, to, b, sizeof(b));
	begin(th, "link %s -> %s", a, b);
	slot_path(th, TEST, from, tfrom, sizeof(tfrom));
	slot_path(th, TEST, to, tto, sizeof(tto));
	slot_path(th, MIRROR, from, mfrom, sizeof(mfrom));
	slot_path(th, MIRROR, to, mto, sizeof(mto));
	t = res_of(link(tfrom, tto));
	if (t.rc < 0 && (t.err == EPERM || t.err == ENOSYS || t.err == EOPNOTSUPP)) {
		/* No hard links here (POSIX: EPERM; sshfs -o disable_hardlink:
		 * ENOSYS).  The names must be as they were. */
		th->no_link = true;
		if (!atomic_exchange(&noted_link, true))
			fprintf(stderr, "fsx: link: %s on the test filesystem; left out from "
					"now on\n", strerror(t.err));
		check_names(th);
		return true;
	}
	m = res_of(link(mfrom, mto));
	both_ok(th, "link", t, m);
	th->slot_obj[to] = o;
	th->obj[o].nlink++;
	check_names(th);

	ensure_open(th, o);
	size = obj_size(th, o);
	pick_write(th, size, &off, &len);
	if (len > 8192)
		len = 8192;
	logline(th, "  (write through %s off 0x%jx len 0x%zx, read through %s)", b, (intmax_t)off,
		len, a);
	open_slot(th, to, O_RDWR, fds);
	fill_random(th, th->wbuf, len);
	write_both(th, fds, th->wbuf, len, off, OP_LINK);
	t = res_of(close(fds[TEST]));
	m = res_of(close(fds[MIRROR]));
	both_ok(th, "close", t, m);
	compare_fds(th, a, th->obj[o].fd[TEST], th->obj[o].fd[MIRROR]);
	open_slot(th, from, O_RDONLY, fds);
	compare_fds(th, a, fds[TEST], fds[MIRROR]);
	close(fds[TEST]);
	close(fds[MIRROR]);
	return true;
}

static int unlink_cb(const char *path, const char *unused)
{
	(void)unused;
	return unlink(path);
}

static bool op_unlink(struct thread *th)
{
	int slot = pick_used_slot(th), o;
	char name[NAME_LEN * 2];

	if (slot < 0)
		return false;
	o = th->slot_obj[slot];
	slot_rel(th, slot, name, sizeof(name));
	if (obj_open(th, o) && one_in(th, 2)) {
		begin(th, "close %s", name);
		close_obj(th, o);
	}
	begin(th, "unlink %s (link count %d%s)", name, th->obj[o].nlink,
	      obj_open(th, o) ? ", open" : "");
	path2_both(th, "unlink", unlink_cb, slot, slot, injected(th, OP_UNLINK));
	th->slot_obj[slot] = -1;
	drop_link(th, o);
	check_names(th);
	if (th->obj[o].used)
		compare_obj(th, o);
	return true;
}

static bool op_mkdir(struct thread *th)
{
	char rel[NAME_LEN], path[2][PATH_LEN];
	int d = 1 + (int)below(th, NSUBDIRS);
	struct res t, m;

	if (th->dir_exists[d])
		return false;
	dir_rel(th, d, rel, sizeof(rel));
	begin(th, "mkdir %s", rel);
	dir_path(th, TEST, d, path[TEST], sizeof(path[TEST]));
	dir_path(th, MIRROR, d, path[MIRROR], sizeof(path[MIRROR]));
	t = res_of(mkdir(path[TEST], 0755));
	m = res_of(mkdir(path[MIRROR], 0755));
	both_ok(th, "mkdir", t, m);
	th->dir_exists[d] = true;
	check_names(th);
	return true;
}

/* The test filesystem may say EEXIST where the mirror says ENOTEMPTY. */
static void expect_notempty(struct thread *th, const char *what, struct res t, struct res m)
{
	if (m.rc == 0 || m.err != ENOTEMPTY)
		fail(th, "%s: the mirror did not fail with ENOTEMPTY", what);
	if (t.rc < 0 && t.err == EEXIST)
		t.err = ENOTEMPTY;
	same_res(th, what, t, m);
}

static bool op_rmdir(struct thread *th)
{
	char rel[NAME_LEN], path[2][PATH_LEN];
	int d = 1 + (int)below(th, NSUBDIRS);
	bool empty = dir_empty(th, d);
	struct res t, m;

	if (!th->dir_exists[d] || cfg.nfs)
		return false;
	dir_rel(th, d, rel, sizeof(rel));
	if (!empty && !one_in(th, 3)) {
		/* rm -r: unlink the files first. */
		begin(th, "rm -r %s", rel);
		for (int j = 0; j < cfg.nfiles; j++) {
			int slot = d * cfg.nfiles + j, o = th->slot_obj[slot];

			if (o < 0)
				continue;
			path2_both(th, "unlink", unlink_cb, slot, slot, false);
			th->slot_obj[slot] = -1;
			drop_link(th, o);
		}
		empty = true;
	} else {
		begin(th, "rmdir %s%s", rel, empty ? "" : " (not empty: must fail)");
	}
	if (empty)
		close_orphans(th);
	dir_path(th, TEST, d, path[TEST], sizeof(path[TEST]));
	dir_path(th, MIRROR, d, path[MIRROR], sizeof(path[MIRROR]));
	t = res_of(rmdir(path[TEST]));
	for (int i = 0; empty && hidden_left(th, t, i); i++)
		t = res_of(rmdir(path[TEST]));
	m = res_of(rmdir(path[MIRROR]));
	if (empty) {
		both_ok(th, "rmdir", t, m);
		th->dir_exists[d] = false;
	} else {
		expect_notempty(th, "rmdir", t, m);
	}
	check_names(th);
	return true;
}

/* Rename a subdirectory to another name, over an empty one if it exists. */
static bool op_renamedir(struct thread *th)
{
	int a = 1 + (int)below(th, NSUBDIRS), b = 1 + (int)below(th, NSUBDIRS);
	char ra[NAME_LEN], rb[NAME_LEN], pa[2][PATH_LEN], pb[2][PATH_LEN];
	bool ok;
	struct res t, m;

	if (a == b || !th->dir_exists[a] || (cfg.nfs && th->dir_exists[b]))
		return false;
	ok = !th->dir_exists[b] || dir_empty(th, b);
	dir_rel(th, a, ra, sizeof(ra));
	dir_rel(th, b, rb, sizeof(rb));
	begin(th, "rename %s -> %s%s", ra, rb,
	      !th->dir_exists[b] ? ""
	      : ok		 ? " (over an empty directory)"
				 : " (over a full directory: must fail)");
	if (ok && th->dir_exists[b])
		close_orphans(th);
	for (int s = TEST; s <= MIRROR; s++) {
		dir_path(th, (enum side)s, a, pa[s], sizeof(pa[s]));
		dir_path(th, (enum side)s, b, pb[s], sizeof(pb[s]));
	}
	t = res_of(rename(pa[TEST], pb[TEST]));
	for (int i = 0; ok && th->dir_exists[b] && hidden_left(th, t, i); i++)
		t = res_of(rename(pa[TEST], pb[TEST]));
	m = res_of(rename(pa[MIRROR], pb[MIRROR]));
	if (ok) {
		both_ok(th, "rename", t, m);
		for (int j = 0; j < cfg.nfiles; j++) {
			th->slot_obj[b * cfg.nfiles + j] = th->slot_obj[a * cfg.nfiles + j];
			th->slot_obj[a * cfg.nfiles + j] = -1;
		}
		th->dir_exists[a] = false;
		th->dir_exists[b] = true;
	} else {
		expect_notempty(th, "rename", t, m);
	}
	check_names(th);
	return true;
}

static const struct op_desc op_info[OP_COUNT] = {
	[OP_WRITE] = { "write", 26, op_write }, /* pwrite */
	[OP_READ] = { "read", 12, op_read }, /* pread */
	[OP_TRUNCATE] = { "truncate", 8, op_truncate }, /* ftruncate */
	[OP_FALLOCATE] = { "fallocate", 4, op_fallocate }, /* mode 0 */
	[OP_PUNCH] = { "punch", 3, op_punch }, /* FALLOC_FL_PUNCH_HOLE */
	[OP_ZERO] = { "zero", 3, op_zero }, /* FALLOC_FL_ZERO_RANGE, KEEP_SIZE or not */
	[OP_KEEPSIZE] = { "keepsize", 2, op_keepsize }, /* FALLOC_FL_KEEP_SIZE alone */
	[OP_APPEND] = { "append", 5, op_append }, /* write with O_APPEND */
	[OP_MMAP] = { "mmap", 4, op_mmap }, /* a read through mmap */
	[OP_SEEK] = { "seek", 3, op_seek }, /* SEEK_DATA, SEEK_HOLE */
	[OP_SYNC] = { "sync", 3, op_sync }, /* fsync, fdatasync, of a directory */
	[OP_DROP] = { "dropcache", 3, op_drop }, /* POSIX_FADV_DONTNEED */
	[OP_REOPEN] = { "reopen", 6, op_reopen }, /* close, open */
	[OP_CREATE] = { "create", 6, op_create }, /* O_CREAT | O_EXCL */
	[OP_RENAME] = { "rename", 6, op_rename }, /* a file */
	[OP_LINK] = { "link", 4, op_link }, /* a hard link */
	[OP_UNLINK] = { "unlink", 4, op_unlink }, /* a file */
	[OP_MKDIR] = { "mkdir", 2, op_mkdir }, /* a subdirectory */
	[OP_RMDIR] = { "rmdir", 2, op_rmdir }, /* or rm -r */
	[OP_RENAMEDIR] = { "renamedir", 2, op_renamedir }, /* a subdirectory */
	[OP_DIRECT] = { "direct", 6, op_direct }, /* pwrite, pread with O_DIRECT */
};

/* ---- threads and main -------------------------------------------------- */

static void *thread_main(void *arg)
{
	struct thread *th = arg;
	int total = 0;

	for (int i = 0; i < OP_COUNT; i++)
		total += op_info[i].weight;
	for (th->opno = 1; th->opno <= th->nops; th->opno++) {
		/* Pick again until an operation fits the thread's state. */
		for (;;) {
			int w = (int)below(th, (uint64_t)total), op = 0;

			while (w >= op_info[op].weight)
				w -= op_info[op++].weight;
			if (op_info[op].fn(th)) {
				th->count[op]++;
				break;
			}
		}
	}
	th->opno--;
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: fsx [-n OPS] [-S SEED] [-t THREADS] [-F FILES] [-l MAXLEN] [-U] [-N] [-D] [-v]\n"
		"           TESTDIR MIRRORDIR\n"
		"\n"
		"Random file operations in TESTDIR (on the filesystem under test), each done\n"
		"the same way in MIRRORDIR (a plain directory), both compared after each.\n"
		"\n"
		"  -n OPS      operations in all, shared by the threads (default 10000)\n"
		"  -S SEED     seed of the random operations (default: from the clock)\n"
		"  -t THREADS  threads, each with names of its own (default 1, at most %d)\n"
		"  -F FILES    file names per thread and directory (default 4, at most %d)\n"
		"  -l MAXLEN   the largest file size, with K or M for KiB or MiB (default 1M)\n"
		"  -U          close the files unlinked while open before removing a directory\n"
		"              or renaming over one: the test filesystem keeps them as hidden\n"
		"              names until closed (sshfs, NFS)\n"
		"  -N          TESTDIR is on NFS, or over it: a removed name of a file that\n"
		"              is still open (by fsx, or by a daemon under TESTDIR) stays,\n"
		"              renamed .nfsXXXX, with its link, until the last close; so\n"
		"              link counts are not compared and no directory is removed or\n"
		"              replaced (it may not be empty yet)\n"
		"  -D          no direct I/O (O_DIRECT) mixed with the buffered I/O\n"
		"  -v          print every operation on standard error\n"
		"\n"
		"Self-test: FSX_INJECT_BUG=[KIND:]N leaves out the mirror's side of thread 0's\n"
		"N-th operation of KIND (write, the default, truncate, unlink or rename); fsx\n"
		"must then report a mismatch.\n"
		"\n"
		"Exit status: 0 no difference, 1 a difference or an error, 2 usage error.\n",
		MAX_THREADS, MAX_FILES);
}

static bool parse_num(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return false;
	if (*end == 'K' || *end == 'k')
		mult = 1024;
	else if (*end == 'M' || *end == 'm')
		mult = 1024 * 1024;
	if (mult > 1)
		end++;
	if (*end || v > max / mult)
		return false;
	*out = v * mult;
	return true;
}

static bool parse_inject(const char *s)
{
	static const struct {
		const char *name;
		enum op op;
	} kinds[] = {
		{ "write", OP_WRITE },
		{ "truncate", OP_TRUNCATE },
		{ "unlink", OP_UNLINK },
		{ "rename", OP_RENAME },
	};
	const char *colon = strchr(s, ':');
	uint64_t n;

	cfg.inject = OP_WRITE;
	if (colon) {
		size_t k;

		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strlen(kinds[k].name) == (size_t)(colon - s) &&
			    !strncmp(s, kinds[k].name, (size_t)(colon - s)))
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0]))
			return false;
		cfg.inject = kinds[k].op;
		s = colon + 1;
	}
	if (!parse_num(s, LONG_MAX, &n) || n == 0)
		return false;
	cfg.inject_n = (long)n;
	return true;
}

/* Names fsx would use ("t<digits>-...") must not be there yet. */
static bool has_fsx_names(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	bool found = false;

	if (!d) {
		fprintf(stderr, "fsx: %s: %s\n", dir, strerror(errno));
		exit(EXIT_USAGE);
	}
	while (!found && (de = readdir(d))) {
		const char *p = de->d_name;

		if (*p++ != 't' || !isdigit((unsigned char)*p))
			continue;
		while (isdigit((unsigned char)*p))
			p++;
		found = *p == '-';
	}
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	static struct thread threads[MAX_THREADS];
	long count[OP_COUNT] = { 0 }, done = 0;
	const char *inject = getenv("FSX_INJECT_BUG");
	bool have_seed = false;
	uint64_t v;
	int c;

	while ((c = getopt(argc, argv, "n:S:t:F:l:UNDvh")) != -1) {
		switch (c) {
		case 'n':
			if (!parse_num(optarg, LONG_MAX, &v))
				goto bad;
			cfg.nops = (long)v;
			break;
		case 'S':
			if (!parse_num(optarg, UINT64_MAX, &v))
				goto bad;
			cfg.seed = v;
			have_seed = true;
			break;
		case 't':
			if (!parse_num(optarg, MAX_THREADS, &v) || v == 0)
				goto bad;
			cfg.nthreads = (int)v;
			break;
		case 'F':
			if (!parse_num(optarg, MAX_FILES, &v) || v == 0)
				goto bad;
			cfg.nfiles = (int)v;
			break;
		case 'l':
			if (!parse_num(optarg, (uint64_t)1 << 40, &v) || v == 0)
				goto bad;
			cfg.maxlen = (off_t)v;
			break;
		case 'U':
			cfg.hidden_orphans = true;
			break;
		case 'N':
			cfg.nfs = true;
			break;
		case 'D':
			cfg.no_direct = true;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_quiet;
		}
	}
	if (argc - optind != 2)
		goto bad_quiet;
	cfg.root[TEST] = argv[optind];
	cfg.root[MIRROR] = argv[optind + 1];
	if (inject && *inject && !parse_inject(inject)) {
		fprintf(stderr, "fsx: FSX_INJECT_BUG=%s: expected [KIND:]N, N >= 1\n", inject);
		return EXIT_USAGE;
	}
	for (int s = TEST; s <= MIRROR; s++) {
		if (has_fsx_names(cfg.root[s])) {
			fprintf(stderr,
				"fsx: %s already holds names like t0-f0; give fsx a "
				"directory without them\n",
				cfg.root[s]);
			return EXIT_USAGE;
		}
	}
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
		cfg.seed %= 1000000000000ull; /* short enough to type */
	}

	printf("fsx: seed %" PRIu64 ", %ld operations, %d thread%s, %d files, max size %jd\n",
	       cfg.seed, cfg.nops, cfg.nthreads, cfg.nthreads == 1 ? "" : "s", cfg.nfiles,
	       (intmax_t)cfg.maxlen);
	fflush(stdout);

	for (int k = 0; k < cfg.nthreads; k++) {
		struct thread *th = &threads[k];
		uint64_t st = cfg.seed ^ (0x5851f42d4c957f2dull * (uint64_t)(k + 1));

		th->id = k;
		th->rng = splitmix(&st);
		th->nops = cfg.nops / cfg.nthreads + (k < cfg.nops % cfg.nthreads);
		th->dir_exists[0] = true;
		for (int s = 0; s < NSLOTS; s++)
			th->slot_obj[s] = -1;
		for (int o = 0; o < NOBJS; o++)
			th->obj[o].fd[TEST] = th->obj[o].fd[MIRROR] = -1;
		/* (aligned, for O_DIRECT) */
		th->wbuf = aligned_alloc(4096, MAX_IO);
		th->buf[TEST] = aligned_alloc(4096, MAX_IO);
		th->buf[MIRROR] = aligned_alloc(4096, MAX_IO);
		if (!th->wbuf || !th->buf[TEST] || !th->buf[MIRROR]) {
			fprintf(stderr, "fsx: out of memory\n");
			return EXIT_DIFF;
		}
		errno = pthread_create(&th->tid, NULL, thread_main, th);
		if (errno) {
			fprintf(stderr, "fsx: pthread_create: %s\n", strerror(errno));
			return EXIT_DIFF;
		}
	}
	for (int k = 0; k < cfg.nthreads; k++) {
		pthread_join(threads[k].tid, NULL);
		for (int i = 0; i < OP_COUNT; i++)
			count[i] += threads[k].count[i];
		done += threads[k].opno;
	}

	printf("fsx: ok, %ld operations:", done);
	for (int i = 0; i < OP_COUNT; i++)
		printf(" %s %ld%s", op_info[i].name, count[i], i + 1 < OP_COUNT ? "," : "\n");
	return 0;

bad:
	fprintf(stderr, "fsx: -%c %s: invalid\n", c, optarg);
bad_quiet:
	usage(stderr);
	return EXIT_USAGE;
}
