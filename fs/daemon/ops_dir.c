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

int afs_chown_new(struct afs_fs *fs, fuse_req_t req, int dirfd, const char *disk)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct stat pst, st;
	gid_t gid = ctx->gid;

	if (!fs->f_opts.multiuser || (ctx->uid == 0 && ctx->gid == 0))
		return 0;
	/* A set-group-ID directory gives its group; the backing one did. */
	if (fstatat(dirfd, "", &pst, AT_EMPTY_PATH) == 0 && (pst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (fstatat(dirfd, disk, &st, AT_SYMLINK_NOFOLLOW) ||
	    fchownat(dirfd, disk, ctx->uid, gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	/* The chown took a non-directory's set-user-ID and set-group-ID bits,
	 * which a file made with them keeps (the kernel already took those
	 * the caller may not set). */
	if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(dirfd, disk, st.st_mode & 07777, 0))
		return -errno;
	return 0;
}

mode_t afs_new_mode(struct afs_fs *fs, fuse_req_t req, struct afs_inode *parent, int dirfd,
		    mode_t mode)
{
	char path[AFS_PROC_PATH_MAX];
	int dacl;

	if (!fs->f_dont_mask)
		return mode; /* the kernel applied the umask */
	/* Shared, another daemon may set or remove it: asked every time. */
	dacl = fs->f_opts.shared ? -1 : atomic_load(&parent->i_dacl);
	if (dacl < 0) {
		afs_proc_path(dirfd, path);
		dacl = getxattr(path, "system.posix_acl_default", NULL, 0) > 0;
		atomic_store(&parent->i_dacl, dacl);
	}
	return dacl ? mode : mode & ~fuse_req_ctx(req)->umask;
}

static void reply_entry_of(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
			   const char *disk)
{
	struct fuse_entry_param e;
	int err = afs_inode_lookup_disk(fs, dir, dirfd, disk, NULL, &e);

	if (err)
		afs_reply_err(req, err);
	else if (fuse_reply_entry(req, &e))
		afs_inode_forget(fs, e.ino, 1);
}

void afs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir;
	struct fuse_entry_param e;
	struct afs_dname dn;
	int err, dirfd;

	/* Only the kernel's decoding of a file handle asks for these. */
	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) {
		err = afs_inode_lookup_dot(fs, parent, name[1] == '.', &e);
		if (err)
			afs_reply_err(req, err);
		else if (fuse_reply_entry(req, &e) && e.ino != FUSE_ROOT_ID)
			afs_inode_forget(fs, e.ino, 1);
		return;
	}
	dir = afs_inode_get(fs, parent);
	dirfd = afs_dir_fd(fs, dir);
	if (dirfd < 0) {
		afs_reply_err(req, dirfd);
		return;
	}
	err = afs_dname(fs, dir, dirfd, name, &dn);
	if (!err)
		err = afs_inode_lookup_disk(fs, dir, dirfd, dn.d_disk, NULL, &e);
	afs_dir_fd_put(fs, dir);
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
static int new_name(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *name,
		    struct afs_dname *dn)
{
	int err = afs_dname(fs, dir, dirfd, name, dn);

	return err ? err : afs_dname_sidecar_add(fs, dirfd, dn);
}

/* A non-directory entry @dn was made in @dir (@err 0) or not (-errno):
 * give it to the caller and answer with it, or undo and answer the error. */
static void finish_new(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		       const struct afs_dname *dn, int err)
{
	if (err) {
		undo_sidecar(dirfd, dn);
		afs_reply_err(req, err);
		return;
	}
	err = afs_chown_new(fs, req, dirfd, dn->d_disk);
	if (err) {
		unlinkat(dirfd, dn->d_disk, 0);
		afs_dname_sidecar_del(dirfd, dn);
		afs_reply_err(req, err);
		return;
	}
	reply_entry_of(req, fs, dir, dirfd, dn->d_disk);
}

static void do_create(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		      const char *name, mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct afs_inode *inode;
	struct afs_dname dn;
	bool created = true;
	mode_t m;
	struct stat st;
	int fd, err, flags;

	err = new_name(fs, dir, dirfd, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	/* Always readable too: a partial block is read before a rewrite.
	 * O_EXCL first, so that a failure below removes only a file made
	 * here (the kernel asks to create names it found absent, but another
	 * process may have made it since). */
	flags = O_CREAT | O_NOFOLLOW | O_CLOEXEC | (fs->f_opts.read_only ? O_RDONLY : O_RDWR);
	m = afs_new_mode(fs, req, dir, dirfd, mode);
	fd = afs_openat_noatime(dirfd, dn.d_disk, flags | O_EXCL, m);
	if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL)) {
		created = false;
		fd = afs_openat_noatime(dirfd, dn.d_disk, flags, m);
	}
	if (fd < 0) {
		err = -errno;
		if (created)
			undo_sidecar(dirfd, &dn);
		afs_reply_err(req, err);
		return;
	}
	err = created ? afs_chown_new(fs, req, dirfd, dn.d_disk) : 0;
	if (!err && fstat(fd, &st))
		err = -errno;
	if (!err)
		err = afs_inode_lookup_disk(fs, dir, dirfd, dn.d_disk, &st, &e);
	if (err) {
		close(fd);
		goto fail;
	}
	inode = afs_inode_get(fs, e.ino);
	fd = afs_content_get(fs, inode, fd, &st, (fi->flags & O_TRUNC) && st.st_size);
	if (fd < 0) {
		afs_inode_forget(fs, e.ino, 1);
		err = fd;
		goto fail;
	}
	if (created && fs->f_opts.writeback) {
		/* The kernel keeps the mtime it is given here, and sends
		 * another only when a write of its own changes it, which one
		 * in the same clock tick does not: so the writes that follow
		 * keep the backing file's (see i_mtime_pinned). */
		pthread_rwlock_wrlock(&inode->i_rw);
		inode->i_mtime = e.attr.st_mtim;
		inode->i_mtime_pinned = true;
		pthread_rwlock_unlock(&inode->i_rw);
	}
	fi->fh = (uint64_t)fd;
	afs_open_cache(fs, fi);
	if (fuse_reply_create(req, &e, fi)) {
		afs_content_put(inode);
		afs_inode_forget(fs, e.ino, 1);
	}
	return;
fail:
	/* Nothing made here stays behind: not a file the caller was told
	 * does not exist, nor one owned by the daemon's user. */
	if (created) {
		unlinkat(dirfd, dn.d_disk, 0);
		undo_sidecar(dirfd, &dn);
	}
	afs_reply_err(req, err);
}

