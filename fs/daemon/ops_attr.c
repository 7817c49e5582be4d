// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_attr.c - attributes: getattr, setattr (mode, owner, size, times),
 * statfs and extended attributes (no access: default_permissions is always
 * on, so the kernel checks permissions itself and never asks).  "user." attributes are stored
 * with encrypted names and values (FORMAT.md, "Extended attributes"); POSIX
 * ACLs are metadata like the mode and are stored as they are; other
 * namespaces are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"

#define XATTR_ACL_ACCESS "system.posix_acl_access"
#define XATTR_ACL_DEFAULT "system.posix_acl_default"

/*
 * A file whose last name is gone has link count 0, even where the backing
 * filesystem keeps it under a hidden name while it is open (sshfs:
 * .fuse_hidden*, with link count 1; NFS: .nfs*).
 */
static void nlink_of_dead(struct afs_inode *inode, struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return;
	pthread_mutex_lock(&inode->i_lock);
	if (inode->i_dead)
		st->st_nlink = 0;
	pthread_mutex_unlock(&inode->i_lock);
}

/* Whether the caller of @req is in group @gid, or is root (taken for
 * CAP_FSETID, which the kernel asks of a caller outside the group). */
static bool caller_in_group(fuse_req_t req, gid_t gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	gid_t few[32], *list = few;
	bool in = false;
	int n, i;

	if (ctx->uid == 0 || ctx->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 32, few);
	if (n > 32) {
		list = malloc((size_t)n * sizeof(*list));
		n = list ? fuse_req_getgroups(req, n, list) : -ENOMEM;
	}
	for (i = 0; i < n; i++)
		in = in || list[i] == gid;
	if (list != few)
		free(list);
	return in;
}

void afs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	struct stat st;
	int err;

	if (fi && S_ISREG(inode->i_type)) {
		err = fstat((int)fi->fh, &st) ? -errno : 0;
		if (!err)
			afs_stat_plain(fs, (int)fi->fh, "", &st);
	} else {
		err = afs_inode_stat(fs, inode, &st);
	}
	if (!err)
		nlink_of_dead(inode, &st);
	if (err)
		afs_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, fs->f_opts.timeout);
}

static int set_size(struct afs_fs *fs, struct afs_inode *inode, struct fuse_file_info *fi,
		    off_t size)
{
	struct stat st;
	int fd, err;

	if (S_ISDIR(inode->i_type))
		return -EISDIR;
	if (!S_ISREG(inode->i_type))
		return -EINVAL;
	if (size < 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&inode->i_rw);
	if (fi) {
		fd = (int)fi->fh;
	} else if (inode->i_nopen) {
		fd = inode->i_ofd; /* kept while open, under i_rw */
	} else {
		/* Opening under i_rw: nobody else opens it meanwhile. */
		fd = afs_open_content(fs, inode, &st);
		if (fd < 0) {
			pthread_rwlock_unlock(&inode->i_rw);
			return fd;
		}
	}
	err = afs_content_load(fs, inode, fd);
	if (!err || size == 0)
		err = afs_content_truncate(fs, inode, fd, (uint64_t)size);
	if (!inode->i_nopen) {
		afs_content_forget(inode);
		close(fd);
	}
	pthread_rwlock_unlock(&inode->i_rw);
	return err;
}

static int set_times(struct afs_inode *inode, const struct afs_loc *l, struct fuse_file_info *fi,
		     const struct stat *attr, int to_set)
{
	struct timespec tv[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
	char path[AFS_LOC_PATH_MAX];

	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_ATIME)
		tv[0] = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_MTIME)
		tv[1] = attr->st_mtim;
	if (fi && S_ISREG(inode->i_type))
		return futimens((int)fi->fh, tv) ? -errno : 0;
	if (l->l_fd < 0)
		return utimensat(l->l_dirfd, l->l_name, tv, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	if (utimensat(l->l_fd, "", tv, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != EINVAL || S_ISLNK(inode->i_type))
		return -errno;
	afs_loc_path(l, path);
	return utimensat(AT_FDCWD, path, tv, 0) ? -errno : 0;
}

static int set_mode(struct afs_inode *inode, const struct afs_loc *l, struct fuse_file_info *fi,
		    mode_t mode)
{
	char path[AFS_LOC_PATH_MAX];

	if (S_ISLNK(inode->i_type))
		return -EOPNOTSUPP;
	if (fi && S_ISREG(inode->i_type))
		return fchmod((int)fi->fh, mode) ? -errno : 0;
	if (l->l_fd < 0)
		return fchmodat(l->l_dirfd, l->l_name, mode, 0) ? -errno : 0;
	afs_loc_path(l, path);
	return chmod(path, mode) ? -errno : 0;
}

/*
 * Whether a write, truncate, chown or chgrp by the caller of @req clears the
 * set-group-ID bit of a file of @st, that FUSE leaves to this daemon: one
 * without group execute (once the mark of mandatory locking), of a caller
 * outside the file's group, which Linux clears since 6.2 and its 6.1 stable
 * kernels (setattr_should_drop_sgid()).  The set-user-ID bit and a set-group-ID bit
 * with group execute the kernel clears itself, with a chmod.
 */
static bool sgid_to_kill(fuse_req_t req, const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_mode & (S_ISGID | S_IXGRP)) == S_ISGID &&
	       !caller_in_group(req, st->st_gid);
}

