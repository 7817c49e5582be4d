// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel.c - the kernel crypto backend: AF_ALG parents and their op-fd pools.
 *
 * A key handle is one bound parent socket keyed with one key.  Its pool holds
 * accepted op fds; a thread checks one out for a whole operation (sendmsg and
 * read, two system calls that share state in the fd), so no fd is ever used
 * by two threads at once.  The pool grows when every fd is busy, up to a
 * bound, and then callers wait.  After EBADMSG an op fd is reused; after any
 * other error it is closed, since its state is unknown.
 *
 * Keyring keys are set by serial (ALG_SET_KEY_BY_KEY_SERIAL, Linux 6.2), so
 * the master key never enters this process.  Where the kernel lacks it, a
 * "user" key is read and set with ALG_SET_KEY instead, with a log line.
 *
 * The system calls themselves are in afalg.c.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/if_alg.h>

#include "log.h"
#include "secmem.h"

#define DEFAULT_MAX_OPS 8
/*
 * Inputs of at least this many bytes are spliced (AC_IO_AUTO).  Counted with
 * bench/crypto-bench.sh in the test bed (Linux 6.12): sendmsg costs 2 system
 * calls per block at 4 KiB and at 64 KiB; vmsplice+splice costs 4 at 4 KiB
 * and up to 6 at 64 KiB (a 64 KiB block and its tag span two 16-page
 * slices).  The kernels of 2026 copy spliced pages anyway ("crypto: af_alg -
 * Remove zero-copy support from skcipher and aead", marked for stable), so
 * splicing only adds system calls: by default nothing is spliced.
 */
#define DEFAULT_SPLICE_THRESHOLD SIZE_MAX

struct kalg {
	const char *type;
	const char *name;
	const char *module; /* the algif module whose absence refuses it */
};

static const struct kalg kalgs[] = {
	[AC_ALG_GCM] = { "aead", "gcm(aes)", "algif_aead" },
	[AC_ALG_CTS] = { "skcipher", "cts(cbc(aes))", "algif_skcipher" },
	[AC_ALG_HMAC] = { "hash", "hmac(sha256)", "algif_hash" },
};
static const struct kalg sha256_alg = { "hash", "sha256", "algif_hash" };

struct kop {
	int ko_fd;
	int ko_pipe[2]; /* for splice; -1 until first needed */
};

struct kkey {
	const struct kctx *kk_kc;
	const struct kalg *kk_ka;
	enum ac_alg kk_alg;
	int kk_tfm;

	pthread_mutex_t kk_lock;
	pthread_cond_t kk_cond; /* a free op or room for one; kk_lock */
	struct kop **kk_free; /* kk_lock */
	unsigned int kk_nfree; /* kk_lock */
	unsigned int kk_open; /* op fds open, free or checked out; kk_lock */
	unsigned int kk_peak; /* kk_lock */
	unsigned int kk_max;
};

struct kctx {
	bool kc_by_serial; /* the kernel takes keys by serial */
	enum ac_io_method kc_io;
	size_t kc_splice_threshold;
	unsigned int kc_max_ops;
	struct kkey *kc_sha256; /* unkeyed "sha256" parent */
};

/* Lift the soft fd limit to the hard one: every key holds a parent and a
 * pool of op fds. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_dbg("cannot raise the open file limit: %s", strerror(errno));
	}
}

/* Say in @why, in one line, why @alg cannot be used. */
static void explain_refusal(const struct kalg *alg, int err, int failed_call, char *why,
			    size_t whylen)
{
	char restrict_note[64] = "";
	FILE *f;

	if (failed_call == 0 && err == -EAFNOSUPPORT) {
		snprintf(why, whylen,
			 "AF_ALG not available in this kernel (socket: %s; "
			 "CONFIG_CRYPTO_USER_API is off or af_alg is not loaded)",
			 strerror(-err));
		return;
	}
	if (failed_call == 0) {
		snprintf(why, whylen,
			 "AF_ALG sockets are refused (socket: %s), by seccomp or a security module",
			 strerror(-err));
		return;
	}
	f = fopen("/proc/sys/crypto/af_alg_restrict", "re");
	if (f) {
		int level;

		if (fscanf(f, "%d", &level) == 1)
			snprintf(restrict_note, sizeof(restrict_note), "; af_alg_restrict is %d",
				 level);
		fclose(f);
	}
	snprintf(why, whylen,
		 "the kernel refuses %s %s (bind: %s): module %s missing or blacklisted, "
		 "or the algorithm not allowed%s",
		 alg->type, alg->name, strerror(-err), alg->module, restrict_note);
}

