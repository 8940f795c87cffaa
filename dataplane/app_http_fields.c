/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start lines and header fields of HTTP/1.x messages, one complete line at a time:
 * request line (RFC 9112 3), status line (RFC 9112 4), field lines (RFC 9112 5 and
 * RFC 9110 5.5), Content-Length (RFC 9110 8.6, with RFC 9112 6.3's rule for lists of
 * equal values), Transfer-Encoding (RFC 9112 6.1), Connection (RFC 9110 7.6.1), Expect
 * (RFC 9110 10.1.1). The grammar is applied strictly: a message that bends it is the
 * kind request smuggling is made of, and the caller still scans the raw stream of a
 * direction that failed here.
 *
 * Values worth reporting are copied into bounded buffers of struct app_http_msg; a value
 * that does not fit is cut and flagged. The framing decisions (Content-Length value,
 * whether chunked is the final coding) are taken from the whole line, never from the cut
 * copies.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "app_http_fields.h"

/* Bits of h->seen: single-valued fields whose first occurrence wins. */
#define SEEN_HOST	(1u << 0)
#define SEEN_CTYPE	(1u << 1)
#define SEEN_CDISP	(1u << 2)

static inline bool
is_tchar(uint8_t c)
{
	/* RFC 9110 5.6.2: token characters */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static inline bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* field-vchar, SP, HTAB or obs-text (RFC 9110 5.5) */
static inline bool
is_value_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* VCHAR or obs-text: request-target bytes (RFC 9112 3.2 does not allow spaces there) */
static inline bool
is_target_char(uint8_t c)
{
	return c > 0x20 && c != 0x7f;
}

static inline bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
ci_equal(const uint8_t *p, uint32_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && strncasecmp((const char *)p, lit, l) == 0;
}

void
app_http_fields_anomaly(struct app_http_parser *h, enum app_http_anom anom)
{
	if ((unsigned int)anom >= APP_HTTP_ANOM_COUNT)
		return;
	h->stats.anomalies[anom]++;
	if (h->cb.on_anomaly != NULL)
		h->cb.on_anomaly(h->cookie, &h->msg, anom);
}

static const char *const method_names[] = {
	[APP_HTTP_M_OTHER] = "other",     [APP_HTTP_M_GET] = "GET",
	[APP_HTTP_M_HEAD] = "HEAD",       [APP_HTTP_M_POST] = "POST",
	[APP_HTTP_M_PUT] = "PUT",         [APP_HTTP_M_DELETE] = "DELETE",
	[APP_HTTP_M_CONNECT] = "CONNECT", [APP_HTTP_M_OPTIONS] = "OPTIONS",
	[APP_HTTP_M_TRACE] = "TRACE",     [APP_HTTP_M_PATCH] = "PATCH",
};

#define N_METHODS (sizeof(method_names) / sizeof(method_names[0]))

const char *
app_http_fields_method_name(enum app_http_method m)
{
	return (unsigned int)m < N_METHODS ? method_names[m] : "unknown";
}

enum app_http_method
app_http_fields_method(const uint8_t *p, uint32_t n)
{
	unsigned int i;

	for (i = APP_HTTP_M_OTHER + 1; i < N_METHODS; i++) {
		if (strlen(method_names[i]) == n && memcmp(method_names[i], p, n) == 0)
			return (enum app_http_method)i;
	}
	return APP_HTTP_M_OTHER;
}

/*
 * Copy v[0..n) into dst (cap bytes, NUL terminated); with append, after what dst holds,
 * joined by ", ". A value that does not fit is cut, its bit set in msg->truncated and a
 * FIELD_TRUNCATED anomaly reported (once per field and message).
 */
static void
record(struct app_http_parser *h, char *dst, size_t cap, uint16_t bit, const uint8_t *v,
       uint32_t n, bool append)
{
	size_t len = append ? strnlen(dst, cap - 1) : 0;
	size_t room;
	bool cut = false;

	if (append && n == 0)
		return;
	if (append && len > 0) {
		if (cap - 1 - len < 2) {
			cut = true;
			n = 0;
		} else {
			dst[len++] = ',';
			dst[len++] = ' ';
		}
	}
	room = cap - 1 - len;
	if (n > room) {
		n = (uint32_t)room;
		cut = true;
	}
	memcpy(dst + len, v, n);
	dst[len + n] = '\0';
	if (cut && !(h->msg.truncated & bit)) {
		h->msg.truncated |= bit;
		app_http_fields_anomaly(h, APP_HTTP_ANOM_FIELD_TRUNCATED);
	}
}

/* "HTTP/" DIGIT "." DIGIT at l (8 bytes): 0 and *ver, or an error. */
static int
version(const uint8_t *l, uint32_t n, uint8_t *ver, int bad_line)
{
	if (n != 8 || memcmp(l, "HTTP/", 5) != 0 || !is_digit(l[5]) || l[6] != '.' ||
	    !is_digit(l[7]))
		return bad_line;
	if (l[5] != '1')
		return APP_HTTP_ERR_BAD_VERSION;
	*ver = l[7] == '0' ? 10 : 11;
	return 0;
}

int
app_http_fields_request_line(struct app_http_parser *h, const uint8_t *l, uint32_t n)
{
	struct app_http_msg *m = &h->msg;
	uint32_t i = 0, ms, ts;

	while (i < n && is_tchar(l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ' ')
		return APP_HTTP_ERR_BAD_REQUEST_LINE;
	ms = i++;
	ts = i;
	while (i < n && is_target_char(l[i]))
		i++;
	if (i == ts)
		return APP_HTTP_ERR_BAD_REQUEST_LINE;
	if (i == n)	/* "GET /": HTTP/0.9 */
		return APP_HTTP_ERR_BAD_VERSION;
	if (l[i] != ' ')
		return APP_HTTP_ERR_BAD_REQUEST_LINE;
	record(h, m->method, sizeof(m->method), APP_HTTP_TRUNC_METHOD, l, ms, false);
	m->method_id = (uint8_t)app_http_fields_method(l, ms);
	record(h, m->url, sizeof(m->url), APP_HTTP_TRUNC_URL, l + ts, i - ts, false);
	return version(l + i + 1, n - i - 1, &m->version, APP_HTTP_ERR_BAD_REQUEST_LINE);
}

int
app_http_fields_status_line(struct app_http_parser *h, const uint8_t *l, uint32_t n)
{
	struct app_http_msg *m = &h->msg;
	uint32_t i;
	int rc;

	if (n < 12 || l[8] != ' ')
		return n >= 8 && memcmp(l, "HTTP/", 5) == 0 && l[5] != '1' && is_digit(l[5]) ?
			       APP_HTTP_ERR_BAD_VERSION :
			       APP_HTTP_ERR_BAD_STATUS_LINE;
	rc = version(l, 8, &m->version, APP_HTTP_ERR_BAD_STATUS_LINE);
	if (rc != 0)
		return rc;
	if (l[9] < '1' || l[9] > '5' || !is_digit(l[10]) || !is_digit(l[11]))
		return APP_HTTP_ERR_BAD_STATUS_LINE;
	m->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
	if (n == 12)
		return 0;
	if (l[12] != ' ')
		return APP_HTTP_ERR_BAD_STATUS_LINE;
	for (i = 13; i < n; i++) {
		if (!is_value_char(l[i]))
			return APP_HTTP_ERR_BAD_STATUS_LINE;
	}
	return 0;
}

/*
 * Content-Length (RFC 9110 8.6): 1*DIGIT, or a list of identical such values (RFC 9112
 * 6.3 lets a recipient accept that). Sets APP_HTTP_MSG_HAS_CL and msg->content_length.
 */
static int
content_length(struct app_http_parser *h, const uint8_t *v, uint32_t n)
{
	struct app_http_msg *m = &h->msg;
	uint32_t i = 0;

	for (;;) {
		uint64_t x = 0;
		uint32_t start;

		while (i < n && is_ows(v[i]))
			i++;
		start = i;
		while (i < n && is_digit(v[i])) {
			uint64_t d = (uint64_t)(v[i] - '0');

			if (x > (UINT64_MAX - d) / 10)
				return APP_HTTP_ERR_BAD_CONTENT_LENGTH;
			x = x * 10 + d;
			i++;
		}
		if (i == start)
			return APP_HTTP_ERR_BAD_CONTENT_LENGTH;
		while (i < n && is_ows(v[i]))
			i++;
		if (i < n && v[i] != ',')
			return APP_HTTP_ERR_BAD_CONTENT_LENGTH;
		if ((m->flags & APP_HTTP_MSG_HAS_CL) && m->content_length != x)
			return APP_HTTP_ERR_CONFLICTING_CONTENT_LENGTH;
		m->content_length = x;
		m->flags |= APP_HTTP_MSG_HAS_CL;
		if (i == n)
			return 0;
		i++;	/* the comma */
	}
}

/*
 * Call fn on each non-empty element of a comma-separated list (RFC 9110 5.6.1), OWS
 * trimmed. Returns the first nonzero value fn returns, or 0.
 */
static int
each_element(struct app_http_parser *h, const uint8_t *v, uint32_t n,
	     int (*fn)(struct app_http_parser *h, const uint8_t *e, uint32_t len))
{
	uint32_t i = 0;

	while (i < n) {
		uint32_t s, e;
		int rc;

		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && is_ows(v[e - 1]))
			e--;
		if (e > s) {
			rc = fn(h, v + s, e - s);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* One transfer-coding: its name ends at a parameter's ';' or whitespace. */
static int
te_element(struct app_http_parser *h, const uint8_t *e, uint32_t len)
{
	uint32_t i = 0;
	bool chunked;

	while (i < len && e[i] != ';' && !is_ows(e[i]))
		i++;
	chunked = ci_equal(e, i, "chunked");
	if (chunked && h->te_chunked_seen)	/* RFC 9112 6.1: never applied twice */
		return APP_HTTP_ERR_BAD_TRANSFER_ENCODING;
	if (chunked)
		h->te_chunked_seen = 1;
	h->te_chunked_last = chunked;
	return 0;
}

static int
connection_element(struct app_http_parser *h, const uint8_t *e, uint32_t len)
{
	if (ci_equal(e, len, "close"))
		h->conn_close = 1;
	else if (ci_equal(e, len, "keep-alive"))
		h->conn_keep_alive = 1;
	else if (ci_equal(e, len, "upgrade"))
		h->conn_upgrade = 1;
	return 0;
}

static int
expect_element(struct app_http_parser *h, const uint8_t *e, uint32_t len)
{
	if (ci_equal(e, len, "100-continue"))
		h->msg.flags |= APP_HTTP_MSG_EXPECT_CONTINUE;
	return 0;
}

/* Keep the first value of a single-valued field; a second Host in a request is flagged. */
static void
record_first(struct app_http_parser *h, uint8_t seen, char *dst, size_t cap, uint16_t bit,
	     const uint8_t *v, uint32_t n)
{
	if (h->seen & seen) {
		if (seen == SEEN_HOST && h->dir == APP_HTTP_REQUEST)
			app_http_fields_anomaly(h, APP_HTTP_ANOM_DUPLICATE_HOST);
		return;
	}
	h->seen |= seen;
	record(h, dst, cap, bit, v, n, false);
}

int
app_http_fields_header(struct app_http_parser *h, const uint8_t *l, uint32_t n, int trailer)
{
	struct app_http_msg *m = &h->msg;
	uint32_t i = 0, nl, vs, ve;

	while (i < n && is_tchar(l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ':')
		return APP_HTTP_ERR_BAD_HEADER;
	nl = i++;
	for (vs = i; vs < n; vs++) {
		if (!is_value_char(l[vs]))
			return APP_HTTP_ERR_BAD_HEADER;
	}
	vs = i;
	while (vs < n && is_ows(l[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_ows(l[ve - 1]))
		ve--;
	if (trailer)
		return 0;

	/* Dispatch on the name's length first: most fields are none of these. */
	switch (nl) {
	case 4:
		if (ci_equal(l, nl, "host"))
			record_first(h, SEEN_HOST, m->host, sizeof(m->host), APP_HTTP_TRUNC_HOST,
				     l + vs, ve - vs);
		break;
	case 6:
		if (ci_equal(l, nl, "expect")) {
			record(h, m->expect, sizeof(m->expect), APP_HTTP_TRUNC_EXPECT, l + vs,
			       ve - vs, true);
			return each_element(h, l + vs, ve - vs, expect_element);
		}
		break;
	case 7:
		if (ci_equal(l, nl, "upgrade"))
			h->has_upgrade = 1;
		break;
	case 10:
		if (ci_equal(l, nl, "connection")) {
			record(h, m->connection, sizeof(m->connection), APP_HTTP_TRUNC_CONN,
			       l + vs, ve - vs, true);
			return each_element(h, l + vs, ve - vs, connection_element);
		}
		break;
	case 12:
		if (ci_equal(l, nl, "content-type"))
			record_first(h, SEEN_CTYPE, m->content_type, sizeof(m->content_type),
				     APP_HTTP_TRUNC_CTYPE, l + vs, ve - vs);
		break;
	case 14:
		if (ci_equal(l, nl, "content-length"))
			return content_length(h, l + vs, ve - vs);
		break;
	case 16:
		if (ci_equal(l, nl, "content-encoding"))
			record(h, m->content_encoding, sizeof(m->content_encoding),
			       APP_HTTP_TRUNC_CENC, l + vs, ve - vs, true);
		break;
	case 17:
		if (ci_equal(l, nl, "transfer-encoding")) {
			m->flags |= APP_HTTP_MSG_HAS_TE;
			record(h, m->transfer_encoding, sizeof(m->transfer_encoding),
			       APP_HTTP_TRUNC_TENC, l + vs, ve - vs, true);
			return each_element(h, l + vs, ve - vs, te_element);
		}
		break;
	case 19:
		if (ci_equal(l, nl, "content-disposition"))
			record_first(h, SEEN_CDISP, m->content_disposition,
				     sizeof(m->content_disposition), APP_HTTP_TRUNC_CDISP, l + vs,
				     ve - vs);
		break;
	default:
		break;
	}
	return 0;
}
