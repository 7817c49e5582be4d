/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuse_i.h - the FUSE daemon's private header: the volume, the inode table,
 * and the operations, one file per family.  Programs use fuse_fs.h only.
 *
 *   fuse_fs.c     the volume (keys, options), init/destroy, the ops table
 *   wire.c        what the loop reads in a request's header (wire.h)
 *   inode.c       inode table keyed by the backing (dev, ino), attributes
 *   dirnames.c    plaintext <-> on-disk names in a directory (diriv, long names)
 *   durable.c     new IVs and sidecars, synced before any fsync the volume serves
 *   content.c     file content: block reads, writes, truncation, holes
 *   ops_dir.c     lookup, create, mkdir, mknod, symlink, link, unlink, rmdir,
 *                 rename, readdir, readlink
 *   ops_file.c    open, read, write, flush, release, fsync, fallocate, lseek
 *   ops_attr.c    getattr, setattr, statfs, extended attributes
 *   locks.c       fcntl and flock locks, forwarded to the backing files (-o sharedstorage)
 *   loop.c        the threads that read requests in turn and serve them
 *
 * Errors inside are -errno; only the FUSE reply functions (afs_reply_err())
 * flip the sign.
 */
#ifndef ALGFS_FUSE_I_H
#define ALGFS_FUSE_I_H

#include "fuse_fs.h" /* FUSE_USE_VERSION, before <fuse_lowlevel.h> */

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "crypto.h"
#include "format.h"
#include "order.h"

/*
 * One backing file, directory or special file, for as long as the kernel
 * holds a lookup reference to it.  Hard links share one inode, and so one
 * content lock and one file key.
 */
/* Writes in flight per file, ordered (ops_file.c): more than the kernel's
 * FUSE background requests (max_background, 12 by default). */
#define AFS_WFLIGHT 16
/* Gaps remembered, for the whole volume. */
#define AFS_GAPS 32

struct afs_inode {
	struct afs_inode *i_next; /* hash chain, under afs_fs.f_table_lock */
	/* The kernel's node ID and generation (inode.c), and the chain of
	 * afs_fs.f_nids, same lock; fixed for the record's life. */
	struct afs_inode *i_nid_next;
	uint64_t i_nid;
	uint32_t i_gen;
	dev_t i_dev;
	ino_t i_ino;
	mode_t i_type; /* S_IFMT bits */
	uint64_t i_nlookup; /* kernel references, under afs_fs.f_table_lock */
	/* Children that name this directory as i_parent, same lock. */
	uint64_t i_iref;
	/* Its last name was removed: lookups pass it by (the backing inode
	 * number may be reused at once, as files keep no descriptor). */
	bool i_dead;
	/* Removals of its last name in flight (afs_inode_remove_begin()):
	 * lookups of its number wait for them, same lock. */
	unsigned int i_removing;

	/*
	 * How to reach the backing file (afs_loc_get()).  Every inode but the
	 * root records its parent directory and on-disk name (i_parent,
	 * i_name), checked against i_dev and i_ino when used.  Directories
	 * keep an O_PATH descriptor (i_fd) in a bounded LRU (f_lru), opened
	 * again by name when it was closed; files with more than one name pin
	 * one, since the name recorded may be removed while another stays.
	 * An open file has i_ofd, shared by all its handles.  i_parent, i_name,
	 * i_fd and i_ofd change under i_lock; i_users counts operations using
	 * a directory's i_fd, directly or through a child (an LRU entry in use
	 * is not closed, a directory in use is not freed); it goes down under
	 * the table lock.
	 */
	int i_fd;
	int i_ofd;
	atomic_uint i_users;
	bool i_pinned; /* i_fd is a file's own, outside the LRU */
	struct afs_inode *i_parent;
	char *i_name;
	/* The LRU of directory descriptors, under afs_fs.f_lru_lock. */
	struct afs_inode *i_lru_prev, *i_lru_next;
	bool i_in_lru;
	atomic_bool i_lru_ref; /* used since the clock hand last passed */
	/* Directories: whether the backing one has a default ACL, known once
	 * asked (new entries then keep their mode; the umask is ours to
	 * apply otherwise).  Changed only through this daemon's setxattr. */
	atomic_int i_dacl; /* -1 unknown, 0 none, 1 present */

