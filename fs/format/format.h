/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * format.h - the format library's one public header: algfs's on-disk
 * format, versions 1 and 2: the key hierarchy, the file header, the
 * arithmetic between plaintext and ciphertext offsets, content blocks,
 * encrypted file names, symlink targets and xattrs; and the volume's
 * configuration (algfs.conf) with its keyslots, at the end.
 *
 * Pure format code: no FUSE, no inode table; the only file I/O is reading
 * and writing algfs.conf and afs_write_atomic().  Keys come from the caller
 * as crypto.h handles (a file's AC_ALG_GCM content key, the volume's names
 * key) or as its master key (struct afs_volkey).  The two formats differ
 * only in how keys are derived, in the names' mode and in symlink targets
 * and xattr values; files are laid out alike.  docs/FORMAT.md describes the
 * same bytes, with test vectors; tests/src/format-test.c checks them.
 *
 * A ciphertext file:
 *
 *   empty plaintext:  empty file, no header
 *   otherwise:        header || block 0 || block 1 || ... || block n-1
 *   header:           be16 version (1) || file_id (16 random bytes)
 *   block i:          nonce (12) || AES-256-GCM(plaintext i) (1..bs) || tag (16)
 *                     at offset 18 + i * (12 + bs + 16); only the last block
 *                     may be shorter than bs
 *   AAD of block i:   file_id || be64(i)
 *
 * Functions that can fail return 0 or a length on success and -errno on
 * failure, and list their errors.  Offsets and sizes are uint64_t, and no
 * ciphertext offset or size may exceed INT64_MAX (it must fit in off_t):
 * whatever would is -EFBIG.
 */
#ifndef ALGFS_FORMAT_H
#define ALGFS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "crypto.h"

/* The formats this build reads and writes; mkfs.algfs makes the newest. */
#define AFS_FORMAT_MIN 1
#define AFS_FORMAT_MAX 2
#define AFS_FORMAT_DEFAULT 2

#define AFS_UUID_LEN 16

/*
 * A volume's master key with what its derivations depend on: the format
 * picks the labels and modes, and from format 2 on the UUID enters every
 * subkey (docs/FORMAT.md, "Keys").
 */
struct afs_volkey {
	struct ac_key *mk; /* AC_ALG_HMAC */
	unsigned int format; /* 1 or 2 */
	uint8_t uuid[AFS_UUID_LEN];
};

/* keys.c: the key hierarchy, HKDF-SHA256 Expand from the master key. */

/* Each subkey has its own domain label per format, defined once in keys.c. */
enum afs_subkey {
	AFS_KEY_CONTENT, /* AES-256-GCM, one per file: the context is its ID */
	AFS_KEY_NAMES, /* file names: AES-256-CBC-CTS (1), AES-256-ECB for EME (2) */
	AFS_KEY_SYMLINK, /* AES-256-GCM; format 2: one per target, the context is its ID */
	AFS_KEY_XATTR_NAME, /* extended attribute names, as AFS_KEY_NAMES */
	AFS_KEY_XATTR_VALUE, /* AES-256-GCM; format 2: one per value, as AFS_KEY_SYMLINK */
	AFS_KEY_CONFIG_MAC, /* HMAC-SHA256 over algfs.conf */
};

/* The length of a subkey's context (a file, target or value ID), or 0. */
#define AFS_KEY_CONTEXT_LEN 16

/* Whether @which takes a 16-byte context in @vk's format. */
bool afs_subkey_has_context(const struct afs_volkey *vk, enum afs_subkey which);

/**
 * afs_subkey() - derive a subkey, through the crypto layer's cache
 * @context: AFS_KEY_CONTEXT_LEN bytes where afs_subkey_has_context(), else NULL
 *
 * Return: 0, -EINVAL (a context missing or given where none belongs, or a
 * format this build does not know), or the errors of ac_derive_key().
 */
int afs_subkey(const struct afs_volkey *vk, enum afs_subkey which, const uint8_t *context,
	       struct ac_key **keyp);

/* The 16-byte key-check value stored in the config.  Return: 0 or -errno. */
int afs_key_check_value(const struct afs_volkey *vk, uint8_t kcv[16]);

/* File header: its version is the layout of the file, 1 in both formats. */
#define AFS_HEADER_VERSION 1
#define AFS_FILE_ID_LEN 16
#define AFS_HEADER_LEN (2 + AFS_FILE_ID_LEN) /* 18 */

