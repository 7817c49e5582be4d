// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dirnames.c - names in a ciphertext directory: the plaintext name a user
 * gives becomes the on-disk name (encrypted with the directory's IV, or a
 * long name with a sidecar), and back.  The format is in docs/FORMAT.md,
 * the name cipher in names.c; this file adds the directory around them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"
#include "secmem.h"

static int read_exact(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EUCLEAN;
}

int afs_dir_iv(struct afs_fs *fs, struct afs_inode *dir, int dirfd, uint8_t iv[AFS_DIRIV_LEN])
{
	int fd, err = 0;

	pthread_mutex_lock(&dir->i_lock);
	/* Shared, another daemon may have removed the directory and made
	 * another of that name and inode number: read it every time. */
	if (!dir->i_iv_loaded || fs->f_opts.shared) {
		fd = afs_open_own(dirfd, AFS_DIRIV_NAME);
		if (fd < 0) {
			err = fd;
		} else {
			uint8_t extra;

			err = read_exact(fd, dir->i_iv, AFS_DIRIV_LEN);
			if (!err && read(fd, &extra, 1) != 0)
				err = -EUCLEAN;
			close(fd);
			/* Never written so: a file zeroed by a crash or a tool. */
			if (!err && ac_memeq(dir->i_iv, (const uint8_t[AFS_DIRIV_LEN]){ 0 },
					     AFS_DIRIV_LEN))
				err = -EBADMSG;
		}
		if (!err)
			dir->i_iv_loaded = true;
	}
	if (!err)
		memcpy(iv, dir->i_iv, AFS_DIRIV_LEN);
	pthread_mutex_unlock(&dir->i_lock);
	if (err) {
		char where[512], plain[1024];

		afs_backing_path(dirfd, where, sizeof(where));
		afs_plain_path(fs, dir, plain, sizeof(plain));
		log_err("%s/%s: %s: the names in %s (in the mount) cannot be read", where,
			AFS_DIRIV_NAME,
			err == -EUCLEAN	  ? "not 16 bytes long (damaged)"
			: err == -EBADMSG ? "all zeros (damaged)"
					  : strerror(-err),
			plain);
		err = -EIO;
	}
	return err;
}

/* How many levels afs_plain_path() names; a deeper path starts with "...". */
#define AFS_PATH_DEPTH 32

void afs_plain_path(struct afs_fs *fs, struct afs_inode *inode, char *out, size_t size)
{
	struct level {
		char disk[AFS_NAME_MAX + 1];
		uint8_t iv[AFS_DIRIV_LEN];
		bool iv_ok;
	} *lv;
	struct afs_inode *cur, *parent;
	char plain[AFS_PLAIN_NAME_BUF];
	size_t n = 0, len = 0;
	bool cut = false;

	out[0] = 0;
	lv = calloc(AFS_PATH_DEPTH, sizeof(*lv));
	if (!lv) {
		snprintf(out, size, "(unknown)");
		return;
	}
	/* The table lock keeps every parent alive and in place (renames
	 * change i_parent under it); the names are decrypted after. */
	pthread_mutex_lock(&fs->f_table_lock);
	for (cur = inode; cur != &fs->f_root; cur = parent) {
		if (!cur || n == AFS_PATH_DEPTH) {
			cut = true;
			break;
		}
		pthread_mutex_lock(&cur->i_lock);
		parent = cur->i_parent;
		snprintf(lv[n].disk, sizeof(lv[n].disk), "%s", cur->i_name ? cur->i_name : "");
		pthread_mutex_unlock(&cur->i_lock);
		if (parent) {
			pthread_mutex_lock(&parent->i_lock);
			lv[n].iv_ok = parent->i_iv_loaded;
			memcpy(lv[n].iv, parent->i_iv, AFS_DIRIV_LEN);
			pthread_mutex_unlock(&parent->i_lock);
		}
		n++;
	}
	pthread_mutex_unlock(&fs->f_table_lock);

	if (cut)
		len = (size_t)snprintf(out, size, "...");
	while (n-- && len < size) {
		const char *name = lv[n].disk;

		if (fs->f_plain_names)
			;
		else if (afs_is_longname(name))
			name = "(a long name)";
		else if (lv[n].iv_ok && afs_name_decrypt(fs->f_names, lv[n].iv, name, plain) >= 0)
			name = plain;
		else
			name = "(a name that does not decrypt)";
		len += (size_t)snprintf(out + len, size - len, "/%s", name);
	}
	if (!out[0])
		snprintf(out, size, "/");
	explicit_bzero(lv, AFS_PATH_DEPTH * sizeof(*lv));
	explicit_bzero(plain, sizeof(plain));
	free(lv);
}

