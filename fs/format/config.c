// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - algfs.conf: parse, format, authenticate, write atomically
 * (docs/FORMAT.md, "algfs.conf").
 *
 * The file is text, one "name = value" per line, in a fixed order, after a
 * two-line comment header, so that its bytes are a function of its content.
 * The last line is "mac = <hex>", HMAC-SHA256 under the config-MAC subkey
 * over the text afs_config_write() writes for that content; the reader
 * accepts only that text, byte for byte, so the MAC covers every byte before
 * the "mac" line.  Format 1 is strict: an unknown, missing, repeated or
 * malformed field, a changed header, a comment or blank line of one's own
 * or a stray space is a corrupt file, reported with its line.
 */
#include "format.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secmem.h"

#define CONF_MAX (64 * 1024)
#define MAC_PREFIX "mac = "

/* The first line names the format: "%u" is it. */
static const char header[] = "# algfs volume configuration, format %u (see docs/FORMAT.md).\n"
			     "# Authenticated by its last line: an edited file is refused.\n";

const char *afs_suite(unsigned int format)
{
	switch (format) {
	case 1:
		return AFS_SUITE_V1;
	case 2:
		return AFS_SUITE_V2;
	default:
		return NULL;
	}
}

static const char *const slot_types[] = {
	[AFS_SLOT_PASSPHRASE] = "passphrase",
	[AFS_SLOT_KEYFILE] = "keyfile",
	[AFS_SLOT_RECOVERY] = "recovery",
};

const char *afs_slot_type_name(enum afs_slot_type type)
{
	return (unsigned int)type < 3 ? slot_types[type] : "unknown";
}

void afs_uuid_str(const uint8_t uuid[AFS_UUID_LEN], char *out)
{
	char *p = out;

	for (int i = 0; i < AFS_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += sprintf(p, "%02x", uuid[i]);
	}
}

void afs_key_description(const struct afs_config *cfg, char *out)
{
	memcpy(out, "algfs:", 6);
	afs_uuid_str(cfg->uuid, out + 6);
}

/* A growing text buffer; on allocation failure it stays NULL. */
struct text {
	char *buf;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->buf && t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *nb = realloc(t->buf, cap);

