/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the app layer (app_layer.c) tells the rest of the data plane about a flow: the
 * application metadata a dlp event carries (Suricata EVE's http and smtp objects) and the
 * layer's counters; and the tls and dns metadata the worker reads itself (app_tls.c,
 * app_dns.c) for their events. Types only.
 */
#ifndef TOLLGATE_APP_LAYER_TYPES_H
#define TOLLGATE_APP_LAYER_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define APP_META_HOST_LEN 128
#define APP_META_URL_LEN 256
#define APP_META_METHOD_LEN 16
#define APP_META_CTYPE_LEN 96
#define APP_META_ADDR_LEN 96
#define APP_META_RCPT 4
#define APP_META_ATTACH 4
#define APP_META_NAME_LEN 96

#define APP_META_SNI_LEN 254		/* a host name: 253 bytes + NUL */
#define APP_META_JA3_LEN 640		/* a JA3 string + NUL; longer ones are left out */
#define APP_META_DNS_NAME_LEN 254	/* a domain name in text: 253 bytes + NUL */
#define APP_META_DNS_ANSWERS 8		/* answer records listed per DNS message */
#define APP_META_DNS_NAMES 480		/* bytes of the answers' names (owners, rdata) */
#define APP_META_DNS_NO_NAME 0xffff	/* app_dns_answer_meta.rdata: none */
#define APP_META_DNS_QNAME 0xfffe	/* app_dns_answer_meta.owner, .rdata: the question */

/* struct app_meta.kind */
enum app_meta_kind {
	APP_META_NONE = 0,
	APP_META_HTTP,
	APP_META_SMTP,
	APP_META_TLS,		/* a TLS handshake: tls metadata event only */
	APP_META_DNS,		/* a DNS message: dns metadata event only */
};

/* One answer record of a DNS message, as a dns event lists it. */
struct app_dns_answer_meta {
	uint32_t ttl;		/* as sent */
	uint16_t type;		/* RR type (1 A, 28 AAAA, 5 CNAME, ...) */
	uint16_t owner;		/* offset of its owner name in names[], or APP_META_DNS_QNAME */
	uint16_t rdata;		/* its rdata name (CNAME, NS, PTR, MX exchange): offset in
				 * names[] or APP_META_DNS_QNAME; APP_META_DNS_NO_NAME: none */
	uint8_t family;		/* 4 / 6: addr holds an A / AAAA rdata; 0: none */
	uint8_t addr[16];
};

/*
 * A DNS message (RFC 1035 4.1) as a Suricata-style dns event tells it: header, the first
 * question, and the first APP_META_DNS_ANSWERS answer records (class IN). Names are
 * lower-case text without the trailing dot.
 */
struct app_dns_meta {
	uint16_t id;
	uint16_t flags;		/* the header's second word: QR, opcode, AA, TC, RD, RA, rcode */
	uint16_t rrtype;	/* question type */
	uint8_t has_question;	/* QDCOUNT >= 1 */
	uint8_t n;		/* answers listed */
	uint16_t ancount;	/* answer records in the message, listed or not */
	char rrname[APP_META_DNS_NAME_LEN];	/* question name; "" for the root */
	struct app_dns_answer_meta a[APP_META_DNS_ANSWERS];
	char names[APP_META_DNS_NAMES];	/* NUL-terminated names the answers point to */
};

/* A TLS handshake as a Suricata-style tls event tells it. */
struct app_tls_meta {
	char sni[APP_META_SNI_LEN];	/* server_name host name, "" when none */
	uint16_t version;		/* negotiated (ServerHello), 0 when not seen */
	char ja3[APP_META_JA3_LEN];	/* JA3 string of the ClientHello, "" when too long */
};

/*
 * Where in the application a flow direction is: the last HTTP transaction, or the
 * current mail. Never raw personal data: the URL's query values and path segments that
 * look like data, and the local parts of mail addresses, are redacted (all but their last
 * 4 characters masked) when the record is made; host names and domains stay readable.
 */
