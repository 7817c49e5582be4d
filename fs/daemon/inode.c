// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inode.c - the inode table: one struct afs_inode per backing (dev, ino)
 * that the kernel holds a lookup reference to, and how each is reached.
 *
 * The node ID the kernel sees is the struct's address, as in libfuse's
 * passthrough_ll.c; the root is FUSE_ROOT_ID.  The table lock guards the
 * hash chains, the lookup counts and the parent links: it is never held on
 * the read or write path, nor across a system call other than close().
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
#include <sys/resource.h>
#include <sys/syscall.h>
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

struct afs_inode *afs_inode_get(struct afs_fs *fs, fuse_ino_t ino)
{
	/* A load first: the cache line is written once per idle period,
	 * not by every request. */
	if (!atomic_load_explicit(&fs->f_active, memory_order_relaxed))
		atomic_store_explicit(&fs->f_active, true, memory_order_relaxed);
	if (ino == FUSE_ROOT_ID)
		return &fs->f_root;
	return (struct afs_inode *)(uintptr_t)ino;
}

fuse_ino_t afs_inode_nodeid(struct afs_fs *fs, const struct afs_inode *inode)
{
	if (inode == &fs->f_root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)inode;
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
	struct afs_inode **t = fs->f_table, *in, *next;

	fs->f_table = calloc(old * 2, sizeof(*fs->f_table));
	if (!fs->f_table) { /* keep the old one: longer chains, no harm */
		fs->f_table = t;
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
	}
	free(t);
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

	while (inode && inode != &fs->f_root && !inode->i_nlookup && !inode->i_iref &&
	       !atomic_load(&inode->i_users)) {
		struct afs_inode *parent = inode->i_parent;

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

int afs_inode_lookup_disk(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *disk,
			  const struct stat *stp, struct fuse_entry_param *e)
{
	struct afs_inode *inode, *freelist = NULL;
	char *name, *oldname = NULL;
	struct stat st;
	bool fresh = false;
	size_t b;
	int err;

	if (stp)
		st = *stp;
	else if (fstatat(dirfd, disk, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	name = strdup(disk);
	if (!name)
		return -ENOMEM;

	pthread_mutex_lock(&fs->f_table_lock);
	b = bucket(fs, st.st_dev, st.st_ino);
	/* A removal of that number in flight: is this the same file? */
	while ((inode = find_locked(fs, st.st_dev, st.st_ino)) && inode->i_removing)
		pthread_cond_wait(&fs->f_removed, &fs->f_table_lock);
	if (inode) {
		inode->i_nlookup++;
	} else {
		inode = inode_new(&st);
		if (inode) {
			fresh = true;
			inode->i_next = fs->f_table[b];
			fs->f_table[b] = inode;
			if (++fs->f_count > fs->f_table_size)
				table_grow(fs);
		}
	}
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

	memset(e, 0, sizeof(*e));
	afs_stat_plain(fs, dirfd, disk, &st);
	e->attr = st;
	e->ino = afs_inode_nodeid(fs, inode);
	e->attr_timeout = fs->f_opts.timeout;
	e->entry_timeout = fs->f_opts.timeout;
	return 0;
}

void afs_inode_forget(struct afs_fs *fs, fuse_ino_t ino, uint64_t n)
{
	struct afs_inode *inode = afs_inode_get(fs, ino), *freelist = NULL;

	if (inode == &fs->f_root)
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
	fs->f_table = NULL;
	fs->f_count = 0;
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
	return fs->f_table ? 0 : -ENOMEM;
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
