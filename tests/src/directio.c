// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * directio - direct I/O mixed with buffered I/O on one file, each read
 * checked against what was written.
 *
 *	directio [-b BLOCKSIZE] [-n OPS] [-S SEED] [-m OTHER [-w MS]] FILE
 *
 * FILE is opened three times: buffered, with O_DIRECT, and once more
 * buffered to turn O_DIRECT on and off with fcntl(F_SETFL).  Each case
 * writes through one and reads through another (also through a shared
 * mapping, with Linux AIO and with io_uring), at offsets and lengths that
 * cross BLOCKSIZE (the volume's block size) and the pages, and past the
 * end; every read and the size are compared with a model of the file.
 * Buffers for O_DIRECT are 4096-aligned; offsets and lengths are not.
 * With -m, OTHER is the same file through another mount of the volume
 * (-o sharedstorage): O_DIRECT writes through each are read back at once
 * with O_DIRECT through the other; with -w, MS milliseconds later (after
 * the attribute timeout, for kernels before 6.6: see algfs(8)).
 *
 * Prints one line per case: "NAME: ok", or the first difference.  Exit
 * status: 0 all cases held, 1 one did not, 2 usage or a call failed.
 *
 * Copyright (c) 2026 The algfs authors
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <linux/aio_abi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAXSIZE (4u << 20)
#define ALIGN 4096

static const char *path, *other;
static unsigned int other_wait_ms;
static size_t bs = 4096;
static uint8_t *model, *buf;
static size_t msize;
static uint8_t stamp;
static int fdb, fdd, fdm;
static const char *cur;
static bool failed;

static void die(const char *what)
{
	printf("%s: %s failed: %s\n", cur ? cur : "setup", what, strerror(errno));
	exit(2);
}

static void fill(size_t len)
{
	size_t i;

	stamp = stamp % 250 + 1;
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(stamp + i / 512);
}

static void model_write(off_t off, size_t len)
{
	if ((size_t)off > msize)
		memset(model + msize, 0, (size_t)off - msize);
	memcpy(model + off, buf, len);
	if ((size_t)off + len > msize)
		msize = (size_t)off + len;
}

static void model_truncate(size_t size)
{
	if (size > msize)
		memset(model + msize, 0, size - msize);
	msize = size;
}

static void do_write(int fd, off_t off, size_t len)
{
	ssize_t n;

	fill(len);
	n = pwrite(fd, buf, len, off);
	if (n < 0)
		die("pwrite");
	if ((size_t)n != len) {
		printf("%s: short write at %jd: %zd of %zu bytes\n", cur, (intmax_t)off, n, len);
		exit(2);
	}
	model_write(off, len);
}

/* Compare @got (@n bytes read at @off, @len asked) with the model. */
static bool compare(const char *how, const uint8_t *got, ssize_t n, off_t off, size_t len)
{
	size_t want = (size_t)off >= msize ? 0 : msize - (size_t)off, i;

	if (want > len)
		want = len;
	if ((size_t)n != want) {
		printf("%s: %s of %zu bytes at %jd gave %zd bytes, the file has %zu\n", cur, how,
		       len, (intmax_t)off, n, want);
		return false;
	}
	for (i = 0; i < want; i++) {
		if (got[i] != model[off + i]) {
			printf("%s: %s at %jd: byte %jd is 0x%02x, was written 0x%02x (older "
			       "data)\n",
			       cur, how, (intmax_t)off, (intmax_t)(off + i), got[i],
			       model[off + i]);
			return false;
		}
	}
	return true;
}

static bool check(int fd, const char *how, off_t off, size_t len)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		die("pread");
	return compare(how, buf, n, off, len);
}

static bool check_size(int fd, const char *how)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	if ((size_t)st.st_size == msize)
		return true;
	printf("%s: %s: size %jd, written %zu\n", cur, how, (intmax_t)st.st_size, msize);
	return false;
}

/* The whole file, and its size, through @fd. */
static bool check_all(int fd, const char *how)
{
	return check_size(fd, how) && check(fd, how, 0, msize + 100);
}

