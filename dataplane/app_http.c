/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming HTTP/1.0 and 1.1 message parser, one direction of a TCP connection at a time:
 * message framing of RFC 9112 (start line 2-4, fields 5, body length 6.3, chunked 7.1,
 * persistence 9.3) with the semantics of RFC 9110 it depends on (HEAD 9.3.2, CONNECT
 * 9.3.6, Expect 10.1.1, 1xx 15.2, 204/304, Upgrade 7.8). app_http_fields.c reads the
 * start lines and fields; this file assembles lines, decides framing and walks bodies.
 *
 * The two directions of a connection are two parsers. The response side needs to know
 * what each response answers, so they share a link: the request side queues each
 * request's method when its header section ends, the response side takes one entry per
 * final response (and peeks for 1xx). A FIFO that overflows keeps its order: later
 * requests are only counted and answered as "method unknown" once the queued ones are.
 *
 *   request side                      link                      response side
 *   GET /a ... \r\n\r\n   push GET -> [GET][HEAD]   pop  -> HTTP/1.1 200 (body by length)
 *   HEAD /b ...           push HEAD                 pop  -> HTTP/1.1 200 (no body: HEAD)
 *   CONNECT h:443 ...     push CONNECT, sw PENDING  pop  -> HTTP/1.1 200: sw ACCEPTED,
 *   (waits for sw)  <------------- ACCEPTED ------------    response side opaque
 *   opaque                                                  opaque
 *
 * Per direction, the states (the body states deliver bytes straight from the input):
 *
 *   START --line--> HEADERS --empty line--> body?  none ---------------> complete
 *     ^                                            length: BODY_LENGTH --> complete
 *     |                                            until close: BODY_CLOSE (until eof)
 *     |                                            chunked: CHUNK_SIZE <-> CHUNK_DATA
 *     |                                                     -> CHUNK_END -> ... size 0
 *     |                                                     -> TRAILERS -> complete
 *     +---------- complete (CONNECT / Upgrade request: SWITCH_WAIT first) <---+
 *
 * Lines are copied into h->line until their LF (memchr, then one memcpy), so a line's
 * verdict is taken on the whole line whatever the segmentation was; the chunk-size line
 * is read byte by byte instead because its extensions are ignored, not kept. Every limit
 * is checked against a count that grows with the bytes fed, so the same input cut
 * anywhere gives the same events, and memory never grows past the state.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_http.h"
#include "app_http_fields.h"

enum {
	ST_START = 0,	/* between messages: empty lines, then a start line */
	ST_HEADERS,	/* field lines until the empty line */
	ST_BODY_LENGTH,	/* h->remaining bytes of body */
	ST_CHUNK_SIZE,	/* chunk-size [ext] CRLF, byte by byte (h->sub) */
	ST_CHUNK_DATA,	/* h->remaining bytes of chunk data */
	ST_CHUNK_END,	/* the CRLF after chunk data (h->sub 1: CR seen) */
	ST_TRAILERS,	/* trailer field lines until the empty line */
	ST_BODY_CLOSE,	/* response body until the stream ends */
	ST_SWITCH_WAIT,	/* request side after CONNECT / Upgrade: await the answer */
};

/* h->sub in ST_CHUNK_SIZE */
enum {
	CS_FIRST = 0,	/* before the first hex digit */
	CS_DIGITS,
	CS_WS,		/* whitespace after the size: only ';' or the end may follow */
	CS_EXT,		/* chunk extensions: skipped */
	CS_CR,		/* CR seen: LF must follow */
};

static inline bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
app_http_conf_default(struct app_http_conf *conf)
{
	conf->max_line = APP_HTTP_DEFAULT_MAX_LINE;
	conf->max_headers = APP_HTTP_DEFAULT_MAX_HEADERS;
	conf->max_header_bytes = APP_HTTP_DEFAULT_MAX_HDR_BYTES;
}