/* Content blocks */
#define AFS_BLOCK_SIZE_MIN 4096u
#define AFS_BLOCK_SIZE_MAX 65536u
#define AFS_BLOCK_SIZE_DEFAULT 4096u
#define AFS_BLOCK_NONCE_LEN AC_GCM_NONCE_LEN /* 12 */
#define AFS_BLOCK_TAG_LEN AC_GCM_TAG_LEN /* 16 */
#define AFS_BLOCK_OVERHEAD (AFS_BLOCK_NONCE_LEN + AFS_BLOCK_TAG_LEN) /* 28 */
#define AFS_BLOCK_AAD_LEN (AFS_FILE_ID_LEN + 8) /* 24 */
/* The on-disk size of a whole block of @bs plaintext bytes. */
#define AFS_BLOCK_DISK_LEN(bs) ((bs) + AFS_BLOCK_OVERHEAD)

/* Names */
#define AFS_DIRIV_LEN AC_CTS_IV_LEN /* 16, the content of algfs.diriv */
#define AFS_NAME_MAX 255 /* bytes of a plaintext name, and of an on-disk name */
/* A plaintext name padded with NULs: a multiple of 16, at most 256 bytes. */
#define AFS_NAME_PAD 16
#define AFS_NAME_PADDED_MAX 256
/* base64url, no padding, of AFS_NAME_PADDED_MAX bytes: 342 characters. */
#define AFS_ENC_NAME_MAX ((AFS_NAME_PADDED_MAX * 4 + 2) / 3)
#define AFS_ENC_NAME_BUF (AFS_ENC_NAME_MAX + 1)
#define AFS_PLAIN_NAME_BUF (AFS_NAME_MAX + 1)

/*
 * Reserved names in every ciphertext directory.  base64url has no '.', so no
 * encrypted name can ever equal one of them.
 */
#define AFS_CONF_NAME "algfs.conf"
#define AFS_DIRIV_NAME "algfs.diriv"
#define AFS_LONGNAME_PREFIX "algfs.longname."
#define AFS_LONGNAME_SUFFIX ".name" /* of the sidecar file */
#define AFS_LONGNAME_HASH_LEN 43 /* base64url of a SHA-256, no padding */
/* algfs.longname.<hash>: 58 characters; the sidecar adds ".name": 63. */
#define AFS_LONGNAME_LEN (sizeof(AFS_LONGNAME_PREFIX) - 1 + AFS_LONGNAME_HASH_LEN)
#define AFS_LONGNAME_BUF (AFS_LONGNAME_LEN + 1)
#define AFS_SIDECAR_LEN (AFS_LONGNAME_LEN + sizeof(AFS_LONGNAME_SUFFIX) - 1)
#define AFS_SIDECAR_BUF (AFS_SIDECAR_LEN + 1)

/* header.c */

/* Write the version 1 header for @id into @out. */
void afs_header_encode(uint8_t out[AFS_HEADER_LEN], const uint8_t id[AFS_FILE_ID_LEN]);

/**
 * afs_header_new() - draw a new file ID and write its header
 * @out: the header to write at offset 0
 * @id: the new file ID (to derive the file's content key from)
 *
 * Return: 0, or the error of ac_random().
 */
int afs_header_new(uint8_t out[AFS_HEADER_LEN], uint8_t id[AFS_FILE_ID_LEN]);

/**
 * afs_header_decode() - check a file's first bytes and read its ID
 * @buf: the start of the file
 * @len: bytes in @buf; more than AFS_HEADER_LEN is fine
 * @id: the file ID
 *
 * Return: 0, -EUCLEAN (@len is shorter than a header), -EPROTONOSUPPORT (a
 * version other than 1).
 */
int afs_header_decode(const uint8_t *buf, size_t len, uint8_t id[AFS_FILE_ID_LEN]);

/* blocks.c: offsets */

/* A power of two from AFS_BLOCK_SIZE_MIN to AFS_BLOCK_SIZE_MAX. */
bool afs_block_size_ok(uint32_t bs);

/*
 * The arithmetic below returns -EINVAL for a block size that
 * afs_block_size_ok() refuses.
 */

/**
 * afs_plain_size_max() - the largest plaintext size a file may have
 *
 * The size of the most whole blocks whose ciphertext ends at or below
 * INT64_MAX.  Writes or truncates beyond it are -EFBIG.
 *
 * Return: 0, -EINVAL.
 */
int afs_plain_size_max(uint32_t bs, uint64_t *max);

/**
 * afs_plain_size() - a file's plaintext size from its size on disk
 *
 * Return: 0, -EINVAL, -EUCLEAN (a size no algfs file can have: 1 to 18
 * bytes, a header only or shorter, or a last block of 1 to 28 bytes, too
 * short for a nonce, a tag and one byte), -EFBIG (@csize above INT64_MAX, or
 * a plaintext size above afs_plain_size_max()).
 */
