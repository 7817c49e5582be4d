// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inode.c - the inode table: one struct afs_inode per backing (dev, ino)
 * that the kernel holds a lookup reference to, each with an O_PATH fd.
 *
 * The node ID the kernel sees is the struct's address, as in libfuse's
 * passthrough_ll.c; the root is FUSE_ROOT_ID.  The table lock guards only
 * the hash chains and the lookup counts: it is never held on the read or
 * write path, nor across a system call other than close().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"
#include "secmem.h"

#define TABLE_MIN 1024

void afs_proc_path(int fd, char buf[AFS_PROC_PATH_MAX])
{
	snprintf(buf, AFS_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
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

static void inode_free(struct afs_inode *inode)
{
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
	pthread_mutex_init(&inode->i_lock, NULL);
	pthread_rwlock_init(&inode->i_rw, NULL);
	return inode;
}

/* Under the table lock: take @inode out of the hash table and put it on
 * @freelist when nothing refers to it any more, then its parent likewise. */
static void release_locked(struct afs_fs *fs, struct afs_inode *inode, struct afs_inode **freelist)
{
	struct afs_inode **pp;

	while (inode && inode != &fs->f_root && !inode->i_nlookup && !inode->i_iref) {
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

static void free_list(struct afs_inode *list)
{
	struct afs_inode *next;

	for (; list; list = next) {
		next = list->i_next;
		inode_free(list);
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

int afs_inode_fd(struct afs_fs *fs, struct afs_inode *inode)
{
	struct stat st;
	int fd;

	(void)fs;
	if (__atomic_load_n(&inode->i_fd, __ATOMIC_ACQUIRE) >= 0)
		return inode->i_fd;
	pthread_mutex_lock(&inode->i_lock);
	if (inode->i_fd >= 0) {
		fd = inode->i_fd;
	} else if (inode->i_ofd >= 0) {
		fd = fcntl(inode->i_ofd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			fd = -errno;
	} else if (inode->i_parent && inode->i_name) {
		fd = openat(inode->i_parent->i_fd, inode->i_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fd = errno == ENOENT ? -ESTALE : -errno;
		} else if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ||
			   st.st_ino != inode->i_ino || st.st_dev != inode->i_dev) {
			/* removed, and the name reused */
			close(fd);
			fd = -ESTALE;
		}
	} else {
		fd = -ESTALE;
	}
	pthread_mutex_unlock(&inode->i_lock);
	return fd;
}

void afs_inode_fd_put(struct afs_inode *inode, int fd)
{
	if (fd >= 0 && fd != __atomic_load_n(&inode->i_fd, __ATOMIC_ACQUIRE))
		close(fd);
}

void afs_inode_set_open_fd(struct afs_inode *inode, int fd)
{
	pthread_mutex_lock(&inode->i_lock);
	if (inode->i_ofd >= 0)
		close(inode->i_ofd);
	inode->i_ofd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&inode->i_lock);
}

/* Keep @fd (O_PATH) as @inode's own descriptor; false if it has one. */
static bool pin(struct afs_inode *inode, int fd)
{
	bool done = false;

	pthread_mutex_lock(&inode->i_lock);
	if (inode->i_fd < 0) {
		__atomic_store_n(&inode->i_fd, fd, __ATOMIC_RELEASE);
		done = true;
	}
	pthread_mutex_unlock(&inode->i_lock);
	return done;
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
	if (gone)
		inode->i_dead = true;
	inode->i_removing--;
	inode->i_iref--;
	release_locked(fs, inode, &freelist);
	pthread_cond_broadcast(&fs->f_removed);
	pthread_mutex_unlock(&fs->f_table_lock);
	free_list(freelist);
}

void afs_inode_moved(struct afs_fs *fs, dev_t dev, ino_t ino, struct afs_inode *dir,
		     const char *disk)
{
	struct afs_inode *inode, *freelist = NULL;
	char *name = strdup(disk), *old = NULL;

	pthread_mutex_lock(&fs->f_table_lock);
	inode = find_locked(fs, dev, ino);
	if (inode && inode->i_fd < 0 && name) {
		set_name_locked(fs, inode, dir, name, &freelist, &old);
		name = NULL;
	}
	pthread_mutex_unlock(&fs->f_table_lock);
	free(name);
	free(old);
	free_list(freelist);
}

void afs_stat_plain(struct afs_fs *fs, int fd, struct stat *st)
{
	if (S_ISREG(st->st_mode)) {
		uint64_t psize;

		if (afs_content_size(fs, fd, &psize) == 0)
			st->st_size = (off_t)psize;
	} else if (S_ISLNK(st->st_mode)) {
		char enc[AFS_SYMLINK_ENC_BUF], plain[AFS_SYMLINK_ENC_BUF];
		ssize_t n = readlinkat(fd, "", enc, sizeof(enc) - 1);

		if (n < 0)
			return;
		enc[n] = 0;
		n = afs_symlink_decrypt(fs->f_symlink, enc, plain);
		if (n >= 0)
			st->st_size = n;
		ac_wipe(plain, sizeof(plain));
	}
}

int afs_inode_stat(struct afs_fs *fs, struct afs_inode *inode, struct stat *st)
{
	int fd = afs_inode_fd(fs, inode), err = 0;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		err = -errno;
	else
		afs_stat_plain(fs, fd, st);
	afs_inode_fd_put(inode, fd);
	return err;
}

int afs_inode_lookup_disk(struct afs_fs *fs, struct afs_inode *dir, const char *disk,
			  struct fuse_entry_param *e)
{
	struct afs_inode *inode, *freelist = NULL;
	char *name, *oldname = NULL;
	bool keep, fd_kept = false;
	struct stat st;
	int fd, err;
	size_t b;

	fd = openat(dir->i_fd, disk, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		err = -errno;
		close(fd);
		return err;
	}

	/* Only directories and files of several names keep a descriptor. */
	keep = S_ISDIR(st.st_mode) || st.st_nlink > 1;
	name = keep ? NULL : strdup(disk);
	if (!keep && !name) {
		close(fd);
		return -ENOMEM;
	}

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
			inode->i_next = fs->f_table[b];
			fs->f_table[b] = inode;
			if (++fs->f_count > fs->f_table_size)
				table_grow(fs);
		}
	}
	if (inode && keep) {
		if (pin(inode, fd))
			fd_kept = true;
	} else if (inode && inode->i_fd < 0) {
		/* the name it was found by now: the latest is the surest */
		set_name_locked(fs, inode, dir, name, &freelist, &oldname);
		name = NULL;
	}
	pthread_mutex_unlock(&fs->f_table_lock);
	free(name);
	free(oldname);
	free_list(freelist);
	if (!inode) {
		close(fd);
		return -ENOMEM;
	}

	memset(e, 0, sizeof(*e));
	afs_stat_plain(fs, fd, &st);
	if (!fd_kept)
		close(fd);
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
	free_list(freelist);
}

void afs_inode_table_free(struct afs_fs *fs)
{
	struct afs_inode *inode, *next;
	size_t i;

	for (i = 0; i < fs->f_table_size; i++) {
		for (inode = fs->f_table[i]; inode; inode = next) {
			next = inode->i_next;
			inode_free(inode);
		}
	}
	free(fs->f_table);
	fs->f_table = NULL;
	fs->f_count = 0;
}

int afs_inode_table_init(struct afs_fs *fs)
{
	fs->f_table_size = TABLE_MIN;
	fs->f_table = calloc(TABLE_MIN, sizeof(*fs->f_table));
	return fs->f_table ? 0 : -ENOMEM;
}
