/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_API_AUTH_H
#define TOLLGATE_API_AUTH_H

/*
 * Bearer tokens of the REST API (RFC 6750 section 2.1, the Authorization header only).
 *
 * The token file holds one token a line:
 *
 *   # comment (a whole line; leading blanks allowed)
 *   admin 6b1f0a54c3e94d0fa3f3c8d0f5e2a911
 *   read  9c2d47e1b0aa4d6c8e8f1f3a7d9b2c40
 *
 * The role is "admin" (every route) or "read" (routes that only read). A token is 16 to 256
 * printable ASCII characters without blanks (0x21-0x7e). Fields are separated by spaces or
 * tabs; CRLF line ends are accepted. The file must not be readable, writable or executable by
 * group or others (mode & 077 == 0), must be a regular file of at most 1 MiB and must hold 1
 * to 256 distinct tokens.
 *
 * Tokens never appear in an error message: a word that may be a token (one of 16 characters
 * or more where a role was expected) is described by its length only.
 */

#include <stddef.h>

#define API_TOKEN_MIN		16	/* characters */
#define API_TOKEN_MAX		256	/* characters */
#define API_TOKENS_MAX		256	/* tokens in one file */
#define API_TOKEN_FILE_MAX	(1024 * 1024)	/* bytes */

enum api_role {
	API_ROLE_NONE = 0,	/* no token, or a token that is not in the file */
	API_ROLE_READ,
	API_ROLE_ADMIN,
};

/* The tokens of one file: opaque, immutable after api_tokens_load. */
struct api_tokens;

/*
 * Read and check the token file at path. Returns the tokens, or NULL with err set to
 * "PATH: reason" (open, stat, mode, size, no tokens) or "PATH:LINE: reason" (unknown role,
 * missing token, short or long token, non-printable character, text after the token,
 * duplicate token, too many tokens). Any thread; allocates.
 */
struct api_tokens *
api_tokens_load(const char *path, char *err, size_t errlen);

/* Wipes the tokens from memory and frees them. NULL is a no-op. */
void
api_tokens_free(struct api_tokens *t);

/* How many tokens t holds (0 for NULL). */
unsigned int
api_tokens_count(const struct api_tokens *t);

/*
 * The role of the token in an Authorization header value "Bearer TOKEN" (the scheme in any
 * case, one or more spaces before the token, trailing blanks ignored). Returns API_ROLE_NONE
 * for NULL t or header, another scheme, a malformed value or an unknown token.
 *
 * The presented token is compared with every token of the file, each over API_TOKEN_MAX
 * bytes of zero-padded buffer plus its length, with no branch on the data, so the time taken
 * tells neither which token nor how many leading bytes matched, nor the stored lengths. The
 * presented token's own length (known to whoever sent it) and the number of tokens in the
 * file are not hidden. Any thread: t is read-only.
 */
enum api_role
api_tokens_check(const struct api_tokens *t, const char *authorization);

/* "none", "read" or "admin" (and "?" for a value outside the enum). */
const char *
api_role_name(enum api_role role);

/* snprintf into err (when err is non-NULL and errlen > 0): the module's error reports. */
void api_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