int afs_plain_size(uint64_t csize, uint32_t bs, uint64_t *psize);

/**
 * afs_cipher_size() - a file's size on disk from its plaintext size
 *
 * Return: 0, -EINVAL, -EFBIG (@psize above afs_plain_size_max()).
 */
int afs_cipher_size(uint64_t psize, uint32_t bs, uint64_t *csize);

/**
 * afs_block_locate() - the block holding a plaintext offset
 * @off: plaintext offset
 * @index: the block's index, @off / @bs
 * @in_block: @off's offset in that block, @off % @bs
 *
 * Return: 0, -EINVAL.
 */
int afs_block_locate(uint64_t off, uint32_t bs, uint64_t *index, uint32_t *in_block);

/**
 * afs_block_cipher_off() - where block @index starts on disk
 *
 * Return: 0, -EINVAL, -EFBIG (beyond INT64_MAX).
 */
int afs_block_cipher_off(uint64_t index, uint32_t bs, uint64_t *coff);

/**
 * afs_cipher_off_locate() - the block holding a ciphertext offset
 * @coff: ciphertext offset, at or after the header (SEEK_DATA and SEEK_HOLE
 *        on the backing file give those)
 * @index: the block's index
 * @in_block: @coff's offset in the block's on-disk bytes (nonce first)
 *
 * Return: 0, -EINVAL (a bad block size, or @coff inside the header).
 */
int afs_cipher_off_locate(uint64_t coff, uint32_t bs, uint64_t *index, uint32_t *in_block);

/* The blocks a plaintext request (@off, @len) touches. */
struct afs_range {
	uint64_t first; /* index of the first block */
	uint64_t count; /* number of blocks, 0 for an empty request */
	uint32_t head; /* offset of @off in the first block */
	uint32_t tail; /* bytes of the last block the request covers, 1..bs */
	uint64_t coff; /* where the first block starts on disk */
	uint64_t clen; /* on-disk bytes of @count whole blocks */
};

/**
 * afs_block_range() - the blocks touched by a plaintext request
 * @off: plaintext offset
 * @len: plaintext length; 0 gives @count 0 (and @first, @coff of @off)
 *
 * @clen counts whole blocks; a read of it stops short at the end of the file,
 * which afs_blocks_decrypt() takes as a short last block.
 *
 * Return: 0, -EINVAL, -EFBIG (@off + @len above afs_plain_size_max()).
 */
int afs_block_range(uint64_t off, uint64_t len, uint32_t bs, struct afs_range *r);

/* blocks.c: block encryption */

/* The AAD of block @index: @file_id || be64(@index). */
void afs_block_aad(uint8_t aad[AFS_BLOCK_AAD_LEN], const uint8_t file_id[AFS_FILE_ID_LEN],
		   uint64_t index);

/* An all-zero on-disk block (a hole); see afs_block_decrypt(). */
bool afs_block_is_hole(const uint8_t *in, size_t inlen);

/**
 * afs_block_encrypt() - encrypt one block under a fresh random nonce
 * @key: the file's AC_ALG_GCM content key
 * @file_id: the file's ID (from its header)
 * @index: the block's index in the file
 * @pt: plaintext, @len bytes: 1 to AFS_BLOCK_SIZE_MAX
 * @out: the on-disk block, @len + AFS_BLOCK_OVERHEAD bytes; may not overlap
 *       @pt
 *
 * A block is encrypted under a new nonce every time it is written, never
 * under one it had before.
 *
 * Return: 0, -EINVAL (@len out of range), the errors of ac_random() and
 * ac_gcm_encrypt().
 */
int afs_block_encrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN], uint64_t index,
		      const uint8_t *pt, size_t len, uint8_t *out);

/**
 * afs_block_encrypt_nonce() - afs_block_encrypt() with the caller's nonce
 *
 * For known-answer tests only (tests/src/format-test.c, docs/FORMAT.md):
 * a nonce used twice under one file key breaks GCM.  The filesystem always
 * calls afs_block_encrypt().
 *
 * Return: as afs_block_encrypt().
 */
int afs_block_encrypt_nonce(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN],
			    uint64_t index, const uint8_t nonce[AFS_BLOCK_NONCE_LEN],
			    const uint8_t *pt, size_t len, uint8_t *out);

/**
 * afs_block_decrypt() - check and decrypt one on-disk block
 * @in: the on-disk block, @inlen bytes: AFS_BLOCK_OVERHEAD + 1 to
 *      AFS_BLOCK_OVERHEAD + AFS_BLOCK_SIZE_MAX
 * @pt: the plaintext, @inlen - AFS_BLOCK_OVERHEAD bytes
 *
 * A block of only zero bytes is a hole and reads as zeros without any
 * decryption.  Return: the plaintext length, -EUCLEAN (@inlen out of range),
 * -EBADMSG (authentication failed: a changed, moved or foreign block; @pt is
 * wiped), or another error of ac_gcm_decrypt().
 */
