/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsck.h - the checker of fsck.algfs: what it found, and what it may change.
 *
 * walk.c walks the ciphertext tree and content.c checks each file's blocks;
 * both record problems (report.c), which repair.c may then repair, and
 * report.c prints.  docs/fsck.algfs.8 is the user's side of this.
 */
#ifndef ALGFS_FSCK_H
#define ALGFS_FSCK_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "crypto.h"
#include "format.h"

/* fsck(8)'s exit statuses. */
enum {
	FK_EXIT_OK = 0,
	FK_EXIT_REPAIRED = 1,
	FK_EXIT_UNCORRECTED = 4,
	FK_EXIT_OPERATIONAL = 8,
	FK_EXIT_USAGE = 16,
	FK_EXIT_CANCELLED = 32,
};

/* The kinds of damage; fk_kind_name() gives each its stable identifier. */
enum fk_kind {
	FK_CONFIG_TAMPERED,
	FK_DIRIV_MISSING,
	FK_DIRIV_BAD,
	FK_NAME_UNDECRYPTABLE,
	FK_NAME_NOT_CANONICAL,
	FK_LONGNAME_NO_SIDECAR,
	FK_SIDECAR_ORPHAN,
	FK_SIDECAR_MISMATCH,
	FK_HEADER_DAMAGED,
	FK_SIZE_TORN,
	FK_BLOCK_DAMAGED,
	FK_SYMLINK_DAMAGED,
	FK_XATTR_DAMAGED,
	FK_LONGTARGET_ORPHAN, /* notices from here on */
	FK_LEFTOVER_TEMP,
	FK_STRAY,
	FK_KIND_COUNT,
};

/* What was done about a problem. */
enum fk_action {
	FK_ACT_NONE, /* nothing asked (-n), or nothing can be done */
	FK_ACT_DECLINED, /* asked on the terminal, answered no */
	FK_ACT_REMOVED,
	FK_ACT_RECREATED,
	FK_ACT_TRUNCATED,
	FK_ACT_QUARANTINED,
	FK_ACT_ZEROED,
	FK_ACT_FAILED, /* tried and failed (the detail says why) */
};

/* An inclusive range of plaintext bytes. */
struct fk_range {
	uint64_t r_first, r_last;
};

struct fk_problem {
	enum fk_kind p_kind;
	char *p_path; /* plaintext path from the root ("/a/b"), or NULL */
	char *p_cpath; /* ciphertext path relative to CIPHERDIR ("" for the root) */
	char *p_detail; /* one sentence, no newline */
	struct fk_range *p_ranges; /* FK_BLOCK_DAMAGED: merged, ascending */
	size_t p_nranges;
	/* FK_BLOCK_DAMAGED / FK_SIZE_TORN: the damaged block indexes, and the
	 * size to truncate a torn file to. */
	uint64_t *p_blocks;
	size_t p_nblocks;
	uint64_t p_good_size; /* FK_SIZE_TORN: ciphertext bytes to keep */
	char *p_xattr; /* FK_XATTR_DAMAGED: the xattr's on-disk name ("user.<enc>") */
	enum fk_action p_action;
	char *p_repair_note; /* what was done ("truncated to 8192 bytes"), or NULL */
	char *p_quarantine; /* plaintext path it was moved to, or NULL */
};

enum fk_mode {
	FK_MODE_CHECK, /* -n */
	FK_MODE_PREEN, /* -p: only the safe repairs */
	FK_MODE_YES, /* -y */
	FK_MODE_ASK, /* on a terminal, ask each */
};

struct fk_opts {
	enum fk_mode mode;
	bool fast; /* no block tags */
	bool json;
	bool quiet;
	bool verbose;
	bool zero_damaged;
	bool mounted; /* -n on a mounted volume: say the result may be stale */
};

/* One volume being checked. */
struct fk_vol {
	const char *cipherdir; /* canonical */
	int rootfd; /* O_DIRECTORY of cipherdir */
	struct afs_config *cfg;
	struct ac_ctx *ctx;
	struct ac_key *mk;
	struct afs_volkey vk;
	struct ac_key *names_key; /* NULL on a plaintext-names volume */
	struct ac_key *xattr_key;
	struct fk_opts opts;

