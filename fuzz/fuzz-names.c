// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-names - file names on disk (fs/format/names.c, fs/format/base64.c): encrypted
 * names, base64url, long names and their sidecars' names, reserved names.
 *
 * Both formats: the first byte's FUZZ_FORMAT_V2 bit (fuzz.h) picks the
 * names key of format 2 (AES-256-ECB, so EME, under the master key and UUID
 * of tests/fixtures/format-v2-vector.conf) or of format 1 (AES-256-CBC-CTS,
 * under the master key of tests/fixtures/v1-populated.tar), so that the
 * seeds, names from that volume and from format-v2-vector.py, decrypt.  Its
 * low bit chooses a mode:
 *
 *   even  16 bytes of directory IV, then an on-disk name (a directory
 *         entry, or a sidecar's content): afs_name_decrypt() takes it;
 *         what it accepts must encrypt back to the same name (one plaintext
 *         name, one on-disk name) and be a name a directory may hold.  The
 *         same name goes through base64url decoding (canonical: it encodes
 *         back the same) and every predicate on names, which must agree.
 *   odd   16 bytes of IV, then a plaintext name: afs_name_encrypt(), then
 *         back, and the long name and sidecar that a long result gets.
 *
 * Neither CBC-CTS nor EME has a tag, so every input reaches the checks
 * after decryption, in either format.
 */
#include <errno.h>

#include "fuzz.h"
#include "format.h"

static struct ac_ctx *ctx;
static struct ac_key *names_keys[3]; /* by format: CTS (1), ECB for EME (2) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = fuzz_ctx();
	for (unsigned int format = 1; format <= 2; format++) {
		struct afs_volkey vk = fuzz_volkey(ctx, format);

		fuzz_check(afs_subkey(&vk, AFS_KEY_NAMES, NULL, &names_keys[format]), "afs_subkey");
		FUZZ_ASSERT(ac_key_alg(names_keys[format]) ==
			    (format == 2 ? AC_ALG_ECB : AC_ALG_CTS));
		ac_key_put(vk.mk);
	}
	return 0;
}

/* What a directory may hold: 1 to 255 bytes, no '/', not "." or "..". */
static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	return len && len <= AFS_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* The predicates on on-disk names, against each other. */
static void check_predicates(const char *name)
{
	const size_t plen = sizeof(AFS_LONGNAME_PREFIX) - 1;
	size_t len = strlen(name);
	char sc[AFS_SIDECAR_BUF];
	int err;

	if (afs_is_longname(name)) {
		FUZZ_ASSERT(len == AFS_LONGNAME_LEN && afs_name_is_reserved(name));
		FUZZ_ASSERT(!afs_is_longname_sidecar(name));
		FUZZ_ASSERT(afs_longname_sidecar(name, sc) == 0);
		FUZZ_ASSERT(afs_is_longname_sidecar(sc) && !afs_is_longname(sc));
		FUZZ_ASSERT(!strncmp(sc, name, len) && !strcmp(sc + len, AFS_LONGNAME_SUFFIX));
	} else {
		FUZZ_ASSERT(afs_longname_sidecar(name, sc) == -EINVAL);
	}
	if (afs_is_longname_sidecar(name)) {
		char base[AFS_SIDECAR_BUF];

		FUZZ_ASSERT(len == AFS_SIDECAR_LEN && afs_name_is_reserved(name));
		memcpy(base, name, AFS_LONGNAME_LEN);
		base[AFS_LONGNAME_LEN] = '\0';
		FUZZ_ASSERT(afs_is_longname(base));
	}
	FUZZ_ASSERT(afs_name_is_reserved(name) ==
		    (!strcmp(name, AFS_CONF_NAME) || !strcmp(name, AFS_DIRIV_NAME) ||
		     !strncmp(name, AFS_LONGNAME_PREFIX, plen)));
	err = afs_plain_name_check(name);
	if (!valid_name(name))
		FUZZ_ASSERT(err == -EINVAL || err == -ENAMETOOLONG);
	else
		FUZZ_ASSERT(err == (afs_name_is_reserved(name) ? -EPERM : 0));
	FUZZ_ASSERT(afs_name_needs_longname(name) == (len > AFS_NAME_MAX));
}

/* base64url: what decodes encodes back to the same characters. */
static void check_base64(const char *s, size_t len)
{
	uint8_t *bin = malloc(len * 3 / 4 + 1);
	char *back = malloc(len + 4);
	int n;

	FUZZ_ASSERT(bin && back);
	n = afs_b64url_decode(s, len, bin);
	FUZZ_ASSERT(n == -EUCLEAN || (n >= 0 && (size_t)n <= len * 3 / 4));
	if (n >= 0) {
		FUZZ_ASSERT(afs_b64url_encode(bin, (size_t)n, back) == len);
		FUZZ_ASSERT(!memcmp(back, s, len));
	}
	free(bin);
	free(back);
}

static void fuzz_decrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			 const uint8_t *p, size_t len)
{
	char *enc = malloc(len + 1), plain[AFS_PLAIN_NAME_BUF], again[AFS_ENC_NAME_BUF];
	int n, m;

	FUZZ_ASSERT(enc);
	memcpy(enc, p, len);
	enc[len] = '\0';
	check_base64(enc, strlen(enc));
	check_predicates(enc);

	memset(plain, 'x', sizeof(plain));
	n = afs_name_decrypt(names_key, iv, enc, plain);
	FUZZ_ASSERT(n == -EUCLEAN || n >= 0);
	if (n >= 0) {
		FUZZ_ASSERT((size_t)n == strlen(plain) && valid_name(plain));
		m = afs_name_encrypt(names_key, iv, plain, again);
		FUZZ_ASSERT(m >= 0 && !strcmp(again, enc));
	}
	free(enc);
}