static void do_mkdir(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		     const char *name, mode_t mode)
{
	struct afs_dname dn;
	struct stat st;
	int err;

	err = new_name(fs, dir, dirfd, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	if (mkdirat(dirfd, dn.d_disk, afs_new_mode(fs, req, dir, dirfd, mode))) {
		err = -errno;
		undo_sidecar(dirfd, &dn);
		afs_reply_err(req, err);
		return;
	}
	err = afs_chown_new(fs, req, dirfd, dn.d_disk);
	if (!err && fstatat(dirfd, dn.d_disk, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	if (!err) {
		/* A directory whose owner cannot write it still gets its IV. */
		err = afs_dir_iv_create(fs, dirfd, dn.d_disk,
					fs->f_opts.multiuser ? st.st_uid : (uid_t)-1, st.st_gid);
	}
	if (err) {
		unlinkat(dirfd, dn.d_disk, AT_REMOVEDIR);
		afs_dname_sidecar_del(dirfd, &dn);
		afs_reply_err(req, err);
		return;
	}
	reply_entry_of(req, fs, dir, dirfd, dn.d_disk);
}

static void do_mknod(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		     const char *name, mode_t mode, dev_t rdev)
{
	struct afs_dname dn;
	int err;

	err = new_name(fs, dir, dirfd, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	err = mknodat(dirfd, dn.d_disk, afs_new_mode(fs, req, dir, dirfd, mode), rdev) ? -errno : 0;
	finish_new(req, fs, dir, dirfd, &dn, err);
}

static void do_symlink(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		       const char *target, const char *name)
{
	char enc[AFS_SYMLINK_ENC_BUF];
	struct afs_dname dn;
	int err;

	err = afs_target_store(fs, target, enc);
	if (!err) {
		err = new_name(fs, dir, dirfd, name, &dn);
		if (err)
			afs_target_forget(fs, enc);
	}
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	err = symlinkat(enc, dirfd, dn.d_disk) ? -errno : 0;
	if (err)
		afs_target_forget(fs, enc);
	finish_new(req, fs, dir, dirfd, &dn, err);
}

static void do_link(fuse_req_t req, struct afs_fs *fs, struct afs_inode *inode,
		    struct afs_inode *dir, int dirfd, const char *name)
{
	char path[AFS_LOC_PATH_MAX];
	struct afs_dname dn;
	struct afs_loc l;
	int err;

	err = new_name(fs, dir, dirfd, name, &dn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	err = afs_loc_get(fs, inode, &l);
	if (err) {
		undo_sidecar(dirfd, &dn);
		afs_reply_err(req, err);
		return;
	}
	if (l.l_fd < 0) {
		err = linkat(l.l_dirfd, l.l_name, dirfd, dn.d_disk, 0) ? -errno : 0;
	} else if (linkat(l.l_fd, "", dirfd, dn.d_disk, AT_EMPTY_PATH) == 0) {
		err = 0;
	} else if (errno == ENOENT || errno == EPERM) {
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc works without. */
		afs_loc_path(&l, path);
		err = linkat(AT_FDCWD, path, dirfd, dn.d_disk, AT_SYMLINK_FOLLOW) ? -errno : 0;
	} else {
		err = -errno;
	}
	afs_loc_put(fs, &l);
	if (err) {
		undo_sidecar(dirfd, &dn);
		afs_reply_err(req, err);
		return;
	}
	reply_entry_of(req, fs, dir, dirfd, dn.d_disk);
}

static void do_unlink(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		      const char *name)
{
	char target[AFS_SYMLINK_ENC_BUF] = "";
	struct afs_inode *last = NULL;
	struct afs_dname dn;
	struct stat st;
	int err;

	err = afs_dname(fs, dir, dirfd, name, &dn);
	if (err == -EPERM)
		err = -ENOENT;
	if (!err && fstatat(dirfd, dn.d_disk, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	if (!err) {
		if (st.st_nlink <= 1)
			last = afs_inode_remove_begin(fs, st.st_dev, st.st_ino);
		afs_target_of_last(fs, dirfd, dn.d_disk, &st, target);
		if (unlinkat(dirfd, dn.d_disk, 0))
			err = -errno;
		afs_inode_remove_end(fs, last, !err);
	}
	if (!err) {
		afs_dname_sidecar_del(dirfd, &dn);
		afs_target_forget(fs, target);
	}
	afs_reply_err(req, err);
}

/*
 * Every operation on entries of one directory: @fn runs with the parent's
 * descriptor held (opened again if the LRU closed it).
 */
#define IN_DIR(req, parent, call)                                                    \
	do {                                                                          \
		struct afs_fs *fs = afs_req_fs(req);                                   \
		struct afs_inode *dir = afs_inode_get(fs, parent);                     \
		int dirfd = afs_dir_fd(fs, dir);                                      \
                                                                                      \
		if (dirfd < 0) {                                                      \
			afs_reply_err(req, dirfd);                                    \
			break;                                                        \
		}                                                                     \
		call;                                                                 \
		afs_dir_fd_put(fs, dir);                                              \
	} while (0)

void afs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		   struct fuse_file_info *fi)
{
	IN_DIR(req, parent, do_create(req, fs, dir, dirfd, name, mode, fi));
}

void afs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	IN_DIR(req, parent, do_mkdir(req, fs, dir, dirfd, name, mode));
}

void afs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	IN_DIR(req, parent, do_mknod(req, fs, dir, dirfd, name, mode, rdev));
}

void afs_op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
	IN_DIR(req, parent, do_symlink(req, fs, dir, dirfd, target, name));
}

void afs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent, const char *name)
{
	afs_atime_recheck_all(afs_req_fs(req));
	IN_DIR(req, parent, do_link(req, fs, afs_inode_get(fs, ino), dir, dirfd, name));
}

void afs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	afs_atime_recheck_all(afs_req_fs(req));
	IN_DIR(req, parent, do_unlink(req, fs, dir, dirfd, name));
}

/* Whether the directory @dfd holds only files that the backing filesystem
 * keeps, unlinked while still open, until their release or last close:
 * sshfs's .fuse_hidden*, an NFS client's .nfsXXXX. */
static bool only_hidden(int dfd)
{
	struct dirent *de;
	int fd, n = 0;
	DIR *d;

	fd = afs_openat_noatime(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strncmp(de->d_name, ".fuse_hidden", 12) && !afs_name_is_nfs_silly(de->d_name)) {
			n = 0;
			break;
		}
		n++;
	}
	closedir(d);
	return n > 0;
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
	int fd, err, tries;

	s->removed = false;
	s->dfd = openat(dirfd, disk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dfd < 0)
		return -errno;
	if (fs->f_plain_names)
		return 0;
	/* A file of it that was open when it was removed may still be kept
	 * by the backing filesystem: the kernel sends the release of the
	 * daemon's descriptor after the program's close.  Wait for it, up to
	 * a second. */
	for (tries = 0;; tries++) {
		err = afs_dir_empty_clean(s->dfd);
		if (err || tries == 40 || !only_hidden(s->dfd))
			break;
		usleep(25000);
	}
	if (err <= 0)
		return err ? err : -ENOTEMPTY;
	fd = afs_open_own(s->dfd, AFS_DIRIV_NAME);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd == -EUCLEAN ? -EIO : fd;
	n = read(fd, s->iv, sizeof(s->iv));
	close(fd);
	if (n != sizeof(s->iv))
		return -EIO;
	if (unlinkat(s->dfd, AFS_DIRIV_NAME, 0))
		return -errno;
	s->removed = true;
	return 0;
}

