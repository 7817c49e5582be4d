// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inode.c - the inode table: one struct afs_inode per backing (dev, ino)
 * that the kernel holds a lookup reference to, and how each is reached.
 *
 * The node ID the kernel sees is derived from the backing file, so that it
 * is the same after a remount and the kernel's file handles (NFS export,
 * open_by_handle_at()) outlive the mount; see "File handles" below.  The
 * root is FUSE_ROOT_ID.  A second hash table finds the inode of a node ID.
 * The table lock guards the hash chains, the lookup counts and the parent
 * links: it is never held on the read or write path (but for finding the
 * inode of a node ID), nor across a system call other than close().
 *
 * Descriptors stay bounded whatever the size of the tree: a file is reached
 * by its parent's descriptor and its name (one fstatat() to look it up or
 * stat it, checked against its inode number), and directories keep theirs
 * in an LRU of f_lru_max entries, opened again by name once closed.  Lock
 * order: a child's i_lock before its parent's; the table lock before the
 * LRU lock; the LRU lock takes an i_lock only with trylock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"
#include "secmem.h"

#define TABLE_MIN 1024
/* Directory descriptors kept open at most, and at least; between the two,
 * a quarter of the open-file limit (the rest is for open files, keys and
 * the kernel backend's sockets). */
#define LRU_MAX 2048
#define LRU_MIN 16
/* Retries of a name-based access that raced with a rename of that file. */
#define LOC_RETRIES 3

void afs_proc_path(int fd, char buf[AFS_PROC_PATH_MAX])
{
	snprintf(buf, AFS_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
}

void afs_backing_path(int fd, char *out, size_t len)
{
	char proc[AFS_PROC_PATH_MAX];
	ssize_t n;

	afs_proc_path(fd, proc);
	n = readlink(proc, out, len - 1);
	out[n > 0 ? n : 0] = 0;
	if (n <= 0)
		snprintf(out, len, "(fd %d)", fd);
}

/*
 * File handles.  The kernel's handle of a FUSE file is its node ID (64 bits)
 * and generation (32 bits); to open one whose inode it no longer caches it
 * sends LOOKUP(node ID, "."), and LOOKUP(node ID, "..") for the parent of a
 * directory.  So the node ID must name the backing file by itself, across
 * a remount, and never name another file once that one is gone.
 *
 * On ext2/3/4, xfs and tmpfs, the backing file's own handle holds just its
 * inode number and generation, so the node ID is
 * (generation << 32 | inode number): the daemon rebuilds the backing handle
 * from it and opens it with open_by_handle_at() (CAP_DAC_READ_SEARCH); a
 * removed file whose number was reused has another generation, so its
 * handle fails with ESTALE.  The generation comes from name_to_handle_at()
 * at each lookup: one system call more per lookup.
 *
 * Files whose handle does not fit (another filesystem mounted inside the
 * cipherdir, a 64-bit inode number, another handle format) and every file
 * of a backing filesystem without such handles get a fallback node ID:
 * a counter in the high 32 bits, 0 in the low 32 (which no inode number
 * is), and a generation that starts at a random value at each mount; the
 * kernel decodes their handles only while it caches them.  Without export
 * support at all (AFS_FH_NONE) the kernel decodes no handle.
 *
 * A file opened by handle is checked to lie in the volume before it is
 * served, as a handle may be forged (an NFS client): a directory by its
 * ".." chain up to the top directory, a regular file by its first block
 * authenticating under the volume's key, a symbolic link by its target
 * decrypting; other files, and files that prove nothing (empty ones),
 * give ESTALE.
 */
static size_t nid_bucket(const struct afs_fs *fs, uint64_t nid)
{
	uint64_t h = nid * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ h >> 29) & (fs->f_table_size - 1);
}

/* The inode of node ID @nid, removed or not, or NULL; under the table lock. */
static struct afs_inode *nid_find_locked(struct afs_fs *fs, uint64_t nid)
{
	struct afs_inode *inode;

	for (inode = fs->f_nids[nid_bucket(fs, nid)]; inode; inode = inode->i_nid_next)
		if (inode->i_nid == nid)
			return inode;
	return NULL;
}

static void nid_insert_locked(struct afs_fs *fs, struct afs_inode *inode)
{
	size_t b = nid_bucket(fs, inode->i_nid);

	inode->i_nid_next = fs->f_nids[b];
	fs->f_nids[b] = inode;
}

static void nid_remove_locked(struct afs_fs *fs, struct afs_inode *inode)
{
	struct afs_inode **pp;

	for (pp = &fs->f_nids[nid_bucket(fs, inode->i_nid)]; *pp; pp = &(*pp)->i_nid_next) {
		if (*pp == inode) {
			*pp = inode->i_nid_next;
			return;
		}
	}
}

/* Whether @nid is made of a backing handle (else a fallback one). */
static bool nid_is_handle(uint64_t nid)
{
	return (nid & 0xffffffffu) && nid != FUSE_ROOT_ID;
}

/* A fallback node ID not in use, and its generation; under the table lock. */
static uint64_t nid_fallback_locked(struct afs_fs *fs, uint32_t *gen)
{
	for (;;) {
		uint64_t c = ++fs->f_nid_next, nid = (c & 0xffffffffu) << 32;

		if (!nid || nid_find_locked(fs, nid))
			continue;
		*gen = fs->f_nid_gen + (uint32_t)(c >> 32);
		return nid;
	}
}

