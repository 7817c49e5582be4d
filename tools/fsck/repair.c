// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * repair.c - what fsck.algfs changes: the safe repairs (-p: orphan
 * sidecars and leftovers removed, the IV of a directory that holds no
 * entry recreated, a torn tail cut off), and with -y the quarantine: what
 * cannot be decrypted or is damaged is moved into
 * /algfs-quarantine/YYYYMMDD-HHMMSS/, a directory of the volume that the
 * mount shows, with an encrypted REPORT.txt that says what was moved, from
 * where and why, and holds what was removed (damaged xattrs, the sidecars
 * of moved long names).
 *
 * Nothing else is deleted.  Data is saved first and removed only once
 * REPORT.txt is on disk; every change is fsynced with its directory.  The
 * entries, sidecars, IVs and files made here are written as the daemon
 * writes them (fs/daemon/dirnames.c, ops_dir.c, content.c), through the
 * format library only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fsck.h"

#define QUARANTINE_NAME "algfs-quarantine"
#define REPORT_NAME "REPORT.txt"
#define DAMAGED_SUFFIX ".damaged"
/* Plaintext bytes of the name of a file written here, before a "~N" and a
 * suffix: short enough that its encrypted name leaves room for
 * afs_write_atomic()'s temporary name (a moved entry keeps its name). */
#define BASE_MAX 100
/* The characters of a ciphertext name in "undecryptable-<...>". */
#define UNDEC_CHARS 12
/* The most of a moved long name's sidecar that is saved (and removed). */
#define SIDECAR_SAVE_MAX 65536

/* An on-disk name in a directory of the volume. */
struct qname {
	char plain[AFS_PLAIN_NAME_BUF];
	char disk[AFS_NAME_MAX + 1];
	char enc[AFS_ENC_NAME_BUF]; /* a long name's sidecar content */
	bool lng;
};

/* An entry moved into the quarantine, so that later problems find it. */
struct move {
	char *old_cpath;
	char *new_cpath;
	char *qpath; /* its plaintext path in the volume */
};

/* Removals that wait until REPORT.txt, which saved what they remove, is
 * on disk. */
struct later {
	char *cpath; /* the entry, as it is now */
	char *xattr; /* NULL: remove @cpath itself (a sidecar) */
	struct fk_problem *p; /* whose action it is, or NULL */
};

struct rp {
	struct fk_vol *v;
	bool all; /* "a" answered */
	int tty; /* FK_MODE_ASK: /dev/tty */
	uid_t uid; /* the owner of CIPHERDIR: of everything made here */
	gid_t gid;
	int qfd; /* the run directory, -1 until made */
	int qerr; /* why it could not be made, 0 */
	char *qcpath; /* its ciphertext path */
	char *qplain; /* its plaintext path */
	uint8_t qiv[AFS_DIRIV_LEN];
	FILE *log; /* REPORT.txt's account of moves and saved data */
	char *logbuf;
	size_t loglen;
	struct move *moves;
	size_t nmoves;
	struct later *later;
	size_t nlater;
	char qtop[AFS_NAME_MAX + 1]; /* /algfs-quarantine's on-disk name, or "" */
};

bool fk_repair_is_safe(enum fk_kind kind)
{
	switch (kind) {
	case FK_DIRIV_MISSING:
	case FK_DIRIV_BAD:
	case FK_SIDECAR_ORPHAN:
	case FK_SIZE_TORN:
	case FK_LEFTOVER_TEMP:
		return true;
	default:
		return false;
	}
}

/* Whether -y (or a yes answer) has a repair for @kind. */
static bool has_repair(enum fk_kind kind)
{
	switch (kind) {
	case FK_CONFIG_TAMPERED:
	case FK_STRAY:
	case FK_KIND_COUNT:
		return false;
	default:
		return true;
	}
}

