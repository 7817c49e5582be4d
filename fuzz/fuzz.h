/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - what every libFuzzer harness in fuzz/ shares: one crypto
 * context on the user (OpenSSL) backend, keys from fixed bytes, a volume's
 * master key in format 1 and in format 2 and the input bit that picks one,
 * and a reader over the fuzzer's input for the harnesses that take several
 * values from it.  See fuzz/README.md.
 *
 * A harness checks what the format promises (a round trip gives back what
 * went in, a decoder refuses what an encoder cannot have written) with
 * FUZZ_ASSERT, which aborts: libFuzzer reports that as a crash, with the
 * input that caused it.
 */
#ifndef ALGFS_FUZZ_H
#define ALGFS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "format.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: %s: FUZZ_ASSERT(%s) failed\n", __FILE__,  \
				__LINE__, __func__, #cond);                               \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* Dies on failure: without its context or keys a harness tests nothing. */
static inline void fuzz_check(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "fuzz: %s: %s\n", what, strerror(err < 0 ? -err : err));
		abort();
	}
}

/* The user backend: the same on every machine, with or without AF_ALG. */
static inline struct ac_ctx *fuzz_ctx(void)
{
	struct ac_options opts = { .mode = AC_BACKEND_USER };
	struct ac_ctx *ctx;

	/* A decoder's log lines are expected here, millions of times. */
	ac_log_set_level(LOG_CRIT);
	fuzz_check(ac_ctx_new(&opts, &ctx), "ac_ctx_new");
	return ctx;
}

/* A key of @alg whose 32 bytes are @seed, @seed + 1, ... */
static inline struct ac_key *fuzz_key(struct ac_ctx *ctx, enum ac_alg alg, uint8_t seed)
{
	uint8_t bytes[AC_KEY_LEN];
	struct ac_key *key;

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(seed + i);
	fuzz_check(ac_key_new(ctx, alg, bytes, sizeof(bytes), &key), "ac_key_new");
	return key;
}

/*
 * The master key of tests/fixtures/v1-populated.tar (its README gives it; it
 * is test data), so that names, symlink targets and extended attributes
 * taken from that volume into a seed corpus decrypt.
 */
static inline struct ac_key *fuzz_populated_mk(struct ac_ctx *ctx)
{
	static const uint8_t mk[AC_KEY_LEN] = {
		0x84, 0x70, 0xbd, 0xaf, 0xe5, 0xc7, 0x27, 0x5d, 0x5f, 0x3b, 0x83,
		0xb2, 0x6f, 0x82, 0x3b, 0x5f, 0x78, 0x3f, 0x06, 0x92, 0x9d, 0x39,
		0x46, 0x6f, 0x18, 0xac, 0xed, 0xa7, 0xba, 0xb3, 0xd3, 0x75,
	};
	struct ac_key *key;

	fuzz_check(ac_key_new(ctx, AC_ALG_HMAC, mk, sizeof(mk), &key), "ac_key_new");
	return key;
}

/*
 * The harnesses that derive keys fuzz both formats: this bit of their first
 * input byte set picks format 2, clear format 1 (so that the seeds written
 * before format 2, whose first bytes are small, stay format 1's).
 */
#define FUZZ_FORMAT_V2 0x80

static inline unsigned int fuzz_format(uint8_t first)
{
	return first & FUZZ_FORMAT_V2 ? 2 : 1;
}

/*
 * A volume's master key in @format: format 1 that of
 * tests/fixtures/v1-populated.tar (fuzz_populated_mk(), with its UUID,
 * which format 1 does not use), format 2 that of
 * tests/fixtures/format-v2-vector.conf (00 01 .. 1f, UUID
 * 00112233-4455-6677-8899-aabbccddeeff), so that seeds taken from that
 * volume and from format-v2-vector.py's vectors decrypt.  Never put: a
 * harness keeps it for its life.
 */
static inline struct afs_volkey fuzz_volkey(struct ac_ctx *ctx, unsigned int format)
{
	static const uint8_t uuid_v1[AFS_UUID_LEN] = { 0x10, 0xf7, 0x32, 0xc5, 0xcb, 0x92,
						       0x4d, 0xd5, 0xb3, 0xa6, 0x0d, 0x8e,
						       0x9b, 0x4c, 0x88, 0xda };
	static const uint8_t uuid_v2[AFS_UUID_LEN] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
						       0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
						       0xcc, 0xdd, 0xee, 0xff };
	struct afs_volkey vk = { .format = format };

	if (format == 1) {
		vk.mk = fuzz_populated_mk(ctx);
		memcpy(vk.uuid, uuid_v1, AFS_UUID_LEN);
	} else {
		FUZZ_ASSERT(format == 2);
		vk.mk = fuzz_key(ctx, AC_ALG_HMAC, 0);
		memcpy(vk.uuid, uuid_v2, AFS_UUID_LEN);
	}
	return vk;
}

/* Values taken from the front of the input; zeros once it is used up. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint64_t fuzz_u64(struct fuzz_in *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes; i++) {
		v = v << 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	return (uint8_t)fuzz_u64(in, 1);
}

/* Up to @max bytes from the input, or fewer at its end. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t max, size_t *len)
{
	const uint8_t *p = in->p;

	*len = in->left < max ? in->left : max;
	in->p += *len;
	in->left -= *len;
	return p;
}

/* The rest of the input as a NUL-terminated string (cut at its first NUL),
 * in @buf of @cap bytes; longer input is cut to @cap - 1 bytes. */
static inline char *fuzz_str(struct fuzz_in *in, char *buf, size_t cap)
{
	size_t len;
	const uint8_t *p = fuzz_bytes(in, cap - 1, &len);

	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

#endif /* ALGFS_FUZZ_H */