int afs_block_decrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN], uint64_t index,
		      const uint8_t *in, size_t inlen, uint8_t *pt);

/**
 * afs_blocks_encrypt() - encrypt consecutive blocks in one batch
 * @first: index of the first block
 * @pt: plaintext of blocks @first, @first + 1, ..., @ptlen bytes; every block
 *      but the last is @bs bytes
 * @out: the on-disk blocks, as afs_cipher_size() - AFS_HEADER_LEN for @ptlen
 *       bytes; may not overlap @pt
 *
 * Return: the on-disk length written (0 for @ptlen 0), -EINVAL, -ENOMEM,
 * -EFBIG (the blocks would end beyond afs_plain_size_max()), the errors of
 * ac_random() and ac_gcm_encrypt_batch().  On failure @out is wiped.
 */
ssize_t afs_blocks_encrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN],
			   uint64_t first, const uint8_t *pt, size_t ptlen, uint32_t bs,
			   uint8_t *out);

/**
 * afs_blocks_decrypt() - check and decrypt consecutive on-disk blocks in one batch
 * @first: index of the first block in @in
 * @in: on-disk blocks @first, @first + 1, ..., @inlen bytes: whole blocks of
 *      AFS_BLOCK_DISK_LEN(@bs) bytes, the last one possibly shorter (the end
 *      of the file), but longer than AFS_BLOCK_OVERHEAD
 * @pt: the plaintext, as long as afs_plain_size() gives for AFS_HEADER_LEN +
 *      @inlen (at most @bs bytes per block of @in)
 * @bad_index: on -EBADMSG, the index of the first block that failed; may be NULL
 *
 * Holes read as zeros, as with afs_block_decrypt().  The blocks that pass go
 * to the crypto backend together (ac_gcm_decrypt_batch()).  One failing block
 * does not stop the others: on -EBADMSG the plaintext of every block that
 * failed is wiped and that of the others is valid, so a caller may return the
 * blocks before @bad_index as a short read.  On any other error all of @pt is
 * wiped.
 *
 * Return: the plaintext length, -EINVAL, -EUCLEAN (a trailing partial block
 * of AFS_BLOCK_OVERHEAD bytes or fewer), -EFBIG, -ENOMEM, -EBADMSG, or
 * another error of ac_gcm_decrypt_batch().
 */
ssize_t afs_blocks_decrypt(struct ac_key *key, const uint8_t file_id[AFS_FILE_ID_LEN],
			   uint64_t first, const uint8_t *in, size_t inlen, uint32_t bs,
			   uint8_t *pt, uint64_t *bad_index);

/* names.c */

/**
 * afs_name_encrypt() - the encoded (on-disk) form of a plaintext name
 * @names_key: the volume's names key: AC_ALG_CTS (format 1) or AC_ALG_ECB,
 *             which selects EME (format 2)
 * @iv: the directory's IV, from its algfs.diriv
 * @plain: a NUL-terminated name: 1 to AFS_NAME_MAX bytes, no '/', not "." or ".."
 * @out: base64url(AES-256-CBC-CTS or EME(@plain padded with NULs to a
 *       multiple of 16)), NUL-terminated
 *
 * Deterministic for a given (@iv, @plain), so that a lookup can encrypt the
 * name it looks for.  An encoded name longer than AFS_NAME_MAX is stored
 * under afs_longname_hash()'s name.
 *
 * Return: the length of @out, -EINVAL (an empty name, "." or "..", or one
 * with '/'), -ENAMETOOLONG, or the errors of ac_cts_encrypt() or
 * ac_eme_encrypt().
 */
int afs_name_encrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN], const char *plain,
		     char out[AFS_ENC_NAME_BUF]);

/**
 * afs_name_decrypt() - the plaintext name of an encoded name
 * @enc: an encoded name (for a long name: the sidecar's content)
 * @out: the plaintext name, NUL-terminated
 *
 * Refuses anything afs_name_encrypt() cannot have written, so that no two
 * on-disk names give one plaintext name and no on-disk name gives a name a
 * directory may not hold.
 *
 * Return: the length of @out, -EUCLEAN (not base64url without padding in its
 * one canonical form, a length not a multiple of 16 or above 256 bytes, or
 * a decryption that is not a padded valid name), or the errors of
 * ac_cts_decrypt() or ac_eme_decrypt().
 */
int afs_name_decrypt(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN], const char *enc,
		     char out[AFS_PLAIN_NAME_BUF]);

