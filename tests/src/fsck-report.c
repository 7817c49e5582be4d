// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsck-report - fsck.algfs's problem list and reports (tools/fsck/report.c)
 * against answers written out by hand: plaintext ranges of damaged blocks,
 * walk order, the exit status for each mix of problems and repairs, the text
 * lines and the JSON object byte for byte (names that are not UTF-8, control
 * characters, quotes), and which names pass as text.  One line per check,
 * "...: ok" or what differs; exit 1 if anything differed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck.h"
#include "version.h"

static int failures;

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	if (!ok)
		failures++;
}

static void check_str(const char *got, const char *want, const char *what)
{
	bool ok = !strcmp(got, want);

	check(ok, what);
	if (!ok)
		printf("  got:  %s\n  want: %s\n", got, want);
}

static void vol_init(struct fk_vol *v, struct afs_config *cfg, enum fk_mode mode)
{
	memset(v, 0, sizeof(*v));
	memset(cfg, 0, sizeof(*cfg));
	pthread_mutex_init(&v->lock, NULL);
	cfg->format = 2;
	cfg->block_size = 4096;
	for (int i = 0; i < AFS_UUID_LEN; i++)
		cfg->uuid[i] = (uint8_t)(0x11 * (i % 16));
	v->cfg = cfg;
	v->cipherdir = "/vol";
	v->opts.mode = mode;
	v->opts.quiet = true;
}

static struct fk_problem *add(struct fk_vol *v, enum fk_kind kind, const char *path,
			      const char *cpath, const char *detail)
{
	struct fk_problem *p = fk_problem_add(v, kind, path, cpath, "%s", detail);

	if (!p) {
		printf("fk_problem_add failed\n");
		exit(1);
	}
	return p;
}

/* What fk_report_print() writes, as a string to free. */
static char *report(struct fk_vol *v, int status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		exit(1);
	fk_report_print(v, f, status);
	fclose(f);
	return buf;
}

static void test_ranges(void)
{
	struct fk_vol v;
	struct afs_config cfg;
	struct fk_problem *p;
	const uint64_t blocks[] = { 1, 3, 4 };

	vol_init(&v, &cfg, FK_MODE_CHECK);
	p = add(&v, FK_BLOCK_DAMAGED, "/f", "F", "x");
	check(!fk_problem_set_blocks(p, blocks, 3, 4096, 20000) && p->p_nranges == 2 &&
		      p->p_ranges[0].r_first == 4096 && p->p_ranges[0].r_last == 8191 &&
		      p->p_ranges[1].r_first == 12288 && p->p_ranges[1].r_last == 19999 &&
		      p->p_nblocks == 3 && p->p_blocks[2] == 4,
	      "blocks 1, 3, 4 of a 20000-byte file: 4096-8191, 12288-19999");
	fk_problems_free(&v);
}

static void test_order(void)
{
	struct fk_vol v;
	struct afs_config cfg;
	const char *want[] = { "", "a", "a/b", "a/b/c", "a.c", "b" };
	bool ok = true;

	vol_init(&v, &cfg, FK_MODE_CHECK);
	add(&v, FK_STRAY, NULL, "b", "x");
	add(&v, FK_STRAY, NULL, "a.c", "x");
	add(&v, FK_STRAY, NULL, "a/b/c", "x");
	add(&v, FK_DIRIV_MISSING, "/", "", "x");
	add(&v, FK_STRAY, NULL, "a/b", "x");
	add(&v, FK_STRAY, NULL, "a", "x");
	fk_problems_sort(&v);
	for (size_t i = 0; i < 6; i++)
		ok = ok && !strcmp(v.problems[i]->p_cpath, want[i]);
	check(ok, "walk order: a directory's entries before its next sibling");
	fk_problems_free(&v);

	vol_init(&v, &cfg, FK_MODE_CHECK);
	add(&v, FK_XATTR_DAMAGED, "/d", "D", "the value of the xattr user.b does not decrypt");
	add(&v, FK_STRAY, "/d", "D", "x");
	add(&v, FK_XATTR_DAMAGED, "/d", "D", "the value of the xattr user.a does not decrypt");
	add(&v, FK_DIRIV_BAD, "/d", "D", "x");
	fk_problems_sort(&v);
	check(v.problems[0]->p_kind == FK_DIRIV_BAD && v.problems[3]->p_kind == FK_STRAY &&
		      strstr(v.problems[1]->p_detail, "user.a"),
	      "one path: by kind, then by detail");
	fk_problems_free(&v);
}

static void test_exit(void)
{
	struct fk_vol v;
	struct afs_config cfg;
	struct fk_problem *p;

	vol_init(&v, &cfg, FK_MODE_YES);
	check(fk_exit_status(&v) == FK_EXIT_OK, "no problems: 0");
	add(&v, FK_STRAY, NULL, "s", "x");
	add(&v, FK_LEFTOVER_TEMP, NULL, "t", "x");
	check(fk_exit_status(&v) == FK_EXIT_OK, "notices only: 0");
	p = add(&v, FK_SIDECAR_ORPHAN, NULL, "o", "x");
	check(fk_exit_status(&v) == FK_EXIT_UNCORRECTED, "an error left: 4");
	p->p_action = FK_ACT_REMOVED;
	check(fk_exit_status(&v) == FK_EXIT_REPAIRED, "every error repaired: 1");
	p = add(&v, FK_BLOCK_DAMAGED, "/f", "f", "x");
	p->p_action = FK_ACT_DECLINED;
	check(fk_exit_status(&v) == FK_EXIT_UNCORRECTED, "one repaired, one declined: 4");
	p->p_action = FK_ACT_FAILED;
	check(fk_exit_status(&v) == FK_EXIT_UNCORRECTED, "one repaired, one failed: 4");
	v.cancelled = true;
	check(fk_exit_status(&v) == FK_EXIT_CANCELLED, "cancelled: 32");
	fk_problems_free(&v);
}

