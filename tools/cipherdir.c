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

int tu_volume_lock(const char *dir, const char *source, int *fdp)
{
	char other[4096];
	int fd;

	*fdp = -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return EXIT_CIPHERDIR;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		*fdp = fd;
		return EXIT_OK;
	}
	if (errno != EWOULDBLOCK) {
		/* NFS without lock support, for one: go on, and say so. */
		log_warn("%s: cannot lock the volume (%s); a second mount of it will not "
			    "be noticed, and two daemons on one volume damage it",
			    dir, strerror(errno));
		close(fd);
		return EXIT_OK;
	}
	close(fd);
	if (!tu_find_mount(source, NULL, other, sizeof(other)))
		log_err("%s is mounted already, on %s: one volume takes one algfs daemon "
			"(two would damage it); unmount it first",
			dir, other);
	else
		log_err("%s is in use by another algfs process (a mount, or one being set up "
			"or checked); one volume takes one daemon at a time",
			dir);
	return EXIT_IN_USE;
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
