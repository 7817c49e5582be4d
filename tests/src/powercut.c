// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * powercut - a writer to cut the power under, and the check that follows.
 *
 *   powercut write DIR SEED   create DIR, then change files and directories
 *                             in it for ever, logging on standard output
 *   powercut check DIR LOG    after the power cut and a reboot: is every
 *                             change that LOG says was made durable there?
 *
 * The writer makes random changes, chosen from SEED: files created with
 * short and long names, appended to, overwritten in the middle, truncated,
 * renamed (across directories too) and removed; directories made, some of
 * them with long names; and now and then a file written and never synced.
 * Before it touches a path it logs "B N PATH", and waits until the line has
 * left the machine (tcdrain: the log is a serial port that the host keeps);
 * once the change is durable (fsync of the file and of each directory whose
 * entries changed) it logs the state the path must have from then on:
 *
 *   F N PATH SIZE HASH   a file of SIZE bytes whose FNV-1a hash is HASH
 *   D N PATH             a directory
 *   X N PATH             nothing
 *
 * A path begun and not ended is in flight: after the cut it may hold
 * anything, or fail to read.  The check reads every path that is not in
 * flight and compares, then walks the whole tree: every directory not in
 * flight lists, every entry stats, every file that is not in flight reads
 * to its end.  It prints one line per problem and a summary, and exits 1
 * when there was a problem.
 *
 * Exit status: 0 all intact, 1 damage found (or the writer failed), 2 usage.
 *
 * Copyright (c) 2026 The algfs authors
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PATHS 4096
#define PATH_LEN 1024
#define MAX_FILE (256 * 1024)

enum kind { NONE, FILE_, DIR_ };

struct entry {
	char path[PATH_LEN];
	enum kind kind;
	bool inflight;
	/* the writer: the content; the check: its size and hash */
	uint8_t *data;
	size_t size;
	uint64_t hash;
};

static struct entry paths[MAX_PATHS];
static size_t npaths;
static const char *top;
static uint64_t rng;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "powercut: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	exit(1);
}

/* One log line, out of the machine before anything else happens. */
static void logline(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	tcdrain(STDOUT_FILENO); /* ENOTTY when not a serial port: fine */
}

static struct entry *find(const char *path)
{
	size_t i;

	for (i = 0; i < npaths; i++)
		if (!strcmp(paths[i].path, path))
			return &paths[i];
	return NULL;
}

static struct entry *add(const char *path)
{
	struct entry *e = find(path);

	if (e)
		return e;
	if (npaths == MAX_PATHS) {
		errno = ENOSPC;
		die("more than %d paths", MAX_PATHS);
	}
	e = &paths[npaths++];
	snprintf(e->path, sizeof(e->path), "%s", path);
	return e;
}

/*
 * The writer.
 */

static unsigned long op;

/* @a/@b in @out (PATH_LEN bytes). */
static void join(char *out, const char *a, const char *b)
{
	if (snprintf(out, PATH_LEN, "%s/%s", a, b) >= PATH_LEN) {
		errno = ENAMETOOLONG;
		die("%s/%s", a, b);
	}
}

static void full(const char *rel, char *out)
{
	join(out, top, rel);
}

static void sync_path(const char *rel, bool data)
{
	char p[PATH_LEN];
	int fd;

	full(rel, p);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", p);
	if ((data ? fdatasync(fd) : fsync(fd)) < 0)
		die("fsync %s", p);
	close(fd);
}

static void parent_of(const char *rel, char *out)
{
	const char *slash = strrchr(rel, '/');

	if (slash)
		snprintf(out, PATH_LEN, "%.*s", (int)(slash - rel), rel);
	else
		strcpy(out, ".");
}

static void sync_parent(const char *rel)
{
	char dir[PATH_LEN];

	parent_of(rel, dir);
	sync_path(dir, false);
}

static void begin(const char *rel)
{
	add(rel)->inflight = true;
	logline("B %lu %s\n", op, rel);
}

static void end_file(struct entry *e)
{
	e->kind = FILE_;
	e->inflight = false;
	logline("F %lu %s %zu %016" PRIx64 "\n", op, e->path, e->size, fnv(e->data, e->size));
}

/* A random durable entry of @kind, or NULL. */
static struct entry *pick(enum kind kind)
{
	size_t i, n = 0, k;

	for (i = 0; i < npaths; i++)
		n += paths[i].kind == kind && !paths[i].inflight;
	if (!n)
		return NULL;
	k = below(n);
	for (i = 0; i < npaths; i++)
		if (paths[i].kind == kind && !paths[i].inflight && !k--)
			return &paths[i];
	return NULL;
}

