/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the streaming HTTP/1.x message parser (app_http.h): limits, the message record
 * handed to callbacks, the per-direction state and the link between the two directions of
 * a connection. Types only; the functions and their contracts are in app_http.h.
 */
#ifndef TOLLGATE_APP_HTTP_TYPES_H
#define TOLLGATE_APP_HTTP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest start line, header line or trailer line the state can buffer (CRLF excluded). */
#define APP_HTTP_LINE_MAX		8192u

/* Defaults of struct app_http_conf. */
#define APP_HTTP_DEFAULT_MAX_LINE	8192u	/* nginx's large_client_header_buffers size */
#define APP_HTTP_DEFAULT_MAX_HEADERS	128u	/* Apache's LimitRequestFields is 100 */
#define APP_HTTP_DEFAULT_MAX_HDR_BYTES	65536u

/* Requests whose method the response side may still need (pipelining depth). */
#define APP_HTTP_FIFO_LEN		16u

/* Sizes of the bounded copies in struct app_http_msg, NUL included. */
#define APP_HTTP_METHOD_LEN		32u
#define APP_HTTP_URL_LEN		2048u
#define APP_HTTP_HOST_LEN		256u
#define APP_HTTP_CTYPE_LEN		256u
#define APP_HTTP_CENC_LEN		128u
#define APP_HTTP_TENC_LEN		128u
#define APP_HTTP_CDISP_LEN		512u
#define APP_HTTP_EXPECT_LEN		64u
#define APP_HTTP_CONN_LEN		128u

/* Limits of one direction; every field must be >= 1. */
struct app_http_conf {
	uint32_t max_line;		/* bytes of one start/header/trailer/chunk-size line,
					 * line terminator excluded; <= APP_HTTP_LINE_MAX */
	uint32_t max_headers;		/* header fields of one message (trailers: the same
					 * limit on their own) */
	uint32_t max_header_bytes;	/* bytes of the header section, start line, empty lines
					 * before it and terminators included (trailers: the
					 * same limit on their own) */
};

enum app_http_dir {
	APP_HTTP_REQUEST = 0,	/* client to server */
	APP_HTTP_RESPONSE = 1,	/* server to client */
};

/* What the parser does with the bytes it is fed. */
enum app_http_mode {
	APP_HTTP_MODE_HTTP = 0,	/* parsing messages */
	APP_HTTP_MODE_TUNNEL,	/* after CONNECT + 2xx or 101: opaque bytes, only counted */
	APP_HTTP_MODE_RAW,	/* after a parse error or a gap: bytes only counted */
	APP_HTTP_MODE_CLOSED,	/* after app_http_eof(): bytes only counted */
};

/* Fatal errors: the direction falls back to raw mode. */
enum app_http_err {
	APP_HTTP_ERR_NONE = 0,
	APP_HTTP_ERR_BAD_REQUEST_LINE,	/* not "method SP target SP version" */
	APP_HTTP_ERR_BAD_STATUS_LINE,	/* not "version SP 3DIGIT [SP reason]", code 100..599 */
	APP_HTTP_ERR_BAD_VERSION,	/* not HTTP/1.x */
	APP_HTTP_ERR_BAD_HEADER,	/* field syntax: name, colon, NUL or control in value */
	APP_HTTP_ERR_OBS_FOLD,		/* obsolete line folding (RFC 9112 5.2) */
	APP_HTTP_ERR_BARE_CR,		/* CR not followed by LF inside a line */
	APP_HTTP_ERR_LINE_TOO_LONG,	/* limit: conf.max_line */
	APP_HTTP_ERR_TOO_MANY_HEADERS,	/* limit: conf.max_headers */
	APP_HTTP_ERR_HEADERS_TOO_BIG,	/* limit: conf.max_header_bytes */
	APP_HTTP_ERR_BAD_CONTENT_LENGTH,	/* not 1*DIGIT, or over 2^64-1 */
	APP_HTTP_ERR_CONFLICTING_CONTENT_LENGTH,	/* two different values */
	APP_HTTP_ERR_BAD_TRANSFER_ENCODING,	/* request not ending in chunked, chunked twice,
						 * or Transfer-Encoding in HTTP/1.0 */
	APP_HTTP_ERR_BAD_CHUNK_SIZE,	/* chunk-size line syntax */
	APP_HTTP_ERR_CHUNK_SIZE_OVERFLOW,	/* chunk size over 2^64-1 */
	APP_HTTP_ERR_BAD_CHUNK_END,	/* chunk data not followed by CRLF */
	APP_HTTP_ERR_TRUNCATED,		/* the stream ended inside a message */
	APP_HTTP_ERR_GAP,		/* the caller reported missing bytes */
	APP_HTTP_ERR_COUNT
};

