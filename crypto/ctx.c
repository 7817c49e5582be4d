// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctx.c - backend selection: the crypto context.
 *
 * "auto" tries the kernel backend first: every algorithm must bind through
 * AF_ALG and the start-up self-test must pass.  Otherwise it uses the user
 * backend and says why in one log line.  "kernel" never falls back.
 */
#include "crypto_i.h"

#include <errno.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Handles: on the kernel backend each is a socket and its op fds. */
#define DEFAULT_CACHE_KEYS 256
/* Bytes: 32 locked bytes and about 170 of heap each (19 MB of RSS for
 * 100,000 files); enough for a tree of 100,000 files to be re-opened without
 * an HMAC. */
#define DEFAULT_CACHE_DERIVED 131072
/* Batches of less than this many bytes are not shared between threads. */
#define DEFAULT_BATCH_MIN_BYTES (128 * 1024)
/*
 * No helper threads by default: on the shared 2-core development machine a
 * 1 MiB batch was not reliably faster with one helper (medians of 9 runs,
 * some faster, some slower: docs/CRYPTO.md), since its second core was
 * rarely idle.  AC_BATCH_THREADS_ONLINE turns them on.
 */
#define DEFAULT_BATCH_THREADS 1

/* Set up @be on @ctx and self-test it.  On failure @why says why. */
static int backend_start(struct ac_ctx *ctx, const struct ac_backend *be, char *why, size_t whylen)
{
	int err;

	ctx->c_be = be;
	ctx->c_priv = NULL;
	err = be->init(ctx, why, whylen);
	if (err)
		goto out_clear;
	err = ac_selftest(ctx, why, whylen);
	if (err) {
		be->fini(ctx);
		goto out_clear;
	}
	return 0;

out_clear:
	ctx->c_be = NULL;
	ctx->c_priv = NULL;
	return err;
}

/*
 * Live key handles kept: DEFAULT_CACHE_KEYS, or fewer under a low open-file
 * limit, since on the kernel backend a handle is a socket and its op fds
 * (up to five in a batch): a sixteenth of the limit keeps them to about a
 * third of it, beside the filesystem's own descriptors.
 */
static unsigned int default_cache_keys(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 16 >= DEFAULT_CACHE_KEYS)
		return DEFAULT_CACHE_KEYS;
	return rl.rlim_cur / 16 > 8 ? (unsigned int)(rl.rlim_cur / 16) : 8;
}

int ac_ctx_new(const struct ac_options *opts, struct ac_ctx **ctxp)
{
	static const struct ac_options defaults = { .mode = AC_BACKEND_AUTO };
	struct ac_ctx *ctx;
	char why[sizeof(ctx->c_fallback)] = "";
	int err;

	*ctxp = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->c_opts = opts ? *opts : defaults;
	if (!ctx->c_opts.cache_keys)
		ctx->c_opts.cache_keys = default_cache_keys();
	if (!ctx->c_opts.cache_derived)
		ctx->c_opts.cache_derived = DEFAULT_CACHE_DERIVED;
	if (!ctx->c_opts.batch_min_bytes)
		ctx->c_opts.batch_min_bytes = DEFAULT_BATCH_MIN_BYTES;
	if (!ctx->c_opts.batch_threads)
		ctx->c_opts.batch_threads = DEFAULT_BATCH_THREADS;
	if (ctx->c_opts.batch_threads == AC_BATCH_THREADS_ONLINE)
		ctx->c_opts.batch_threads = ac_online_cpus();
	if (ctx->c_opts.batch_threads > AC_BATCH_THREADS_MAX)
		ctx->c_opts.batch_threads = AC_BATCH_THREADS_MAX;
	err = ac_cache_init(ctx);
	if (err) {
		free(ctx);
		return err;
	}
	err = -pthread_mutex_init(&ctx->c_workers_lock, NULL);
	if (err) {
		ac_cache_free(ctx);
		free(ctx);
		return err;
	}
	atomic_init(&ctx->c_next_key_id, 1);

	switch (ctx->c_opts.mode) {
	case AC_BACKEND_KERNEL:
		err = backend_start(ctx, &ac_kernel_backend, why, sizeof(why));
		if (err)
			log_err("kernel crypto backend unusable: %s", why);
		break;
	case AC_BACKEND_USER:
		err = backend_start(ctx, &ac_user_backend, why, sizeof(why));
		if (err)
			log_err("user crypto backend unusable: %s", why);
		break;
	case AC_BACKEND_AUTO:
		err = backend_start(ctx, &ac_kernel_backend, why, sizeof(why));
		if (!err)
			break;
		snprintf(ctx->c_fallback, sizeof(ctx->c_fallback), "%s", why);
		log_info("using the user crypto backend: %s", ctx->c_fallback);
		err = backend_start(ctx, &ac_user_backend, why, sizeof(why));
		if (err)
			log_err("user crypto backend unusable: %s", why);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err) {
		ac_cache_free(ctx);
		pthread_mutex_destroy(&ctx->c_workers_lock);
		free(ctx);
		return err;
	}
	*ctxp = ctx;
	return 0;
}

void ac_ctx_free(struct ac_ctx *ctx)
{
	if (!ctx)
		return;
	ac_workers_free(ctx);
	ac_cache_free(ctx);
	ctx->c_be->fini(ctx);
	pthread_mutex_destroy(&ctx->c_workers_lock);
	free(ctx);
}

unsigned int ac_caps(const struct ac_ctx *ctx)
{
	return ctx->c_be->caps(ctx);
}

const char *ac_backend_name(const struct ac_ctx *ctx)
{
	return ctx->c_be->name;
}

const char *ac_ctx_fallback_reason(const struct ac_ctx *ctx)
{
	return ctx->c_fallback[0] ? ctx->c_fallback : NULL;
}

const char *ac_io_name(const struct ac_ctx *ctx)
{
	return ctx->c_be->io_name ? ctx->c_be->io_name(ctx) : "none";
}
