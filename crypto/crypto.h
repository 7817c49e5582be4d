/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crypto.h - algfs's cryptographic primitives and keys.
 *
 * One small API over two backends that produce byte-identical output:
 *
 *   kernel  the kernel crypto API through AF_ALG sockets; master keys are
 *           used from the kernel keyring by serial, never read
 *   user    OpenSSL 3 libcrypto, keys in locked, wiped memory
 *
 * The backend is chosen once, when the context is created (ac_ctx_new());
 * nothing above this header knows which one it got, except through
 * ac_caps().  All functions return 0 (or a length) on success and -errno on
 * failure; the errors each may return are listed with it.
 *
 * Algorithms: AES-256-GCM with 12-byte nonces and 16-byte tags (file
 * blocks), AES-256-CBC-CTS in the CS3 ordering (the kernel's cts(cbc(aes)),
 * for names), EME over AES-256 (Halevi-Rogaway, a wide-block mode for names,
 * built in eme.c from AES-ECB passes, the kernel's ecb(aes)), HMAC-SHA256
 * and HKDF-SHA256 Expand (RFC 5869, key derivation), SHA-256.
 */
#ifndef ALGFS_CRYPTO_H
#define ALGFS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define AC_KEY_LEN 32 /* every key algfs uses: AES-256, HMAC-SHA256 */
#define AC_GCM_NONCE_LEN 12
#define AC_GCM_TAG_LEN 16
#define AC_CTS_IV_LEN 16
#define AC_CTS_MIN_LEN 16 /* CTS needs at least one whole block */
#define AC_AES_BLOCK_LEN 16 /* ECB and EME take whole blocks of this size */
#define AC_EME_TWEAK_LEN 16
#define AC_EME_MIN_LEN 16 /* one block */
#define AC_EME_MAX_LEN 2048 /* 128 blocks: EME's limit for a 128-bit block cipher */
#define AC_SHA256_LEN 32
#define AC_HKDF_MAX_LEN (255 * AC_SHA256_LEN)

struct ac_ctx;
struct ac_key;

enum ac_backend_mode {
	AC_BACKEND_AUTO, /* kernel if every algorithm binds and self-tests, else user */
	AC_BACKEND_KERNEL, /* AF_ALG or fail; never falls back */
	AC_BACKEND_USER, /* OpenSSL libcrypto */
};

/* How the kernel backend hands data to the kernel. */
enum ac_io_method {
	AC_IO_AUTO, /* io_uring where it works, else as AC_IO_SENDMSG with splice at or
		     * above splice_threshold */
	AC_IO_SENDMSG, /* always sendmsg and read (one copy into the socket) */
	AC_IO_SPLICE, /* always vmsplice+splice of page-aligned buffers, then read */
	AC_IO_URING, /* sendmsg/recvmsg pairs through io_uring, a batch per system
		      * call; where io_uring is refused, sendmsg (with a log line) */
};

struct ac_options {
	enum ac_backend_mode mode;
	enum ac_io_method io;
	size_t splice_threshold; /* bytes; 0: the measured default */
	unsigned int max_ops_per_key; /* op fds per kernel key; 0: default */
	unsigned int cache_keys; /* derived key handles kept by ac_derive_key; 0: default */
	unsigned int cache_derived; /* derived key bytes kept by ac_derive_key; 0: default */
	/* Threads that share one GCM batch (the caller and idle helpers), user
	 * backend only; 0: the default, 1 (none: it did not pay on the 2-core
	 * development machine, docs/CRYPTO.md); AC_BATCH_THREADS_ONLINE: one per
	 * online CPU; at most AC_BATCH_THREADS_MAX. */
	unsigned int batch_threads;
	size_t batch_min_bytes; /* batches smaller than this stay in one thread; 0: default */
};

#define AC_BATCH_THREADS_ONLINE (~0u)
#define AC_BATCH_THREADS_MAX 64

/* Capabilities; callers test these, never the backend's name. */
#define AC_CAP_KEYS_IN_KERNEL (1u << 0) /* keyring keys are used by serial, never read */
#define AC_CAP_KERNEL_IMPL (1u << 1) /* the kernel's implementations do the work */

/* algfs's keys are all AC_KEY_LEN bytes; the shorter AES keys are there
 * for the published test vectors (RFC 3962's are AES-128). */
enum ac_alg {
	AC_ALG_GCM, /* AES-GCM, 16, 24 or 32-byte key */
	AC_ALG_CTS, /* AES-CBC-CTS (CS3), 16, 24 or 32-byte key */
	AC_ALG_HMAC, /* HMAC-SHA256, a key of 1 to 128 bytes */
	AC_ALG_ECB, /* AES-ECB, 16, 24 or 32-byte key: EME's block cipher, never for data */
};

/* ctx.c */

/**
 * ac_ctx_new() - choose a backend, probe it and self-test it
 * @opts: options, or NULL for the defaults (auto backend)
 * @ctxp: the new context
 *
 * With AC_BACKEND_AUTO a kernel backend that is not usable (no AF_ALG, an
 * algorithm refused, a failed self-test) gives the user backend, and one
 * log line at info level says why (also in ac_ctx_fallback_reason(), which
 * the daemon puts in its "mounted on" notice).
 *
 * Return: 0, -EAFNOSUPPORT (AF_ALG not available, kernel mode), -ENOENT (an
 * algorithm refused, kernel mode), -EIO (self-test failed), -ENOMEM.
 */
int ac_ctx_new(const struct ac_options *opts, struct ac_ctx **ctxp);
void ac_ctx_free(struct ac_ctx *ctx);
unsigned int ac_caps(const struct ac_ctx *ctx);
/* "kernel" or "user", for log lines and diagnostics only. */
const char *ac_backend_name(const struct ac_ctx *ctx);
/* Why auto mode fell back to the user backend, or NULL. */
const char *ac_ctx_fallback_reason(const struct ac_ctx *ctx);
/* The kernel backend's I/O method in use ("uring", "sendmsg", "splice" or
 * "sendmsg+splice" for auto without io_uring); "none" on the user backend. */
const char *ac_io_name(const struct ac_ctx *ctx);

/* key.c */

/**
 * ac_key_new() - a key handle for @alg from raw bytes
 *
 * The bytes are copied into the backend (kernel: the transform; user:
 * locked memory); the caller wipes its copy.
 *
 * Return: 0, -EINVAL (wrong length for @alg), -ENOMEM, -EMFILE, or the
 * kernel's error for the transform.
 */
int ac_key_new(struct ac_ctx *ctx, enum ac_alg alg, const uint8_t *bytes, size_t len,
	       struct ac_key **keyp);

/**
 * ac_key_from_keyring() - a key handle from a kernel keyring key
 * @serial: the key's serial number
 *
 * Kernel backend: the key is set by serial (ALG_SET_KEY_BY_KEY_SERIAL), so
 * its bytes never enter this process.  On a kernel without it (before 6.2)
 * a "user" key is read instead, with a log line; a "logon" key cannot be read
 * and gives -ENOPROTOOPT with a message that says what to do.  The user
 * backend reads "user" keys and refuses "logon" keys the same way.
 *
 * Return: 0, -ENOKEY (no such key), -EKEYREVOKED, -EKEYEXPIRED,
 * -EACCES (no search or read permission), -ENOPROTOOPT (a logon key that
 * this kernel or backend cannot use), -EINVAL (wrong type or length).
 */
int ac_key_from_keyring(struct ac_ctx *ctx, enum ac_alg alg, int32_t serial, struct ac_key **keyp);

/**
 * ac_key_from_keyring_desc() - as ac_key_from_keyring(), found by description
 *
 * Looks for a "logon", "user", "encrypted" or "trusted" key, in that order,
 * called @desc in the keyrings this process can search (thread, process,
 * session, and the user keyrings linked there).  Encrypted and trusted keys
 * work only where keys are set by serial (AC_CAP_KEYS_IN_KERNEL).
 *
 * Return: as ac_key_from_keyring(); -ENOKEY with a message naming @desc.
 */
int ac_key_from_keyring_desc(struct ac_ctx *ctx, enum ac_alg alg, const char *desc,
			     struct ac_key **keyp);

struct ac_key *ac_key_get(struct ac_key *key);
void ac_key_put(struct ac_key *key); /* NULL is fine */
enum ac_alg ac_key_alg(const struct ac_key *key);

/* What a kernel key's pool of op fds looks like (tests, diagnostics). */
struct ac_key_stats {
	unsigned int ops_open; /* op fds open now */
	unsigned int ops_peak; /* the most ever open at once */
	unsigned int ops_limit; /* the bound */
};
/* Return: 0, or -EOPNOTSUPP on a backend without op fds. */
int ac_key_stats(struct ac_key *key, struct ac_key_stats *st);
/*
 * Make sure @key can run an operation now, so that a shortage shows here,
 * where the caller can report it, rather than in a later operation: the
 * kernel backend keeps an op fd in the key's pool (later operations wait
 * for it when no new one can be had).  0 or -errno (EMFILE, ENFILE, ENOMEM).
 */
int ac_key_ready(struct ac_key *key);

/**
 * ac_derive_key() - HKDF-Expand a key for @alg from a PRK, through a cache
 * @prk: an AC_ALG_HMAC key (the master key)
 * @info: the HKDF info (a domain label and, e.g., a file ID)
 * @keyp: a new reference; ac_key_put() it
 *
 * The derived 32 bytes become a key handle.  A two-level cache keyed by
 * (@prk, @alg, @info) keeps the bytes of the last ac_options.cache_derived
 * keys in locked memory and handles for the last ac_options.cache_keys, so
 * deriving the same key again (re-opening a file) costs no HMAC, and for a
 * recent key no new transform either (crypto/key.c).
 *
 * Return: 0, or the errors of ac_hkdf_expand() and ac_key_new().
 */
int ac_derive_key(struct ac_key *prk, enum ac_alg alg, const uint8_t *info, size_t infolen,
		  struct ac_key **keyp);

/* What the derived-key cache holds and has done (tests, diagnostics). */
struct ac_cache_stats {
	size_t entries, max_entries; /* derived keys whose bytes are kept */
	size_t handles, max_handles; /* of which a handle is kept too */
	uint64_t hits_handle; /* derivations answered with a kept handle */
	uint64_t hits_bytes; /* ... with kept bytes: a new handle, no HMAC */
	uint64_t misses; /* ... with HKDF-Expand */
	uint64_t evicted_handles, evicted_entries;
};
void ac_cache_stats(struct ac_ctx *ctx, struct ac_cache_stats *st);

/* cipher.c: dispatch to the backend */

/* One AES-256-GCM block operation; @len is always the plaintext length. */
struct ac_gcm_req {
	const uint8_t *nonce; /* AC_GCM_NONCE_LEN bytes */
	const uint8_t *aad;
	size_t aadlen;
	const uint8_t *in; /* encrypt: @len bytes; decrypt: @len + AC_GCM_TAG_LEN */
	uint8_t *out; /* encrypt: @len + AC_GCM_TAG_LEN bytes; decrypt: @len */
	size_t len;
	int result; /* set by the batch functions: 0 or -errno */
};

/**
 * ac_gcm_encrypt() - encrypt @len bytes; @out gets ciphertext || tag
 * ac_gcm_decrypt() - check and decrypt; @in is ciphertext || tag
 *
 * A failed tag gives -EBADMSG and @out is wiped: unverified plaintext never
 * reaches the caller.  @in and @out may be the same buffer.
 *
 * Return: 0, -EBADMSG (decrypt: authentication failed), -EINVAL, -EIO (the
 * kernel returned a short result), -ENOMEM.
 */
int ac_gcm_encrypt(struct ac_key *key, const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
		   const uint8_t *in, size_t len, uint8_t *out);
int ac_gcm_decrypt(struct ac_key *key, const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
		   const uint8_t *in, size_t len, uint8_t *out);

/**
 * ac_gcm_encrypt_batch() / ac_gcm_decrypt_batch() - many blocks, one key
 *
 * The blocks of one FUSE request, handed over together so that the backend
 * can spread them over op fds (and, later, io_uring), or, on the user
 * backend, over idle helper threads when the batch has at least
 * ac_options.batch_min_bytes.  Every request gets its own result; a failing
 * block does not stop the others.
 *
 * Return: 0 when every request succeeded, else the first failing request's
 * error.
 */
int ac_gcm_encrypt_batch(struct ac_key *key, struct ac_gcm_req *reqs, size_t n);
int ac_gcm_decrypt_batch(struct ac_key *key, struct ac_gcm_req *reqs, size_t n);

/* How batches were shared between threads (workers.c; tests, benchmarks). */
struct ac_batch_stats {
	unsigned int helpers; /* helper threads running (0 until the first large batch) */
	uint64_t shared; /* batches that idle helpers were claimed for */
	uint64_t helper_slices; /* slices of those that helpers did */
};
void ac_batch_stats(struct ac_ctx *ctx, struct ac_batch_stats *st);

/* cipher.c */

/**
 * ac_cts_encrypt() / ac_cts_decrypt() - AES-256-CBC-CTS, CS3 ordering
 * @iv: AC_CTS_IV_LEN bytes
 * @len: at least AC_CTS_MIN_LEN
 *
 * Return: 0, -EINVAL (shorter than one block), -EIO, -ENOMEM.
 */
int ac_cts_encrypt(struct ac_key *key, const uint8_t *iv, const uint8_t *in, size_t len,
		   uint8_t *out);
int ac_cts_decrypt(struct ac_key *key, const uint8_t *iv, const uint8_t *in, size_t len,
		   uint8_t *out);

/**
 * ac_ecb_encrypt() / ac_ecb_decrypt() - raw AES on whole blocks, no mode
 * @len: a multiple of AC_AES_BLOCK_LEN, at least one block
 *
 * ECB leaks equal blocks and is here only as the block cipher under EME
 * (ac_eme_encrypt()), whose masks make every block it enciphers unique to
 * its position, length and tweak: a caller that is not a mode of operation
 * has no business with it.  All blocks go to the backend in one call (on the
 * kernel backend, one operation on an op fd).  @in and @out may be the same
 * buffer.  On failure @out is wiped.
 *
 * Return: 0, -EINVAL (not an AC_ALG_ECB key, or @len not whole blocks), -EIO,
 * -ENOMEM.
 */
int ac_ecb_encrypt(struct ac_key *key, const uint8_t *in, size_t len, uint8_t *out);
int ac_ecb_decrypt(struct ac_key *key, const uint8_t *in, size_t len, uint8_t *out);

/* eme.c */

/**
 * ac_eme_encrypt() / ac_eme_decrypt() - EME (ECB-Mix-ECB) over AES
 * @ecb_key: an AC_ALG_ECB key (AES-256 for algfs)
 * @tweak: AC_EME_TWEAK_LEN bytes (the directory's IV, for names)
 * @len: a multiple of AC_AES_BLOCK_LEN from AC_EME_MIN_LEN to AC_EME_MAX_LEN
 *
 * Halevi and Rogaway, "A Parallelizable Enciphering Mode" (CT-RSA 2004), as
 * gocryptfs uses it (github.com/rfjakob/eme): a length-preserving tweakable
 * enciphering mode in which every output byte depends on every input byte,
 * so two inputs under one key and tweak show only whether they are equal.
 * Same bytes on both backends.  Kernel backend: three ECB operations per
 * call, and one more the first time a key is used (docs/CRYPTO.md).  @in
 * and @out may be the same buffer.  On failure @out is wiped.
 *
 * Return: 0, -EINVAL (not an ECB key, or a wrong length), or the errors of
 * ac_ecb_encrypt().
 */
int ac_eme_encrypt(struct ac_key *ecb_key, const uint8_t tweak[AC_EME_TWEAK_LEN], const uint8_t *in,
		   size_t len, uint8_t *out);
int ac_eme_decrypt(struct ac_key *ecb_key, const uint8_t tweak[AC_EME_TWEAK_LEN], const uint8_t *in,
		   size_t len, uint8_t *out);

/* cipher.c, hkdf.c */

/**
 * ac_hmac_sha256() - HMAC-SHA256 of the concatenation of @iov
 *
 * Return: 0, -EINVAL (not an HMAC key), -EIO, -ENOMEM.
 */
int ac_hmac_sha256(struct ac_key *key, const struct iovec *iov, int iovcnt, uint8_t *mac);

/**
 * ac_hkdf_expand() - HKDF-SHA256 Expand (RFC 5869 section 2.3), PRK = @prk
 *
 * Extract is skipped on purpose: algfs's master key is 32 uniformly random
 * bytes, which RFC 5869 allows as the PRK, and a keyring key cannot be the
 * message of an Extract step.  @okm is wiped on failure.
 *
 * Return: 0, -EINVAL (@okmlen is 0 or above AC_HKDF_MAX_LEN), or the errors
 * of ac_hmac_sha256().
 */
int ac_hkdf_expand(struct ac_key *prk, const uint8_t *info, size_t infolen, uint8_t *okm,
		   size_t okmlen);

int ac_sha256(struct ac_ctx *ctx, const void *data, size_t len, uint8_t *digest);

/* argon2id.c */

/**
 * ac_argon2id() - Argon2id (RFC 9106) of @secret with @salt, into @outlen
 * bytes at @out
 * @t_cost: passes
 * @m_cost: memory, KiB
 * @lanes: lanes (and threads)
 *
 * libargon2's, on both backends.  A failure is logged with the costs.
 *
 * Return: 0, -ENOMEM (its memory could not be had), -EINVAL (costs, lengths
 * or anything else libargon2 refuses).
 */
int ac_argon2id(uint32_t t_cost, uint32_t m_cost, uint32_t lanes, const void *secret, size_t len,
		const void *salt, size_t saltlen, uint8_t *out, size_t outlen);

/* random.c */

/* @len bytes from getrandom(2), never from the ciphertext side.  Return: 0 or -errno. */
int ac_random(void *buf, size_t len);
/* The same for values stored in the clear (nonces, file IDs, IVs), never
 * for keys or salts: small draws come from a per-thread buffer that one
 * getrandom() fills for many.  Return: 0 or -errno. */
int ac_random_public(void *buf, size_t len);

#endif /* ALGFS_CRYPTO_H */