/* Clear the set-group-ID bit of @inode where sgid_to_kill() says so of its
 * attributes @was (NULL: as they are now). */
static int kill_sgid(fuse_req_t req, struct afs_inode *inode, const struct afs_loc *l,
		     struct fuse_file_info *fi, const struct stat *was)
{
	struct stat st;
	int err = 0;

	if (!S_ISREG(inode->i_type) || fuse_req_ctx(req)->uid == 0)
		return 0; /* (caller_in_group() of every group) */
	pthread_rwlock_wrlock(&inode->i_rw);
	if (!was && fstatat(afs_loc_at(l), afs_loc_name(l), &st, afs_loc_flags(l) |
			    AT_SYMLINK_NOFOLLOW))
		err = -errno;
	else if (sgid_to_kill(req, was ? was : &st))
		err = set_mode(inode, l, fi, (was ? was : &st)->st_mode & 07777 & ~S_ISGID);
	pthread_rwlock_unlock(&inode->i_rw);
	return err;
}

void afs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		    struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	struct afs_loc l;
	struct stat st;
	bool have_st = false;
	int err;

	err = afs_loc_get(fs, inode, &l);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	/* A setattr of nothing: the kernel asks, at a write or an
	 * fallocate, to clear what it did not clear itself (sgid_to_kill()). */
	if (to_set == 0)
		err = kill_sgid(req, inode, &l, fi, NULL);
	if (to_set & FUSE_SET_ATTR_MODE) {
		/* Never between the two chmods with which an open of a
		 * write-only file gets to read it (ops_file.c). */
		bool reg = S_ISREG(inode->i_type);

		if (reg)
			pthread_rwlock_wrlock(&inode->i_rw);
		err = set_mode(inode, &l, fi, attr->st_mode);
		if (reg)
			pthread_rwlock_unlock(&inode->i_rw);
	}
	if (!err && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		/* Whether the set-group-ID bit goes is asked of the group it
		 * had (the backing chown, by root, kept it). */
		bool was = S_ISREG(inode->i_type) && afs_loc_stat(fs, inode, &l, &st) == 0;

		if (fchownat(afs_loc_at(&l), afs_loc_name(&l), uid, gid,
			     afs_loc_flags(&l) | AT_SYMLINK_NOFOLLOW))
			err = -errno;
		if (!err && was)
			err = kill_sgid(req, inode, &l, fi, &st);
	}
	if (!err && (to_set & FUSE_SET_ATTR_SIZE)) {
		err = set_size(fs, inode, fi, attr->st_size);
		if (!err)
			err = kill_sgid(req, inode, &l, fi, NULL);
	}
	if (!err && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			       FUSE_SET_ATTR_MTIME_NOW))) {
		/* The mtime the kernel keeps (see i_mtime_pinned) is read back
		 * under the content lock, so that no write moves it between. */
		bool pin = fs->f_opts.writeback && S_ISREG(inode->i_type) &&
			   (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW));

		if (pin)
			pthread_rwlock_wrlock(&inode->i_rw);
		err = set_times(inode, &l, fi, attr, to_set);
		if (pin && !err && afs_loc_stat(fs, inode, &l, &st) == 0) {
			have_st = true;
			inode->i_mtime = st.st_mtim;
			inode->i_mtime_pinned = true;
		}
		if (pin)
			pthread_rwlock_unlock(&inode->i_rw);
	}
	if (!err && !have_st)
		err = afs_loc_stat(fs, inode, &l, &st);
	afs_atime_recheck(inode); /* any of the times may have moved */
	if (!err) {
		afs_stat_plain(fs, afs_loc_at(&l), afs_loc_name(&l), &st);
		nlink_of_dead(inode, &st);
	}
	afs_loc_put(fs, &l);
	if (err)
		afs_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, fs->f_opts.timeout);
}

