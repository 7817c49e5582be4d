/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crypto_i.h - private to crypto/: the backend interface and the layout of
 * the public opaque types.  Sectioned by source file.
 */
#ifndef ALGFS_CRYPTO_I_H
#define ALGFS_CRYPTO_I_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "crypto.h"
#include "keyring.h"

/*
 * A backend.  The generic layer (ctx.c, key.c, ...) checks arguments,
 * counts references and caches; a backend only does the work.  Every
 * function returns 0 or -errno.
 */
struct ac_backend {
	const char *name;
	/* Probe and set up; on failure write one line into @why. */
	int (*init)(struct ac_ctx *ctx, char *why, size_t whylen);
	void (*fini)(struct ac_ctx *ctx);
	unsigned int (*caps)(const struct ac_ctx *ctx);
	/* @len was checked against @alg. */
	int (*key_new)(struct ac_ctx *ctx, enum ac_alg alg, const uint8_t *bytes, size_t len,
		       void **privp);
	int (*key_from_serial)(struct ac_ctx *ctx, enum ac_alg alg, int32_t serial, void **privp);
	void (*key_free)(void *priv);
	/* Fill every reqs[i].result; return the first error or 0.  Decrypt
	 * wipes reqs[i].out of a request that failed. */
	int (*gcm)(void *priv, bool encrypt, struct ac_gcm_req *reqs, size_t n);
	int (*cts)(void *priv, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len,
		   uint8_t *out);
	/* @len is whole AES blocks, at least one. */
	int (*ecb)(void *priv, bool encrypt, const uint8_t *in, size_t len, uint8_t *out);
	int (*hmac)(void *priv, const struct iovec *iov, int iovcnt, uint8_t *mac);
	int (*sha256)(struct ac_ctx *ctx, const void *data, size_t len, uint8_t *digest);
	/* Optional (NULL: -EOPNOTSUPP). */
	/* Optional: make sure @priv can run an operation now. */
	int (*key_ready)(void *priv);
	int (*key_stats)(void *priv, struct ac_key_stats *st);
	/* Optional (NULL: "none"). */
	const char *(*io_name)(const struct ac_ctx *ctx);
	/* gcm() may run on slices of one batch in several threads at once
	 * (workers.c); the backend's work is on the CPUs of this process. */
	bool parallel_batches;
};

/* ctx.c */

struct ac_key_cache;

struct ac_ctx {
	const struct ac_backend *c_be;
	void *c_priv; /* the backend's */
	struct ac_options c_opts;
	char c_fallback[256]; /* why auto mode chose the user backend, or "" */

	struct ac_key_cache *c_cache; /* the derived-key cache (key.c) */
	atomic_uint_fast64_t c_next_key_id;

	/* Helper threads for large batches (workers.c), started on first use. */
	_Atomic(struct ac_workers *) c_workers;
	pthread_mutex_t c_workers_lock;
	bool c_workers_failed; /* c_workers_lock */
};

struct ac_key {
	struct ac_ctx *k_ctx;
	enum ac_alg k_alg;
	atomic_int k_ref;
	uint64_t k_id; /* unique within the context; names the key in the cache */
	void *k_priv; /* the backend's */
	/* AC_ALG_ECB: EME's L = 2 * E_K(0), made on first use (eme.c), in
	 * ac_secure_alloc() memory; NULL until then. */
	_Atomic(uint8_t *) k_eme_l;
};

/* afalg.c: every AF_ALG system call, and nothing else.  (The constants,
 * for C libraries whose headers lack them; uring.c uses them too.) */
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef SOL_ALG
#define SOL_ALG 279
#endif

/* One cipher operation on an op fd. */
struct afalg_op {
	uint32_t ao_dir; /* ALG_OP_ENCRYPT or ALG_OP_DECRYPT */
	const uint8_t *ao_iv;
	uint32_t ao_ivlen;
	bool ao_aead;
	uint32_t ao_assoclen;
	const struct iovec *ao_in; /* the whole input, AAD first */
	int ao_nin;
	const struct iovec *ao_out; /* exactly the output length */
	int ao_nout;
	/* vmsplice+splice the last input iovec (page-aligned data) through
	 * ao_pipe instead of copying it with sendmsg. */
	bool ao_splice;
	const int *ao_pipe;
	/* A hash: the input without control messages, the digest out
	 * (ao_dir, ao_iv and ao_aead unused). */
	bool ao_hash;
};

#define AFALG_IV_MAX 16
/* Room for an operation's control messages (checked in afalg.c). */
#define AFALG_CTL_MAX 96
union afalg_ctl {
	char buf[AFALG_CTL_MAX];
	uint64_t align; /* struct cmsghdr's alignment */
};

/* Return: the bound transform socket, or -errno of socket() or bind(). */
int afalg_tfm_open(const char *type, const char *name, int *failed_call);
struct sockaddr_alg;
/* The address afalg_tfm_open() binds to.  Return: 0, -ENAMETOOLONG. */
int afalg_sockaddr(const char *type, const char *name, struct sockaddr_alg *sa);
int afalg_setkey(int tfm, const uint8_t *key, size_t len);
int afalg_setkey_serial(int tfm, int32_t serial);
int afalg_set_authsize(int tfm, unsigned int len);
int afalg_accept(int tfm);
int afalg_pipe(int pipefd[2]);
/* Return: 0, -EBADMSG (fd still usable), or another -errno (close the fd). */
int afalg_cipher(int op, const struct afalg_op *o);
int afalg_hash(int op, const struct iovec *iov, int iovcnt, uint8_t *digest, size_t len);
/* Fill @msg (and @ctl) for the sendmsg of @o, without splice.  Return: the
 * number of bytes it sends, or -EINVAL. */