union afs_fh {
	struct file_handle fh;
	unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

/* The node ID held by backing handle @fh of inode number @ino, and its
 * generation; 0 when it holds none. */
static uint64_t nid_of_handle(const struct afs_fs *fs, const struct file_handle *fh, ino_t ino,
			      uint32_t *gen)
{
	uint32_t w[3] = { 0, 0, 0 };
	uint64_t got, nid;
	uint64_t ino64;

	if (fs->f_fh_layout == AFS_FH_NONE || fh->handle_type != fs->f_fh_type ||
	    fh->handle_bytes != fs->f_fh_bytes || fh->handle_bytes > sizeof(w))
		return 0;
	memcpy(w, fh->f_handle, fh->handle_bytes);
	if (fs->f_fh_layout == AFS_FH_INO32_GEN) { /* fs/exportfs: ino, gen */
		got = w[0];
		*gen = w[1];
	} else if (fs->f_fh_layout == AFS_FH_XFS64) { /* fs/xfs/xfs_export.c: ino64, gen */
		memcpy(&ino64, w, sizeof(ino64));
		got = ino64;
		*gen = w[2];
	} else { /* mm/shmem.c: gen, ino low, ino high */
		got = w[1] | (uint64_t)w[2] << 32;
		*gen = w[0];
	}
	if (got != (uint64_t)ino || !got || got > UINT32_MAX)
		return 0;
	nid = (uint64_t)*gen << 32 | got;
	return nid_is_handle(nid) ? nid : 0;
}

/* The backing handle node ID @nid was made of. */
static void handle_of_nid(const struct afs_fs *fs, uint64_t nid, union afs_fh *h)
{
	uint32_t w[3] = { 0, 0, 0 };
	uint64_t ino64 = (uint32_t)nid;

	if (fs->f_fh_layout == AFS_FH_INO32_GEN) {
		w[0] = (uint32_t)nid;
		w[1] = (uint32_t)(nid >> 32);
	} else if (fs->f_fh_layout == AFS_FH_XFS64) {
		memcpy(w, &ino64, sizeof(ino64));
		w[2] = (uint32_t)(nid >> 32);
	} else {
		w[0] = (uint32_t)(nid >> 32);
		w[1] = (uint32_t)nid;
	}
	h->fh.handle_type = fs->f_fh_type;
	h->fh.handle_bytes = fs->f_fh_bytes;
	memcpy(h->fh.f_handle, w, fs->f_fh_bytes);
}

/* The node ID of backing file @name in @dirfd ("" for @dirfd itself), of
 * stat @st, and its generation; 0 for a fallback one. */
static uint64_t nid_of_file(struct afs_fs *fs, int dirfd, const char *name, const struct stat *st,
			    uint32_t *gen)
{
	union afs_fh h;
	int mnt;

	if (fs->f_fh_layout == AFS_FH_NONE || st->st_dev != fs->f_root.i_dev)
		return 0;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dirfd, name, &h.fh, &mnt, *name ? 0 : AT_EMPTY_PATH))
		return 0;
	return nid_of_handle(fs, &h.fh, st->st_ino, gen);
}

struct afs_inode *afs_inode_get(struct afs_fs *fs, fuse_ino_t ino)
{
	struct afs_inode *inode;

	/* A load first: the cache line is written once per idle period,
	 * not by every request. */
	if (!atomic_load_explicit(&fs->f_active, memory_order_relaxed))
		atomic_store_explicit(&fs->f_active, true, memory_order_relaxed);
	if (ino == FUSE_ROOT_ID)
		return &fs->f_root;
	pthread_mutex_lock(&fs->f_table_lock);
	inode = nid_find_locked(fs, ino);
	pthread_mutex_unlock(&fs->f_table_lock);
	if (!inode) {
		/* the kernel names only what it looked up: a bug somewhere */
		log_err("BUG: node ID %#llx is not known", (unsigned long long)ino);
		return &fs->f_stale;
	}
	return inode;
}

fuse_ino_t afs_inode_nodeid(struct afs_fs *fs, const struct afs_inode *inode)
{
	if (inode == &fs->f_root)
		return FUSE_ROOT_ID;
	return inode->i_nid;
}

static size_t bucket(const struct afs_fs *fs, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h ^ h >> 29) & (fs->f_table_size - 1);
}

/* The inode of (@dev, @ino), or NULL; under the table lock. */
static struct afs_inode *find_locked(struct afs_fs *fs, dev_t dev, ino_t ino)
{
	struct afs_inode *inode;

	for (inode = fs->f_table[bucket(fs, dev, ino)]; inode; inode = inode->i_next)
		if (inode->i_ino == ino && inode->i_dev == dev && !inode->i_dead)
			return inode;
	return NULL;
}

/* Double the table when it gets full; under the table lock. */
static void table_grow(struct afs_fs *fs)
{
	size_t old = fs->f_table_size, i;
	struct afs_inode **t = fs->f_table, **n = fs->f_nids, *in, *next;

	fs->f_table = calloc(old * 2, sizeof(*fs->f_table));
	fs->f_nids = calloc(old * 2, sizeof(*fs->f_nids));
	if (!fs->f_table || !fs->f_nids) { /* keep the old ones: longer chains, no harm */
		free(fs->f_table);
		free(fs->f_nids);
		fs->f_table = t;
		fs->f_nids = n;
		return;
	}
	fs->f_table_size = old * 2;
	for (i = 0; i < old; i++) {
		for (in = t[i]; in; in = next) {
			size_t b = bucket(fs, in->i_dev, in->i_ino);

			next = in->i_next;
			in->i_next = fs->f_table[b];
			fs->f_table[b] = in;
		}
		for (in = n[i]; in; in = next) {
			next = in->i_nid_next;
			nid_insert_locked(fs, in);
		}
	}
	free(t);
	free(n);
}

/* --- The LRU of directory descriptors ------------------------------------ */

/* Under the LRU lock. */
static void lru_unlink(struct afs_fs *fs, struct afs_inode *inode)
{
	if (inode->i_lru_prev)
		inode->i_lru_prev->i_lru_next = inode->i_lru_next;
	else
		fs->f_lru_head = inode->i_lru_next;
	if (inode->i_lru_next)
		inode->i_lru_next->i_lru_prev = inode->i_lru_prev;
	else
		fs->f_lru_tail = inode->i_lru_prev;
	inode->i_lru_prev = inode->i_lru_next = NULL;
}