int
app_http_conf_check(const struct app_http_conf *conf, const char **field)
{
	const char *bad = NULL;

	if (conf == NULL)
		bad = "conf";
	else if (conf->max_line < 1 || conf->max_line > APP_HTTP_LINE_MAX)
		bad = "max_line";
	else if (conf->max_headers < 1)
		bad = "max_headers";
	else if (conf->max_header_bytes < 1)
		bad = "max_header_bytes";
	if (field != NULL)
		*field = bad;
	return bad == NULL ? 0 : -EINVAL;
}

void
app_http_link_init(struct app_http_link *link)
{
	memset(link, 0, sizeof(*link));
}

/*
 * An empty record: its numbers zeroed and each string field empty. The strings are only
 * ever read up to their NUL (record() writes them so), so the rest of their 3.5 KiB is not
 * written: it was, twice a message (a record is cleared for every message, and a
 * direction at its start), most of what setting up a connection's parsers cost.
 */
static void
msg_clear(struct app_http_msg *m, uint8_t dir)
{
	memset(m, 0, offsetof(struct app_http_msg, method));
	m->dir = dir;
	m->method[0] = '\0';
	m->url[0] = '\0';
	m->host[0] = '\0';
	m->content_type[0] = '\0';
	m->content_encoding[0] = '\0';
	m->transfer_encoding[0] = '\0';
	m->content_disposition[0] = '\0';
	m->expect[0] = '\0';
	m->connection[0] = '\0';
}

int
app_http_init(struct app_http_parser *h, enum app_http_dir dir,
	      const struct app_http_conf *conf, const struct app_http_callbacks *cb,
	      void *cookie, struct app_http_link *link)
{
	if (h == NULL)
		return -EINVAL;
	/* the line buffer needs no clearing (line_len says what of it is valid), the record
	 * only its numbers and empty strings (msg_clear) */
	memset(h, 0, offsetof(struct app_http_parser, msg));
	msg_clear(&h->msg, (uint8_t)dir);
	h->fresh = 1;
	h->mode = APP_HTTP_MODE_RAW;
	h->dir = (uint8_t)dir;
	if (cb == NULL || (dir != APP_HTTP_REQUEST && dir != APP_HTTP_RESPONSE) ||
	    app_http_conf_check(conf, NULL) != 0)
		return -EINVAL;
	h->conf = *conf;
	h->cb = *cb;
	h->cookie = cookie;
	h->link = link;
	h->state = ST_START;
	h->mode = APP_HTTP_MODE_HTTP;
	return 0;
}

int
app_http_conn_init(struct app_http_conn *c, const struct app_http_conf *conf,
		   const struct app_http_callbacks *cb, void *cookie)
{
	int rc;

	if (c == NULL)
		return -EINVAL;
	app_http_link_init(&c->link);
	rc = app_http_init(&c->dir[APP_HTTP_REQUEST], APP_HTTP_REQUEST, conf, cb, cookie,
			   &c->link);
	if (app_http_init(&c->dir[APP_HTTP_RESPONSE], APP_HTTP_RESPONSE, conf, cb, cookie,
			  &c->link) != 0)
		rc = -EINVAL;
	return rc;
}

bool
app_http_err_is_limit(enum app_http_err err)
{
	return err == APP_HTTP_ERR_LINE_TOO_LONG || err == APP_HTTP_ERR_TOO_MANY_HEADERS ||
	       err == APP_HTTP_ERR_HEADERS_TOO_BIG;
}

/* The direction stops parsing: report err once, count it, and only count bytes after. */
static void
fail(struct app_http_parser *h, int err)
{
	if (h->mode != APP_HTTP_MODE_HTTP)
		return;
	h->mode = APP_HTTP_MODE_RAW;
	h->err = (uint8_t)err;
	h->stats.errors++;
	if (app_http_err_is_limit((enum app_http_err)err))
		h->stats.limit_hits++;
	if (h->cb.on_error != NULL)
		h->cb.on_error(h->cookie, &h->msg, (enum app_http_err)err);
}