/*
 * The plaintext blocks of @frsize bytes that @n backing blocks hold as one
 * file of whole @bs-byte content blocks (FORMAT.md, "Space"): the most
 * blocks k with 18 + k * (bs + 28) <= n * frsize, as k * bs bytes.  Whole
 * blocks, because fallocate reserves whole blocks on disk.
 */
static fsblkcnt_t plain_blocks(fsblkcnt_t n, unsigned long frsize, uint32_t bs)
{
	const uint64_t cbs = (uint64_t)bs + AFS_BLOCK_OVERHEAD;
	uint64_t a;

	if (!frsize || !bs)
		return n;
	if (n > UINT64_MAX / frsize)
		return n / cbs * bs + n % cbs * bs / cbs; /* 2^64 bytes: only the ratio matters */
	a = (uint64_t)n * frsize;
	if (a < AFS_HEADER_LEN)
		return 0;
	return (a - AFS_HEADER_LEN) / cbs * bs / frsize;
}

void afs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct statvfs sv;

	(void)ino; /* one backing filesystem */
	if (fstatvfs(fs->f_root.i_fd, &sv)) {
		afs_reply_err(req, errno);
		return;
	}
	/* Space in plaintext bytes; inodes as they are: one per file. */
	sv.f_blocks = plain_blocks(sv.f_blocks, sv.f_frsize, fs->f_bs);
	sv.f_bfree = plain_blocks(sv.f_bfree, sv.f_frsize, fs->f_bs);
	sv.f_bavail = plain_blocks(sv.f_bavail, sv.f_frsize, fs->f_bs);
	/* Long names make every plaintext name up to 255 bytes fit. */
	sv.f_namemax = AFS_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

/* The *xattr() calls on a path of afs_loc_path(): l* with @nofollow. */
static ssize_t xa_get(const char *path, bool nofollow, const char *name, void *v, size_t n)
{
	return nofollow ? lgetxattr(path, name, v, n) : getxattr(path, name, v, n);
}

static int xa_set(const char *path, bool nofollow, const char *name, const void *v, size_t n,
		  int flags)
{
	return nofollow ? lsetxattr(path, name, v, n, flags) : setxattr(path, name, v, n, flags);
}

static ssize_t xa_list(const char *path, bool nofollow, char *list, size_t n)
{
	return nofollow ? llistxattr(path, list, n) : listxattr(path, list, n);
}

static int xa_remove(const char *path, bool nofollow, const char *name)
{
	return nofollow ? lremovexattr(path, name) : removexattr(path, name);
}

static bool is_acl(const char *name)
{
	return !strcmp(name, XATTR_ACL_ACCESS) || !strcmp(name, XATTR_ACL_DEFAULT);
}

static bool is_user(const char *name)
{
	return !strncmp(name, AFS_XATTR_PREFIX, sizeof(AFS_XATTR_PREFIX) - 1);
}

/*
 * An access ACL was set on @path: the set-group-ID bit goes where the
 * caller is not in the file's group, as every Linux filesystem does it
 * (posix_acl_update_mode()).  The backing file's was set by this daemon,
 * which is root, and kept it.  (The kernel would say so with
 * FUSE_SETXATTR_ACL_KILL_SGID, which libfuse does not pass on.)
 */
static int acl_kill_sgid(fuse_req_t req, const char *path, bool nf)
{
	struct stat st;

	if ((nf ? lstat(path, &st) : stat(path, &st)) || S_ISLNK(st.st_mode))
		return 0; /* the ACL is set; the mode stays as it is */
	if (!(st.st_mode & S_ISGID) || caller_in_group(req, st.st_gid))
		return 0;
	return chmod(path, st.st_mode & 07777 & ~S_ISGID) ? -errno : 0;
}