static void lru_push(struct afs_fs *fs, struct afs_inode *inode)
{
	inode->i_lru_prev = NULL;
	inode->i_lru_next = fs->f_lru_head;
	if (fs->f_lru_head)
		fs->f_lru_head->i_lru_prev = inode;
	else
		fs->f_lru_tail = inode;
	fs->f_lru_head = inode;
}

/*
 * Under the LRU lock: close the descriptor of one directory not in use and
 * not used since the clock hand last passed it (a second chance, so that a
 * use costs no lock).  Returns the descriptor to close, or -1.
 */
static int lru_evict_one(struct afs_fs *fs)
{
	unsigned int budget = fs->f_lru_count * 2;
	struct afs_inode *c;
	int fd;

	while (budget-- && (c = fs->f_lru_tail)) {
		lru_unlink(fs, c);
		if (pthread_mutex_trylock(&c->i_lock)) {
			lru_push(fs, c);
			continue;
		}
		if (atomic_load(&c->i_users) || atomic_exchange(&c->i_lru_ref, false)) {
			pthread_mutex_unlock(&c->i_lock);
			lru_push(fs, c);
			continue;
		}
		fd = c->i_fd;
		c->i_fd = -1;
		c->i_in_lru = false;
		fs->f_lru_count--;
		pthread_mutex_unlock(&c->i_lock);
		return fd;
	}
	return -1;
}

/* @dir got a descriptor: enter it, closing others beyond the bound. */
static void lru_add(struct afs_fs *fs, struct afs_inode *dir)
{
	int close_fds[4], n = 0, fd;

	pthread_mutex_lock(&fs->f_lru_lock);
	if (!dir->i_in_lru) {
		dir->i_in_lru = true;
		lru_push(fs, dir);
		fs->f_lru_count++;
	}
	while (fs->f_lru_count > fs->f_lru_max && n < 4) {
		fd = lru_evict_one(fs);
		if (fd < 0)
			break; /* all in use: over the bound until they are put */
		close_fds[n++] = fd;
	}
	pthread_mutex_unlock(&fs->f_lru_lock);
	while (n)
		close(close_fds[--n]);
}

static void lru_del(struct afs_fs *fs, struct afs_inode *inode)
{
	pthread_mutex_lock(&fs->f_lru_lock);
	if (inode->i_in_lru) {
		lru_unlink(fs, inode);
		inode->i_in_lru = false;
		fs->f_lru_count--;
	}
	pthread_mutex_unlock(&fs->f_lru_lock);
}

/* --- Records ------------------------------------------------------------- */

static void inode_free(struct afs_fs *fs, struct afs_inode *inode)
{
	afs_locks_drop_all(inode);
	lru_del(fs, inode);
	if (inode->i_fd >= 0)
		close(inode->i_fd);
	if (inode->i_ofd >= 0)
		close(inode->i_ofd);
	free(inode->i_name);
	ac_key_put(inode->i_key);
	pthread_mutex_destroy(&inode->i_lock);
	pthread_rwlock_destroy(&inode->i_rw);
	free(inode);
}

static struct afs_inode *inode_new(const struct stat *st)
{
	struct afs_inode *inode = calloc(1, sizeof(*inode));

	if (!inode)
		return NULL;
	inode->i_fd = -1;
	inode->i_ofd = -1;
	inode->i_dev = st->st_dev;
	inode->i_ino = st->st_ino;
	inode->i_type = st->st_mode & S_IFMT;
	inode->i_nlookup = 1;
	atomic_init(&inode->i_dacl, -1);
	pthread_mutex_init(&inode->i_lock, NULL);
	pthread_rwlock_init(&inode->i_rw, NULL);
	return inode;
}

/* Under the table lock: take @inode out of the hash table and put it on
 * @freelist when nothing refers to it any more, then its parent likewise. */
static void release_locked(struct afs_fs *fs, struct afs_inode *inode, struct afs_inode **freelist)
{
	struct afs_inode **pp;

	while (inode && inode != &fs->f_root && inode != &fs->f_stale && !inode->i_nlookup &&
	       !inode->i_iref && !atomic_load(&inode->i_users)) {
		struct afs_inode *parent = inode->i_parent;

		nid_remove_locked(fs, inode);
		for (pp = &fs->f_table[bucket(fs, inode->i_dev, inode->i_ino)]; *pp;
		     pp = &(*pp)->i_next) {
			if (*pp == inode) {
				*pp = inode->i_next;
				break;
			}
		}
		fs->f_count--;
		inode->i_next = *freelist;
		*freelist = inode;
		if (!parent)
			break;
		parent->i_iref--;
		inode = parent;
	}
}

static void free_list(struct afs_fs *fs, struct afs_inode *list)
{
	struct afs_inode *next;

	for (; list; list = next) {
		next = list->i_next;
		inode_free(fs, list);
	}
}

/* Under the table lock: @inode is now @name in @dir.  @name is taken over. */
static void set_name_locked(struct afs_fs *fs, struct afs_inode *inode, struct afs_inode *dir,
			    char *name, struct afs_inode **freelist, char **oldname)
{
	struct afs_inode *old;

	dir->i_iref++;
	pthread_mutex_lock(&inode->i_lock);
	old = inode->i_parent;
	*oldname = inode->i_name;
	inode->i_parent = dir;
	inode->i_name = name;
	pthread_mutex_unlock(&inode->i_lock);
	if (old) {
		old->i_iref--;
		release_locked(fs, old, freelist);
	}
}

/* --- Reaching the backing file ------------------------------------------- */

static int check_same(const struct afs_inode *inode, const struct stat *st)
{
	return st->st_ino == inode->i_ino && st->st_dev == inode->i_dev ? 0 : -ESTALE;
}

/* A use of directory @dir, which something else keeps alive meanwhile (the
 * root is never freed nor closed). */
static void hold(struct afs_fs *fs, struct afs_inode *dir)
{
	if (dir != &fs->f_root)
		atomic_fetch_add(&dir->i_users, 1);
}

