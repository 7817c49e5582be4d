// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * content.c - a regular file's plaintext over its ciphertext (FORMAT.md,
 * "Content"): reads decrypt the blocks a request touches in one batch;
 * writes re-encrypt whole blocks, reading back a partial one first; holes
 * stay holes; truncation and fallocate keep the last block's length right;
 * punching and zeroing make whole blocks holes.
 *
 * The caller holds the inode's i_rw as each function says.  Buffers are
 * page-aligned so that the kernel backend may splice them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_i.h"
#include "log.h"
#include "secmem.h"

#define PAGE 4096

/*
 * Each thread keeps its block buffers from one request to the next: a
 * request of 1 MiB would otherwise map and fault in fresh buffers every
 * time.  One buffer per role, so that nested uses never share one.  The
 * plaintext in them is not wiped after each request (it is on its way to
 * the page cache anyway), only when a buffer is freed.
 */
enum tbuf_role {
	TB_REQ_CT, /* a request's blocks on disk */
	TB_REQ_PT, /* a request's plaintext */
	TB_BLK_CT, /* one block on disk, read back before a rewrite */
	TB_BLK_PT, /* one block's plaintext, for truncation and extension */
	TB_UNDO, /* the last block on disk as it was, until a change is done */
	TB_NR,
};

struct tbufs {
	uint8_t *p[TB_NR];
	size_t cap[TB_NR];
};

static pthread_key_t tbuf_key;
static pthread_once_t tbuf_once = PTHREAD_ONCE_INIT;

static void tbufs_free(void *arg)
{
	struct tbufs *t = arg;
	int i;

	for (i = 0; i < TB_NR; i++) {
		if (t->p[i]) {
			ac_wipe(t->p[i], t->cap[i]);
			free(t->p[i]);
		}
	}
	free(t);
}

static void tbuf_key_init(void)
{
	if (pthread_key_create(&tbuf_key, tbufs_free))
		abort(); /* only when the process is out of keys, at start-up */
}

/* The calling thread's page-aligned buffer for @role, of @len bytes at
 * least, valid until its next call for the same role. */
static uint8_t *tbuf(enum tbuf_role role, size_t len)
{
	struct tbufs *t;
	void *p;

	pthread_once(&tbuf_once, tbuf_key_init);
	t = pthread_getspecific(tbuf_key);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || pthread_setspecific(tbuf_key, t)) {
			free(t);
			return NULL;
		}
	}
	if (t->cap[role] < len) {
		len = (len + 65535) & ~(size_t)65535;
		if (posix_memalign(&p, PAGE, len))
			return NULL;
		if (t->p[role]) {
			ac_wipe(t->p[role], t->cap[role]);
			free(t->p[role]);
		}
		t->p[role] = p;
		t->cap[role] = len;
	}
	return t->p[role];
}

void afs_content_thread_exit(void)
{
	struct tbufs *t;

	pthread_once(&tbuf_once, tbuf_key_init);
	t = pthread_getspecific(tbuf_key);
	if (t) {
		pthread_setspecific(tbuf_key, NULL);
		tbufs_free(t);
	}
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const uint8_t *)buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Log a block that failed authentication, once per block and file. */
static void log_bad(struct afs_inode *inode, int fd, uint64_t index, int err)
{
	char path[512];
	unsigned int i;
	bool seen = false, last = false;

	pthread_mutex_lock(&inode->i_lock);
	for (i = 0; i < inode->i_nbad && i < 8; i++)
		seen |= inode->i_bad[i] == index;
	if (!seen && inode->i_nbad <= 8) {
		if (inode->i_nbad < 8)
			inode->i_bad[inode->i_nbad] = index;
		last = inode->i_nbad == 8;
		inode->i_nbad++;
	} else {
		seen = true;
	}
	pthread_mutex_unlock(&inode->i_lock);
	if (seen)
		return;
	afs_backing_path(fd, path, sizeof(path));
	if (last)
		log_err("%s: more damaged blocks; no more are logged for this file", path);
	else if (err == -EBADMSG)
		log_err("%s: block %llu failed authentication (changed, moved or from another "
			"file): reads of it fail with EIO",
			path, (unsigned long long)index);
	else
		log_err("%s: block %llu is truncated: reads of it fail with EIO", path,
			(unsigned long long)index);
}

/*
 * The plaintext size.  A ciphertext size no algfs file has (a truncated
 * header or last block) gives the size of the blocks before it plus one
 * byte, so that reading that byte fails with EIO and the rest stays
 * readable.  Return: 0, 1 for such a damaged size, or -errno.
 */