static long aio(aio_context_t ctx, int fd, int op, off_t off, size_t len);

static void set_direct(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT))
		die("fcntl F_SETFL");
}

static void begin(const char *name, size_t initial)
{
	cur = name;
	if (ftruncate(fdb, 0))
		die("ftruncate");
	msize = 0;
	if (initial) {
		do_write(fdb, 0, initial);
		/* the initial data in the page cache */
		if (!check_all(fdb, "buffered read"))
			exit(2);
	}
}

static void end(bool ok)
{
	if (ok)
		printf("%s: ok\n", cur);
	else
		failed = true;
}

static bool case_dwrite_bread(void)
{
	begin("buffered read after O_DIRECT write", 3 * bs + 100);
	do_write(fdd, (off_t)(bs / 2), bs + 77);
	return check_all(fdb, "buffered read");
}

/* What the buffered writes left reads the same with O_DIRECT before and
 * after they are synced. */
static bool check_fsync(void)
{
	if (!check_all(fdd, "O_DIRECT read before fsync"))
		return false;
	if (fsync(fdb))
		die("fsync");
	return check_all(fdd, "O_DIRECT read after fsync");
}

static bool case_bwrite_dread(void)
{
	begin("O_DIRECT read after buffered write", 3 * bs + 100);
	if (!check_all(fdd, "O_DIRECT read"))
		return false;
	do_write(fdb, (off_t)(bs - 33), bs + 2 * 33);
	do_write(fdb, 5, 10);
	return check_fsync();
}

static bool case_dextend(void)
{
	begin("buffered read after O_DIRECT write past the end", bs + 100);
	do_write(fdd, (off_t)(2 * bs + 5), 3000);
	if (!check_all(fdb, "buffered read"))
		return false;
	do_write(fdd, (off_t)msize, 100);
	do_write(fdb, (off_t)msize, 100);
	return check_all(fdb, "buffered read after appending") &&
	       check_all(fdd, "O_DIRECT read after appending");
}

static bool case_bextend(void)
{
	begin("O_DIRECT read after buffered write past the end", bs + 100);
	do_write(fdb, (off_t)(2 * bs + 5), 3000);
	return check_fsync();
}

static bool case_truncate(void)
{
	begin("O_DIRECT write after truncating down", 2 * bs + 100);
	if (ftruncate(fdd, (off_t)(bs / 2 + 3)))
		die("ftruncate");
	model_truncate(bs / 2 + 3);
	do_write(fdd, (off_t)(bs + 1), 200);
	if (!check_all(fdb, "buffered read"))
		return false;
	if (ftruncate(fdb, (off_t)(bs + 50)))
		die("ftruncate");
	model_truncate(bs + 50);
	return check_all(fdd, "O_DIRECT read") && check_all(fdb, "buffered read");
}

static bool case_fcntl(void)
{
	begin("O_DIRECT set and cleared with fcntl on one descriptor", 2 * bs + 700);
	if (!check_all(fdm, "buffered read"))
		return false;
	set_direct(fdm, true);
	do_write(fdm, 100, bs);
	if (!check_all(fdm, "O_DIRECT read") || !check_all(fdb, "buffered read on the other"))
		return false;
	set_direct(fdm, false);
	if (!check_all(fdm, "buffered read"))
		return false;
	do_write(fdm, (off_t)(bs - 1), 2);
	do_write(fdm, (off_t)msize + 10, 10);
	set_direct(fdm, true);
	if (!check_all(fdm, "O_DIRECT read after buffered write"))
		return false;
	do_write(fdm, (off_t)(bs - 2), 4);
	set_direct(fdm, false);
	return check_all(fdm, "buffered read after O_DIRECT write");
}

