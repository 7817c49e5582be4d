// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - what fsck.algfs found: the problem list, the exit status it
 * calls for, the text and JSON reports, the progress line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsck.h"
#include "log.h"
#include "version.h"

static void text_str(FILE *out, const char *s);

static const char *const kind_names[FK_KIND_COUNT] = {
	[FK_CONFIG_TAMPERED] = "config-tampered",
	[FK_DIRIV_MISSING] = "diriv-missing",
	[FK_DIRIV_BAD] = "diriv-bad",
	[FK_NAME_UNDECRYPTABLE] = "name-undecryptable",
	[FK_NAME_NOT_CANONICAL] = "name-not-canonical",
	[FK_LONGNAME_NO_SIDECAR] = "longname-no-sidecar",
	[FK_SIDECAR_ORPHAN] = "sidecar-orphan",
	[FK_SIDECAR_MISMATCH] = "sidecar-mismatch",
	[FK_HEADER_DAMAGED] = "header-damaged",
	[FK_SIZE_TORN] = "size-torn",
	[FK_BLOCK_DAMAGED] = "block-damaged",
	[FK_SYMLINK_DAMAGED] = "symlink-damaged",
	[FK_XATTR_DAMAGED] = "xattr-damaged",
	[FK_LONGTARGET_ORPHAN] = "longtarget-orphan",
	[FK_LEFTOVER_TEMP] = "leftover-temp",
	[FK_STRAY] = "stray",
};

static const char *const action_names[] = {
	[FK_ACT_NONE] = "none",		  [FK_ACT_DECLINED] = "declined",
	[FK_ACT_REMOVED] = "removed",	  [FK_ACT_RECREATED] = "recreated",
	[FK_ACT_TRUNCATED] = "truncated", [FK_ACT_QUARANTINED] = "quarantined",
	[FK_ACT_ZEROED] = "zeroed",	  [FK_ACT_FAILED] = "failed",
};

const char *fk_kind_name(enum fk_kind kind)
{
	return kind < FK_KIND_COUNT ? kind_names[kind] : "unknown";
}

bool fk_kind_is_notice(enum fk_kind kind)
{
	return kind >= FK_LONGTARGET_ORPHAN;
}

static bool action_repaired(enum fk_action a)
{
	return a == FK_ACT_REMOVED || a == FK_ACT_RECREATED || a == FK_ACT_TRUNCATED ||
	       a == FK_ACT_QUARANTINED || a == FK_ACT_ZEROED;
}

static void problem_free(struct fk_problem *p)
{
	if (!p)
		return;
	free(p->p_path);
	free(p->p_cpath);
	free(p->p_detail);
	free(p->p_ranges);
	free(p->p_blocks);
	free(p->p_xattr);
	free(p->p_repair_note);
	free(p->p_quarantine);
	free(p);
}

void fk_problems_free(struct fk_vol *v)
{
	for (size_t i = 0; i < v->nproblems; i++)
		problem_free(v->problems[i]);
	free(v->problems);
	v->problems = NULL;
	v->nproblems = v->cap = 0;
}

struct fk_problem *fk_problem_add(struct fk_vol *v, enum fk_kind kind, const char *path,
				  const char *cpath, const char *fmt, ...)
{
	struct fk_problem *p = calloc(1, sizeof(*p));
	va_list ap;
	int n;

	if (!p)
		return NULL;
	p->p_kind = kind;
	p->p_path = path ? strdup(path) : NULL;
	p->p_cpath = strdup(cpath ? cpath : "");
	va_start(ap, fmt);
	n = vasprintf(&p->p_detail, fmt, ap);
	va_end(ap);
	if (n < 0)
		p->p_detail = NULL;
	if ((path && !p->p_path) || !p->p_cpath || !p->p_detail) {
		problem_free(p);
		return NULL;
	}
	pthread_mutex_lock(&v->lock);
	if (v->nproblems == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		struct fk_problem **np = realloc(v->problems, cap * sizeof(*np));

		if (!np) {
			pthread_mutex_unlock(&v->lock);
			problem_free(p);
			return NULL;
		}
		v->problems = np;
		v->cap = cap;
	}
	v->problems[v->nproblems++] = p;
	pthread_mutex_unlock(&v->lock);
	return p;
}