static void kop_close(struct kop *op)
{
	close(op->ko_fd);
	if (op->ko_pipe[0] >= 0) {
		close(op->ko_pipe[0]);
		close(op->ko_pipe[1]);
	}
	free(op);
}

/* Check out an op fd: a free one, a new one if the pool may grow, or wait. */
static int kop_get(struct kkey *kk, struct kop **opp)
{
	struct kop *op;
	int fd;

	pthread_mutex_lock(&kk->kk_lock);
	while (!kk->kk_nfree && kk->kk_open >= kk->kk_max)
		pthread_cond_wait(&kk->kk_cond, &kk->kk_lock);
	if (kk->kk_nfree) {
		*opp = kk->kk_free[--kk->kk_nfree];
		pthread_mutex_unlock(&kk->kk_lock);
		return 0;
	}
	/* Reserve the slot, then accept outside the lock. */
	kk->kk_open++;
	if (kk->kk_open > kk->kk_peak)
		kk->kk_peak = kk->kk_open;
	pthread_mutex_unlock(&kk->kk_lock);

	op = malloc(sizeof(*op));
	fd = op ? afalg_accept(kk->kk_tfm) : -ENOMEM;
	if (fd < 0) {
		free(op);
		pthread_mutex_lock(&kk->kk_lock);
		kk->kk_open--;
		pthread_cond_signal(&kk->kk_cond);
		pthread_mutex_unlock(&kk->kk_lock);
		log_err("%s: accept on AF_ALG socket: %s", kk->kk_ka->name, strerror(-fd));
		return fd;
	}
	op->ko_fd = fd;
	op->ko_pipe[0] = op->ko_pipe[1] = -1;
	*opp = op;
	return 0;
}

/* Return an op fd; one whose operation failed with anything but EBADMSG is
 * in an unknown state and is closed instead. */
static void kop_put(struct kkey *kk, struct kop *op, int err)
{
	bool broken = err && err != -EBADMSG;

	pthread_mutex_lock(&kk->kk_lock);
	if (broken)
		kk->kk_open--;
	else
		kk->kk_free[kk->kk_nfree++] = op;
	pthread_cond_signal(&kk->kk_cond);
	pthread_mutex_unlock(&kk->kk_lock);
	if (broken)
		kop_close(op);
}

static void kkey_free(void *priv)
{
	struct kkey *kk = priv;

	if (!kk)
		return;
	/* Every op is back: callers put their keys only when done with them. */
	for (unsigned int i = 0; i < kk->kk_nfree; i++)
		kop_close(kk->kk_free[i]);
	if (kk->kk_tfm >= 0)
		close(kk->kk_tfm);
	pthread_cond_destroy(&kk->kk_cond);
	pthread_mutex_destroy(&kk->kk_lock);
	free(kk->kk_free);
	free(kk);
}

/* A bound, not yet keyed parent for @alg. */
static int kkey_alloc(const struct kctx *kc, enum ac_alg alg, const struct kalg *ka,
		      struct kkey **kkp)
{
	struct kkey *kk;
	int err;

	kk = calloc(1, sizeof(*kk));
	if (!kk)
		return -ENOMEM;
	kk->kk_kc = kc;
	kk->kk_ka = ka;
	kk->kk_alg = alg;
	kk->kk_max = kc->kc_max_ops;
	kk->kk_tfm = -1;
	kk->kk_free = calloc(kk->kk_max, sizeof(*kk->kk_free));
	if (!kk->kk_free) {
		free(kk);
		return -ENOMEM;
	}
	pthread_mutex_init(&kk->kk_lock, NULL);
	pthread_cond_init(&kk->kk_cond, NULL);
	kk->kk_tfm = afalg_tfm_open(ka->type, ka->name, NULL);
	if (kk->kk_tfm < 0) {
		err = kk->kk_tfm;
		log_err("cannot bind AF_ALG %s %s: %s", ka->type, ka->name, strerror(-err));
		kk->kk_tfm = -1;
		kkey_free(kk);
		return err;
	}
	*kkp = kk;
	return 0;
}

/* The tag length is a property of the parent; set it once, before accept. */
static int kkey_finish(struct kkey *kk)
{
	int err;

	if (kk->kk_alg != AC_ALG_GCM)
		return 0;
	err = afalg_set_authsize(kk->kk_tfm, AC_GCM_TAG_LEN);
	if (err)
		log_err("gcm(aes): cannot set the tag length: %s", strerror(-err));
	return err;
}