static bool case_mmap(void)
{
	size_t len = 3 * bs;
	uint8_t *map;
	bool ok;

	begin("shared mapping and O_DIRECT", len);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fdb, 0);
	if (map == MAP_FAILED)
		die("mmap");
	ok = compare("read through the mapping", map, (ssize_t)len, 0, len);
	if (ok) {
		do_write(fdd, (off_t)(bs - 10), 20);
		ok = compare("read through the mapping after O_DIRECT write", map, (ssize_t)len, 0,
			     len);
	}
	if (ok) {
		fill(30);
		memcpy(map + bs + 7, buf, 30);
		model_write((off_t)(bs + 7), 30);
		ok = check_all(fdd, "O_DIRECT read after a store through the mapping");
	}
	munmap(map, len);
	return ok;
}

/* Writes larger than the daemon takes in one request (1 MiB): the kernel
 * sends the pieces of an O_DIRECT write at once, and extends the file. */
static bool case_large(void)
{
	aio_context_t ctx = 0;
	bool ok;

	begin("O_DIRECT writes of over 1 MiB", 3 * bs + 100);
	do_write(fdd, 1000, (1u << 20) + 5077);
	ok = check_all(fdb, "buffered read after an extending O_DIRECT write");
	if (ok) {
		do_write(fdb, 3 * bs, 5000);
		do_write(fdd, (off_t)(bs - 1), (1u << 20) + 11);
		ok = check_all(fdb, "buffered read after an O_DIRECT write") &&
		     check_all(fdd, "O_DIRECT read");
	}
	if (ok) {
		if (syscall(SYS_io_setup, 4, &ctx))
			die("io_setup");
		fill((1u << 20) + 3);
		if (aio(ctx, fdd, IOCB_CMD_PWRITE, 7, (1u << 20) + 3) != (1 << 20) + 3) {
			printf("%s: short AIO write\n", cur);
			exit(2);
		}
		model_write(7, (1u << 20) + 3);
		syscall(SYS_io_destroy, ctx);
		ok = check_all(fdb, "buffered read after an AIO O_DIRECT write");
	}
	return ok;
}

/* Appends through another descriptor opened O_APPEND (with -o sharedstorage,
 * the daemon has the kernel send such writes straight to it), and through
 * one opened O_APPEND | O_DIRECT. */
static bool case_append(void)
{
	uint8_t *map;
	bool ok;
	int fda, fdad;

	begin("O_APPEND beside buffered and O_DIRECT", bs + 100);
	fda = open(path, O_WRONLY | O_APPEND);
	fdad = open(path, O_WRONLY | O_APPEND | O_DIRECT);
	if (fda < 0 || fdad < 0)
		die("open O_APPEND");
	map = mmap(NULL, 2 * bs, PROT_READ, MAP_SHARED, fdb, 0);
	if (map == MAP_FAILED)
		die("mmap");
	ok = compare("read through the mapping", map, (ssize_t)(bs + 100), 0, bs + 100);
	do_write(fda, (off_t)msize, 200);
	ok = ok && check_all(fdb, "buffered read after an append") &&
	     check_all(fdd, "O_DIRECT read after an append") &&
	     compare("read through the mapping after an append", map, (ssize_t)msize, 0, msize);
	if (ok) {
		do_write(fdb, (off_t)(bs + 150), 100);
		do_write(fda, (off_t)msize, 50);
		ok = check_all(fdb, "buffered read after a write and an append") &&
		     check_all(fdd, "O_DIRECT read after a write and an append");
	}
	if (ok) {
		do_write(fdad, (off_t)msize, 333);
		ok = check_all(fdb, "buffered read after an O_DIRECT append") &&
		     compare("read through the mapping after an O_DIRECT append", map,
			     (ssize_t)msize, 0, msize);
	}
	munmap(map, 2 * bs);
	close(fda);
	close(fdad);
	return ok;
}

static long aio(aio_context_t ctx, int fd, int op, off_t off, size_t len)
{
	struct iocb cb = { 0 }, *cbs[1] = { &cb };
	struct io_event ev;

	cb.aio_fildes = (uint32_t)fd;
	cb.aio_lio_opcode = (uint16_t)op;
	cb.aio_buf = (uint64_t)(uintptr_t)buf;
	cb.aio_nbytes = len;
	cb.aio_offset = off;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		die("io_submit");
	if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		die("io_getevents");
	return (long)ev.res;
}

