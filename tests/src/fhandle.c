// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fhandle - file handles for the filesystem tests: what the shell cannot do.
 *
 *   fhandle save PATH FILE    name_to_handle_at(PATH) into FILE
 *   fhandle fuse PATH FILE    the handle a FUSE mount whose node IDs are
 *                             (generation << 32 | inode number) gives the
 *                             backing file PATH (ext4, xfs, tmpfs), into
 *                             FILE: a forged handle, for the daemon's
 *                             checks of what it opens by handle
 *   fhandle open MOUNT FILE   open_by_handle_at() of the handle in FILE,
 *                             through a descriptor of MOUNT, read only:
 *                             a regular file's bytes go to stdout, a
 *                             directory's names (sorted, one a line, "."
 *                             and ".." left out)
 *   fhandle write MOUNT FILE NAME
 *                             through the handle in FILE: of a directory,
 *                             create NAME in it; of a file, append to it
 *                             (O_APPEND); either way write "NAME\n"
 *
 * Prints "ok" after save; a failure prints the errno's name (ESTALE, ...) so
 * that golden output does not depend on the C library's messages.  Exit
 * status: 0 done, 1 the call failed, 2 usage.  open_by_handle_at() needs
 * CAP_DAC_READ_SEARCH.
 *
 * Copyright (c) 2026 The algfs authors
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case ESTALE: return "ESTALE";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EOVERFLOW: return "EOVERFLOW";
	case EIO: return "EIO";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ELOOP: return "ELOOP";
	default: return "EOTHER";
	}
}

static int fail(const char *what, int e)
{
	printf("%s\n", ename(e));
	fprintf(stderr, "fhandle: %s: %s\n", what, strerror(e));
	return 1;
}

union handle {
	struct file_handle fh;
	unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

static int save(const char *path, const char *file)
{
	union handle h;
	FILE *f;
	int mnt;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0))
		return fail("name_to_handle_at", errno);
	f = fopen(file, "w");
	if (!f || fwrite(&h, sizeof(h.fh) + h.fh.handle_bytes, 1, f) != 1 || fclose(f))
		return fail(file, errno);
	printf("ok\n");
	return 0;
}

/* fs/fuse/inode.c fuse_encode_fh(): node ID high, low, generation. */
static int fuse(const char *path, const char *file)
{
	union handle h, out;
	uint32_t w[3] = { 0, 0, 0 }, ino, gen;
	uint64_t nid;
	FILE *f;
	int mnt;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0))
		return fail("name_to_handle_at", errno);
	if (h.fh.handle_bytes > sizeof(w))
		return fail("not an ext4 or tmpfs handle", EINVAL);
	memcpy(w, h.fh.f_handle, h.fh.handle_bytes);
	if (h.fh.handle_bytes == 8) { /* ext4, xfs small: ino, gen */
		ino = w[0];
		gen = w[1];
	} else if (h.fh.handle_type == 0x81) { /* xfs: ino (64 bits), gen */
		ino = w[0]; /* little-endian */
		gen = w[2];
	} else { /* tmpfs: gen, ino */
		ino = w[1];
		gen = w[0];
	}
	nid = (uint64_t)gen << 32 | ino;
	out.fh.handle_type = 0x81;
	out.fh.handle_bytes = 12;
	w[0] = (uint32_t)(nid >> 32);
	w[1] = (uint32_t)nid;
	w[2] = gen;
	memcpy(out.fh.f_handle, w, 12);
	f = fopen(file, "w");
	if (!f || fwrite(&out, sizeof(out.fh) + 12, 1, f) != 1 || fclose(f))
		return fail(file, errno);
	printf("ok\n");
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (!d)
		return fail("fdopendir", errno);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || !(names[n++] = strdup(de->d_name)))
			return fail("readdir", ENOMEM);
	}
	qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		printf("%s\n", names[i]);
		free(names[i]);
	}
	free(names);
	closedir(d);
	return 0;
}

/* The handle in @file opened through @mount with @flags, or -1 (printed). */
static int by_handle(const char *mount, const char *file, int flags)
{
	union handle h;
	FILE *f = fopen(file, "r");
	int mfd, fd;

	if (!f || fread(&h.fh, sizeof(h.fh), 1, f) != 1 || h.fh.handle_bytes > MAX_HANDLE_SZ ||
	    fread(h.fh.f_handle, 1, h.fh.handle_bytes, f) != h.fh.handle_bytes) {
		fail(file, errno ? errno : EINVAL);
		return -1;
	}
	fclose(f);
	mfd = open(mount, O_RDONLY | O_DIRECTORY);
	if (mfd < 0) {
		fail(mount, errno);
		return -1;
	}
	fd = open_by_handle_at(mfd, &h.fh, flags);
	if (fd < 0)
		fail("open_by_handle_at", errno);
	close(mfd);
	return fd;
}

static int write_handle(const char *mount, const char *file, const char *name)
{
	int fd = by_handle(mount, file, O_RDONLY), wfd;
	char line[300];
	struct stat st;

	if (fd < 0)
		return 1;
	if (fstat(fd, &st))
		return fail("fstat", errno);
	if (S_ISDIR(st.st_mode)) {
		wfd = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
	} else {
		close(fd);
		wfd = by_handle(mount, file, O_WRONLY | O_APPEND);
		if (wfd < 0)
			return 1;
	}
	if (wfd < 0)
		return fail("openat", errno);
	snprintf(line, sizeof(line), "%s\n", name);
	if (write(wfd, line, strlen(line)) != (ssize_t)strlen(line) || close(wfd))
		return fail("write", errno);
	printf("ok\n");
	return 0;
}

static int open_handle(const char *mount, const char *file)
{
	struct stat st;
	char buf[65536];
	ssize_t n;
	int fd = by_handle(mount, file, O_RDONLY);

	if (fd < 0)
		return 1;
	if (fstat(fd, &st))
		return fail("fstat", errno);
	if (S_ISDIR(st.st_mode))
		return list(fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return fail("write", errno);
	}
	if (n < 0)
		return fail("read", errno);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "save"))
		return save(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "fuse"))
		return fuse(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return write_handle(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "open"))
		return open_handle(argv[2], argv[3]);
	fprintf(stderr, "usage: fhandle save|fuse PATH FILE | fhandle open MOUNT FILE | "
		"fhandle write MOUNT FILE NAME\n");
	return 2;
}
