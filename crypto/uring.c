// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uring.c - AF_ALG operations through io_uring: many per system call.
 *
 * An operation on an op fd is a sendmsg (parameters and input) and a recvmsg
 * of exactly the output length, as in afalg.c.  Here both are io_uring
 * requests, IORING_OP_SENDMSG linked to IORING_OP_RECVMSG, and a whole batch
 * is handed to the kernel with one io_uring_enter that also waits for it.
 *
 * An op fd runs one operation at a time (since 2023 a second one in flight
 * fails with EBUSY), so the operations on one fd form one chain: each
 * sendmsg is linked (IOSQE_IO_LINK) to its recvmsg, and each recvmsg
 * hard-linked (IOSQE_IO_HARDLINK) to the next sendmsg on the fd, so that a
 * failed tag (EBADMSG), after which the fd is still good, does not cancel the
 * operations behind it.  A failed sendmsg cancels the rest of its chain
 * (ECANCELED): the caller runs those again on another fd.  Chains on
 * different fds are independent.
 *
 * recvmsg, not read: a read on a socket passes io_uring's kiocb down, which
 * AF_ALG takes for its AIO path (being removed from the kernel); recvmsg
 * takes the synchronous one.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>

#include "log.h"

/* Operations per io_uring_enter: a 1 MiB request of 4 KiB blocks. */
#define RING_OPS 256

/* The messages of one operation in flight. */
struct slot {
	struct msghdr send;
	struct msghdr recv;
	union afalg_ctl ctl;
	ssize_t send_want;
	size_t recv_want;
	int send_res; /* 0 or -errno; -ECANCELED until it completes */
	int recv_res;
};

struct afalg_ring {
	struct io_uring r_ring;
	struct slot r_slots[RING_OPS];
};

/* Does the kernel know @op?  io_uring_get_probe_ring() needs Linux 5.6. */
static int require_ops(struct io_uring *ring, char *why, size_t whylen)
{
	static const struct {
		int op;
		const char *name;
	} need[] = {
		{ IORING_OP_SENDMSG, "IORING_OP_SENDMSG" },
		{ IORING_OP_RECVMSG, "IORING_OP_RECVMSG" },
	};
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	int err = 0;

	if (!probe) {
		snprintf(why, whylen, "io_uring cannot say which operations it has");
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]) && !err; i++) {
		if (!io_uring_opcode_supported(probe, need[i].op)) {
			snprintf(why, whylen, "io_uring lacks %s", need[i].name);
			err = -EOPNOTSUPP;
		}
	}
	io_uring_free_probe(probe);
	return err;
}

