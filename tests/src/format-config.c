// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format-config - algfs.conf and the key hierarchy against fixed vectors.
 *
 *   format-config --backend kernel|user CIPHERDIR
 *
 * CIPHERDIR holds tests/fixtures/format-v1-vector.conf or format-v2-vector.conf
 * as algfs.conf: a configuration written by tests/fixtures/format-vN-vector.py,
 * an independent Python implementation of docs/FORMAT.md, with the master
 * key 00 01 .. 1f and the passphrase "algfs test passphrase".  The program
 * parses it, checks its key-check value and MAC, formats it back to the same
 * bytes, opens its keyslot, checks every subkey by what it computes, and
 * checks that edits and wrong keys are refused.  One line per check.
 *
 * Exit status: 0 all ok, 1 a check failed, 77 AF_ALG not available, 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "secmem.h"
#include "testutil.h"
#include "format.h"

static const char passphrase[] = "algfs test passphrase";

/* What each subkey computes: GCM, the tag of the empty message under a zero
 * nonce; CTS and ECB, one zero block (with a zero IV). */
struct subkey_vector {
	enum afs_subkey which;
	const char *name;
	const char *want;
};

/* One format's vectors, from tests/fixtures/format-vN-vector.py. */
struct vectors {
	const char *kcv;
	struct subkey_vector subkeys[5];
	uint8_t sym_fresh[AFS_META_FRESH_MAX], xval_fresh[AFS_META_FRESH_MAX];
	const char *sym, *xname, *xval;
	const char *name; /* "hello.txt" in the directory of IV 60..6f (format 2) */
};

static const struct vectors vectors_v1 = {
	.kcv = "f513e7d4d5c22d49eb6013f5b1b44552",
	.subkeys = {
		{ AFS_KEY_CONTENT, "content (file ID a0..af)", "dc4e83ab22a7e7529fcb0f685396c6ba" },
		{ AFS_KEY_SYMLINK, "symlink", "37b971b528b22d6109e47c05a0e5b142" },
		{ AFS_KEY_XATTR_VALUE, "xattr-value", "64afb2e08cde87ebd97c774d4b369429" },
		{ AFS_KEY_NAMES, "names", "97412c5c0cd395941707643f2dc8d3c1" },
		{ AFS_KEY_XATTR_NAME, "xattr-name", "3d895dbc6fff30227d58321db93bbec6" },
	},
	.sym_fresh = { 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b },
	.xval_fresh = { 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b },
	.sym = "cHFyc3R1dnd4eXp7sPObKym9dl-nmn0af8It9TQ2J4huCj2-q-XnBBiuPtP7lqc",
	.xname = "user.eXtOvGdeJpeLK6hbosnFOg",
	.xval = "808182838485868788898a8b45b17976060eb5dfdc5076c7734085f362569d28e47627a3c0d348",
};

static const struct vectors vectors_v2 = {
	.kcv = "b03ab6feebbbb9d0dd49ff03364860a7",
	.subkeys = {
		{ AFS_KEY_CONTENT, "content (file ID a0..af)", "3a6a46233786716da6c2d6ee2c7c575d" },
		{ AFS_KEY_SYMLINK, "symlink (target ID b0..bf)", "342b964a4ba2f411f1e25aa7c5d38476" },
		{ AFS_KEY_XATTR_VALUE, "xattr-value (value ID c0..cf)",
		  "0320c80364bf144b2ad2efb4d2062cf2" },
		{ AFS_KEY_NAMES, "names", "6eae5ce583b3c4f12440cb21aeba445c" },
		{ AFS_KEY_XATTR_NAME, "xattr-name", "7f3a38dc0e7af8ca5313945f2c5dd653" },
	},
	.sym_fresh = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb,
		       0xbc, 0xbd, 0xbe, 0xbf },
	.xval_fresh = { 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb,
			0xcc, 0xcd, 0xce, 0xcf },
	.sym = "sLGys7S1tre4ubq7vL2-v2vIjCmLel5_GyTzpNI_k620GPZGcXvD9mtJ0hQE110QMDZ5",
	.xname = "user.-ukpWj0ht6EJJJ1YQU_dzg",
	.xval = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf6d942bde3c231a234be255f9676dc45766d088114bedc48"
		"2313e1c",
	.name = "noMmQeM2YzI6mhKitqMQyA",
};

