// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format-config - algfs.conf and the key hierarchy against fixed vectors.
 *
 *   format-config --backend kernel|user CIPHERDIR
 *
 * CIPHERDIR holds tests/fixtures/format-v1-vector.conf as algfs.conf: a
 * configuration written by tests/fixtures/format-v1-vector.py, an
 * independent Python implementation of docs/FORMAT.md, with the master key
 * 00 01 .. 1f and the passphrase "algfs test passphrase".  The program
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
#include "volume.h"

static const char passphrase[] = "algfs test passphrase";

/* From tests/fixtures/format-v1-vector.py. */
static const struct {
	enum afs_subkey which;
	const char *name;
	bool cts;
	const char *want; /* GCM: tag of the empty message, nonce 0; CTS: one zero block */
} subkey_vectors[] = {
	{ AFS_KEY_CONTENT, "content (file ID a0..af)", false, "dc4e83ab22a7e7529fcb0f685396c6ba" },
	{ AFS_KEY_SYMLINK, "symlink", false, "37b971b528b22d6109e47c05a0e5b142" },
	{ AFS_KEY_XATTR_VALUE, "xattr-value", false, "64afb2e08cde87ebd97c774d4b369429" },
	{ AFS_KEY_NAMES, "names", true, "97412c5c0cd395941707643f2dc8d3c1" },
	{ AFS_KEY_XATTR_NAME, "xattr-name", true, "3d895dbc6fff30227d58321db93bbec6" },
};
static const char kcv_want[] = "f513e7d4d5c22d49eb6013f5b1b44552";

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

static void check_subkeys(struct ac_key *mk)
{
	static const uint8_t file_id[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
					     0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	uint8_t kcv[AFS_KCV_LEN], zero[16] = { 0 }, out[AC_GCM_TAG_LEN];
	char what[96];

	result("key-check value",
	       !afs_key_check_value(mk, kcv) && hex_is(kcv, sizeof(kcv), kcv_want));
	for (size_t i = 0; i < sizeof(subkey_vectors) / sizeof(subkey_vectors[0]); i++) {
		struct ac_key *key;
		int err;

		err = afs_subkey(mk, subkey_vectors[i].which,
				 subkey_vectors[i].which == AFS_KEY_CONTENT ? file_id : NULL, &key);
		if (!err && subkey_vectors[i].cts)
			err = ac_cts_encrypt(key, zero, zero, sizeof(zero), out);
		else if (!err)
			err = ac_gcm_encrypt(key, zero, NULL, 0, NULL, 0, out);
		snprintf(what, sizeof(what), "subkey %s", subkey_vectors[i].name);
		result(what, !err && hex_is(out, sizeof(out), subkey_vectors[i].want));
		ac_key_put(key);
	}
	/* A content key without a file ID, or a names key with one, is a bug. */
	{
		struct ac_key *key;

		result("content subkey without a file ID refused",
		       afs_subkey(mk, AFS_KEY_CONTENT, NULL, &key) == -EINVAL);
	}
}

/* Symlink targets and xattrs with the subkeys: the vectors' last lines. */
static void check_meta(struct ac_key *mk)
{
	static const uint8_t snonce[AC_GCM_NONCE_LEN] = { 0x70, 0x71, 0x72, 0x73, 0x74, 0x75,
							  0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b };
	static const uint8_t xnonce[AC_GCM_NONCE_LEN] = { 0x80, 0x81, 0x82, 0x83, 0x84, 0x85,
							  0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b };
	static const char sym_want[] =
		"cHFyc3R1dnd4eXp7sPObKym9dl-nmn0af8It9TQ2J4huCj2-q-XnBBiuPtP7lqc";
	static const char xname_want[] = "user.eXtOvGdeJpeLK6hbosnFOg";
	static const char xval_want[] = "808182838485868788898a8b45b17976060eb5dfdc5076c7734085f36"
					"2569d28e47627a3c0d348";
	struct ac_key *sym = NULL, *xn = NULL, *xv = NULL;
	char enc[AFS_SYMLINK_ENC_BUF], plain[AFS_SYMLINK_MAX + 1], xname[AFS_XATTR_NAME_BUF];
	uint8_t val[64], back[64];
	int n;

	if (afs_subkey(mk, AFS_KEY_SYMLINK, NULL, &sym) ||
	    afs_subkey(mk, AFS_KEY_XATTR_NAME, NULL, &xn) ||
	    afs_subkey(mk, AFS_KEY_XATTR_VALUE, NULL, &xv)) {
		result("symlink and xattr subkeys", false);
		goto out;
	}
	n = afs_symlink_encrypt_nonce(sym, "../shared/notes.txt", snonce, enc);
	result("symlink target", n > 0 && !strcmp(enc, sym_want));
	n = afs_symlink_decrypt(sym, sym_want, plain);
	result("symlink target decrypted", n > 0 && !strcmp(plain, "../shared/notes.txt"));
	enc[5] = enc[5] == 'A' ? 'B' : 'A';
	printf("symlink target with a changed character: %s\n",
	       errname(afs_symlink_decrypt(sym, enc, plain)));

	n = afs_xattr_name_encrypt(xn, "user.comment", xname);
	result("xattr name", n > 0 && !strcmp(xname, xname_want));
	n = afs_xattr_name_decrypt(xn, xname_want, plain);
	result("xattr name decrypted", n > 0 && !strcmp(plain, "user.comment"));
	printf("xattr name outside user.: %s\n",
	       errname(afs_xattr_name_encrypt(xn, "security.selinux", xname)));
	n = afs_xattr_value_encrypt_nonce(xv, xname_want, (const uint8_t *)"hello xattr", 11,
					  xnonce, val);
	result("xattr value", n == 11 + AFS_XATTR_OVERHEAD && hex_is(val, (size_t)n, xval_want));
	n = afs_xattr_value_decrypt(xv, xname_want, val, 11 + AFS_XATTR_OVERHEAD, back);
	result("xattr value decrypted", n == 11 && !memcmp(back, "hello xattr", 11));
	printf("xattr value under another name: %s\n",
	       errname(afs_xattr_value_decrypt(xv, "user.other", val, 11 + AFS_XATTR_OVERHEAD,
					       back)));
out:
	ac_key_put(sym);
	ac_key_put(xn);
	ac_key_put(xv);
}

static void check_edits(const char *dir, const char *text, struct ac_key *mk)
{
	static const struct {
		const char *what, *from, *to;
		int err;
	} edits[] = {
		{ "block_size edited", "block_size = 4096", "block_size = 8192", -EBADMSG },
		{ "names edited", "names = encrypted", "names = plaintext", -EBADMSG },
		{ "key_check edited", "key_check = f5", "key_check = f6", -EKEYREJECTED },
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
		memcpy(at, edits[i].to, strlen(edits[i].to));
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
		{ "format 2", "format = 2\n" },
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
	struct ac_ctx *ctx;
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

	check_subkeys(mkey);
	check_meta(mkey);
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