/*
 * After iv_remove(), removing or replacing the directory found it not
 * empty (@err; sshfs says EPERM for any failure of a rename): the
 * algfs.diriv that iv_remove() read may still be open in the backing
 * filesystem, if that is a FUSE one, since the kernel sends the release of
 * a closed file later; sshfs keeps such a file, unlinked, as .fuse_hidden*
 * until then.  Wait for it, up to a second.  Return: whether to try again.
 */
static bool wait_release(const struct saved_iv *s, int err, int *tries)
{
	if (!s->removed || (err != -ENOTEMPTY && err != -EEXIST && err != -EPERM) ||
	    ++*tries > 40 || !only_hidden(s->dfd))
		return false;
	usleep(25000);
	return true;
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

static void do_rmdir(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		     const char *name)
{
	struct saved_iv s = { .dfd = -1 };
	struct afs_inode *gone = NULL;
	struct afs_dname dn;
	struct stat st;
	int err, tries = 0;

	err = afs_dname(fs, dir, dirfd, name, &dn);
	if (err == -EPERM)
		err = -ENOENT;
	if (!err)
		err = iv_remove(fs, dirfd, dn.d_disk, &s);
	if (!err && fstat(s.dfd, &st) == 0)
		gone = afs_inode_remove_begin(fs, st.st_dev, st.st_ino);
	while (!err && unlinkat(dirfd, dn.d_disk, AT_REMOVEDIR)) {
		err = -errno;
		if (wait_release(&s, err, &tries))
			err = 0;
		else
			break;
	}
	if (err)
		iv_restore(&s);
	afs_inode_remove_end(fs, gone, !err);
	iv_done(&s);
	if (!err)
		afs_dname_sidecar_del(dirfd, &dn);
	afs_reply_err(req, err);
}

void afs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	IN_DIR(req, parent, do_rmdir(req, fs, dir, dirfd, name));
}

