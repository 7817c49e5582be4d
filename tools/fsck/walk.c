// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * walk.c - the ciphertext tree, directory by directory in strcmp order of
 * the on-disk names: each directory's IV, every name (short, long with its
 * sidecar, or plaintext), symlink targets (long ones in format 2 in their
 * files at the root), "user." xattrs, algfs's leftovers and files it does
 * not know.  Regular files go to a pool of threads, one per CPU, which
 * check their content (content.c) while the walk goes on; a large file is
 * cut into ranges of blocks that all the threads share.
 *
 * The walk does not go below an entry whose name does not decrypt, nor
 * into a directory whose IV is missing or damaged: its entries cannot be
 * named, and that is one problem, not one per entry.  Nor into
 * /algfs-quarantine, where repairs put what was damaged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fsck.h"
#include "log.h"
#include "process.h"
#include "secmem.h"

#define FK_QUEUE_MAX 4096
#define FK_THREADS_MAX 64
/* A file this large is checked in ranges of FK_RANGE_BYTES by all threads. */
#define FK_SPLIT_BYTES (64u << 20)
#define FK_RANGE_BYTES (16u << 20)
/* The quarantine at the root (repair.c): what is in it was damaged when it
 * was put there, and is not checked again, so that a run after a repair
 * finds nothing left. */
#define FK_QUARANTINE "algfs-quarantine"

/* A whole file (by its path), or a range of the blocks of one (@file). */
struct job {
	char *cpath;
	char *path;
	struct fk_file *file;
	uint64_t first, count;
};

/* The files waiting for a content check, and the threads that check them. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct job q[FK_QUEUE_MAX];
	size_t head, n;
	bool done;
	pthread_t threads[FK_THREADS_MAX];
	unsigned int nthreads;
	struct fk_vol *v;
};

/* A list of names (the root's long-target files, those that symlinks name). */
struct names {
	char **s;
	size_t n, cap;
};

struct walk {
	struct fk_vol *v;
	struct pool pool;
	bool plain; /* a plaintext-names volume */
	struct names longtargets, named;
	void *links; /* tsearch() tree of the files with several links seen */
};

struct link_key {
	dev_t dev;
	ino_t ino;
};