	/* Directories: the IV of the names inside, read once. */
	pthread_mutex_t i_lock; /* i_iv_loaded, i_iv, i_bad, and the above */
	bool i_iv_loaded;
	uint8_t i_iv[AFS_DIRIV_LEN];

	/*
	 * Regular files: the content.  Reads hold i_rw shared; writes,
	 * truncation and the first open hold it exclusively, so that the
	 * read-modify-write of a partial block is never torn.
	 */
	pthread_rwlock_t i_rw;
	unsigned int i_nopen; /* open handles (sharing i_ofd); the key is dropped at the last close */
	/* While open: the size on disk, or AFS_CSIZE_UNKNOWN (content.c). */
	_Atomic uint64_t i_csize;
	bool i_have_id; /* i_id and i_key are valid: the file has a header */
	/* Shared: a change holds the header lock (content.c), under i_rw. */
	bool i_slocked;
	uint8_t i_id[AFS_FILE_ID_LEN];
	struct ac_key *i_key; /* content key, derived from i_id */
	/* With the writeback cache the kernel keeps a file's mtime and sends
	 * it in a setattr that may overtake writes still in flight: the last
	 * one it sent is put back after each write. */
	bool i_mtime_pinned;
	struct timespec i_mtime;
	/* Relatime: until when (CLOCK_REALTIME seconds) a read moves no
	 * atime, as one was seen after the mtime and ctime; 0: check.  Only
	 * while afs_fs.f_ctime_gen is still i_atime_gen. */
	_Atomic int64_t i_atime_until;
	atomic_uint i_atime_gen;
	/* Bad blocks already logged, so that each is logged once. */
	uint64_t i_bad[8];
	unsigned int i_nbad;
	/* After a write that found the backing filesystem full (content.c):
	 * the plaintext offset it started at, else UINT64_MAX; and whether
	 * that was logged since the file last took a write. */
	uint64_t i_nospace;
	bool i_nospace_logged;
	/* The backing file may have holes (set at open from st_blocks, and by
	 * a write or truncate past the end): writes into it reserve first. */
	bool i_sparse;
	/* With the writeback cache, the plaintext offsets (+ 1; 0: free) of
	 * the writes in flight, so that none leaves a gap below another that
	 * may still fail (ops_file.c); under afs_fs.f_wlock. */
	uint64_t i_wflight[AFS_WFLIGHT];
	/* With -o sharedstorage, the descriptors of the backing file that hold the
	 * locks of each lock owner (locks.c), under i_lock. */
	struct afs_lkown *i_lkowners;
};

/* A new algfs.diriv or sidecar not yet synced (durable.c). */
struct afs_pending {
	int p_dirfd; /* the directory that holds it */
	bool p_dir; /* the directory's entry for it is new too: fsync it */
	char p_name[AFS_SIDECAR_BUF];
};
#define AFS_PENDING_MAX 32

/* The threads serving requests (loop.c): as many as libfuse's loop starts
 * at most (its max_threads). */
#define AFS_LOOP_THREADS 10

struct afs_fs {
	struct ac_ctx *f_ctx;
	/* The master key (HMAC-SHA256: the HKDF PRK; never read here), with
	 * the volume's format and UUID: symlink targets, xattr values and
	 * files derive their keys from it. */
	struct afs_volkey f_vk;
	struct ac_key *f_names; /* names: CTS (format 1) or ECB for EME (2) */
	struct ac_key *f_xname; /* xattr names, as f_names */
	uint32_t f_bs;
	bool f_plain_names;
	struct afs_mount_opts f_opts;
	const char *f_cipherdir;
	bool f_dont_mask; /* the kernel leaves the caller's umask to us */
	/* Goes up at each link, unlink and rename, which move the ctime of
	 * a file they do not name by its inode (i_atime_until). */
	atomic_uint f_ctime_gen;
	/* Shared: O_DIRECT handles bypass the page cache (afs_open_cache()),
	 * where the kernel drops the cached pages a write through one goes
	 * over (Linux 6.6); before, the daemon does, by a notice on f_se. */
	bool f_direct_uncached;
	struct fuse_session *f_se; /* (loop.c) */
	atomic_uint f_inval_busy; /* threads sending such a notice */
	/* Set by every request that names an inode; the daemon's idle timer
	 * (algfs -o idle=) clears it to see whether the volume is in use. */
	atomic_bool f_active;

