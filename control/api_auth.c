/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bearer tokens of the REST API: the token file parser and the constant-time check (RFC 6750
 * for the header, RFC 9110 section 11.1 for the case-insensitive scheme). See api_auth.h for
 * the file format.
 *
 * Each token sits zero-padded in a fixed API_TOKEN_MAX-byte slot next to its length. A check
 * pads the presented token the same way and folds, for every slot, the XOR of all its bytes
 * and of the lengths into one word; a mask derived from that word without a branch selects
 * the slot's role. Every check thus reads every byte of every slot whatever matched.
 *
 * The file content and the padded copies are wiped (explicit_bzero) before their memory is
 * released; nothing here logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_auth.h"

struct api_token {
	uint8_t bytes[API_TOKEN_MAX];	/* zero-padded */
	uint32_t len;
	uint32_t role;			/* enum api_role */
	unsigned int line;		/* for the duplicate message */
};

struct api_tokens {
	unsigned int n;
	struct api_token tok[API_TOKENS_MAX];
};

void
api_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Reads the whole file (checked: regular, owner-only, at most API_TOKEN_FILE_MAX bytes). */
static char *
auth_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		api_errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		api_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		api_errf(err, errlen, "%s: not a regular file: expected a token file", path);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		api_errf(err, errlen,
			 "%s: mode %04o lets group or others access the tokens: expected no group "
			 "or other permissions (chmod 600 %s)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		goto fail;
	}
	if (st.st_size > API_TOKEN_FILE_MAX) {
		api_errf(err, errlen, "%s: %lld bytes: expected at most %d", path,
			 (long long)st.st_size, API_TOKEN_FILE_MAX);
		goto fail;
	}
	/* Room for one byte more than fstat said: a file that grew meanwhile is caught. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		api_errf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			api_errf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == cap) {
			api_errf(err, errlen, "%s: grew while read: expected a file that stays put",
				 path);
			goto fail;
		}
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, cap + 1);
		free(buf);
	}
	close(fd);
	return NULL;
}

/* Constant-time equality of two slots: 1 when equal. */
static uint32_t
auth_slot_equal(const struct api_token *a, const uint8_t *bytes, uint32_t len)
{
	uint32_t diff = a->len ^ len;
	unsigned int i;

	for (i = 0; i < API_TOKEN_MAX; i++)
		diff |= (uint32_t)(a->bytes[i] ^ bytes[i]);
	/* diff == 0 -> 0xffffffff, else 0: (diff - 1) borrows into the high half only for 0. */
	return (uint32_t)(((uint64_t)diff - 1) >> 32);
}

/*
 * Parses one line (NUL-terminated, no line end). Returns 0 (token added or nothing to add)
 * or -EINVAL with err set.
 */