static void do_setxattr(fuse_req_t req, fuse_ino_t ino, const char *path, bool nf, const char *name, const char *value, size_t size, int flags)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	char disk[AFS_XATTR_NAME_BUF];
	uint8_t *enc;
	int err, n;

	if (is_acl(name)) {
		if (!strcmp(name, XATTR_ACL_DEFAULT)) {
			atomic_store(&inode->i_dacl, -1); /* asked again at the next create */
			afs_reply_err(req, xa_set(path, nf, name, value, size, flags) ? errno : 0);
			return;
		}
		/* Under i_rw, as a chmod (set_mode()). */
		if (S_ISREG(inode->i_type))
			pthread_rwlock_wrlock(&inode->i_rw);
		err = xa_set(path, nf, name, value, size, flags) ? -errno : 0;
		if (!err)
			err = acl_kill_sgid(req, path, nf);
		if (S_ISREG(inode->i_type))
			pthread_rwlock_unlock(&inode->i_rw);
		afs_reply_err(req, -err);
		return;
	}
	if (!is_user(name)) {
		afs_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (S_ISLNK(inode->i_type)) {
		afs_reply_err(req, EPERM); /* as Linux does for user.* on symlinks */
		return;
	}
	n = afs_xattr_name_encrypt(fs->f_xname, name, disk);
	if (n < 0 || n > XATTR_NAME_MAX) {
		/* A name longer than 181 bytes has an on-disk name too long to
		 * store: ERANGE, as the kernel gives for names over 255. */
		afs_reply_err(req, n < 0 ? n : ERANGE);
		return;
	}
	if (size + afs_meta_overhead(fs->f_vk.format) > XATTR_SIZE_MAX) {
		afs_reply_err(req, E2BIG); /* as the kernel for over 65536 */
		return;
	}
	enc = malloc(size + AFS_META_OVERHEAD_MAX);
	if (!enc) {
		afs_reply_err(req, ENOMEM);
		return;
	}
	n = afs_xattr_value_encrypt(&fs->f_vk, disk, (const uint8_t *)value, size, enc);
	err = n < 0 ? n : xa_set(path, nf, disk, enc, (size_t)n, flags) ? -errno : 0;
	free(enc);
	afs_reply_err(req, err);
}

/* Answer a getxattr or listxattr of @len bytes in @buf for @size. */
static void reply_xattr_buf(fuse_req_t req, const void *buf, size_t len, size_t size)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		afs_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, buf, len);
}

static void do_getxattr(fuse_req_t req, fuse_ino_t ino, const char *path, bool nf,
			const char *name, size_t size)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	char disk[AFS_XATTR_NAME_BUF];
	uint8_t *enc = NULL, *plain = NULL;
	ssize_t n, m;

	if (!is_acl(name) && !is_user(name)) {
		/* ENODATA, not EOPNOTSUPP: the kernel would stop asking for
		 * any attribute (it asks security.capability at every write). */
		afs_reply_err(req, ENODATA);
		return;
	}
	if (is_acl(name)) {
		strcpy(disk, name);
	} else {
		if (S_ISLNK(inode->i_type)) {
			afs_reply_err(req, ENODATA);
			return;
		}
		n = afs_xattr_name_encrypt(fs->f_xname, name, disk);
		if (n < 0 || n > XATTR_NAME_MAX) {
			/* too long to have been set: there is none */
			afs_reply_err(req, n < 0 ? (int)n : ENODATA);
			return;
		}
	}
	for (;;) {
		n = xa_get(path, nf, disk, NULL, 0);
		if (n < 0) {
			/* A backing filesystem without POSIX ACLs (NFSv4, ramfs)
			 * has none: ENODATA, which the kernel takes for "no
			 * ACL".  EOPNOTSUPP would fail its permission check of
			 * everything that root (or any other non-owner) opens. */
			if (errno == EOPNOTSUPP && is_acl(name))
				errno = ENODATA;
			afs_reply_err(req, errno);
			return;
		}
		free(enc);
		enc = malloc((size_t)n + 1);
		if (!enc) {
			afs_reply_err(req, ENOMEM);
			return;
		}
		m = xa_get(path, nf, disk, enc, (size_t)n);
		if (m >= 0)
			break;
		if (errno != ERANGE) { /* grown since: ask again */
			afs_reply_err(req, errno);
			free(enc);
			return;
		}
	}
	if (is_acl(name)) {
		reply_xattr_buf(req, enc, (size_t)m, size);
		free(enc);
		return;
	}
	plain = malloc((size_t)m + 1);
	n = plain ? afs_xattr_value_decrypt(&fs->f_vk, disk, enc, (size_t)m, plain) : -ENOMEM;
	if (n < 0) {
		if (n == -EUCLEAN || n == -EBADMSG)
			log_err("an extended attribute's value does not decrypt (changed on "
				"disk?): EIO");
		afs_reply_err(req, n == -EUCLEAN || n == -EBADMSG ? EIO : (int)n);
	} else {
		reply_xattr_buf(req, plain, (size_t)n, size);
	}
	free(enc);
	free(plain);
}