	pthread_mutex_t lock; /* guards the problem list and the counters */
	struct fk_problem **problems;
	size_t nproblems, cap;
	uint64_t files, dirs, symlinks, bytes, blocks; /* checked */
	uint64_t bytes_total; /* for progress: the sum of ciphertext sizes, 0 if unknown */
	bool cancelled; /* SIGINT, or "q" answered (the checking threads use
			 * __atomic_load_n/__atomic_store_n on it) */
	int io_error; /* the first -errno that stopped a check (walk.c, content.c) */
	struct fk_progress_state *progress; /* report.c's, NULL without progress */
};

/* report.c */
const char *fk_kind_name(enum fk_kind kind);
bool fk_kind_is_notice(enum fk_kind kind);
/* Record a problem (takes copies of the strings); returns it, NULL on ENOMEM
 * (then the caller exits FK_EXIT_OPERATIONAL). Thread-safe. */
struct fk_problem *fk_problem_add(struct fk_vol *v, enum fk_kind kind, const char *path,
				  const char *cpath, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Sort the problems into walk order (by cpath, then kind). */
void fk_problems_sort(struct fk_vol *v);
/* Print every problem and the summary as text (or the JSON object). */
void fk_report_print(struct fk_vol *v, FILE *out, int exit_status);
/* The exit status the problems and their actions call for. */
int fk_exit_status(const struct fk_vol *v);
/* Progress on stderr: called from any thread, rate-limited inside. */
void fk_progress(struct fk_vol *v, bool final);
/* Start progress on stderr, when it is a terminal and not -q. */
void fk_progress_start(struct fk_vol *v);
/* Add to the counters (any thread). */
void fk_count(struct fk_vol *v, uint64_t files, uint64_t dirs, uint64_t symlinks, uint64_t bytes,
	      uint64_t blocks);
/* Whether @s is UTF-8 text without control characters (what a name that
 * decrypted right is, but for names in another character set). */
bool fk_text_ok(const char *s);
/* Free the problem list. */
void fk_problems_free(struct fk_vol *v);
/* Set @p's damaged blocks (@blocks, ascending) and the plaintext ranges
 * they cover in a file of @psize bytes, merged when adjacent.
 * Return: 0, -ENOMEM. */
int fk_problem_set_blocks(struct fk_problem *p, const uint64_t *blocks, size_t n, uint32_t bs,
			  uint64_t psize);

/* walk.c */
/* Check the whole tree; records problems. Return: 0, or -errno for an
 * operational error (the walk could not go on at all). */
int fk_walk(struct fk_vol *v);

/* Record an operational error: the check could not be completed (counted
 * once, the first error kept; the report says so and the exit status is 8). */
void fk_io_error(struct fk_vol *v, int err, const char *cpath, const char *what);

/* content.c */
/* Check one regular file (open, O_RDONLY) at @cpath / @path: header, size,
 * blocks; records problems. Return: 0 or -errno (I/O error reading). */
int fk_check_file(struct fk_vol *v, int fd, const char *path, const char *cpath);

/*
 * The same in parts, so that several threads check one large file: open
 * (header and size; *@fp is NULL when nothing is left to check), then
 * fk_file_ranges() the number of ranges, then each range with
 * fk_file_check_range(); the thread whose fk_file_range_done() returns
 * true calls fk_file_finish(), which records the problems and frees it.
 */
struct fk_file;
int fk_file_open(struct fk_vol *v, int fd, const char *path, const char *cpath,
		 struct fk_file **fp);
uint64_t fk_file_blocks(const struct fk_file *f);
void fk_file_ranges(struct fk_file *f, unsigned int n);
int fk_file_check_range(struct fk_vol *v, struct fk_file *f, uint64_t first, uint64_t count);
bool fk_file_range_done(struct fk_file *f);
int fk_file_finish(struct fk_vol *v, struct fk_file *f);

/* repair.c */
/*
 * Repair every problem that v->opts.mode allows (asking on the terminal in
 * FK_MODE_ASK), setting each problem's p_action and notes.  Runs after the
 * walk, in walk order; the quarantine run directory is made on first use.
 * Return: 0, or -errno when a repair could not be attempted at all.
 */
int fk_repair_all(struct fk_vol *v);
/* Whether @kind's repair is safe enough for -p. */
bool fk_repair_is_safe(enum fk_kind kind);

/* openat() for reading what the check reads, with O_NOATIME (the backing
 * atimes are the files' and directories' own), or without it where it is
 * not allowed (EPERM: not the owner, no CAP_FOWNER). */
static inline int fk_openat(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags);
	return fd;
}

#endif /* ALGFS_FSCK_H */
