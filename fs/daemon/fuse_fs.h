/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuse_fs.h - the FUSE daemon's one public header: what a program needs to
 * serve an unlocked volume over a libfuse low-level session (tools/algfs.c
 * mounts, daemonises and unmounts; this serves).  The volume is opaque;
 * everything else of the daemon is private to fs/daemon/ (fuse_i.h).
 *
 * The order of calls:
 *
 *   fs = afs_fs_alloc();
 *   se = fuse_session_new(args, &afs_fuse_ops, sizeof(afs_fuse_ops), fs);
 *   afs_fs_init(fs, ...);           the keys, the root, the inode table
 *   fuse_session_mount(se, ...);
 *   afs_session_loop(fs, se);       until the kernel ends the session
 *   afs_content_thread_exit();      on the thread that ran the loop
 *   fuse_session_destroy(se);
 *   afs_fs_destroy(fs);             if afs_fs_init() was called, even failed
 *   afs_fs_free(fs);
 */
#ifndef ALGFS_FUSE_FS_H
#define ALGFS_FUSE_FS_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "crypto.h"
#include "format.h"

/* When a plaintext read or directory listing moves the access time, as the
 * mount options atime (strictatime), relatime (the default) and noatime
 * say for other filesystems. */
enum afs_atime {
	AFS_ATIME_RELATIME = 0, /* when not after the mtime and ctime, or a day old */
	AFS_ATIME_STRICT, /* on every read */
	AFS_ATIME_NONE, /* never */
};

/* The mount options of the daemon that fs/daemon/ acts on. */
struct afs_mount_opts {
	double timeout; /* entry and attribute cache, seconds */
	bool writeback; /* the kernel's writeback cache */
	bool read_only;
	bool multiuser; /* root daemon with allow_other: create as the caller */
	bool default_permissions;
	/* Other daemons, on this machine or others, serve the same volume:
	 * nothing is cached that one of them can change, and fcntl and flock
	 * locks are forwarded to the backing files. */
	bool shared;
	enum afs_atime atime;
	bool nodiratime; /* directories' access times never move */
};

/* A mounted volume: the userdata of its FUSE session. */
struct afs_fs;

/* The operations, for fuse_session_new() with the volume as userdata. */
extern const struct fuse_lowlevel_ops afs_fuse_ops;

/* A volume not yet initialised, zeroed.  Return: it, or NULL (no memory). */
struct afs_fs *afs_fs_alloc(void);

/**
 * afs_fs_init() - make @fs serve the volume in @cipherdir (absolute)
 * @ctx: the crypto context, kept by the caller until afs_fs_destroy()
 * @mk: the master key (AC_ALG_HMAC); @fs takes a reference of its own
 * @cfg: the volume's configuration, verified with @mk
 *
 * Derives the volume's keys, opens the root and reads its IV.
 *
 * Return: 0, -EUCLEAN (the root's algfs.diriv is missing or damaged: no
 * name in the volume could be read; said in the log), or -errno.
 */
int afs_fs_init(struct afs_fs *fs, const char *cipherdir, struct ac_ctx *ctx, struct ac_key *mk,
		const struct afs_config *cfg, const struct afs_mount_opts *opts);
/* Release what afs_fs_init() took, whether or not it succeeded. */
void afs_fs_destroy(struct afs_fs *fs);
/* Free what afs_fs_alloc() returned (NULL too). */
void afs_fs_free(struct afs_fs *fs);

/* Set by every request that names an inode: an idle timer clears it to
 * see whether the volume is in use. */
atomic_bool *afs_fs_active(struct afs_fs *fs);

/* Serve the session's requests until it ends (loop.c).  Return: 0, or the
 * error that ended it (reading /dev/fuse). */
int afs_session_loop(struct afs_fs *fs, struct fuse_session *se);

/* Free the calling thread's block buffers (threads that end do it anyway;
 * content.c). */
void afs_content_thread_exit(void);

#endif /* ALGFS_FUSE_FS_H */