	struct afs_inode f_root;
	pthread_mutex_t f_table_lock;
	/* Directory descriptors kept open, least recently used last. */
	pthread_mutex_t f_lru_lock;
	struct afs_inode *f_lru_head, *f_lru_tail;
	unsigned int f_lru_count, f_lru_max;
	pthread_cond_t f_removed; /* an i_removing went down */
	/* With the writeback cache, the requests the loop has read, that a
	 * write past the end waits for (order.c, ops_file.c). */
	struct afs_order f_order;
	pthread_mutex_t f_wlock; /* the inodes' i_wflight, and f_gaps */
	pthread_cond_t f_wdone; /* a write in flight ended */
	/* The last writes past the end that left a gap (ops_file.c). */
	struct afs_gap {
		const struct afs_inode *g_inode;
		uint64_t g_from, g_to; /* the gap, in plaintext bytes */
		uint64_t g_unique; /* the kernel's ID of the write */
	} f_gaps[AFS_GAPS];
	unsigned int f_gaps_next;
	/* IVs and sidecars to sync before the next fsync (durable.c); past
	 * AFS_PENDING_MAX, f_pending_overflow asks for a syncfs instead. */
	pthread_mutex_t f_pending_lock;
	struct afs_pending f_pending[AFS_PENDING_MAX];
	unsigned int f_pending_count;
	bool f_pending_overflow;
	struct afs_inode **f_table;
	struct afs_inode **f_nids; /* by node ID, as many buckets */
	size_t f_table_size; /* buckets, a power of two */
	/* File handles (inode.c): the backing filesystem's handle layout
	 * (AFS_FH_*), type and size; a descriptor of the top directory that
	 * open_by_handle_at() takes (not O_PATH); the next fallback node ID
	 * and the generation base of those. */
	int f_fh_layout;
	int f_fh_type;
	unsigned int f_fh_bytes;
	int f_mount_fd;
	uint64_t f_nid_next;
	uint32_t f_nid_gen;
	/* What a node ID the daemon does not know names: nothing (ESTALE). */
	struct afs_inode f_stale;
	size_t f_count;
	/* Lock requests waiting in threads of their own (locks.c). */
	pthread_mutex_t f_lk_lock;
	pthread_cond_t f_lk_done; /* a waiter ended */
	struct afs_lkwait *f_lk_waiters;
	unsigned int f_lk_nwait; /* started and not yet ended */
	bool f_lk_over; /* the session ends: no more waiting */
};

/* fuse_fs.c (and fuse_fs.h) */
static inline struct afs_fs *afs_req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}
void afs_reply_err(fuse_req_t req, int err);

/* durable.c */
/* The file @name in @dirfd, just written (@fd), is synced before the next
 * fsync or fsyncdir served, and with @dir_too the directory after it.  The
 * caller keeps its descriptors. */
void afs_durable_add(struct afs_fs *fs, int fd, int dirfd, const char *name, bool dir_too);
/* Sync what afs_durable_add() listed: the first thing every fsync of the
 * backing file or directory @fd does (its filesystem is the one synced
 * when the list overflowed). */
int afs_durable_flush(struct afs_fs *fs, int fd);
void afs_durable_destroy(struct afs_fs *fs);

