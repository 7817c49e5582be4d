// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keyring.c - what the backends need of the kernel keyring (libkeyutils).
 *
 * algfs keeps an unlocked master key as a "logon" key (never readable from
 * user space, used by serial through AF_ALG) or, where that cannot work, as
 * a "user" key.  Only this file calls keyutils.
 */
#include "crypto_i.h"

#include <errno.h>
#include <stdint.h>
#include <keyutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ac_keyring_describe(int32_t serial, enum ac_keytype *type, char *desc, size_t desclen)
{
	char *raw = NULL, *name;
	int err = 0;

	/* "type;uid;gid;perm;description" */
	if (keyctl_describe_alloc(serial, &raw) < 0)
		return -errno;
	name = raw;
	for (int i = 0; i < 4 && name; i++) {
		name = strchr(name, ';');
		if (name)
			name++;
	}
	if (!name) {
		err = -EINVAL;
		goto out_free;
	}
	if (!strncmp(raw, "logon;", 6))
		*type = AC_KEYTYPE_LOGON;
	else if (!strncmp(raw, "user;", 5))
		*type = AC_KEYTYPE_USER;
	else
		*type = AC_KEYTYPE_OTHER;
	snprintf(desc, desclen, "%s", name);
out_free:
	free(raw);
	return err;
}

int ac_keyring_read(int32_t serial, uint8_t *buf, size_t len)
{
	long n = keyctl_read(serial, (char *)buf, len);

	if (n < 0)
		return -errno;
	/* keyctl_read returns the full size even when @buf is too small. */
	if ((size_t)n > len)
		return -EMSGSIZE;
	return (int)n;
}

int32_t ac_keyring_search(const char *desc)
{
	static const char *const types[] = { "logon", "user", "encrypted", "trusted" };
	int err = -ENOKEY;

	/* An invalidated key is "revoked" until the kernel collects it: gone. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		/* No callout: only keys that already exist are found. */
		key_serial_t serial = request_key(types[i], desc, NULL, 0);

		if (serial >= 0)
			return serial;
		if (errno != ENOKEY && errno != EKEYREVOKED)
			err = -errno;
	}
	return err;
}

int ac_keyring_parse(const char *spec, int32_t *id)
{
	static const struct {
		const char *name;
		int32_t id;
	} names[] = {
		{ "@t", KEY_SPEC_THREAD_KEYRING },	  { "@p", KEY_SPEC_PROCESS_KEYRING },
		{ "@s", KEY_SPEC_SESSION_KEYRING },	  { "@u", KEY_SPEC_USER_KEYRING },
		{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
	};
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(spec, names[i].name)) {
			*id = names[i].id;
			return 0;
		}
	}
	errno = 0;
	v = strtol(spec, &end, 10);
	if (!*spec || *end || errno || v <= 0 || v > INT32_MAX)
		return -EINVAL;
	*id = (int32_t)v;
	return 0;
}

/*
 * Possessor-only: a process that cannot reach the key through its thread,
 * process or session keyring gets nothing, whatever its uid (no USR, GRP or
 * OTH bits: without them another process of the same user, outside the
 * keyrings that link the key, cannot even see it).  Search is what
 * ALG_SET_KEY_BY_KEY_SERIAL needs, so a possessor can use the key through
 * AF_ALG; Read is what the user backend needs (a logon key has no read at
 * all); Link and Setattr let an administrator link it elsewhere or give it
 * a timeout.  No Write: nobody replaces the payload of a key in use.
 */
static key_perm_t possessor_perm(const char *type)
{
	key_perm_t perm = KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_LINK | KEY_POS_SETATTR;

	if (strcmp(type, "logon"))
		perm |= KEY_POS_READ;
	return perm;
}

int32_t ac_keyring_add(const char *type, const char *desc, const uint8_t *payload, size_t len,
		       int32_t keyring)
{
	key_serial_t serial;
	int err;

	/*
	 * Made in this thread's keyring first, which this process always
	 * possesses, so that its permissions can be set (by serial, which
	 * needs possession) before any other keyring links it: @keyring may
	 * be one this process does not search, such as a user keyring that
	 * the session does not link.
	 */
	serial = add_key(type, desc, payload, len, KEY_SPEC_THREAD_KEYRING);
	if (serial < 0)
		return -errno;
	/* Linking replaces a key of that type and name in @keyring, if any. */
	if (keyctl_setperm(serial, possessor_perm(type)) < 0 ||
	    (keyring != KEY_SPEC_THREAD_KEYRING && keyctl_link(serial, keyring) < 0)) {
		err = -errno;
		keyctl_invalidate(serial);
		return err;
	}
	/* Cannot fail for a keyring this process made; if it did, the link
	 * would only last as long as this thread. */
	if (keyring != KEY_SPEC_THREAD_KEYRING)
		keyctl_unlink(serial, KEY_SPEC_THREAD_KEYRING);
	return serial;
}

int ac_keyring_invalidate(int32_t serial)
{
	return keyctl_invalidate(serial) < 0 ? -errno : 0;
}

int ac_keyring_key_len(int32_t serial)
{
	char want[16], line[512], type[16];
	long n = keyctl_read(serial, NULL, 0);
	int err = -ENODATA;
	FILE *f;

	if (n >= 0)
		return n > INT32_MAX ? -ENODATA : (int)n;
	/*
	 * /proc/keys: "serial flags usage timeout perm uid gid type desc",
	 * the serial in 8 hex digits, and for user and logon keys a
	 * description that ends in ": <payload length>".
	 */
	f = fopen("/proc/keys", "re");
	if (!f)
		return -ENODATA;
	snprintf(want, sizeof(want), "%08x ", (unsigned int)serial);
	while (fgets(line, sizeof(line), f)) {
		const char *colon = strrchr(line, ':');
		char *end;
		unsigned long len;

		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %15s", type) != 1 ||
		    (strcmp(type, "user") != 0 && strcmp(type, "logon") != 0) || !colon ||
		    colon[1] != ' ')
			break;
		errno = 0;
		len = strtoul(colon + 2, &end, 10);
		if (!errno && end != colon + 2 && (*end == '\n' || !*end) && len <= INT32_MAX)
			err = (int)len;
		break;
	}
	fclose(f);
	return err;
}