static void
go_tunnel(struct app_http_parser *h)
{
	h->mode = APP_HTTP_MODE_TUNNEL;
	if (h->cb.on_tunnel != NULL)
		h->cb.on_tunnel(h->cookie, &h->msg);
}

/* Clear the record and the per-message flags before the next message's first line. */
static void
reset_message(struct app_http_parser *h)
{
	msg_clear(&h->msg, h->dir);
	h->te_chunked_last = 0;
	h->te_chunked_seen = 0;
	h->conn_close = 0;
	h->conn_keep_alive = 0;
	h->conn_upgrade = 0;
	h->has_upgrade = 0;
	h->seen = 0;
	h->fresh = 1;
}

/* Queue a request's method for the response side (at the end of its header section). */
static void
link_push(struct app_http_parser *h)
{
	struct app_http_link *l = h->link;
	struct app_http_pending e;

	if (l == NULL)
		return;
	e.method_id = h->msg.method_id;
	e.upgrade = (h->msg.flags & APP_HTTP_MSG_UPGRADE) != 0;
	if (l->lost > 0 || l->count >= APP_HTTP_FIFO_LEN) {
		/* once one is lost, all later ones are too, so the queue stays in order */
		if (l->lost < UINT32_MAX)
			l->lost++;
		app_http_fields_anomaly(h, APP_HTTP_ANOM_FIFO_OVERFLOW);
		return;
	}
	l->fifo[(l->head + l->count) % APP_HTTP_FIFO_LEN] = e;
	l->count++;
	if (e.method_id == APP_HTTP_M_CONNECT || e.upgrade) {
		l->sw = APP_HTTP_SW_PENDING;
		l->sw_connect = e.method_id == APP_HTTP_M_CONNECT;
	}
}

/*
 * The request a response answers: the oldest queued one, taken off the queue for a final
 * response or a 101, looked at only for other 1xx. Settles a pending CONNECT or Upgrade.
 */
static void
match_request(struct app_http_parser *h)
{
	struct app_http_link *l = h->link;
	struct app_http_msg *m = &h->msg;
	struct app_http_pending e = { APP_HTTP_M_OTHER, 0 };
	bool final = m->status >= 200 || m->status == 101;

	m->txn = h->next_txn;
	if (l == NULL)
		return;
	if (l->count > 0) {
		e = l->fifo[l->head];
		if (final) {
			l->head = (uint8_t)((l->head + 1) % APP_HTTP_FIFO_LEN);
			l->count--;
		}
	} else if (final && l->lost > 0) {
		l->lost--;
	} else if (final) {
		app_http_fields_anomaly(h, APP_HTTP_ANOM_UNMATCHED_RESPONSE);
	}
	if (final)
		h->next_txn++;
	m->method_id = e.method_id;
	if (e.method_id != APP_HTTP_M_OTHER) {
		const char *name = app_http_fields_method_name((enum app_http_method)e.method_id);

		memcpy(m->method, name, strlen(name) + 1);
	}
	if (m->status == 101) {
		if (!e.upgrade)
			app_http_fields_anomaly(h, APP_HTTP_ANOM_UNSOLICITED_SWITCH);
		else if (l->sw == APP_HTTP_SW_PENDING && !l->sw_connect)
			l->sw = APP_HTTP_SW_ACCEPTED;
	} else if (final && l->sw == APP_HTTP_SW_PENDING &&
		   ((e.method_id == APP_HTTP_M_CONNECT && l->sw_connect) ||
		    (e.upgrade && !l->sw_connect))) {
		l->sw = (l->sw_connect && m->status / 100 == 2) ? APP_HTTP_SW_ACCEPTED :
								  APP_HTTP_SW_REJECTED;
	}
}

static void
deliver(struct app_http_parser *h, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (h->cb.on_body != NULL)
		h->cb.on_body(h->cookie, &h->msg, p, n);
	h->msg.body_offset += n;
	h->stats.body_bytes += n;
}