static bool case_aio(void)
{
	aio_context_t ctx = 0;
	long n;
	bool ok;

	begin("Linux AIO O_DIRECT and buffered", 3 * bs + 100);
	if (syscall(SYS_io_setup, 4, &ctx))
		die("io_setup");
	fill(bs + 300);
	n = aio(ctx, fdd, IOCB_CMD_PWRITE, (off_t)(bs - 100), bs + 300);
	if (n != (long)bs + 300) {
		printf("%s: AIO write gave %ld\n", cur, n);
		exit(2);
	}
	model_write((off_t)(bs - 100), bs + 300);
	ok = check_all(fdb, "buffered read after AIO O_DIRECT write");
	if (ok) {
		do_write(fdb, (off_t)(2 * bs - 1), 500);
		n = aio(ctx, fdd, IOCB_CMD_PREAD, 0, msize + 100);
		ok = compare("AIO O_DIRECT read after buffered write", buf, n, 0, msize + 100);
	}
	syscall(SYS_io_destroy, ctx);
	return ok;
}

static int uring(struct io_uring *ring, int fd, bool write, off_t off, size_t len)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	if (write)
		io_uring_prep_write(sqe, fd, buf, (unsigned int)len, (uint64_t)off);
	else
		io_uring_prep_read(sqe, fd, buf, (unsigned int)len, (uint64_t)off);
	if (io_uring_submit(ring) != 1)
		die("io_uring_submit");
	errno = -io_uring_wait_cqe(ring, &cqe);
	if (errno)
		die("io_uring_wait_cqe");
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static bool case_uring(void)
{
	struct io_uring ring;
	bool ok;
	int n;

	begin("io_uring O_DIRECT and buffered", 3 * bs + 100);
	errno = -io_uring_queue_init(4, &ring, 0);
	if (errno) {
		/* (a kernel without io_uring, or with it turned off) */
		printf("%s: ok (io_uring: %s)\n", cur, strerror(errno));
		return true;
	}
	fill(bs + 300);
	n = uring(&ring, fdd, true, (off_t)(2 * bs - 100), bs + 300);
	if (n != (int)bs + 300) {
		printf("%s: io_uring write gave %d\n", cur, n);
		exit(2);
	}
	model_write((off_t)(2 * bs - 100), bs + 300);
	ok = check_all(fdb, "buffered read after io_uring O_DIRECT write");
	if (ok) {
		do_write(fdb, 99, 500);
		n = uring(&ring, fdd, false, 0, msize + 100);
		ok = compare("io_uring O_DIRECT read after buffered write", buf, n, 0, msize + 100);
	}
	io_uring_queue_exit(&ring);
	return ok;
}

/* O_DIRECT through two mounts of one volume: what one writes, the other
 * reads at once, whatever size its kernel last saw (no fstat: attributes
 * are cached for the attribute timeout). */
/* pread through the other mount's @fd, -w MS after the write. */
static bool check_other(int fd, const char *how, off_t off, size_t len)
{
	if (other_wait_ms)
		usleep(other_wait_ms * 1000);
	return check(fd, how, off, len);
}

static bool case_other(void)
{
	static char name[80];
	size_t end;
	bool ok;
	int fdo;

	if (other_wait_ms)
		snprintf(name, sizeof(name), "O_DIRECT through another mount, %u ms later",
			 other_wait_ms);
	else
		snprintf(name, sizeof(name), "O_DIRECT through another mount");
	begin(name, 3 * bs + 100);
	fdo = open(other, O_RDWR | O_DIRECT);
	if (fdo < 0)
		die("open O_DIRECT on the other mount");
	ok = check_other(fdo, "O_DIRECT read there", 0, msize + 100);
	if (ok) {
		do_write(fdd, (off_t)(bs - 7), 100);
		ok = check_other(fdo, "O_DIRECT read there after an O_DIRECT write here", 0,
				 msize + 100);
	}
	/* (also from the old end on, which the kernel that did not write
	 * may think is the end) */
	if (ok) {
		end = msize;
		do_write(fdd, (off_t)msize + 10, bs + 1);
		ok = check_other(fdo,
				 "O_DIRECT read there after an O_DIRECT write past the end here",
				 (off_t)end, msize + 100) &&
		     check_other(fdo,
				 "O_DIRECT read there after an O_DIRECT write past the end here", 0,
				 msize + 100);
	}
	if (ok) {
		end = msize;
		do_write(fdo, (off_t)msize, 2 * bs + 3);
		ok = check_other(fdd,
				 "O_DIRECT read here after an O_DIRECT write past the end there",
				 (off_t)end, msize + 100) &&
		     check_other(fdd,
				 "O_DIRECT read here after an O_DIRECT write past the end there", 0,
				 msize + 100);
	}
	if (ok) {
		if (ftruncate(fdo, (off_t)(bs + 1)))
			die("ftruncate");
		model_truncate(bs + 1);
		ok = check_other(fdd, "O_DIRECT read here after truncating there", 0, msize + 100);
	}
	close(fdo);
	return ok;
}