static int plain_size(struct afs_fs *fs, uint64_t csize, uint64_t *psize)
{
	uint64_t blocks;
	int err;

	err = afs_plain_size(csize, fs->f_bs, psize);
	if (err != -EUCLEAN)
		return err;
	if (csize <= AFS_HEADER_LEN) {
		*psize = csize == AFS_HEADER_LEN ? 0 : 1;
		return csize == AFS_HEADER_LEN ? 0 : 1;
	}
	blocks = (csize - AFS_HEADER_LEN) / AFS_BLOCK_DISK_LEN(fs->f_bs);
	*psize = blocks * fs->f_bs + 1;
	return 1;
}

int afs_content_plain_size(struct afs_fs *fs, uint64_t csize, uint64_t *psize)
{
	return plain_size(fs, csize, psize);
}

/*
 * The size on disk.  While the file is open, only this daemon changes it,
 * under i_rw, so it is kept in i_csize (AFS_CSIZE_UNKNOWN when not known)
 * and a read or write costs no fstat().  Shared, other daemons change it
 * too: it is kept only while a change holds the header lock (i_slocked).
 */
static int csize_of(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t *csize)
{
	struct stat st;

	*csize = atomic_load_explicit(&inode->i_csize, memory_order_relaxed);
	if (*csize != AFS_CSIZE_UNKNOWN)
		return 0;
	if (fstat(fd, &st)) {
		*csize = 0;
		return -errno;
	}
	*csize = (uint64_t)st.st_size;
	if (inode->i_nopen && (!fs->f_opts.shared || inode->i_slocked))
		atomic_store_explicit(&inode->i_csize, *csize, memory_order_relaxed);
	return 0;
}

/* Both sizes of the file, on disk and in plaintext: 0, 1 for a size no
 * algfs file has (plain_size()), or -errno. */
static int sizes_of(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t *csize,
		    uint64_t *psize)
{
	int err = csize_of(fs, inode, fd, csize);

	return err ? err : plain_size(fs, *csize, psize);
}

/* After a change of the size on disk (exclusive i_rw): what it is now, or
 * AFS_CSIZE_UNKNOWN after a failure left it unsure. */
static void csize_set(struct afs_inode *inode, uint64_t csize)
{
	atomic_store_explicit(&inode->i_csize, inode->i_nopen ? csize : AFS_CSIZE_UNKNOWN,
			      memory_order_relaxed);
}

static void csize_grow(struct afs_inode *inode, uint64_t end)
{
	uint64_t c = atomic_load_explicit(&inode->i_csize, memory_order_relaxed);

	if (c != AFS_CSIZE_UNKNOWN && end > c)
		csize_set(inode, end);
}

int afs_content_load(struct afs_fs *fs, struct afs_inode *inode, int fd)
{
	uint8_t hdr[AFS_HEADER_LEN];
	uint64_t csize;
	size_t got;
	int err;

	if (inode->i_have_id)
		return 0;
	err = csize_of(fs, inode, fd, &csize);
	if (err || csize == 0)
		return err;
	err = pread_full(fd, hdr, sizeof(hdr), 0, &got);
	if (err)
		return err;
	err = afs_header_decode(hdr, got, inode->i_id);
	if (err) {
		char path[512];

		afs_backing_path(fd, path, sizeof(path));
		log_err("%s: %s: the file cannot be read", path,
			err == -EUCLEAN ? "truncated file header" : "unknown file format version");
		return -EIO;
	}
	err = afs_subkey(&fs->f_vk, AFS_KEY_CONTENT, inode->i_id, &inode->i_key);
	if (err)
		return err;
	/* Out of descriptors for its op fd: the open says so (EMFILE),
	 * not every later read (EIO). */
	err = ac_key_ready(inode->i_key);
	if (err) {
		ac_key_put(inode->i_key);
		inode->i_key = NULL;
		return err;
	}
	inode->i_have_id = true;
	return 0;
}

void afs_content_forget(struct afs_inode *inode)
{
	ac_key_put(inode->i_key);
	inode->i_key = NULL;
	inode->i_have_id = false;
	memset(inode->i_id, 0, sizeof(inode->i_id));
}

void afs_content_restore_mtime(struct afs_inode *inode, int fd)
{
	struct timespec tv[2] = { { .tv_nsec = UTIME_OMIT }, inode->i_mtime };

	if (inode->i_mtime_pinned && futimens(fd, tv))
		log_dbg("cannot put a file's mtime back: %s", strerror(errno));
}

/* A new file ID and its key; its header in @hdr, for the caller to write
 * with the first block (@fd -1), or written here. */
static int content_create(struct afs_fs *fs, struct afs_inode *inode, int fd,
			  uint8_t hdr[AFS_HEADER_LEN])
{
	int err;

	err = afs_header_new(hdr, inode->i_id);
	if (err)
		return err;
	err = afs_subkey(&fs->f_vk, AFS_KEY_CONTENT, inode->i_id, &inode->i_key);
	if (err)
		return err;
	if (fd >= 0) {
		err = pwrite_full(fd, hdr, AFS_HEADER_LEN, 0);
		if (err) {
			csize_set(inode, AFS_CSIZE_UNKNOWN);
			afs_content_forget(inode);
			return err;
		}
		csize_grow(inode, AFS_HEADER_LEN);
	}
	inode->i_have_id = true;
	return 0;
}