/* A new name in a random directory: short, or long enough for a sidecar. */
static void new_name(char *rel, const char *what)
{
	struct entry *d = pick(DIR_);
	char base[256];
	size_t len;

	if (below(5) == 0) {
		len = (size_t)snprintf(base, sizeof(base), "%s%lu-", what, op);
		while (len < 200 + below(40))
			base[len++] = (char)('a' + below(26));
		base[len] = 0;
	} else {
		snprintf(base, sizeof(base), "%s%lu", what, op);
	}
	if (d && strcmp(d->path, "."))
		join(rel, d->path, base);
	else
		strcpy(rel, base);
}

static void fill(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)next();
}

static void write_at(const char *rel, int flags, const uint8_t *buf, size_t len, off_t off,
		     bool sync)
{
	char p[PATH_LEN];
	int fd;

	full(rel, p);
	fd = open(p, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		die("open %s", p);
	if (len && pwrite(fd, buf, len, off) != (ssize_t)len)
		die("write %s", p);
	if (sync && fsync(fd) < 0)
		die("fsync %s", p);
	close(fd);
}

static void op_create(bool sync)
{
	char rel[PATH_LEN];
	struct entry *e;

	new_name(rel, sync ? "f" : "u");
	begin(rel);
	e = find(rel);
	e->size = below(5) ? below(MAX_FILE) : below(100);
	e->data = malloc(MAX_FILE);
	if (!e->data)
		die("malloc");
	fill(e->data, e->size);
	write_at(rel, O_CREAT | O_EXCL, e->data, e->size, 0, sync);
	if (!sync) {
		e->kind = FILE_; /* in flight for ever: never picked */
		return;
	}
	sync_parent(rel);
	end_file(e);
}

static void op_change(void)
{
	struct entry *e = pick(FILE_);
	size_t off, len;

	if (!e)
		return;
	begin(e->path);
	switch (below(3)) {
	case 0: /* append */
		off = e->size;
		len = below(MAX_FILE - e->size + 1);
		fill(e->data + off, len);
		write_at(e->path, 0, e->data + off, len, (off_t)off, true);
		e->size += len;
		break;
	case 1: /* overwrite inside */
		off = below(e->size + 1);
		len = below(e->size - off + 1);
		fill(e->data + off, len);
		write_at(e->path, 0, e->data + off, len, (off_t)off, true);
		break;
	default: { /* truncate, shorter or longer */
		char p[PATH_LEN];
		size_t size = below(MAX_FILE);

		full(e->path, p);
		if (truncate(p, (off_t)size) < 0)
			die("truncate %s", p);
		if (size > e->size)
			memset(e->data + e->size, 0, size - e->size);
		e->size = size;
		sync_path(e->path, false);
	}
	}
	end_file(e);
}

static void op_rename(void)
{
	struct entry *e = pick(FILE_), *n;
	char from[PATH_LEN], to[PATH_LEN], rel[PATH_LEN];

	if (!e)
		return;
	new_name(rel, "r");
	begin(e->path);
	begin(rel);
	full(e->path, from);
	full(rel, to);
	if (rename(from, to) < 0)
		die("rename %s", from);
	sync_parent(e->path);
	sync_parent(rel);
	n = find(rel);
	n->data = e->data;
	n->size = e->size;
	e->data = NULL;
	e->kind = NONE;
	e->inflight = false;
	logline("X %lu %s\n", op, e->path);
	end_file(n);
}

static void op_unlink(void)
{
	struct entry *e = pick(FILE_);
	char p[PATH_LEN];

	if (!e)
		return;
	begin(e->path);
	full(e->path, p);
	if (unlink(p) < 0)
		die("unlink %s", p);
	sync_parent(e->path);
	free(e->data);
	e->data = NULL;
	e->kind = NONE;
	e->inflight = false;
	logline("X %lu %s\n", op, e->path);
}

static void op_mkdir(void)
{
	char rel[PATH_LEN], p[PATH_LEN];
	struct entry *e;

	new_name(rel, "d");
	begin(rel);
	full(rel, p);
	if (mkdir(p, 0755) < 0)
		die("mkdir %s", p);
	sync_parent(rel);
	e = find(rel);
	e->kind = DIR_;
	e->inflight = false;
	logline("D %lu %s\n", op, rel);
}

static int do_write(const char *dir, const char *seed)
{
	top = dir;
	rng = strtoull(seed, NULL, 10);
	if (mkdir(top, 0755) < 0)
		die("mkdir %s", top);
	add(".")->kind = DIR_;
	sync_path(".", false);
	sync_path("..", false);
	logline("D 0 .\n");
	for (op = 1;; op++) {
		size_t i, r = below(100), durable = 0, loose = 0, dirs = 0;

		for (i = 0; i < npaths; i++) {
			durable += paths[i].kind == FILE_ && !paths[i].inflight;
			loose += paths[i].kind == FILE_ && paths[i].inflight;
			dirs += paths[i].kind == DIR_;
		}
		if (r < 25 && durable < 40)
			op_create(true);
		else if (r < 30 && loose < 10)
			op_create(false);
		else if (r < 60)
			op_change();
		else if (r < 72)
			op_rename();
		else if (r < 82 && durable > 10)
			op_unlink();
		else if (r < 90 && dirs < 20)
			op_mkdir();
		else
			op_change();
	}
	return 0;
}

/*
 * The check.
 */

static unsigned long problems;

static void problem(const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("DAMAGED %s: ", path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	problems++;
}

/* Whether @rel is in flight or under a directory in flight. */
static bool under_inflight(const char *rel)
{
	char p[PATH_LEN];
	struct entry *e;
	char *slash;

	snprintf(p, sizeof(p), "%s", rel);
	for (;;) {
		e = find(p);
		if (e && e->inflight)
			return true;
		slash = strrchr(p, '/');
		if (!slash)
			return false;
		*slash = 0;
	}
}

/* Read all of @path: its size and hash, or -errno. */
static int read_file(const char *path, size_t *size, uint64_t *hash)
{
	static uint8_t buf[MAX_FILE + 1];
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	*size = got;
	*hash = fnv(buf, got);
	return 0;
}

static size_t walked_files, walked_dirs;

static void walk(const char *rel)
{
	char p[PATH_LEN], child[PATH_LEN];
	struct dirent *de;
	struct stat st;
	size_t size;
	uint64_t hash;
	DIR *d;
	int err;

	full(rel, p);
	d = opendir(p);
	if (!d) {
		problem(rel, "cannot be listed: %s", strerror(errno));
		return;
	}
	walked_dirs++;
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strcmp(rel, "."))
			snprintf(child, sizeof(child), "%s", de->d_name);
		else
			join(child, rel, de->d_name);
		if (!find(child)) {
			problem(child, "is there, but the writer never made it");
			continue;
		}
		if (under_inflight(child))
			continue;
		full(child, p);
		if (lstat(p, &st) < 0) {
			problem(child, "listed, but stat fails: %s", strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			walk(child);
		} else {
			err = read_file(p, &size, &hash);
			if (err)
				problem(child, "cannot be read: %s", strerror(-err));
			walked_files++;
		}
	}
	if (errno)
		problem(rel, "listing fails: %s", strerror(errno));
	closedir(d);
}

static int do_check(const char *dir, const char *logpath)
{
	char line[PATH_LEN + 128], path[PATH_LEN], p[PATH_LEN];
	size_t checked = 0, inflight = 0, lines = 0, i, size;
	unsigned long n;
	struct entry *e;
	struct stat st;
	uint64_t hash;
	FILE *log;
	int err;

	top = dir;
	log = fopen(logpath, "r");
	if (!log)
		die("open %s", logpath);
	/* A line cut short by the power cut has no newline: not counted. */
	while (fgets(line, sizeof(line), log) && strchr(line, '\n')) {
		char c = 0;

		if (sscanf(line, "%c %lu %1023s", &c, &n, path) != 3)
			continue;
		e = add(path);
		lines++;
		switch (c) {
		case 'B':
			e->inflight = true;
			break;
		case 'F':
			if (sscanf(line, "F %lu %*s %zu %" SCNx64, &n, &e->size, &e->hash) != 3)
				continue;
			e->kind = FILE_;
			e->inflight = false;
			break;
		case 'D':
			e->kind = DIR_;
			e->inflight = false;
			break;
		case 'X':
			e->kind = NONE;
			e->inflight = false;
			break;
		}
	}
	fclose(log);
	if (!lines) {
		printf("%s: the log says nothing was made durable\n", logpath);
		return 0;
	}

	for (i = 0; i < npaths; i++) {
		e = &paths[i];
		full(e->path, p);
		if (e->inflight) {
			inflight++;
			continue;
		}
		checked++;
		switch (e->kind) {
		case FILE_:
			err = read_file(p, &size, &hash);
			if (err)
				problem(e->path, "a file that was fsynced cannot be read: %s",
					strerror(-err));
			else if (size != e->size || hash != e->hash)
				problem(e->path, "%zu bytes hashing to %016" PRIx64
					", not the %zu bytes (%016" PRIx64 ") fsynced",
					size, hash, e->size, e->hash);
			break;
		case DIR_:
			if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
				problem(e->path, "a directory that was fsynced is gone");
			break;
		case NONE:
			if (lstat(p, &st) == 0)
				problem(e->path, "removed or renamed, and fsynced, yet still there");
			break;
		}
	}
	walk(".");
	printf("%s: %zu paths as fsynced, %zu in flight at the cut; the tree: %zu directories, "
	       "%zu files read; %lu problem%s\n",
	       dir, checked, inflight, walked_dirs, walked_files, problems,
	       problems == 1 ? "" : "s");
	return problems ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "check"))
		return do_check(argv[2], argv[3]);
	fprintf(stderr, "usage: powercut write DIR SEED | powercut check DIR LOG\n");
	return 2;
}