static void do_rename(fuse_req_t req, struct afs_fs *fs, struct afs_inode *dir, int dirfd,
		      const char *name, struct afs_inode *ndir, int ndirfd, const char *newname,
		      unsigned int flags)
{
	char target[AFS_SYMLINK_ENC_BUF] = "";
	struct afs_inode *last = NULL;
	struct saved_iv s = { .dfd = -1 };
	struct afs_dname on, nn;
	struct stat ost, nst;
	bool new_sidecar = false, replaced;
	int err, tries = 0;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		afs_reply_err(req, EINVAL);
		return;
	}
	err = afs_dname(fs, dir, dirfd, name, &on);
	if (!err)
		err = afs_dname(fs, ndir, ndirfd, newname, &nn);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	if (flags & RENAME_EXCHANGE) {
		/* Both names stay; so do their sidecars. */
		if (fstatat(dirfd, on.d_disk, &ost, AT_SYMLINK_NOFOLLOW) ||
		    fstatat(ndirfd, nn.d_disk, &nst, AT_SYMLINK_NOFOLLOW) ||
		    renameat2(dirfd, on.d_disk, ndirfd, nn.d_disk, flags)) {
			afs_reply_err(req, errno);
			return;
		}
		afs_inode_moved(fs, ost.st_dev, ost.st_ino, ndir, nn.d_disk);
		afs_inode_moved(fs, nst.st_dev, nst.st_ino, dir, on.d_disk);
		fuse_reply_err(req, 0);
		return;
	}
	if (fstatat(dirfd, on.d_disk, &ost, AT_SYMLINK_NOFOLLOW)) {
		afs_reply_err(req, -errno);
		return;
	}
	replaced = fstatat(ndirfd, nn.d_disk, &nst, AT_SYMLINK_NOFOLLOW) == 0 &&
		   (nst.st_ino != ost.st_ino || nst.st_dev != ost.st_dev);
	/* An empty directory being replaced holds its algfs.diriv. */
	if (!(flags & RENAME_NOREPLACE) && S_ISDIR(ost.st_mode) && replaced &&
	    S_ISDIR(nst.st_mode)) {
		err = iv_remove(fs, ndirfd, nn.d_disk, &s);
		if (err) {
			iv_done(&s);
			afs_reply_err(req, err);
			return;
		}
	}
	if (nn.d_long && !exists(ndirfd, nn.d_disk)) {
		err = afs_dname_sidecar_add(fs, ndirfd, &nn);
		new_sidecar = !err;
	}
	if (!err && replaced && (S_ISDIR(nst.st_mode) || nst.st_nlink <= 1))
		last = afs_inode_remove_begin(fs, nst.st_dev, nst.st_ino);
	if (!err && replaced && !(flags & RENAME_NOREPLACE))
		afs_target_of_last(fs, ndirfd, nn.d_disk, &nst, target);
	while (!err && renameat2(dirfd, on.d_disk, ndirfd, nn.d_disk, flags)) {
		err = -errno;
		if (wait_release(&s, err, &tries))
			err = 0;
		else
			break;
	}
	afs_inode_remove_end(fs, last, !err);
	if (err) {
		if (new_sidecar)
			undo_sidecar(ndirfd, &nn);
		iv_restore(&s);
	} else {
		afs_inode_moved(fs, ost.st_dev, ost.st_ino, ndir, nn.d_disk);
		afs_target_forget(fs, target);
		/* (rename between two links of one file leaves both) */
		if (on.d_long && !exists(dirfd, on.d_disk))
			afs_dname_sidecar_del(dirfd, &on);
	}
	iv_done(&s);
	afs_reply_err(req, err);
}