ssize_t afs_content_read(struct afs_fs *fs, struct afs_inode *inode, int fd, size_t size,
			 uint64_t off, const uint8_t **data)
{
	uint64_t csize, psize, bad = 0;
	struct afs_range r;
	uint8_t *ct, *pt;
	bool optimist;
	size_t got;
	ssize_t n;
	int err;

	err = sizes_of(fs, inode, fd, &csize, &psize);
	if (err < 0)
		return err;
	if (off >= psize || size == 0)
		return 0;
	if (size > psize - off)
		size = (size_t)(psize - off);
	/* Shared, without the header lock: another daemon may be writing
	 * the file, or have given it a new header, since we looked. */
	optimist = fs->f_opts.shared && !inode->i_slocked;
	if (!inode->i_have_id)
		return optimist ? -EAGAIN : -EIO; /* afs_content_load() said why */
	err = afs_block_range(off, size, fs->f_bs, &r);
	if (err)
		return err;
	ct = tbuf(TB_REQ_CT, (size_t)r.clen);
	pt = tbuf(TB_REQ_PT, (size_t)r.count * fs->f_bs);
	if (!ct || !pt)
		return -ENOMEM;
	err = pread_full(fd, ct, (size_t)r.clen, r.coff, &got);
	if (err)
		return err;
	n = afs_blocks_decrypt(inode->i_key, inode->i_id, r.first, ct, got, fs->f_bs, pt, &bad);
	if ((n == -EBADMSG || n == -EUCLEAN) && optimist)
		return -EAGAIN;
	if (n == -EBADMSG || n == -EUCLEAN) {
		/* The whole request fails: a short read would let the kernel
		 * cache zeros for the rest.  It asks again page by page. */
		log_bad(inode, fd, n == -EBADMSG ? bad : r.first + r.count - 1, (int)n);
		return -EIO;
	}
	if (n < 0)
		return n;
	if ((size_t)n <= r.head)
		return 0;
	if ((size_t)n - r.head < size)
		size = (size_t)n - r.head;
	*data = pt + r.head;
	return (ssize_t)size;
}

/* Read block @index, @len plaintext bytes long, into @pt. */
static int read_block(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t index,
		      uint32_t len, uint8_t *pt)
{
	size_t disk = AFS_BLOCK_DISK_LEN(len), got;
	uint64_t coff;
	uint8_t *ct;
	int err;

	if (len == 0)
		return 0;
	err = afs_block_cipher_off(index, fs->f_bs, &coff);
	if (err)
		return err;
	ct = tbuf(TB_BLK_CT, disk);
	if (!ct)
		return -ENOMEM;
	err = pread_full(fd, ct, disk, coff, &got);
	if (!err) {
		err = afs_block_decrypt(inode->i_key, inode->i_id, index, ct, got, pt);
		if (err == -EBADMSG || err == -EUCLEAN) {
			log_bad(inode, fd, index, err);
			err = -EIO;
		} else if (err >= 0) {
			err = (uint32_t)err == len ? 0 : -EIO;
		}
	}
	return err;
}

/* Encrypt @len bytes of blocks from @first and write them in one go; with
 * @hdr (a new file, @first 0), the header goes in the same write. */
static int write_blocks(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t first,
			const uint8_t *pt, size_t len, const uint8_t *hdr)
{
	size_t nblocks = (len + fs->f_bs - 1) / fs->f_bs, pre = hdr ? AFS_HEADER_LEN : 0;
	uint8_t *ct;
	uint64_t coff;
	ssize_t n;
	int err;

	err = afs_block_cipher_off(first, fs->f_bs, &coff);
	if (err)
		return err;
	ct = tbuf(TB_REQ_CT, pre + nblocks * AFS_BLOCK_DISK_LEN(fs->f_bs));
	if (!ct)
		return -ENOMEM;
	n = afs_blocks_encrypt(inode->i_key, inode->i_id, first, pt, len, fs->f_bs, ct + pre);
	if (n < 0)
		return (int)n;
	if (hdr)
		memcpy(ct, hdr, pre);
	err = pwrite_full(fd, ct, pre + (size_t)n, coff - pre);
	if (err)
		csize_set(inode, AFS_CSIZE_UNKNOWN);
	else
		csize_grow(inode, coff + (uint64_t)n);
	return err;
}

/* The plaintext length of block @index in a file of @size bytes. */
static uint32_t block_len(uint32_t bs, uint64_t index, uint64_t size)
{
	uint64_t start = index * bs;

	if (size <= start)
		return 0;
	return size - start >= bs ? bs : (uint32_t)(size - start);
}

