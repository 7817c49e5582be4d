// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_dir.c - the namespace: lookup, create, mkdir, mknod, symlink, link,
 * unlink, rmdir, rename, readlink and directory listings.  Every plaintext
 * name becomes its on-disk name in dirnames.c; a long name's sidecar is
 * written before the entry and removed after it, so that a listing never
 * shows an entry without its name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"

int afs_chown_new(struct afs_fs *fs, fuse_req_t req, struct afs_inode *parent, int dirfd,
		  const char *disk)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct stat pst;
	gid_t gid = ctx->gid;

	if (!fs->f_opts.multiuser || (ctx->uid == 0 && ctx->gid == 0))
		return 0;
	/* A set-group-ID directory gives its group; the backing one did. */
	if (fstatat(parent->i_fd, "", &pst, AT_EMPTY_PATH) == 0 && (pst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (fchownat(dirfd, disk, ctx->uid, gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return 0;
}

mode_t afs_new_mode(struct afs_fs *fs, fuse_req_t req, struct afs_inode *parent, mode_t mode)
{
	char path[AFS_PROC_PATH_MAX];

	if (!fs->f_dont_mask)
		return mode; /* the kernel applied the umask */
	afs_proc_path(parent->i_fd, path);
	if (getxattr(path, "system.posix_acl_default", NULL, 0) > 0)
		return mode;
	return mode & ~fuse_req_ctx(req)->umask;
}

static void reply_entry_of(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir,
			   const char *disk)
{
	struct fuse_entry_param e;
	int err = afs_inode_lookup_disk(fs, dir, disk, &e);

	if (err)
		afs_reply_err(req, err);
	else if (fuse_reply_entry(req, &e))
		afs_inode_forget(fs, e.ino, 1);
}

void afs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent);
	struct fuse_entry_param e;
	struct afs_dname dn;
	int err;

	err = afs_dname(fs, dir, name, &dn);
	if (!err)
		err = afs_inode_lookup_disk(fs, dir, dn.d_disk, &e);
	if (err == -EPERM || err == -EINVAL)
		err = -ENOENT; /* a reserved name: it does not exist */
	if (err == -ENOENT) {
		/* Cache the absence too. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fs->f_opts.timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (err)
		afs_reply_err(req, err);
	else if (fuse_reply_entry(req, &e))
		afs_inode_forget(fs, e.ino, 1);
}

void afs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	afs_inode_forget(afs_req_fs(req), ino, nlookup);
	fuse_reply_none(req);
}

void afs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct afs_fs *fs = afs_req_fs(req);
	size_t i;

	for (i = 0; i < count; i++)
		afs_inode_forget(fs, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* Whether @disk exists in @dirfd. */
static bool exists(int dirfd, const char *disk)
{
	struct stat st;

	return fstatat(dirfd, disk, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The sidecar of a new entry that could not be made goes too, unless an
 * entry of that name exists after all. */
static void undo_sidecar(int dirfd, const struct afs_dname *dn)
{
	if (dn->d_long && !exists(dirfd, dn->d_disk))
		afs_dname_sidecar_del(dirfd, dn);
}

/* The on-disk name of a new entry @name in @dir, its sidecar written. */
static int new_name(struct afs_fs *fs, struct afs_inode *dir, const char *name,
		    struct afs_dname *dn)
{
	int err = afs_dname(fs, dir, name, dn);

	return err ? err : afs_dname_sidecar_add(fs, dir->i_fd, dn);
}

/* A non-directory entry @dn was made in @dir (@err 0) or not (-errno):
 * give it to the caller and answer with it, or undo and answer the error. */
static void finish_new(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir,
		       const struct afs_dname *dn, int err)
{
	if (err) {
		undo_sidecar(dir->i_fd, dn);
		afs_reply_err(req, err);
		return;
	}
	err = afs_chown_new(fs, req, dir, dir->i_fd, dn->d_disk);
	if (err) {
		unlinkat(dir->i_fd, dn->d_disk, 0);
		afs_dname_sidecar_del(dir->i_fd, dn);
		afs_reply_err(req, err);
		return;
	}
	reply_entry_of(req, fs, dir, dn->d_disk);
}

void afs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		   struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent), *inode;
	struct fuse_entry_param e;
	struct afs_dname dn;
	int fd, err, flags;

	err = new_name(fs, dir, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	flags = (fi->flags & ~(O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECT | O_NOFOLLOW)) |
		O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW;
	fd = openat(dir->i_fd, dn.d_disk, flags, afs_new_mode(fs, req, dir, mode));
	if (fd < 0) {
		err = -errno;
		undo_sidecar(dir->i_fd, &dn);
		afs_reply_err(req, err);
		return;
	}
	err = afs_chown_new(fs, req, dir, dir->i_fd, dn.d_disk);
	if (!err)
		err = afs_inode_lookup_disk(fs, dir, dn.d_disk, &e);
	if (err) {
		close(fd);
		afs_reply_err(req, err);
		return;
	}
	inode = afs_inode_get(fs, e.ino);
	err = afs_content_get(fs, inode, fd, fi->flags & O_TRUNC);
	if (err) {
		close(fd);
		afs_inode_forget(fs, e.ino, 1);
		afs_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	if (fuse_reply_create(req, &e, fi)) {
		afs_content_put(inode);
		close(fd);
		afs_inode_forget(fs, e.ino, 1);
	}
}

void afs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent);
	struct afs_dname dn;
	struct stat st;
	int err;

	err = new_name(fs, dir, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	if (mkdirat(dir->i_fd, dn.d_disk, afs_new_mode(fs, req, dir, mode))) {
		err = -errno;
		undo_sidecar(dir->i_fd, &dn);
		afs_reply_err(req, err);
		return;
	}
	err = afs_chown_new(fs, req, dir, dir->i_fd, dn.d_disk);
	if (!err && fstatat(dir->i_fd, dn.d_disk, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	if (!err) {
		/* A directory whose owner cannot write it still gets its IV. */
		err = afs_dir_iv_create(fs, dir->i_fd, dn.d_disk,
					fs->f_opts.multiuser ? st.st_uid : (uid_t)-1, st.st_gid);
	}
	if (err) {
		unlinkat(dir->i_fd, dn.d_disk, AT_REMOVEDIR);
		afs_dname_sidecar_del(dir->i_fd, &dn);
		afs_reply_err(req, err);
		return;
	}
	reply_entry_of(req, fs, dir, dn.d_disk);
}

void afs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent);
	struct afs_dname dn;
	int err;

	err = new_name(fs, dir, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	err = mknodat(dir->i_fd, dn.d_disk, afs_new_mode(fs, req, dir, mode), rdev) ? -errno : 0;
	finish_new(req, fs, dir, &dn, err);
}

void afs_op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent);
	char enc[AFS_SYMLINK_ENC_BUF];
	struct afs_dname dn;
	int err;

	if (strlen(target) > AFS_SYMLINK_MAX) {
		afs_reply_err(req, ENAMETOOLONG);
		return;
	}
	err = afs_symlink_encrypt(fs->f_symlink, target, enc);
	if (err >= 0)
		err = new_name(fs, dir, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	err = symlinkat(enc, dir->i_fd, dn.d_disk) ? -errno : 0;
	finish_new(req, fs, dir, &dn, err);
}

void afs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent, const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino), *dir = afs_inode_get(fs, parent);
	char path[AFS_PROC_PATH_MAX];
	struct afs_dname dn;
	int err, fd;

	err = new_name(fs, dir, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	fd = afs_inode_fd(fs, inode);
	if (fd < 0) {
		undo_sidecar(dir->i_fd, &dn);
		afs_reply_err(req, fd);
		return;
	}
	afs_proc_path(fd, path);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc works without. */
	if (linkat(fd, "", dir->i_fd, dn.d_disk, AT_EMPTY_PATH) == 0)
		err = 0;
	else if ((errno == ENOENT || errno == EPERM) &&
		 linkat(AT_FDCWD, path, dir->i_fd, dn.d_disk, AT_SYMLINK_FOLLOW) == 0)
		err = 0;
	else
		err = -errno;
	afs_inode_fd_put(inode, fd);
	if (err) {
		undo_sidecar(dir->i_fd, &dn);
		afs_reply_err(req, err);
		return;
	}
	reply_entry_of(req, fs, dir, dn.d_disk);
}

void afs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent);
	struct afs_inode *last = NULL;
	struct afs_dname dn;
	struct stat st;
	int err;

	err = afs_dname(fs, dir, name, &dn);
	if (err == -EPERM)
		err = -ENOENT;
	if (!err && fstatat(dir->i_fd, dn.d_disk, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	if (!err) {
		if (st.st_nlink <= 1)
			last = afs_inode_remove_begin(fs, st.st_dev, st.st_ino);
		if (unlinkat(dir->i_fd, dn.d_disk, 0))
			err = -errno;
		afs_inode_remove_end(fs, last, !err);
	}
	if (!err)
		afs_dname_sidecar_del(dir->i_fd, &dn);
	afs_reply_err(req, err);
}

/* algfs.diriv of a directory about to be removed or replaced, kept so that
 * it can be put back if that fails. */
struct saved_iv {
	int dfd;
	bool removed;
	uint8_t iv[AFS_DIRIV_LEN];
};

/* Remove the algfs.diriv of the directory @disk in @dirfd, if it holds
 * nothing else: -ENOTEMPTY otherwise. */
static int iv_remove(struct afs_fs *fs, int dirfd, const char *disk, struct saved_iv *s)
{
	ssize_t n;
	int fd, err;

	s->removed = false;
	s->dfd = openat(dirfd, disk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dfd < 0)
		return -errno;
	if (fs->f_plain_names)
		return 0;
	err = afs_dir_is_empty(s->dfd);
	if (err <= 0)
		return err ? err : -ENOTEMPTY;
	fd = openat(s->dfd, AFS_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, s->iv, sizeof(s->iv));
	close(fd);
	if (n != sizeof(s->iv))
		return -EIO;
	if (unlinkat(s->dfd, AFS_DIRIV_NAME, 0))
		return -errno;
	s->removed = true;
	return 0;
}

static void iv_restore(struct saved_iv *s)
{
	if (s->removed) {
		if (afs_write_atomic(s->dfd, AFS_DIRIV_NAME, s->iv, sizeof(s->iv), 0400))
			log_err("could not restore algfs.diriv of a directory that was not "
				"removed: its names no longer decrypt");
		s->removed = false;
	}
}

static void iv_done(struct saved_iv *s)
{
	if (s->dfd >= 0)
		close(s->dfd);
	s->dfd = -1;
}

void afs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent);
	struct saved_iv s = { .dfd = -1 };
	struct afs_dname dn;
	int err;

	err = afs_dname(fs, dir, name, &dn);
	if (err == -EPERM)
		err = -ENOENT;
	if (!err)
		err = iv_remove(fs, dir->i_fd, dn.d_disk, &s);
	if (!err && unlinkat(dir->i_fd, dn.d_disk, AT_REMOVEDIR)) {
		err = -errno;
		iv_restore(&s);
	}
	iv_done(&s);
	if (!err)
		afs_dname_sidecar_del(dir->i_fd, &dn);
	afs_reply_err(req, err);
}

void afs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		   const char *newname, unsigned int flags)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent), *ndir = afs_inode_get(fs, newparent);
	struct afs_inode *last = NULL;
	struct saved_iv s = { .dfd = -1 };
	struct afs_dname on, nn;
	struct stat ost, nst;
	bool new_sidecar = false, replaced;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		afs_reply_err(req, EINVAL);
		return;
	}
	err = afs_dname(fs, dir, name, &on);
	if (!err)
		err = afs_dname(fs, ndir, newname, &nn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	if (flags & RENAME_EXCHANGE) {
		/* Both names stay; so do their sidecars. */
		if (fstatat(dir->i_fd, on.d_disk, &ost, AT_SYMLINK_NOFOLLOW) ||
		    fstatat(ndir->i_fd, nn.d_disk, &nst, AT_SYMLINK_NOFOLLOW) ||
		    renameat2(dir->i_fd, on.d_disk, ndir->i_fd, nn.d_disk, flags)) {
			afs_reply_err(req, errno);
			return;
		}
		afs_inode_moved(fs, ost.st_dev, ost.st_ino, ndir, nn.d_disk);
		afs_inode_moved(fs, nst.st_dev, nst.st_ino, dir, on.d_disk);
		fuse_reply_err(req, 0);
		return;
	}
	if (fstatat(dir->i_fd, on.d_disk, &ost, AT_SYMLINK_NOFOLLOW)) {
		afs_reply_err(req, -errno);
		return;
	}
	replaced = fstatat(ndir->i_fd, nn.d_disk, &nst, AT_SYMLINK_NOFOLLOW) == 0 &&
		   (nst.st_ino != ost.st_ino || nst.st_dev != ost.st_dev);
	/* An empty directory being replaced holds its algfs.diriv. */
	if (!(flags & RENAME_NOREPLACE) && S_ISDIR(ost.st_mode) && replaced &&
	    S_ISDIR(nst.st_mode)) {
		err = iv_remove(fs, ndir->i_fd, nn.d_disk, &s);
		if (err) {
			iv_done(&s);
			afs_reply_err(req, err);
			return;
		}
	}
	if (nn.d_long && !exists(ndir->i_fd, nn.d_disk)) {
		err = afs_dname_sidecar_add(fs, ndir->i_fd, &nn);
		new_sidecar = !err;
	}
	if (!err && replaced && !S_ISDIR(nst.st_mode) && nst.st_nlink <= 1)
		last = afs_inode_remove_begin(fs, nst.st_dev, nst.st_ino);
	if (!err && renameat2(dir->i_fd, on.d_disk, ndir->i_fd, nn.d_disk, flags))
		err = -errno;
	afs_inode_remove_end(fs, last, !err);
	if (err) {
		if (new_sidecar)
			undo_sidecar(ndir->i_fd, &nn);
		iv_restore(&s);
	} else {
		afs_inode_moved(fs, ost.st_dev, ost.st_ino, ndir, nn.d_disk);
		/* (rename between two links of one file leaves both) */
		if (on.d_long && !exists(dir->i_fd, on.d_disk))
			afs_dname_sidecar_del(dir->i_fd, &on);
	}
	iv_done(&s);
	afs_reply_err(req, err);
}

