// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuse_fs.c - the mounted volume: its keys, its root, what is asked of the
 * kernel at init, and the table of operations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"

/* The largest request: 1 MiB, 256 blocks of 4 KiB in one batch. */
#define AFS_MAX_WRITE (1u << 20)

struct afs_fs *afs_fs_alloc(void)
{
	return calloc(1, sizeof(struct afs_fs));
}

void afs_fs_free(struct afs_fs *fs)
{
	free(fs);
}

atomic_bool *afs_fs_active(struct afs_fs *fs)
{
	return &fs->f_active;
}

int afs_fs_init(struct afs_fs *fs, const char *cipherdir, struct ac_ctx *ctx, struct ac_key *mk,
		const struct afs_config *cfg, const struct afs_mount_opts *opts)
{
	struct stat st;
	int err;

	memset(fs, 0, sizeof(*fs));
	fs->f_root.i_fd = -1;
	fs->f_root.i_ofd = -1;
	fs->f_mount_fd = -1;
	fs->f_ctx = ctx;
	fs->f_vk = afs_volkey_of(cfg, ac_key_get(mk));
	fs->f_bs = cfg->block_size;
	fs->f_plain_names = cfg->names == AFS_NAMES_PLAINTEXT;
	fs->f_opts = *opts;
	fs->f_cipherdir = cipherdir;
	pthread_mutex_init(&fs->f_table_lock, NULL);
	pthread_cond_init(&fs->f_removed, NULL);
	pthread_mutex_init(&fs->f_wlock, NULL);
	pthread_cond_init(&fs->f_wdone, NULL);
	err = afs_order_init(&fs->f_order);
	if (err) {
		log_err("cannot set up the request order: %s", strerror(-err));
		return err;
	}
	pthread_mutex_init(&fs->f_pending_lock, NULL);
	pthread_mutex_init(&fs->f_lk_lock, NULL);
	pthread_cond_init(&fs->f_lk_done, NULL);
	pthread_mutex_init(&fs->f_root.i_lock, NULL);
	pthread_rwlock_init(&fs->f_root.i_rw, NULL);

	err = afs_subkey(&fs->f_vk, AFS_KEY_NAMES, NULL, &fs->f_names);
	if (!err)
		err = afs_subkey(&fs->f_vk, AFS_KEY_XATTR_NAME, NULL, &fs->f_xname);
	if (err) {
		log_err("cannot derive the volume's keys: %s", strerror(-err));
		return err;
	}
	err = afs_inode_table_init(fs);
	if (err)
		return err;
	fs->f_root.i_fd = open(cipherdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->f_root.i_fd < 0 || fstat(fs->f_root.i_fd, &st)) {
		err = -errno;
		log_err("%s: %s", cipherdir, strerror(errno));
		return err;
	}
	fs->f_root.i_dev = st.st_dev;
	fs->f_root.i_ino = st.st_ino;
	fs->f_root.i_type = S_IFDIR;
	fs->f_root.i_nlookup = 2; /* never forgotten */
	afs_inode_export_init(fs);
	/* Without the top directory's IV nothing in the volume can be found:
	 * refuse the mount rather than fail every request (said above). */
	if (!fs->f_plain_names) {
		uint8_t iv[AFS_DIRIV_LEN];

		if (afs_dir_iv(fs, &fs->f_root, fs->f_root.i_fd, iv)) {
			log_err("%s: not mounted: without its %s no name in the volume can be "
				"read (restore the file from a backup)",
				cipherdir, AFS_DIRIV_NAME);
			return -EUCLEAN;
		}
	}
	return 0;
}

void afs_fs_destroy(struct afs_fs *fs)
{
	afs_locks_end(fs); /* (the session's destroy did, if it had one) */
	afs_inode_table_free(fs);
	if (fs->f_root.i_fd >= 0)
		close(fs->f_root.i_fd);
	pthread_mutex_destroy(&fs->f_root.i_lock);
	pthread_rwlock_destroy(&fs->f_root.i_rw);
	pthread_mutex_destroy(&fs->f_table_lock);
	pthread_cond_destroy(&fs->f_removed);
	pthread_mutex_destroy(&fs->f_wlock);
	pthread_cond_destroy(&fs->f_wdone);
	afs_order_destroy(&fs->f_order);
	pthread_mutex_destroy(&fs->f_lk_lock);
	pthread_cond_destroy(&fs->f_lk_done);
	afs_durable_destroy(fs);
	ac_key_put(fs->f_names);
	ac_key_put(fs->f_xname);
	ac_key_put(fs->f_vk.mk);
	memset(fs, 0, sizeof(*fs));
}