/* Rewrite block @index, @have plaintext bytes long, as @want bytes: cut
 * short, or extended with zeros. */
static int resize_block(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t index,
			uint32_t have, uint32_t want)
{
	uint8_t *pt = tbuf(TB_BLK_PT, fs->f_bs);
	int err;

	if (!pt)
		return -ENOMEM;
	memset(pt, 0, fs->f_bs);
	err = read_block(fs, inode, fd, index, have, pt);
	return err ? err : write_blocks(fs, inode, fd, index, pt, want, NULL);
}

/* Zero-extend the last block of a file of @psize bytes to the length it
 * has in a file of @newsize bytes (a write or truncate beyond the end). */
static int extend_last(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t psize,
		       uint64_t newsize)
{
	uint64_t last = psize / fs->f_bs;
	uint32_t have = block_len(fs->f_bs, last, psize);
	uint32_t want = block_len(fs->f_bs, last, newsize);

	if (have == 0 || have == want)
		return 0;
	return resize_block(fs, inode, fd, last, have, want);
}

int afs_content_size(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t *psize)
{
	uint64_t csize;
	int err;

	/* (A torn tail counts as the whole blocks before it and a byte.) */
	err = sizes_of(fs, inode, fd, &csize, psize);
	return err < 0 ? err : 0;
}

bool afs_content_past_end(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off)
{
	uint64_t psize;

	return !afs_content_size(fs, inode, fd, &psize) && off > psize;
}

/*
 * Undoing a change that the backing filesystem could not take (ENOSPC,
 * EDQUOT, EIO; docs/FORMAT.md, "A full disk"): new blocks go past the end
 * first, the partial last block is rewritten in place last, and a failure
 * at any step puts back the size on disk and the last block as they were.
 */
struct undo {
	uint64_t csize; /* the size on disk before the change */
	uint64_t coff; /* where the saved last block is on disk */
	size_t len; /* its length on disk; 0: nothing saved */
	uint8_t *ct;
};

/* Save the last block of a file of @psize bytes before it is rewritten. */
static int undo_save_last(struct afs_fs *fs, int fd, uint64_t psize, struct undo *u)
{
	uint64_t last = psize / fs->f_bs;
	uint32_t have = block_len(fs->f_bs, last, psize);
	size_t got;
	int err;

	if (have == 0)
		return 0;
	err = afs_block_cipher_off(last, fs->f_bs, &u->coff);
	if (err)
		return err;
	u->ct = tbuf(TB_UNDO, AFS_BLOCK_DISK_LEN(have));
	if (!u->ct)
		return -ENOMEM;
	err = pread_full(fd, u->ct, AFS_BLOCK_DISK_LEN(have), u->coff, &got);
	if (!err)
		u->len = got;
	return err;
}

static bool no_space(int err)
{
	return err == -ENOSPC || err == -EDQUOT;
}

/*
 * After @err from a change that began at plaintext offset @off: put the
 * file back as @u says, and say so once per file.  Return: @err, or -EIO
 * when the file could not be put back.
 */
static int undo(struct afs_inode *inode, int fd, const struct undo *u, uint64_t off, int err)
{
	char path[512];
	bool say;
	int uerr = 0;

	if (u->len)
		uerr = pwrite_full(fd, u->ct, u->len, u->coff);
	if (!uerr && ftruncate(fd, (off_t)u->csize))
		uerr = -errno;
	csize_set(inode, uerr ? AFS_CSIZE_UNKNOWN : u->csize);
	if (no_space(err) && (!inode->i_nospace || off < inode->i_nospace - 1))
		inode->i_nospace = off + 1;
	say = !inode->i_nospace_logged || uerr;
	inode->i_nospace_logged = true;
	if (!say)
		return uerr ? -EIO : err;
	afs_backing_path(fd, path, sizeof(path));
	if (uerr)
		log_err("%s: a change failed (%s) and could not be undone (%s): its last block "
			"may fail authentication",
			path, strerror(-err), strerror(-uerr));
	else if (no_space(err))
		log_warn("%s: no space left on the backing filesystem (%s): the write at "
			 "%llu was undone, the file is as it was; later ones are refused "
			 "alike until it is written where it ends",
			 path, strerror(-err), (unsigned long long)off);
	else
		log_err("%s: a change failed (%s) and was undone: the file is as it was", path,
			strerror(-err));
	return uerr ? -EIO : err;
}

/*
 * Shared (-o sharedstorage), other daemons change the file too.  Each change holds
 * an open file description write lock on the bytes of the backing file's
 * header, [0, AFS_HEADER_LEN), which no program's lock reaches (locks.c puts
 * those past the header), and reads the size and the header again under
 * it: the changes of all daemons to one file go one at a time, and none
 * writes blocks under a header that another has replaced (a file cut to
 * nothing gets a new file ID with its next write), or rewrites a partial
 * block from a copy that another has changed since.  Reads take no lock;
 * one that finds no header, or a block that fails authentication, is done
 * again under it (afs_op_read()).
 */