/*
 * afs_name_encrypt_any(), afs_name_decrypt_any() - the same for an extended
 * attribute's name after "user.": any 1 to AFS_NAME_MAX bytes other than
 * NUL, '/' included, "." and ".." too.  A name that afs_name_encrypt()
 * takes is encoded the same by both; decryption refuses only what
 * afs_name_encrypt_any() cannot have written.
 */
int afs_name_encrypt_any(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			 const char *plain, char out[AFS_ENC_NAME_BUF]);
int afs_name_decrypt_any(struct ac_key *names_key, const uint8_t iv[AFS_DIRIV_LEN],
			 const char *enc, char out[AFS_PLAIN_NAME_BUF]);

/* Whether an encoded name must be stored as a long name. */
bool afs_name_needs_longname(const char *enc);

/**
 * afs_longname_hash() - the on-disk name of a long encoded name
 * @enc: the encoded name
 * @out: AFS_LONGNAME_PREFIX || base64url(SHA-256(@enc)), NUL-terminated
 *
 * Return: 0, or the errors of ac_sha256().
 */
int afs_longname_hash(struct ac_ctx *ctx, const char *enc, char out[AFS_LONGNAME_BUF]);

/* algfs.longname.<43 base64url characters>, exactly (not its sidecar). */
bool afs_is_longname(const char *name);

/* algfs.longname.<43 base64url characters>.name, exactly. */
bool afs_is_longname_sidecar(const char *name);

/**
 * afs_longname_sidecar() - the sidecar of a long name
 * @name: a name afs_is_longname() accepts
 * @out: @name || ".name", NUL-terminated
 *
 * Return: 0, -EINVAL (@name is not a long name).
 */
int afs_longname_sidecar(const char *name, char out[AFS_SIDECAR_BUF]);

/*
 * A ciphertext directory entry that is algfs's own, hidden from listings:
 * algfs.conf, algfs.diriv and every name starting with "algfs.longname." (a
 * long name itself is listed under the plaintext name its sidecar gives).
 */
bool afs_name_is_reserved(const char *name);

/*
 * The name an NFS client (Linux's: ".nfs", then 24 hexadecimal digits) gives
 * a file that was removed while still open, until its last close removes it:
 * a ciphertext entry of neither algfs nor the user, hidden and left alone.
 */
bool afs_name_is_nfs_silly(const char *name);

/**
 * afs_plain_name_check() - whether a plaintext-names volume may hold @plain
 *
 * Return: 0, -EINVAL (empty, "." or "..", or with '/'), -ENAMETOOLONG,
 * -EPERM (a reserved name: afs_name_is_reserved()).
 */
int afs_plain_name_check(const char *plain);

/* atomic.c */

/**
 * afs_write_atomic() - replace @name in @dirfd with @len bytes of @data
 *
 * Through a temporary file, fsync, rename and an fsync of the directory: a
 * crash leaves the old file or the new one.  The file gets @mode exactly.
 *
 * Return: 0, or -errno of the failing step (the temporary file is removed).
 */
int afs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/*
 * A temporary file that afs_write_atomic() left behind when it was cut
 * short: ".NAME.tmp.<16 lowercase hex digits>", NAME one of algfs's own
 * files (algfs.conf, algfs.diriv, a long name's sidecar).
 */
bool afs_is_atomic_leftover(const char *name);

/* base64.c */

/* base64url of @n bytes, no padding, into @out (4 * n / 3 + 3 bytes);
 * returns its length. */
size_t afs_b64url_encode(const uint8_t *in, size_t n, char *out);
/*
 * Decode @len characters into @out (room for 3 * len / 4 bytes).  Only the
 * canonical form: non-zero unused bits are refused, so no two strings decode
 * to the same bytes.  Return: the length, -EUCLEAN (not base64url).
 */
int afs_b64url_decode(const char *in, size_t len, uint8_t *out);

/* meta.c: symlink targets and extended attributes. */

/*
 * A symlink target on disk is base64url(fresh || AES-256-GCM(key, nonce,
 * AAD = "", target) || tag), and a "user." xattr value fresh ||
 * AES-256-GCM(key, nonce, AAD = its on-disk name, value) || tag.  Format 1:
 * fresh is a random 12-byte nonce and the key the volume's symlink or
 * xattr-value key.  Format 2: fresh is a random 16-byte ID, the key the
 * subkey for that ID, the nonce zero.  The backing filesystem holds targets
 * of at most 4095 bytes, which limits plaintext targets to
 * afs_symlink_max(): 3043 bytes (1), 3039 bytes (2).
 */