static void
message_complete(struct app_http_parser *h)
{
	struct app_http_msg *m = &h->msg;

	h->in_msg = 0;
	h->sect_bytes = 0;
	h->sect_count = 0;
	h->stats.completed++;
	if (h->cb.on_message_complete != NULL)
		h->cb.on_message_complete(h->cookie, m);
	if (m->body == APP_HTTP_BODY_TUNNEL) {
		go_tunnel(h);
		return;
	}
	if (h->dir == APP_HTTP_REQUEST &&
	    (m->method_id == APP_HTTP_M_CONNECT || (m->flags & APP_HTTP_MSG_UPGRADE)))
		h->state = ST_SWITCH_WAIT;
	else
		h->state = ST_START;
}

/* Body framing of a request (RFC 9112 6.3 items 4-7 as they apply to requests). */
static int
request_body(struct app_http_parser *h)
{
	struct app_http_msg *m = &h->msg;

	if (m->flags & APP_HTTP_MSG_HAS_TE) {
		/* RFC 9112 6.1: Transfer-Encoding in 1.0 is faulty framing; 6.3: chunked last */
		if (m->version == 10 || !h->te_chunked_last)
			return -APP_HTTP_ERR_BAD_TRANSFER_ENCODING;
		return APP_HTTP_BODY_CHUNKED;
	}
	return (m->flags & APP_HTTP_MSG_HAS_CL) ? APP_HTTP_BODY_LENGTH : APP_HTTP_BODY_NONE;
}

/* Body framing of a response (RFC 9112 6.3 items 1-7). */
static int
response_body(struct app_http_parser *h)
{
	struct app_http_msg *m = &h->msg;

	if (m->status < 200) {
		m->flags |= APP_HTTP_MSG_INTERIM;
		return m->status == 101 ? APP_HTTP_BODY_TUNNEL : APP_HTTP_BODY_NONE;
	}
	if (m->method_id == APP_HTTP_M_HEAD || m->status == 204 || m->status == 304)
		return APP_HTTP_BODY_NONE;
	if (m->method_id == APP_HTTP_M_CONNECT && m->status / 100 == 2)
		return APP_HTTP_BODY_TUNNEL;
	if (m->flags & APP_HTTP_MSG_HAS_TE) {
		if (m->version == 10)
			return -APP_HTTP_ERR_BAD_TRANSFER_ENCODING;
		return h->te_chunked_last ? APP_HTTP_BODY_CHUNKED : APP_HTTP_BODY_UNTIL_CLOSE;
	}
	return (m->flags & APP_HTTP_MSG_HAS_CL) ? APP_HTTP_BODY_LENGTH :
						  APP_HTTP_BODY_UNTIL_CLOSE;
}

static void
headers_complete(struct app_http_parser *h)
{
	struct app_http_msg *m = &h->msg;
	int body;

	if ((m->flags & APP_HTTP_MSG_HAS_TE) && h->te_chunked_last)
		m->flags |= APP_HTTP_MSG_CHUNKED;
	if (h->dir == APP_HTTP_REQUEST && h->has_upgrade && h->conn_upgrade)
		m->flags |= APP_HTTP_MSG_UPGRADE;
	if (!h->conn_close && (m->version == 11 || h->conn_keep_alive))
		m->flags |= APP_HTTP_MSG_KEEP_ALIVE;
	body = h->dir == APP_HTTP_REQUEST ? request_body(h) : response_body(h);
	if (body < 0) {
		fail(h, -body);
		return;
	}
	if ((m->flags & APP_HTTP_MSG_HAS_TE) && (m->flags & APP_HTTP_MSG_HAS_CL))
		app_http_fields_anomaly(h, APP_HTTP_ANOM_TE_AND_CL);
	m->body = (uint8_t)body;
	if (h->dir == APP_HTTP_REQUEST)
		link_push(h);
	if (h->cb.on_headers_complete != NULL)
		h->cb.on_headers_complete(h->cookie, m);
	switch (body) {
	case APP_HTTP_BODY_LENGTH:
		h->remaining = m->content_length;
		if (h->remaining == 0)
			message_complete(h);
		else
			h->state = ST_BODY_LENGTH;
		break;
	case APP_HTTP_BODY_CHUNKED:
		h->state = ST_CHUNK_SIZE;
		h->sub = CS_FIRST;
		h->remaining = 0;
		h->chunk_line = 0;
		break;
	case APP_HTTP_BODY_UNTIL_CLOSE:
		h->state = ST_BODY_CLOSE;
		break;
	default:
		message_complete(h);
		break;
	}
}