static const struct vectors *vec;
static struct ac_ctx *ctx;

static int failures;

static void result(const char *what, bool ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	if (!ok)
		failures++;
}

static bool hex_is(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t want[128];
	int len = hex_decode(hex, want, sizeof(want));

	return len == (int)n && memcmp(p, want, n) == 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 65537);
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 65536, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void check_subkeys(const struct afs_volkey *vk)
{
	static const uint8_t file_id[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
					     0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	uint8_t kcv[AFS_KCV_LEN], zero[16] = { 0 }, out[AC_GCM_TAG_LEN];
	char what[96];

	result("key-check value",
	       !afs_key_check_value(vk, kcv) && hex_is(kcv, sizeof(kcv), vec->kcv));
	for (size_t i = 0; i < sizeof(vec->subkeys) / sizeof(vec->subkeys[0]); i++) {
		const struct subkey_vector *sv = &vec->subkeys[i];
		const uint8_t *context = NULL;
		struct ac_key *key;
		int err;

		if (sv->which == AFS_KEY_CONTENT)
			context = file_id;
		else if (afs_subkey_has_context(vk, sv->which))
			context = sv->which == AFS_KEY_SYMLINK ? vec->sym_fresh : vec->xval_fresh;
		err = afs_subkey(vk, sv->which, context, &key);
		if (!err && ac_key_alg(key) == AC_ALG_CTS)
			err = ac_cts_encrypt(key, zero, zero, sizeof(zero), out);
		else if (!err && ac_key_alg(key) == AC_ALG_ECB)
			err = ac_ecb_encrypt(key, zero, sizeof(zero), out);
		else if (!err)
			err = ac_gcm_encrypt(key, zero, NULL, 0, NULL, 0, out);
		snprintf(what, sizeof(what), "subkey %s", sv->name);
		result(what, !err && hex_is(out, sizeof(out), sv->want));
		ac_key_put(key);
	}
	/* A content key without a file ID, or a names key with one, is a bug. */
	{
		struct ac_key *key;

		result("content subkey without a file ID refused",
		       afs_subkey(vk, AFS_KEY_CONTENT, NULL, &key) == -EINVAL);
		result("names subkey with a context refused",
		       afs_subkey(vk, AFS_KEY_NAMES, file_id, &key) == -EINVAL);
	}
}

/* Names (format 2), symlink targets and xattrs with the subkeys: the
 * vectors' last lines. */
static void check_meta(const struct afs_volkey *vk)
{
	static const uint8_t diriv[AFS_DIRIV_LEN] = { 0x60, 0x61, 0x62, 0x63, 0x64, 0x65,
						      0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
						      0x6c, 0x6d, 0x6e, 0x6f };
	struct ac_key *names = NULL, *xn = NULL;
	char enc[AFS_SYMLINK_ENC_BUF], plain[AFS_SYMLINK_ENC_BUF], xname[AFS_XATTR_NAME_BUF];
	size_t over = afs_meta_overhead(vk->format);
	uint8_t val[64], back[64];
	int n;

	if (afs_subkey(vk, AFS_KEY_NAMES, NULL, &names) ||
	    afs_subkey(vk, AFS_KEY_XATTR_NAME, NULL, &xn)) {
		result("names and xattr-name subkeys", false);
		goto out;
	}
	if (vec->name) {
		n = afs_name_encrypt(names, diriv, "hello.txt", enc);
		result("name", n > 0 && !strcmp(enc, vec->name));
		n = afs_name_decrypt(names, diriv, vec->name, plain);
		result("name decrypted", n > 0 && !strcmp(plain, "hello.txt"));
	}
	n = afs_symlink_encrypt_fresh(vk, "../shared/notes.txt", vec->sym_fresh, enc);
	result("symlink target", n > 0 && !strcmp(enc, vec->sym));
	n = afs_symlink_decrypt(vk, vec->sym, plain);
	result("symlink target decrypted", n > 0 && !strcmp(plain, "../shared/notes.txt"));
	enc[5] = enc[5] == 'A' ? 'B' : 'A';
	printf("symlink target with a changed character: %s\n",
	       errname(afs_symlink_decrypt(vk, enc, plain)));
	printf("longest target (%zu bytes) and one byte more: ", afs_symlink_max(vk->format));
	memset(plain, 'a', afs_symlink_max(vk->format) + 1);
	plain[afs_symlink_max(vk->format) + 1] = '\0';
	n = afs_symlink_encrypt(vk, plain + 1, enc);
	printf("%s, %s\n", n == AFS_SYMLINK_ENC_BUF - 1 ? "4095 characters" : errname(n),
	       errname(afs_symlink_encrypt(vk, plain, enc)));

	n = afs_xattr_name_encrypt(xn, "user.comment", xname);
	result("xattr name", n > 0 && !strcmp(xname, vec->xname));
	n = afs_xattr_name_decrypt(xn, vec->xname, plain);
	result("xattr name decrypted", n > 0 && !strcmp(plain, "user.comment"));
	printf("xattr name outside user.: %s\n",
	       errname(afs_xattr_name_encrypt(xn, "security.selinux", xname)));
	n = afs_xattr_value_encrypt_fresh(vk, vec->xname, (const uint8_t *)"hello xattr", 11,
					  vec->xval_fresh, val);
	result("xattr value", n == (int)(11 + over) && hex_is(val, (size_t)n, vec->xval));
	n = afs_xattr_value_decrypt(vk, vec->xname, val, 11 + over, back);
	result("xattr value decrypted", n == 11 && !memcmp(back, "hello xattr", 11));
	printf("xattr value under another name: %s\n",
	       errname(afs_xattr_value_decrypt(vk, "user.other", val, 11 + over, back)));
out:
	ac_key_put(names);
	ac_key_put(xn);
}

/* Format 2's long target: "../" 1013 times and "end", 3042 bytes, ID d0..df. */
static void check_longtarget(const struct afs_volkey *vk)
{
	static const char name_want[] = "algfs.longtarget.0NHS09TV1tfY2drb3N3e3w";
	static const char sha_want[] =
		"333fe5ebf63c91cae69b7816ce7a3d41c29cfe394f910c2981d3f5185aa8ae08";
	static char target[AFS_TARGET_MAX + 2], back[AFS_TARGET_MAX + 1];
	static uint8_t out[AFS_LONGTARGET_DATA_MAX + 16];
	uint8_t id[AFS_KEY_CONTEXT_LEN], sha[AC_SHA256_LEN];
	char name[AFS_LONGTARGET_BUF];
	struct afs_volkey v1 = *vk;
	int n, m;

	for (int i = 0; i < AFS_KEY_CONTEXT_LEN; i++)
		id[i] = (uint8_t)(0xd0 + i);
	for (int i = 0; i < 1013; i++)
		memcpy(target + 3 * i, "../", 3);
	strcpy(target + 3039, "end");
	n = afs_longtarget_seal(vk, target, id, name, out);
	result("long target: file name", n > 0 && !strcmp(name, name_want));
	result("long target: content",
	       n == 3042 + AC_GCM_TAG_LEN && !ac_sha256(ctx, out, (size_t)n, sha) &&
		       hex_is(sha, sizeof(sha), sha_want));
	m = afs_longtarget_open(vk, name_want, out, (size_t)n, back);
	result("long target: decrypted", m == 3042 && !strcmp(back, target));
	out[100] ^= 1;
	printf("long target with a changed byte: %s\n",
	       errname(afs_longtarget_open(vk, name_want, out, (size_t)n, back)));
	out[100] ^= 1;
	name[20] = name[20] == 'A' ? 'B' : 'A';
	printf("long target under another ID: %s\n",
	       errname(afs_longtarget_open(vk, name, out, (size_t)n, back)));
	printf("long target file cut short: %s\n",
	       errname(afs_longtarget_open(vk, name_want, out, AC_GCM_TAG_LEN, back)));
	memset(target, 'a', AFS_TARGET_MAX + 1);
	target[AFS_TARGET_MAX + 1] = '\0';
	n = afs_longtarget_seal(vk, target + 1, id, name, out);
	printf("long target of %d bytes: %s; one more: %s\n", AFS_TARGET_MAX,
	       n == AFS_TARGET_MAX + AC_GCM_TAG_LEN ? "ok" : errname(n),
	       errname(afs_longtarget_seal(vk, target, id, name, out)));
	v1.format = 1;
	printf("long target in format 1: %s\n", errname(afs_longtarget_seal(&v1, "x", id, name, out)));
}

static void check_edits(const char *dir, const char *text, struct ac_key *mk)
{
	static const struct {
		const char *what, *from, *to;
		int err;
	} edits[] = {
		{ "block_size edited", "block_size = 4096", "block_size = 8192", -EBADMSG },
		{ "names edited", "names = encrypted", "names = plaintext", -EBADMSG },
		{ "key_check edited", "key_check = ", NULL, -EKEYREJECTED },
		{ "slot cost edited", "slot.0.time = 1", "slot.0.time = 2", -EBADMSG },
	};
	char path[4096], why[256];

	snprintf(path, sizeof(path), "%s/edit", dir);
	mkdir(path, 0700);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct afs_config cfg;
		char file[4200], *copy = strdup(text), *at;
		FILE *f;
		int err;

		at = copy ? strstr(copy, edits[i].from) : NULL;
		if (!at) {
			result(edits[i].what, false);
			free(copy);
			continue;
		}
		if (edits[i].to) {
			memcpy(at, edits[i].to, strlen(edits[i].to));
		} else { /* the first digit after @from, changed */
			at += strlen(edits[i].from);
			*at = *at == '0' ? '1' : '0';
		}
		snprintf(file, sizeof(file), "%s/" AFS_CONF_NAME, path);
		unlink(file);
		f = fopen(file, "we");
		if (f) {
			fputs(copy, f);
			fclose(f);
		}
		free(copy);
		err = afs_config_read(path, &cfg, why, sizeof(why));
		if (!err)
			err = afs_config_verify(&cfg, mk);
		printf("%s: %s\n", edits[i].what, errname(err));
		if (err != edits[i].err)
			failures++;
	}
}