/*
 * The descriptor of directory @dir, whose i_users the caller holds: the one
 * kept, or a new one opened by name in its parent (held meanwhile) and
 * entered in the LRU.  No lock is held across the system calls, so that
 * a slow reopen stops nobody else.
 */
static int dir_fd_held(struct afs_fs *fs, struct afs_inode *dir)
{
	char name[AFS_ENC_NAME_BUF];
	struct afs_inode *parent;
	struct stat st;
	int pfd, fd, err;

	pthread_mutex_lock(&dir->i_lock);
	atomic_store_explicit(&dir->i_lru_ref, true, memory_order_relaxed);
	fd = dir->i_fd;
	if (fd >= 0 || dir->i_dead || !dir->i_parent || !dir->i_name) {
		pthread_mutex_unlock(&dir->i_lock);
		return fd >= 0 ? fd : -ESTALE;
	}
	/* Our lock on @dir keeps its parent (dir's i_iref on it) until ours
	 * is taken. */
	parent = dir->i_parent;
	hold(fs, parent);
	snprintf(name, sizeof(name), "%s", dir->i_name);
	pthread_mutex_unlock(&dir->i_lock);

	pfd = dir_fd_held(fs, parent);
	fd = pfd < 0 ? pfd : openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd >= 0 && fd < 0)
		fd = errno == ENOENT || errno == ENOTDIR ? -ESTALE : -errno;
	afs_dir_fd_put(fs, parent);
	if (fd < 0)
		return fd;
	err = fstat(fd, &st) ? -errno : check_same(dir, &st);
	if (err) {
		close(fd);
		return err;
	}
	pthread_mutex_lock(&dir->i_lock);
	if (dir->i_fd >= 0) { /* another thread was quicker */
		close(fd);
		fd = dir->i_fd;
		pthread_mutex_unlock(&dir->i_lock);
		return fd;
	}
	dir->i_fd = fd;
	pthread_mutex_unlock(&dir->i_lock);
	lru_add(fs, dir);
	return fd;
}

int afs_dir_fd(struct afs_fs *fs, struct afs_inode *dir)
{
	int fd;

	if (dir == &fs->f_root)
		return dir->i_fd;
	hold(fs, dir);
	fd = dir_fd_held(fs, dir);
	if (fd < 0)
		afs_dir_fd_put(fs, dir);
	return fd;
}

/* Under the table lock, so that whoever drops the last use may free it. */
void afs_dir_fd_put(struct afs_fs *fs, struct afs_inode *dir)
{
	struct afs_inode *freelist = NULL;

	if (dir == &fs->f_root)
		return;
	pthread_mutex_lock(&fs->f_table_lock);
	if (atomic_fetch_sub(&dir->i_users, 1) == 1)
		release_locked(fs, dir, &freelist);
	pthread_mutex_unlock(&fs->f_table_lock);
	free_list(fs, freelist);
}

int afs_loc_get(struct afs_fs *fs, struct afs_inode *inode, struct afs_loc *l)
{
	struct afs_inode *parent;
	int fd;

	l->l_fd = l->l_dirfd = -1;
	l->l_close = false;
	l->l_held = NULL;
	l->l_name[0] = 0;
	if (S_ISDIR(inode->i_type)) {
		fd = afs_dir_fd(fs, inode);
		if (fd < 0)
			return fd;
		l->l_fd = fd;
		l->l_held = inode == &fs->f_root ? NULL : inode;
		return 0;
	}
	pthread_mutex_lock(&inode->i_lock);
	if (inode->i_fd >= 0) {
		/* a pinned file's: the kernel's reference keeps it */
		l->l_fd = inode->i_fd;
		pthread_mutex_unlock(&inode->i_lock);
		return 0;
	}
	if (inode->i_dead || !inode->i_parent) {
		/* removed: only an open handle still reaches it */
		fd = -ESTALE;
		if (inode->i_ofd >= 0) {
			l->l_fd = fcntl(inode->i_ofd, F_DUPFD_CLOEXEC, 0);
			l->l_close = l->l_fd >= 0;
			fd = l->l_fd >= 0 ? 0 : -errno;
		}
		pthread_mutex_unlock(&inode->i_lock);
		return fd;
	}
	parent = inode->i_parent;
	hold(fs, parent);
	snprintf(l->l_name, sizeof(l->l_name), "%s", inode->i_name);
	pthread_mutex_unlock(&inode->i_lock);
	fd = dir_fd_held(fs, parent);
	if (fd < 0) {
		afs_dir_fd_put(fs, parent);
		return fd;
	}
	l->l_dirfd = fd;
	l->l_held = parent == &fs->f_root ? NULL : parent;
	return 0;
}

void afs_loc_put(struct afs_fs *fs, struct afs_loc *l)
{
	if (l->l_close)
		close(l->l_fd);
	if (l->l_held)
		afs_dir_fd_put(fs, l->l_held);
	l->l_held = NULL;
	l->l_close = false;
	l->l_fd = l->l_dirfd = -1;
}

bool afs_loc_path(const struct afs_loc *l, char buf[AFS_LOC_PATH_MAX])
{
	if (l->l_fd >= 0) {
		afs_proc_path(l->l_fd, buf);
		return false;
	}
	snprintf(buf, AFS_LOC_PATH_MAX, "/proc/self/fd/%d/%s", l->l_dirfd, l->l_name);
	return true;
}