/* inode.c */
/* "/proc/self/fd/N" for an O_PATH fd (afs_proc_path()). */
#define AFS_PROC_PATH_MAX 32
/* The inode of the kernel's @ino; marks the volume active. */
struct afs_inode *afs_inode_get(struct afs_fs *fs, fuse_ino_t ino);
fuse_ino_t afs_inode_nodeid(struct afs_fs *fs, const struct afs_inode *inode);
/* File handles: whether the backing filesystem lets the kernel's handles
 * outlive a remount (set up at mount; the FUSE init asks for export
 * support then), and LOOKUP of "." and ".." in node @ino, which is how the
 * kernel decodes one (entry in @e; 0 or -errno). */
enum { AFS_FH_NONE, AFS_FH_INO32_GEN, AFS_FH_XFS64, AFS_FH_SHMEM };
void afs_inode_export_init(struct afs_fs *fs);
int afs_inode_lookup_dot(struct afs_fs *fs, fuse_ino_t ino, bool dotdot,
			 struct fuse_entry_param *e);

/*
 * Where an inode's backing file is, for one operation: its own descriptor
 * (l_fd: a directory's, a pinned file's, or a copy of an unlinked open
 * file's), or its parent's descriptor and its name.  Pass the *at() calls
 * afs_loc_at(), afs_loc_name() and afs_loc_flags(), so that both work.
 */
struct afs_loc {
	int l_fd;
	bool l_close; /* l_fd is a copy of ours */
	struct afs_inode *l_held; /* whose i_users we hold, or NULL */
	int l_dirfd;
	char l_name[AFS_ENC_NAME_BUF];
};
/* Return: 0, -ESTALE (removed), or the error of reopening a directory. */
int afs_loc_get(struct afs_fs *fs, struct afs_inode *inode, struct afs_loc *l);
void afs_loc_put(struct afs_fs *fs, struct afs_loc *l);
static inline int afs_loc_at(const struct afs_loc *l)
{
	return l->l_fd >= 0 ? l->l_fd : l->l_dirfd;
}
static inline const char *afs_loc_name(const struct afs_loc *l)
{
	return l->l_fd >= 0 ? "" : l->l_name;
}
static inline int afs_loc_flags(const struct afs_loc *l)
{
	return l->l_fd >= 0 ? AT_EMPTY_PATH : 0;
}
/* A path to it for calls that take no descriptor (the *xattr() family):
 * returns true when the l* variant (no following) must be used. */
#define AFS_LOC_PATH_MAX (AFS_PROC_PATH_MAX + AFS_ENC_NAME_BUF)
bool afs_loc_path(const struct afs_loc *l, char buf[AFS_LOC_PATH_MAX]);
/* The backing stat of @inode, checked to be that file (else -ESTALE). */
int afs_loc_stat(struct afs_fs *fs, struct afs_inode *inode, const struct afs_loc *l,
		 struct stat *st);

/* A directory's descriptor, held until afs_dir_fd_put(). */
int afs_dir_fd(struct afs_fs *fs, struct afs_inode *dir);
void afs_dir_fd_put(struct afs_fs *fs, struct afs_inode *dir);

/* Look @disk up in @dir (its descriptor @dirfd), add a lookup reference,
 * fill @e.  With @st, the caller has stat'ed it already. */
int afs_inode_lookup_disk(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *disk,
			  const struct stat *st, struct fuse_entry_param *e);
void afs_inode_forget(struct afs_fs *fs, fuse_ino_t ino, uint64_t n);
/*
 * The last name of the backing file (@dev, @ino) is about to be removed:
 * call before unlinkat() or renameat() over it, and afs_inode_remove_end()
 * after, with whether it is gone.  In between, its number may already be
 * reused by a new file; lookups of that number wait, so that the new file
 * never gets the old record.  Returns the record to pass on (or NULL).
 */
struct afs_inode *afs_inode_remove_begin(struct afs_fs *fs, dev_t dev, ino_t ino);
void afs_inode_remove_end(struct afs_fs *fs, struct afs_inode *inode, bool gone);
/* A rename moved the backing file (@dev, @ino) to @disk in @dir. */
void afs_inode_moved(struct afs_fs *fs, dev_t dev, ino_t ino, struct afs_inode *dir,
		     const char *disk);