static void check_refusals(const char *dir)
{
	static const struct {
		const char *what, *text;
	} bad[] = {
		{ "empty file", "" },
		{ "truncated before the mac",
		  "format = 1\nuuid = 00112233-4455-6677-8899-aabbccddeeff\n" },
		{ "format 3", "format = 3\n" },
		{ "no newline at the end", "format = 1" },
	};
	char path[4096], file[4200], why[256];

	snprintf(path, sizeof(path), "%s/bad", dir);
	mkdir(path, 0700);
	snprintf(file, sizeof(file), "%s/" AFS_CONF_NAME, path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct afs_config cfg;
		FILE *f;
		int err;

		unlink(file);
		f = fopen(file, "we");
		if (f) {
			fputs(bad[i].text, f);
			fclose(f);
		}
		err = afs_config_read(path, &cfg, why, sizeof(why));
		/* The message names the file, then the problem. */
		printf("%s: %s: %s\n", bad[i].what, errname(err),
		       strstr(why, AFS_CONF_NAME) ? strstr(why, AFS_CONF_NAME) : why);
		if (!err)
			failures++;
	}
}

int main(int argc, char **argv)
{
	struct ac_options opts = { .mode = AC_BACKEND_USER };
	struct afs_config cfg, again;
	char path[4096], why[256], *text = NULL, *formatted = NULL, *written = NULL;
	uint8_t mkbytes[AC_KEY_LEN], *mk = NULL;
	struct ac_key *mkey = NULL, *wrong = NULL;
	struct afs_volkey vk;
	int slot = -1, err;

	if (argc != 4 || strcmp(argv[1], "--backend") != 0)
		return 64;
	if (!strcmp(argv[2], "kernel"))
		opts.mode = AC_BACKEND_KERNEL;
	else if (strcmp(argv[2], "user") != 0)
		return 64;
	ac_log_set_ident("format-config");
	err = ac_ctx_new(&opts, &ctx);
	if (err) {
		fprintf(stderr, "%s\n",
			err == -EAFNOSUPPORT ? "AF_ALG not available" : errname(err));
		return err == -EAFNOSUPPORT ? 77 : 1;
	}
	for (int i = 0; i < AC_KEY_LEN; i++)
		mkbytes[i] = (uint8_t)i;

	snprintf(path, sizeof(path), "%s/" AFS_CONF_NAME, argv[3]);
	text = read_file(path);
	err = afs_config_read(argv[3], &cfg, why, sizeof(why));
	printf("parse: %s\n", err ? errname(err) : "ok");
	if (err || !text) {
		fprintf(stderr, "%s\n", why);
		failures++;
		goto out;
	}
	formatted = afs_config_format(&cfg);
	result("format gives the same bytes", formatted && !strcmp(formatted, text));

	err = ac_key_new(ctx, AC_ALG_HMAC, mkbytes, sizeof(mkbytes), &mkey);
	if (!err)
		err = afs_config_verify(&cfg, mkey);
	printf("verify with the master key: %s\n", err ? errname(err) : "ok");
	failures += !!err;
	mkbytes[0] ^= 1;
	err = ac_key_new(ctx, AC_ALG_HMAC, mkbytes, sizeof(mkbytes), &wrong);
	mkbytes[0] ^= 1;
	if (!err)
		err = afs_config_verify(&cfg, wrong);
	printf("verify with another key: %s\n", errname(err));
	failures += err != -EKEYREJECTED;

	mk = ac_secure_alloc(AC_KEY_LEN);
	err = mk ? afs_unlock(ctx, &cfg, 1u << AFS_SLOT_PASSPHRASE, (const uint8_t *)passphrase,
			      strlen(passphrase), mk, &slot)
		 : -ENOMEM;
	result("unlock with the passphrase", !err && slot == 0 && !memcmp(mk, mkbytes, AC_KEY_LEN));
	err = afs_unlock(ctx, &cfg, 1u << AFS_SLOT_PASSPHRASE, (const uint8_t *)"wrong", 5, mk,
			 NULL);
	printf("unlock with a wrong passphrase: %s\n", errname(err));
	failures += err != -EKEYREJECTED;
	err = afs_unlock(ctx, &cfg, 1u << AFS_SLOT_RECOVERY, (const uint8_t *)passphrase,
			 strlen(passphrase), mk, NULL);
	printf("unlock a recovery slot that does not exist: %s\n", errname(err));
	failures += err != -ENOKEY;

	vec = cfg.format == 2 ? &vectors_v2 : &vectors_v1;
	vk = afs_volkey_of(&cfg, mkey);
	check_subkeys(&vk);
	check_meta(&vk);
	if (cfg.format >= 2)
		check_longtarget(&vk);
	check_edits(argv[3], text, mkey);
	check_refusals(argv[3]);

	/* Written anew (with a new MAC), read back: the same configuration. */
	snprintf(path, sizeof(path), "%s/rewrite", argv[3]);
	mkdir(path, 0700);
	err = afs_config_write(path, &cfg, mkey);
	if (!err)
		err = afs_config_read(path, &again, why, sizeof(why));
	if (!err)
		err = afs_config_verify(&again, mkey);
	snprintf(path, sizeof(path), "%s/rewrite/" AFS_CONF_NAME, argv[3]);
	written = err ? NULL : read_file(path);
	result("write, read back and verify", !err && written && !strcmp(written, text));
out:
	free(text);
	free(formatted);
	free(written);
	ac_secure_free(mk);
	ac_key_put(wrong);
	ac_key_put(mkey);
	ac_ctx_free(ctx);
	if (failures)
		fprintf(stderr, "format-config: %d checks failed\n", failures);
	return failures ? 1 : 0;
}