static void test_text(void)
{
	struct fk_vol v;
	struct afs_config cfg;
	struct fk_problem *p;
	const uint64_t blocks[] = { 0, 2 };
	char *out;

	vol_init(&v, &cfg, FK_MODE_CHECK);
	p = add(&v, FK_BLOCK_DAMAGED, "/d\xff/n\x01x", "A/B", "plaintext bytes 0-4095");
	fk_problem_set_blocks(p, blocks, 2, 4096, 10000);
	add(&v, FK_NAME_UNDECRYPTABLE, NULL, "A/Q", "the name does not decrypt");
	out = report(&v, 4);
	check_str(out,
		  "/d\\xff/n\\x01x: block-damaged: plaintext bytes 0-4095\n"
		  "ciphertext A/Q: name-undecryptable: the name does not decrypt\n",
		  "text, -q -n: one line each, bytes that are not text escaped");
	free(out);

	v.opts.mode = FK_MODE_YES;
	v.opts.quiet = false;
	v.files = 3;
	v.dirs = 2;
	v.bytes = 12345;
	v.problems[0]->p_action = FK_ACT_QUARANTINED;
	v.problems[0]->p_quarantine = strdup("/algfs-quarantine/20261204-091200/n");
	out = report(&v, 4);
	check_str(out,
		  "/d\\xff/n\\x01x: block-damaged: plaintext bytes 0-4095 [quarantined as "
		  "/algfs-quarantine/20261204-091200/n]\n"
		  "ciphertext A/Q: name-undecryptable: the name does not decrypt [not repaired]\n"
		  "/vol: 3 files, 2 directories, 0 symlinks, 12345 bytes checked; 2 errors (1 "
		  "repaired), 0 notices\n",
		  "text, -y: the actions and the summary");
	free(out);
	fk_problems_free(&v);
}

static void test_json(void)
{
	struct fk_vol v;
	struct afs_config cfg;
	struct fk_problem *p;
	const uint64_t blocks[] = { 0, 1, 3 };
	char *out;

	vol_init(&v, &cfg, FK_MODE_CHECK);
	v.opts.json = true;
	v.files = 1;
	v.blocks = 4;
	p = add(&v, FK_BLOCK_DAMAGED, "/\"q\"\\\xc3\xa9\xc3", "A/B", "tab\there");
	fk_problem_set_blocks(p, blocks, 3, 4096, 16000);
	add(&v, FK_STRAY, NULL, "n", "x");
	out = report(&v, 4);
	check_str(out,
		  "{\"program\":\"fsck.algfs\",\"version\":\"" ALGFS_VERSION "\","
		  "\"volume\":\"/vol\",\"uuid\":\"00112233-4455-6677-8899-aabbccddeeff\","
		  "\"format\":2,\"mode\":\"check\",\"fast\":false,\"checked\":{\"files\":1,"
		  "\"directories\":0,\"symlinks\":0,\"bytes\":0,\"blocks\":4},\"problems\":["
		  "{\"kind\":\"block-damaged\",\"severity\":\"error\",\"path\":"
		  "\"/\\\"q\\\"\\\\\xc3\xa9\\u00c3\",\"cpath\":\"A/B\",\"detail\":\"tab\\there\","
		  "\"ranges\":[[0,8191],[12288,15999]],\"repair\":\"none\",\"quarantine\":null},"
		  "{\"kind\":\"stray\",\"severity\":\"notice\",\"path\":null,\"cpath\":\"n\","
		  "\"detail\":\"x\",\"ranges\":[],\"repair\":\"none\",\"quarantine\":null}],"
		  "\"errors\":1,\"repaired\":0,\"notices\":1,\"exit\":4}\n",
		  "JSON: escapes, a stray byte as \\u00XX, ranges, counts");
	free(out);
	fk_problems_free(&v);
}

static void test_text_ok(void)
{
	check(fk_text_ok("report.pdf") && fk_text_ok("\xc3\xa9t\xc3\xa9") &&
		      fk_text_ok("\xf0\x9f\x99\x82"),
	      "ASCII, UTF-8 and an emoji are text");
	check(!fk_text_ok("a\xff") && !fk_text_ok("\xc3") && !fk_text_ok("a\nb") &&
		      !fk_text_ok("\xc0\xaf") && !fk_text_ok("\xed\xa0\x80") && !fk_text_ok("\x7f"),
	      "a stray byte, a cut sequence, a newline, an overlong form, a surrogate, DEL "
	      "are not");
}

int main(void)
{
	test_ranges();
	test_order();
	test_exit();
	test_text();
	test_json();
	test_text_ok();
	return failures ? 1 : 0;
}