#define AFS_SYMLINK_MAX 3043 /* in any format */
#define AFS_SYMLINK_ENC_BUF 4096
#define AFS_META_FRESH_MAX AFS_KEY_CONTEXT_LEN
/* What a target or value gains on disk, at most (format 2). */
#define AFS_META_OVERHEAD_MAX (AFS_META_FRESH_MAX + AC_GCM_TAG_LEN)

/* The bytes a target or value gains in @format: 28 (1), 32 (2). */
size_t afs_meta_overhead(unsigned int format);
/* The longest target @format can store. */
size_t afs_symlink_max(unsigned int format);

/**
 * afs_symlink_encrypt() - a symlink target as stored on disk
 * @out: AFS_SYMLINK_ENC_BUF bytes, NUL-terminated
 *
 * Return: the length of @out, -ENAMETOOLONG (over afs_symlink_max()),
 * -EINVAL (empty), or a crypto error.
 */
int afs_symlink_encrypt(const struct afs_volkey *vk, const char *target, char *out);
/* As afs_symlink_encrypt(), with the nonce (1) or ID (2) given: for test
 * vectors only. */
int afs_symlink_encrypt_fresh(const struct afs_volkey *vk, const char *target,
			      const uint8_t *fresh, char *out);
/**
 * afs_symlink_decrypt() - the target from its on-disk form
 * @out: AFS_SYMLINK_ENC_BUF bytes, NUL-terminated
 *
 * Return: the target's length, -EUCLEAN (not an algfs target), -EBADMSG
 * (authentication failed; @out wiped).
 */
int afs_symlink_decrypt(const struct afs_volkey *vk, const char *enc, char *out);

/*
 * Long symlink targets (format 2): a target longer than afs_symlink_max(),
 * up to AFS_TARGET_MAX bytes, is stored in a file at the volume's root named
 * algfs.longtarget.<base64url(id)>, which holds AES-256-GCM(K, zero nonce,
 * AAD = "", target) || tag with K the symlink subkey of the 16-byte random
 * ID; the backing symlink's target is that name.  No encoded target holds
 * a '.', so the two forms cannot be confused.
 */
#define AFS_TARGET_MAX 4095 /* PATH_MAX - 1, what Linux takes */
#define AFS_LONGTARGET_PREFIX "algfs.longtarget."
#define AFS_LONGTARGET_ID_CHARS 22 /* base64url of 16 bytes */
#define AFS_LONGTARGET_LEN (sizeof(AFS_LONGTARGET_PREFIX) - 1 + AFS_LONGTARGET_ID_CHARS)
#define AFS_LONGTARGET_BUF (AFS_LONGTARGET_LEN + 1)
/* The most a long-target file holds: the longest target and its tag. */
#define AFS_LONGTARGET_DATA_MAX (AFS_TARGET_MAX + AC_GCM_TAG_LEN)

/* algfs.longtarget.<22 base64url characters>, exactly. */
bool afs_is_longtarget(const char *name);

/**
 * afs_longtarget_seal() - a long target's file name and content
 * @vk: a format 2 volume's key
 * @id: 16 random bytes
 * @name: its file's name, and the backing symlink's target
 * @out: strlen(@target) + AC_GCM_TAG_LEN bytes: the file's content
 *
 * Return: the length of @out, -EINVAL (empty, or a format 1 volume),
 * -ENAMETOOLONG (over AFS_TARGET_MAX), or a crypto error.
 */
int afs_longtarget_seal(const struct afs_volkey *vk, const char *target,
			const uint8_t id[AFS_KEY_CONTEXT_LEN], char name[AFS_LONGTARGET_BUF],
			uint8_t *out);

/**
 * afs_longtarget_open() - the target in a long-target file
 * @name: the file's name (the backing symlink's target)
 * @in: its content, @len bytes
 * @out: AFS_TARGET_MAX + 1 bytes, NUL-terminated
 *
 * Return: the target's length, -EUCLEAN (not a long-target name, a length
 * out of range, a NUL in the target, or a format 1 volume), -EBADMSG
 * (authentication failed; @out wiped).
 */
int afs_longtarget_open(const struct afs_volkey *vk, const char *name, const uint8_t *in,
			size_t len, char *out);

/*
 * Extended attributes: only "user." names are encrypted.  The name after
 * "user." is encrypted like a file name with the xattr-name key and a zero
 * IV or tweak (deterministic, so getxattr can find it), except that it may
 * hold any byte but NUL and be "." or ".." (afs_name_encrypt_any()); the
 * value as above.  The on-disk name is at most XATTR_NAME_MAX (255) bytes
 * only for plaintext names of up to 181 bytes ("user." and 11 blocks in 235
 * base64url characters: 240 bytes; 12 blocks would be 261), and the
 * value at most XATTR_SIZE_MAX (65536) bytes only for plaintext values of
 * up to 65536 - afs_meta_overhead().
 * Other namespaces (security., trusted., system. with POSIX ACLs) are for
 * the kernel to read and are passed through.
 */