/* The plaintext view of @inode's attributes. */
int afs_inode_stat(struct afs_fs *fs, struct afs_inode *inode, struct stat *st);
/* Turn the backing stat @st of the entry (@dirfd, @name) into the
 * plaintext one (the sizes of files and symlinks). */
void afs_stat_plain(struct afs_fs *fs, int dirfd, const char *name, struct stat *st);

/* targets.c: symlink targets, in the backing symlink or, long, in a file. */

/* The plaintext target of the symlink @name in @dirfd, NUL-terminated in
 * @plain (AFS_TARGET_MAX + 1 bytes).  Return: its length, -EUCLEAN or
 * -EBADMSG (damaged), or -errno. */
int afs_target_read(struct afs_fs *fs, int dirfd, const char *name, char *plain);
/* What the backing symlink for @target holds, into @enc; a long target's
 * file is written first.  Return: 0, -ENAMETOOLONG, or -errno. */
int afs_target_store(struct afs_fs *fs, const char *target, char enc[AFS_SYMLINK_ENC_BUF]);
/* Remove the long-target file that @enc, a backing symlink's target, names,
 * if it names one: the symlink's last link is gone, or was never made. */
void afs_target_forget(struct afs_fs *fs, const char *enc);
/* Before the entry @name (@st) in @dirfd goes: if it is the last link of a
 * symlink, its backing target into @enc (else ""), for afs_target_forget()
 * once it is gone. */
void afs_target_of_last(struct afs_fs *fs, int dirfd, const char *name, const struct stat *st,
			char enc[AFS_SYMLINK_ENC_BUF]);
int afs_inode_table_init(struct afs_fs *fs);
void afs_inode_table_free(struct afs_fs *fs);
void afs_proc_path(int fd, char buf[AFS_PROC_PATH_MAX]);
/* The path of the backing file or directory @fd, for log lines ("(fd N)"
 * when /proc cannot say). */
void afs_backing_path(int fd, char *out, size_t len);
/*
 * Open one of algfs's own small files (algfs.diriv, a sidecar, a long
 * target) in @dirfd for reading: never following a symlink, never waiting
 * on a FIFO put there.  Return: the descriptor, -EUCLEAN (not a regular
 * file), or -errno.
 */
int afs_open_own(int dirfd, const char *name);

/*
 * Access times.  The kernel leaves a FUSE file's atime to the daemon, which
 * reports the backing file's: so the daemon reads its backing files with
 * O_NOATIME, and moves the atime itself when a plaintext read or listing
 * calls for it under the mount's atime options (struct afs_mount_opts).
 */
/* openat() with O_NOATIME, or without where the daemon may not (EPERM:
 * neither the owner nor CAP_FOWNER).  With O_CREAT, the mode follows. */
int afs_openat_noatime(int dirfd, const char *name, int flags, ...);
/* Whether a read of @st (a directory with @dir) would move its atime now. */
bool afs_atime_due(const struct afs_fs *fs, const struct stat *st, bool dir);
/* Whether a read of the regular file @inode (open, @fd) would move its
 * atime now: as afs_atime_due(), without a stat where i_atime_until says. */
bool afs_atime_due_inode(const struct afs_fs *fs, struct afs_inode *inode, int fd);
/* A plaintext read of @inode's backing file @fd (a regular file's i_ofd,
 * or a directory listed) happened: move the atime as the options say.
 * Cheap when nothing is due (at most a stat; for files under relatime,
 * nothing at all until the inode's i_atime_until). */
void afs_atime_read(struct afs_fs *fs, struct afs_inode *inode, int fd, bool dir);
/* A link, unlink or rename moved the ctime of some file: check again. */
static inline void afs_atime_recheck_all(struct afs_fs *fs)
{
	atomic_fetch_add_explicit(&fs->f_ctime_gen, 1, memory_order_relaxed);
}
/* @inode's mtime, ctime or atime may have changed: check again. */
static inline void afs_atime_recheck(struct afs_inode *inode)
{
	atomic_store_explicit(&inode->i_atime_until, 0, memory_order_relaxed);
}

