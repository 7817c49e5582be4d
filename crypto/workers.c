// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * workers.c - spread a large batch over idle CPUs.
 *
 * A 1 MiB FUSE request is 256 blocks of 4 KiB, which one thread encrypts in
 * a few hundred microseconds.  When the other cores are idle, helper threads
 * can take part: the calling thread posts the batch as a job, claims idle
 * helpers, and works on it itself; everyone takes slices of the batch from
 * one atomic counter until none are left.  Threads on large batches
 * (callers and helpers) never outnumber ac_options.batch_threads: a caller
 * claims helpers only for the CPUs that no other large batch is using, so
 * four 1 MiB FUSE requests at once on two cores each run alone, as they did
 * before, and never oversubscribe the CPUs.  A helper is never waited for:
 * helpers claimed but not yet awake when the caller has finished every slice
 * are released unused.  (Small batches and other work are not counted: they
 * are short, and counting them would cost every block an atomic operation.)
 *
 * The helpers (ac_options.batch_threads - 1 of them; none by default, one
 * per online CPU but the caller's with AC_BATCH_THREADS_ONLINE) start with
 * the first batch large enough to share (ac_options.batch_min_bytes) and
 * stop when the context is freed.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct job {
	struct job *j_next; /* on w_jobs while helpers may still join */
	void (*j_fn)(void *arg, size_t begin, size_t end);
	void *j_arg;
	size_t j_n, j_slice;
	atomic_size_t j_next_slice; /* the next slice to take */
	unsigned int j_wanted; /* helpers claimed, not yet joined; w_lock */
	unsigned int j_working; /* helpers that joined and are not done; w_lock */
};

struct ac_workers {
	pthread_mutex_t w_lock;
	pthread_cond_t w_work; /* a job wants helpers, or w_stop */
	pthread_cond_t w_done; /* a helper left a job */
	struct job *w_jobs; /* jobs that want helpers; w_lock */
	unsigned int w_idle; /* helpers neither claimed nor working; w_lock */
	unsigned int w_busy; /* callers in a large batch, helpers claimed or working; w_lock */
	unsigned int w_max; /* the most threads on large batches at once */
	unsigned int w_nthreads;
	bool w_stop; /* w_lock */
	uint64_t w_shared; /* batches that helpers were claimed for; w_lock */
	atomic_uint_fast64_t w_helper_slices; /* slices that helpers did */
	pthread_t w_tids[];
};

/* Take slices until none are left.  Return: how many this thread did. */
static uint64_t job_work(struct job *j)
{
	size_t nslices = (j->j_n + j->j_slice - 1) / j->j_slice;
	uint64_t done = 0;

	for (;;) {
		size_t s = atomic_fetch_add_explicit(&j->j_next_slice, 1, memory_order_relaxed);
		size_t begin = s * j->j_slice;

		if (s >= nslices)
			return done;
		j->j_fn(j->j_arg, begin, begin + j->j_slice < j->j_n ? begin + j->j_slice : j->j_n);
		done++;
	}
}

static void job_unlink(struct ac_workers *w, struct job *j)
{
	struct job **pp;

	for (pp = &w->w_jobs; *pp; pp = &(*pp)->j_next) {
		if (*pp == j) {
			*pp = j->j_next;
			return;
		}
	}
}

static void *helper_main(void *arg)
{
	struct ac_workers *w = arg;
	struct job *j;

	pthread_mutex_lock(&w->w_lock);
	for (;;) {
		while (!w->w_stop && !w->w_jobs)
			pthread_cond_wait(&w->w_work, &w->w_lock);
		if (w->w_stop)
			break;
		j = w->w_jobs;
		if (!--j->j_wanted)
			job_unlink(w, j);
		j->j_working++;
		pthread_mutex_unlock(&w->w_lock);

		atomic_fetch_add_explicit(&w->w_helper_slices, job_work(j), memory_order_relaxed);

		pthread_mutex_lock(&w->w_lock);
		w->w_idle++;
		w->w_busy--;
		if (!--j->j_working)
			pthread_cond_broadcast(&w->w_done);
	}
	pthread_mutex_unlock(&w->w_lock);
	return NULL;
}

unsigned int ac_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > AC_BATCH_THREADS_MAX ? AC_BATCH_THREADS_MAX : (unsigned int)n;
}

/* Start the helpers; on failure run with the ones that started. */
static struct ac_workers *workers_start(unsigned int threads)
{
	struct ac_workers *w;
	unsigned int i;