/*
 * Append bytes up to and including the next LF to h->line. Returns the bytes consumed;
 * *done says a whole line is there. A line whose content (CR before the LF excluded)
 * passes conf.max_line fails as soon as that is certain, LF or not.
 */
static size_t
line_take(struct app_http_parser *h, const uint8_t *p, size_t n, bool *done)
{
	uint64_t max = h->conf.max_line;
	/* past max + 2 bytes the line is too long whatever follows: look no further */
	size_t look = n < max + 2 - h->line_len ? n : (size_t)(max + 2 - h->line_len);
	const uint8_t *lf = memchr(p, '\n', look);
	size_t take = lf != NULL ? (size_t)(lf - p) : look;
	uint64_t total = (uint64_t)h->line_len + take;

	*done = false;
	if (total > max) {
		/*
		 * Too long from its (max+1)-th byte on, unless that byte is a CR that an LF
		 * may follow; then from the (max+2)-th. The error is placed on that byte
		 * whatever the cut, so the bytes counted as raw after it are the same too.
		 * line_len <= max + 1 here (a longer line failed before), and a piece that
		 * was looked at only in part always fails here.
		 */
		uint64_t k = max + 1;
		uint8_t bk = k <= h->line_len ? h->line[k - 1] : p[k - 1 - h->line_len];

		if (bk == '\r')
			k++;
		if (k <= total) {
			fail(h, APP_HTTP_ERR_LINE_TOO_LONG);
			return (size_t)(k - h->line_len);
		}
	}
	memcpy(h->line + h->line_len, p, take);
	h->line_len += (uint32_t)take;
	if (lf == NULL)
		return take;
	*done = true;
	return take + 1;
}

/*
 * The complete line in h->line: count it into the section, drop its CR, refuse a CR
 * anywhere else. Returns 0 with *len, or an error. h->line stays valid until the next
 * line_take.
 */
static int
line_check(struct app_http_parser *h, uint32_t *len)
{
	uint32_t n = h->line_len;

	h->line_len = 0;
	if ((uint64_t)h->sect_bytes + n + 1 > h->conf.max_header_bytes)
		return APP_HTTP_ERR_HEADERS_TOO_BIG;
	h->sect_bytes += n + 1;
	if (n > 0 && h->line[n - 1] == '\r')
		n--;
	if (memchr(h->line, '\r', n) != NULL)
		return APP_HTTP_ERR_BARE_CR;
	*len = n;
	return 0;
}

/* A start line is complete: read it and begin the message. */
static void
start_message(struct app_http_parser *h, uint32_t len)
{
	struct app_http_msg *m = &h->msg;
	int rc;

	h->fresh = 0;
	m->header_bytes = h->sect_bytes;
	m->start_offset = h->line_start;
	if (h->dir == APP_HTTP_REQUEST)
		rc = app_http_fields_request_line(h, h->line, len);
	else
		rc = app_http_fields_status_line(h, h->line, len);
	if (rc != 0) {
		fail(h, rc);
		return;
	}
	h->in_msg = 1;
	h->stats.messages++;
	if (h->dir == APP_HTTP_REQUEST)
		m->txn = h->next_txn++;
	else
		match_request(h);
	if (h->cb.on_message_begin != NULL)
		h->cb.on_message_begin(h->cookie, m);
	h->state = ST_HEADERS;
}

