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
#include <unistd.h>
#include <linux/if_alg.h>
#include <liburing.h>

#include "log.h"


#ifndef IORING_OP_BIND
#define IORING_OP_BIND 56 /* Linux 6.11; liburing 2.3 predates it */
#endif
#define SOCKET_CMD_SETSOCKOPT 3 /* SOCKET_URING_OP_SETSOCKOPT, Linux 6.7 */

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
	bool r_lost; /* a wait failed: requests may still be in flight */
	struct slot r_slots[RING_OPS];
};

/* Does the kernel have the requests an operation needs? */
static int require_ops(const struct io_uring_probe *probe, char *why, size_t whylen)
{
	static const struct {
		int op;
		const char *name;
	} need[] = {
		{ IORING_OP_SENDMSG, "IORING_OP_SENDMSG" },
		{ IORING_OP_RECVMSG, "IORING_OP_RECVMSG" },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!io_uring_opcode_supported(probe, need[i].op)) {
			snprintf(why, whylen, "io_uring lacks %s", need[i].name);
			return -EOPNOTSUPP;
		}
	}
	return 0;
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

int afalg_ring_probe(struct afalg_ring *r, bool *sockets, char *why, size_t whylen)
{
	/* IORING_REGISTER_PROBE: Linux 5.6. */
	struct io_uring_probe *probe = io_uring_get_probe_ring(&r->r_ring);
	int err;

	*sockets = false;
	if (!probe) {
		snprintf(why, whylen, "io_uring cannot say which requests it has");
		return -EOPNOTSUPP;
	}
	err = require_ops(probe, why, whylen);
	*sockets = !err && io_uring_opcode_supported(probe, IORING_OP_SOCKET) &&
		   io_uring_opcode_supported(probe, IORING_OP_BIND) &&
		   io_uring_opcode_supported(probe, IORING_OP_URING_CMD);
	io_uring_free_probe(probe);
	return err;
}

void afalg_ring_free(struct afalg_ring *r)
{
	if (!r)
		return;
	io_uring_queue_exit(&r->r_ring);
	/* Requests still in flight would write into the slots: leave them. */
	if (!r->r_lost)
		free(r);
}

bool afalg_ring_lost(const struct afalg_ring *r)
{
	return r->r_lost;
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
	if (ret < 0) {
		r->r_lost = true;
		return ret;
	}
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
			log_err("io_uring: waiting for AF_ALG operations: %s", strerror(-ret));
			r->r_lost = true;
			return ret;
		}
	}
	if (nreq < want) {
		log_err("io_uring: %u of %u AF_ALG requests refused at submission", want - nreq,
			want);
		r->r_lost = true;
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

/*
 * Socket set-up through the ring: accept (Linux 5.5), socket (5.19), bind
 * (6.11) and setsockopt as a socket command (6.7), each batch in one
 * io_uring_enter.  Where the kernel lacks one, the request fails (EINVAL,
 * EOPNOTSUPP) and the caller does the same with the plain system calls.
 */


/* Submit the @n queued requests, whose user_data are 0..@n-1, and put
 * each one's result in @res.  Return: 0, or -errno of io_uring_enter (the
 * ring is then lost). */
static int run_raw(struct afalg_ring *r, unsigned int n, int *res)
{
	unsigned int seen = 0;
	int ret;

	for (unsigned int i = 0; i < n; i++)
		res[i] = -ECANCELED;
	ret = io_uring_submit_and_wait(&r->r_ring, n);
	while (ret == -EINTR)
		ret = io_uring_submit_and_wait(&r->r_ring, n);
	if (ret < 0) {
		r->r_lost = true;
		return ret;
	}
	if ((unsigned int)ret < n) {
		log_err("io_uring: %u of %u socket requests refused at submission", n - ret, n);
		r->r_lost = true;
		return -EIO;
	}
	while (seen < n) {
		struct io_uring_cqe *cqe;
		unsigned int head, k = 0;

		io_uring_for_each_cqe(&r->r_ring, head, cqe)
		{
			if (cqe->user_data < n)
				res[cqe->user_data] = cqe->res;
			k++;
		}
		io_uring_cq_advance(&r->r_ring, k);
		seen += k;
		if (seen >= n)
			break;
		ret = io_uring_wait_cqe(&r->r_ring, &cqe);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -ETIME) {
			log_err("io_uring: waiting for socket requests: %s", strerror(-ret));
			r->r_lost = true;
			return ret;
		}
	}
	return 0;
}