static int k_key_new(struct ac_ctx *ctx, enum ac_alg alg, const uint8_t *bytes, size_t len,
		     void **privp)
{
	struct kkey *kk;
	int err;

	err = kkey_alloc(ctx->c_priv, alg, &kalgs[alg], &kk);
	if (err)
		return err;
	err = afalg_setkey(kk->kk_tfm, bytes, len);
	if (err)
		log_err("%s: cannot set the key: %s", kalgs[alg].name, strerror(-err));
	if (!err)
		err = kkey_finish(kk);
	if (err) {
		kkey_free(kk);
		return err;
	}
	*privp = kk;
	return 0;
}

/* Linux before 6.2: read a "user" key and set its bytes. */
static int setkey_by_reading(struct kkey *kk, int32_t serial, enum ac_keytype type,
			     const char *desc)
{
	static atomic_bool told;
	const size_t max = 128;
	uint8_t *buf;
	int len, err;

	if (type == AC_KEYTYPE_LOGON) {
		log_err("logon key '%s' cannot be used: this kernel lacks "
			"ALG_SET_KEY_BY_KEY_SERIAL (Linux 6.2 or later) and logon keys cannot be "
			"read; unlock the volume as a \"user\" key instead",
			desc);
		return -ENOPROTOOPT;
	}
	if (type != AC_KEYTYPE_USER) {
		log_err("key '%s' is neither a \"user\" nor a \"logon\" key: this kernel lacks "
			"ALG_SET_KEY_BY_KEY_SERIAL (Linux 6.2 or later), so only \"user\" keys "
			"can be used",
			desc);
		return -EINVAL;
	}
	if (!atomic_exchange(&told, true))
		log_info("this kernel lacks ALG_SET_KEY_BY_KEY_SERIAL (Linux 6.2 or later): "
			 "user key '%s' is read into locked memory instead",
			 desc);
	buf = ac_secure_alloc(max);
	if (!buf)
		return -ENOMEM;
	len = ac_keyring_read(serial, buf, max);
	if (len < 0) {
		err = len;
		log_err("cannot read user key '%s': %s", desc, strerror(-err));
	} else {
		err = afalg_setkey(kk->kk_tfm, buf, (size_t)len);
		if (err)
			log_err("%s: cannot set the key from '%s' (%d bytes): %s", kk->kk_ka->name,
				desc, len, strerror(-err));
	}
	ac_secure_free(buf);
	return err;
}

static int k_key_from_serial(struct ac_ctx *ctx, enum ac_alg alg, int32_t serial, void **privp)
{
	const struct kctx *kc = ctx->c_priv;
	enum ac_keytype type;
	char desc[256];
	struct kkey *kk;
	int err;

	err = ac_keyring_describe(serial, &type, desc, sizeof(desc));
	if (err) {
		log_err("key %d: %s", serial, strerror(-err));
		return err;
	}
	err = kkey_alloc(kc, alg, &kalgs[alg], &kk);
	if (err)
		return err;
	if (kc->kc_by_serial) {
		err = afalg_setkey_serial(kk->kk_tfm, serial);
		if (err)
			log_err("%s: cannot key from '%s' by serial: %s", kalgs[alg].name, desc,
				strerror(-err));
	} else {
		err = setkey_by_reading(kk, serial, type, desc);
	}
	if (!err)
		err = kkey_finish(kk);
	if (err) {
		kkey_free(kk);
		return err;
	}
	*privp = kk;
	return 0;
}

/* Splice the data of an operation of @len input bytes? */
static bool use_splice(const struct kctx *kc, size_t len)
{
	switch (kc->kc_io) {
	case AC_IO_SENDMSG:
		return false;
	case AC_IO_SPLICE:
		return len > 0;
	case AC_IO_AUTO:
		break;
	}
	return len > 0 && len >= kc->kc_splice_threshold;
}

static int kop_pipe(struct kop *op)
{
	if (op->ko_pipe[0] >= 0)
		return 0;
	return afalg_pipe(op->ko_pipe);
}

/*
 * Decrypting nothing (no AAD, no data: only a tag) makes the kernel answer
 * EINVAL for a wrong tag instead of EBADMSG, since its output is empty.  The
 * tag of an empty message is what encrypting nothing gives, so compute that
 * and compare in constant time.
 */