int fk_problem_set_blocks(struct fk_problem *p, const uint64_t *blocks, size_t n, uint32_t bs,
			  uint64_t psize)
{
	size_t nr = 0;

	p->p_blocks = malloc((n ? n : 1) * sizeof(*p->p_blocks));
	p->p_ranges = malloc((n ? n : 1) * sizeof(*p->p_ranges));
	if (!p->p_blocks || !p->p_ranges)
		return -ENOMEM;
	memcpy(p->p_blocks, blocks, n * sizeof(*blocks));
	p->p_nblocks = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t first = blocks[i] * bs, last = first + bs - 1;

		if (last >= psize)
			last = psize - 1;
		if (nr && p->p_ranges[nr - 1].r_last + 1 == first)
			p->p_ranges[nr - 1].r_last = last;
		else
			p->p_ranges[nr++] = (struct fk_range){ first, last };
	}
	p->p_nranges = nr;
	return 0;
}

void fk_io_error(struct fk_vol *v, int err, const char *cpath, const char *what)
{
	/* On a mounted volume (-n), files come and go under the check: the
	 * warning at the start said so. */
	if (v->opts.mounted && (err == -ENOENT || err == -ESTALE))
		return;
	log_err("%s/%s: %s: %s (the check of it is incomplete)", v->cipherdir, cpath, what,
		strerror(-err));
	pthread_mutex_lock(&v->lock);
	if (!v->io_error)
		v->io_error = err;
	pthread_mutex_unlock(&v->lock);
}

void fk_count(struct fk_vol *v, uint64_t files, uint64_t dirs, uint64_t symlinks, uint64_t bytes,
	      uint64_t blocks)
{
	pthread_mutex_lock(&v->lock);
	v->files += files;
	v->dirs += dirs;
	v->symlinks += symlinks;
	v->bytes += bytes;
	v->blocks += blocks;
	pthread_mutex_unlock(&v->lock);
	if (bytes || files)
		fk_progress(v, false);
}

/*
 * Walk order: a ciphertext path's components compared one by one in strcmp
 * order, so that a directory's entries follow it, before its next sibling
 * ("a" < "a/b" < "a.c"), then the kind.
 */
static int cpath_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x == '/')
			x = 1;
		if (y == '/')
			y = 1;
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
}

static int problem_cmp(const void *a, const void *b)
{
	const struct fk_problem *p = *(struct fk_problem *const *)a;
	const struct fk_problem *q = *(struct fk_problem *const *)b;
	int c = cpath_cmp(p->p_cpath, q->p_cpath);

	if (c)
		return c;
	if (p->p_kind != q->p_kind)
		return (int)p->p_kind - (int)q->p_kind;
	return strcmp(p->p_detail, q->p_detail); /* qsort is not stable */
}

void fk_problems_sort(struct fk_vol *v)
{
	if (v->nproblems)
		qsort(v->problems, v->nproblems, sizeof(*v->problems), problem_cmp);
}

int fk_exit_status(const struct fk_vol *v)
{
	bool left = false, repaired = false;

	if (v->cancelled)
		return FK_EXIT_CANCELLED;
	for (size_t i = 0; i < v->nproblems; i++) {
		const struct fk_problem *p = v->problems[i];

		if (fk_kind_is_notice(p->p_kind))
			continue;
		if (action_repaired(p->p_action))
			repaired = true;
		else
			left = true;
	}
	return left ? FK_EXIT_UNCORRECTED : repaired ? FK_EXIT_REPAIRED : FK_EXIT_OK;
}

/* Whether the problem list asks for a repair note at all. */
static bool repairing(const struct fk_vol *v)
{
	return v->opts.mode != FK_MODE_CHECK;
}

