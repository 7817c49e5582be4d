/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cipherdir.h - the volume's directory: its algfs.conf, the volume lock, the
 * configuration lock, its mounts.
 */
#ifndef ALGFS_TOOLS_CIPHERDIR_H
#define ALGFS_TOOLS_CIPHERDIR_H

#include <stddef.h>

#include "format.h"

/*
 * Each but tu_find_mount() returns an exit status and has printed why it
 * failed.
 */

/* afs_config_read(), with the message and status for each failure. */
int tu_config_read(const char *dir, struct afs_config *cfg);
/*
 * tu_volume_lock() - take the volume lock of the algfs volume in @dir (whose
 * canonical path is @source): an exclusive flock on the directory, which
 * goes with the last descriptor of it, so with the process.  Keep *@fdp
 * open for as long as the volume is in use (across fork, too).  Where the
 * filesystem cannot lock, warn and go on (*@fdp is then -1).
 * Return: EXIT_OK, or EXIT_IN_USE (said which mount holds it), or another
 * exit status.
 */
int tu_volume_lock(const char *dir, const char *source, int *fdp);
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