/* ST_START, ST_HEADERS and ST_TRAILERS: one line at a time. */
static size_t
step_line(struct app_http_parser *h, const uint8_t *p, size_t n)
{
	size_t used;
	uint32_t len;
	bool done;
	int rc;

	if (h->state == ST_START && h->line_len == 0 && h->sect_bytes == 0) {
		/* the answer to an Upgrade request came while this side went on */
		if (h->dir == APP_HTTP_REQUEST && h->link != NULL &&
		    h->link->sw == APP_HTTP_SW_ACCEPTED) {
			go_tunnel(h);
			return 0;
		}
		if (!h->fresh)
			reset_message(h);
	}
	if (h->line_len == 0)
		h->line_start = h->stats.bytes - n;	/* p[0]'s place in the direction */
	used = line_take(h, p, n, &done);
	if (!done || h->mode != APP_HTTP_MODE_HTTP)
		return used;
	rc = line_check(h, &len);
	if (rc != 0) {
		fail(h, rc);
		return used;
	}
	if (h->state == ST_START) {
		if (len > 0)	/* RFC 9112 2.2: empty lines before a start line are skipped */
			start_message(h, len);
		return used;
	}
	if (h->state == ST_HEADERS)
		h->msg.header_bytes = h->sect_bytes;
	if (len == 0) {
		if (h->state == ST_HEADERS)
			headers_complete(h);
		else
			message_complete(h);
		return used;
	}
	if (is_ows(h->line[0])) {	/* obs-fold, or whitespace before the first field */
		fail(h, APP_HTTP_ERR_OBS_FOLD);
		return used;
	}
	if (++h->sect_count > h->conf.max_headers) {
		fail(h, APP_HTTP_ERR_TOO_MANY_HEADERS);
		return used;
	}
	if (h->state == ST_HEADERS)
		h->msg.header_count = h->sect_count;
	rc = app_http_fields_header(h, h->line, len, h->state == ST_TRAILERS);
	if (rc != 0)
		fail(h, rc);
	return used;
}

/* The chunk-size line is complete: data follows, or the trailers after a zero size. */
static void
chunk_size_done(struct app_http_parser *h)
{
	h->sub = CS_FIRST;
	h->chunk_line = 0;
	if (h->remaining > 0) {
		h->state = ST_CHUNK_DATA;
		return;
	}
	h->state = ST_TRAILERS;
	h->sect_bytes = 0;
	h->sect_count = 0;
}

/* chunk-size [ chunk-ext ] CRLF (RFC 9112 7.1), byte by byte; the size accrues in remaining. */
static size_t
step_chunk_size(struct app_http_parser *h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		int d;

		if (c == '\n') {
			if (h->sub == CS_FIRST)
				fail(h, APP_HTTP_ERR_BAD_CHUNK_SIZE);
			else
				chunk_size_done(h);
			return i + 1;
		}
		if (h->sub == CS_CR) {
			fail(h, APP_HTTP_ERR_BARE_CR);
			return i + 1;
		}
		if (c == '\r') {
			if (h->sub == CS_FIRST) {
				fail(h, APP_HTTP_ERR_BAD_CHUNK_SIZE);
				return i + 1;
			}
			h->sub = CS_CR;
			continue;
		}
		if (++h->chunk_line > h->conf.max_line) {
			fail(h, APP_HTTP_ERR_LINE_TOO_LONG);
			return i + 1;
		}
		d = (h->sub == CS_FIRST || h->sub == CS_DIGITS) ? hex_value(c) : -1;
		if (d >= 0) {
			if (h->remaining >> 60) {
				fail(h, APP_HTTP_ERR_CHUNK_SIZE_OVERFLOW);
				return i + 1;
			}
			h->remaining = (h->remaining << 4) | (uint64_t)d;
			h->sub = CS_DIGITS;
		} else if (h->sub == CS_FIRST) {
			fail(h, APP_HTTP_ERR_BAD_CHUNK_SIZE);
			return i + 1;
		} else if (c == ';' && h->sub != CS_EXT) {
			h->sub = CS_EXT;
		} else if (h->sub == CS_EXT) {
			/* extension bytes: anything a field value may hold (RFC 9112 7.1.1) */
			if (c < 0x20 ? c != '\t' : c == 0x7f) {
				fail(h, APP_HTTP_ERR_BAD_CHUNK_SIZE);
				return i + 1;
			}
		} else if (is_ows(c)) {
			h->sub = CS_WS;
		} else {
			fail(h, APP_HTTP_ERR_BAD_CHUNK_SIZE);
			return i + 1;
		}
	}
	return n;
}