#define AFS_XATTR_PREFIX "user."
#define AFS_XATTR_NAME_BUF (sizeof(AFS_XATTR_PREFIX) - 1 + AFS_ENC_NAME_BUF)

/* Return: the length of @out, -EOPNOTSUPP (not a "user." name), or the
 * errors of afs_name_encrypt(). */
int afs_xattr_name_encrypt(struct ac_key *key, const char *name, char out[AFS_XATTR_NAME_BUF]);
/* Return: the length of @out (AFS_PLAIN_NAME_BUF + 5 bytes), -EUCLEAN. */
int afs_xattr_name_decrypt(struct ac_key *key, const char *disk_name, char *out);
/* @out: @len + afs_meta_overhead() bytes.  Return: that length or -errno. */
int afs_xattr_value_encrypt(const struct afs_volkey *vk, const char *disk_name,
			    const uint8_t *value, size_t len, uint8_t *out);
int afs_xattr_value_encrypt_fresh(const struct afs_volkey *vk, const char *disk_name,
				  const uint8_t *value, size_t len, const uint8_t *fresh,
				  uint8_t *out);
/* @out: @len - afs_meta_overhead() bytes.  Return: that length, -EUCLEAN
 * (shorter than the overhead), -EBADMSG (@out wiped). */
int afs_xattr_value_decrypt(const struct afs_volkey *vk, const char *disk_name,
			    const uint8_t *in, size_t len, uint8_t *out);

/*
 * The volume: its configuration, keyslots and key hierarchy (docs/FORMAT.md,
 * "Configuration").
 *
 * The configuration is the text file algfs.conf at the root of the
 * ciphertext directory.  It names the format, the volume's UUID, the cipher
 * suite, the block size and name mode, a key-check value, the keyslots that
 * wrap the master key, and ends with a MAC under a key derived from the
 * master key, so that after unlocking, any edit (a weaker suite, another
 * block size, a removed slot) is refused.
 */

/* The one cipher suite of each format: content, names, key derivation. */
#define AFS_SUITE_V1 "aes256-gcm+aes256-cts+hkdf-sha256"
#define AFS_SUITE_V2 "aes256-gcm+aes256-eme+hkdf-sha256"
#define AFS_UUID_STR_LEN 36 /* 8-4-4-4-12 lowercase hex */
#define AFS_KCV_LEN 16
#define AFS_MAC_LEN 32
#define AFS_SALT_LEN 16
#define AFS_MAX_SLOTS 8
#define AFS_WRAPPED_LEN (AC_KEY_LEN + AC_GCM_TAG_LEN)
/* "algfs:" and the UUID: the master key's description in the keyring. */
#define AFS_KEYDESC_LEN (6 + AFS_UUID_STR_LEN)

enum afs_slot_type {
	AFS_SLOT_PASSPHRASE,
	AFS_SLOT_KEYFILE,
	AFS_SLOT_RECOVERY,
};

enum afs_names_mode {
	AFS_NAMES_ENCRYPTED,
	AFS_NAMES_PLAINTEXT,
};

/* Argon2id costs: passes, memory in KiB, lanes. */
struct afs_kdf {
	uint32_t t_cost;
	uint32_t m_cost;
	uint32_t lanes;
};

/* Unlocking takes about a second on a 2-core machine of 2026 (0.9 s). */
#define AFS_KDF_DEFAULT ((struct afs_kdf){ .t_cost = 4, .m_cost = 262144, .lanes = 2 })

struct afs_slot {
	enum afs_slot_type type;
	struct afs_kdf kdf;
	uint8_t salt[AFS_SALT_LEN];
	uint8_t nonce[AC_GCM_NONCE_LEN];
	uint8_t wrapped[AFS_WRAPPED_LEN]; /* the master key, AES-256-GCM under the KEK */
};

struct afs_config {
	unsigned int format;
	uint8_t uuid[AFS_UUID_LEN];
	uint32_t block_size;
	enum afs_names_mode names;
	/* Volumes made from a key already in the keyring have no keyslot. */
	bool keyring_only;
	uint8_t key_check[AFS_KCV_LEN];
	unsigned int nslots;
	struct afs_slot slots[AFS_MAX_SLOTS];
	uint8_t mac[AFS_MAC_LEN];
};

/* config.c */