static int link_cmp(const void *a, const void *b)
{
	const struct link_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Whether the file @st, which has several links, was seen before (its
 * content is checked once).  Return: 1, 0, -ENOMEM. */
static int link_seen(struct walk *w, const struct stat *st)
{
	struct link_key *k = malloc(sizeof(*k)), **found;

	if (!k)
		return -ENOMEM;
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	found = tsearch(k, &w->links, link_cmp);
	if (!found) {
		free(k);
		return -ENOMEM;
	}
	if (*found != k) {
		free(k);
		return 1;
	}
	return 0;
}

static bool cancelled(struct fk_vol *v)
{
	return __atomic_load_n(&v->cancelled, __ATOMIC_RELAXED);
}

static int names_add(struct names *ns, const char *s)
{
	char *d;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 16;
		char **p = realloc(ns->s, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ns->s = p;
		ns->cap = cap;
	}
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	ns->s[ns->n++] = d;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_sort(struct names *ns)
{
	if (ns->n)
		qsort(ns->s, ns->n, sizeof(*ns->s), str_cmp);
}

static bool names_has(const struct names *ns, const char *s)
{
	return ns->n && bsearch(&s, ns->s, ns->n, sizeof(*ns->s), str_cmp);
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->s[i]);
	free(ns->s);
	ns->s = NULL;
	ns->n = ns->cap = 0;
}

static void xattr_problem(struct fk_vol *v, const char *cpath, const char *path, const char *disk,
			  const char *what, const char *name)
{
	struct fk_problem *p = fk_problem_add(v, FK_XATTR_DAMAGED, path, cpath,
					      "the %s%s does not decrypt", what, name);

	if (!p || !(p->p_xattr = strdup(disk)))
		fk_io_error(v, -ENOMEM, cpath, "recording a problem");
}

/* Extended attributes of the open file @fd: every "user." name and value
 * must decrypt.  (Linux allows no user xattrs on symlinks.) */
static void check_xattrs(struct fk_vol *v, int fd, const char *cpath, const char *path)
{
	char *list = NULL;
	uint8_t *val = NULL, *pt = NULL;
	ssize_t len = flistxattr(fd, NULL, 0);

	if (len <= 0) {
		if (len < 0 && errno != ENOTSUP)
			fk_io_error(v, -errno, cpath, "cannot list its xattrs");
		return;
	}
	list = malloc((size_t)len + 1);
	if (!list)
		goto nomem;
	len = flistxattr(fd, list, (size_t)len);
	if (len < 0) {
		fk_io_error(v, -errno, cpath, "cannot list its xattrs");
		goto out;
	}
	list[len] = 0;
	for (char *name = list; name < list + len; name += strlen(name) + 1) {
		char plain[AFS_PLAIN_NAME_BUF + 8];
		ssize_t vlen;
		int n;

		if (strncmp(name, AFS_XATTR_PREFIX, strlen(AFS_XATTR_PREFIX)))
			continue;
		/*
		 * Any bytes are a valid name (not only UTF-8 text, as for file
		 * names): the value's tag, over the on-disk name too, is what
		 * shows a damaged name that still decrypts.
		 */
		n = afs_xattr_name_decrypt(v->xattr_key, name, plain);
		if (n < 0) {
			xattr_problem(v, cpath, path, name, "name ", name);
			continue;
		}
		vlen = fgetxattr(fd, name, NULL, 0);
		free(val);
		free(pt);
		val = vlen >= 0 ? malloc((size_t)vlen + 1) : NULL;
		pt = vlen >= 0 ? malloc((size_t)vlen + 1) : NULL;
		if (vlen >= 0 && (!val || !pt))
			goto nomem;
		if (vlen >= 0)
			vlen = fgetxattr(fd, name, val, (size_t)vlen);
		if (vlen < 0) {
			fk_io_error(v, -errno, cpath, "cannot read an xattr");
			continue;
		}
		n = afs_xattr_value_decrypt(&v->vk, name, val, (size_t)vlen, pt);
		explicit_bzero(pt, (size_t)vlen + 1);
		if (n < 0 && !fk_text_ok(plain))
			xattr_problem(v, cpath, path, name, "name ", name);
		else if (n < 0)
			xattr_problem(v, cpath, path, name, "value of ", plain);
		explicit_bzero(plain, sizeof(plain));
	}
	goto out;
nomem:
	fk_io_error(v, -ENOMEM, cpath, "checking its xattrs");
out:
	free(list);
	free(val);
	free(pt);
}

/* The content checks */

static void *worker(void *arg)
{
	struct pool *pl = arg;
	struct fk_vol *v = pl->v;

	for (;;) {
		struct job j;
		int fd, err;

		pthread_mutex_lock(&pl->lock);
		while (!pl->n && !pl->done)
			pthread_cond_wait(&pl->more, &pl->lock);
		if (!pl->n) {
			pthread_mutex_unlock(&pl->lock);
			return NULL;
		}
		j = pl->q[pl->head];
		pl->head = (pl->head + 1) % FK_QUEUE_MAX;
		pl->n--;
		pthread_cond_signal(&pl->room);
		pthread_mutex_unlock(&pl->lock);

		if (j.file) {
			if (!cancelled(v))
				fk_file_check_range(v, j.file, j.first, j.count);
			if (fk_file_range_done(j.file))
				fk_file_finish(v, j.file);
			continue;
		}
		if (!cancelled(v)) {
			fd = fk_openat(v->rootfd, j.cpath,
				       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0)
				check_xattrs(v, fd, j.cpath, j.path);
			err = fd < 0 ? -errno : fk_check_file(v, fd, j.path, j.cpath);
			if (fd >= 0)
				close(fd);
			if (err)
				fk_io_error(v, err, j.cpath, "cannot check the content");
		}
		free(j.cpath);
		free(j.path);
	}
}

static int pool_start(struct pool *pl, struct fk_vol *v)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = cpus < 1 ? 1 : cpus > FK_THREADS_MAX ? FK_THREADS_MAX : (unsigned int)cpus;

	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->more, NULL);
	pthread_cond_init(&pl->room, NULL);
	pl->v = v;
	for (pl->nthreads = 0; pl->nthreads < n; pl->nthreads++) {
		int err = pthread_create(&pl->threads[pl->nthreads], NULL, worker, pl);

		if (err) {
			if (!pl->nthreads)
				return -err;
			break;
		}
	}
	return 0;
}