void afs_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	char enc[AFS_SYMLINK_ENC_BUF], plain[AFS_SYMLINK_ENC_BUF];
	ssize_t n;
	int fd = afs_inode_fd(fs, inode);

	if (fd < 0) {
		afs_reply_err(req, fd);
		return;
	}
	n = readlinkat(fd, "", enc, sizeof(enc) - 1);
	if (n < 0)
		n = -errno;
	afs_inode_fd_put(inode, fd);
	if (n < 0) {
		afs_reply_err(req, (int)n);
		return;
	}
	enc[n] = 0;
	n = afs_symlink_decrypt(fs->f_symlink, enc, plain);
	if (n < 0) {
		log_err("a symlink's target does not decrypt (changed on disk?): EIO");
		afs_reply_err(req, EIO);
		return;
	}
	fuse_reply_readlink(req, plain);
}

/* An open directory: the backing stream and the entry that did not fit in
 * the last reply. */
struct afs_dirh {
	DIR *dh_dir;
	struct dirent *dh_entry;
	off_t dh_off;
};

void afs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	struct afs_dirh *d;
	int fd, err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		afs_reply_err(req, ENOMEM);
		return;
	}
	fd = openat(inode->i_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d->dh_dir = fdopendir(fd))) {
		err = errno;
		if (fd >= 0)
			close(fd);
		free(d);
		afs_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi)) {
		closedir(d->dh_dir);
		free(d);
	}
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, ino);
	struct afs_dirh *d = (struct afs_dirh *)(uintptr_t)fi->fh;
	char plain[AFS_PLAIN_NAME_BUF];
	char *buf, *p;
	size_t rem = size;
	int err = 0;

	buf = calloc(1, size);
	if (!buf) {
		afs_reply_err(req, ENOMEM);
		return;
	}
	if (off != d->dh_off) {
		seekdir(d->dh_dir, off);
		d->dh_entry = NULL;
		d->dh_off = off;
	}
	for (p = buf;;) {
		struct fuse_entry_param e;
		size_t entsize;
		off_t next;

		if (!d->dh_entry) {
			errno = 0;
			d->dh_entry = readdir(d->dh_dir);
			if (!d->dh_entry) {
				err = errno;
				break;
			}
		}
		next = d->dh_entry->d_off;
		err = afs_dname_plain(fs, dir, dirfd(d->dh_dir), d->dh_entry->d_name, plain);
		if (err) {
			if (err == -EUCLEAN) {
				pthread_mutex_lock(&dir->i_lock);
				if (!dir->i_nbad++)
					log_warn("a directory holds names that do not decrypt "
						 "(e.g. %s); they are not listed",
						 d->dh_entry->d_name);
				pthread_mutex_unlock(&dir->i_lock);
			}
			if (err != -ENOENT && err != -EUCLEAN)
				break;
			err = 0;
			d->dh_entry = NULL;
			d->dh_off = next;
			continue;
		}
		memset(&e, 0, sizeof(e));
		if (plus && strcmp(plain, ".") && strcmp(plain, "..")) {
			err = afs_inode_lookup_disk(fs, dir, d->dh_entry->d_name, &e);
			if (err == -ENOENT) { /* gone since readdir() */
				err = 0;
				d->dh_entry = NULL;
				d->dh_off = next;
				continue;
			}
			if (err)
				break;
			entsize = fuse_add_direntry_plus(req, p, rem, plain, &e, next);
			if (entsize > rem) {
				afs_inode_forget(fs, e.ino, 1);
				break;
			}
		} else {
			e.attr.st_ino = d->dh_entry->d_ino;
			e.attr.st_mode = (mode_t)d->dh_entry->d_type << 12;
			if (plus)
				entsize = fuse_add_direntry_plus(req, p, rem, plain, &e, next);
			else
				entsize = fuse_add_direntry(req, p, rem, plain, &e.attr, next);
			if (entsize > rem)
				break;
		}
		p += entsize;
		rem -= entsize;
		d->dh_entry = NULL;
		d->dh_off = next;
	}
	/* An error after some entries: return those; the next call reports it. */
	if (err && rem == size)
		afs_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

void afs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

void afs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

void afs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct afs_dirh *d = (struct afs_dirh *)(uintptr_t)fi->fh;

	(void)ino;
	closedir(d->dh_dir);
	free(d);
	fuse_reply_err(req, 0);
}

void afs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct afs_dirh *d = (struct afs_dirh *)(uintptr_t)fi->fh;
	int fd = dirfd(d->dh_dir);

	(void)ino;
	fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) ? errno : 0);
}