/* @ops random writes, reads, truncates and fsyncs through the three. */
static bool case_random(unsigned int ops, unsigned int seed)
{
	static char name[80];
	size_t span = 4 * bs + 3000, len;
	bool mdirect = false;
	unsigned int i;
	off_t off;
	int fd;

	snprintf(name, sizeof(name), "random, %u operations, seed %u", ops, seed);
	begin(name, 0);
	srandom(seed);
	for (i = 0; i < ops; i++) {
		int r = (int)(random() % 100), which = (int)(random() % 3);
		const char *how = which == 0   ? "buffered"
				  : which == 1 ? "O_DIRECT"
				  : mdirect    ? "fcntl O_DIRECT"
					       : "fcntl buffered";

		fd = which == 0 ? fdb : which == 1 ? fdd : fdm;
		off = (off_t)((size_t)random() % span);
		len = 1 + (size_t)random() % (random() % 4 ? 2 * bs : 17);
		if (r < 45) {
			do_write(fd, off, len);
		} else if (r < 85) {
			char what[64];

			snprintf(what, sizeof(what), "op %u: %s read", i, how);
			if (!check(fd, what, off, len) || !check_size(fd, what))
				return false;
		} else if (r < 90) {
			if (ftruncate(fd, off))
				die("ftruncate");
			model_truncate((size_t)off);
		} else if (r < 95) {
			mdirect = !mdirect;
			set_direct(fdm, mdirect);
		} else if (fsync(fd)) {
			die("fsync");
		}
	}
	return check_all(fdb, "buffered read at the end") &&
	       check_all(fdd, "O_DIRECT read at the end");
}

int main(int argc, char **argv)
{
	unsigned int ops = 300, seed = 1;
	int c;

	while ((c = getopt(argc, argv, "b:m:n:S:w:")) != -1) {
		switch (c) {
		case 'b':
			bs = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			other = optarg;
			break;
		case 'n':
			ops = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'S':
			seed = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			other_wait_ms = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || bs < 512 || bs > 65536)
		goto usage;
	path = argv[optind];
	setvbuf(stdout, NULL, _IOLBF, 0);
	model = calloc(1, MAXSIZE);
	buf = aligned_alloc(ALIGN, MAXSIZE);
	if (!model || !buf)
		die("malloc");
	fdb = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fdb < 0)
		die("open");
	fdd = open(path, O_RDWR | O_DIRECT);
	if (fdd < 0)
		die("open O_DIRECT");
	fdm = open(path, O_RDWR);
	if (fdm < 0)
		die("open");

	end(case_dwrite_bread());
	end(case_bwrite_dread());
	end(case_dextend());
	end(case_bextend());
	end(case_truncate());
	end(case_fcntl());
	end(case_mmap());
	end(case_large());
	end(case_append());
	end(case_aio());
	end(case_uring());
	if (other)
		end(case_other());
	end(case_random(ops, seed));
	return failed ? 1 : 0;
usage:
	fprintf(stderr,
		"usage: directio [-b BLOCKSIZE] [-n OPS] [-S SEED] [-m OTHER [-w MS]] FILE\n");
	return 2;
}