static void pool_put(struct pool *pl, struct job j)
{
	pthread_mutex_lock(&pl->lock);
	while (pl->n == FK_QUEUE_MAX)
		pthread_cond_wait(&pl->room, &pl->lock);
	pl->q[(pl->head + pl->n) % FK_QUEUE_MAX] = j;
	pl->n++;
	pthread_cond_signal(&pl->more);
	pthread_mutex_unlock(&pl->lock);
}

static int pool_add(struct pool *pl, const char *cpath, const char *path)
{
	struct job j = { strdup(cpath), path ? strdup(path) : NULL, NULL, 0, 0 };

	if (!j.cpath || (path && !j.path)) {
		free(j.cpath);
		free(j.path);
		return -ENOMEM;
	}
	pool_put(pl, j);
	return 0;
}

/* A large file: its header here, its blocks in ranges by every thread. */
static int pool_add_split(struct pool *pl, struct fk_vol *v, int dirfd, const char *name,
			  const char *cpath, const char *path)
{
	uint64_t per = FK_RANGE_BYTES / AFS_BLOCK_DISK_LEN(v->cfg->block_size), n;
	struct fk_file *f;
	int err, fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		fk_io_error(v, -errno, cpath, "cannot open it");
		return 0;
	}
	check_xattrs(v, fd, cpath, path);
	err = fk_file_open(v, fd, path, cpath, &f);
	close(fd);
	if (err) {
		fk_io_error(v, err, cpath, "cannot check the content");
		return err == -ENOMEM ? err : 0;
	}
	if (!f)
		return 0;
	n = (fk_file_blocks(f) + per - 1) / per;
	if (!n) {
		fk_file_ranges(f, 1);
		pool_put(pl, (struct job){ .file = f });
		return 0;
	}
	fk_file_ranges(f, (unsigned int)n);
	for (uint64_t first = 0; first < fk_file_blocks(f); first += per) {
		uint64_t left = fk_file_blocks(f) - first;

		pool_put(pl, (struct job){
				     .file = f, .first = first, .count = left < per ? left : per });
	}
	return 0;
}

static void pool_finish(struct pool *pl)
{
	pthread_mutex_lock(&pl->lock);
	pl->done = true;
	pthread_cond_broadcast(&pl->more);
	pthread_mutex_unlock(&pl->lock);
	for (unsigned int i = 0; i < pl->nthreads; i++)
		pthread_join(pl->threads[i], NULL);
	pthread_mutex_destroy(&pl->lock);
	pthread_cond_destroy(&pl->more);
	pthread_cond_destroy(&pl->room);
}

/* Paths */

static char *join(const char *dir, const char *name, bool plain_root)
{
	char *s;

	if (!dir)
		return NULL;
	if (plain_root ? !strcmp(dir, "/") : !dir[0])
		return plain_root ? (asprintf(&s, "/%s", name) < 0 ? NULL : s) : strdup(name);
	return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

/* Record a problem; on ENOMEM note it (the run then ends with status 8). */
#define PROBLEM(w, ...)                                                          \
	do {                                                                     \
		if (!fk_problem_add((w)->v, __VA_ARGS__))                        \
			fk_io_error((w)->v, -ENOMEM, "", "recording a problem"); \
	} while (0)

/* A long target's file at the root: present, and decrypts. */
static void check_longtarget(struct walk *w, const char *enc, const char *cpath, const char *path)
{
	struct fk_vol *v = w->v;
	uint8_t *buf = malloc(AFS_LONGTARGET_DATA_MAX + 1);
	char *plain = malloc(AFS_TARGET_MAX + 1);
	struct stat st;
	ssize_t n;
	int fd;

	if (!buf || !plain || names_add(&w->named, enc)) {
		fk_io_error(v, -ENOMEM, cpath, "checking its target");
		goto out;
	}
	fd = openat(v->rootfd, enc, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP)
			PROBLEM(w, FK_SYMLINK_DAMAGED, path, cpath, "its target file %s is %s", enc,
				errno == ENOENT ? "missing" : "not a regular file");
		else
			fk_io_error(v, -errno, enc, "cannot open a long-target file");
		goto out;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		PROBLEM(w, FK_SYMLINK_DAMAGED, path, cpath,
			"its target file %s is not a regular file", enc);
		goto out;
	}
	n = pread(fd, buf, AFS_LONGTARGET_DATA_MAX + 1, 0);
	close(fd);
	if (n < 0) {
		fk_io_error(v, -errno, enc, "cannot read a long-target file");
		goto out;
	}
	if (afs_longtarget_open(&v->vk, enc, buf, (size_t)n, plain) < 0)
		PROBLEM(w, FK_SYMLINK_DAMAGED, path, cpath, "its target file %s does not decrypt",
			enc);
	explicit_bzero(plain, AFS_TARGET_MAX + 1);
out:
	free(buf);
	free(plain);
}