/* dirnames.c */
/* A name in a ciphertext directory. */
struct afs_dname {
	char d_disk[AFS_ENC_NAME_BUF]; /* the on-disk name */
	char d_enc[AFS_ENC_NAME_BUF]; /* the full encoded name, for a sidecar */
	bool d_long; /* d_disk is algfs.longname.*; d_enc goes in its sidecar */
};
/* @dir's IV, read once through its descriptor @dirfd. */
int afs_dir_iv(struct afs_fs *fs, struct afs_inode *dir, int dirfd, uint8_t iv[AFS_DIRIV_LEN]);
/* The on-disk name for @plain in @dir: -ENAMETOOLONG, -EINVAL, -EPERM. */
int afs_dname(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *plain,
	      struct afs_dname *dn);
/* The plaintext path of directory @inode in the mount, for log lines:
 * "/a/b", with "(a long name)" or "(a name that does not decrypt)" for a
 * level it cannot name without I/O, and "..." first when cut short.
 * Takes the inode table lock: call it holding no inode's lock. */
void afs_plain_path(struct afs_fs *fs, struct afs_inode *inode, char *out, size_t size);
/* The plaintext name of the entry @disk of @dir (open as @dirfd): -ENOENT
 * for algfs's own files, -EUCLEAN for a name that does not decrypt. */
int afs_dname_plain(struct afs_fs *fs, struct afs_inode *dir, int dirfd, const char *disk,
		    char plain[AFS_PLAIN_NAME_BUF]);
/* Write the sidecar of a long name (no-op for a short one). */
int afs_dname_sidecar_add(struct afs_fs *fs, int dirfd, const struct afs_dname *dn);
void afs_dname_sidecar_del(int dirfd, const struct afs_dname *dn);
/* A new directory's algfs.diriv. */
int afs_dir_iv_create(struct afs_fs *fs, int parentfd, const char *disk, uid_t uid, gid_t gid);
/* Whether a backing directory holds no plaintext entry: 1 when it holds
 * only its algfs.diriv and what a crash left (orphan sidecars, temporary
 * files), which are then removed; 0 when it holds more; or -errno. */
int afs_dir_empty_clean(int dirfd);

/* content.c: all with i_rw held as said. */
#define AFS_CSIZE_UNKNOWN UINT64_MAX
int afs_content_load(struct afs_fs *fs, struct afs_inode *inode, int fd); /* exclusive */
/* The plaintext size of a file of @csize bytes on disk: 0, 1 for a size no
 * algfs file has (then @psize makes the damaged tail one byte), or -errno. */
int afs_content_plain_size(struct afs_fs *fs, uint64_t csize, uint64_t *psize);
/* *@data: the plaintext, in a buffer of the calling thread's that the next
 * content call of that thread reuses. */
ssize_t afs_content_read(struct afs_fs *fs, struct afs_inode *inode, int fd, size_t size,
			 uint64_t off, const uint8_t **data); /* shared */
/* The plaintext size of @inode's file (@fd); of a torn one, its whole
 * blocks and a byte. */
int afs_content_size(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t *psize);
/* Whether a write at @off would start past the end of the file. */
bool afs_content_past_end(struct afs_fs *fs, struct afs_inode *inode, int fd,
			  uint64_t off); /* shared or exclusive */
/* At *@off; with @append (O_APPEND) on a shared volume, at the end,
 * wherever *@off is, and *@off is set to where the write went. */
ssize_t afs_content_write(struct afs_fs *fs, struct afs_inode *inode, int fd,
			  const uint8_t *buf, size_t size, uint64_t *off, bool append); /* exclusive */
int afs_content_truncate(struct afs_fs *fs, struct afs_inode *inode, int fd,
			 uint64_t size); /* exclusive */
/* fallocate: @mode 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE or
 * FALLOC_FL_ZERO_RANGE, as afs_op_fallocate() checked it. */