/* ST_SWITCH_WAIT: the request side sent CONNECT or an Upgrade and has more bytes. */
static void
switch_wait(struct app_http_parser *h)
{
	struct app_http_link *l = h->link;
	bool connect = h->msg.method_id == APP_HTTP_M_CONNECT;

	if (l == NULL) {
		if (connect)
			go_tunnel(h);
		else
			h->state = ST_START;
		return;
	}
	if (l->sw == APP_HTTP_SW_ACCEPTED) {
		go_tunnel(h);
	} else if (l->sw == APP_HTTP_SW_REJECTED) {
		l->sw = APP_HTTP_SW_NONE;
		h->state = ST_START;
	} else if (connect) {
		/* a client only sends tunnel bytes before the answer if it expects a yes */
		app_http_fields_anomaly(h, APP_HTTP_ANOM_SPECULATIVE_TUNNEL);
		go_tunnel(h);
	} else {
		h->state = ST_START;	/* the Upgrade may still be accepted: see step_line */
	}
}

/* Consume some of p[0..n) (n > 0) in the current state; returns how many bytes. */
static size_t
step(struct app_http_parser *h, const uint8_t *p, size_t n)
{
	size_t take;

	switch (h->state) {
	case ST_START:
	case ST_HEADERS:
	case ST_TRAILERS:
		return step_line(h, p, n);
	case ST_BODY_LENGTH:
	case ST_CHUNK_DATA:
		take = n < h->remaining ? n : (size_t)h->remaining;
		deliver(h, p, take);
		h->remaining -= take;
		if (h->remaining == 0) {
			if (h->state == ST_BODY_LENGTH) {
				message_complete(h);
			} else {
				h->state = ST_CHUNK_END;
				h->sub = 0;
			}
		}
		return take;
	case ST_CHUNK_SIZE:
		return step_chunk_size(h, p, n);
	case ST_CHUNK_END:
		if (h->sub == 0 && p[0] == '\r') {
			h->sub = 1;
		} else if (p[0] == '\n') {
			h->state = ST_CHUNK_SIZE;
			h->sub = CS_FIRST;
		} else {
			fail(h, APP_HTTP_ERR_BAD_CHUNK_END);
		}
		return 1;
	case ST_BODY_CLOSE:
		deliver(h, p, n);
		return n;
	case ST_SWITCH_WAIT:
		switch_wait(h);
		return 0;
	default:
		fail(h, APP_HTTP_ERR_GAP);	/* unreachable: a state outside the enum */
		return 0;
	}
}

enum app_http_mode
app_http_feed(struct app_http_parser *h, const uint8_t *p, size_t n)
{
	if (h == NULL)
		return APP_HTTP_MODE_RAW;
	if (p == NULL)
		n = 0;
	h->stats.bytes += n;
	while (n > 0 && h->mode == APP_HTTP_MODE_HTTP) {
		size_t used = step(h, p, n);

		p += used;
		n -= used;
	}
	if (n > 0) {
		if (h->mode == APP_HTTP_MODE_TUNNEL)
			h->stats.tunnel_bytes += n;
		else
			h->stats.raw_bytes += n;
	}
	return (enum app_http_mode)h->mode;
}