		if (!nb) {
			free(t->buf);
			t->buf = NULL;
			t->cap = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void text_hex(struct text *t, const char *name, const uint8_t *p, size_t n)
{
	text_add(t, "%s = ", name);
	for (size_t i = 0; i < n; i++)
		text_add(t, "%02x", p[i]);
	text_add(t, "\n");
}

/* Everything the MAC covers. */
static char *format_body(const struct afs_config *cfg)
{
	struct text t = { 0 };
	char uuid[AFS_UUID_STR_LEN + 1];

	afs_uuid_str(cfg->uuid, uuid);
	text_add(&t, header, cfg->format);
	text_add(&t, "format = %u\n", cfg->format);
	text_add(&t, "uuid = %s\n", uuid);
	text_add(&t, "suite = %s\n", afs_suite(cfg->format));
	text_add(&t, "block_size = %u\n", cfg->block_size);
	text_add(&t, "names = %s\n", cfg->names == AFS_NAMES_PLAINTEXT ? "plaintext" : "encrypted");
	text_add(&t, "key_source = %s\n", cfg->keyring_only ? "keyring" : "keyslots");
	text_hex(&t, "key_check", cfg->key_check, AFS_KCV_LEN);
	for (unsigned int i = 0; i < cfg->nslots; i++) {
		const struct afs_slot *s = &cfg->slots[i];
		char name[32];

		text_add(&t, "slot.%u.type = %s\n", i, afs_slot_type_name(s->type));
		text_add(&t, "slot.%u.kdf = argon2id\n", i);
		text_add(&t, "slot.%u.time = %u\n", i, s->kdf.t_cost);
		text_add(&t, "slot.%u.memory = %u\n", i, s->kdf.m_cost);
		text_add(&t, "slot.%u.lanes = %u\n", i, s->kdf.lanes);
		snprintf(name, sizeof(name), "slot.%u.salt", i);
		text_hex(&t, name, s->salt, AFS_SALT_LEN);
		snprintf(name, sizeof(name), "slot.%u.nonce", i);
		text_hex(&t, name, s->nonce, AC_GCM_NONCE_LEN);
		snprintf(name, sizeof(name), "slot.%u.key", i);
		text_hex(&t, name, s->wrapped, AFS_WRAPPED_LEN);
	}
	return t.buf;
}

char *afs_config_format(const struct afs_config *cfg)
{
	struct text t = { 0 };
	char *body = format_body(cfg);

	if (!body)
		return NULL;
	text_add(&t, "%s", body);
	free(body);
	text_hex(&t, "mac", cfg->mac, AFS_MAC_LEN);
	return t.buf;
}

static int body_mac(const struct afs_config *cfg, const char *body, size_t len, struct ac_key *mk,
		    uint8_t mac[AFS_MAC_LEN])
{
	struct iovec iov = { .iov_base = (void *)body, .iov_len = len };
	struct afs_volkey vk = afs_volkey_of(cfg, mk);
	struct ac_key *key;
	int err;

	err = afs_subkey(&vk, AFS_KEY_CONFIG_MAC, NULL, &key);
	if (err)
		return err;
	err = ac_hmac_sha256(key, &iov, 1, mac);
	ac_key_put(key);
	return err;
}

/* --- parsing --- */

struct parser {
	const char *p, *end;
	unsigned int line;
	char *why;
	size_t whylen;
};

static int __attribute__((format(printf, 2, 3))) bad(struct parser *ps, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->why, ps->whylen, AFS_CONF_NAME " line %u: %s", ps->line, msg);
	return -EUCLEAN;
}

#define NOT_CANONICAL \
	"not in canonical form (comments, blank lines and extra spaces are not allowed)"

/*
 * Line @ps->line, @len bytes at @line, is not what the writer would have
 * written there: say so, and quote the start of it.
 */
static int not_canonical(struct parser *ps, const char *line, size_t len)
{
	char quoted[48];
	size_t n = 0;

	for (size_t i = 0; i < len && n < sizeof(quoted) - 4; i++)
		quoted[n++] = isprint((unsigned char)line[i]) ? line[i] : '?';
	if (n < len)
		n += (size_t)snprintf(quoted + n, sizeof(quoted) - n, "...");
	quoted[n] = '\0';
	if (!len)
		return bad(ps, NOT_CANONICAL ": a blank line");
	return bad(ps, NOT_CANONICAL ": \"%s\"", quoted);
}

/*
 * The file, parsed as @cfg, must be the very bytes afs_config_write() writes
 * for @cfg: the MAC is computed over that text, so a byte the parser passed
 * over (a comment, a changed header) would otherwise go unauthenticated.
 * Names the first line that differs.
 */
static int check_canonical(struct parser *ps, const char *buf, size_t len,
			   const struct afs_config *cfg)
{
	const char *p = buf, *end = buf + len, *w, *wend;
	char *want = afs_config_format(cfg);
	int err = 0;

	if (!want)
		return -ENOMEM;
	w = want;
	wend = want + strlen(want);
	for (ps->line = 1; p < end; ps->line++) {
		/* Every line of both ends in '\n': the parser has seen to the file's. */
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *wnl = w < wend ? memchr(w, '\n', (size_t)(wend - w)) : NULL;

		if (!nl)
			break;
		if (!wnl || nl - p != wnl - w || memcmp(p, w, (size_t)(nl - p)) != 0) {
			err = not_canonical(ps, p, (size_t)(nl - p));
			break;
		}
		p = nl + 1;
		w = wnl + 1;
	}
	if (!err && (p != end || w != wend))
		err = bad(ps, NOT_CANONICAL ": the file ends early");
	free(want);
	return err;
}

/*
 * The next field, passing over comment lines (check_canonical() refuses all
 * but the header's): @name and @value are NUL-terminated copies.  Returns 1
 * for a field, 0 at the end, or -EUCLEAN.
 */
static int next_field(struct parser *ps, char *name, size_t nlen, char *value, size_t vlen)
{
	while (ps->p < ps->end) {
		const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
		const char *line = ps->p, *eq;
		size_t len;

		ps->line++;
		if (!nl)
			return bad(ps, "no newline at the end (truncated file?)");
		ps->p = nl + 1;
		len = (size_t)(nl - line);
		if (len && line[len - 1] == '\r')
			return bad(ps, "ends in a carriage return: the file was converted to "
				       "CRLF line endings (undo it: sed -i 's/\\r$//')");
		if (!len)
			return not_canonical(ps, line, len);
		if (line[0] == '#')
			continue; /* check_canonical() holds it to the header's text */
		if (memchr(line, '\0', len))
			return bad(ps, "contains a NUL byte");
		/* No name or value holds a space or a tab. */
		if (line[0] == ' ' || line[len - 1] == ' ' || memmem(line, len, "  ", 2) ||
		    memchr(line, '\t', len))
			return not_canonical(ps, line, len);
		eq = memchr(line, '=', len);
		if (!eq || eq == line || eq[-1] != ' ' || eq + 1 == nl || eq[1] != ' ')
			return bad(ps, "not a \"name = value\" line");
		if ((size_t)(eq - 1 - line) >= nlen || (size_t)(nl - eq - 2) >= vlen)
			return bad(ps, "line too long");
		memcpy(name, line, (size_t)(eq - 1 - line));
		name[eq - 1 - line] = '\0';
		memcpy(value, eq + 2, (size_t)(nl - eq - 2));
		value[nl - eq - 2] = '\0';
		return 1;
	}
	return 0;
}

/* Expect the next field to be @want; its value in @value. */
static int expect(struct parser *ps, const char *want, char *value, size_t vlen)
{
	char name[64];
	int rc = next_field(ps, name, sizeof(name), value, vlen);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return bad(ps, "the file ends before \"%s\" (truncated?)", want);
	if (strcmp(name, want) != 0)
		return bad(ps, "found \"%s\" where \"%s\" belongs", name, want);
	return 0;
}

static int parse_hex(struct parser *ps, const char *name, const char *value, uint8_t *out, size_t n)
{
	if (strlen(value) != 2 * n)
		return bad(ps, "%s must be %zu hex digits", name, 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)value[2 * i]) ||
		    !isxdigit((unsigned char)value[2 * i + 1]) ||
		    isupper((unsigned char)value[2 * i]) ||
		    isupper((unsigned char)value[2 * i + 1]))
			return bad(ps, "%s is not lowercase hex", name);
		sscanf(value + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
	return 0;
}