static void check_symlink(struct walk *w, int dirfd, const char *name, const char *cpath,
			  const char *path)
{
	struct fk_vol *v = w->v;
	char enc[AFS_SYMLINK_ENC_BUF], plain[AFS_SYMLINK_ENC_BUF];
	ssize_t n = readlinkat(dirfd, name, enc, sizeof(enc) - 1);

	fk_count(v, 0, 0, 1, 0, 0);
	if (n < 0) {
		fk_io_error(v, -errno, cpath, "cannot read the symlink");
		return;
	}
	enc[n] = 0;
	if (v->cfg->format >= 2 && afs_is_longtarget(enc)) {
		check_longtarget(w, enc, cpath, path);
		return;
	}
	if (afs_symlink_decrypt(&v->vk, enc, plain) < 0)
		PROBLEM(w, FK_SYMLINK_DAMAGED, path, cpath, "the target does not decrypt");
	explicit_bzero(plain, sizeof(plain));
}

/* The directory's IV: 0, -ENOENT (missing), -EUCLEAN (not 16 bytes, or not
 * a regular file: *@lenp is SIZE_MAX), -EBADMSG (all zeros), or another
 * -errno. */
static int read_diriv(int dirfd, uint8_t iv[AFS_DIRIV_LEN], size_t *lenp)
{
	uint8_t buf[AFS_DIRIV_LEN + 1];
	struct stat st;
	ssize_t n;
	int fd = openat(dirfd, AFS_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	*lenp = SIZE_MAX;
	if (fd < 0)
		return errno == ELOOP ? -EUCLEAN : -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EUCLEAN;
	}
	*lenp = (size_t)st.st_size;
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n < 0)
		return -errno;
	if (n != AFS_DIRIV_LEN || st.st_size != AFS_DIRIV_LEN)
		return -EUCLEAN;
	if (ac_memeq(buf, (const uint8_t[AFS_DIRIV_LEN]){ 0 }, AFS_DIRIV_LEN))
		return -EBADMSG;
	memcpy(iv, buf, AFS_DIRIV_LEN);
	return 0;
}

/* Whether @name has the length of an encoded name (base64url of 16 to 176
 * bytes): one that does not decrypt is then a damaged name, not a stray. */
static bool looks_encoded(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t k = 1; (64 * k + 2) / 3 <= AFS_NAME_MAX; k++)
		if (len == (64 * k + 2) / 3)
			return true;
	return false;
}

/* The encoded name a long name's sidecar holds; a problem recorded when it
 * cannot be used.  Return: 0 (@enc set), 1 (a problem), -errno. */
static int read_sidecar(struct walk *w, int dirfd, const char *disk, const char *cpath,
			char enc[AFS_ENC_NAME_BUF])
{
	char sc[AFS_SIDECAR_BUF], hash[AFS_LONGNAME_BUF];
	struct stat st;
	ssize_t n;
	int fd, err;

	err = afs_longname_sidecar(disk, sc);
	if (err)
		return err;
	fd = openat(dirfd, sc, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		PROBLEM(w, FK_LONGNAME_NO_SIDECAR, NULL, cpath, "its sidecar %s is missing", sc);
		return 1;
	}
	if (fd < 0 && errno != ELOOP)
		return -errno;
	if (fd >= 0 && fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (fd < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		PROBLEM(w, FK_SIDECAR_MISMATCH, NULL, cpath, "its sidecar is not a regular file");
		return 1;
	}
	n = pread(fd, enc, AFS_ENC_NAME_BUF, 0);
	err = -errno;
	close(fd);
	if (n < 0)
		return err;
	if (n == 0 || n >= AFS_ENC_NAME_BUF || strnlen(enc, (size_t)n) != (size_t)n) {
		PROBLEM(w, FK_SIDECAR_MISMATCH, NULL, cpath,
			"its sidecar holds %zd bytes that are not an encoded name", n);
		return 1;
	}
	enc[n] = 0;
	err = afs_longname_hash(w->v->ctx, enc, hash);
	if (err < 0)
		return err;
	if (strcmp(hash, disk)) {
		PROBLEM(w, FK_SIDECAR_MISMATCH, NULL, cpath,
			"the name in its sidecar does not hash to the entry's name");
		return 1;
	}
	return 0;
}

static int walk_dir(struct walk *w, int dirfd, const char *cpath, const char *path);

/* An entry whose plaintext name is known: check what it is. */
static int walk_entry(struct walk *w, int dirfd, const char *name, const char *cpath,
		      const char *path)
{
	struct fk_vol *v = w->v;
	struct stat st;
	int fd, err = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		fk_io_error(v, -errno, cpath, "cannot stat it");
		return 0;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		fd = fk_openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fk_io_error(v, -errno, cpath, "cannot open the directory");
			return 0;
		}
		check_xattrs(v, fd, cpath, path);
		err = walk_dir(w, fd, cpath, path);
		close(fd);
		return err;
	case S_IFREG:
		err = st.st_nlink > 1 ? link_seen(w, &st) : 0;
		if (err)
			return err < 0 ? err : 0;
		if ((uint64_t)st.st_size >= FK_SPLIT_BYTES && !v->opts.fast)
			return pool_add_split(&w->pool, v, dirfd, name, cpath, path);
		return pool_add(&w->pool, cpath, path);
	case S_IFLNK:
		check_symlink(w, dirfd, name, cpath, path);
		return 0;
	default: /* a FIFO, socket or device node: nothing encrypted in it */
		fk_count(v, 1, 0, 0, 0, 0);
		return 0;
	}
}