static void set_note(struct fk_problem *p, enum fk_action act, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_note(struct fk_problem *p, enum fk_action act, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(p->p_repair_note);
	p->p_repair_note = s;
	p->p_action = act;
}

static void set_quarantine(struct fk_problem *p, const char *qpath)
{
	free(p->p_quarantine);
	p->p_quarantine = qpath ? strdup(qpath) : NULL;
}

/* "/a/b" or "ciphertext X/Y": how the report names a problem's entry. */
static void where(const struct fk_problem *p, char *out, size_t size)
{
	if (p->p_path)
		snprintf(out, size, "%s", p->p_path);
	else
		snprintf(out, size, "ciphertext %s", p->p_cpath);
}

static void problem_line(const struct fk_problem *p, char *out, size_t size)
{
	char w[PATH_MAX + 16];

	where(p, w, sizeof(w));
	snprintf(out, size, "%s: %s: %s", w, fk_kind_name(p->p_kind),
		 p->p_detail ? p->p_detail : "");
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * renameat2() with RENAME_NOREPLACE; where the filesystem has no such flag
 * (sshfs and NFS answer EINVAL), a plain rename to the name once it is seen free:
 * fsck works on a volume that nothing else writes to.  Return: 0 or -errno.
 */
static int rename_noreplace(int ofd, const char *old, int nfd, const char *new)
{
	struct stat st;

	if (!renameat2(ofd, old, nfd, new, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (!fstatat(nfd, new, &st, AT_SYMLINK_NOFOLLOW))
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	return renameat(ofd, old, nfd, new) ? -errno : 0;
}

static int fsync_fd(int fd)
{
	return fsync(fd) ? -errno : 0;
}

/* Give what fsck (usually root) made to the volume's owner, so that the
 * mount shows it to the user whose volume it is. */
static int own(struct rp *rp, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_uid == rp->uid && st.st_gid == rp->gid)
		return 0;
	if (fchown(fd, rp->uid, rp->gid) && errno != EPERM)
		return -errno;
	return 0;
}

/* The directory at @cpath ("" for the root), O_RDONLY. */
static int dir_open(struct rp *rp, const char *cpath)
{
	int fd;

	fd = openat(rp->v->rootfd, *cpath ? cpath : ".",
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Split @cpath into its directory (opened) and its last component. */
static int parent_open(struct rp *rp, const char *cpath, const char **base)
{
	const char *slash = strrchr(cpath, '/');
	char *dir;
	int fd;

	if (!slash) {
		*base = cpath;
		return dir_open(rp, "");
	}
	*base = slash + 1;
	dir = strndup(cpath, (size_t)(slash - cpath));
	if (!dir)
		return -ENOMEM;
	fd = dir_open(rp, dir);
	free(dir);
	return fd;
}

/* A directory's IV: 16 bytes, not all zero. */
static int iv_read(int dirfd, uint8_t iv[AFS_DIRIV_LEN])
{
	static const uint8_t zero[AFS_DIRIV_LEN];
	uint8_t buf[AFS_DIRIV_LEN + 1];
	ssize_t n;
	int fd;

	fd = openat(dirfd, AFS_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if (n != AFS_DIRIV_LEN || !memcmp(buf, zero, AFS_DIRIV_LEN))
		return -EUCLEAN;
	memcpy(iv, buf, AFS_DIRIV_LEN);
	return 0;
}

/* The on-disk name of @plain in a directory of IV @iv. */
static int name_for(struct rp *rp, const uint8_t *iv, const char *plain, struct qname *q)
{
	struct fk_vol *v = rp->v;
	int n;

	snprintf(q->plain, sizeof(q->plain), "%s", plain);
	q->lng = false;
	q->enc[0] = 0;
	if (!v->names_key) {
		n = afs_plain_name_check(plain);
		if (!n && v->vk.format >= 2 && afs_is_longtarget(plain))
			n = -EPERM;
		if (n)
			return n;
		snprintf(q->disk, sizeof(q->disk), "%s", plain);
		return 0;
	}
	n = afs_name_encrypt(v->names_key, iv, plain, q->enc);
	if (n < 0)
		return n;
	if (!afs_name_needs_longname(q->enc)) {
		strcpy(q->disk, q->enc); /* at most AFS_NAME_MAX bytes */
		return 0;
	}
	q->lng = true;
	return afs_longname_hash(v->ctx, q->enc, q->disk);
}

/* Whether @q's name, or its sidecar, is taken in @dirfd. */
static bool taken(int dirfd, const struct qname *q)
{
	char sc[AFS_SIDECAR_BUF];

	if (exists(dirfd, q->disk))
		return true;
	return q->lng && afs_longname_sidecar(q->disk, sc) == 0 && exists(dirfd, sc);
}

/* @s cut to at most @max bytes, not inside a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = 0;
}

/*
 * A name not yet taken in @dirfd: @base, "@base~1", "@base~2"... then
 * @suffix; @base cut (at a character's start) to @max bytes, and to what
 * leaves room for the rest in AFS_NAME_MAX.
 */
static int free_name(struct rp *rp, int dirfd, const uint8_t *iv, const char *base,
		     const char *suffix, size_t max, struct qname *q)
{
	char b[AFS_PLAIN_NAME_BUF], sfx[64], cand[AFS_PLAIN_NAME_BUF];
	unsigned int i;
	int err;

	for (i = 0; i < 100000; i++) {
		size_t room;

		if (i)
			snprintf(sfx, sizeof(sfx), "~%u%s", i, suffix);
		else
			snprintf(sfx, sizeof(sfx), "%s", suffix);
		if (strlen(sfx) >= AFS_NAME_MAX)
			return -ENAMETOOLONG;
		room = AFS_NAME_MAX - strlen(sfx);
		snprintf(b, sizeof(b), "%s", base);
		cut_utf8(b, room < max ? room : max);
		if (!b[0])
			return -EINVAL;
		if ((size_t)snprintf(cand, sizeof(cand), "%s%s", b, sfx) >= sizeof(cand))
			return -ENAMETOOLONG;
		err = name_for(rp, iv, cand, q);
		if (err)
			return err;
		if (!taken(dirfd, q))
			return 0;
	}
	return -EEXIST;
}

/* A long name's sidecar, written before its entry as the daemon does. */
static int sidecar_write(struct rp *rp, int dirfd, const struct qname *q)
{
	char sc[AFS_SIDECAR_BUF];
	int fd, err;

	if (!q->lng)
		return 0;
	err = afs_longname_sidecar(q->disk, sc);
	if (err)
		return err;
	fd = openat(dirfd, sc, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0)
		return -errno;
	err = write_all(fd, q->enc, strlen(q->enc));
	if (!err)
		err = own(rp, fd);
	if (!err)
		err = fsync_fd(fd);
	if (close(fd) && !err)
		err = -errno;
	if (err)
		unlinkat(dirfd, sc, 0);
	return err;
}

static void sidecar_undo(int dirfd, const struct qname *q)
{
	char sc[AFS_SIDECAR_BUF];

	if (q->lng && !exists(dirfd, q->disk) && afs_longname_sidecar(q->disk, sc) == 0)
		unlinkat(dirfd, sc, 0);
}

/*
 * A new directory @q in @parentfd with its own IV, as the daemon's mkdir
 * makes one: sidecar, directory, algfs.diriv (16 random bytes, mode 0400),
 * each synced.  Returns its descriptor in *@fdp and its IV in @iv.
 */
static int dir_make(struct rp *rp, int parentfd, const struct qname *q, int *fdp,
		    uint8_t iv[AFS_DIRIV_LEN])
{
	int dfd, fd, err;

	err = sidecar_write(rp, parentfd, q);
	if (err)
		return err;
	if (mkdirat(parentfd, q->disk, 0700)) {
		err = -errno;
		sidecar_undo(parentfd, q);
		return err;
	}
	dfd = openat(parentfd, q->disk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		goto undo;
	}
	err = own(rp, dfd);
	if (!err && rp->v->names_key) {
		err = ac_random(iv, AFS_DIRIV_LEN);
		if (!err)
			err = afs_write_atomic(dfd, AFS_DIRIV_NAME, iv, AFS_DIRIV_LEN, 0400);
		if (!err) {
			fd = openat(dfd, AFS_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			err = fd < 0 ? -errno : own(rp, fd);
			if (fd >= 0) {
				if (!err)
					err = fsync_fd(fd);
				close(fd);
			}
		}
	}
	if (!err)
		err = fsync_fd(dfd);
	if (!err)
		err = fsync_fd(parentfd);
	if (!err) {
		*fdp = dfd;
		return 0;
	}
	unlinkat(dfd, AFS_DIRIV_NAME, 0);
	close(dfd);
undo:
	unlinkat(parentfd, q->disk, AT_REMOVEDIR);
	sidecar_undo(parentfd, q);
	return err;
}

/* /algfs-quarantine: the one there, or a new one. */
static int top_dir(struct rp *rp, int rootfd, const uint8_t *rootiv, struct qname *q, int *fdp,
		   uint8_t iv[AFS_DIRIV_LEN])
{
	struct stat st;
	int fd, err;

	err = name_for(rp, rootiv, QUARANTINE_NAME, q);
	if (err)
		return err;
	if (fstatat(rootfd, q->disk, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? dir_make(rp, rootfd, q, fdp, iv) : -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	fd = openat(rootfd, q->disk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = rp->v->names_key ? iv_read(fd, iv) : 0;
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

/* Make this run's directory, /algfs-quarantine/YYYYMMDD-HHMMSS, once. */
static int run_dir(struct rp *rp)
{
	uint8_t rootiv[AFS_DIRIV_LEN] = { 0 }, topiv[AFS_DIRIV_LEN] = { 0 };
	struct qname top, run;
	char stamp[32];
	struct tm tm;
	time_t now;
	int rootfd, topfd, err;

	if (rp->qfd >= 0 || rp->qerr)
		return rp->qerr;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	rootfd = dir_open(rp, "");
	if (rootfd < 0)
		return rp->qerr = rootfd;
	err = rp->v->names_key ? iv_read(rootfd, rootiv) : 0;
	if (!err)
		err = top_dir(rp, rootfd, rootiv, &top, &topfd, topiv);
	close(rootfd);
	if (err)
		return rp->qerr = err;
	err = free_name(rp, topfd, topiv, stamp, "", BASE_MAX, &run);
	if (!err)
		err = dir_make(rp, topfd, &run, &rp->qfd, rp->qiv);
	close(topfd);
	if (err)
		return rp->qerr = err;
	if (asprintf(&rp->qcpath, "%s/%s", top.disk, run.disk) < 0)
		rp->qcpath = NULL;
	if (asprintf(&rp->qplain, "/%s/%s", QUARANTINE_NAME, run.plain) < 0)
		rp->qplain = NULL;
	if (!rp->qcpath || !rp->qplain)
		return rp->qerr = -ENOMEM;
	return 0;
}

static const char *qerr_why(int err)
{
	switch (err) {
	case -EUCLEAN:
		return "the IV of the root or of /" QUARANTINE_NAME " is damaged";
	case -ENOTDIR:
		return "/" QUARANTINE_NAME " is not a directory";
	default:
		return strerror(-err);
	}
}

/*
 * Write @len bytes of @data as the encrypted file @q in the run directory,
 * as the daemon writes a file: a new header and file ID, each block
 * encrypted with the file's content subkey; atomically and synced.
 */
static int enc_file_write(struct rp *rp, const struct qname *q, const void *data, size_t len)
{
	struct fk_vol *v = rp->v;
	uint8_t id[AFS_FILE_ID_LEN], *buf = NULL;
	uint32_t bs = v->cfg->block_size;
	struct ac_key *key = NULL;
	uint64_t csize = 0;
	ssize_t n = 0;
	int fd, err;

	if (len) {
		err = afs_cipher_size(len, bs, &csize);
		if (err)
			return err;
		buf = malloc((size_t)csize);
		if (!buf)
			return -ENOMEM;
		err = afs_header_new(buf, id);
		if (!err)
			err = afs_subkey(&v->vk, AFS_KEY_CONTENT, id, &key);
		if (!err) {
			n = afs_blocks_encrypt(key, id, 0, data, len, bs, buf + AFS_HEADER_LEN);
			if (n < 0)
				err = (int)n;
			else if ((uint64_t)n + AFS_HEADER_LEN != csize)
				err = -EIO;
		}
		ac_key_put(key);
		if (err) {
			free(buf);
			return err;
		}
	}
	err = exists(rp->qfd, q->disk) ? 0 : sidecar_write(rp, rp->qfd, q);
	if (!err)
		err = afs_write_atomic(rp->qfd, q->disk, buf, (size_t)csize, 0600);
	free(buf);
	if (err) {
		sidecar_undo(rp->qfd, q);
		return err;
	}
	fd = openat(rp->qfd, q->disk, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = own(rp, fd);
	if (!err)
		err = fsync_fd(fd);
	close(fd);
	return err;
}

/* The plaintext name of what @p names, for its new place: the last
 * component of its path, else "undecryptable-" and the start of its
 * ciphertext name (of a long name, its hash). */
static void base_name(const struct fk_problem *p, const char *cbase, char *out, size_t size)
{
	const char *slash = p->p_path ? strrchr(p->p_path, '/') : NULL;
	const char *c = cbase;

	if (slash && slash[1]) {
		snprintf(out, size, "%s", slash + 1);
		return;
	}
	if (afs_is_longname(c) || afs_is_longname_sidecar(c))
		c += sizeof(AFS_LONGNAME_PREFIX) - 1;
	else if (afs_is_longtarget(c))
		c += sizeof(AFS_LONGTARGET_PREFIX) - 1;
	snprintf(out, size, "%s%.*s",
		 p->p_kind == FK_LONGTARGET_ORPHAN ? "longtarget-" : "undecryptable-", UNDEC_CHARS,
		 c);
}

/* Where an entry that was at @cpath is now: a moved entry, or one below a
 * moved directory, is in the quarantine. */
static char *cpath_now(struct rp *rp, const char *cpath, const struct move **mvp)
{
	size_t i, len;
	char *s;

	*mvp = NULL;
	for (i = 0; i < rp->nmoves; i++) {
		const struct move *m = &rp->moves[i];

		len = strlen(m->old_cpath);
		if (strncmp(cpath, m->old_cpath, len) || (cpath[len] && cpath[len] != '/'))
			continue;
		*mvp = m;
		if (asprintf(&s, "%s%s", m->new_cpath, cpath + len) < 0)
			return NULL;
		return s;
	}
	return strdup(cpath);
}

static int later_add(struct rp *rp, const char *cpath, const char *xattr, struct fk_problem *p)
{
	struct later *l = reallocarray(rp->later, rp->nlater + 1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	rp->later = l;
	l = &rp->later[rp->nlater];
	l->cpath = strdup(cpath);
	l->xattr = xattr ? strdup(xattr) : NULL;
	l->p = p;
	if (!l->cpath || (xattr && !l->xattr)) {
		free(l->cpath);
		free(l->xattr);
		return -ENOMEM;
	}
	rp->nlater++;
	return 0;
}

static void hex_out(FILE *f, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x%s", b[i], (i % 32 == 31 && i + 1 < len) ? "\n    " : "");
	fputc('\n', f);
}

/* The sidecar of the long name @cbase in @dirfd: its content goes into
 * the report, and the file goes once the report is written (one too big
 * to be a sidecar stays). */
static void sidecar_save(struct rp *rp, int dirfd, const char *cpath, const char *cbase)
{
	char sc[AFS_SIDECAR_BUF], *sc_cpath;
	const char *slash = strrchr(cpath, '/');
	uint8_t *buf = NULL;
	struct stat st;
	ssize_t n = -1;
	int fd;

	if (afs_longname_sidecar(cbase, sc))
		return;
	fd = openat(dirfd, sc, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size <= SIDECAR_SAVE_MAX &&
	    (buf = malloc((size_t)st.st_size + 1)))
		n = read(fd, buf, (size_t)st.st_size + 1);
	close(fd);
	if (n < 0 || n > st.st_size) {
		fprintf(rp->log,
			"  its long-name sidecar %s was left: it could not be read whole\n", sc);
		free(buf);
		return;
	}
	fprintf(rp->log, "  its long-name sidecar %s (removed) held %zd bytes:\n    ", sc, n);
	hex_out(rp->log, buf, (size_t)n);
	free(buf);
	if (asprintf(&sc_cpath, "%.*s%s%s", slash ? (int)(slash - cpath) : 0, cpath,
		     slash ? "/" : "", sc) < 0)
		return;
	later_add(rp, sc_cpath, NULL, NULL);
	free(sc_cpath);
}

/*
 * An orphan long target (format 2) holds the target of a symlink that is
 * gone (a crash between the two, or a failed chown): give it a symlink
 * again, in the run directory, so that the mount shows the target.  The
 * file stays where symlinks find it, at the root, unchanged.
 */
static void quarantine_longtarget(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	char base[AFS_PLAIN_NAME_BUF], *qpath = NULL;
	struct qname q;
	int err;

	err = run_dir(rp);
	if (err) {
		set_note(p, FK_ACT_FAILED, "no quarantine: %s", qerr_why(err));
		return;
	}
	base_name(p, cpath, base, sizeof(base));
	err = free_name(rp, rp->qfd, rp->qiv, base, "", AFS_NAME_MAX, &q);
	if (!err)
		err = sidecar_write(rp, rp->qfd, &q);
	if (!err && symlinkat(cpath, rp->qfd, q.disk)) {
		err = -errno;
		sidecar_undo(rp->qfd, &q);
	}
	if (!err && fchownat(rp->qfd, q.disk, rp->uid, rp->gid, AT_SYMLINK_NOFOLLOW) &&
	    errno != EPERM)
		err = -errno;
	if (!err)
		err = fsync_fd(rp->qfd);
	if (err) {
		set_note(p, FK_ACT_FAILED, "making a symlink to it in %s: %s", rp->qplain,
			 strerror(-err));
		return;
	}
	if (asprintf(&qpath, "%s/%s", rp->qplain, q.plain) < 0)
		qpath = NULL;
	fprintf(rp->log, "%s: a symlink made for the orphan long target %s\n",
		qpath ? qpath : q.plain, cpath);
	set_note(p, FK_ACT_QUARANTINED, "quarantined as the symlink %s", qpath ? qpath : q.plain);
	set_quarantine(p, qpath);
	free(qpath);
}

/*
 * Move the entry of @p into the run directory under its plaintext name
 * (a new encrypted name under the run directory's IV); its ciphertext is
 * unchanged, and a file reads back but for its damaged blocks.
 */
static void quarantine(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	char base[AFS_PLAIN_NAME_BUF], *entry = NULL, *qpath = NULL, w[2 * PATH_MAX + 32];
	struct move *mv;
	const char *cbase;
	struct qname q;
	int pfd, err, synced;

	/* A mismatched sidecar named instead of its entry: move the entry. */
	if (afs_is_longname_sidecar(strrchr(cpath, '/') ? strrchr(cpath, '/') + 1 : cpath)) {
		entry = strndup(cpath, strlen(cpath) - (sizeof(AFS_LONGNAME_SUFFIX) - 1));
		if (!entry) {
			set_note(p, FK_ACT_FAILED, "out of memory");
			return;
		}
		cpath = entry;
	}
	if (rp->qtop[0] && !strcmp(cpath, rp->qtop)) {
		set_note(p, FK_ACT_NONE, "it is /%s itself", QUARANTINE_NAME);
		goto out;
	}
	err = run_dir(rp);
	if (err) {
		set_note(p, FK_ACT_FAILED, "no quarantine: %s", qerr_why(err));
		goto out;
	}
	pfd = parent_open(rp, cpath, &cbase);
	if (pfd < 0) {
		set_note(p, FK_ACT_FAILED, "cannot open its directory: %s", strerror(-pfd));
		goto out;
	}
	if (!exists(pfd, cbase)) {
		set_note(p, FK_ACT_FAILED, "%s is gone", cbase);
		close(pfd);
		goto out;
	}
	base_name(p, cbase, base, sizeof(base));
	err = free_name(rp, rp->qfd, rp->qiv, base, "", AFS_NAME_MAX, &q);
	if (!err)
		err = sidecar_write(rp, rp->qfd, &q);
	if (!err) {
		err = rename_noreplace(pfd, cbase, rp->qfd, q.disk);
		if (err)
			sidecar_undo(rp->qfd, &q);
	}
	if (err) {
		set_note(p, FK_ACT_FAILED, "moving it into %s: %s", rp->qplain, strerror(-err));
		close(pfd);
		goto out;
	}
	/* Moved: a failed fsync is said, but the entry is in the quarantine. */
	synced = fsync_fd(rp->qfd);
	if (!synced)
		synced = fsync_fd(pfd);
	if (asprintf(&qpath, "%s/%s", rp->qplain, q.plain) < 0)
		qpath = NULL;
	mv = reallocarray(rp->moves, rp->nmoves + 1, sizeof(*mv));
	if (mv) {
		rp->moves = mv;
		mv = &rp->moves[rp->nmoves];
		mv->old_cpath = strdup(cpath);
		if (asprintf(&mv->new_cpath, "%s/%s", rp->qcpath, q.disk) < 0)
			mv->new_cpath = NULL;
		mv->qpath = qpath ? strdup(qpath) : NULL;
		if (mv->old_cpath && mv->new_cpath && mv->qpath)
			rp->nmoves++;
	}
	if (p->p_path)
		snprintf(w, sizeof(w), "%s (ciphertext %s)", p->p_path, cpath);
	else
		snprintf(w, sizeof(w), "ciphertext %s", cpath);
	fprintf(rp->log, "%s: moved here from %s: %s: %s\n", qpath ? qpath : q.plain, w,
		fk_kind_name(p->p_kind), p->p_detail ? p->p_detail : "");
	if (rp->v->names_key && afs_is_longname(cbase))
		sidecar_save(rp, pfd, cpath, cbase);
	close(pfd);
	if (synced)
		set_note(p, FK_ACT_QUARANTINED, "quarantined as %s (not synced: %s)",
			 qpath ? qpath : q.plain, strerror(-synced));
	else
		set_note(p, FK_ACT_QUARANTINED, "quarantined as %s", qpath ? qpath : q.plain);
	set_quarantine(p, qpath);
out:
	free(qpath);
	free(entry);
}

/* Remove @base from @dfd, durably, and say so in @p. */
static void unlink_noted(struct fk_problem *p, int dfd, const char *base)
{
	int err = 0;

	if (unlinkat(dfd, base, 0))
		err = -errno;
	if (!err)
		err = fsync_fd(dfd);
	if (err)
		set_note(p, FK_ACT_FAILED, "removing it: %s", strerror(-err));
	else
		set_note(p, FK_ACT_REMOVED, "removed");
}

/* An orphan sidecar: removed, if its entry is still missing. */
static void remove_sidecar(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	char entry[AFS_LONGNAME_BUF];
	const char *base;
	int dfd;

	dfd = parent_open(rp, cpath, &base);
	if (dfd < 0) {
		set_note(p, FK_ACT_FAILED, "cannot open its directory: %s", strerror(-dfd));
		return;
	}
	if (!afs_is_longname_sidecar(base)) {
		set_note(p, FK_ACT_FAILED, "%s is not a sidecar's name", base);
		goto out;
	}
	memcpy(entry, base, AFS_LONGNAME_LEN);
	entry[AFS_LONGNAME_LEN] = 0;
	if (exists(dfd, entry)) {
		set_note(p, FK_ACT_FAILED, "its entry %s exists now", entry);
		goto out;
	}
	unlink_noted(p, dfd, base);
out:
	close(dfd);
}

static void remove_leftover(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	const char *base;
	struct stat st;
	int dfd;

	dfd = parent_open(rp, cpath, &base);
	if (dfd < 0) {
		set_note(p, FK_ACT_FAILED, "cannot open its directory: %s", strerror(-dfd));
		return;
	}
	if (!afs_is_atomic_leftover(base) || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISREG(st.st_mode)) {
		set_note(p, FK_ACT_FAILED, "not a temporary file of an atomic write");
		close(dfd);
		return;
	}
	unlink_noted(p, dfd, base);
	close(dfd);
}

/* A stream of the entries of the directory @dfd, which stays open; NULL
 * with errno set on failure. */
static DIR *dir_stream(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

/* Whether a directory holds nothing whose name its IV encrypts: only
 * algfs's own files, orphan sidecars, long targets and leftovers.  Returns
 * the count of other entries, or -errno. */
static int count_entries(int dfd)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = dir_stream(dfd);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *s = de->d_name;

		if (!strcmp(s, ".") || !strcmp(s, "..") || !strcmp(s, AFS_CONF_NAME) ||
		    !strcmp(s, AFS_DIRIV_NAME) || afs_is_longtarget(s) || afs_is_atomic_leftover(s))
			continue;
		if (afs_is_longname_sidecar(s)) {
			char entry[AFS_LONGNAME_BUF];

			memcpy(entry, s, AFS_LONGNAME_LEN);
			entry[AFS_LONGNAME_LEN] = 0;
			if (!exists(dfd, entry))
				continue;
		}
		n++;
	}
	closedir(d);
	return n;
}

/* Whether @name is an encoded name (or a long one): what an IV names. */
static bool is_encoded(const char *name)
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	return afs_is_longname(name) || (name[0] && strspn(name, b64url) == strlen(name));
}

/*
 * A directory whose IV is lost or damaged keeps its entries, but not their
 * names: move each entry whose name the IV encrypted into the quarantine,
 * under a made-up name, so that its content (with its own key) and what is
 * below it (with their own IVs) read again.  The old IV, if any, goes into
 * the report with the old ciphertext names, for whoever finds the right
 * one.  Return: how many entries could not be moved (*@moved: how many
 * were), or -errno.
 */
static int quarantine_unnamed(struct rp *rp, int dfd, const char *cpath, int *moved)
{
	uint8_t old[AFS_DIRIV_LEN + 1];
	struct dirent *de;
	ssize_t len = -1;
	int fd, left = 0;
	DIR *d;

	fd = openat(dfd, AFS_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, old, sizeof(old));
		close(fd);
	}
	fprintf(rp->log, "%s%s: its IV was lost; it held (hex): ", cpath[0] ? "ciphertext " : "",
		cpath[0] ? cpath : "the root");
	if (len > 0)
		hex_out(rp->log, old, (size_t)len);
	else
		fprintf(rp->log, "nothing\n");
	d = dir_stream(dfd);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct fk_problem t = { .p_kind = FK_NAME_UNDECRYPTABLE };
		char *ecpath;

		if (!is_encoded(de->d_name))
			continue;
		if (asprintf(&ecpath, "%s%s%s", cpath, cpath[0] ? "/" : "", de->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		t.p_cpath = ecpath;
		t.p_detail = (char *)"its directory's IV was lost";
		quarantine(rp, &t, ecpath);
		if (t.p_action == FK_ACT_QUARANTINED)
			(*moved)++;
		else
			left++;
		free(t.p_repair_note);
		free(t.p_quarantine);
		free(ecpath);
	}
	closedir(d);
	return left;
}

static void recreate_iv(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	uint8_t iv[AFS_DIRIV_LEN];
	int dfd, n, fd, err, moved = 0;

	if (!rp->v->names_key) {
		set_note(p, FK_ACT_NONE, "a plaintext-names volume has no IVs");
		return;
	}
	dfd = dir_open(rp, cpath);
	if (dfd < 0) {
		set_note(p, FK_ACT_FAILED, "cannot open the directory: %s", strerror(-dfd));
		return;
	}
	n = count_entries(dfd);
	/* -p leaves names alone; -y moves the entries out first. */
	if (n > 0 && rp->v->opts.mode != FK_MODE_PREEN) {
		n = quarantine_unnamed(rp, dfd, cpath, &moved);
		if (n >= 0)
			n = count_entries(dfd);
	}
	if (n != 0) {
		if (n < 0)
			set_note(p, FK_ACT_FAILED, "cannot list the directory: %s", strerror(-n));
		else
			set_note(p, FK_ACT_NONE,
				 "the directory holds %d entr%s that a new IV would not name%s", n,
				 n == 1 ? "y" : "ies",
				 rp->v->opts.mode != FK_MODE_PREEN ? ""
				 : n == 1 ? "; -y moves it into the quarantine"
					  : "; -y moves them into the quarantine");
		close(dfd);
		return;
	}
	err = ac_random(iv, sizeof(iv));
	if (!err)
		err = afs_write_atomic(dfd, AFS_DIRIV_NAME, iv, sizeof(iv), 0400);
	explicit_bzero(iv, sizeof(iv));
	if (!err) {
		struct stat st;

		/* The directory's owner, as the daemon's mkdir gives it. */
		fd = openat(dfd, AFS_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		err = fd < 0 ? -errno : 0;
		if (!err && !fstat(dfd, &st) && fchown(fd, st.st_uid, st.st_gid) && errno != EPERM)
			err = -errno;
		if (!err)
			err = fsync_fd(fd);
		if (fd >= 0)
			close(fd);
	}
	if (err)
		set_note(p, FK_ACT_FAILED, "writing %s: %s", AFS_DIRIV_NAME, strerror(-err));
	else if (moved)
		set_note(p, FK_ACT_RECREATED, "recreated %s, after moving its %d entr%s into %s",
			 AFS_DIRIV_NAME, moved, moved == 1 ? "y" : "ies", rp->qplain);
	else
		set_note(p, FK_ACT_RECREATED, "recreated %s", AFS_DIRIV_NAME);
	close(dfd);
}

static void truncate_torn(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	uint64_t keep = p->p_good_size, psize = 0;
	struct stat st;
	int fd, err = 0;

	if (keep && afs_plain_size(keep, rp->v->cfg->block_size, &psize)) {
		/* A header alone is no file: an empty file has none. */
		if (keep > AFS_HEADER_LEN) {
			set_note(p, FK_ACT_FAILED, "%llu bytes is no file's size either",
				 (unsigned long long)keep);
			return;
		}
		keep = 0;
	}
	fd = openat(rp->v->rootfd, cpath, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		set_note(p, FK_ACT_FAILED, "cannot open it: %s", strerror(errno));
		return;
	}
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size <= keep)
		err = -ESTALE; /* it changed since it was checked */
	if (!err && ftruncate(fd, (off_t)keep))
		err = -errno;
	if (!err)
		err = fsync_fd(fd);
	close(fd);
	if (err == -ESTALE)
		set_note(p, FK_ACT_FAILED, "not truncated: its size is no longer above %llu bytes",
			 (unsigned long long)keep);
	else if (err)
		set_note(p, FK_ACT_FAILED, "truncating it: %s", strerror(-err));
	else
		set_note(p, FK_ACT_TRUNCATED, "truncated to %llu bytes", (unsigned long long)psize);
}

static int zero_range(int fd, uint64_t off, size_t len)
{
	static const uint8_t zeros[4096];

	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read each damaged block's ciphertext into @f (a memstream), with its line. */
static int blocks_save(struct rp *rp, struct fk_problem *p, int fd, uint64_t size, FILE *f)
{
	uint32_t bs = rp->v->cfg->block_size;
	uint8_t *buf = malloc(AFS_BLOCK_DISK_LEN(bs));
	size_t i;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < p->p_nblocks && !err; i++) {
		uint64_t coff, len;
		ssize_t n;

		err = afs_block_cipher_off(p->p_blocks[i], bs, &coff);
		if (err || coff >= size)
			continue;
		len = size - coff < AFS_BLOCK_DISK_LEN(bs) ? size - coff : AFS_BLOCK_DISK_LEN(bs);
		n = pread(fd, buf, (size_t)len, (off_t)coff);
		if (n < 0) {
			err = -errno;
			break;
		}
		fprintf(f, "block %llu at ciphertext offset %llu, %zd bytes\n",
			(unsigned long long)p->p_blocks[i], (unsigned long long)coff, n);
		fwrite(buf, 1, (size_t)n, f);
	}
	free(buf);
	return err;
}

/*
 * --zero-damaged: save the ciphertext of the damaged blocks in
 * <name>.damaged in the run directory, then make each block a hole, which
 * reads as zeros.  The file stays where it is.
 */
static void zero_damaged(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	uint32_t bs = rp->v->cfg->block_size;
	char base[AFS_PLAIN_NAME_BUF], *data = NULL, *qpath = NULL;
	const char *cbase = strrchr(cpath, '/') ? strrchr(cpath, '/') + 1 : cpath;
	size_t len = 0, i, zeroed = 0;
	struct qname q;
	struct stat st;
	FILE *f;
	int fd, err;

	if (!p->p_nblocks) {
		set_note(p, FK_ACT_FAILED, "no damaged block is known");
		return;
	}
	err = run_dir(rp);
	if (err) {
		set_note(p, FK_ACT_FAILED, "no quarantine: %s", qerr_why(err));
		return;
	}
	fd = openat(rp->v->rootfd, cpath, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		set_note(p, FK_ACT_FAILED, "cannot open it: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	f = open_memstream(&data, &len);
	err = f ? blocks_save(rp, p, fd, (uint64_t)st.st_size, f) : -ENOMEM;
	if (f && fclose(f) && !err)
		err = -ENOMEM;
	base_name(p, cbase, base, sizeof(base));
	if (!err)
		err = free_name(rp, rp->qfd, rp->qiv, base, DAMAGED_SUFFIX, BASE_MAX, &q);
	if (!err)
		err = enc_file_write(rp, &q, data, len);
	if (data)
		explicit_bzero(data, len);
	free(data);
	if (err) {
		set_note(p, FK_ACT_FAILED, "saving the damaged blocks: %s", strerror(-err));
		close(fd);
		return;
	}
	if (asprintf(&qpath, "%s/%s", rp->qplain, q.plain) < 0)
		qpath = NULL;
	for (i = 0; i < p->p_nblocks && !err; i++) {
		uint64_t coff, n;

		err = afs_block_cipher_off(p->p_blocks[i], bs, &coff);
		if (err || coff >= (uint64_t)st.st_size)
			continue;
		n = (uint64_t)st.st_size - coff;
		if (n > AFS_BLOCK_DISK_LEN(bs))
			n = AFS_BLOCK_DISK_LEN(bs);
		err = zero_range(fd, coff, (size_t)n);
		zeroed += !err;
	}
	if (!err)
		err = fsync_fd(fd);
	close(fd);
	fprintf(rp->log,
		"%s: the ciphertext of %zu damaged block%s of %s (ciphertext %s), "
		"which %s zeroed\n",
		qpath ? qpath : q.plain, p->p_nblocks, p->p_nblocks == 1 ? "" : "s",
		p->p_path ? p->p_path : "(no plaintext path)", cpath,
		err ? "could not all be" : "were then");
	if (err)
		set_note(p, FK_ACT_FAILED, "zeroed %zu of %zu damaged blocks (saved in %s): %s",
			 zeroed, p->p_nblocks, qpath ? qpath : q.plain, strerror(-err));
	else
		set_note(p, FK_ACT_ZEROED, "zeroed %zu damaged block%s after saving %s in %s",
			 zeroed, zeroed == 1 ? "" : "s", zeroed == 1 ? "it" : "them",
			 qpath ? qpath : q.plain);
	free(qpath);
}

/* Whether the "user." xattr @name = @val of an entry decrypts. */
static bool xattr_ok(struct rp *rp, const char *name, const uint8_t *val, size_t len)
{
	char plain[AFS_PLAIN_NAME_BUF + 8];
	uint8_t *out;
	bool ok;

	if (afs_xattr_name_decrypt(rp->v->xattr_key, name, plain) < 0)
		return false;
	out = malloc(len ? len : 1);
	if (!out)
		return true; /* unknown: leave it */
	ok = afs_xattr_value_decrypt(&rp->v->vk, name, val, len, out) >= 0;
	explicit_bzero(out, len);
	free(out);
	return ok;
}

/*
 * The "user." xattr of the entry that does not decrypt (p_xattr; without
 * it, every one that does not): saved in REPORT.txt (its on-disk name, and
 * the raw value in hex), and removed once the report is on disk.
 */
static void xattrs_damaged(struct rp *rp, struct fk_problem *p, const char *cpath)
{
	char *path = NULL, *names = NULL, *n, w[PATH_MAX + 16];
	uint8_t *val = NULL;
	ssize_t nl, vl;
	size_t found = 0, k;
	int err;

	err = run_dir(rp);
	if (err) {
		set_note(p, FK_ACT_FAILED, "no quarantine: %s", qerr_why(err));
		return;
	}
	if (asprintf(&path, "%s%s%s", rp->v->cipherdir, *cpath ? "/" : "", cpath) < 0) {
		set_note(p, FK_ACT_FAILED, "out of memory");
		return;
	}
	nl = llistxattr(path, NULL, 0);
	if (nl > 0 && (names = malloc((size_t)nl)))
		nl = llistxattr(path, names, (size_t)nl);
	if (nl < 0 || (nl > 0 && !names)) {
		set_note(p, FK_ACT_FAILED, "cannot list its xattrs: %s",
			 nl < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	where(p, w, sizeof(w));
	for (n = names; n && n < names + nl; n += strlen(n) + 1) {
		if (strncmp(n, AFS_XATTR_PREFIX, sizeof(AFS_XATTR_PREFIX) - 1) ||
		    (p->p_xattr && strcmp(n, p->p_xattr)))
			continue;
		vl = lgetxattr(path, n, NULL, 0);
		free(val);
		val = vl >= 0 ? malloc((size_t)vl + 1) : NULL;
		if (!val || (vl = lgetxattr(path, n, val, (size_t)vl)) < 0)
			continue;
		if (xattr_ok(rp, n, val, (size_t)vl))
			continue;
		fprintf(rp->log, "%s (ciphertext %s): xattr %s (removed), %zd bytes:\n    ", w,
			cpath, n, vl);
		hex_out(rp->log, val, (size_t)vl);
		if (later_add(rp, cpath, n, p) == 0)
			found++;
	}
	if (found) {
		if (p->p_xattr)
			set_note(p, FK_ACT_REMOVED, "removed, saved in %s/%s", rp->qplain,
				 REPORT_NAME);
		else
			set_note(p, FK_ACT_REMOVED, "removed %zu damaged xattr%s, saved in %s/%s",
				 found, found == 1 ? "" : "s", rp->qplain, REPORT_NAME);
		set_quarantine(p, NULL);
		goto out;
	}
	/* An earlier problem of the same entry took it. */
	for (k = 0; k < rp->nlater; k++) {
		const struct later *l = &rp->later[k];

		if (l->xattr && !strcmp(l->cpath, cpath) &&
		    (!p->p_xattr || !strcmp(l->xattr, p->p_xattr))) {
			set_note(p, FK_ACT_REMOVED, "removed, saved in %s/%s", rp->qplain,
				 REPORT_NAME);
			goto out;
		}
	}
	if (p->p_xattr)
		set_note(p, FK_ACT_FAILED, "the xattr %s is gone or decrypts now", p->p_xattr);
	else
		set_note(p, FK_ACT_FAILED, "no xattr of it fails to decrypt now");
out:
	free(val);
	free(names);
	free(path);
}

/* The on-disk name of /algfs-quarantine, to know what is in it already. */
static void qtop_name(struct rp *rp)
{
	uint8_t iv[AFS_DIRIV_LEN] = { 0 };
	struct qname q;
	int fd, err;

	rp->qtop[0] = 0;
	if (rp->v->names_key) {
		fd = dir_open(rp, "");
		if (fd < 0)
			return;
		err = iv_read(fd, iv);
		close(fd);
		if (err)
			return;
	}
	if (name_for(rp, iv, QUARANTINE_NAME, &q) == 0)
		snprintf(rp->qtop, sizeof(rp->qtop), "%s", q.disk);
}

/* Whether @cpath is in /algfs-quarantine (not the directory itself). */
static bool in_quarantine(const struct rp *rp, const char *cpath)
{
	size_t len = strlen(rp->qtop);

	return len && !strncmp(cpath, rp->qtop, len) && cpath[len] == '/';
}

/* Whether its repair would move @p's entry into the quarantine. */
static bool moves(const struct rp *rp, const struct fk_problem *p)
{
	return !fk_repair_is_safe(p->p_kind) && p->p_kind != FK_XATTR_DAMAGED &&
	       !(p->p_kind == FK_BLOCK_DAMAGED && rp->v->opts.zero_damaged);
}

/*
 * What is in /algfs-quarantine already stays there: moving it from one
 * run's directory to the next would help no one.  Nothing is asked for it.
 */
static bool left_in_quarantine(struct rp *rp, struct fk_problem *p)
{
	if (!p->p_cpath || !in_quarantine(rp, p->p_cpath) || !moves(rp, p))
		return false;
	set_note(p, FK_ACT_NONE, "already in /%s", QUARANTINE_NAME);
	return true;
}

static void repair_one(struct rp *rp, struct fk_problem *p)
{
	const struct move *mv;
	char *cpath = cpath_now(rp, p->p_cpath ? p->p_cpath : "", &mv);

	if (!cpath) {
		set_note(p, FK_ACT_FAILED, "out of memory");
		return;
	}
	if (mv && moves(rp, p)) {
		set_note(p, FK_ACT_QUARANTINED, "quarantined with %s", mv->qpath);
		set_quarantine(p, mv->qpath);
		free(cpath);
		return;
	}
	switch (p->p_kind) {
	case FK_SIDECAR_ORPHAN:
		remove_sidecar(rp, p, cpath);
		break;
	case FK_LEFTOVER_TEMP:
		remove_leftover(rp, p, cpath);
		break;
	case FK_DIRIV_MISSING:
	case FK_DIRIV_BAD:
		recreate_iv(rp, p, cpath);
		break;
	case FK_SIZE_TORN:
		truncate_torn(rp, p, cpath);
		break;
	case FK_BLOCK_DAMAGED:
		if (rp->v->opts.zero_damaged)
			zero_damaged(rp, p, cpath);
		else
			quarantine(rp, p, cpath);
		break;
	case FK_XATTR_DAMAGED:
		xattrs_damaged(rp, p, cpath);
		break;
	case FK_NAME_UNDECRYPTABLE:
	case FK_NAME_NOT_CANONICAL:
	case FK_LONGNAME_NO_SIDECAR:
	case FK_SIDECAR_MISMATCH:
	case FK_HEADER_DAMAGED:
	case FK_SYMLINK_DAMAGED:
		quarantine(rp, p, cpath);
		break;
	case FK_LONGTARGET_ORPHAN:
		quarantine_longtarget(rp, p, cpath);
		break;
	default:
		break;
	}
	free(cpath);
}

/* Ask on the terminal: 'y', 'n', 'a' or 'q' (also at the end of input). */
static char ask(struct rp *rp, const struct fk_problem *p)
{
	char line[PATH_MAX + 512], ans[64];
	ssize_t n;

	problem_line(p, line, sizeof(line));
	/* A name is no terminal control sequence. */
	for (char *c = line; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	for (;;) {
		dprintf(rp->tty, "Repair? %s [y/n/a/q] ", line);
		n = read(rp->tty, ans, sizeof(ans) - 1);
		if (n <= 0)
			return 'q';
		ans[n] = 0;
		if (strchr("ynaqYNAQ", ans[0]) && ans[0] && (ans[1] == '\n' || ans[1] == 0))
			return (char)(ans[0] | 0x20);
	}
}

/* REPORT.txt: the text report of the run, then the moves and saved data. */
static int report_write(struct rp *rp, struct qname *q, bool fresh)
{
	struct fk_vol *v = rp->v;
	struct fk_opts saved = v->opts;
	char *buf = NULL, stamp[64];
	size_t len = 0;
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "fsck.algfs quarantine report, %s\nvolume: %s\n\n", stamp, v->cipherdir);
	fprintf(f, "The problems found and what was done:\n");
	v->opts.json = false;
	v->opts.quiet = false;
	fk_report_print(v, f, fk_exit_status(v));
	v->opts = saved;
	fflush(rp->log);
	fprintf(f, "\nMoved and saved here (each with its old place and why):\n");
	if (rp->loglen)
		fwrite(rp->logbuf, 1, rp->loglen, f);
	else
		fprintf(f, "(nothing)\n");
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	err = fresh ? free_name(rp, rp->qfd, rp->qiv, REPORT_NAME, "", BASE_MAX, q) : 0;
	if (!err)
		err = enc_file_write(rp, q, buf, len);
	free(buf);
	return err;
}

/* The removals REPORT.txt saved the data of.  Returns whether one failed. */
static bool later_run(struct rp *rp)
{
	bool failed = false;
	size_t i;

	for (i = 0; i < rp->nlater; i++) {
		struct later *l = &rp->later[i];
		char *path;
		int err = 0;

		if (asprintf(&path, "%s%s%s", rp->v->cipherdir, *l->cpath ? "/" : "", l->cpath) < 0)
			err = -ENOMEM;
		else if (l->xattr ? lremovexattr(path, l->xattr) : unlink(path))
			err = errno == ENODATA || errno == ENOENT ? 0 : -errno;
		if (!err && !l->xattr) {
			char *slash = strrchr(path, '/');
			int dfd;

			*slash = 0;
			dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				fsync(dfd);
				close(dfd);
			}
		} else if (!err) {
			int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
		}
		free(path);
		if (err && l->p) {
			set_note(l->p, FK_ACT_FAILED, "removing xattr %s: %s", l->xattr,
				 strerror(-err));
			failed = true;
		}
	}
	return failed;
}

/* Without a report on disk nothing it would have saved may go. */
static void later_cancel(struct rp *rp, int err)
{
	size_t i;

	for (i = 0; i < rp->nlater; i++) {
		if (rp->later[i].p)
			set_note(rp->later[i].p, FK_ACT_FAILED,
				 "not removed: %s could not be written (%s)", REPORT_NAME,
				 strerror(-err));
	}
}

static void rp_free(struct rp *rp)
{
	size_t i;

	if (rp->log)
		fclose(rp->log);
	free(rp->logbuf);
	for (i = 0; i < rp->nmoves; i++) {
		free(rp->moves[i].old_cpath);
		free(rp->moves[i].new_cpath);
		free(rp->moves[i].qpath);
	}
	free(rp->moves);
	for (i = 0; i < rp->nlater; i++) {
		free(rp->later[i].cpath);
		free(rp->later[i].xattr);
	}
	free(rp->later);
	free(rp->qcpath);
	free(rp->qplain);
	if (rp->qfd >= 0)
		close(rp->qfd);
	if (rp->tty >= 0)
		close(rp->tty);
}

int fk_repair_all(struct fk_vol *v)
{
	struct rp rp = { .v = v, .tty = -1, .qfd = -1 };
	struct qname report;
	struct stat st;
	size_t i;
	int err = 0;

	if (v->opts.mode == FK_MODE_CHECK)
		return 0;
	if (fstat(v->rootfd, &st))
		return -errno;
	rp.uid = st.st_uid;
	rp.gid = st.st_gid;
	qtop_name(&rp);
	rp.log = open_memstream(&rp.logbuf, &rp.loglen);
	if (!rp.log)
		return -ENOMEM;
	if (v->opts.mode == FK_MODE_ASK) {
		rp.tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (rp.tty < 0) {
			err = -errno;
			goto out;
		}
	}
	for (i = 0; i < v->nproblems && !__atomic_load_n(&v->cancelled, __ATOMIC_RELAXED); i++) {
		struct fk_problem *p = v->problems[i];

		if (!has_repair(p->p_kind) ||
		    (v->opts.mode == FK_MODE_PREEN && !fk_repair_is_safe(p->p_kind)) ||
		    left_in_quarantine(&rp, p))
			continue;
		if (v->opts.mode == FK_MODE_ASK && !rp.all) {
			char a = ask(&rp, p);

			if (a == 'q') {
				__atomic_store_n(&v->cancelled, true, __ATOMIC_RELAXED);
				break;
			}
			if (a == 'n') {
				set_note(p, FK_ACT_DECLINED, "declined");
				continue;
			}
			rp.all = a == 'a';
		}
		repair_one(&rp, p);
	}
	if (rp.qfd < 0)
		goto out;
	err = report_write(&rp, &report, true);
	if (err) {
		later_cancel(&rp, err);
		err = 0;
		goto out;
	}
	if (later_run(&rp) && report_write(&rp, &report, false))
		fprintf(stderr, "fsck.algfs: %s/%s could not be rewritten with the last results\n",
			rp.qplain, REPORT_NAME);
out:
	rp_free(&rp);
	return err;
}