/* setsockopt(@fd, SOL_ALG, @name, @val, @len) as a socket command. */
static void prep_setsockopt(struct io_uring_sqe *sqe, int fd, int name, const void *val,
			    unsigned int len)
{
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = SOCKET_CMD_SETSOCKOPT;
	/* level and optname share the address field; optlen is at file_index,
	 * optval at addr3 (struct io_uring_sqe of Linux 6.7). */
	sqe->addr = (uint64_t)SOL_ALG | (uint64_t)name << 32;
	sqe->file_index = len;
	sqe->addr3 = (uint64_t)(uintptr_t)val;
}

int afalg_ring_accept(struct afalg_ring *r, int tfm, int *fds, unsigned int n)
{
	int res[RING_OPS];
	unsigned int got = 0;
	int err;

	if (n > RING_OPS)
		n = RING_OPS;
	for (unsigned int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->r_ring);

		io_uring_prep_accept(sqe, tfm, NULL, NULL, SOCK_CLOEXEC);
		io_uring_sqe_set_data64(sqe, i);
	}
	err = run_raw(r, n, res);
	for (unsigned int i = 0; i < n; i++) {
		if (res[i] >= 0)
			fds[got++] = res[i];
		else if (!err)
			err = res[i];
	}
	return got ? (int)got : err;
}

int afalg_ring_setkey_accept(struct afalg_ring *r, int tfm, unsigned int authsize,
			     const void *key, unsigned int keylen, int *op, int *stage)
{
	struct io_uring_sqe *sqe;
	unsigned int n = 0;
	int res[3], err;

	if (authsize) {
		sqe = io_uring_get_sqe(&r->r_ring);
		prep_setsockopt(sqe, tfm, ALG_SET_AEAD_AUTHSIZE, NULL, authsize);
		io_uring_sqe_set_data64(sqe, n++);
		io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	}
	sqe = io_uring_get_sqe(&r->r_ring);
	prep_setsockopt(sqe, tfm, ALG_SET_KEY, key, keylen);
	io_uring_sqe_set_data64(sqe, n++);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	sqe = io_uring_get_sqe(&r->r_ring);
	io_uring_prep_accept(sqe, tfm, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, n++);
	err = run_raw(r, n, res);
	if (err) {
		*stage = -1;
		/* An op fd it accepted is still ours. */
		if (res[n - 1] >= 0)
			close(res[n - 1]);
		return err;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (res[i] < 0) {
			*stage = (int)i + (authsize ? 0 : 1);
			return res[i];
		}
	}
	*op = res[n - 1];
	return 0;
}

int afalg_ring_tfm_open(struct afalg_ring *r, const struct sockaddr_alg *sa, unsigned int authsize,
			int *fds, unsigned int n)
{
	int res[RING_OPS], fd[RING_OPS / 2];
	unsigned int nsock = 0, nreq = 0, got = 0;
	int err, first = 0;

	if (n > RING_OPS / 2)
		n = RING_OPS / 2;
	for (unsigned int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->r_ring);

		io_uring_prep_socket(sqe, AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	err = run_raw(r, n, res);
	for (unsigned int i = 0; i < n; i++)
		if (res[i] >= 0)
			fd[nsock++] = res[i];
	if (err || !nsock)
		goto out;

	/* Each socket: bind, then the tag length, linked. */
	for (unsigned int i = 0; i < nsock; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->r_ring);

		io_uring_prep_rw(IORING_OP_BIND, sqe, fd[i], sa, 0, sizeof(*sa));
		io_uring_sqe_set_data64(sqe, nreq++);
		if (!authsize)
			continue;
		io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
		sqe = io_uring_get_sqe(&r->r_ring);
		prep_setsockopt(sqe, fd[i], ALG_SET_AEAD_AUTHSIZE, NULL, authsize);
		io_uring_sqe_set_data64(sqe, nreq++);
	}
	err = run_raw(r, nreq, res);
	for (unsigned int i = 0, k = 0; i < nsock; i++, k += authsize ? 2 : 1) {
		int e = res[k] < 0 ? res[k] : authsize && res[k + 1] < 0 ? res[k + 1] : 0;

		if (!err && !e) {
			fds[got++] = fd[i];
			continue;
		}
		if (!first)
			first = e;
		close(fd[i]);
	}
	return got ? (int)got : err ? err : first;
out:
	for (unsigned int i = 0; i < n; i++)
		if (res[i] < 0 && !first)
			first = res[i];
	for (unsigned int i = 0; i < nsock; i++)
		close(fd[i]);
	return err ? err : first ? first : -EIO;
}