/* Non-fatal findings: counted and reported, parsing goes on. */
enum app_http_anom {
	APP_HTTP_ANOM_TE_AND_CL = 0,	/* both framings given: Transfer-Encoding wins */
	APP_HTTP_ANOM_DUPLICATE_HOST,	/* more than one Host field in a request */
	APP_HTTP_ANOM_FIELD_TRUNCATED,	/* a recorded value was longer than its copy */
	APP_HTTP_ANOM_FIFO_OVERFLOW,	/* over APP_HTTP_FIFO_LEN requests awaiting answers */
	APP_HTTP_ANOM_UNMATCHED_RESPONSE,	/* a final response with no request pending */
	APP_HTTP_ANOM_SPECULATIVE_TUNNEL,	/* bytes after CONNECT before its answer */
	APP_HTTP_ANOM_UNSOLICITED_SWITCH,	/* 101 to a request that asked for no upgrade */
	APP_HTTP_ANOM_COUNT
};

/* Methods the parser tells apart (RFC 9110 9.3, PATCH of RFC 5789); others are OTHER. */
enum app_http_method {
	APP_HTTP_M_OTHER = 0,
	APP_HTTP_M_GET,
	APP_HTTP_M_HEAD,
	APP_HTTP_M_POST,
	APP_HTTP_M_PUT,
	APP_HTTP_M_DELETE,
	APP_HTTP_M_CONNECT,
	APP_HTTP_M_OPTIONS,
	APP_HTTP_M_TRACE,
	APP_HTTP_M_PATCH,
};

/* How the body of a message is delimited (RFC 9112 6.3). */
enum app_http_body {
	APP_HTTP_BODY_NONE = 0,
	APP_HTTP_BODY_LENGTH,		/* Content-Length bytes */
	APP_HTTP_BODY_CHUNKED,		/* chunked, delivered de-chunked */
	APP_HTTP_BODY_UNTIL_CLOSE,	/* response read until the connection closes */
	APP_HTTP_BODY_TUNNEL,		/* CONNECT 2xx / 101: no body, the rest is opaque */
};

/* struct app_http_msg.flags */
#define APP_HTTP_MSG_HAS_CL		(1u << 0)	/* a valid Content-Length was given */
#define APP_HTTP_MSG_HAS_TE		(1u << 1)	/* a Transfer-Encoding was given */
#define APP_HTTP_MSG_CHUNKED		(1u << 2)	/* chunked is the final coding */
#define APP_HTTP_MSG_EXPECT_CONTINUE	(1u << 3)	/* Expect: 100-continue */
#define APP_HTTP_MSG_KEEP_ALIVE		(1u << 4)	/* connection persists (RFC 9112 9.3) */
#define APP_HTTP_MSG_UPGRADE		(1u << 5)	/* request: Upgrade + Connection: upgrade */
#define APP_HTTP_MSG_INTERIM		(1u << 6)	/* response: 1xx */

/* struct app_http_msg.truncated: which recorded values were cut to fit. */
#define APP_HTTP_TRUNC_METHOD		(1u << 0)
#define APP_HTTP_TRUNC_URL		(1u << 1)
#define APP_HTTP_TRUNC_HOST		(1u << 2)
#define APP_HTTP_TRUNC_CTYPE		(1u << 3)
#define APP_HTTP_TRUNC_CENC		(1u << 4)
#define APP_HTTP_TRUNC_TENC		(1u << 5)
#define APP_HTTP_TRUNC_CDISP		(1u << 6)
#define APP_HTTP_TRUNC_EXPECT		(1u << 7)
#define APP_HTTP_TRUNC_CONN		(1u << 8)

/*
 * One message as recorded so far. Strings are NUL terminated, bytes as sent (obs-text
 * included), leading and trailing whitespace of values removed; "" when absent. The
 * list-valued fields (Content-Encoding, Transfer-Encoding, Expect, Connection) join
 * repeated fields with ", "; for Host, Content-Type and Content-Disposition the first
 * field wins.
 */
struct app_http_msg {
	uint8_t dir;			/* enum app_http_dir */
	uint8_t version;		/* 10 or 11 (HTTP/1.2+ is read as 1.1) */
	uint8_t method_id;		/* enum app_http_method; for a response, its request's */
	uint8_t body;			/* enum app_http_body, set at headers complete */
	uint16_t status;		/* response: 100..599; request: 0 */
	uint16_t truncated;		/* APP_HTTP_TRUNC_* */
	uint32_t flags;			/* APP_HTTP_MSG_* */
	uint32_t txn;			/* request: its index on the connection (0, 1, ...);
					 * response: index of the request it answers */
	uint32_t header_count;		/* header fields so far */
	uint32_t header_bytes;		/* bytes of the header section so far */
	uint64_t content_length;	/* valid when APP_HTTP_MSG_HAS_CL */
	uint64_t body_offset;		/* body bytes delivered before the current on_body */
	uint64_t start_offset;		/* bytes fed to the direction before the start line */
	char method[APP_HTTP_METHOD_LEN];	/* request: the token; response: its request's
						 * when known (method_id not OTHER), else "" */
	char url[APP_HTTP_URL_LEN];		/* request-target as sent */
	char host[APP_HTTP_HOST_LEN];
	char content_type[APP_HTTP_CTYPE_LEN];
	char content_encoding[APP_HTTP_CENC_LEN];
	char transfer_encoding[APP_HTTP_TENC_LEN];
	char content_disposition[APP_HTTP_CDISP_LEN];
	char expect[APP_HTTP_EXPECT_LEN];
	char connection[APP_HTTP_CONN_LEN];
};