static void fuzz_encrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			 const uint8_t *p, size_t len)
{
	char plain[AFS_NAME_MAX + 2], enc[AFS_ENC_NAME_BUF], back[AFS_PLAIN_NAME_BUF];
	char lname[AFS_LONGNAME_BUF], sc[AFS_SIDECAR_BUF];
	size_t n = len < sizeof(plain) - 1 ? len : sizeof(plain) - 1;
	int m;

	memcpy(plain, p, n);
	plain[n] = '\0';
	m = afs_name_encrypt(names_key, iv, plain, enc);
	if (!valid_name(plain)) {
		FUZZ_ASSERT(m == -EINVAL || m == -ENAMETOOLONG);
		return;
	}
	FUZZ_ASSERT(m > 0 && (size_t)m == strlen(enc) && m <= AFS_ENC_NAME_MAX);
	FUZZ_ASSERT(afs_name_decrypt(names_key, iv, enc, back) == (int)strlen(plain));
	FUZZ_ASSERT(!strcmp(back, plain));
	FUZZ_ASSERT(!afs_name_is_reserved(enc) && enc[0] != '.');
	if (afs_name_needs_longname(enc)) {
		FUZZ_ASSERT(afs_longname_hash(ctx, enc, lname) == 0);
		FUZZ_ASSERT(afs_is_longname(lname) && afs_name_is_reserved(lname));
		FUZZ_ASSERT(afs_longname_sidecar(lname, sc) == 0 && afs_is_longname_sidecar(sc));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in), iv[AFS_DIRIV_LEN] = { 0 };
	struct ac_key *names_key = names_keys[fuzz_format(mode)];
	const uint8_t *p;
	size_t n;

	p = fuzz_bytes(&in, AFS_DIRIV_LEN, &n);
	memcpy(iv, p, n);
	if (mode & 1)
		fuzz_encrypt(names_key, iv, in.p, in.left);
	else
		fuzz_decrypt(names_key, iv, in.p, in.left);
	return 0;
}