	w = calloc(1, sizeof(*w) + (threads - 1) * sizeof(pthread_t));
	if (!w)
		return NULL;
	pthread_mutex_init(&w->w_lock, NULL);
	pthread_cond_init(&w->w_work, NULL);
	pthread_cond_init(&w->w_done, NULL);
	for (i = 0; i + 1 < threads; i++) {
		int err = pthread_create(&w->w_tids[i], NULL, helper_main, w);

		if (err) {
			log_warn("cannot start a crypto helper thread (%s): batches use %u threads",
				 strerror(err), i + 1);
			break;
		}
	}
	w->w_nthreads = i;
	w->w_idle = i;
	w->w_max = threads;
	return w;
}

/* The context's helpers, started on first use; NULL if there are none. */
static struct ac_workers *workers_get(struct ac_ctx *ctx)
{
	struct ac_workers *w = atomic_load_explicit(&ctx->c_workers, memory_order_acquire);
	unsigned int threads = ctx->c_opts.batch_threads;

	if (w || threads == 1)
		return w;
	pthread_mutex_lock(&ctx->c_workers_lock);
	w = atomic_load_explicit(&ctx->c_workers, memory_order_relaxed);
	if (!w && !ctx->c_workers_failed) {
		w = workers_start(threads);
		if (w && !w->w_nthreads) {
			free(w);
			w = NULL;
		}
		ctx->c_workers_failed = !w;
		atomic_store_explicit(&ctx->c_workers, w, memory_order_release);
	}
	pthread_mutex_unlock(&ctx->c_workers_lock);
	return w;
}

bool ac_workers_run(struct ac_ctx *ctx, size_t n, size_t slice,
		    void (*fn)(void *arg, size_t begin, size_t end), void *arg)
{
	struct ac_workers *w = workers_get(ctx);
	struct job j = { .j_fn = fn, .j_arg = arg, .j_n = n, .j_slice = slice };
	size_t nslices = (n + slice - 1) / slice;
	unsigned int k, room;

	if (!w)
		return false;
	pthread_mutex_lock(&w->w_lock);
	/* Helpers only for the CPUs that no other large batch is using. */
	w->w_busy++;
	room = w->w_max > w->w_busy ? w->w_max - w->w_busy : 0;
	k = w->w_idle < room ? w->w_idle : room;
	if (k > nslices - 1)
		k = (unsigned int)(nslices - 1);
	if (k) {
		w->w_idle -= k;
		w->w_busy += k;
		w->w_shared++;
		j.j_wanted = k;
		atomic_init(&j.j_next_slice, 0);
		j.j_next = w->w_jobs;
		w->w_jobs = &j;
		if (k == 1)
			pthread_cond_signal(&w->w_work);
		else
			pthread_cond_broadcast(&w->w_work);
	}
	pthread_mutex_unlock(&w->w_lock);

	if (k)
		job_work(&j);
	else
		fn(arg, 0, n);

	pthread_mutex_lock(&w->w_lock);
	/* Helpers that have not joined yet are not needed any more. */
	if (j.j_wanted) {
		w->w_idle += j.j_wanted;
		w->w_busy -= j.j_wanted;
		j.j_wanted = 0;
		job_unlink(w, &j);
	}
	while (j.j_working)
		pthread_cond_wait(&w->w_done, &w->w_lock);
	w->w_busy--;
	pthread_mutex_unlock(&w->w_lock);
	return true;
}

void ac_batch_stats(struct ac_ctx *ctx, struct ac_batch_stats *st)
{
	struct ac_workers *w = atomic_load_explicit(&ctx->c_workers, memory_order_acquire);

	memset(st, 0, sizeof(*st));
	if (!w)
		return;
	pthread_mutex_lock(&w->w_lock);
	st->helpers = w->w_nthreads;
	st->shared = w->w_shared;
	pthread_mutex_unlock(&w->w_lock);
	st->helper_slices = atomic_load_explicit(&w->w_helper_slices, memory_order_relaxed);
}

void ac_workers_free(struct ac_ctx *ctx)
{
	struct ac_workers *w = atomic_load(&ctx->c_workers);
	unsigned int i;

	if (!w)
		return;
	pthread_mutex_lock(&w->w_lock);
	w->w_stop = true;
	pthread_cond_broadcast(&w->w_work);
	pthread_mutex_unlock(&w->w_lock);
	for (i = 0; i < w->w_nthreads; i++)
		pthread_join(w->w_tids[i], NULL);
	pthread_cond_destroy(&w->w_work);
	pthread_cond_destroy(&w->w_done);
	pthread_mutex_destroy(&w->w_lock);
	free(w);
	atomic_store(&ctx->c_workers, NULL);
}