static void print_text_problem(const struct fk_vol *v, const struct fk_problem *p, FILE *out)
{
	if (p->p_path) {
		text_str(out, p->p_path);
	} else {
		fputs("ciphertext ", out);
		text_str(out, p->p_cpath[0] ? p->p_cpath : ".");
	}
	fprintf(out, ": %s: ", fk_kind_name(p->p_kind));
	text_str(out, p->p_detail);
	if (p->p_quarantine) {
		fputs(" [quarantined as ", out);
		text_str(out, p->p_quarantine);
		fputc(']', out);
	} else if (action_repaired(p->p_action))
		fprintf(out, " [repaired: %s]",
			p->p_repair_note ? p->p_repair_note : action_names[p->p_action]);
	else if (p->p_action == FK_ACT_FAILED)
		fprintf(out, " [repair failed: %s]",
			p->p_repair_note ? p->p_repair_note : "see above");
	else if (repairing(v) && !fk_kind_is_notice(p->p_kind) && p->p_repair_note)
		fprintf(out, " [not repaired: %s]", p->p_repair_note);
	else if (repairing(v) && !fk_kind_is_notice(p->p_kind))
		fprintf(out, " [not repaired]");
	else if (repairing(v) && p->p_repair_note)
		fprintf(out, " [%s]", p->p_repair_note);
	fputc('\n', out);
}

static void counts(const struct fk_vol *v, uint64_t *errors, uint64_t *repaired, uint64_t *notices)
{
	*errors = *repaired = *notices = 0;
	for (size_t i = 0; i < v->nproblems; i++) {
		const struct fk_problem *p = v->problems[i];

		if (fk_kind_is_notice(p->p_kind)) {
			++*notices;
			continue;
		}
		++*errors;
		if (action_repaired(p->p_action))
			++*repaired;
	}
}

/* The length of the valid UTF-8 sequence at @u (1 to 4), or 0. */
static size_t utf8_len(const unsigned char *u)
{
	unsigned char c = *u;
	size_t n = c < 0x80		? 1
		   : (c & 0xe0) == 0xc0 ? 2
		   : (c & 0xf0) == 0xe0 ? 3
		   : (c & 0xf8) == 0xf0 ? 4
					: 0;

	for (size_t i = 1; n && i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	/* No overlong forms, surrogates or code points above U+10FFFF. */
	if (n == 2 && c < 0xc2)
		return 0;
	if (n == 3 && ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((c == 0xf0 && u[1] < 0x90) || c > 0xf4 || (c == 0xf4 && u[1] >= 0x90)))
		return 0;
	return n;
}

bool fk_text_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t n = utf8_len(u);

		if (!n || *u < 0x20 || *u == 0x7f)
			return false;
		u += n;
	}
	return true;
}

/* Text for a line of the report: control characters and bytes that are not
 * UTF-8 as \xHH, so that every problem stays on one line. */
static void text_str(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t n = utf8_len(u);

		if (!n || *u < 0x20 || *u == 0x7f) {
			fprintf(out, "\\x%02x", *u);
			u++;
			continue;
		}
		fwrite(u, 1, n, out);
		u += n;
	}
}

/* A JSON string: RFC 8259 escapes; a byte that is not part of valid UTF-8 as \u00XX. */
static void json_str(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*u) {
		unsigned char c = *u;
		size_t n = utf8_len(u);

		if (!n) {
			fprintf(out, "\\u00%02x", c);
			u++;
			continue;
		}
		if (n > 1) {
			fwrite(u, 1, n, out);
			u += n;
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
		u++;
	}
	fputc('"', out);
}

static const char *mode_name(enum fk_mode mode)
{
	switch (mode) {
	case FK_MODE_CHECK:
		return "check";
	case FK_MODE_PREEN:
		return "preen";
	case FK_MODE_YES:
		return "repair";
	case FK_MODE_ASK:
		return "interactive";
	}
	return "check";
}

static void print_json_problem(const struct fk_problem *p, FILE *out)
{
	fputs("{\"kind\":", out);
	json_str(out, fk_kind_name(p->p_kind));
	fprintf(out, ",\"severity\":\"%s\",\"path\":",
		fk_kind_is_notice(p->p_kind) ? "notice" : "error");
	json_str(out, p->p_path);
	fputs(",\"cpath\":", out);
	json_str(out, p->p_cpath);
	fputs(",\"detail\":", out);
	json_str(out, p->p_detail);
	fputs(",\"ranges\":[", out);
	for (size_t i = 0; i < p->p_nranges; i++)
		fprintf(out, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", p->p_ranges[i].r_first,
			p->p_ranges[i].r_last);
	fprintf(out, "],\"repair\":\"%s\",\"quarantine\":", action_names[p->p_action]);
	json_str(out, p->p_quarantine);
	fputc('}', out);
}

