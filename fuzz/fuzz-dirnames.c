// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-dirnames - a directory's names as the daemon reads them
 * (fs/daemon/dirnames.c, afs_dname_plain()): its algfs.diriv, a long name's
 * sidecar file and the on-disk name, each written by the harness into a
 * scratch directory from the input, in either format: under the names key
 * of tests/fixtures/v1-populated.tar (format 1, CBC-CTS) or of
 * tests/fixtures/format-v2-vector.conf (format 2, EME).
 *
 * Input: a flags byte, the diriv's length (mod 33) and bytes, the
 * sidecar's length and bytes, then the on-disk name.  Flag FUZZ_FORMAT_V2
 * (fuzz.h) picks format 2, else format 1.  With flag 1 the on-disk name is
 * instead the long name the sidecar's content hashes to, so that the
 * sidecar is read and its content decrypted.  The result must be a name a
 * directory may hold, which afs_dname() encrypts back to the encoded name
 * read (the on-disk name or the sidecar's content) and, when that is long,
 * to the same long name; or -EIO for an IV that is not 16 bytes or all
 * zeros, or -EUCLEAN / -ENOENT for a name algfs cannot have written.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuse_i.h"

static struct afs_fs fs;
static struct afs_volkey vks[3]; /* by format */
static struct ac_key *names_keys[3]; /* by format: CTS (1), ECB for EME (2) */
static int dirfd_;
static char dirpath[4096];

/* The scratch directory goes when the harness exits. */
static void cleanup(void)
{
	unlinkat(dirfd_, AFS_DIRIV_NAME, 0);
	rmdir(dirpath);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	fs.f_ctx = fuzz_ctx();
	for (unsigned int format = 1; format <= 2; format++) {
		vks[format] = fuzz_volkey(fs.f_ctx, format);
		fuzz_check(afs_subkey(&vks[format], AFS_KEY_NAMES, NULL, &names_keys[format]),
			   "afs_subkey");
	}
	pthread_mutex_init(&fs.f_table_lock, NULL);
	pthread_mutex_init(&fs.f_root.i_lock, NULL);
	snprintf(dirpath, sizeof(dirpath), "%s/algfs-fuzz-dirnames.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	FUZZ_ASSERT(mkdtemp(dirpath));
	dirfd_ = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_ASSERT(dirfd_ >= 0);
	atexit(cleanup);
	return 0;
}

static void put(const char *name, const uint8_t *p, size_t len)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, p, len) == (ssize_t)len);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_u8(&in);
	size_t ivlen = fuzz_u8(&in) % 33, sclen, namelen;
	const uint8_t *iv = fuzz_bytes(&in, ivlen, &ivlen), *sc, *nm;
	char enc[AFS_ENC_NAME_BUF + 8], disk[AFS_NAME_MAX + 1], sidecar[AFS_SIDECAR_BUF];
	char plain[AFS_PLAIN_NAME_BUF];
	unsigned int format = fuzz_format(flags);
	struct afs_dname dn;
	bool iv_ok, zero = true;
	int err;

	/* The volume's format, as afs_fs_init() would set it. */
	fs.f_vk = vks[format];
	fs.f_names = names_keys[format];

	sclen = fuzz_u64(&in, 2) % (AFS_ENC_NAME_BUF + 8);
	sc = fuzz_bytes(&in, sclen, &sclen);
	nm = fuzz_bytes(&in, AFS_NAME_MAX, &namelen);

	put(AFS_DIRIV_NAME, iv, ivlen);
	for (size_t i = 0; i < ivlen; i++)
		zero = zero && !iv[i];
	iv_ok = ivlen == AFS_DIRIV_LEN && !zero;

	if (flags & 1) {
		memcpy(enc, sc, sclen);
		enc[sclen] = '\0';
		FUZZ_ASSERT(afs_longname_hash(fs.f_ctx, enc, disk) == 0);
		FUZZ_ASSERT(afs_longname_sidecar(disk, sidecar) == 0);
		put(sidecar, sc, sclen);
	} else {
		memcpy(disk, nm, namelen);
		disk[namelen] = '\0';
		if (!disk[0] || strchr(disk, '/'))
			return 0; /* no directory entry is named so */
	}

	fs.f_root.i_iv_loaded = false;
	memset(plain, 'x', sizeof(plain));
	err = afs_dname_plain(&fs, &fs.f_root, dirfd_, disk, plain);
	if (!strcmp(disk, ".") || !strcmp(disk, "..")) {
		FUZZ_ASSERT(err == 0 && !strcmp(plain, disk));
	} else if (err == 0) {
		size_t len = strlen(plain);

		FUZZ_ASSERT(iv_ok && len && len <= AFS_NAME_MAX && !strchr(plain, '/'));
		FUZZ_ASSERT(strcmp(plain, ".") && strcmp(plain, ".."));
		/* The daemon writes the name it read under the name read. */
		FUZZ_ASSERT(afs_dname(&fs, &fs.f_root, dirfd_, plain, &dn) == 0);
		FUZZ_ASSERT(!strcmp(dn.d_enc, flags & 1 ? enc : disk));
		if (dn.d_long)
			FUZZ_ASSERT(!strcmp(dn.d_disk, disk));
	} else {
		FUZZ_ASSERT(err == -EUCLEAN || err == -ENOENT || (err == -EIO && !iv_ok));
	}
	if (flags & 1)
		unlinkat(dirfd_, sidecar, 0);
	return 0;
}