int afs_content_allocate(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
			 uint64_t len, int mode); /* exclusive */
int64_t afs_content_seek(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
			 int whence); /* shared */
void afs_content_forget(struct afs_inode *inode);
/* Shared (-o sharedstorage): take and drop the lock that each change of a file's
 * content holds, and read its size and header again (content.c); nothing
 * otherwise.  _end() always follows _begin(), even a failed one. */
int afs_content_shared_begin(struct afs_fs *fs, struct afs_inode *inode, int fd); /* exclusive */
void afs_content_shared_end(struct afs_fs *fs, struct afs_inode *inode, int fd); /* exclusive */
/* After a write to @fd: the mtime the kernel last set, if it keeps it. */
void afs_content_restore_mtime(struct afs_inode *inode, int fd);

/* The operations. */
void afs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void afs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void afs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void afs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		   struct fuse_file_info *fi);
void afs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void afs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void afs_op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name);
void afs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent, const char *name);
void afs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void afs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void afs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		   const char *newname, unsigned int flags);
void afs_op_readlink(fuse_req_t req, fuse_ino_t ino);
void afs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void afs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void afs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi);
void afs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void afs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);

void afs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void afs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi);
/* The loop read the request the kernel numbered @unique (0: not known), a
 * WRITE to @write_ino at @write_off (0: not a write); with the writeback
 * cache the write is in flight from now on, and then the number counts as
 * read (loop.c, order.c, ops_file.c). */
void afs_request_received(struct afs_fs *fs, uint64_t unique, fuse_ino_t write_ino,
			  uint64_t write_off);
/* After serving it: a write the loop entered that afs_op_write() never
 * took over is no longer in flight. */
void afs_request_served(struct afs_fs *fs);
void afs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi);
void afs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void afs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void afs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void afs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
		      struct fuse_file_info *fi);
void afs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		  struct fuse_file_info *fi);
/* The backing file of @inode opened for reading and writing (read only on
 * a read-only mount), checked to be that file; @st gets its stat. */
int afs_open_content(struct afs_fs *fs, struct afs_inode *inode, struct stat *st);
/*
 * A new handle on @inode's content: the descriptor all its handles share,
 * opened by the first (@fd, opened by the caller with @st its stat, or -1 to
 * open it here), its header read and key derived; with @truncate, emptied.
 * Return: the shared descriptor, or -errno (then @fd was closed).
 * afs_content_put() at its release.
 */
int afs_content_get(struct afs_fs *fs, struct afs_inode *inode, int fd, const struct stat *st,
		    bool truncate);
void afs_content_put(struct afs_inode *inode);
void afs_open_cache(const struct afs_fs *fs, struct fuse_file_info *fi);

/* locks.c: -o sharedstorage only (otherwise the kernel keeps locks itself). */
void afs_op_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock);
void afs_op_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		  int sleep);
void afs_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);
/* A close(2) by @owner (FLUSH): its POSIX locks on the file go. */
void afs_locks_flush(struct afs_inode *inode, uint64_t owner);
/* Every lock of @inode goes: its last handle closed, or it is freed. */
void afs_locks_drop_all(struct afs_inode *inode);
/* The session ends: waiting lock requests are answered EINTR. */
void afs_locks_end(struct afs_fs *fs);

void afs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void afs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		    struct fuse_file_info *fi);
void afs_op_statfs(fuse_req_t req, fuse_ino_t ino);
void afs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		     size_t size, int flags);
void afs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void afs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void afs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* ops_dir.c: the mode of a new entry in @parent: the caller's umask
 * applies unless @parent has a default ACL (which the backing fs applies). */
mode_t afs_new_mode(struct afs_fs *fs, fuse_req_t req, struct afs_inode *parent, int dirfd,
		    mode_t mode);
/* ops_dir.c: make a new entry @disk of @dirfd owned by the caller
 * (multi-user mounts). */
int afs_chown_new(struct afs_fs *fs, fuse_req_t req, int dirfd, const char *disk);

#endif /* ALGFS_FUSE_I_H */