static void print_json(struct fk_vol *v, FILE *out, int exit_status)
{
	char uuid[AFS_UUID_STR_LEN + 1];
	uint64_t errors, repaired, notices;

	counts(v, &errors, &repaired, &notices);
	afs_uuid_str(v->cfg->uuid, uuid);
	fputs("{\"program\":\"fsck.algfs\",\"version\":\"" ALGFS_VERSION "\",\"volume\":", out);
	json_str(out, v->cipherdir);
	fputs(",\"uuid\":", out);
	json_str(out, uuid);
	fprintf(out,
		",\"format\":%u,\"mode\":\"%s\",\"fast\":%s,\"checked\":{\"files\":%" PRIu64
		",\"directories\":%" PRIu64 ",\"symlinks\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"blocks\":%" PRIu64 "},\"problems\":[",
		v->cfg->format, mode_name(v->opts.mode), v->opts.fast ? "true" : "false", v->files,
		v->dirs, v->symlinks, v->bytes, v->blocks);
	for (size_t i = 0; i < v->nproblems; i++) {
		if (i)
			fputc(',', out);
		print_json_problem(v->problems[i], out);
	}
	fprintf(out,
		"],\"errors\":%" PRIu64 ",\"repaired\":%" PRIu64 ",\"notices\":%" PRIu64
		",\"exit\":%d}\n",
		errors, repaired, notices, exit_status);
}

/* The ending of a count's noun: @many, or for one, "" ("y" for "ies"). */
static const char *plural(uint64_t n, const char *many)
{
	if (n != 1)
		return many;
	return strcmp(many, "ies") ? "" : "y";
}

void fk_report_print(struct fk_vol *v, FILE *out, int exit_status)
{
	uint64_t errors, repaired, notices;

	if (v->opts.json) {
		print_json(v, out, exit_status);
		fflush(out);
		return;
	}
	for (size_t i = 0; i < v->nproblems; i++)
		print_text_problem(v, v->problems[i], out);
	if (!v->opts.quiet) {
		counts(v, &errors, &repaired, &notices);
		fprintf(out,
			"%s: %" PRIu64 " file%s, %" PRIu64 " director%s, %" PRIu64
			" symlink%s, %" PRIu64 " byte%s checked; %" PRIu64 " error%s (%" PRIu64
			" repaired), %" PRIu64 " notice%s\n",
			v->cipherdir, v->files, plural(v->files, "s"), v->dirs,
			plural(v->dirs, "ies"), v->symlinks, plural(v->symlinks, "s"), v->bytes,
			plural(v->bytes, "s"), errors, plural(errors, "s"), repaired, notices,
			plural(notices, "s"));
	}
	fflush(out);
}

/* Progress: one line on stderr, rewritten at most 4 times a second. */
struct fk_progress_state {
	pthread_mutex_t lock;
	struct timespec start, last;
	bool shown;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void fk_progress_start(struct fk_vol *v)
{
	struct fk_progress_state *ps;

	if (v->opts.quiet || !isatty(STDERR_FILENO))
		return;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return;
	pthread_mutex_init(&ps->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &ps->start);
	v->progress = ps;
}

void fk_progress(struct fk_vol *v, bool final)
{
	struct fk_progress_state *ps = v->progress;
	struct timespec now;
	uint64_t files, bytes, total;
	double t, rate;
	char left[32] = "";

	if (!ps)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&ps->lock);
	if (!final && ps->shown && since(&ps->last, &now) < 0.25) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	ps->last = now;
	pthread_mutex_lock(&v->lock);
	files = v->files;
	bytes = v->bytes;
	total = v->bytes_total;
	pthread_mutex_unlock(&v->lock);
	t = since(&ps->start, &now);
	rate = t > 0 ? (double)bytes / t : 0;
	if (!final && total > bytes && rate > 0) {
		double s = (double)(total - bytes) / rate;

		snprintf(left, sizeof(left), ", %um%02us left", (unsigned)(s / 60),
			 (unsigned)s % 60);
	}
	fprintf(stderr, "\r%" PRIu64 " files, %.1f MiB, %.1f MiB/s%s\033[K%s", files,
		(double)bytes / 1048576.0, rate / 1048576.0, left, final ? "\n" : "");
	ps->shown = true;
	pthread_mutex_unlock(&ps->lock);
	if (final) {
		pthread_mutex_destroy(&ps->lock);
		free(ps);
		v->progress = NULL;
	}
}