struct app_meta {
	uint8_t kind;			/* enum app_meta_kind */
	union {
		struct {
			char hostname[APP_META_HOST_LEN];
			char url[APP_META_URL_LEN];
			char method[APP_META_METHOD_LEN];
			char content_type[APP_META_CTYPE_LEN];	/* of the message in question */
			uint16_t status;		/* 0 until the response is seen */
		} http;
		struct {
			char helo[APP_META_HOST_LEN];
			char mail_from[APP_META_ADDR_LEN];
			char rcpt_to[APP_META_RCPT][APP_META_ADDR_LEN];
			char attachments[APP_META_ATTACH][APP_META_NAME_LEN];
			uint8_t nrcpt;			/* listed */
			uint8_t nattach;		/* listed */
			uint8_t starttls;		/* the session turned to TLS */
			uint16_t rcpt_total;		/* recipients, listed or not */
			uint16_t attach_total;		/* attachments, listed or not */
		} smtp;
		struct app_tls_meta tls;	/* no larger than smtp: the app layer's per-flow */
		struct app_dns_meta dns;	/* state holds app_meta records too */
	};
};

/* Counters of one worker's app layer. */
struct app_layer_stats {
	uint64_t flows;			/* flows given parser state */
	uint64_t flows_refused;		/* no state left (app.max_flows): scanned raw */
	uint64_t http_messages;
	uint64_t smtp_mails;
	uint64_t parse_errors;		/* directions that fell back to raw scanning */
	uint64_t limit_hits;		/* ... because a header limit was hit (anomaly) */
	uint64_t bodies;		/* bodies, parts and URLs given to the sensors */
	uint64_t decode_errors;		/* corrupt encodings (raw still scanned) */
	uint64_t decode_nomem;		/* decompressor memory refused (app.decode_memcap) */
	uint64_t decode_capped;		/* bodies cut at app.max_decoded */
	uint64_t decode_bombs;		/* bodies stopped at app.max_ratio */
	uint64_t unknown_coding;	/* Content-Encoding the layer cannot undo */
	uint64_t decode_limits;		/* content codings stopped by a cap (the three above
					 * them but decode_errors): the body is not inspected
					 * decoded past it, the exception policy decides */
};

/* Protocols the layer parses. */
enum app_layer_proto {
	APP_LAYER_HTTP = 1,
	APP_LAYER_SMTP,
};

/* Anomalies the sink hears of (each once per flow direction at most). */
enum app_layer_anom {
	APP_LAYER_ANOM_LIMIT = 0,	/* a header limit: the direction is scanned raw */
	APP_LAYER_ANOM_DECODE,		/* an encoding could not be undone (corrupt, bomb, cap,
					 * memory): that body is scanned raw only */
};

typedef int (*app_layer_open_fn)(void *cookie, uint8_t dir, uint8_t level, const char *path);
typedef void (*app_layer_data_fn)(void *cookie, uint8_t dir, uint8_t level, const uint8_t *p,
				  size_t n);
typedef void (*app_layer_close_fn)(void *cookie, uint8_t dir, uint8_t level);
typedef void (*app_layer_cover_fn)(void *cookie, uint8_t dir, uint64_t start, uint64_t end);
typedef void (*app_layer_anom_fn)(void *cookie, uint8_t dir, enum app_layer_anom kind);
typedef void (*app_layer_txn_fn)(void *cookie, uint8_t dir, const struct app_meta *meta);

/*
 * Where decoded bytes go. open starts a buffer of direction dir named path and returns 0
 * when it will be scanned (non-zero: the buffer is skipped, counted by the sink); data and
 * close follow for that buffer only. level 0 is a body, part or URL; level 1 a base64
 * value found inside the open level-0 buffer (both open at once). cover says raw stream bytes [start, end) of dir were
 * given to the open buffer. txn reports each HTTP transaction when its response completes
 * (or the connection ends without one) and each mail when it ends.
 */
struct app_layer_sink {
	app_layer_open_fn open;
	app_layer_data_fn data;
	app_layer_close_fn close;
	app_layer_cover_fn cover;
	app_layer_anom_fn anomaly;
	app_layer_txn_fn txn;		/* an HTTP transaction or a mail is complete (may be
					 * NULL): the metadata events */
};

#endif