static void do_listxattr(fuse_req_t req, fuse_ino_t ino, const char *path, bool nf, size_t size)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	char *list = NULL, *out = NULL, *p;
	size_t outlen = 0;
	ssize_t n;

	if (S_ISLNK(inode->i_type)) {
		reply_xattr_buf(req, "", 0, size);
		return;
	}
	for (;;) {
		n = xa_list(path, nf, NULL, 0);
		if (n < 0)
			goto fail;
		free(list);
		list = malloc((size_t)n + 1);
		if (!list) {
			errno = ENOMEM;
			goto fail;
		}
		n = xa_list(path, nf, list, (size_t)n);
		if (n >= 0)
			break;
		if (errno != ERANGE)
			goto fail;
	}
	/* Every plaintext name is at most as long as its on-disk one. */
	out = malloc((size_t)n + 1);
	if (!out) {
		errno = ENOMEM;
		goto fail;
	}
	for (p = list; p < list + n; p += strlen(p) + 1) {
		char plain[AFS_XATTR_NAME_BUF];
		int len;

		if (is_acl(p)) {
			strcpy(out + outlen, p);
			outlen += strlen(p) + 1;
			continue;
		}
		if (!is_user(p))
			continue;
		len = afs_xattr_name_decrypt(fs->f_xname, p, plain);
		if (len < 0 || (size_t)len + 1 > (size_t)n - outlen)
			continue; /* not ours, or damaged: not listed */
		memcpy(out + outlen, plain, (size_t)len + 1);
		outlen += (size_t)len + 1;
	}
	reply_xattr_buf(req, out, outlen, size);
	free(list);
	free(out);
	return;
fail:
	afs_reply_err(req, errno);
	free(list);
	free(out);
}

static void do_removexattr(fuse_req_t req, fuse_ino_t ino, const char *path, bool nf,
			   const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	char disk[AFS_XATTR_NAME_BUF];
	int n;

	if (is_acl(name)) {
		if (!strcmp(name, XATTR_ACL_DEFAULT))
			atomic_store(&inode->i_dacl, -1);
		afs_reply_err(req, xa_remove(path, nf, name) ? errno : 0);
		return;
	}
	if (!is_user(name) || S_ISLNK(inode->i_type)) {
		afs_reply_err(req, ENODATA);
		return;
	}
	n = afs_xattr_name_encrypt(fs->f_xname, name, disk);
	if (n < 0 || n > XATTR_NAME_MAX)
		afs_reply_err(req, n < 0 ? n : ENODATA);
	else
		afs_reply_err(req, xa_remove(path, nf, disk) ? errno : 0);
}

/* Run @fn on a path to @ino's backing file. */
#define WITH_PATH(req, ino, call)                                                     \
	do {                                                                           \
		struct afs_fs *fs_ = afs_req_fs(req);                                   \
		char path[AFS_LOC_PATH_MAX];                                           \
		struct afs_loc l_;                                                     \
		bool nf;                                                               \
		int err_ = afs_loc_get(fs_, afs_inode_get(fs_, ino), &l_);             \
                                                                                       \
		if (err_) {                                                            \
			afs_reply_err(req, err_);                                      \
			break;                                                         \
		}                                                                      \
		nf = afs_loc_path(&l_, path);                                          \
		call;                                                                  \
		afs_loc_put(fs_, &l_);                                                 \
	} while (0)

void afs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		     size_t size, int flags)
{
	afs_atime_recheck(afs_inode_get(afs_req_fs(req), ino)); /* the ctime moves */
	WITH_PATH(req, ino, do_setxattr(req, ino, path, nf, name, value, size, flags));
}

void afs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	WITH_PATH(req, ino, do_getxattr(req, ino, path, nf, name, size));
}

void afs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	WITH_PATH(req, ino, do_listxattr(req, ino, path, nf, size));
}

void afs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	afs_atime_recheck(afs_inode_get(afs_req_fs(req), ino)); /* the ctime moves */
	WITH_PATH(req, ino, do_removexattr(req, ino, path, nf, name));
}