static int parse_u32(struct parser *ps, const char *name, const char *value, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)value[0]) || (value[0] == '0' && value[1]))
		return bad(ps, "%s \"%s\" is not a number", name, value);
	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end || errno || v < min || v > max)
		return bad(ps, "%s %s is out of range (%u to %u)", name, value, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_uuid(struct parser *ps, const char *value, uint8_t uuid[AFS_UUID_LEN])
{
	char hex[2 * AFS_UUID_LEN + 1];
	size_t n = 0;

	if (strlen(value) != AFS_UUID_STR_LEN)
		return bad(ps, "uuid is not of the form 8-4-4-4-12");
	for (size_t i = 0; i < AFS_UUID_STR_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash != (value[i] == '-'))
			return bad(ps, "uuid is not of the form 8-4-4-4-12");
		if (!dash)
			hex[n++] = value[i];
	}
	hex[n] = '\0';
	return parse_hex(ps, "uuid", hex, uuid, AFS_UUID_LEN);
}

static int parse_slot(struct parser *ps, unsigned int i, const char *type, struct afs_slot *s)
{
	char name[32], value[256];
	uint32_t v;
	int err;

	if (!strcmp(type, "passphrase"))
		s->type = AFS_SLOT_PASSPHRASE;
	else if (!strcmp(type, "keyfile"))
		s->type = AFS_SLOT_KEYFILE;
	else if (!strcmp(type, "recovery"))
		s->type = AFS_SLOT_RECOVERY;
	else
		return bad(ps, "slot %u has an unknown type \"%s\"", i, type);

#define FIELD(suffix) (snprintf(name, sizeof(name), "slot.%u." suffix, i), name)
	err = expect(ps, FIELD("kdf"), value, sizeof(value));
	if (err)
		return err;
	if (strcmp(value, "argon2id") != 0)
		return bad(ps, "slot %u: unknown kdf \"%s\"", i, value);
	err = expect(ps, FIELD("time"), value, sizeof(value));
	if (!err)
		err = parse_u32(ps, name, value, 1, 1000, &s->kdf.t_cost);
	if (!err)
		err = expect(ps, FIELD("memory"), value, sizeof(value));
	if (!err)
		err = parse_u32(ps, name, value, 8, 4u << 20, &s->kdf.m_cost);
	if (!err)
		err = expect(ps, FIELD("lanes"), value, sizeof(value));
	if (!err)
		err = parse_u32(ps, name, value, 1, 64, &v);
	if (err)
		return err;
	s->kdf.lanes = v;
	if (s->kdf.m_cost < 8 * s->kdf.lanes)
		return bad(ps, "slot %u: memory must be at least 8 KiB per lane", i);
	err = expect(ps, FIELD("salt"), value, sizeof(value));
	if (!err)
		err = parse_hex(ps, name, value, s->salt, AFS_SALT_LEN);
	if (!err)
		err = expect(ps, FIELD("nonce"), value, sizeof(value));
	if (!err)
		err = parse_hex(ps, name, value, s->nonce, AC_GCM_NONCE_LEN);
	if (!err)
		err = expect(ps, FIELD("key"), value, sizeof(value));
	if (!err)
		err = parse_hex(ps, name, value, s->wrapped, AFS_WRAPPED_LEN);
#undef FIELD
	return err;
}