/* The entries of a directory, sorted; NULL on error (errno set). */
static char **list_dir(int dirfd, size_t *np)
{
	struct names ns = { 0 };
	struct dirent *de;
	int fd = dup(dirfd);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (names_add(&ns, de->d_name)) {
			closedir(d);
			names_free(&ns);
			errno = ENOMEM;
			return NULL;
		}
	}
	if (errno) {
		int e = errno;

		closedir(d);
		names_free(&ns);
		errno = e;
		return NULL;
	}
	closedir(d);
	names_sort(&ns);
	*np = ns.n;
	if (!ns.s)
		ns.s = calloc(1, sizeof(char *));
	return ns.s;
}

/* What an entry of a directory is, from its name alone. */
enum entry_class {
	EC_SKIP, /* algfs's own file, checked elsewhere */
	EC_LEFTOVER,
	EC_SIDECAR,
	EC_LONGNAME,
	EC_STRAY,
	EC_NAME, /* an encoded name, or a plaintext one */
};

static enum entry_class classify(struct walk *w, const char *name, bool root)
{
	if (root && !strcmp(name, AFS_CONF_NAME))
		return EC_SKIP;
	if (!strcmp(name, AFS_DIRIV_NAME))
		return w->plain ? EC_STRAY : EC_SKIP;
	if (w->v->cfg->format >= 2 && afs_is_longtarget(name))
		return root ? EC_SKIP : EC_STRAY;
	if (afs_is_atomic_leftover(name))
		return EC_LEFTOVER;
	if (w->plain)
		return afs_plain_name_check(name) ? EC_STRAY : EC_NAME;
	if (afs_is_longname_sidecar(name))
		return EC_SIDECAR;
	if (afs_is_longname(name))
		return EC_LONGNAME;
	/* A file an NFS client removed while it was open: its own, until
	 * the last close. */
	if (afs_name_is_nfs_silly(name))
		return EC_SKIP;
	if (afs_name_is_reserved(name) || name[0] == '.')
		return EC_STRAY;
	return EC_NAME;
}

/* The plaintext name of an encoded one, or a problem recorded (and then
 * the walk does not go into the entry).  Return: 0, 1 (a problem), -errno. */
