// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hellofs - a read-only filesystem with one file, on libfuse3's low-level
 * API, the same API and session loop algfs uses.
 *
 * It proves that FUSE works where the tests run (the device, the kernel
 * module, fusermount3, the library), so that a failure of a later mount test
 * points at algfs and not at the machine.
 *
 *   hellofs MOUNTPOINT [-f] [-o OPTIONS]
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HELLO_INO 2

static const char hello_name[] = "hello";
static const char hello_data[] = "Hello from a FUSE filesystem.\n";

static int hello_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	switch (ino) {
	case FUSE_ROOT_ID:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case HELLO_INO:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(hello_data) - 1;
		return 0;
	default:
		return -ENOENT;
	}
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .attr_timeout = 1.0, .entry_timeout = 1.0 };

	if (parent != FUSE_ROOT_ID || strcmp(name, hello_name) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = HELLO_INO;
	hello_stat(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void hello_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int err = hello_stat(ino, &st);

	(void)fi;
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, 1.0);
}

/* Append one entry to a readdir buffer; returns the new size. */
static size_t dirbuf_add(fuse_req_t req, char *buf, size_t size, size_t max, const char *name,
			 fuse_ino_t ino, off_t next)
{
	struct stat st = { .st_ino = ino };
	size_t len = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (size + len > max)
		return size;
	hello_stat(ino, &st);
	fuse_add_direntry(req, buf + size, max - size, name, &st, next);
	return size + len;
}

static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t max, off_t off,
			  struct fuse_file_info *fi)
{
	char buf[512];
	size_t size = 0;

	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (max > sizeof(buf))
		max = sizeof(buf);
	if (off < 1)
		size = dirbuf_add(req, buf, size, max, ".", FUSE_ROOT_ID, 1);
	if (off < 2)
		size = dirbuf_add(req, buf, size, max, "..", FUSE_ROOT_ID, 2);
	if (off < 3)
		size = dirbuf_add(req, buf, size, max, hello_name, HELLO_INO, 3);
	fuse_reply_buf(req, buf, size);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != HELLO_INO)
		fuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_open(req, fi);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const size_t len = sizeof(hello_data) - 1;

	(void)ino;
	(void)fi;
	if ((size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, hello_data + off,
			       len - (size_t)off < size ? len - (size_t)off : size);
}

static const struct fuse_lowlevel_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help || opts.show_version || !opts.mountpoint) {
		printf("usage: %s MOUNTPOINT [-f] [-o OPTIONS]\n", argv[0]);
		if (opts.show_help)
			fuse_cmdline_help();
		ret = opts.mountpoint || opts.show_help || opts.show_version ? 0 : 1;
		goto out_free_args;
	}
	se = fuse_session_new(&args, &hello_ops, sizeof(hello_ops), NULL);
	if (!se)
		goto out_free_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_destroy;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_remove_handlers;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;
	ret = fuse_session_loop(se) ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_remove_handlers:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out_free_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