/**
 * afs_config_read() - read and parse CIPHERDIR/algfs.conf
 * @why: on failure, one line naming the problem (line number, field)
 *
 * Checks syntax and ranges only; the MAC can be checked once the master key
 * is known, with afs_config_verify().
 *
 * Return: 0, -ENOENT (no algfs.conf: not a volume), -EUCLEAN (corrupt or
 * truncated: @why says where), -EPROTONOSUPPORT (a format version or suite
 * this build does not know), or the error of reading the file.
 */
int afs_config_read(const char *cipherdir, struct afs_config *cfg, char *why, size_t whylen);

/**
 * afs_config_parse() - parse the @len bytes of an algfs.conf at @buf
 *
 * What afs_config_read() does once it has read the file (which must not be
 * empty or above 64 KiB); @buf need not be NUL-terminated.
 *
 * Return: 0, -EUCLEAN, -EPROTONOSUPPORT, -ENOMEM, with @why as there.
 */
int afs_config_parse(const char *buf, size_t len, struct afs_config *cfg, char *why, size_t whylen);

/**
 * afs_config_write() - write CIPHERDIR/algfs.conf atomically, with its MAC
 * @mk: the master key (AC_ALG_HMAC), for the MAC
 *
 * Writes a temporary file, fsyncs it, renames it over algfs.conf and fsyncs
 * the directory: a crash leaves either the old or the new file, never none.
 * @cfg->mac is set.
 *
 * Return: 0, or -errno of the failing step (the temporary file is removed).
 */
int afs_config_write(const char *cipherdir, struct afs_config *cfg, struct ac_key *mk);

/**
 * afs_config_verify() - is @mk this volume's master key, and is the file
 * unchanged since it was written with it?
 *
 * Return: 0, -EKEYREJECTED (the key-check value differs: another volume's or
 * a wrong key), -EBADMSG (the MAC differs: the file was edited).
 */
int afs_config_verify(const struct afs_config *cfg, struct ac_key *mk);

/* The text of the file, MAC line included (@cfg->mac as it is).  Free it. */
char *afs_config_format(const struct afs_config *cfg);

/* The suite string of @format (AFS_FORMAT_MIN..MAX), or NULL. */
const char *afs_suite(unsigned int format);

/* @mk as the master key of the volume @cfg describes. */
static inline struct afs_volkey afs_volkey_of(const struct afs_config *cfg, struct ac_key *mk)
{
	struct afs_volkey vk = { .mk = mk, .format = cfg->format };

	memcpy(vk.uuid, cfg->uuid, AFS_UUID_LEN);
	return vk;
}

/* "8-4-4-4-12" into @out (AFS_UUID_STR_LEN + 1 bytes). */
void afs_uuid_str(const uint8_t uuid[AFS_UUID_LEN], char *out);
/* "algfs:<uuid>" into @out (AFS_KEYDESC_LEN + 1 bytes). */
void afs_key_description(const struct afs_config *cfg, char *out);
const char *afs_slot_type_name(enum afs_slot_type type);

/* keyslot.c */

/**
 * afs_slot_seal() - fill @slot: fresh salt and nonce, Argon2id(@secret) as
 * the KEK, the master key wrapped with AES-256-GCM under it, the slot's
 * metadata and the volume UUID bound as AAD.
 *
 * Return: 0, -EINVAL (bad costs), -ENOMEM (Argon2id could not get its
 * memory), or a crypto error.
 */
int afs_slot_seal(struct ac_ctx *ctx, const uint8_t uuid[AFS_UUID_LEN], enum afs_slot_type type,
		  const struct afs_kdf *kdf, const uint8_t *secret, size_t len,
		  const uint8_t mk[AC_KEY_LEN], struct afs_slot *slot);

/**
 * afs_slot_open() - unwrap the master key from @slot with @secret
 * @mk: AC_KEY_LEN bytes of locked memory (ac_secure_alloc)
 *
 * Return: 0, -EKEYREJECTED (not this slot's secret, or the slot was edited).
 */
int afs_slot_open(struct ac_ctx *ctx, const uint8_t uuid[AFS_UUID_LEN], const struct afs_slot *slot,
		  const uint8_t *secret, size_t len, uint8_t *mk);

/**
 * afs_unlock() - try @secret on every slot of a type in @types
 * @types: a bit mask of (1u << enum afs_slot_type)
 * @slotp: the index of the slot that opened, or NULL
 *
 * Return: 0, -EKEYREJECTED (no slot opened), -ENOKEY (no slot of those types).
 */
int afs_unlock(struct ac_ctx *ctx, const struct afs_config *cfg, unsigned int types,
	       const uint8_t *secret, size_t len, uint8_t *mk, int *slotp);

#endif /* ALGFS_FORMAT_H */