typedef void (*app_http_msg_fn)(void *cookie, const struct app_http_msg *msg);
typedef void (*app_http_body_fn)(void *cookie, const struct app_http_msg *msg, const uint8_t *p,
				 size_t n);
typedef void (*app_http_err_fn)(void *cookie, const struct app_http_msg *msg,
				enum app_http_err err);
typedef void (*app_http_anom_fn)(void *cookie, const struct app_http_msg *msg,
				 enum app_http_anom anom);

/* Events of one direction; any pointer may be NULL. msg is valid during the call only. */
struct app_http_callbacks {
	app_http_msg_fn on_message_begin;	/* start line read: method/url or status */
	app_http_msg_fn on_headers_complete;	/* fields recorded, msg->body decided */
	app_http_body_fn on_body;		/* body bytes (de-chunked), in order */
	app_http_msg_fn on_message_complete;	/* body (and trailers) done */
	app_http_msg_fn on_tunnel;		/* from here on the direction is opaque */
	app_http_err_fn on_error;		/* once; the direction is raw from here on */
	app_http_anom_fn on_anomaly;
};

/* Link between the two directions of one connection (what the response side must know). */
enum app_http_switch {
	APP_HTTP_SW_NONE = 0,		/* no protocol switch asked for */
	APP_HTTP_SW_PENDING,		/* CONNECT or Upgrade sent, no final answer yet */
	APP_HTTP_SW_ACCEPTED,		/* 2xx to CONNECT, or 101 */
	APP_HTTP_SW_REJECTED,		/* another final answer */
};

struct app_http_pending {
	uint8_t method_id;		/* enum app_http_method */
	uint8_t upgrade;		/* the request asked for an Upgrade */
};

struct app_http_link {
	struct app_http_pending fifo[APP_HTTP_FIFO_LEN];
	uint8_t head;			/* oldest entry */
	uint8_t count;			/* entries queued */
	uint8_t sw;			/* enum app_http_switch */
	uint8_t sw_connect;		/* the pending switch is a CONNECT (not an Upgrade) */
	uint32_t lost;			/* requests past a full FIFO, answered in order after it */
};

/* Counters of one direction. */
struct app_http_stats {
	uint64_t bytes;			/* all bytes fed */
	uint64_t raw_bytes;		/* fed in raw or closed mode */
	uint64_t tunnel_bytes;		/* fed in tunnel mode */
	uint64_t body_bytes;		/* delivered to on_body */
	uint32_t messages;		/* messages begun */
	uint32_t completed;		/* messages completed */
	uint32_t errors;		/* 0 or 1: the first error ends parsing */
	uint32_t limit_hits;		/* errors that were a limit (an anomaly event) */
	uint32_t anomalies[APP_HTTP_ANOM_COUNT];
};

/*
 * The state of one direction (about 12 KiB with the defaults above). Callers may read
 * stats, mode, err and msg; the rest belongs to app_http.c and app_http_fields.c. It is
 * here so that its size is a compile-time constant the caller can allocate in pools.
 */
struct app_http_parser {
	struct app_http_conf conf;
	struct app_http_callbacks cb;
	void *cookie;
	struct app_http_link *link;	/* may be NULL: a direction on its own */
	struct app_http_stats stats;
	uint8_t dir;			/* enum app_http_dir */
	uint8_t mode;			/* enum app_http_mode */
	uint8_t state;			/* private */
	uint8_t err;			/* enum app_http_err: the error that ended parsing */
	uint8_t sub;			/* private: sub-state of the chunk-size line / CRLF */
	uint8_t in_msg;			/* a message has begun and not completed */
	uint8_t te_chunked_last;	/* last coding seen so far is chunked */
	uint8_t te_chunked_seen;	/* chunked appeared at all (twice is an error) */
	uint8_t conn_close;		/* Connection: close seen */
	uint8_t conn_keep_alive;	/* Connection: keep-alive seen */
	uint8_t conn_upgrade;		/* Connection: upgrade seen */
	uint8_t has_upgrade;		/* Upgrade field seen */
	uint8_t seen;			/* private: Host, Content-Type, -Disposition seen */
	uint8_t fresh;			/* private: msg was reset for the next message */
	uint32_t next_txn;		/* request: next txn number; response: final answers */
	uint32_t line_len;		/* bytes in line[] */
	uint32_t sect_count;		/* fields in the current section (headers or trailers) */
	uint32_t sect_bytes;		/* bytes in the current section */
	uint32_t chunk_line;		/* bytes of the current chunk-size line */
	uint64_t line_start;		/* bytes fed before the line being assembled */
	uint64_t remaining;		/* body: bytes left (length) or of the current chunk */
	struct app_http_msg msg;
	uint8_t line[APP_HTTP_LINE_MAX + 2];	/* line being assembled (CR kept, one spare) */
};

/* Both directions of a connection and their link, for callers that keep them together. */
struct app_http_conn {
	struct app_http_link link;
	struct app_http_parser dir[2];	/* indexed by enum app_http_dir */
};

#endif