int afs_loc_stat(struct afs_fs *fs, struct afs_inode *inode, const struct afs_loc *l,
		 struct stat *st)
{
	(void)fs;
	if (fstatat(afs_loc_at(l), afs_loc_name(l), st, afs_loc_flags(l) | AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT && l->l_fd < 0 ? -ESTALE : -errno;
	return check_same(inode, st);
}

struct afs_inode *afs_inode_remove_begin(struct afs_fs *fs, dev_t dev, ino_t ino)
{
	struct afs_inode *inode;

	pthread_mutex_lock(&fs->f_table_lock);
	inode = find_locked(fs, dev, ino);
	if (inode == &fs->f_root) {
		inode = NULL;
	} else if (inode) {
		inode->i_removing++;
		inode->i_iref++; /* kept until afs_inode_remove_end() */
	}
	pthread_mutex_unlock(&fs->f_table_lock);
	return inode;
}

void afs_inode_remove_end(struct afs_fs *fs, struct afs_inode *inode, bool gone)
{
	struct afs_inode *freelist = NULL;

	if (!inode)
		return;
	pthread_mutex_lock(&fs->f_table_lock);
	if (gone) {
		pthread_mutex_lock(&inode->i_lock);
		inode->i_dead = true;
		pthread_mutex_unlock(&inode->i_lock);
	}
	inode->i_removing--;
	inode->i_iref--;
	release_locked(fs, inode, &freelist);
	pthread_cond_broadcast(&fs->f_removed);
	pthread_mutex_unlock(&fs->f_table_lock);
	free_list(fs, freelist);
}

void afs_inode_moved(struct afs_fs *fs, dev_t dev, ino_t ino, struct afs_inode *dir,
		     const char *disk)
{
	struct afs_inode *inode, *freelist = NULL;
	char *name = strdup(disk), *old = NULL;

	pthread_mutex_lock(&fs->f_table_lock);
	inode = find_locked(fs, dev, ino);
	if (inode && inode != &fs->f_root && !inode->i_pinned && name) {
		set_name_locked(fs, inode, dir, name, &freelist, &old);
		name = NULL;
	}
	pthread_mutex_unlock(&fs->f_table_lock);
	free(name);
	free(old);
	free_list(fs, freelist);
}

void afs_stat_plain(struct afs_fs *fs, int dirfd, const char *name, struct stat *st)
{
	if (S_ISREG(st->st_mode)) {
		uint64_t psize;

		if (afs_content_plain_size(fs, (uint64_t)st->st_size, &psize) >= 0)
			st->st_size = (off_t)psize;
	} else if (S_ISLNK(st->st_mode)) {
		char plain[AFS_TARGET_MAX + 1];
		int n = afs_target_read(fs, dirfd, name, plain);

		if (n >= 0)
			st->st_size = n;
		ac_wipe(plain, sizeof(plain));
	}
}

int afs_inode_stat(struct afs_fs *fs, struct afs_inode *inode, struct stat *st)
{
	struct afs_loc l;
	int err, tries;

	for (tries = 0; tries < LOC_RETRIES; tries++) {
		err = afs_loc_get(fs, inode, &l);
		if (err)
			return err;
		err = afs_loc_stat(fs, inode, &l, st);
		if (!err)
			afs_stat_plain(fs, afs_loc_at(&l), afs_loc_name(&l), st);
		afs_loc_put(fs, &l);
		if (err != -ESTALE || inode->i_dead)
			break;
		/* renamed meanwhile? then the new name is recorded: again */
	}
	return err;
}

/* Pin an O_PATH descriptor of a file with several names (@dirfd, @disk),
 * if it has none yet.  Return: 0 or -errno. */
static int pin_file(struct afs_inode *inode, int dirfd, const char *disk)
{
	struct stat st;
	int fd, err = 0;

	if (__atomic_load_n(&inode->i_pinned, __ATOMIC_ACQUIRE))
		return 0;
	fd = openat(dirfd, disk, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else
		err = check_same(inode, &st);
	pthread_mutex_lock(&inode->i_lock);
	if (!err && inode->i_fd < 0) {
		inode->i_fd = fd;
		__atomic_store_n(&inode->i_pinned, true, __ATOMIC_RELEASE);
		fd = -1;
	}
	pthread_mutex_unlock(&inode->i_lock);
	if (fd >= 0)
		close(fd);
	return err;
}

/* Mark @inode removed: its number now names another file; under the table
 * lock. */
static void mark_dead_locked(struct afs_inode *inode)
{
	pthread_mutex_lock(&inode->i_lock);
	inode->i_dead = true;
	pthread_mutex_unlock(&inode->i_lock);
}

/*
 * Under the table lock: the inode of backing file @st, of node ID @nid (0:
 * a fallback one), with one more lookup reference; a new one when none is
 * known.  *@fresh tells which.  NULL: out of memory.
 */
static struct afs_inode *inode_ref_locked(struct afs_fs *fs, const struct stat *st, uint64_t nid,
					  uint32_t gen, bool *fresh)
{
	struct afs_inode *inode;
	size_t b;

	*fresh = false;
	/* A removal of that number in flight: is this the same file? */
	while ((inode = find_locked(fs, st->st_dev, st->st_ino)) && inode->i_removing)
		pthread_cond_wait(&fs->f_removed, &fs->f_table_lock);
	if (inode && inode != &fs->f_root && nid && nid_is_handle(inode->i_nid) &&
	    inode->i_nid != nid) {
		/* another generation: the file we knew is gone, its number
		 * reused (removed past this daemon, -o sharedstorage) */
		mark_dead_locked(inode);
		inode = NULL;
	}
	if (!inode && nid && (inode = nid_find_locked(fs, nid))) {
		/* the very file (number and generation) is back: a name was
		 * linked to it again */
		pthread_mutex_lock(&inode->i_lock);
		inode->i_dead = false;
		pthread_mutex_unlock(&inode->i_lock);
	}
	if (inode) {
		inode->i_nlookup++;
		return inode;
	}
	inode = inode_new(st);
	if (!inode)
		return NULL;
	*fresh = true;
	if (nid) {
		inode->i_nid = nid;
		inode->i_gen = gen;
	} else {
		inode->i_nid = nid_fallback_locked(fs, &inode->i_gen);
	}
	nid_insert_locked(fs, inode);
	b = bucket(fs, st->st_dev, st->st_ino);
	inode->i_next = fs->f_table[b];
	fs->f_table[b] = inode;
	if (++fs->f_count > fs->f_table_size)
		table_grow(fs);
	return inode;
}

static void fill_entry(struct afs_fs *fs, struct afs_inode *inode, const struct stat *st,
		       struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->attr = *st;
	e->ino = afs_inode_nodeid(fs, inode);
	e->generation = inode == &fs->f_root ? 0 : inode->i_gen;
	e->attr_timeout = fs->f_opts.timeout;
	e->entry_timeout = fs->f_opts.timeout;
}

int afs_inode_lookup_disk(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *disk,
			  const struct stat *stp, struct fuse_entry_param *e)
{
	struct afs_inode *inode, *freelist = NULL;
	char *name, *oldname = NULL;
	struct stat st;
	bool fresh;
	uint64_t nid;
	uint32_t gen = 0;
	int err;

	if (stp)
		st = *stp;
	else if (fstatat(dirfd, disk, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	nid = nid_of_file(fs, dirfd, disk, &st, &gen);
	name = strdup(disk);
	if (!name)
		return -ENOMEM;

	pthread_mutex_lock(&fs->f_table_lock);
	inode = inode_ref_locked(fs, &st, nid, gen, &fresh);
	/* the name it was found by now: the latest is the surest */
	if (inode && inode != &fs->f_root && !inode->i_pinned) {
		set_name_locked(fs, inode, dir, name, &freelist, &oldname);
		name = NULL;
	}
	pthread_mutex_unlock(&fs->f_table_lock);
	free(name);
	free(oldname);
	free_list(fs, freelist);
	if (!inode)
		return -ENOMEM;
	(void)fresh;

	/* A file of several names keeps a descriptor: the name recorded may
	 * be removed while another one stays. */
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		err = pin_file(inode, dirfd, disk);
		if (err) {
			afs_inode_forget(fs, afs_inode_nodeid(fs, inode), 1);
			return err;
		}
	}

	afs_stat_plain(fs, dirfd, disk, &st);
	fill_entry(fs, inode, &st, e);
	return 0;
}

/* Whether directory @fd is the top directory or inside it: its ".." chain. */
static bool dir_inside(struct afs_fs *fs, int fd)
{
	struct stat st, up;
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 0), next, depth;
	bool inside = false;

	if (cur < 0 || fstat(cur, &st))
		goto out;
	for (depth = 0; depth < 4096; depth++) {
		if (st.st_dev == fs->f_root.i_dev && st.st_ino == fs->f_root.i_ino) {
			inside = true;
			break;
		}
		next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || fstat(next, &up) ||
		    (up.st_dev == st.st_dev && up.st_ino == st.st_ino)) {
			if (next >= 0)
				close(next);
			break; /* the backing filesystem's root: outside */
		}
		close(cur);
		cur = next;
		st = up;
	}
out:
	if (cur >= 0)
		close(cur);
	return inside;
}

/* Whether regular file @fd (O_PATH) proves to be the volume's: its first
 * block authenticates under the volume's key. */
static bool file_inside(struct afs_fs *fs, int fd, const struct stat *st)
{
	char path[AFS_PROC_PATH_MAX];
	struct afs_inode *tmp = inode_new(st);
	const uint8_t *data;
	ssize_t n = -1;
	int rfd;

	if (!tmp)
		return false;
	atomic_store(&tmp->i_csize, AFS_CSIZE_UNKNOWN);
	afs_proc_path(fd, path);
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rfd >= 0) {
		if (!afs_content_load(fs, tmp, rfd) && tmp->i_have_id)
			n = afs_content_read(fs, tmp, rfd, 1, 0, &data);
		afs_content_forget(tmp);
		close(rfd);
	}
	inode_free(fs, tmp);
	return n == 1;
}

/* Whether backing file @fd, opened by a handle, lies in the volume. */
static bool inside(struct afs_fs *fs, int fd, const struct stat *st)
{
	char plain[AFS_TARGET_MAX + 1];
	bool ok;

	if (st->st_dev != fs->f_root.i_dev)
		return false;
	if (S_ISDIR(st->st_mode))
		return dir_inside(fs, fd);
	if (S_ISREG(st->st_mode))
		return file_inside(fs, fd, st);
	if (!S_ISLNK(st->st_mode))
		return false;
	ok = afs_target_read(fs, fd, "", plain) >= 0;
	ac_wipe(plain, sizeof(plain));
	return ok;
}

int afs_inode_lookup_dot(struct afs_fs *fs, fuse_ino_t ino, bool dotdot,
			 struct fuse_entry_param *e)
{
	struct afs_inode *inode = NULL, *dir;
	union afs_fh h;
	struct stat st;
	bool fresh;
	uint64_t nid;
	uint32_t gen = 0;
	int fd, dfd, err;