static int gcm_check_empty(struct kop *op, const struct afalg_op *dec, const uint8_t *tag)
{
	uint8_t want[AC_GCM_TAG_LEN];
	struct iovec out = { .iov_base = want, .iov_len = sizeof(want) };
	struct afalg_op o = *dec;
	int err;

	o.ao_dir = ALG_OP_ENCRYPT;
	o.ao_nin = 0;
	o.ao_out = &out;
	o.ao_nout = 1;
	o.ao_splice = false;
	err = afalg_cipher(op->ko_fd, &o);
	if (!err && !ac_memeq(want, tag, sizeof(want)))
		err = -EBADMSG;
	ac_wipe(want, sizeof(want));
	return err;
}

static int gcm_one(struct kkey *kk, struct kop *op, bool encrypt, struct ac_gcm_req *r,
		   uint8_t *aad_sink)
{
	size_t inlen = r->len + (encrypt ? 0 : AC_GCM_TAG_LEN);
	size_t outlen = r->len + (encrypt ? AC_GCM_TAG_LEN : 0);
	struct iovec in[2] = {
		{ .iov_base = (void *)r->aad, .iov_len = r->aadlen },
		{ .iov_base = (void *)r->in, .iov_len = inlen },
	};
	/* The kernel writes the AAD back before the result: discard it. */
	struct iovec out[2] = {
		{ .iov_base = aad_sink, .iov_len = r->aadlen },
		{ .iov_base = r->out, .iov_len = outlen },
	};
	struct afalg_op o = {
		.ao_dir = encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT,
		.ao_iv = r->nonce,
		.ao_ivlen = AC_GCM_NONCE_LEN,
		.ao_aead = true,
		.ao_assoclen = (uint32_t)r->aadlen,
		.ao_in = in,
		.ao_nin = 2,
		.ao_out = out,
		.ao_nout = 2,
		.ao_splice = use_splice(kk->kk_kc, inlen),
		.ao_pipe = op->ko_pipe,
	};
	int err = 0;

	if (r->aadlen > UINT32_MAX)
		return -EINVAL;
	if (!encrypt && !r->aadlen && !r->len)
		return gcm_check_empty(op, &o, r->in);
	if (o.ao_splice)
		err = kop_pipe(op);
	if (!err)
		err = afalg_cipher(op->ko_fd, &o);
	/* GCM decrypts before it checks: never let unverified plaintext out. */
	if (err && !encrypt)
		ac_wipe(r->out, r->len);
	return err;
}

static int k_gcm(void *priv, bool encrypt, struct ac_gcm_req *reqs, size_t n)
{
	struct kkey *kk = priv;
	uint8_t *aad_sink = NULL;
	size_t aadmax = 0;
	struct kop *op;
	int err, first = 0;

	for (size_t i = 0; i < n; i++)
		if (reqs[i].aadlen > aadmax)
			aadmax = reqs[i].aadlen;
	if (aadmax) {
		aad_sink = malloc(aadmax);
		if (!aad_sink)
			return -ENOMEM;
	}
	/* One op fd for the whole batch: AF_ALG runs one operation at a time
	 * per fd anyway, and the pool lock is taken once. */
	err = kop_get(kk, &op);
	for (size_t i = 0; i < n; i++) {
		if (err) {
			reqs[i].result = err;
		} else {
			reqs[i].result = gcm_one(kk, op, encrypt, &reqs[i], aad_sink);
			if (reqs[i].result && reqs[i].result != -EBADMSG) {
				/* The fd is dead: replace it for the rest. */
				kop_put(kk, op, reqs[i].result);
				log_err("gcm(aes) %s: %s", encrypt ? "encrypt" : "decrypt",
					strerror(-reqs[i].result));
				err = kop_get(kk, &op);
			}
		}
		if (reqs[i].result && !first)
			first = reqs[i].result;
	}
	if (!err)
		kop_put(kk, op, 0);
	free(aad_sink);
	return first;
}

static int k_cts(void *priv, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len,
		 uint8_t *out)
{
	struct kkey *kk = priv;
	struct iovec vin = { .iov_base = (void *)in, .iov_len = len };
	struct iovec vout = { .iov_base = out, .iov_len = len };
	struct afalg_op o = {
		.ao_dir = encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT,
		.ao_iv = iv,
		.ao_ivlen = AC_CTS_IV_LEN,
		.ao_in = &vin,
		.ao_nin = 1,
		.ao_out = &vout,
		.ao_nout = 1,
	};
	struct kop *op;
	int err;

	err = kop_get(kk, &op);
	if (err)
		return err;
	err = afalg_cipher(op->ko_fd, &o);
	kop_put(kk, op, err);
	if (err)
		log_err("cts(cbc(aes)) %s: %s", encrypt ? "encrypt" : "decrypt", strerror(-err));
	return err;
}