int afs_content_shared_begin(struct afs_fs *fs, struct afs_inode *inode, int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = AFS_HEADER_LEN };
	static atomic_bool warned;
	uint8_t hdr[AFS_HEADER_LEN], id[AFS_FILE_ID_LEN];
	uint64_t csize;
	size_t got;
	int err;

	if (!fs->f_opts.shared)
		return 0;
	while (fcntl(fd, F_OFD_SETLKW, &fl)) {
		if (errno == EINTR)
			continue;
		/* No locks there (NFS mounted nolock keeps them on this
		 * machine, sshfs too, and then this does not fail). */
		if (!atomic_exchange(&warned, true))
			log_warn("%s: the backing filesystem cannot lock files (%s): writes of "
				 "other daemons to a file this one writes may damage it",
				 fs->f_cipherdir, strerror(errno));
		break;
	}
	inode->i_slocked = true;
	atomic_store(&inode->i_csize, AFS_CSIZE_UNKNOWN);
	err = csize_of(fs, inode, fd, &csize);
	if (err)
		return err;
	if (csize == 0) {
		afs_content_forget(inode); /* the next write gives it a header */
		return 0;
	}
	if (inode->i_have_id) {
		err = pread_full(fd, hdr, sizeof(hdr), 0, &got);
		if (err)
			return err;
		if (!afs_header_decode(hdr, got, id) && ac_memeq(id, inode->i_id, sizeof(id)))
			return 0;
		afs_content_forget(inode);
	}
	/* A damaged header is the change's to report (EIO). */
	err = afs_content_load(fs, inode, fd);
	return err == -EIO ? 0 : err;
}

void afs_content_shared_end(struct afs_fs *fs, struct afs_inode *inode, int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_len = AFS_HEADER_LEN };

	if (!fs->f_opts.shared)
		return;
	inode->i_slocked = false;
	atomic_store(&inode->i_csize, AFS_CSIZE_UNKNOWN);
	if (fcntl(fd, F_OFD_SETLK, &fl) && errno != ENOLCK && errno != EOPNOTSUPP)
		log_warn("%s: cannot unlock a file (%s)", fs->f_cipherdir, strerror(errno));
}

static ssize_t content_write(struct afs_fs *fs, struct afs_inode *inode, int fd,
			     const uint8_t *buf, size_t size, uint64_t off)
{
	uint64_t csize, psize, newsize, max, last, oldlast;
	uint32_t bs = fs->f_bs, have, head_end;
	uint8_t hdrbuf[AFS_HEADER_LEN], *hdr = NULL;
	const uint8_t *src;
	struct undo u = { 0 };
	struct afs_range r;
	uint8_t *pt = NULL;
	size_t ptlen = 0, len, srclen, before;
	bool partial, created = false;
	int err;

	if (size == 0)
		return 0;
	err = afs_plain_size_max(bs, &max);
	if (err)
		return err;
	if (off > max || size > max - off)
		return -EFBIG;
	err = sizes_of(fs, inode, fd, &csize, &psize);
	if (err)
		return err < 0 ? err : -EIO;
	err = afs_block_range(off, size, bs, &r);
	if (err)
		return err;
	/* The kernel writes back pages after one that found no space: none
	 * may leave zeros where that one should have gone. */
	if (inode->i_nospace && off > psize && off >= inode->i_nospace - 1)
		return -ENOSPC;
	u.csize = csize;
	if (!inode->i_have_id) {
		if (csize)
			return -EIO;
		/* A new file: its header goes with its first block if the
		 * write starts there, which it nearly always does. */
		err = content_create(fs, inode, r.first == 0 ? -1 : fd, hdrbuf);
		if (err)
			return err;
		created = true;
		if (r.first == 0)
			hdr = hdrbuf;
	}
	newsize = psize > off + size ? psize : off + size;
	/* Where the write lands on a hole of the backing file, the space is
	 * taken first: a write that stopped there would leave a torn block. */
	if (inode->i_sparse && r.coff < csize) {
		uint64_t end = r.coff + r.clen < csize ? r.coff + r.clen : csize;

		if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)r.coff, (off_t)(end - r.coff)) &&
		    errno != EOPNOTSUPP) {
			err = undo(inode, fd, &u, off, -errno);
			goto out;
		}
	}
	if (off > psize)
		inode->i_sparse = true;
	oldlast = psize / bs;
	partial = psize % bs != 0;
	last = r.first + r.count - 1;
	len = (size_t)((last - r.first) * bs + block_len(bs, last, newsize));

	/* Whole blocks, or up to the new end: encrypted straight from the
	 * request, with nothing to read back. */
	if (r.head == 0 && block_len(bs, last, psize) <= r.tail) {
		src = buf;
		srclen = size;
	} else {
		ptlen = (size_t)r.count * bs;
		pt = tbuf(TB_REQ_PT, ptlen);
		if (!pt) {
			err = -ENOMEM;
			goto out;
		}
		/* Zeros where the write puts nothing and nothing is read back. */
		memset(pt, 0, r.head);
		memset(pt + r.head + size, 0, ptlen - r.head - size);

		/* Read back what the write leaves of its first and last blocks. */
		have = block_len(bs, r.first, psize);
		head_end = r.count == 1 ? r.head + (uint32_t)size : bs;
		if (have && (r.head > 0 || head_end < have))
			err = read_block(fs, inode, fd, r.first, have, pt);
		if (!err && r.count > 1) {
			have = block_len(bs, last, psize);
			if (have > r.tail)
				err = read_block(fs, inode, fd, last,
						 have, pt + (size_t)(last - r.first) * bs);
		}
		if (err)
			goto out;
		memcpy(pt + r.head, buf, size);
		src = pt;
		srclen = len;
	}

	if (partial && oldlast < r.first && off > psize) {
		/* A gap after a partial last block, which becomes whole: the
		 * new blocks first, then that block. */
		err = undo_save_last(fs, fd, psize, &u);
		if (!err)
			err = write_blocks(fs, inode, fd, r.first, src, srclen, hdr);
		if (!err)
			err = extend_last(fs, inode, fd, psize, newsize);
	} else if (partial && r.first <= oldlast && last > oldlast) {
		/* The write grows the partial last block and goes past it:
		 * the blocks after it, then it, then the ones before it. */
		before = (size_t)(oldlast - r.first) * bs;
		err = undo_save_last(fs, fd, psize, &u);
		if (!err)
			err = write_blocks(fs, inode, fd, oldlast + 1, src + before + bs,
					   srclen - before - bs, NULL);
		if (!err)
			err = write_blocks(fs, inode, fd, oldlast, src + before, bs, NULL);
		if (!err && before)
			err = write_blocks(fs, inode, fd, r.first, src, before, hdr);
	} else {
		err = write_blocks(fs, inode, fd, r.first, src, srclen, hdr);
	}
	if (err)
		err = undo(inode, fd, &u, off, err);