	if (!dotdot) {
		if (ino == FUSE_ROOT_ID)
			goto root;
		pthread_mutex_lock(&fs->f_table_lock);
		inode = nid_find_locked(fs, ino);
		if (inode && !inode->i_dead)
			inode->i_nlookup++;
		pthread_mutex_unlock(&fs->f_table_lock);
		if (inode && inode->i_dead)
			return -ESTALE;
		if (inode)
			goto known;
		if (fs->f_fh_layout == AFS_FH_NONE || !nid_is_handle(ino))
			return -ESTALE;
		handle_of_nid(fs, ino, &h);
		fd = open_by_handle_at(fs->f_mount_fd, &h.fh, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			log_dbg("node ID %#llx: open_by_handle_at: %s", (unsigned long long)ino,
				strerror(errno));
			return -ESTALE;
		}
	} else {
		dir = afs_inode_get(fs, ino);
		if (dir == &fs->f_root)
			goto root;
		if (!S_ISDIR(dir->i_type))
			return -ENOTDIR;
		dfd = afs_dir_fd(fs, dir);
		if (dfd < 0)
			return dfd;
		fd = openat(dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		err = errno;
		afs_dir_fd_put(fs, dir);
		if (fd < 0)
			return err == ENOENT ? -ESTALE : -err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_dev == fs->f_root.i_dev && st.st_ino == fs->f_root.i_ino) {
		close(fd);
		goto root;
	}
	nid = nid_of_file(fs, fd, "", &st, &gen);
	/* A handle of generation 0 is taken by ext4 for any: checked here. */
	if (!dotdot && (nid != ino || !inside(fs, fd, &st))) {
		close(fd);
		return -ESTALE;
	}
	afs_stat_plain(fs, fd, "", &st);

	pthread_mutex_lock(&fs->f_table_lock);
	inode = inode_ref_locked(fs, &st, nid, gen, &fresh);
	if (inode && fresh) {
		/* reached by its descriptor alone: it has no name of ours */
		inode->i_fd = fd;
		inode->i_pinned = true;
		fd = -1;
	}
	pthread_mutex_unlock(&fs->f_table_lock);
	if (fd >= 0)
		close(fd);
	if (!inode)
		return -ENOMEM;
	fill_entry(fs, inode, &st, e);
	return 0;

known:
	err = afs_inode_stat(fs, inode, &st);
	if (err) {
		afs_inode_forget(fs, ino, 1);
		return err;
	}
	fill_entry(fs, inode, &st, e);
	return 0;
root:
	if (fstat(fs->f_root.i_fd, &st))
		return -errno;
	fill_entry(fs, &fs->f_root, &st, e);
	return 0;
}

void afs_inode_export_init(struct afs_fs *fs)
{
	union afs_fh h;
	struct statfs sfs;
	struct stat st;
	uint32_t gen;
	int mnt, fd;

	fs->f_fh_layout = AFS_FH_NONE;
	fs->f_mount_fd = -1;
	if (getrandom(&fs->f_nid_gen, sizeof(fs->f_nid_gen), 0) != sizeof(fs->f_nid_gen))
		fs->f_nid_gen = (uint32_t)time(NULL);
	if (fstatfs(fs->f_root.i_fd, &sfs))
		return;
	switch ((unsigned long)sfs.f_type) {
	case 0xef53: /* ext2, ext3, ext4 */
		fs->f_fh_layout = AFS_FH_INO32_GEN;
		fs->f_fh_type = 1; /* FILEID_INO32_GEN */
		fs->f_fh_bytes = 8;
		break;
	case 0x58465342: /* xfs: 64-bit handles unless mounted with small inode numbers */
		fs->f_fh_layout = AFS_FH_XFS64;
		fs->f_fh_type = 0x81; /* FILEID_INO32_GEN | XFS_FILEID_TYPE_64FLAG */
		fs->f_fh_bytes = 12;
		fd = open(fs->f_cipherdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		h.fh.handle_bytes = MAX_HANDLE_SZ;
		if (fd >= 0 && !name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) &&
		    h.fh.handle_type == 1 && h.fh.handle_bytes == 8) {
			fs->f_fh_layout = AFS_FH_INO32_GEN;
			fs->f_fh_type = 1;
			fs->f_fh_bytes = 8;
		}
		if (fd >= 0)
			close(fd);
		break;
	case 0x01021994: /* tmpfs */
		fs->f_fh_layout = AFS_FH_SHMEM;
		fs->f_fh_type = 1;
		fs->f_fh_bytes = 12;
		break;
	default:
		log_dbg("file handles: the backing filesystem (%#lx) has none that fit",
			(unsigned long)sfs.f_type);
		return;
	}
	/* The top directory's handle round trip: the format is as assumed,
	 * and this daemon may open handles. */
	fd = open(fs->f_cipherdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (fd < 0 || name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) ||
	    !nid_of_handle(fs, &h.fh, fs->f_root.i_ino, &gen))
		goto none;
	mnt = open_by_handle_at(fd, &h.fh, O_PATH | O_CLOEXEC);
	if (mnt < 0)
		goto none;
	if (fstat(mnt, &st) || st.st_ino != fs->f_root.i_ino || st.st_dev != fs->f_root.i_dev) {
		close(mnt);
		goto none;
	}
	close(mnt);
	fs->f_mount_fd = fd;
	log_dbg("file handles: they outlive the mount");
	return;
none:
	log_dbg("file handles: %s: they do not outlive the mount (%s)", fs->f_cipherdir,
		 errno == EPERM ? "the daemon lacks CAP_DAC_READ_SEARCH" : strerror(errno));
	if (fd >= 0)
		close(fd);
	fs->f_fh_layout = AFS_FH_NONE;
}

void afs_inode_forget(struct afs_fs *fs, fuse_ino_t ino, uint64_t n)
{
	struct afs_inode *inode = afs_inode_get(fs, ino), *freelist = NULL;

	if (inode == &fs->f_root || inode == &fs->f_stale)
		return;
	pthread_mutex_lock(&fs->f_table_lock);
	if (inode->i_nlookup < n) {
		log_err("BUG: forget %llu references of an inode with %llu",
			(unsigned long long)n, (unsigned long long)inode->i_nlookup);
		n = inode->i_nlookup;
	}
	inode->i_nlookup -= n;
	release_locked(fs, inode, &freelist);
	pthread_mutex_unlock(&fs->f_table_lock);
	free_list(fs, freelist);
}

void afs_inode_table_free(struct afs_fs *fs)
{
	struct afs_inode *inode, *next;
	size_t i;

	for (i = 0; i < fs->f_table_size; i++) {
		for (inode = fs->f_table[i]; inode; inode = next) {
			next = inode->i_next;
			inode_free(fs, inode);
		}
	}
	free(fs->f_table);
	free(fs->f_nids);
	fs->f_table = NULL;
	fs->f_nids = NULL;
	fs->f_count = 0;
	if (fs->f_mount_fd >= 0)
		close(fs->f_mount_fd);
	fs->f_mount_fd = -1;
}

int afs_inode_table_init(struct afs_fs *fs)
{
	struct rlimit rl;
	rlim_t max = LRU_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < max)
		max = rl.rlim_cur / 4 > LRU_MIN ? rl.rlim_cur / 4 : LRU_MIN;
	fs->f_lru_max = (unsigned int)max;
	pthread_mutex_init(&fs->f_lru_lock, NULL);
	fs->f_table_size = TABLE_MIN;
	fs->f_table = calloc(TABLE_MIN, sizeof(*fs->f_table));
	fs->f_nids = calloc(TABLE_MIN, sizeof(*fs->f_nids));
	fs->f_mount_fd = -1;
	/* never freed, never found: its i_dead says ESTALE to every use */
	fs->f_stale.i_fd = fs->f_stale.i_ofd = -1;
	fs->f_stale.i_dead = true;
	fs->f_stale.i_nlookup = 2;
	pthread_mutex_init(&fs->f_stale.i_lock, NULL);
	pthread_rwlock_init(&fs->f_stale.i_rw, NULL);
	return fs->f_table && fs->f_nids ? 0 : -ENOMEM;
}

int afs_open_own(int dirfd, const char *name)
{
	struct stat st;
	int fd = afs_openat_noatime(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int err = errno;

		close(fd);
		return S_ISREG(st.st_mode) ? -err : -EUCLEAN;
	}
	return fd;
}

int afs_openat_noatime(int dirfd, const char *name, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fd = openat(dirfd, name, flags | O_NOATIME, mode);
	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags, mode);
	return fd;
}

