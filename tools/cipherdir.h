/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cipherdir.h - the volume's directory: its algfs.conf, the volume lock, the
 * configuration lock, its mounts.
 */
#ifndef ALGFS_TOOLS_CIPHERDIR_H
#define ALGFS_TOOLS_CIPHERDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "format.h"

/*
 * Each but tu_find_mount() returns an exit status and has printed why it
 * failed.
 */

/* afs_config_read(), with the message and status for each failure. */
int tu_config_read(const char *dir, struct afs_config *cfg);
/* The volume lock: what tu_volume_lock() holds. */
struct tu_vlock {
	int dir_fd; /* flock on the directory: this machine */
	int net_fd; /* OFD lock on the root's algfs.diriv: every machine */
};
/*
 * tu_volume_lock() - take the volume lock of the algfs volume in @dir (whose
 * canonical path is @source): a flock on the directory, shared (@shared:
 * the daemons of -o sharedstorage) or exclusive (any other daemon, fsck), and
 * the same on the root's algfs.diriv as an open file description lock,
 * which network filesystems hold on their server.  Both go with the last
 * descriptor, so with the process: keep @lock for as long as the volume
 * is in use (across fork, too).  Where the filesystem cannot lock, warn
 * and go on.
 * Return: EXIT_OK, or EXIT_IN_USE (said which mount holds it), or another
 * exit status.
 */
int tu_volume_lock(const char *dir, const char *source, bool shared, struct tu_vlock *lock);
void tu_volume_unlock(struct tu_vlock *lock);
/*
 * tu_config_lock() - serialise the writers of @dir/algfs.conf (algfsctl):
 * an exclusive flock on the file itself, taken before it is read.  The file
 * is replaced by a rename, so the lock is on the inode the path names now.
 * Close *@fdp after the new file is in place.
 * Return: EXIT_OK, EXIT_IN_USE (another writer holds it), or another exit
 * status.
 */
int tu_config_lock(const char *dir, int *fdp);
/* An algfs mount of @source (on @target, or anywhere if NULL); its mount
 * point in @mnt (if not NULL).  Return: 0, -ENOENT, or -errno. */
int tu_find_mount(const char *source, const char *target, char *mnt, size_t size);

#endif /* ALGFS_TOOLS_CIPHERDIR_H */