int afs_dname(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *plain,
	      struct afs_dname *dn)
{
	uint8_t iv[AFS_DIRIV_LEN];
	int err;

	dn->d_long = false;
	if (strlen(plain) > AFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (fs->f_plain_names) {
		err = afs_plain_name_check(plain);
		if (!err && fs->f_vk.format >= 2 && afs_is_longtarget(plain))
			err = -EPERM; /* format 2 keeps these names for itself */
		if (err)
			return err;
		strcpy(dn->d_disk, plain);
		return 0;
	}
	err = afs_dir_iv(fs, dir, dirfd, iv);
	if (err)
		return err;
	err = afs_name_encrypt(fs->f_names, iv, plain, dn->d_enc);
	if (err < 0)
		return err;
	if (!afs_name_needs_longname(dn->d_enc)) {
		strcpy(dn->d_disk, dn->d_enc);
		return 0;
	}
	dn->d_long = true;
	return afs_longname_hash(fs->f_ctx, dn->d_enc, dn->d_disk);
}

/* The encoded name in the sidecar of the long name @disk, checked against
 * the hash the name carries, so that a swapped sidecar is refused. */
static int sidecar_read(struct afs_fs *fs, int dirfd, const char *disk, char enc[AFS_ENC_NAME_BUF])
{
	char sc[AFS_SIDECAR_BUF], hash[AFS_LONGNAME_BUF];
	ssize_t n;
	int fd, err;

	err = afs_longname_sidecar(disk, sc);
	if (err)
		return err;
	fd = afs_open_own(dirfd, sc);
	if (fd < 0)
		return fd;
	n = read(fd, enc, AFS_ENC_NAME_BUF);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return err;
	if (n == 0 || n >= AFS_ENC_NAME_BUF)
		return -EUCLEAN;
	enc[n] = 0;
	/* Only a name too long for an entry has a sidecar: one on-disk form
	 * per name. */
	if (strlen(enc) != (size_t)n || !afs_name_needs_longname(enc))
		return -EUCLEAN;
	err = afs_longname_hash(fs->f_ctx, enc, hash);
	if (err)
		return err;
	return strcmp(hash, disk) ? -EUCLEAN : 0;
}

int afs_dname_plain(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *disk,
		    char plain[AFS_PLAIN_NAME_BUF])
{
	char enc[AFS_ENC_NAME_BUF];
	uint8_t iv[AFS_DIRIV_LEN];
	int err;

	if (!strcmp(disk, ".") || !strcmp(disk, "..")) {
		strcpy(plain, disk);
		return 0;
	}
	if (fs->f_vk.format >= 2 && afs_is_longtarget(disk))
		return -ENOENT; /* a long symlink target's file */
	if (fs->f_plain_names) {
		if (afs_name_is_reserved(disk) || strlen(disk) > AFS_NAME_MAX)
			return -ENOENT;
		strcpy(plain, disk);
		return 0;
	}
	/* An NFS client's renamed file, removed at its last close. */
	if (afs_name_is_nfs_silly(disk))
		return -ENOENT;
	/* algfs's own files, and its temporary files (".algfs.conf.tmp.*"),
	 * which a crash can leave: encoded names never start with a dot. */
	if (afs_name_is_reserved(disk) || !strncmp(disk, ".algfs.", 7)) {
		if (!afs_is_longname(disk))
			return -ENOENT;
		err = sidecar_read(fs, dirfd, disk, enc);
		if (err)
			return -EUCLEAN;
		disk = enc;
	}
	err = afs_dir_iv(fs, dir, dirfd, iv);
	if (err)
		return err;
	err = afs_name_decrypt(fs->f_names, iv, disk, plain);
	return err < 0 ? -EUCLEAN : 0;
}

int afs_dname_sidecar_add(struct afs_fs *fs, int dirfd, const struct afs_dname *dn)
{
	char sc[AFS_SIDECAR_BUF], old[AFS_ENC_NAME_BUF];
	size_t len = strlen(dn->d_enc);
	int fd, err, tries;

	if (!dn->d_long)
		return 0;
	err = afs_longname_sidecar(dn->d_disk, sc);
	if (err)
		return err;
	for (tries = 0; tries < 2; tries++) {
		fd = openat(dirfd, sc, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
		if (fd >= 0) {
			/* A short write is a full disk: the next one says so. */
			size_t done = 0;
			ssize_t n = 0;

			while (done < len && (n = write(fd, dn->d_enc + done, len - done)) > 0)
				done += (size_t)n;
			err = done == len ? 0 : n < 0 ? -errno : -ENOSPC;
			/* Synced before any fsync through the volume: the
			 * entry, when the user's fsync makes it durable,
			 * finds its name (durable.c). */
			if (!err)
				afs_durable_add(fs, fd, dirfd, sc, false);
			if (close(fd) && !err)
				err = -errno;
			if (err)
				unlinkat(dirfd, sc, 0);
			return err;
		}
		if (errno != EEXIST)
			return -errno;
		/* Another entry of the same name (a hard link, or the target of a
		 * rename) already has it; a stale or damaged one is replaced. */
		if (sidecar_read(fs, dirfd, dn->d_disk, old) == 0 && !strcmp(old, dn->d_enc))
			return 0;
		if (unlinkat(dirfd, sc, 0) && errno != ENOENT)
			return -errno;
	}
	return -EEXIST;
}

void afs_dname_sidecar_del(int dirfd, const struct afs_dname *dn)
{
	char sc[AFS_SIDECAR_BUF];

	if (dn->d_long && afs_longname_sidecar(dn->d_disk, sc) == 0)
		unlinkat(dirfd, sc, 0);
}

int afs_dir_iv_create(struct afs_fs *fs, int parentfd, const char *disk, uid_t uid, gid_t gid)
{
	uint8_t iv[AFS_DIRIV_LEN];
	int dfd, fd, err;
	ssize_t n;

	if (fs->f_plain_names)
		return 0;
	err = ac_random_public(iv, sizeof(iv));
	if (err)
		return err;
	dfd = openat(parentfd, disk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, AFS_DIRIV_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0400);
	if (fd < 0) {
		err = -errno;
		close(dfd);
		return err;
	}
	n = write(fd, iv, sizeof(iv));
	err = n < 0 ? -errno : n == sizeof(iv) ? 0 : -ENOSPC; /* short: a full disk */
	if (!err && uid != (uid_t)-1 && fchown(fd, uid, gid))
		err = -errno;
	/* Synced, with the directory, before any fsync through the volume
	 * (durable.c). */
	if (!err)
		afs_durable_add(fs, fd, dfd, AFS_DIRIV_NAME, true);
	if (close(fd) && !err)
		err = -errno;
	if (err)
		unlinkat(dfd, AFS_DIRIV_NAME, 0);
	close(dfd);
	return err;
}

/* What a crash can leave in a directory beside its entries, and rmdir may
 * remove with it: a sidecar whose long name is gone (a crash between the
 * two), or a temporary file of afs_write_atomic(). */
static bool is_leftover(int dirfd, const char *name)
{
	if (afs_is_atomic_leftover(name))
		return true;
	if (afs_is_longname_sidecar(name)) {
		char entry[AFS_LONGNAME_BUF];
		struct stat st;

		memcpy(entry, name, AFS_LONGNAME_LEN);
		entry[AFS_LONGNAME_LEN] = 0;
		return fstatat(dirfd, entry, &st, AT_SYMLINK_NOFOLLOW) && errno == ENOENT;
	}
	return false;
}

int afs_dir_empty_clean(int dirfd)
{
	char (*gone)[AFS_NAME_MAX + 1] = NULL;
	size_t ngone = 0, i;
	struct dirent *de;
	int fd, empty = 1;
	void *more;
	DIR *d;

	fd = afs_openat_noatime(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (empty > 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, AFS_DIRIV_NAME))
			continue;
		if (!is_leftover(dirfd, de->d_name)) {
			empty = 0;
			break;
		}
		more = reallocarray(gone, ngone + 1, sizeof(*gone));
		if (!more) {
			empty = -ENOMEM;
			break;
		}
		gone = more;
		strcpy(gone[ngone++], de->d_name);
	}
	closedir(d);
	/* Only once the directory is known to hold nothing else. */
	for (i = 0; empty > 0 && i < ngone; i++) {
		if (unlinkat(dirfd, gone[i], 0) && errno != ENOENT)
			empty = -errno;
	}
	if (empty > 0 && ngone)
		log_warn("removed %zu file%s that a crash had left in a directory being removed",
			 ngone, ngone == 1 ? "" : "s");
	free(gone);
	return empty;
}