out:
	if (err && created) /* nothing of the new file is left on disk */
		afs_content_forget(inode);
	if (!err && off <= psize) {
		inode->i_nospace = 0;
		inode->i_nospace_logged = false;
	}
	return err ? err : (ssize_t)size;
}

static int content_truncate(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t size)
{
	uint64_t csize, psize, newc, max, k;
	struct undo u = { 0 };
	uint32_t have, want;
	int err, damaged;

	err = afs_plain_size_max(fs->f_bs, &max);
	if (err)
		return err;
	if (size > max)
		return -EFBIG;
	/* The file now ends where the caller says: see afs_content_write(). */
	inode->i_nospace = 0;
	inode->i_nospace_logged = false;
	damaged = sizes_of(fs, inode, fd, &csize, &psize);
	if (damaged < 0)
		return damaged;
	if (size == 0) {
		if (csize && ftruncate(fd, 0))
			return -errno;
		csize_set(inode, 0);
		afs_content_forget(inode);
		return 0;
	}
	if (size == psize && !damaged)
		return 0;
	err = afs_cipher_size(size, fs->f_bs, &newc);
	if (err)
		return err;
	if (!inode->i_have_id) {
		uint8_t hdr[AFS_HEADER_LEN];

		if (csize)
			return -EIO;
		err = content_create(fs, inode, fd, hdr);
		if (err)
			return err;
	} else if (size < psize) {
		k = size / fs->f_bs;
		want = block_len(fs->f_bs, k, size);
		have = block_len(fs->f_bs, k, psize);
		if (want && want != have) {
			err = resize_block(fs, inode, fd, k, have, want);
			if (err)
				return err;
		}
	} else if (!damaged) {
		/* Longer: the size first, then the partial last block grows
		 * into it; a failure puts both back. */
		u.csize = csize;
		inode->i_sparse = true;
		err = undo_save_last(fs, fd, psize, &u);
		if (err)
			return err;
		if (ftruncate(fd, (off_t)newc))
			return undo(inode, fd, &u, psize, -errno);
		csize_set(inode, newc);
		err = extend_last(fs, inode, fd, psize, size);
		return err ? undo(inode, fd, &u, psize, err) : 0;
	} else {
		return -EIO;
	}
	if (ftruncate(fd, (off_t)newc)) {
		csize_set(inode, AFS_CSIZE_UNKNOWN);
		return -errno;
	}
	csize_set(inode, newc);
	return 0;
}