static void afs_op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct afs_fs *fs = userdata;

	conn->max_write = AFS_MAX_WRITE;
	conn->max_readahead = AFS_MAX_WRITE;
	/* The kernel caches writes and sends them in large requests; safe,
	 * since only this daemon changes the backing files. */
	if (fs->f_opts.writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	else
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/* ACLs are checked by the kernel, and so need default_permissions. */
	if (fs->f_opts.default_permissions && (conn->capable & FUSE_CAP_POSIX_ACL))
		conn->want |= FUSE_CAP_POSIX_ACL;
	/* The caller's umask is applied here, where it is known whether the
	 * parent has a default ACL, which overrides it (as on any Linux fs). */
	if (conn->capable & FUSE_CAP_DONT_MASK) {
		conn->want |= FUSE_CAP_DONT_MASK;
		fs->f_dont_mask = true;
	}
	/* Shared, another daemon changes files behind the kernel's back: a
	 * getattr that finds a new size or mtime drops the cached pages. */
	if (fs->f_opts.shared && (conn->capable & FUSE_CAP_AUTO_INVAL_DATA))
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	/* Shared, O_DIRECT handles bypass the page cache where the kernel
	 * drops the other handles' cached pages (and mappings) of the range
	 * before a write through such a handle: since Linux 6.6, FUSE 7.39. */
	fs->f_direct_uncached = fs->f_opts.shared && conn->proto_minor >= 39;
#ifdef FUSE_CAP_DIRECT_IO_ALLOW_MMAP
	/* Shared, O_APPEND and O_DIRECT handles bypass the page cache
	 * (afs_open_cache()); a shared mapping of one is then refused with
	 * ENODEV unless the kernel keeps it coherent (Linux 6.6, libfuse 3.16). */
	if (fs->f_opts.shared && (conn->capable & FUSE_CAP_DIRECT_IO_ALLOW_MMAP))
		conn->want |= FUSE_CAP_DIRECT_IO_ALLOW_MMAP;
#endif
	/* Shared, fcntl and flock locks go to the backing files, where the
	 * other daemons see them (locks.c); else the kernel keeps them, as
	 * it always did (libfuse asks for both, as the ops exist). */
	if (fs->f_opts.shared && (conn->capable & FUSE_CAP_POSIX_LOCKS))
		conn->want |= FUSE_CAP_POSIX_LOCKS;
	else
		conn->want &= ~FUSE_CAP_POSIX_LOCKS;
	if (fs->f_opts.shared && (conn->capable & FUSE_CAP_FLOCK_LOCKS))
		conn->want |= FUSE_CAP_FLOCK_LOCKS;
	else
		conn->want &= ~FUSE_CAP_FLOCK_LOCKS;
	/* The kernel clears the set-user-ID and set-group-ID bits itself, with
	 * a chmod, on a write, truncate or chown by a caller without
	 * CAP_FSETID, which only it knows (a write from the writeback cache
	 * has no caller). */
	conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
	/* Handles the kernel can decode from the node ID alone (inode.c). */
	if (fs->f_fh_layout != AFS_FH_NONE && (conn->capable & FUSE_CAP_EXPORT_SUPPORT))
		conn->want |= FUSE_CAP_EXPORT_SUPPORT;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	/* O_TRUNC comes as a setattr; splice is not used (the daemon must
	 * see every byte to encrypt it). */
	conn->want &= ~(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
			FUSE_CAP_SPLICE_MOVE);
}

/* The session ends: no lock request may still be waiting to answer it. */
static void afs_op_destroy(void *userdata)
{
	afs_locks_end(userdata);
}

const struct fuse_lowlevel_ops afs_fuse_ops = {
	.init = afs_op_init,
	.destroy = afs_op_destroy,
	.lookup = afs_op_lookup,
	.forget = afs_op_forget,
	.forget_multi = afs_op_forget_multi,
	.getattr = afs_op_getattr,
	.setattr = afs_op_setattr,
	.readlink = afs_op_readlink,
	.mknod = afs_op_mknod,
	.mkdir = afs_op_mkdir,
	.unlink = afs_op_unlink,
	.rmdir = afs_op_rmdir,
	.symlink = afs_op_symlink,
	.rename = afs_op_rename,
	.link = afs_op_link,
	.open = afs_op_open,
	.read = afs_op_read,
	.write = afs_op_write,
	.flush = afs_op_flush,
	.release = afs_op_release,
	.fsync = afs_op_fsync,
	.opendir = afs_op_opendir,
	.readdir = afs_op_readdir,
	.readdirplus = afs_op_readdirplus,
	.releasedir = afs_op_releasedir,
	.fsyncdir = afs_op_fsyncdir,
	.statfs = afs_op_statfs,
	.setxattr = afs_op_setxattr,
	.getxattr = afs_op_getxattr,
	.listxattr = afs_op_listxattr,
	.removexattr = afs_op_removexattr,
	.create = afs_op_create,
	.fallocate = afs_op_fallocate,
	.lseek = afs_op_lseek,
	.getlk = afs_op_getlk,
	.setlk = afs_op_setlk,
	.flock = afs_op_flock,
};
