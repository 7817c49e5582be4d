// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * afalg.c - every AF_ALG system call of algfs, and nothing else.
 *
 * The kernel crypto API's user-space interface (Documentation/crypto/
 * userspace-if.rst): a transform socket is bound to an algorithm and keyed
 * with setsockopt; accept() gives an op fd; one operation is a sendmsg with
 * its parameters as control messages (ALG_SET_OP, ALG_SET_IV,
 * ALG_SET_AEAD_ASSOCLEN) and the input, then one read of exactly the output
 * length.  A larger read waits for the next operation and a smaller one
 * silently truncates, so every length is checked.
 *
 * Large inputs may instead be vmspliced into a pipe and spliced into the op
 * fd, at most 16 pages (the kernel's ALG_MAX_PAGES) per splice.
 *
 * The same operations through io_uring, many per system call, are in
 * uring.c, with the messages built here (afalg_msg_init()).
 */
#include "crypto_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_alg.h>

/* Linux 6.2; older kernels answer ENOPROTOOPT. */
#ifndef ALG_SET_KEY_BY_KEY_SERIAL
#define ALG_SET_KEY_BY_KEY_SERIAL 7
#endif

#define SPLICE_MAX_BYTES (16 * 4096)
#define IV_MAX AFALG_IV_MAX

int afalg_sockaddr(const char *type, const char *name, struct sockaddr_alg *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->salg_family = AF_ALG;
	if (strlen(type) >= sizeof(sa->salg_type) || strlen(name) >= sizeof(sa->salg_name))
		return -ENAMETOOLONG;
	memcpy(sa->salg_type, type, strlen(type));
	memcpy(sa->salg_name, name, strlen(name));
	return 0;
}

int afalg_tfm_open(const char *type, const char *name, int *failed_call)
{
	struct sockaddr_alg sa;
	int fd, err;

	err = afalg_sockaddr(type, name, &sa);
	if (err)
		return err;
	fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (failed_call)
			*failed_call = 0;
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		if (failed_call)
			*failed_call = 1;
		return err;
	}
	return fd;
}

int afalg_setkey(int tfm, const uint8_t *key, size_t len)
{
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, (socklen_t)len) < 0)
		return -errno;
	return 0;
}

int afalg_setkey_serial(int tfm, int32_t serial)
{
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, &serial, sizeof(serial)) < 0)
		return -errno;
	return 0;
}

int afalg_set_authsize(int tfm, unsigned int len)
{
	/* The tag length goes in optlen, with no buffer. */
	if (setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, len) < 0)
		return -errno;
	return 0;
}

int afalg_accept(int tfm)
{
	int op = accept4(tfm, NULL, NULL, SOCK_CLOEXEC);

	return op < 0 ? -errno : op;
}

int afalg_pipe(int pipefd[2])
{
	return pipe2(pipefd, O_CLOEXEC) < 0 ? -errno : 0;
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

#define CTL_SPACE                                                                        \
	(CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct af_alg_iv) + IV_MAX) + \
	 CMSG_SPACE(sizeof(uint32_t)))
_Static_assert(CTL_SPACE <= AFALG_CTL_MAX, "AFALG_CTL_MAX is too small");

/* The control messages of @o into @msg, whose msg_control is @ctl. */
static int put_cmsgs(const struct afalg_op *o, struct msghdr *msg, union afalg_ctl *ctl)
{
	struct af_alg_iv *aiv;
	struct cmsghdr *c;

	if (o->ao_ivlen > IV_MAX)
		return -EINVAL;
	memset(ctl->buf, 0, sizeof(ctl->buf));
	msg->msg_control = ctl->buf;
	msg->msg_controllen =
		CMSG_SPACE(sizeof(uint32_t)) +
		(o->ao_ivlen ? CMSG_SPACE(sizeof(struct af_alg_iv) + o->ao_ivlen) : 0) +
		(o->ao_aead ? CMSG_SPACE(sizeof(uint32_t)) : 0);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &o->ao_dir, sizeof(uint32_t));

	/* No IV (ecb(aes)): no ALG_SET_IV, the transform has none to set. */
	if (o->ao_ivlen) {
		c = CMSG_NXTHDR(msg, c);
		c->cmsg_level = SOL_ALG;
		c->cmsg_type = ALG_SET_IV;
		c->cmsg_len = CMSG_LEN(sizeof(*aiv) + o->ao_ivlen);
		aiv = (struct af_alg_iv *)CMSG_DATA(c);
		aiv->ivlen = o->ao_ivlen;
		memcpy(aiv->iv, o->ao_iv, o->ao_ivlen);
	}

	if (o->ao_aead) {
		c = CMSG_NXTHDR(msg, c);
		c->cmsg_level = SOL_ALG;
		c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
		c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(c), &o->ao_assoclen, sizeof(uint32_t));
	}
	return 0;
}

