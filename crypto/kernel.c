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
 * Where io_uring works, operations go through it (uring.c): a batch of GCM
 * blocks is spread over a few op fds of the key, one chain of operations per
 * fd, and handed to the kernel with one system call; a single operation
 * (names, HMAC) costs one system call instead of two.  Rings are pooled like
 * op fds.  Where io_uring is refused, sendmsg and read, said once in the log.
 *
 * A per-file GCM key is a new parent socket.  When one is freed (the derived-
 * key cache evicted it) its op fds are closed and the bound parent, whose tag
 * length is set, is kept for the next key: rekeying it saves the socket, bind
 * and setsockopt of a new one.
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
/* A GCM batch through io_uring gets one op fd per this many blocks, up to
 * URING_MAX_FDS: a 1 MiB request of 4 KiB blocks runs on four chains, while
 * a small file's few blocks cost no extra accept. */
#define URING_BLOCKS_PER_FD 64
#define URING_MAX_FDS 4
/* Idle io_uring instances kept for reuse; more are freed when put back. */
#define RINGS_KEPT 16
/* Bound GCM parents kept for reuse by new keys, and made at once through
 * io_uring when none is kept. */
#define SPARES_KEPT 32
#define SPARES_BATCH 8
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
	[AC_ALG_ECB] = { "skcipher", "ecb(aes)", "algif_skcipher" },
};
static const struct kalg sha256_alg = { "hash", "sha256", "algif_hash" };

struct kop {
	int ko_fd;
	int ko_pipe[2]; /* for splice; -1 until first needed */
};

struct kkey {
	struct kctx *kk_kc;
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
	bool kk_keep_parent; /* a keyed GCM parent: reuse it when freed */
	bool kk_authsize_set; /* a reused parent: its tag length is set */
};

struct kctx {
	bool kc_by_serial; /* the kernel takes keys by serial */
	enum ac_io_method kc_io;
	bool kc_uring; /* operations through io_uring */
	/* Keys and tag lengths set through the ring (socket commands, Linux
	 * 6.7), new parents made through it (socket and bind, Linux 6.11):
	 * true until the kernel refuses them once. */
	atomic_bool kc_ring_setsockopt;
	atomic_bool kc_ring_sockets;
	size_t kc_splice_threshold;
	unsigned int kc_max_ops;
	struct kkey *kc_sha256; /* unkeyed "sha256" parent */