int afalg_ring_new(struct afalg_ring **rp, char *why, size_t whylen)
{
	struct afalg_ring *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(why, whylen, "io_uring: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/* SUBMIT_ALL (Linux 5.18): a request that fails at submission does not
	 * leave the ones after it in the submission queue. */
	err = io_uring_queue_init(2 * RING_OPS, &r->r_ring, IORING_SETUP_SUBMIT_ALL);
	if (err == -EINVAL)
		err = io_uring_queue_init(2 * RING_OPS, &r->r_ring, 0);
	if (err) {
		snprintf(why, whylen, "io_uring_setup: %s", strerror(-err));
		free(r);
		return err;
	}
	*rp = r;
	return 0;
}

int afalg_ring_probe(struct afalg_ring *r, char *why, size_t whylen)
{
	return require_ops(&r->r_ring, why, whylen);
}

void afalg_ring_free(struct afalg_ring *r)
{
	if (!r)
		return;
	io_uring_queue_exit(&r->r_ring);
	free(r);
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

/* Queue the two requests of @u in slot @i.  @last: the end of its chain in
 * this submission. */
static void queue_one(struct afalg_ring *r, size_t i, const struct afalg_uop *u, bool last)
{
	struct slot *s = &r->r_slots[i];
	const struct afalg_op *o = u->op;
	struct io_uring_sqe *sqe;

	/* afalg_ring_run() checked what afalg_msg_init() can refuse. */
	s->send_want = afalg_msg_init(o, &s->send, &s->ctl);
	s->send_res = s->recv_res = -ECANCELED;
	memset(&s->recv, 0, sizeof(s->recv));
	s->recv.msg_iov = (struct iovec *)o->ao_out;
	s->recv.msg_iovlen = (size_t)o->ao_nout;
	s->recv_want = iov_total(o->ao_out, o->ao_nout);

	/* The ring has room for RING_OPS operations, two entries each, and
	 * is empty when a submission starts. */
	sqe = io_uring_get_sqe(&r->r_ring);
	io_uring_prep_sendmsg(sqe, u->fd, &s->send, 0);
	io_uring_sqe_set_data64(sqe, 2 * i);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);

	sqe = io_uring_get_sqe(&r->r_ring);
	io_uring_prep_recvmsg(sqe, u->fd, &s->recv, 0);
	io_uring_sqe_set_data64(sqe, 2 * i + 1);
	io_uring_sqe_set_flags(sqe, last ? 0 : IOSQE_IO_HARDLINK);
}

/* Note the result of one request in its slot. */
static void complete_one(struct afalg_ring *r, const struct io_uring_cqe *cqe)
{
	struct slot *s = &r->r_slots[cqe->user_data / 2];
	bool recv = cqe->user_data % 2;
	int res = cqe->res;

	/* Every length is checked: a short one leaves the fd's state unknown. */
	if (res >= 0)
		res = (size_t)res == (recv ? s->recv_want : (size_t)s->send_want) ? 0 : -EIO;
	if (recv)
		s->recv_res = res;
	else
		s->send_res = res;
}

/* Submit the @nreq queued requests and reap their completions.  Return: 0,
 * or -errno of io_uring_enter. */
static int submit_and_reap(struct afalg_ring *r, unsigned int nreq)
{
	unsigned int seen = 0, want = nreq;
	int ret;

	ret = io_uring_submit_and_wait(&r->r_ring, nreq);
	while (ret == -EINTR)
		ret = io_uring_submit_and_wait(&r->r_ring, nreq);
	if (ret < 0)
		return ret;
	/* Without SUBMIT_ALL (Linux before 5.18) a request refused at
	 * submission stops it: reap what was submitted, then give the ring up,
	 * since the rest is still queued in it. */
	if ((unsigned int)ret < nreq)
		nreq = (unsigned int)ret;
	while (seen < nreq) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;

		io_uring_for_each_cqe(&r->r_ring, head, cqe)
		{
			complete_one(r, cqe);
			n++;
		}
		io_uring_cq_advance(&r->r_ring, n);
		seen += n;
		if (seen >= nreq)
			break;
		ret = io_uring_wait_cqe(&r->r_ring, &cqe);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -ETIME) {
			/* Requests may still be in flight: this ring is lost. */
			log_err("io_uring: waiting for AF_ALG operations: %s", strerror(-ret));
			return ret;
		}
	}
	if (nreq < want) {
		log_err("io_uring: %u of %u AF_ALG requests refused at submission", want - nreq,
			want);
		return -EIO;
	}
	return 0;
}

int afalg_ring_run(struct afalg_ring *r, struct afalg_uop *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		u[i].result = -ECANCELED;
		/* Checked before anything is queued, so that no chain is cut. */
		if (!u[i].op->ao_hash && u[i].op->ao_ivlen > AFALG_IV_MAX)
			return -EINVAL;
	}
	for (size_t done = 0; done < n;) {
		size_t k = n - done < RING_OPS ? n - done : RING_OPS;
		int err;

		for (size_t i = 0; i < k; i++)
			queue_one(r, i, &u[done + i], i + 1 == k || !u[done + i].chained);
		err = submit_and_reap(r, (unsigned int)(2 * k));
		if (err)
			return err;
		for (size_t i = 0; i < k; i++) {
			const struct slot *s = &r->r_slots[i];

			u[done + i].result = s->send_res ? s->send_res : s->recv_res;
		}
		done += k;
	}
	return 0;
}