static int decrypt_name(struct walk *w, const uint8_t iv[AFS_DIRIV_LEN], const char *disk,
			const char *enc, const char *cpath, const char *dpath,
			char plain[AFS_PLAIN_NAME_BUF])
{
	struct fk_vol *v = w->v;
	char again[AFS_ENC_NAME_BUF];
	bool lng = strcmp(disk, enc) != 0;
	int n = afs_name_decrypt(v->names_key, iv, enc, plain);
	/* A name short enough for an entry of its own has no sidecar. */
	bool canonical = !lng || afs_name_needs_longname(enc);

	if (n == -ENOMEM)
		return n;
	if (n < 0) {
		if (lng)
			PROBLEM(w, FK_SIDECAR_MISMATCH, NULL, cpath,
				"the name in its sidecar does not decrypt with its directory's IV");
		else if (looks_encoded(disk))
			PROBLEM(w, FK_NAME_UNDECRYPTABLE, NULL, cpath,
				"the name does not decrypt with its directory's IV");
		else
			PROBLEM(w, FK_STRAY, NULL, cpath, "algfs does not know this file");
		return 1;
	}
	n = afs_name_encrypt(v->names_key, iv, plain, again);
	if (n < 0 && n != -EINVAL && n != -ENAMETOOLONG)
		return n;
	if (n < 0 || strcmp(again, enc) || !canonical) {
		char *p = join(dpath, plain, true);

		if (dpath && !p)
			return -ENOMEM;
		PROBLEM(w, FK_NAME_NOT_CANONICAL, p, cpath,
			"the name decrypts, but algfs would store it as another name");
		free(p);
	}
	/*
	 * A name of 16 bytes has no padding to check, so a damaged name or a
	 * wrong IV gives 16 random bytes that pass as a name.  Those are
	 * almost never UTF-8 text.  (A real name in another character set is
	 * reported too; the quarantine keeps it intact.)
	 */
	if (!fk_text_ok(plain)) {
		PROBLEM(w, FK_NAME_UNDECRYPTABLE, NULL, cpath,
			"the name decrypts to bytes that are not UTF-8 text: damaged, or a name "
			"in another character set");
		return 1;
	}
	return 0;
}

/*
 * The long targets that symlinks in the quarantine name (format 2): not
 * orphans.  On-disk names are enough for that, so nothing is decrypted.
 * Return: 0, -ENOMEM.
 */
static int quarantine_targets(struct walk *w, int dirfd, const char *name, unsigned int depth)
{
	char **names, enc[AFS_SYMLINK_ENC_BUF];
	size_t n = 0;
	int fd, err = 0;

	if (w->v->cfg->format < 2 || depth > 64)
		return 0;
	fd = fk_openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	names = list_dir(fd, &n);
	for (size_t i = 0; names && i < n; i++) {
		struct stat st;
		ssize_t len;

		if (!err && !fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW)) {
			if (S_ISDIR(st.st_mode)) {
				err = quarantine_targets(w, fd, names[i], depth + 1);
			} else if (S_ISLNK(st.st_mode)) {
				len = readlinkat(fd, names[i], enc, sizeof(enc) - 1);
				if (len > 0) {
					enc[len] = 0;
					if (afs_is_longtarget(enc))
						err = names_add(&w->named, enc);
				}
			}
		}
		free(names[i]);
	}
	free(names);
	close(fd);
	return err;
}

/* Check the entry @name, whose plaintext path is @dpath/@plain (unknown
 * when @dpath is NULL). */
static int entry(struct walk *w, int dirfd, const char *name, const char *cpath, const char *dpath,
		 const char *plain)
{
	char *path;
	int err;

	if (dpath && !strcmp(dpath, "/") && !strcmp(plain, FK_QUARANTINE))
		return quarantine_targets(w, dirfd, name, 0);
	path = join(dpath, plain, true);
	if (dpath && !path)
		return -ENOMEM;
	err = walk_entry(w, dirfd, name, cpath, path);
	free(path);
	return err;
}

