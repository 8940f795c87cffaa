/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the REST server checks in a request before it routes it: that its framing and its
 * header fields can be read one way only, and that no query parameter is given twice.
 *
 * A request whose length two parsers could read differently is how a request gets
 * smuggled past a proxy in front of the API (RFC 9112 section 11.2): the proxy frames the
 * body by Content-Length, libmicrohttpd by Transfer-Encoding, and the bytes after the
 * shorter reading are served as a second request that the proxy never saw. So, following
 * RFC 9112 sections 5, 6.1 and 6.3 and RFC 9110 section 5.5, these are refused:
 *
 *   framing   Content-Length and Transfer-Encoding together (in either order);
 *             Content-Length twice, even with the same value (RFC 9110 section 8.6 lets a
 *             recipient accept identical copies; refusing them is simpler and costs no
 *             real client anything); Transfer-Encoding twice; a Transfer-Encoding other
 *             than exactly "chunked" (a coding we cannot undo, or chunked not last);
 *             Transfer-Encoding on an HTTP/1.0 request.
 *   header    a field name that is not an RFC 9110 token: libmicrohttpd keeps
 *             "Transfer-Encoding : chunked" as a field named "Transfer-Encoding " that
 *             nothing reads, so the body would be framed by Content-Length here and by
 *             chunks elsewhere; a NUL byte in a field value (libmicrohttpd cuts the value
 *             there, so "Bearer TOKEN\0anything" would authenticate as TOKEN), and CR or
 *             LF; a folded line (obs-fold, RFC 9112 section 5.2); Host or Authorization
 *             twice (which one counts would be a guess).
 *   target    a NUL byte in the request target, raw or as %00: libmicrohttpd decodes in
 *             place and hands over C strings, so "/v1/rules/r1%00x" would be served as
 *             /v1/rules/r1 and "?id=a%00b" as id "a".
 *
 * All three are answered 400 and the connection is closed: after a request whose end is
 * in doubt, nothing else on that connection can be trusted. A query parameter given twice
 * ("?position=0&position=1", of which libmicrohttpd's lookup returns the first) is refused
 * 400 too, but the connection stays: its framing is fine.
 *
 * Functions over libmicrohttpd's parsed request (see api_check_layout for how a NUL inside
 * a header value is found, as libmicrohttpd reports value lengths that stop at it). The
 * api_poll thread only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "api_priv.h"

bool
api_check_token(const char *s, size_t len)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (c != '\0' && strchr(tchar, c) != NULL)))
			return false;
	}
	return true;
}