static int
auth_parse_line(struct api_tokens *t, char *line, const char *path, unsigned int lineno,
		char *err, size_t errlen)
{
	char *role_s, *tok, *p = line;
	size_t role_len, tok_len, i;
	struct api_token *slot;
	uint32_t role;

	while (is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	role_s = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	role_len = (size_t)(p - role_s);
	while (is_blank(*p))
		*p++ = '\0';
	tok = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	tok_len = (size_t)(p - tok);
	while (is_blank(*p))
		*p++ = '\0';

	if (role_len == 5 && memcmp(role_s, "admin", 5) == 0) {
		role = API_ROLE_ADMIN;
	} else if (role_len == 4 && memcmp(role_s, "read", 4) == 0) {
		role = API_ROLE_READ;
	} else if (role_len >= API_TOKEN_MIN) {
		/* Perhaps a token written without its role: never echo it. */
		api_errf(err, errlen,
			 "%s:%u: unknown role (a %zu-character word, not shown as it may be a "
			 "token): expected \"admin\" or \"read\"",
			 path, lineno, role_len);
		return -EINVAL;
	} else {
		char shown[API_TOKEN_MIN * 4 + 1];
		size_t o = 0;

		for (i = 0; i < role_len; i++) {
			unsigned char c = (unsigned char)role_s[i];

			if (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\')
				shown[o++] = (char)c;
			else
				o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", c);
		}
		shown[o] = '\0';
		api_errf(err, errlen, "%s:%u: unknown role \"%s\": expected \"admin\" or \"read\"",
			 path, lineno, shown);
		return -EINVAL;
	}
	if (tok_len == 0) {
		api_errf(err, errlen, "%s:%u: missing token: expected \"%.*s TOKEN\"", path,
			 lineno, (int)role_len, role_s);
		return -EINVAL;
	}
	if (*p != '\0') {
		api_errf(err, errlen,
			 "%s:%u: text after the token: expected \"%.*s TOKEN\" (comments take a "
			 "whole line)",
			 path, lineno, (int)role_len, role_s);
		return -EINVAL;
	}
	if (tok_len < API_TOKEN_MIN || tok_len > API_TOKEN_MAX) {
		api_errf(err, errlen,
			 "%s:%u: token of %zu characters: expected %d to %d printable characters",
			 path, lineno, tok_len, API_TOKEN_MIN, API_TOKEN_MAX);
		return -EINVAL;
	}
	for (i = 0; i < tok_len; i++) {
		unsigned char c = (unsigned char)tok[i];

		if (c < 0x21 || c > 0x7e) {
			api_errf(err, errlen,
				 "%s:%u: token has a non-printable byte 0x%02x at character %zu: "
				 "expected printable ASCII without blanks",
				 path, lineno, c, i + 1);
			return -EINVAL;
		}
	}
	if (t->n == API_TOKENS_MAX) {
		api_errf(err, errlen, "%s:%u: more than %d tokens", path, lineno, API_TOKENS_MAX);
		return -EINVAL;
	}
	slot = &t->tok[t->n];
	memcpy(slot->bytes, tok, tok_len);
	slot->len = (uint32_t)tok_len;
	slot->role = role;
	slot->line = lineno;
	for (i = 0; i < t->n; i++) {
		/* Loading is not secret-timed, but the equal function is the one at hand. */
		if (auth_slot_equal(&t->tok[i], slot->bytes, slot->len) != 0) {
			api_errf(err, errlen, "%s:%u: duplicate token: same as line %u", path,
				 lineno, t->tok[i].line);
			explicit_bzero(slot, sizeof(*slot));
			return -EINVAL;
		}
	}
	t->n++;
	return 0;
}

struct api_tokens *
api_tokens_load(const char *path, char *err, size_t errlen)
{
	struct api_tokens *t = NULL;
	unsigned int lineno = 0;
	char *buf, *line, *end;
	size_t len;

	if (path == NULL) {
		api_errf(err, errlen, "token file: no path given");
		return NULL;
	}
	buf = auth_read_file(path, &len, err, errlen);
	if (buf == NULL)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		api_errf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	for (line = buf; line < buf + len; line = end + 1) {
		size_t n;

		lineno++;
		end = memchr(line, '\n', (size_t)(buf + len - line));
		if (end == NULL)
			end = buf + len;
		*end = '\0';
		n = (size_t)(end - line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			api_errf(err, errlen, "%s:%u: NUL byte in the line: expected text", path,
				 lineno);
			goto fail;
		}
		if (auth_parse_line(t, line, path, lineno, err, errlen) < 0)
			goto fail;
	}
	if (t->n == 0) {
		api_errf(err, errlen,
			 "%s: no tokens: expected lines \"admin TOKEN\" or \"read TOKEN\"", path);
		goto fail;
	}
	explicit_bzero(buf, len);
	free(buf);
	return t;
fail:
	explicit_bzero(buf, len);
	free(buf);
	api_tokens_free(t);
	return NULL;
}

void
api_tokens_free(struct api_tokens *t)
{
	if (t == NULL)
		return;
	explicit_bzero(t, sizeof(*t));
	free(t);
}

unsigned int
api_tokens_count(const struct api_tokens *t)
{
	return t == NULL ? 0 : t->n;
}

enum api_role
api_tokens_check(const struct api_tokens *t, const char *authorization)
{
	uint8_t pad[API_TOKEN_MAX];
	const char *tok, *p;
	uint32_t role = 0;
	size_t len;
	unsigned int i;

	if (t == NULL || authorization == NULL)
		return API_ROLE_NONE;
	if (strncasecmp(authorization, "Bearer", 6) != 0 || authorization[6] != ' ')
		return API_ROLE_NONE;
	tok = authorization + 6;
	while (*tok == ' ')
		tok++;
	for (p = tok; *p != '\0' && !is_blank(*p); p++)
		;
	len = (size_t)(p - tok);
	while (is_blank(*p))
		p++;
	/* The presented length is the sender's own knowledge: no need to hide it. */
	if (*p != '\0' || len == 0 || len > API_TOKEN_MAX)
		return API_ROLE_NONE;

	memset(pad, 0, sizeof(pad));
	memcpy(pad, tok, len);
	for (i = 0; i < t->n; i++)
		role |= auth_slot_equal(&t->tok[i], pad, (uint32_t)len) & t->tok[i].role;
	explicit_bzero(pad, sizeof(pad));
	/* Tokens are distinct, so at most one slot matched and role is that slot's. */
	return (enum api_role)role;
}

const char *
api_role_name(enum api_role role)
{
	switch (role) {
	case API_ROLE_NONE:
		return "none";
	case API_ROLE_READ:
		return "read";
	case API_ROLE_ADMIN:
		return "admin";
	}
	return "?";
}