/* One entry of a directory whose IV (if any) is known. */
static int check_one(struct walk *w, int dirfd, char **names, size_t n, const char *name,
		     const uint8_t *iv, const char *dcpath, const char *dpath)
{
	char plain[AFS_PLAIN_NAME_BUF], enc[AFS_ENC_NAME_BUF], *cpath, *path = NULL;
	bool root = !dcpath[0];
	int err = 0;

	cpath = join(dcpath, name, false);
	if (!cpath)
		return -ENOMEM;
	switch (classify(w, name, root)) {
	case EC_SKIP:
		break;
	case EC_LEFTOVER:
		PROBLEM(w, FK_LEFTOVER_TEMP, NULL, cpath,
			"the temporary file of an atomic write that was cut short");
		break;
	case EC_STRAY:
		if (w->plain)
			path = join(dpath, name, true);
		PROBLEM(w, FK_STRAY, path, cpath, "algfs does not know this file");
		break;
	case EC_SIDECAR: {
		char entry[AFS_LONGNAME_BUF];

		snprintf(entry, sizeof(entry), "%.*s", (int)AFS_LONGNAME_LEN, name);
		if (!bsearch(&(const char *){ entry }, names, n, sizeof(*names), str_cmp))
			PROBLEM(w, FK_SIDECAR_ORPHAN, NULL, cpath,
				"no entry %s goes with this sidecar", entry);
		break;
	}
	case EC_LONGNAME:
		if (!iv)
			break;
		err = read_sidecar(w, dirfd, name, cpath, enc);
		if (!err)
			err = decrypt_name(w, iv, name, enc, cpath, dpath, plain);
		if (!err)
			err = entry(w, dirfd, name, cpath, dpath, plain);
		break;
	case EC_NAME:
		if (w->plain) {
			err = entry(w, dirfd, name, cpath, dpath, name);
			break;
		}
		if (!iv)
			break;
		err = decrypt_name(w, iv, name, name, cpath, dpath, plain);
		if (!err)
			err = entry(w, dirfd, name, cpath, dpath, plain);
		break;
	}
	/* Only memory running out stops the walk; the rest is this entry's. */
	if (err < 0 && err != -ENOMEM) {
		fk_io_error(w->v, err, cpath, "cannot check it");
		err = 0;
	}
	explicit_bzero(plain, sizeof(plain));
	free(cpath);
	free(path);
	return err > 0 ? 0 : err;
}

/* How many entries of a directory have names its IV would decrypt. */
static size_t named_entries(struct walk *w, char **names, size_t n, bool root)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		enum entry_class c = classify(w, names[i], root);

		count += c == EC_NAME || c == EC_LONGNAME;
	}
	return count;
}

/* A directory's IV that read_diriv() refused (@e), @len bytes long, with
 * @below entries that it cannot name. */
static void diriv_problem(struct walk *w, int e, size_t len, size_t below, const char *cpath,
			  const char *path)
{
	enum fk_kind kind = e == -ENOENT ? FK_DIRIV_MISSING : FK_DIRIV_BAD;
	char what[64], rest[80] = "";

	if (e == -ENOENT)
		snprintf(what, sizeof(what), "is missing");
	else if (e == -EBADMSG)
		snprintf(what, sizeof(what), "is all zero");
	else if (len == SIZE_MAX)
		snprintf(what, sizeof(what), "is not a regular file");
	else
		snprintf(what, sizeof(what), "has %zu bytes, not %d", len, AFS_DIRIV_LEN);
	if (below)
		snprintf(rest, sizeof(rest), "; the %zu entr%s below cannot be named", below,
			 below == 1 ? "y" : "ies");
	PROBLEM(w, kind, path, cpath, "%s %s%s", AFS_DIRIV_NAME, what, rest);
}

/* The encoded name in the sidecar of the long name @disk, NUL-terminated,
 * with nothing checked or reported.  Return: 0, or -1. */
static int quiet_sidecar(int dirfd, const char *disk, char enc[AFS_ENC_NAME_BUF])
{
	char sc[AFS_SIDECAR_BUF];
	ssize_t n;
	int fd;

	if (afs_longname_sidecar(disk, sc))
		return -1;
	fd = openat(dirfd, sc, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, enc, AFS_ENC_NAME_BUF - 1, 0);
	close(fd);
	if (n <= 0)
		return -1;
	enc[n] = 0;
	return strlen(enc) == (size_t)n ? 0 : -1;
}

/*
 * Whether @iv decrypts none of the names of a directory that has at least
 * two: then the IV was changed, not each of the names, and that is
 * one problem (the names are not reported one by one).  Return: 1, 0, or
 * -ENOMEM.
 */
static int iv_names_none(struct walk *w, int dirfd, char **names, size_t n, const uint8_t *iv,
			 bool root)
{
	char plain[AFS_PLAIN_NAME_BUF], again[AFS_ENC_NAME_BUF], enc[AFS_ENC_NAME_BUF];
	size_t tried = 0;
	int r = 1;

	for (size_t i = 0; i < n && r == 1; i++) {
		enum entry_class c = classify(w, names[i], root);
		const char *name = names[i];
		int k;

		if (c == EC_LONGNAME) {
			/* Its sidecar's name, if it reads; read_sidecar() says the rest. */
			if (quiet_sidecar(dirfd, names[i], enc))
				continue;
			name = enc;
		} else if (c != EC_NAME || !looks_encoded(name)) {
			continue;
		}
		tried++;
		k = afs_name_decrypt(w->v->names_key, iv, name, plain);
		if (k == -ENOMEM)
			r = k;
		else if (k >= 0 && fk_text_ok(plain) &&
			 afs_name_encrypt(w->v->names_key, iv, plain, again) >= 0 &&
			 !strcmp(again, name))
			r = 0;
	}
	explicit_bzero(plain, sizeof(plain));
	return r == 1 && tried < 2 ? 0 : r;
}