const char *
api_check_shown(const char *s, size_t len, char *buf)
{
	size_t i;

	for (i = 0; i < len && i < API_SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(buf + i, i < len ? "..." : "");
	return buf;
}

/* What one pass over the header fields found. */
struct api_check_scan {
	enum api_check_result result;	/* the first problem found */
	char *detail;
	size_t detail_len;
	unsigned int n_length, n_coding, n_host, n_auth;
	const char *coding;		/* Transfer-Encoding's value */
	size_t coding_len;
	uintptr_t head, end;		/* the head, as libmicrohttpd parsed it in place */
	uintptr_t pos;			/* where the text of the line before ended */
	const char *prev;		/* that line's field name; NULL: the request line */
	size_t prev_len;
};

static bool
api_check_is(const char *key, size_t key_size, const char *name)
{
	return key_size == strlen(name) && strncasecmp(key, name, key_size) == 0;
}

/* Does [from, to) hold between lo and hi bytes, all NUL? */
static bool
api_check_nuls(uintptr_t from, uintptr_t to, size_t lo, size_t hi)
{
	const char *p;

	if (to < from || to - from < lo || to - from > hi)
		return false;
	for (p = (const char *)from; p < (const char *)to; p++)
		if (*p != '\0')
			return false;
	return true;
}

/* The line that ended at s->pos went on past a NUL. */
static void
api_check_cut(struct api_check_scan *s)
{
	char shown[API_SHOWN_MAX + 4];

	if (s->prev != NULL)
		snprintf(s->detail, s->detail_len, "header field %s has a NUL byte in its value "
			 "(RFC 9110 section 5.5): expected none",
			 api_check_shown(s->prev, s->prev_len, shown));
	else
		snprintf(s->detail, s->detail_len, "the request line has a NUL byte: expected none");
	s->result = API_CHECK_HEADER;
}

/*
 * libmicrohttpd 0.9 parses the head in place, and names and values point into it: each
 * line end (LF or CRLF) becomes one or two NULs, the colon after a name one NUL, and a
 * value runs from the first byte after the colon that is not a blank to the line end or
 * the first NUL, whichever comes first. So a value's length is that of a C string, and
 * whatever followed a NUL inside it is invisible to every reader. The layout of each field
 * is therefore checked: the line before ends one or two NULs before its name, blanks only
 * lie between its colon and its value, and after the last value come the two line ends
 * (two to four NULs) that close the head. Any byte more was behind a NUL. (A value ending
 * in a NUL on a bare-LF line looks like one on a CRLF line; it hides no byte.)
 *
 * A field whose name lies outside the head is one libmicrohttpd rebuilt from a folded line
 * (obs-fold), refused as RFC 9112 section 5.2 allows. A later libmicrohttpd that copied the
 * fields out would fail every request here, closed rather than open, and the unit tests
 * would say so.
 */
static bool
api_check_layout(struct api_check_scan *s, const char *key, size_t key_size,
		 const char *value, size_t value_size)
{
	uintptr_t k = (uintptr_t)key, v = (uintptr_t)value, p;

	if (k < s->head || k >= s->end) {
		snprintf(s->detail, s->detail_len, "a header field is folded over more than one "
			 "line (obs-fold, RFC 9112 section 5.2): expected one line per field");
		s->result = API_CHECK_HEADER;
		return false;
	}
	if (!api_check_nuls(s->pos, k, 1, 2)) {
		api_check_cut(s);
		return false;
	}
	if (value == NULL || v < k + key_size + 1 || v + value_size > s->end ||
	    key[key_size] != '\0') {
		snprintf(s->detail, s->detail_len, "the request head could not be checked");
		s->result = API_CHECK_HEADER;
		return false;
	}
	for (p = k + key_size + 1; p < v; p++)
		if (*(const char *)p != ' ' && *(const char *)p != '\t') {
			snprintf(s->detail, s->detail_len, "the request head could not be checked");
			s->result = API_CHECK_HEADER;
			return false;
		}
	s->pos = v + value_size;
	s->prev = key;
	s->prev_len = key_size;
	return true;
}

static enum MHD_Result
api_check_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
		const char *value, size_t value_size)
{
	struct api_check_scan *s = cls;
	char shown[API_SHOWN_MAX + 4];

	(void)kind;
	if (key == NULL || !api_check_token(key, key_size)) {
		snprintf(s->detail, s->detail_len, "header field name \"%s\" is not a token "
			 "(RFC 9110 section 5.1): no whitespace is allowed before the colon",
			 key != NULL ? api_check_shown(key, key_size, shown) : "");
		s->result = API_CHECK_HEADER;
		return MHD_NO;
	}
	if (!api_check_layout(s, key, key_size, value, value_size))
		return MHD_NO;
	if (api_check_is(key, key_size, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		s->n_length++;
	} else if (api_check_is(key, key_size, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		s->n_coding++;
		s->coding = value;
		s->coding_len = value_size;
	} else if (api_check_is(key, key_size, MHD_HTTP_HEADER_HOST)) {
		s->n_host++;
	} else if (api_check_is(key, key_size, MHD_HTTP_HEADER_AUTHORIZATION)) {
		s->n_auth++;
	}
	return MHD_YES;
}

enum api_check_result
api_check_headers(struct MHD_Connection *conn, const char *method, const char *version,
		  char *detail, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	struct api_check_scan s = {
		.result = API_CHECK_OK, .detail = detail, .detail_len = len,
		.head = (uintptr_t)method, .pos = (uintptr_t)version + strlen(version),
	};
	char shown[API_SHOWN_MAX + 4];

	if (ci == NULL || s.pos < s.head || s.pos - s.head >= ci->header_size) {
		snprintf(detail, len, "the request head could not be checked");
		return API_CHECK_HEADER;
	}
	s.end = s.head + ci->header_size;
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, api_check_field, &s);
	if (s.result == API_CHECK_OK && !api_check_nuls(s.pos, s.end, 2, 4))
		api_check_cut(&s);
	if (s.result != API_CHECK_OK)
		return s.result;
	if (s.n_host > 1 || s.n_auth > 1) {
		snprintf(detail, len, "header field %s appears %u times: expected it once",
			 s.n_host > 1 ? MHD_HTTP_HEADER_HOST : MHD_HTTP_HEADER_AUTHORIZATION,
			 s.n_host > 1 ? s.n_host : s.n_auth);
		return API_CHECK_HEADER;
	}
	if (s.n_length > 0 && s.n_coding > 0) {
		snprintf(detail, len, "the request has both Content-Length and Transfer-Encoding "
			 "(RFC 9112 section 6.3): expected one of them");
		return API_CHECK_FRAMING;
	}
	if (s.n_length > 1 || s.n_coding > 1) {
		snprintf(detail, len, "header field %s appears %u times: expected it once",
			 s.n_length > 1 ? MHD_HTTP_HEADER_CONTENT_LENGTH :
					  MHD_HTTP_HEADER_TRANSFER_ENCODING,
			 s.n_length > 1 ? s.n_length : s.n_coding);
		return API_CHECK_FRAMING;
	}
	if (s.n_coding > 0 && strcmp(version, MHD_HTTP_VERSION_1_1) != 0) {
		snprintf(detail, len, "Transfer-Encoding on an %s request (RFC 9112 section 6.1): "
			 "expected HTTP/1.1, or Content-Length", version);
		return API_CHECK_FRAMING;
	}
	if (s.n_coding > 0 && !api_check_is(s.coding, s.coding_len, "chunked")) {
		snprintf(detail, len, "Transfer-Encoding \"%s\": expected \"chunked\", the only "
			 "transfer coding this server reads",
			 api_check_shown(s.coding, s.coding_len, shown));
		return API_CHECK_FRAMING;
	}
	return API_CHECK_OK;
}

/*
 * api_priv.h. Strict RFC 3629: overlong forms, surrogates and code points past U+10FFFF
 * are not UTF-8.
 */
long
api_check_utf8(const uint8_t *s)
{
	const uint8_t *p = s;

	while (*p != '\0') {
		uint32_t c = *p, min;
		unsigned int n, i;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return p - s;
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return p - s;
			c = c << 6 | (p[i] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return p - s;
		p += n + 1;
	}
	return -1;
}

enum api_check_result
api_check_target(const char *url, const char *version, size_t raw_len, bool pct_nul,
		 char *detail, size_t len)
{
	/* The target was read in place up to the space before the version. */
	if (!pct_nul && (uintptr_t)version > (uintptr_t)url &&
	    (uintptr_t)version - (uintptr_t)url == raw_len + 1)
		return API_CHECK_OK;
	snprintf(detail, len, "the request target holds a NUL byte%s: expected none (a path "
		 "or parameter would be read cut short)", pct_nul ? " (%00)" : "");
	return API_CHECK_TARGET;
}

struct api_check_arg {
	const char *key;
	size_t len;
	unsigned int index;	/* order in the request */
};

struct api_check_args {
	struct api_check_arg *arg;
	unsigned int n, cap;
};

static enum MHD_Result
api_check_collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
		  const char *value, size_t value_size)
{
	struct api_check_args *a = cls;

	(void)kind;
	(void)value;
	(void)value_size;
	if (key == NULL)
		key = "";
	if (a->n == a->cap)	/* the count taken before cannot grow meanwhile */
		return MHD_NO;
	a->arg[a->n] = (struct api_check_arg){ key, key_size, a->n };
	a->n++;
	return MHD_YES;
}

static int
api_check_arg_cmp(const void *pa, const void *pb)
{
	const struct api_check_arg *x = pa, *y = pb;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int
api_check_query(struct MHD_Connection *conn, char *detail, size_t len, char *param,
		size_t param_len)
{
	struct api_check_args a = { 0 };
	const struct api_check_arg *dup = NULL;
	char shown[API_SHOWN_MAX + 4];
	int n = MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
	unsigned int i;

	if (n <= 0)
		return 0;
	a.arg = calloc((size_t)n, sizeof(*a.arg));
	if (a.arg == NULL)
		return -ENOMEM;
	a.cap = (unsigned int)n;
	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, api_check_collect, &a);
	/*
	 * Sorted by name, then by position: equal names end up side by side, and the one
	 * reported is the parameter whose second copy comes first. O(n log n), as a query can
	 * hold thousands of parameters within the 32 KiB of the request head.
	 */
	qsort(a.arg, a.n, sizeof(*a.arg), api_check_arg_cmp);
	for (i = 1; i < a.n; i++)
		if (a.arg[i].len == a.arg[i - 1].len &&
		    memcmp(a.arg[i].key, a.arg[i - 1].key, a.arg[i].len) == 0 &&
		    (dup == NULL || a.arg[i].index < dup->index))
			dup = &a.arg[i];
	if (dup != NULL) {
		api_check_shown(dup->key, dup->len, shown);
		snprintf(param, param_len, "%s", shown);
		snprintf(detail, len, "query parameter \"%s\" is given more than once: expected "
			 "it at most once", shown);
	}
	free(a.arg);
	return dup != NULL ? -EINVAL : 0;
}