static int khash(struct kkey *kk, const struct iovec *iov, int iovcnt, uint8_t *digest)
{
	struct kop *op;
	int err;

	err = kop_get(kk, &op);
	if (err)
		return err;
	err = afalg_hash(op->ko_fd, iov, iovcnt, digest, AC_SHA256_LEN);
	kop_put(kk, op, err);
	if (err)
		log_err("%s: %s", kk->kk_ka->name, strerror(-err));
	return err;
}

static int k_hmac(void *priv, const struct iovec *iov, int iovcnt, uint8_t *mac)
{
	return khash(priv, iov, iovcnt, mac);
}

static int k_sha256(struct ac_ctx *ctx, const void *data, size_t len, uint8_t *digest)
{
	const struct kctx *kc = ctx->c_priv;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };

	return khash(kc->kc_sha256, &iov, 1, digest);
}

static int k_key_stats(void *priv, struct ac_key_stats *st)
{
	struct kkey *kk = priv;

	pthread_mutex_lock(&kk->kk_lock);
	st->ops_open = kk->kk_open;
	st->ops_peak = kk->kk_peak;
	st->ops_limit = kk->kk_max;
	pthread_mutex_unlock(&kk->kk_lock);
	return 0;
}

/*
 * Does the kernel take keys by serial?  Ask with serial 0, which is never a
 * key: a kernel that knows the option looks the key up and fails with a
 * keyring error; one that does not answers ENOPROTOOPT.
 */
static bool probe_by_serial(int hmac_tfm)
{
	return afalg_setkey_serial(hmac_tfm, 0) != -ENOPROTOOPT;
}

static int k_init(struct ac_ctx *ctx, char *why, size_t whylen)
{
	const struct ac_options *opts = &ctx->c_opts;
	struct kctx *kc;
	int fd = -1, err, failed_call;

	/* Every algorithm must bind before anything else happens. */
	for (size_t i = 0; i <= sizeof(kalgs) / sizeof(kalgs[0]); i++) {
		const struct kalg *ka =
			i < sizeof(kalgs) / sizeof(kalgs[0]) ? &kalgs[i] : &sha256_alg;

		fd = afalg_tfm_open(ka->type, ka->name, &failed_call);
		if (fd < 0) {
			explain_refusal(ka, fd, failed_call, why, whylen);
			return fd;
		}
		close(fd);
	}
	fd = afalg_tfm_open(kalgs[AC_ALG_HMAC].type, kalgs[AC_ALG_HMAC].name, NULL);
	if (fd < 0) {
		snprintf(why, whylen, "cannot bind hmac(sha256): %s", strerror(-fd));
		return fd;
	}

	kc = calloc(1, sizeof(*kc));
	if (!kc) {
		close(fd);
		return -ENOMEM;
	}
	kc->kc_by_serial = probe_by_serial(fd);
	close(fd);
	kc->kc_io = opts->io;
	kc->kc_splice_threshold =
		opts->splice_threshold ? opts->splice_threshold : DEFAULT_SPLICE_THRESHOLD;
	kc->kc_max_ops = opts->max_ops_per_key ? opts->max_ops_per_key : DEFAULT_MAX_OPS;
	raise_fd_limit();

	err = kkey_alloc(kc, AC_ALG_HMAC, &sha256_alg, &kc->kc_sha256);
	if (err) {
		snprintf(why, whylen, "cannot bind sha256: %s", strerror(-err));
		free(kc);
		return err;
	}
	ctx->c_priv = kc;
	return 0;
}

static void k_fini(struct ac_ctx *ctx)
{
	struct kctx *kc = ctx->c_priv;

	if (!kc)
		return;
	kkey_free(kc->kc_sha256);
	free(kc);
	ctx->c_priv = NULL;
}

static unsigned int k_caps(const struct ac_ctx *ctx)
{
	const struct kctx *kc = ctx->c_priv;

	return AC_CAP_KERNEL_IMPL | (kc->kc_by_serial ? AC_CAP_KEYS_IN_KERNEL : 0);
}

const struct ac_backend ac_kernel_backend = {
	.name = "kernel",
	.init = k_init,
	.fini = k_fini,
	.caps = k_caps,
	.key_new = k_key_new,
	.key_from_serial = k_key_from_serial,
	.key_free = kkey_free,
	.gcm = k_gcm,
	.cts = k_cts,
	.hmac = k_hmac,
	.sha256 = k_sha256,
	.key_stats = k_key_stats,
};