static bool ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

#define AFS_RELATIME_AGE (24 * 60 * 60) /* as the kernel's relatime_need_update() */

/* No atime moves: noatime, nodiratime for a directory, or a read-only
 * mount (as the kernel's atime_needs_update() says for any). */
static bool atime_never(const struct afs_fs *fs, bool dir)
{
	return fs->f_opts.atime == AFS_ATIME_NONE || (dir && fs->f_opts.nodiratime) ||
	       fs->f_opts.read_only;
}

static bool relatime_due(const struct stat *st)
{
	return ts_le(&st->st_atim, &st->st_mtim) || ts_le(&st->st_atim, &st->st_ctim) ||
	       time(NULL) - st->st_atim.tv_sec >= AFS_RELATIME_AGE;
}

bool afs_atime_due(const struct afs_fs *fs, const struct stat *st, bool dir)
{
	if (atime_never(fs, dir))
		return false;
	return fs->f_opts.atime == AFS_ATIME_STRICT || relatime_due(st);
}

/* Set the atime of @fd to now (the backing ctime moves too). */
static void atime_set(int fd)
{
	const struct timespec tv[2] = { { .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_OMIT } };

	if (futimens(fd, tv))
		log_dbg("cannot move an atime: %s", strerror(errno));
}

/*
 * Move the atime of @fd (stat @before) to now.  Where the backing
 * filesystem does it on a read of its own (its mount options agree: it is
 * relatime too, or strictatime), that read does it, and the ctime stays, as
 * on a filesystem of its own; else futimens(), which moves the ctime too.
 */