	pthread_mutex_t kc_lock; /* the two pools below */
	struct afalg_ring *kc_rings[RINGS_KEPT]; /* idle rings; kc_lock */
	unsigned int kc_nrings; /* kc_lock */
	int kc_spares[SPARES_KEPT]; /* bound gcm(aes) parents, no op fds; kc_lock */
	unsigned int kc_nspares; /* kc_lock */
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

/* Accept an op fd into a slot of the pool that the caller reserved; give the
 * slot back on failure. */
static int kop_accept(struct kkey *kk, struct kop **opp)
{
	struct kop *op;
	int fd;

	op = malloc(sizeof(*op));
	fd = op ? afalg_accept(kk->kk_tfm) : -ENOMEM;
	if (fd < 0) {
		free(op);
		pthread_mutex_lock(&kk->kk_lock);
		kk->kk_open--;
		pthread_cond_signal(&kk->kk_cond);
		pthread_mutex_unlock(&kk->kk_lock);
		/* Out of descriptors is the caller's to report (an open fails
		 * with it) or to wait out (another op fd is busy). */
		if (fd == -EMFILE || fd == -ENFILE)
			log_dbg("%s: accept on AF_ALG socket: %s", kk->kk_ka->name, strerror(-fd));
		else
			log_err("%s: accept on AF_ALG socket: %s", kk->kk_ka->name, strerror(-fd));
		return fd;
	}
	op->ko_fd = fd;
	op->ko_pipe[0] = op->ko_pipe[1] = -1;
	*opp = op;
	return 0;
}

static struct afalg_ring *kring_get(struct kctx *kc);
static void kring_put(struct kctx *kc, struct afalg_ring *r);

/* A new entry of the pool for op fd @fd.  Return: 0, -ENOMEM (@fd closed). */
static int kop_wrap(int fd, struct kop **opp)
{
	struct kop *op = malloc(sizeof(*op));

	if (!op) {
		close(fd);
		return -ENOMEM;
	}
	op->ko_fd = fd;
	op->ko_pipe[0] = op->ko_pipe[1] = -1;
	*opp = op;
	return 0;
}

/* Accept into up to *@reserved reserved slots with one io_uring_enter;
 * *@reserved is left with the slots still to fill.  Return: how many. */
static unsigned int kop_accept_ring(struct kkey *kk, struct kop **ops, unsigned int *reserved)
{
	struct afalg_ring *r = kring_get(kk->kk_kc);
	int fds[URING_MAX_FDS];
	unsigned int n = 0;
	int got;

	if (!r || *reserved > URING_MAX_FDS) {
		if (r)
			kring_put(kk->kk_kc, r);
		return 0;
	}
	got = afalg_ring_accept(r, kk->kk_tfm, fds, *reserved);
	kring_put(kk->kk_kc, r);
	for (int i = 0; i < got; i++)
		if (!kop_wrap(fds[i], &ops[n]))
			n++;
	if (got > 0)
		*reserved -= (unsigned int)got;
	if ((unsigned int)(got > 0 ? got : 0) > n) {
		/* Slots whose op fd could not be wrapped: give them back. */
		pthread_mutex_lock(&kk->kk_lock);
		kk->kk_open -= (unsigned int)got - n;
		pthread_cond_broadcast(&kk->kk_cond);
		pthread_mutex_unlock(&kk->kk_lock);
	}
	return n;
}

/*
 * Check out between 1 and @want op fds: free ones, then new ones while the
 * pool may grow; wait only while there is none at all.  Return: 0 with
 * *@got set, or the error of accept when not even one could be had.
 */
static int kop_get_many(struct kkey *kk, unsigned int want, struct kop **ops, unsigned int *got)
{
	unsigned int n = 0, reserved = 0;
	bool grow = true;
	int err = 0;

again:
	pthread_mutex_lock(&kk->kk_lock);
	while (!kk->kk_nfree && (grow ? kk->kk_open >= kk->kk_max : kk->kk_open > 0))
		pthread_cond_wait(&kk->kk_cond, &kk->kk_lock);
	if (!grow && !kk->kk_nfree) { /* the busy ones were closed meanwhile */
		pthread_mutex_unlock(&kk->kk_lock);
		return err;
	}
	while (n < want && kk->kk_nfree)
		ops[n++] = kk->kk_free[--kk->kk_nfree];
	/* Reserve the slots, then accept outside the lock. */
	while (grow && n + reserved < want && kk->kk_open < kk->kk_max) {
		kk->kk_open++;
		reserved++;
	}
	if (kk->kk_open > kk->kk_peak)
		kk->kk_peak = kk->kk_open;
	pthread_mutex_unlock(&kk->kk_lock);

	if (reserved > 1)
		n += kop_accept_ring(kk, &ops[n], &reserved);
	while (reserved) {
		reserved--;
		err = kop_accept(kk, &ops[n]);
		if (!err)
			n++;
	}
	/* Out of descriptors while others of this key are busy: wait for one
	 * of them rather than fail (ac_key_ready() made sure of one). */
	if (!n && (err == -EMFILE || err == -ENFILE)) {
		pthread_mutex_lock(&kk->kk_lock);
		grow = kk->kk_open == 0;
		pthread_mutex_unlock(&kk->kk_lock);
		if (!grow)
			goto again;
	}
	if (!n)
		return err;
	*got = n;
	return 0;
}

/* Check out an op fd: a free one, a new one if the pool may grow, or wait. */
static int kop_get(struct kkey *kk, struct kop **opp)
{
	unsigned int got;

	return kop_get_many(kk, 1, opp, &got);
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

/* An idle io_uring instance, or NULL: io_uring is off, or no new one could
 * be set up now (the caller then uses sendmsg and read). */
static struct afalg_ring *kring_get(struct kctx *kc)
{
	struct afalg_ring *r = NULL;
	char why[128];
	int err;

	if (!kc->kc_uring)
		return NULL;
	pthread_mutex_lock(&kc->kc_lock);
	if (kc->kc_nrings)
		r = kc->kc_rings[--kc->kc_nrings];
	pthread_mutex_unlock(&kc->kc_lock);
	if (r)
		return r;
	err = afalg_ring_new(&r, why, sizeof(why));
	if (err) {
		log_dbg("no new io_uring instance (%s): this batch uses sendmsg and read", why);
		return NULL;
	}
	return r;
}

/* Put back a ring; one that failed (requests may be in flight) is freed. */
static void kring_put(struct kctx *kc, struct afalg_ring *r)
{
	if (!afalg_ring_lost(r)) {
		pthread_mutex_lock(&kc->kc_lock);
		if (kc->kc_nrings < RINGS_KEPT) {
			kc->kc_rings[kc->kc_nrings++] = r;
			r = NULL;
		}
		pthread_mutex_unlock(&kc->kc_lock);
	}
	afalg_ring_free(r);
}

/* Keep @tfm, a bound gcm(aes) parent with no op fds, for a later key.
 * Return: true if kept. */
static bool spare_put(struct kctx *kc, int tfm)
{
	bool kept = false;

	pthread_mutex_lock(&kc->kc_lock);
	if (kc->kc_nspares < SPARES_KEPT) {
		kc->kc_spares[kc->kc_nspares++] = tfm;
		kept = true;
	}
	pthread_mutex_unlock(&kc->kc_lock);
	return kept;
}

/* A kept gcm(aes) parent, or -1. */
static int spare_get(struct kctx *kc)
{
	int tfm = -1;

	pthread_mutex_lock(&kc->kc_lock);
	if (kc->kc_nspares)
		tfm = kc->kc_spares[--kc->kc_nspares];
	pthread_mutex_unlock(&kc->kc_lock);
	return tfm;
}

/*
 * No parent kept: make SPARES_BATCH new gcm(aes) parents, tag length set,
 * with two io_uring_enter (sockets, then bind and tag length), keep all but
 * one and return that one.  Return: the parent, or -1 where the ring cannot
 * (the caller binds one with the system calls).
 */
static int spares_make(struct kctx *kc)
{
	int fds[SPARES_BATCH], n, tfm;
	struct sockaddr_alg sa;
	struct afalg_ring *r;

	if (!atomic_load(&kc->kc_ring_sockets) || !atomic_load(&kc->kc_ring_setsockopt))
		return -1;
	if (afalg_sockaddr(kalgs[AC_ALG_GCM].type, kalgs[AC_ALG_GCM].name, &sa))
		return -1;
	r = kring_get(kc);
	if (!r)
		return -1;
	n = afalg_ring_tfm_open(r, &sa, AC_GCM_TAG_LEN, fds, SPARES_BATCH);
	kring_put(kc, r);
	if (n <= 0) {
		/* Not a kernel with these requests (or out of descriptors):
		 * from now on, bind with the system calls. */
		atomic_store(&kc->kc_ring_sockets, false);
		log_dbg("gcm(aes) parents through io_uring: %s; binding them one by one",
			strerror(-n));
		return -1;
	}
	tfm = fds[--n];
	while (n--)
		if (!spare_put(kc, fds[n]))
			close(fds[n]);
	return tfm;
}

static void kkey_free(void *priv)
{
	struct kkey *kk = priv;

	if (!kk)
		return;
	/* Every op is back: callers put their keys only when done with them. */
	for (unsigned int i = 0; i < kk->kk_nfree; i++)
		kop_close(kk->kk_free[i]);
	/* With its op fds closed, a parent takes a new key again (the kernel
	 * refuses that with EBUSY while an accepted op fd exists). */
	if (kk->kk_tfm >= 0 && !(kk->kk_keep_parent && spare_put(kk->kk_kc, kk->kk_tfm)))
		close(kk->kk_tfm);
	pthread_cond_destroy(&kk->kk_cond);
	pthread_mutex_destroy(&kk->kk_lock);
	free(kk->kk_free);
	free(kk);
}

/* A bound, not yet keyed parent for @alg; @spare: a kept gcm(aes) parent may
 * do. */
static int kkey_alloc(struct kctx *kc, enum ac_alg alg, const struct kalg *ka, bool spare,
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
	if (spare && alg == AC_ALG_GCM && ka == &kalgs[AC_ALG_GCM]) {
		kk->kk_tfm = spare_get(kc);
		if (kk->kk_tfm < 0)
			kk->kk_tfm = spares_make(kc);
		kk->kk_authsize_set = kk->kk_tfm >= 0;
	}
	if (kk->kk_tfm < 0)
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

	if (kk->kk_alg != AC_ALG_GCM || kk->kk_authsize_set)
		return 0;
	err = afalg_set_authsize(kk->kk_tfm, AC_GCM_TAG_LEN);
	if (err)
		log_err("gcm(aes): cannot set the tag length: %s", strerror(-err));
	return err;
}

/*
 * Tag length, key and a first op fd through the ring, in one io_uring_enter
 * (socket commands: Linux 6.7).  Return: true if done; false: nothing is
 * known to be set, the caller does it with the system calls.  The first
 * refusal turns this off for good if the system calls then succeed: the
 * kernel lacks socket commands (a refusal of the key itself they repeat).
 */
static bool kkey_setkey_ring(struct kkey *kk, const uint8_t *bytes, size_t len)
{
	struct kctx *kc = kk->kk_kc;
	unsigned int authsize;
	struct afalg_ring *r;
	int err, fd, stage;
	struct kop *op;

	if (!atomic_load(&kc->kc_ring_setsockopt))
		return false;
	r = kring_get(kc);
	if (!r)
		return false;
	authsize = kk->kk_alg == AC_ALG_GCM && !kk->kk_authsize_set ? AC_GCM_TAG_LEN : 0;
	err = afalg_ring_setkey_accept(r, kk->kk_tfm, authsize, bytes, (unsigned int)len, &fd,
				       &stage);
	kring_put(kc, r);
	if (err && stage == 2)
		/* Keyed: the first operation accepts its op fd itself. */
		return true;
	if (err) {
		if (stage >= 0 && (!authsize || !afalg_set_authsize(kk->kk_tfm, authsize)) &&
		    !afalg_setkey(kk->kk_tfm, bytes, len)) {
			atomic_store(&kc->kc_ring_setsockopt, false);
			log_dbg("no setsockopt through io_uring (%s): keys are set with setsockopt",
				strerror(-err));
			return true;
		}
		return false;
	}
	if (kop_wrap(fd, &op))
		return true;
	pthread_mutex_lock(&kk->kk_lock);
	kk->kk_free[kk->kk_nfree++] = op;
	kk->kk_open = kk->kk_peak = 1;
	pthread_mutex_unlock(&kk->kk_lock);
	return true;
}

/* A parent for @alg keyed with @bytes; a kept one is tried first. */
static int kkey_setkey(struct kctx *kc, enum ac_alg alg, const uint8_t *bytes, size_t len,
		       bool spare, struct kkey **kkp)
{
	struct kkey *kk;
	int err;

	err = kkey_alloc(kc, alg, &kalgs[alg], spare, &kk);
	if (err)
		return err;
	if (kkey_setkey_ring(kk, bytes, len)) {
		*kkp = kk;
		return 0;
	}
	err = afalg_setkey(kk->kk_tfm, bytes, len);
	if (err && kk->kk_authsize_set) {
		/* A kept parent that refuses (an op fd of its last key still
		 * held somewhere): a new one. */
		log_dbg("%s: a kept parent refused the key (%s): binding a new one",
			kalgs[alg].name, strerror(-err));
		kkey_free(kk);
		return kkey_setkey(kc, alg, bytes, len, false, kkp);
	}
	if (err)
		log_err("%s: cannot set the key: %s", kalgs[alg].name, strerror(-err));
	if (!err)
		err = kkey_finish(kk);
	if (err) {
		kkey_free(kk);
		return err;
	}
	*kkp = kk;
	return 0;
}

static int k_key_new(struct ac_ctx *ctx, enum ac_alg alg, const uint8_t *bytes, size_t len,
		     void **privp)
{
	struct kkey *kk;
	int err;

	err = kkey_setkey(ctx->c_priv, alg, bytes, len, true, &kk);
	if (err)
		return err;
	/* Per-file keys come and go: keep the parent for the next one. */
	kk->kk_keep_parent = alg == AC_ALG_GCM;
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
	struct kctx *kc = ctx->c_priv;
	enum ac_keytype type;
	char desc[256];
	struct kkey *kk;
	int err;

	err = ac_keyring_describe(serial, &type, desc, sizeof(desc));
	if (err) {
		log_err("key %d: %s", serial, strerror(-err));
		return err;
	}
	err = kkey_alloc(kc, alg, &kalgs[alg], false, &kk);
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

/*
 * Run @o on @op: through a ring when there is one, else with sendmsg (or
 * splice) and read.  A ring that failed is freed; the operation then did not
 * run (-ECANCELED) and the op fd's state is unknown.
 */
static int kop_run(struct kkey *kk, struct kop *op, const struct afalg_op *o)
{
	struct afalg_ring *ring = o->ao_splice ? NULL : kring_get(kk->kk_kc);
	struct afalg_uop u = { .fd = op->ko_fd, .op = o };
	int err;

	if (!ring)
		return o->ao_hash ? afalg_hash(op->ko_fd, o->ao_in, o->ao_nin, o->ao_out[0].iov_base,
					       o->ao_out[0].iov_len)
				  : afalg_cipher(op->ko_fd, o);
	err = afalg_ring_run(ring, &u, 1);
	kring_put(kk->kk_kc, ring);
	return err ? err : u.result;
}

/* One operation on an op fd of its own; once more on a new fd if the first
 * one's ring failed under it. */
static int kop_run_alone(struct kkey *kk, const struct afalg_op *o)
{
	struct kop *op;
	int err;

	for (int tries = 0; tries < 2; tries++) {
		err = kop_get(kk, &op);
		if (err)
			return err;
		err = kop_run(kk, op, o);
		kop_put(kk, op, err);
		if (err != -ECANCELED)
			break;
	}
	return err;
}

/* Splice the data of an operation of @len input bytes? */
static bool use_splice(const struct kctx *kc, size_t len)
{
	switch (kc->kc_io) {
	case AC_IO_SENDMSG:
	case AC_IO_URING:
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
static int gcm_check_empty(struct kkey *kk, struct kop *op, const struct afalg_op *dec,
			   const uint8_t *tag)
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
	err = kop_run(kk, op, &o);
	if (!err && !ac_memeq(want, tag, sizeof(want)))
		err = -EBADMSG;
	ac_wipe(want, sizeof(want));
	return err;
}

/* A GCM request as an operation; @io's iovecs: in[2] then out[2]. */
static void gcm_op(struct kkey *kk, bool encrypt, const struct ac_gcm_req *r, uint8_t *aad_sink,
		   struct iovec io[4], struct afalg_op *o)
{
	size_t inlen = r->len + (encrypt ? 0 : AC_GCM_TAG_LEN);
	size_t outlen = r->len + (encrypt ? AC_GCM_TAG_LEN : 0);

	io[0] = (struct iovec){ .iov_base = (void *)r->aad, .iov_len = r->aadlen };
	io[1] = (struct iovec){ .iov_base = (void *)r->in, .iov_len = inlen };
	/* The kernel writes the AAD back before the result: discard it. */
	io[2] = (struct iovec){ .iov_base = aad_sink, .iov_len = r->aadlen };
	io[3] = (struct iovec){ .iov_base = r->out, .iov_len = outlen };
	*o = (struct afalg_op){
		.ao_dir = encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT,
		.ao_iv = r->nonce,
		.ao_ivlen = AC_GCM_NONCE_LEN,
		.ao_aead = true,
		.ao_assoclen = (uint32_t)r->aadlen,
		.ao_in = &io[0],
		.ao_nin = 2,
		.ao_out = &io[2],
		.ao_nout = 2,
		.ao_splice = use_splice(kk->kk_kc, inlen),
	};
}

/* Only a tag to check: the kernel's answer would be wrong (gcm_check_empty). */
static bool gcm_bare_tag(bool encrypt, const struct ac_gcm_req *r)
{
	return !encrypt && !r->aadlen && !r->len;
}

static int gcm_one(struct kkey *kk, struct kop *op, bool encrypt, struct ac_gcm_req *r,
		   uint8_t *aad_sink)
{
	struct iovec io[4];
	struct afalg_op o;
	int err = 0;

	if (r->aadlen > UINT32_MAX)
		return -EINVAL;
	gcm_op(kk, encrypt, r, aad_sink, io, &o);
	o.ao_pipe = op->ko_pipe;
	if (gcm_bare_tag(encrypt, r))
		return gcm_check_empty(kk, op, &o, r->in);
	if (o.ao_splice)
		err = kop_pipe(op);
	if (!err)
		err = kop_run(kk, op, &o);
	/* GCM decrypts before it checks: never let unverified plaintext out. */
	if (err && !encrypt)
		ac_wipe(r->out, r->len);
	return err;
}

/* @reqs one after another on one op fd (replaced when it breaks). */
static void gcm_serial(struct kkey *kk, bool encrypt, struct ac_gcm_req *reqs, size_t n,
		       uint8_t *aad_sink)
{
	struct kop *op;
	int err;

	/* One op fd for the whole batch: the pool lock is taken once. */
	err = kop_get(kk, &op);
	for (size_t i = 0; i < n; i++) {
		if (err) {
			reqs[i].result = err;
			continue;
		}
		reqs[i].result = gcm_one(kk, op, encrypt, &reqs[i], aad_sink);
		if (reqs[i].result == -ECANCELED) {
			/* A ring failed under it: again, on a new fd. */
			kop_put(kk, op, reqs[i].result);
			err = kop_get(kk, &op);
			if (!err)
				reqs[i].result = gcm_one(kk, op, encrypt, &reqs[i], aad_sink);
			else
				reqs[i].result = err;
		}
		if (!err && reqs[i].result && reqs[i].result != -EBADMSG) {
			/* The fd is dead: replace it for the rest. */
			kop_put(kk, op, reqs[i].result);
			log_err("gcm(aes) %s: %s", encrypt ? "encrypt" : "decrypt",
				strerror(-reqs[i].result));
			err = kop_get(kk, &op);
		}
	}
	if (!err)
		kop_put(kk, op, 0);
}

/* A request of a batch queued on a ring, beside its struct afalg_uop. */
struct kuop {
	struct afalg_op ku_op;
	struct iovec ku_io[4];
	size_t ku_req; /* its index in the batch */
};

/*
 * Settle one op fd's chain after the ring ran it: results up to the first
 * operation that broke the fd stand; what came after it (cancelled, or run
 * on a broken fd) is marked in @again to run once more.  Return: the error
 * that broke the fd, or 0.
 */
static int gcm_settle_chain(bool encrypt, struct ac_gcm_req *reqs, const struct afalg_uop *u,
			    const struct kuop *ku, size_t n, bool *again)
{
	int broke = 0;

	for (size_t i = 0; i < n; i++) {
		struct ac_gcm_req *r = &reqs[ku[i].ku_req];
		int res = u[i].result;

		if (broke || res == -ECANCELED) {
			again[ku[i].ku_req] = true;
			if (!broke)
				broke = res;
			continue;
		}
		r->result = res;
		if (res && !encrypt)
			ac_wipe(r->out, r->len);
		if (res && res != -EBADMSG) {
			log_err("gcm(aes) %s: %s", encrypt ? "encrypt" : "decrypt", strerror(-res));
			broke = res;
		}
	}
	return broke;
}

/*
 * A batch through @ring: the requests dealt round-robin onto a few op fds,
 * each fd's share as one chain, all in one submission.  What the ring could
 * not settle runs again one by one.
 */
static void gcm_uring(struct kkey *kk, struct afalg_ring *ring, bool encrypt,
		      struct ac_gcm_req *reqs, size_t n, uint8_t *aad_sink)
{
	struct kop *ops[URING_MAX_FDS];
	unsigned int want, nfd;
	struct afalg_uop *u = NULL;
	struct kuop *ku = NULL;
	bool *again = NULL;
	size_t nku = 0, start[URING_MAX_FDS + 1];
	int err;

	want = (unsigned int)((n + URING_BLOCKS_PER_FD - 1) / URING_BLOCKS_PER_FD);
	if (want > URING_MAX_FDS)
		want = URING_MAX_FDS;
	if (want > kk->kk_max)
		want = kk->kk_max;
	u = calloc(n, sizeof(*u));
	ku = calloc(n, sizeof(*ku));
	again = calloc(n, sizeof(*again));
	err = u && ku && again ? kop_get_many(kk, want, ops, &nfd) : -ENOMEM;
	if (err) {
		for (size_t i = 0; i < n; i++)
			reqs[i].result = err;
		goto out;
	}
	for (unsigned int f = 0; f < nfd; f++) {
		start[f] = nku;
		for (size_t i = f; i < n; i += nfd) {
			if (gcm_bare_tag(encrypt, &reqs[i]) || reqs[i].aadlen > UINT32_MAX) {
				again[i] = true;
				continue;
			}
			gcm_op(kk, encrypt, &reqs[i], aad_sink, ku[nku].ku_io, &ku[nku].ku_op);
			u[nku] = (struct afalg_uop){
				.fd = ops[f]->ko_fd, .op = &ku[nku].ku_op, .chained = true
			};
			ku[nku].ku_req = i;
			nku++;
		}
		if (nku > start[f])
			u[nku - 1].chained = false;
	}
	start[nfd] = nku;

	err = afalg_ring_run(ring, u, nku);
	kring_put(kk->kk_kc, ring);
	ring = NULL;
	for (unsigned int f = 0; f < nfd; f++)
		kop_put(kk, ops[f],
			gcm_settle_chain(encrypt, reqs, &u[start[f]], &ku[start[f]],
					 start[f + 1] - start[f], again));
	for (size_t i = 0; i < n; i++)
		if (again[i])
			gcm_serial(kk, encrypt, &reqs[i], 1, aad_sink);
out:
	if (ring)
		kring_put(kk->kk_kc, ring);
	free(again);
	free(ku);
	free(u);
}

static int k_gcm(void *priv, bool encrypt, struct ac_gcm_req *reqs, size_t n)
{
	struct kkey *kk = priv;
	struct afalg_ring *ring;
	uint8_t *aad_sink = NULL;
	size_t aadmax = 0;
	int first = 0;

	for (size_t i = 0; i < n; i++)
		if (reqs[i].aadlen > aadmax)
			aadmax = reqs[i].aadlen;
	if (aadmax) {
		aad_sink = malloc(aadmax);
		if (!aad_sink)
			return -ENOMEM;
	}
	ring = kring_get(kk->kk_kc);
	if (ring)
		gcm_uring(kk, ring, encrypt, reqs, n, aad_sink);
	else
		gcm_serial(kk, encrypt, reqs, n, aad_sink);
	for (size_t i = 0; i < n && !first; i++)
		first = reqs[i].result;
	free(aad_sink);
	return first;
}

/* One skcipher operation over all of @in: cts(cbc(aes)) with its IV, or
 * ecb(aes), which has none (@ivlen 0: no ALG_SET_IV). */
static int kskcipher(struct kkey *kk, bool encrypt, const uint8_t *iv, size_t ivlen,
		     const uint8_t *in, size_t len, uint8_t *out)
{
	struct iovec vin = { .iov_base = (void *)in, .iov_len = len };
	struct iovec vout = { .iov_base = out, .iov_len = len };
	struct afalg_op o = {
		.ao_dir = encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT,
		.ao_iv = iv,
		.ao_ivlen = ivlen,
		.ao_in = &vin,
		.ao_nin = 1,
		.ao_out = &vout,
		.ao_nout = 1,
	};
	int err;

	err = kop_run_alone(kk, &o);
	if (err)
		log_err("%s %s: %s", kk->kk_ka->name, encrypt ? "encrypt" : "decrypt",
			strerror(-err));
	return err;
}

static int k_cts(void *priv, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len,
		 uint8_t *out)
{
	return kskcipher(priv, encrypt, iv, AC_CTS_IV_LEN, in, len, out);
}

static int k_ecb(void *priv, bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
	return kskcipher(priv, encrypt, NULL, 0, in, len, out);
}

static int khash(struct kkey *kk, const struct iovec *iov, int iovcnt, uint8_t *digest)
{
	struct iovec out = { .iov_base = digest, .iov_len = AC_SHA256_LEN };
	struct afalg_op o = {
		.ao_hash = true,
		.ao_in = iov,
		.ao_nin = iovcnt,
		.ao_out = &out,
		.ao_nout = 1,
	};
	int err;

	err = kop_run_alone(kk, &o);
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

/* One op fd in the pool, so that later operations never need a new one. */
static int k_key_ready(void *priv)
{
	struct kkey *kk = priv;
	struct kop *op;
	int err;

	err = kop_get(kk, &op);
	if (!err)
		kop_put(kk, op, 0);
	return err;
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

/* " (kernel.io_uring_disabled is N)", or "" where the sysctl is absent. */
static void uring_sysctl_note(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "re");
	int level;

	buf[0] = '\0';
	if (!f)
		return;
	if (fscanf(f, "%d", &level) == 1)
		snprintf(buf, len, "; kernel.io_uring_disabled is %d", level);
	fclose(f);
}

/*
 * Set up the first ring, which tells whether io_uring works here.  Where it
 * does not (no io_uring, kernel.io_uring_disabled, seccomp, an operation
 * missing), operations use sendmsg and read, and the log says so once per
 * process.
 */
static void uring_start(struct kctx *kc)
{
	static atomic_bool told;
	char why[128], note[64];
	struct afalg_ring *r;
	int err;

	bool sockets = false;

	err = afalg_ring_new(&r, why, sizeof(why));
	if (!err) {
		err = afalg_ring_probe(r, &sockets, why, sizeof(why));
		if (err)
			afalg_ring_free(r);
	}
	if (!err) {
		kc->kc_rings[kc->kc_nrings++] = r;
		kc->kc_uring = true;
		atomic_store(&kc->kc_ring_setsockopt, true);
		atomic_store(&kc->kc_ring_sockets, sockets);
		return;
	}
	if (atomic_exchange(&told, true))
		return;
	uring_sysctl_note(note, sizeof(note));
	ac_log(kc->kc_io == AC_IO_URING ? LOG_WARNING : LOG_NOTICE,
	       "io_uring not usable (%s%s): AF_ALG operations use sendmsg and read", why, note);
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
	pthread_mutex_init(&kc->kc_lock, NULL);
	raise_fd_limit();

	err = kkey_alloc(kc, AC_ALG_HMAC, &sha256_alg, false, &kc->kc_sha256);
	if (err) {
		snprintf(why, whylen, "cannot bind sha256: %s", strerror(-err));
		pthread_mutex_destroy(&kc->kc_lock);
		free(kc);
		return err;
	}
	if (kc->kc_io == AC_IO_AUTO || kc->kc_io == AC_IO_URING)
		uring_start(kc);
	ctx->c_priv = kc;
	return 0;
}

static void k_fini(struct ac_ctx *ctx)
{
	struct kctx *kc = ctx->c_priv;

	if (!kc)
		return;
	kkey_free(kc->kc_sha256);
	while (kc->kc_nrings)
		afalg_ring_free(kc->kc_rings[--kc->kc_nrings]);
	while (kc->kc_nspares)
		close(kc->kc_spares[--kc->kc_nspares]);
	pthread_mutex_destroy(&kc->kc_lock);
	free(kc);
	ctx->c_priv = NULL;
}

static const char *k_io_name(const struct ac_ctx *ctx)
{
	const struct kctx *kc = ctx->c_priv;

	if (kc->kc_uring)
		return "uring";
	switch (kc->kc_io) {
	case AC_IO_SPLICE:
		return "splice";
	case AC_IO_AUTO:
		if (kc->kc_splice_threshold != SIZE_MAX)
			return "sendmsg+splice";
		break;
	case AC_IO_SENDMSG:
	case AC_IO_URING:
		break;
	}
	return "sendmsg";
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
	.ecb = k_ecb,
	.hmac = k_hmac,
	.sha256 = k_sha256,
	.key_stats = k_key_stats,
	.key_ready = k_key_ready,
	.io_name = k_io_name,
};