ssize_t afalg_msg_init(const struct afalg_op *o, struct msghdr *msg, union afalg_ctl *ctl);

/* uring.c: AF_ALG operations submitted through io_uring, many per system call. */
struct afalg_ring;

/* One operation for afalg_ring_run(): the sendmsg and the recvmsg of @op on @fd. */
struct afalg_uop {
	int fd;
	const struct afalg_op *op; /* ao_splice is ignored */
	bool chained; /* the next uop is on the same fd: it starts after this one */
	int result; /* 0, -EBADMSG, -ECANCELED (did not run), or another -errno */
};

/* Return: 0, or -errno of io_uring_setup (-ENOSYS, -EPERM, ...), with @why
 * saying so. */
int afalg_ring_new(struct afalg_ring **rp, char *why, size_t whylen);
/* Does the kernel have every operation a ring needs?  Ask once, of the first
 * ring; *@sockets: it has the socket, bind and command requests too.
 * Return: 0, or -EOPNOTSUPP with @why naming what is missing. */
int afalg_ring_probe(struct afalg_ring *r, bool *sockets, char *why, size_t whylen);
/* A request on @r failed in a way that leaves it unusable: free it. */
bool afalg_ring_lost(const struct afalg_ring *r);
void afalg_ring_free(struct afalg_ring *r);
/* Socket set-up through a ring, one io_uring_enter each; where the kernel
 * lacks a request (socket commands: Linux 6.7, bind: 6.11) it fails, often
 * with -EINVAL or -EOPNOTSUPP, and the caller uses the system calls. */
/* Accept up to @n op fds on @tfm.  Return: how many (>0), or -errno. */
int afalg_ring_accept(struct afalg_ring *r, int tfm, int *fds, unsigned int n);
/* On @tfm: the tag length @authsize (0: left alone), the key, then accept
 * an op fd into *@op.  Return: 0, or -errno with *@stage 0 (tag length
 * refused), 1 (key refused), 2 (accept failed) or -1 (the ring failed). */
int afalg_ring_setkey_accept(struct afalg_ring *r, int tfm, unsigned int authsize,
			     const void *key, unsigned int keylen, int *op, int *stage);
/* Up to @n sockets bound to @sa, each with tag length @authsize (0: none
 * set), into @fds.  Return: how many (>0), or -errno. */
int afalg_ring_tfm_open(struct afalg_ring *r, const struct sockaddr_alg *sa, unsigned int authsize,
			int *fds, unsigned int n);

/* Run @u[0..@n) and fill every result.  Return: 0, or -errno: -EINVAL (an
 * IV longer than AFALG_IV_MAX; nothing ran), or the ring itself failed (free
 * it; every result not yet known is -ECANCELED). */
int afalg_ring_run(struct afalg_ring *r, struct afalg_uop *u, size_t n);

/* kernel.c, user.c */
extern const struct ac_backend ac_kernel_backend;
extern const struct ac_backend ac_user_backend;

/* key.c: the derived-key cache.  Return: 0 or -errno. */
int ac_cache_init(struct ac_ctx *ctx);
void ac_cache_free(struct ac_ctx *ctx);

/* workers.c */
/* Run @fn on slices [begin, end) of @n items of at most @slice, in the
 * calling thread and the helpers that are idle now, or on all @n in the
 * caller alone when the CPUs are taken.  Return: false (nothing was run)
 * when the context has no helper threads. */
bool ac_workers_run(struct ac_ctx *ctx, size_t n, size_t slice,
		    void (*fn)(void *arg, size_t begin, size_t end), void *arg);
void ac_workers_free(struct ac_ctx *ctx);
/* Online CPUs, 1 to AC_BATCH_THREADS_MAX. */
unsigned int ac_online_cpus(void);

/* selftest.c */
/* Known answers and a forged tag through the public API on @ctx's backend;
 * on failure writes which check failed into @why.  Return: 0 or -EIO. */
int ac_selftest(struct ac_ctx *ctx, char *why, size_t whylen);

/* eme.c */
/* Free what EME keeps with an ECB key (key.c, when the key is freed). */
void ac_eme_key_free(struct ac_key *key);

/* keyring.c: what both backends need of the kernel keyring. */
enum ac_keytype {
	AC_KEYTYPE_OTHER,
	AC_KEYTYPE_USER,
	AC_KEYTYPE_LOGON,
};
/* The type and description of key @serial.  Return: 0 or -errno. */
int ac_keyring_describe(int32_t serial, enum ac_keytype *type, char *desc, size_t desclen);
/* Read a "user" key's payload into @buf (locked memory).  Return: its
 * length, -EMSGSIZE if longer than @len, or -errno. */
int ac_keyring_read(int32_t serial, uint8_t *buf, size_t len);

#endif /* ALGFS_CRYPTO_I_H */