ssize_t afalg_msg_init(const struct afalg_op *o, struct msghdr *msg, union afalg_ctl *ctl)
{
	int err;

	memset(msg, 0, sizeof(*msg));
	msg->msg_iov = (struct iovec *)o->ao_in;
	msg->msg_iovlen = (size_t)o->ao_nin;
	if (!o->ao_hash) {
		err = put_cmsgs(o, msg, ctl);
		if (err)
			return err;
	}
	return (ssize_t)iov_total(o->ao_in, o->ao_nin);
}

/* Send @nin iovecs with the operation's control messages. */
static int send_with_cmsgs(int op, const struct afalg_op *o, const struct iovec *in, int nin,
			   int flags)
{
	union afalg_ctl ctl;
	struct msghdr msg = { .msg_iov = (struct iovec *)in, .msg_iovlen = (size_t)nin };
	size_t want = iov_total(in, nin);
	ssize_t n;
	int err;

	err = put_cmsgs(o, &msg, &ctl);
	if (err)
		return err;
	n = sendmsg(op, &msg, flags);
	if (n < 0)
		return -errno;
	/* The socket takes all of it or blocks; a short count is a broken fd. */
	return (size_t)n == want ? 0 : -EIO;
}

/*
 * vmsplice+splice @iov's pages into @op, at most SPLICE_MAX_BYTES at once.
 * Every splice but the last carries SPLICE_F_MORE; the last one ends the
 * operation's input, so a short last splice would end it early: that is
 * -EIO, and the caller closes the op fd.
 */
static int splice_in(int op, const int pipefd[2], const struct iovec *iov)
{
	const uint8_t *p = iov->iov_base;
	size_t left = iov->iov_len;

	while (left) {
		struct iovec chunk = {
			.iov_base = (void *)p,
			.iov_len = left < SPLICE_MAX_BYTES ? left : SPLICE_MAX_BYTES,
		};
		ssize_t n = vmsplice(pipefd[1], &chunk, 1, 0);
		size_t moved = 0;

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		while (moved < (size_t)n) {
			bool last = left == (size_t)n;
			ssize_t m = splice(pipefd[0], NULL, op, NULL, (size_t)n - moved,
					   last ? 0 : SPLICE_F_MORE);

			if (m <= 0)
				return m < 0 ? -errno : -EIO;
			moved += (size_t)m;
			if (last && moved < (size_t)n)
				return -EIO;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int afalg_cipher(int op, const struct afalg_op *o)
{
	size_t want = iov_total(o->ao_out, o->ao_nout);
	ssize_t n;
	int err;

	if (o->ao_splice && o->ao_nin > 0 && o->ao_in[o->ao_nin - 1].iov_len > 0) {
		/* Parameters and the leading iovecs (the AAD) by sendmsg, more to
		 * come; then the data by splice. */
		err = send_with_cmsgs(op, o, o->ao_in, o->ao_nin - 1, MSG_MORE);
		if (!err)
			err = splice_in(op, o->ao_pipe, &o->ao_in[o->ao_nin - 1]);
	} else {
		err = send_with_cmsgs(op, o, o->ao_in, o->ao_nin, 0);
	}
	if (err)
		return err;

	n = readv(op, o->ao_out, o->ao_nout);
	if (n < 0)
		return -errno;
	return (size_t)n == want ? 0 : -EIO;
}

int afalg_hash(int op, const struct iovec *iov, int iovcnt, uint8_t *digest, size_t len)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	size_t want = iov_total(iov, iovcnt);
	ssize_t n;

	n = sendmsg(op, &msg, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n != want)
		return -EIO;
	n = read(op, digest, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}
