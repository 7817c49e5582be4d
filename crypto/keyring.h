/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keyring.h - the kernel keyring, for the tools that unlock and lock volumes.
 *
 * An unlocked volume's master key is the keyring key "algfs:<uuid>": a
 * "logon" key where the kernel crypto backend takes keys by serial (its
 * bytes can then never be read back, though any possessor can use it),
 * otherwise a "user" key.  Nothing outside crypto/
 * calls keyutils directly.
 */
#ifndef ALGFS_KEYRING_H
#define ALGFS_KEYRING_H

#include <stddef.h>
#include <stdint.h>

/**
 * ac_keyring_parse() - a keyring named as keyctl(1) names them
 * @spec: "@t", "@p", "@s", "@u", "@us", or a serial number
 *
 * Return: 0, -EINVAL (not a keyring name).
 */
int ac_keyring_parse(const char *spec, int32_t *id);

/**
 * ac_keyring_add() - add a key that only its possessors can use
 * @type: "logon" or "user"; or "encrypted" or "trusted", with the payload
 *        "load BLOB" (a blob saved with keyctl pipe)
 * @keyring: where to link it (ac_keyring_parse()); a key of the same type
 *           and name there is replaced
 *
 * The key's permissions are possessor-only (view, search, link, setattr,
 * and read unless it is a logon key): a process gets nothing of it unless
 * its thread, process or session keyring leads to the key, whatever its
 * uid, and then it can use it through AF_ALG (ALG_SET_KEY_BY_KEY_SERIAL
 * needs only search).  They are set before @keyring links the key.
 *
 * Return: the key's serial, or -errno (-EDQUOT: keyring quota, -EACCES;
 * for "load": -ENODEV no such key type, -ENOKEY the blob's master key is
 * missing, -EINVAL a bad blob or another master key).
 */
int32_t ac_keyring_add(const char *type, const char *desc, const uint8_t *payload, size_t len,
		       int32_t keyring);

/* A "logon", "user", "encrypted" or "trusted" key called @desc, in that
 * order.  Return: serial or -ENOKEY. */
int32_t ac_keyring_search(const char *desc);

/* Destroy a key at once, in every keyring that holds it.  Return: 0 or -errno. */
int ac_keyring_invalidate(int32_t serial);

/**
 * ac_keyring_key_len() - how many bytes the key @serial holds
 *
 * Read from the key for a "user" key its possessor may read, and from
 * /proc/keys for a "logon" key, whose bytes no one can read.  The kernel
 * does not say how long an "encrypted" or "trusted" key's payload is.
 *
 * Return: the length, -ENODATA (the kernel does not say).
 */
int ac_keyring_key_len(int32_t serial);

#endif /* ALGFS_KEYRING_H */