static int walk_dir(struct walk *w, int dirfd, const char *cpath, const char *path)
{
	struct fk_vol *v = w->v;
	uint8_t ivbuf[AFS_DIRIV_LEN], *iv = NULL;
	char **names;
	size_t n = 0, len;
	int err = 0;

	fk_count(v, 0, 1, 0, 0, 0);
	if (v->opts.verbose)
		fprintf(stderr, "%s%s\n", path ? "" : "ciphertext ", path ? path : cpath);
	names = list_dir(dirfd, &n);
	if (!names) {
		err = -errno;
		fk_io_error(v, err, cpath[0] ? cpath : ".", "cannot list the directory");
		return err == -ENOMEM ? err : 0;
	}
	if (!w->plain) {
		int e = read_diriv(dirfd, ivbuf, &len);

		if (!e) {
			iv = ivbuf;
			e = iv_names_none(w, dirfd, names, n, iv, !cpath[0]);
			if (e == 1) {
				PROBLEM(w, FK_DIRIV_BAD, path, cpath,
					"%s decrypts none of the %zu names below: it was changed",
					AFS_DIRIV_NAME, named_entries(w, names, n, !cpath[0]));
				iv = NULL;
			} else if (e < 0) {
				err = e;
			}
		} else if (e == -ENOENT || e == -EUCLEAN || e == -EBADMSG)
			diriv_problem(w, e, len, named_entries(w, names, n, !cpath[0]), cpath,
				      path);
		else
			fk_io_error(v, e, cpath[0] ? cpath : ".", "cannot read its algfs.diriv");
	}
	for (size_t i = 0; i < n && !err; i++) {
		if (tu_interrupted()) {
			__atomic_store_n(&v->cancelled, true, __ATOMIC_RELAXED);
			break;
		}
		err = check_one(w, dirfd, names, n, names[i], iv, cpath, path);
		if (!cpath[0] && w->v->cfg->format >= 2 && afs_is_longtarget(names[i]) && !err)
			err = names_add(&w->longtargets, names[i]);
	}
	explicit_bzero(ivbuf, sizeof(ivbuf));
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

/* Long-target files at the root that no symlink names. */
static void longtarget_orphans(struct walk *w)
{
	names_sort(&w->named);
	for (size_t i = 0; i < w->longtargets.n; i++)
		if (!names_has(&w->named, w->longtargets.s[i]))
			PROBLEM(w, FK_LONGTARGET_ORPHAN, NULL, w->longtargets.s[i],
				"no symlink names this file");
}

/* For the progress line: the sum of the regular files' plaintext sizes. */
static uint64_t tree_bytes(int dirfd, uint32_t bs, unsigned int depth)
{
	char **names;
	size_t n = 0;
	uint64_t sum = 0;

	if (depth > 256 || !(names = list_dir(dirfd, &n)))
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (!fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW)) {
			uint64_t psize;

			if (S_ISREG(st.st_mode)) {
				if (!afs_plain_size((uint64_t)st.st_size, bs, &psize))
					sum += psize;
			} else if (S_ISDIR(st.st_mode)) {
				int fd = fk_openat(dirfd, names[i],
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

				if (fd >= 0) {
					sum += tree_bytes(fd, bs, depth + 1);
					close(fd);
				}
			}
		}
		free(names[i]);
	}
	free(names);
	return sum;
}

int fk_walk(struct fk_vol *v)
{
	struct walk *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->v = v;
	w->plain = v->cfg->names == AFS_NAMES_PLAINTEXT;
	if (v->progress)
		v->bytes_total = tree_bytes(v->rootfd, v->cfg->block_size, 0);
	err = pool_start(&w->pool, v);
	if (err) {
		free(w);
		return err;
	}
	check_xattrs(v, v->rootfd, "", "/");
	err = walk_dir(w, v->rootfd, "", "/");
	pool_finish(&w->pool);
	if (!err && !cancelled(v))
		longtarget_orphans(w);
	names_free(&w->longtargets);
	names_free(&w->named);
	tdestroy(w->links, free);
	free(w);
	fk_progress(v, true);
	return err;
}