static int parse(struct parser *ps, struct afs_config *cfg)
{
	char name[64], want[32], value[256];
	uint32_t v;
	int err, rc;

	memset(cfg, 0, sizeof(*cfg));
	err = expect(ps, "format", value, sizeof(value));
	if (err)
		return err;
	if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0) {
		snprintf(ps->why, ps->whylen,
			 AFS_CONF_NAME " line %u: format %s is not supported by this algfs "
				       "(it reads formats 1 and 2)",
			 ps->line, value);
		return -EPROTONOSUPPORT;
	}
	cfg->format = (unsigned int)(value[0] - '0');
	err = expect(ps, "uuid", value, sizeof(value));
	if (!err)
		err = parse_uuid(ps, value, cfg->uuid);
	if (!err)
		err = expect(ps, "suite", value, sizeof(value));
	if (err)
		return err;
	if (strcmp(value, afs_suite(cfg->format)) != 0) {
		snprintf(ps->why, ps->whylen,
			 AFS_CONF_NAME " line %u: cipher suite \"%s\" is not supported "
				       "(format %u has only \"%s\")",
			 ps->line, value, cfg->format, afs_suite(cfg->format));
		return -EPROTONOSUPPORT;
	}
	err = expect(ps, "block_size", value, sizeof(value));
	if (!err)
		err = parse_u32(ps, "block_size", value, AFS_BLOCK_SIZE_MIN, AFS_BLOCK_SIZE_MAX,
				&v);
	if (err)
		return err;
	if (v & (v - 1))
		return bad(ps, "block_size %u is not a power of two", v);
	cfg->block_size = v;
	err = expect(ps, "names", value, sizeof(value));
	if (err)
		return err;
	if (!strcmp(value, "encrypted"))
		cfg->names = AFS_NAMES_ENCRYPTED;
	else if (!strcmp(value, "plaintext"))
		cfg->names = AFS_NAMES_PLAINTEXT;
	else
		return bad(ps, "names must be \"encrypted\" or \"plaintext\", not \"%s\"", value);
	err = expect(ps, "key_source", value, sizeof(value));
	if (err)
		return err;
	if (!strcmp(value, "keyring"))
		cfg->keyring_only = true;
	else if (strcmp(value, "keyslots") != 0)
		return bad(ps, "key_source must be \"keyslots\" or \"keyring\", not \"%s\"", value);
	err = expect(ps, "key_check", value, sizeof(value));
	if (!err)
		err = parse_hex(ps, "key_check", value, cfg->key_check, AFS_KCV_LEN);
	if (err)
		return err;

	/* Slots, in order, then the MAC. */
	for (;;) {
		rc = next_field(ps, name, sizeof(name), value, sizeof(value));
		if (rc < 0)
			return rc;
		if (rc == 0)
			return bad(ps, "the file ends before its \"mac\" line (truncated?)");
		if (!strcmp(name, "mac"))
			break;
		snprintf(want, sizeof(want), "slot.%u.type", cfg->nslots);
		if (strcmp(name, want) != 0)
			return bad(ps, "found \"%s\" where \"slot.%u.type\" or \"mac\" belongs",
				   name, cfg->nslots);
		if (cfg->nslots == AFS_MAX_SLOTS)
			return bad(ps, "more than %d keyslots", AFS_MAX_SLOTS);
		err = parse_slot(ps, cfg->nslots, value, &cfg->slots[cfg->nslots]);
		if (err)
			return err;
		cfg->nslots++;
	}
	err = parse_hex(ps, "mac", value, cfg->mac, AFS_MAC_LEN);
	if (err)
		return err;
	if (ps->p != ps->end)
		return bad(ps, "text after the \"mac\" line");
	if (cfg->keyring_only != (cfg->nslots == 0))
		return bad(ps, cfg->keyring_only ? "a keyring volume has keyslots"
						 : "no keyslot: the volume cannot be unlocked");
	return 0;
}