/* Reserve the disk bytes of the blocks of [@off, @off + @len) without
 * changing the size on disk; a failure gives back what the reservation
 * took past the end (@csize). */
static int reserve(int fd, const struct afs_range *r, uint64_t csize)
{
	int err;

	if (!fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)r->coff, (off_t)r->clen))
		return 0;
	err = -errno;
	if (err == -EOPNOTSUPP)
		return 0;
	/* Give back what a part of the reservation took. */
	if (ftruncate(fd, (off_t)csize))
		log_dbg("ftruncate after a failed fallocate: %s", strerror(errno));
	return err;
}

/* Mode 0 and FALLOC_FL_KEEP_SIZE.  Bytes reserved past the end read as
 * zeros on the backing filesystem, so a later extension over them still
 * gives holes. */
static int content_allocate(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
			    uint64_t len, bool keep)
{
	uint64_t psize, end = off + len, csize;
	struct afs_range r;
	int err;

	if (len == 0 || end < off)
		return -EINVAL;
	err = csize_of(fs, inode, fd, &csize);
	if (!err && plain_size(fs, csize, &psize) < 0)
		err = -EIO;
	if (err)
		return err;
	/* Reserve the blocks on disk first, without changing the size, so
	 * that neither growing the file nor writing them later can fail
	 * with ENOSPC; zeros stay holes. */
	err = afs_block_range(off, len, fs->f_bs, &r);
	if (!err)
		err = reserve(fd, &r, csize);
	if (err)
		return err;
	return end > psize && !keep ? content_truncate(fs, inode, fd, end) : 0;
}

/* Make @len bytes on disk from @coff, inside the file, all zeros, so that
 * the blocks there read as holes: punched where the backing filesystem
 * can, written over with zeros where it cannot. */
static int zero_disk(int fd, uint64_t coff, uint64_t len)
{
	static const uint8_t zeros[65536];
	size_t n;
	int err;

	if (!len || !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)coff,
			       (off_t)len))
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	for (; len; len -= n, coff += n) {
		n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		err = pwrite_full(fd, zeros, n, coff);
		if (err)
			return err;
	}
	return 0;
}

/* Zero bytes [@from, @to) of block @index, @have plaintext bytes long: a
 * block left all zeros becomes a hole, any other is encrypted again. */
static int zero_part(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t index,
		     uint32_t have, uint32_t from, uint32_t to)
{
	uint8_t *pt = tbuf(TB_BLK_PT, fs->f_bs);
	uint64_t coff;
	int err;

	if (!pt)
		return -ENOMEM;
	err = read_block(fs, inode, fd, index, have, pt);
	if (err)
		return err;
	memset(pt + from, 0, to - from);
	if (pt[0] || memcmp(pt, pt + 1, have - 1))
		return write_blocks(fs, inode, fd, index, pt, have, NULL);
	afs_block_cipher_off(index, fs->f_bs, &coff);
	return zero_disk(fd, coff, AFS_BLOCK_DISK_LEN(have));
}

/*
 * FALLOC_FL_PUNCH_HOLE and FALLOC_FL_ZERO_RANGE (in @mode, with or without
 * FALLOC_FL_KEEP_SIZE): the blocks the range covers whole become holes,
 * zeros on disk (docs/FORMAT.md, "Content blocks"); a block it covers in part is
 * read, zeroed there and encrypted again.  Zeroing also reserves the range
 * on disk first, and grows the file when the range ends past it.
 */
static int content_zero(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
			uint64_t len, int mode)
{
	bool punch = mode & FALLOC_FL_PUNCH_HOLE, keep = mode & FALLOC_FL_KEEP_SIZE;
	uint64_t csize, psize, end = off + len, zend, first, last, coff, cend;
	uint32_t bs = fs->f_bs, have;
	struct afs_range r;
	int err;

	if (len == 0 || end < off)
		return -EINVAL;
	err = afs_block_range(off, len, bs, &r);
	if (err)
		return err;
	err = sizes_of(fs, inode, fd, &csize, &psize);
	if (err)
		return err < 0 ? err : -EIO;
	zend = end < psize ? end : psize;
	if (off < zend && !inode->i_have_id)
		return -EIO; /* afs_content_load() said why */
	if (!punch) {
		err = reserve(fd, &r, csize);
		if (err)
			return err;
	}
	if (off < zend) {
		first = off / bs;
		last = (zend - 1) / bs;
		have = block_len(bs, first, psize);
		if (off % bs || (first == last && zend - first * bs < have)) {
			err = zero_part(fs, inode, fd, first, have, (uint32_t)(off % bs),
					(uint32_t)(first == last ? zend - first * bs : have));
			first++;
		}
		have = block_len(bs, last, psize);
		if (!err && last >= first && zend - last * bs < have) {
			err = zero_part(fs, inode, fd, last, have, 0, (uint32_t)(zend - last * bs));
			last--;
		}
		if (!err && last + 1 > first) {
			/* The whole blocks between: zeros on disk, and for
			 * zeroing, reserved again where punching freed them. */
			inode->i_sparse = true;
			afs_block_cipher_off(first, bs, &coff);
			afs_block_cipher_off(last + 1, bs, &cend);
			if (cend > csize)
				cend = csize;
			err = zero_disk(fd, coff, cend - coff);
			if (!err && !punch && fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)coff,
							(off_t)(cend - coff)) &&
			    errno != EOPNOTSUPP)
				err = -errno;
		}
		if (err)
			return err;
	}
	return end > psize && !punch && !keep ? content_truncate(fs, inode, fd, end) : 0;
}

