// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cipherdir.c - the volume's directory (cipherdir.h): its algfs.conf read
 * with a message and exit status for each failure, the volume lock, the
 * configuration lock, and its mounts.
 */
#include "cipherdir.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"
#include "process.h"

int tu_config_read(const char *dir, struct afs_config *cfg)
{
	char why[512];
	struct stat st;
	int err;

	if (stat(dir, &st) < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s: not a directory", dir);
		return EXIT_CIPHERDIR;
	}
	err = afs_config_read(dir, cfg, why, sizeof(why));
	if (!err)
		return EXIT_OK;
	/* The parser names the file by its base name, or by its path. */
	if (!strncmp(why, AFS_CONF_NAME, strlen(AFS_CONF_NAME)))
		log_err("%s/%s", dir, why);
	else if (err != -ENOENT && why[0])
		log_err("%s", why);
	switch (err) {
	case -ENOENT:
		log_err("%s: not an algfs volume (no %s)", dir, AFS_CONF_NAME);
		return EXIT_CIPHERDIR;
	case -EUCLEAN:
	case -EPROTONOSUPPORT:
		return EXIT_CONFIG;
	case -ENAMETOOLONG:
		log_err("%s: %s", dir, strerror(-err));
		return EXIT_CIPHERDIR;
	default:
		if (!why[0])
			log_err("%s/%s: %s", dir, AFS_CONF_NAME, strerror(-err));
		return tu_exit_status(err);
	}
}

int tu_find_mount(const char *source, const char *target, char *mnt, size_t size)
{
	struct mntent ent, *m;
	char buf[3 * 4096];
	int found = -ENOENT;
	FILE *f;

	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	while ((m = getmntent_r(f, &ent, buf, sizeof(buf))))
		if (!strcmp(m->mnt_type, "fuse.algfs") && !strcmp(m->mnt_fsname, source) &&
		    (!target || !strcmp(m->mnt_dir, target))) {
			if (mnt)
				snprintf(mnt, size, "%s", m->mnt_dir);
			found = 0;
		}
	endmntent(f);
	return found;
}

/* Who holds the flock that we could not take: said and refused. */
static int volume_in_use(const char *dir, const char *source, bool shared, int fd)
{
	char other[4096];
	bool others_shared;

	/* Shared holders let a shared lock in: which kind refused ours? */
	others_shared = !shared && !flock(fd, LOCK_SH | LOCK_NB);
	if (tu_find_mount(source, NULL, other, sizeof(other)))
		other[0] = '\0';
	if (others_shared)
		log_err("%s is mounted with -o sharedstorage%s%s: only other shared mounts may use it "
			"meanwhile; unmount those first",
			dir, other[0] ? ", on " : "", other);
	else if (shared && other[0])
		log_err("%s is mounted already, on %s, without -o sharedstorage: a shared mount needs "
			"every mount of the volume to be shared; unmount it first",
			dir, other);
	else if (other[0])
		log_err("%s is mounted already, on %s: one volume takes one algfs daemon "
			"(two would damage it), or several with -o sharedstorage; unmount it first",
			dir, other);
	else
		log_err("%s is in use by another algfs process (a mount, or one being set up "
			"or checked); one volume takes one daemon at a time, or several with "
			"-o sharedstorage",
			dir);
	return EXIT_IN_USE;
}

/*
 * The part of the lock that other machines see: an open-file-description
 * lock on the root's algfs.diriv, which a network filesystem with locks
 * (NFS, CephFS, GlusterFS) holds on its server, where a flock on a
 * directory stays on this machine.  Read-locked by shared daemons,
 * write-locked by the others.  Where it cannot be taken (no locks on the
 * filesystem, a read-only one, no diriv for fsck to replace), the flock
 * alone guards this machine.
 */
static int volume_lock_net(const char *dir, bool shared, int *fdp)
{
	struct flock fl = { .l_type = shared ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET };
	char path[4096];
	int fd;

	*fdp = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, AFS_DIRIV_NAME) >= sizeof(path))
		return EXIT_OK;
	fd = open(path, (shared ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return EXIT_OK;
	if (!fcntl(fd, F_OFD_SETLK, &fl)) {
		*fdp = fd;
		return EXIT_OK;
	}
	if (errno != EAGAIN && errno != EACCES) {
		close(fd);
		return EXIT_OK;
	}
	close(fd);
	if (shared)
		log_err("%s is mounted without -o sharedstorage by another machine (it holds the "
			"lock on %s): a shared mount needs every mount of the volume to be shared",
			dir, AFS_DIRIV_NAME);
	else
		log_err("%s is in use on another machine (it holds the lock on %s): one volume "
			"takes one algfs daemon, or several with -o sharedstorage",
			dir, AFS_DIRIV_NAME);
	return EXIT_IN_USE;
}

int tu_volume_lock(const char *dir, const char *source, bool shared, struct tu_vlock *lock)
{
	int fd, rc;

	lock->dir_fd = lock->net_fd = -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		if (errno == EWOULDBLOCK) {
			rc = volume_in_use(dir, source, shared, fd);
			close(fd);
			return rc;
		}
		/* A filesystem without flock: go on, and say so. */
		log_warn("%s: cannot lock the volume (%s); a second mount of it will not "
			 "be noticed, and two daemons on one volume damage it unless both "
			 "are mounted with -o sharedstorage",
			 dir, strerror(errno));
		close(fd);
		fd = -1;
	}
	rc = volume_lock_net(dir, shared, &lock->net_fd);
	if (rc) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	lock->dir_fd = fd;
	return EXIT_OK;
}

void tu_volume_unlock(struct tu_vlock *lock)
{
	if (lock->dir_fd >= 0)
		close(lock->dir_fd);
	if (lock->net_fd >= 0)
		close(lock->net_fd);
	lock->dir_fd = lock->net_fd = -1;
}

int tu_config_lock(const char *dir, int *fdp)
{
	struct stat held, now;
	char path[4096];
	int fd;

	*fdp = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, AFS_CONF_NAME) >= sizeof(path)) {
		log_err("%s: %s", dir, strerror(ENAMETOOLONG));
		return EXIT_CIPHERDIR;
	}
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			return EXIT_OK; /* tu_config_read() says it is no volume */
		if (fd < 0) {
			log_err("%s: %s", path, strerror(errno));
			return EXIT_ERROR;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK) {
				log_err("%s: another algfsctl is changing its keyslots; try again "
					"when it has finished",
					dir);
				return EXIT_IN_USE;
			}
			log_warn("%s: cannot lock it (%s); going on without the lock", path,
				 strerror(e));
			return EXIT_OK;
		}
		/* The file is replaced, never rewritten: is this still it? */
		if (fstat(fd, &held) || stat(path, &now) || held.st_ino != now.st_ino ||
		    held.st_dev != now.st_dev) {
			close(fd);
			continue;
		}
		*fdp = fd;
		return EXIT_OK;
	}
}