int afs_config_read(const char *cipherdir, struct afs_config *cfg, char *why, size_t whylen)
{
	char path[4096], *buf;
	ssize_t n = 0;
	size_t len = 0;
	int fd, err;

	snprintf(why, whylen, "%s", "");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cipherdir, AFS_CONF_NAME) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	buf = malloc(CONF_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len <= CONF_MAX && (n = read(fd, buf + len, CONF_MAX + 1 - len)) > 0)
		len += (size_t)n;
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err) {
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
	} else if (len > CONF_MAX) {
		snprintf(why, whylen, "%s is larger than %d bytes: not an algfs.conf", path,
			 CONF_MAX);
		err = -EUCLEAN;
	} else if (len == 0) {
		snprintf(why, whylen, "%s is empty (truncated?)", path);
		err = -EUCLEAN;
	} else {
		err = afs_config_parse(buf, len, cfg, why, whylen);
	}
	free(buf);
	return err;
}

int afs_config_parse(const char *buf, size_t len, struct afs_config *cfg, char *why, size_t whylen)
{
	struct parser ps = { .p = buf, .end = buf + len, .why = why, .whylen = whylen };
	int err;

	snprintf(why, whylen, "%s", "");
	err = parse(&ps, cfg);
	if (!err)
		err = check_canonical(&ps, buf, len, cfg);
	return err;
}

int afs_config_verify(const struct afs_config *cfg, struct ac_key *mk)
{
	struct afs_volkey vk = afs_volkey_of(cfg, mk);
	uint8_t kcv[AFS_KCV_LEN], mac[AFS_MAC_LEN];
	char *body;
	int err;

	err = afs_key_check_value(&vk, kcv);
	if (err)
		return err;
	if (!ac_memeq(kcv, cfg->key_check, AFS_KCV_LEN))
		return -EKEYREJECTED;
	body = format_body(cfg);
	if (!body)
		return -ENOMEM;
	err = body_mac(cfg, body, strlen(body), mk, mac);
	free(body);
	if (!err && !ac_memeq(mac, cfg->mac, AFS_MAC_LEN))
		err = -EBADMSG;
	return err;
}

int afs_config_write(const char *cipherdir, struct afs_config *cfg, struct ac_key *mk)
{
	char *text, *body;
	int dirfd, err;

	body = format_body(cfg);
	if (!body)
		return -ENOMEM;
	err = body_mac(cfg, body, strlen(body), mk, cfg->mac);
	free(body);
	if (err)
		return err;
	text = afs_config_format(cfg);
	if (!text)
		return -ENOMEM;
	dirfd = open(cipherdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		err = -errno;
	} else {
		/* Read-only: a reminder that the file is not to be edited. */
		err = afs_write_atomic(dirfd, AFS_CONF_NAME, text, strlen(text), 0400);
		close(dirfd);
	}
	free(text);
	return err;
}