static uint64_t block_at(struct afs_fs *fs, uint64_t coff)
{
	uint64_t index;
	uint32_t in;

	if (coff < AFS_HEADER_LEN || afs_cipher_off_locate(coff, fs->f_bs, &index, &in))
		return 0;
	return index;
}

/* Whether block @j of a file of @csize bytes on disk is a hole (all zeros
 * there): 1, 0, or -errno. */
static int block_is_hole(struct afs_fs *fs, int fd, uint64_t j, uint64_t csize)
{
	size_t len = AFS_BLOCK_DISK_LEN(fs->f_bs), got;
	uint64_t coff;
	uint8_t *ct;
	int err;

	afs_block_cipher_off(j, fs->f_bs, &coff);
	if (coff + len > csize)
		len = (size_t)(csize - coff);
	ct = tbuf(TB_BLK_CT, len);
	if (!ct)
		return -ENOMEM;
	err = pread_full(fd, ct, len, coff, &got);
	if (err)
		return err;
	return afs_block_is_hole(ct, got);
}

/*
 * SEEK_DATA and SEEK_HOLE, in whole blocks: the backing file's own holes
 * say where to look, and a block is a hole when its bytes on disk are all
 * zeros (as reads treat it), whatever pages the backing file allocated.
 */
int64_t afs_content_seek(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
			 int whence)
{
	uint64_t csize, psize, j, k, coff, pos;
	off_t found;
	int err;

	err = csize_of(fs, inode, fd, &csize);
	if (err)
		return err;
	if (plain_size(fs, csize, &psize) < 0)
		return -EIO;
	if (off >= psize)
		return -ENXIO;
	for (j = off / fs->f_bs;; j = k) {
		afs_block_cipher_off(j, fs->f_bs, &coff);
		if (coff >= csize || j * fs->f_bs >= psize)
			return whence == SEEK_DATA ? -ENXIO : (int64_t)psize;
		err = block_is_hole(fs, fd, j, csize);
		if (err < 0)
			return err;
		if (err == (whence == SEEK_HOLE)) {
			pos = j * fs->f_bs;
			return (int64_t)(pos > off ? pos : off);
		}
		/* Skip ahead to where the backing file changes from data to
		 * hole or back; the block there is the next one to look at. */
		found = lseek(fd, (off_t)coff, whence);
		if (found < 0) {
			if (errno == ENXIO && whence == SEEK_DATA)
				return -ENXIO;
			return -errno;
		}
		if ((uint64_t)found >= csize)
			return whence == SEEK_DATA ? -ENXIO : (int64_t)psize;
		k = block_at(fs, (uint64_t)found);
		if (k <= j)
			k = j + 1;
	}
}

ssize_t afs_content_write(struct afs_fs *fs, struct afs_inode *inode, int fd,
			  const uint8_t *buf, size_t size, uint64_t *off, bool append)
{
	uint64_t psize;
	ssize_t n;

	n = afs_content_shared_begin(fs, inode, fd);
	/* Shared, the kernel's idea of the end may be old: append at the
	 * end the other daemons left. */
	if (!n && append && fs->f_opts.shared) {
		n = afs_content_size(fs, inode, fd, &psize);
		if (!n)
			*off = psize;
	}
	if (!n)
		n = content_write(fs, inode, fd, buf, size, *off);
	afs_content_shared_end(fs, inode, fd);
	return n;
}

int afs_content_truncate(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t size)
{
	int err = afs_content_shared_begin(fs, inode, fd);

	if (!err)
		err = content_truncate(fs, inode, fd, size);
	afs_content_shared_end(fs, inode, fd);
	return err;
}

int afs_content_allocate(struct afs_fs *fs, struct afs_inode *inode, int fd, uint64_t off,
			 uint64_t len, int mode)
{
	int err = afs_content_shared_begin(fs, inode, fd);

	if (!err && (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)))
		err = content_zero(fs, inode, fd, off, len, mode);
	else if (!err)
		err = content_allocate(fs, inode, fd, off, len, mode & FALLOC_FL_KEEP_SIZE);
	afs_content_shared_end(fs, inode, fd);
	return err;
}