static void atime_bump(int fd, bool dir, const struct stat *before)
{
	struct stat st;
	char buf[512];

	if (dir) {
		int nfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (nfd >= 0) {
			if (syscall(SYS_getdents64, nfd, buf, sizeof(buf)) < 0)
				log_dbg("reading a directory to move its atime: %s",
					strerror(errno));
			close(nfd);
		}
	} else {
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && (!(fl & O_NOATIME) || !fcntl(fd, F_SETFL, fl & ~O_NOATIME))) {
			if (pread(fd, buf, 1, 0) < 0)
				log_dbg("reading a file to move its atime: %s", strerror(errno));
			if (fl & O_NOATIME)
				fcntl(fd, F_SETFL, fl);
		}
	}
	if (fstat(fd, &st) == 0 && (st.st_atim.tv_sec != before->st_atim.tv_sec ||
				    st.st_atim.tv_nsec != before->st_atim.tv_nsec))
		return;
	atime_set(fd);
}

/* Relatime, and an atime seen after the mtime and ctime less than a day ago. */
static bool atime_recent(const struct afs_fs *fs, struct afs_inode *inode)
{
	return fs->f_opts.atime == AFS_ATIME_RELATIME && !fs->f_opts.shared &&
	       time(NULL) < atomic_load_explicit(&inode->i_atime_until, memory_order_relaxed) &&
	       atomic_load_explicit(&inode->i_atime_gen, memory_order_relaxed) ==
		       atomic_load_explicit(&fs->f_ctime_gen, memory_order_relaxed);
}

bool afs_atime_due_inode(const struct afs_fs *fs, struct afs_inode *inode, int fd)
{
	struct stat st;

	if (atime_never(fs, false) || atime_recent(fs, inode))
		return false;
	if (fs->f_opts.atime == AFS_ATIME_STRICT)
		return true;
	return fstat(fd, &st) == 0 && afs_atime_due(fs, &st, false);
}

void afs_atime_read(struct afs_fs *fs, struct afs_inode *inode, int fd, bool dir)
{
	unsigned int gen = atomic_load_explicit(&fs->f_ctime_gen, memory_order_relaxed);
	struct stat st;

	if (atime_never(fs, dir))
		return;
	if (!dir && atime_recent(fs, inode))
		return;
	if (fs->f_opts.atime == AFS_ATIME_STRICT) {
		/* On every read: a read of a backing file on a relatime mount
		 * would mostly not move it.  One call, which moves the ctime. */
		atime_set(fd);
		return;
	}
	if (fstat(fd, &st))
		return;
	if (afs_atime_due(fs, &st, dir)) {
		atime_bump(fd, dir, &st);
		if (fstat(fd, &st))
			return;
	}
	/* Relatime: nothing is due until the atime is a day old, or until a
	 * change through this daemon (afs_atime_recheck()). */
	if (!dir && fs->f_opts.atime == AFS_ATIME_RELATIME && !afs_atime_due(fs, &st, dir)) {
		atomic_store_explicit(&inode->i_atime_gen, gen, memory_order_relaxed);
		atomic_store_explicit(&inode->i_atime_until, st.st_atim.tv_sec + AFS_RELATIME_AGE,
				      memory_order_relaxed);
	}
}