void
app_http_eof(struct app_http_parser *h)
{
	bool partial_line;

	if (h == NULL || h->mode != APP_HTTP_MODE_HTTP)
		return;
	/* bytes of a start line, other than a lone CR, are the beginning of a message */
	partial_line = h->state == ST_START && h->line_len > 0 &&
		       !(h->line_len == 1 && h->line[0] == '\r');
	if (h->state == ST_BODY_CLOSE)
		message_complete(h);
	else if (h->in_msg || partial_line)
		fail(h, APP_HTTP_ERR_TRUNCATED);
	if (h->mode == APP_HTTP_MODE_HTTP)
		h->mode = APP_HTTP_MODE_CLOSED;
}

void
app_http_gap(struct app_http_parser *h)
{
	if (h != NULL)
		fail(h, APP_HTTP_ERR_GAP);
}

enum app_http_mode
app_http_mode(const struct app_http_parser *h)
{
	return h == NULL ? APP_HTTP_MODE_RAW : (enum app_http_mode)h->mode;
}

const char *
app_http_err_name(enum app_http_err err)
{
	static const char *const names[APP_HTTP_ERR_COUNT] = {
		[APP_HTTP_ERR_NONE] = "none",
		[APP_HTTP_ERR_BAD_REQUEST_LINE] = "bad_request_line",
		[APP_HTTP_ERR_BAD_STATUS_LINE] = "bad_status_line",
		[APP_HTTP_ERR_BAD_VERSION] = "bad_version",
		[APP_HTTP_ERR_BAD_HEADER] = "bad_header",
		[APP_HTTP_ERR_OBS_FOLD] = "obs_fold",
		[APP_HTTP_ERR_BARE_CR] = "bare_cr",
		[APP_HTTP_ERR_LINE_TOO_LONG] = "line_too_long",
		[APP_HTTP_ERR_TOO_MANY_HEADERS] = "too_many_headers",
		[APP_HTTP_ERR_HEADERS_TOO_BIG] = "headers_too_big",
		[APP_HTTP_ERR_BAD_CONTENT_LENGTH] = "bad_content_length",
		[APP_HTTP_ERR_CONFLICTING_CONTENT_LENGTH] = "conflicting_content_length",
		[APP_HTTP_ERR_BAD_TRANSFER_ENCODING] = "bad_transfer_encoding",
		[APP_HTTP_ERR_BAD_CHUNK_SIZE] = "bad_chunk_size",
		[APP_HTTP_ERR_CHUNK_SIZE_OVERFLOW] = "chunk_size_overflow",
		[APP_HTTP_ERR_BAD_CHUNK_END] = "bad_chunk_end",
		[APP_HTTP_ERR_TRUNCATED] = "truncated",
		[APP_HTTP_ERR_GAP] = "gap",
	};

	if ((unsigned int)err >= APP_HTTP_ERR_COUNT || names[err] == NULL)
		return "unknown";
	return names[err];
}

const char *
app_http_anom_name(enum app_http_anom anom)
{
	static const char *const names[APP_HTTP_ANOM_COUNT] = {
		[APP_HTTP_ANOM_TE_AND_CL] = "te_and_cl",
		[APP_HTTP_ANOM_DUPLICATE_HOST] = "duplicate_host",
		[APP_HTTP_ANOM_FIELD_TRUNCATED] = "field_truncated",
		[APP_HTTP_ANOM_FIFO_OVERFLOW] = "fifo_overflow",
		[APP_HTTP_ANOM_UNMATCHED_RESPONSE] = "unmatched_response",
		[APP_HTTP_ANOM_SPECULATIVE_TUNNEL] = "speculative_tunnel",
		[APP_HTTP_ANOM_UNSOLICITED_SWITCH] = "unsolicited_switch",
	};

	if ((unsigned int)anom >= APP_HTTP_ANOM_COUNT || names[anom] == NULL)
		return "unknown";
	return names[anom];
}

const char *
app_http_method_name(enum app_http_method m)
{
	return app_http_fields_method_name(m);
}