void afs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		   const char *newname, unsigned int flags)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *dir = afs_inode_get(fs, parent), *ndir = afs_inode_get(fs, newparent);
	int dirfd = afs_dir_fd(fs, dir), ndirfd = dirfd < 0 ? dirfd : afs_dir_fd(fs, ndir);

	afs_atime_recheck_all(fs);
	if (dirfd < 0 || ndirfd < 0)
		afs_reply_err(req, dirfd < 0 ? dirfd : ndirfd);
	else
		do_rename(req, fs, dir, dirfd, name, ndir, ndirfd, newname, flags);
	if (ndirfd >= 0)
		afs_dir_fd_put(fs, ndir);
	if (dirfd >= 0)
		afs_dir_fd_put(fs, dir);
}

void afs_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct afs_fs *fs = afs_req_fs(req);
	struct afs_inode *inode = afs_inode_get(fs, ino);
	char plain[AFS_TARGET_MAX + 1];
	struct afs_loc l;
	int err, n;

	err = afs_loc_get(fs, inode, &l);
	if (err) {
		afs_reply_err(req, err);
		return;
	}
	n = afs_target_read(fs, afs_loc_at(&l), afs_loc_name(&l), plain);
	if (n == -ENOENT && l.l_fd < 0)
		n = -ESTALE;
	afs_loc_put(fs, &l);
	if (n == -EUCLEAN || n == -EBADMSG) {
		log_err("a symlink's target does not decrypt (changed on disk?): EIO");
		n = -EIO;
	}
	if (n < 0) {
		afs_reply_err(req, -n);
		return;
	}
	fuse_reply_readlink(req, plain);
	explicit_bzero(plain, sizeof(plain));
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
	fd = afs_dir_fd(fs, inode);
	if (fd >= 0) {
		int dfd = afs_openat_noatime(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		afs_dir_fd_put(fs, inode);
		fd = dfd >= 0 ? dfd : -errno;
	}
	if (fd < 0)
		errno = -fd;
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

/* Once per directory: which one holds names that do not decrypt, and what
 * that means for the user. */
static void log_undecryptable(struct afs_fs *fs, struct afs_inode *dir, int dirfd,
			      const char *name)
{
	char where[512], plain[1024];

	afs_backing_path(dirfd, where, sizeof(where));
	afs_plain_path(fs, dir, plain, sizeof(plain));
	log_warn("%s: holds names that do not decrypt (e.g. %s: a sync tool's copy, or a "
		 "name changed on disk); they are not listed in %s (in the mount), and it "
		 "cannot be removed while they are there (see algfs(8), DAMAGE)",
		 where, name, plain);
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
				bool say;

				pthread_mutex_lock(&dir->i_lock);
				say = !dir->i_nbad++;
				pthread_mutex_unlock(&dir->i_lock);
				if (say)
					log_undecryptable(fs, dir, dirfd(d->dh_dir),
							  d->dh_entry->d_name);
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
			err = afs_inode_lookup_disk(fs, dir, dirfd(d->dh_dir), d->dh_entry->d_name,
						    NULL, &e);
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
	/* A listing moves the atime (once, from its start), before the reply
	 * that lets the kernel ask for it. */
	if (off == 0 && !(err && rem == size))
		afs_atime_read(fs, dir, dirfd(d->dh_dir), true);
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
	int fd = dirfd(d->dh_dir), err;

	(void)ino;
	err = afs_durable_flush(afs_req_fs(req), fd);
	if (!err && (datasync ? fdatasync(fd) : fsync(fd)))
		err = -errno;
	afs_reply_err(req, err);
}
